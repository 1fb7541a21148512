package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"roster/internal/bench"
)

func (a *app) benchCmd() *cobra.Command {
	var opt bench.Options
	var asJSON, export bool
	var importRows int
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Seed users into a scratch database and measure the user list queries",
		Long: `Bench seeds --users users into a new organization, then measures, through the same
code the console and the API use, a page of 50 users sorted by last name (first and
middle page), the same with a search term, with a status filter, and a fetch by id.
It prints the median, 95th and 99th percentile of each.

Run it against a scratch database: it refuses a database that already holds users
unless --force is given, and removes the users it seeded when it is done unless
--keep is given (the emptied benchmark organization stays).`,
		Example: `  roster bench --db sqlite:bench-scratch.db
  roster bench --db 'postgres://postgres@127.0.0.1:5432/roster_bench?sslmode=disable' --users 1000000 --keep --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if importRows > 0 {
				return a.benchImport(ctx, importRows, asJSON)
			}
			if export && !opt.Keep && opt.Reuse == "" {
				return errors.New("--export needs --keep or --reuse: the users must still be there to export")
			}
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			svc, err := a.service(db)
			if err != nil {
				return err
			}
			opt.Log = a.stderr
			res, err := bench.Run(ctx, db, svc, opt)
			if errors.Is(err, bench.ErrNotEmpty) {
				return fmt.Errorf("%w (--force)", err)
			}
			if err != nil {
				return err
			}
			if export {
				exports, err := a.measureExports(ctx, res.Org)
				if err != nil {
					return err
				}
				return bench.WriteWithExports(a.stdout, res, exports, asJSON)
			}
			if asJSON {
				return res.WriteJSON(a.stdout)
			}
			return res.WriteText(a.stdout)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.Users, "users", 100000, "how many users to seed")
	f.IntVar(&opt.Reps, "reps", 200, "measured runs of each query")
	f.IntVar(&opt.Warmup, "warmup", 20, "unmeasured runs of each query before the measured ones")
	f.IntVar(&opt.TxSize, "tx-size", 10000, "users inserted per transaction")
	f.Uint64Var(&opt.Seed, "seed", 1, "seed of the random names and statuses")
	f.BoolVar(&opt.Force, "force", false, "run even though the database already holds users")
	f.BoolVar(&opt.Keep, "keep", false, "keep the seeded users afterwards")
	f.StringVar(&opt.Reuse, "reuse", "", "measure the users of this organization, seeded before with --keep, instead of seeding")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	f.IntVar(&importRows, "import", 0, "instead, time roster users import of a generated file of this many new users (100000) in a child process, on a new SQLite file or, with a postgres:// --db, a scratch database on that server")
	f.BoolVar(&export, "export", false, "also time roster users export of every user, as CSV and as XLSX, with its peak memory")
	return cmd
}
