package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"roster/internal/admin"
	"roster/internal/bench"
	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/web"
)

// importFlags are the options of the import commands.
type importFlags struct {
	kind       directory.ImportKind
	mode       string
	matchBy    string
	mapping    string
	relKind    string
	saveAs     string
	exceptions string
	dryRun     bool
	invite     bool
}

// shownErrors is how many rows in error an import prints before it only
// counts the rest.
const shownErrors = 20

func (a *app) usersImportCmd() *cobra.Command {
	fl := importFlags{kind: directory.ImportUsers}
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create or update users from a CSV file",
		Long: `Import reads a CSV file (UTF-8 with or without a byte-order mark; comma, semicolon or tab;
up to 100,000 rows and 50 MB) and creates users (--mode create), updates the users its rows
name (--mode update, matched by user name or by user code with --match-by external_id;
only the mapped columns change) or both (--mode upsert). The columns are mapped to fields
from their headers as the console proposes it; --map overrides that. The mapping used is
printed, then a dry run checks every row; with --dry-run nothing more happens. Otherwise
the import runs in this process: rows in error are skipped and listed, every other row is
applied, and a summary ends it. The exit status is 0 when the import ran, even with rows
in error. The import is kept in the history and can be undone with roster imports rollback.`,
		Example: `  roster users import staff.csv --mode create --dry-run
  roster users import staff.csv --mode create --map "Given=first_name,Family=last_name,Login=username" --invite
  roster users import changes.csv --mode update --match-by external_id --exceptions refused.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !directory.ImportMode(fl.mode).Valid() {
				return fmt.Errorf("--mode %q is not known; use create, update or upsert", fl.mode)
			}
			return a.importFile(cmd.Context(), args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.mode, "mode", "", "create, update or upsert (required)")
	f.StringVar(&fl.matchBy, "match-by", directory.MatchUsername, "how rows name existing users: username or external_id (user code)")
	f.StringVar(&fl.mapping, "map", "", `"Column=field,…" pairs overriding the proposed mapping; an empty field leaves a column out`)
	f.BoolVar(&fl.dryRun, "dry-run", false, "check every row and print what would happen, changing nothing")
	f.BoolVar(&fl.invite, "invite", false, "mail created users an invitation (needs an Email column)")
	f.StringVar(&fl.saveAs, "save-mapping", "", "save the mapping under this name, to be proposed for files with the same header")
	f.StringVar(&fl.exceptions, "exceptions", "", "write the rows in error, with their reason, to this CSV file")
	_ = cmd.MarkFlagRequired("mode")
	return cmd
}

// importCmds are the top-level commands about imports: relationships
// import and the imports history.
func (a *app) importCmds() []*cobra.Command {
	return []*cobra.Command{a.relationshipsCmd(), a.importsCmd()}
}

func (a *app) relationshipsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "relationships", Short: "Operator actions on relationships between users"}
	fl := importFlags{kind: directory.ImportRelationships}
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Link users (parent of student, …) from a CSV file",
		Long: `Import reads a CSV file with a parent identifier and a student identifier on each row,
read as user names (--by username) or user codes (--by external_id), and links each pair
with a relationship of --kind. It prints the mapping and a dry run first; --dry-run stops
there. Rows in error are skipped and listed.`,
		Example: `  roster relationships import families.csv --by external_id --dry-run
  roster relationships import families.csv --by username --kind parent_of`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importFile(cmd.Context(), args[0], fl)
		},
	}
	f := imp.Flags()
	f.StringVar(&fl.matchBy, "by", "", "how the identifiers name users: username or external_id (user code) (required)")
	f.StringVar(&fl.relKind, "kind", directory.RelParentOf, "the kind of relationship to make")
	f.StringVar(&fl.mapping, "map", "", `"Column=parent,Column=student" overriding the proposed mapping`)
	f.BoolVar(&fl.dryRun, "dry-run", false, "check every row and print what would happen, changing nothing")
	f.StringVar(&fl.saveAs, "save-mapping", "", "save the mapping under this name")
	f.StringVar(&fl.exceptions, "exceptions", "", "write the rows in error, with their reason, to this CSV file")
	_ = imp.MarkFlagRequired("by")
	cmd.AddCommand(imp)
	return cmd
}

// importFile runs an import of a file from upload to summary, as the
// operator.
func (a *app) importFile(ctx context.Context, path string, fl importFlags) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	stop, err := profileImport()
	if err != nil {
		return err
	}
	defer stop()
	return a.withService(ctx, func(svc *admin.Service, org *directory.Organization) error {
		op := admin.Operator(org.ID)
		changes, err := admin.ParseMappingPairs(fl.mapping)
		if err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		// The settings go with the upload: settings that cannot apply
		// refuse it, and nothing is stored.
		im, err := svc.UploadImport(ctx, op, admin.ImportUpload{Kind: fl.kind, FileName: filepath.Base(path), Body: file,
			Settings: &admin.ImportSettings{Mode: directory.ImportMode(fl.mode), MatchBy: fl.matchBy, Changes: changes,
				Invite: fl.invite, RelationshipKind: fl.relKind, SaveAs: fl.saveAs}})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		cols, err := svc.ImportColumns(ctx, op, fl.kind)
		if err != nil {
			return err
		}
		printMapping(a.stdout, im, im.Mapping, cols)
		if im, err = svc.PreviewImport(ctx, op, im.ID); err != nil {
			return err
		}
		a.printPreview(im)
		if fl.dryRun {
			fmt.Fprintf(a.stdout, "dry run: nothing changed (import %s stays a draft)\n", im.ID)
			return nil
		}
		if _, err := svc.StartImport(ctx, op, im.ID); err != nil {
			return err
		}
		start := time.Now()
		bar := a.progressBar("importing")
		err = svc.RunImport(ctx, workerName(), im.ID, func(cur *directory.Import) { bar(cur.Done, cur.Total) })
		bar(-1, 0)
		if err != nil {
			return err
		}
		if im, err = svc.Import(ctx, op, im.ID); err != nil {
			return err
		}
		return a.printResult(ctx, svc, op, im, time.Since(start), fl.exceptions)
	})
}

// printMapping shows which field each column fills.
func printMapping(w io.Writer, im *directory.Import, mapping []string, cols []admin.Column) {
	labels := map[string]string{}
	for _, c := range cols {
		labels[c.Key] = c.Label
	}
	fmt.Fprintln(w, "mapping:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, h := range im.Headers {
		field := ""
		if i < len(mapping) {
			field = mapping[i]
		}
		if field == "" {
			fmt.Fprintf(tw, "  %s\t(left out)\n", h)
		} else {
			fmt.Fprintf(tw, "  %s\t-> %s (%s)\n", h, field, labels[field])
		}
	}
	_ = tw.Flush()
}

// printPreview prints the counts of a dry run and its rows in error.
func (a *app) printPreview(im *directory.Import) {
	p := im.Preview
	if p == nil {
		return
	}
	fmt.Fprintf(a.stdout, "preview of %s rows: %s to create, %s to update, %s unchanged, %s in error\n",
		web.Number(im.Total), web.Number(p.Counts.Created), web.Number(p.Counts.Updated), web.Number(p.Counts.Unchanged), web.Number(p.Counts.Errors))
	rows := p.Samples[directory.RowError]
	for i := range rows {
		fmt.Fprintf(a.stdout, "  line %d: %s\n", rows[i].FileLine, rows[i].Message)
	}
	if more := p.Counts.Errors - len(rows); more > 0 {
		fmt.Fprintf(a.stdout, "  … and %s more\n", web.Number(more))
	}
}

// printResult prints the summary of a finished import, its first rows in
// error, and writes the exceptions file when asked.
func (a *app) printResult(ctx context.Context, svc *admin.Service, op *admin.Actor, im *directory.Import, took time.Duration, exceptions string) error {
	c := im.Counts
	rate := float64(c.Rows()) / max(took.Seconds(), 0.001)
	fmt.Fprintf(a.stdout, "created %s, updated %s, unchanged %s, errors %s in %.1f s (%s rows/s)\n",
		web.Number(c.Created), web.Number(c.Updated), web.Number(c.Unchanged), web.Number(c.Errors), took.Seconds(), web.Number(int(rate)))
	if im.State == directory.ImportFailed {
		fmt.Fprintf(a.stdout, "the import stopped: %s\n", im.Failure)
	}
	if c.Errors > 0 {
		rows, err := svc.ImportRows(ctx, op, im.ID, directory.RowError, 0, shownErrors)
		if err != nil {
			return err
		}
		for _, r := range rows {
			fmt.Fprintf(a.stdout, "  line %d: %s\n", r.FileLine, r.Message)
		}
		if more := c.Errors - len(rows); more > 0 {
			fmt.Fprintf(a.stdout, "  … and %s more\n", web.Number(more))
		}
		if exceptions == "" {
			fmt.Fprintf(a.stdout, "exceptions: roster imports exceptions %s\n", im.ID)
		}
	}
	if exceptions != "" {
		if err := writeExceptions(ctx, svc, op, im.ID, exceptions, a.stdout); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "exceptions written to %s\n", exceptions)
	}
	fmt.Fprintf(a.stdout, "import %s; undo it with roster imports rollback %s\n", im.ID, im.ID)
	return nil
}

// writeExceptions writes the refused rows of an import as CSV to the file
// path, or to stdout when path is "" or "-".
func writeExceptions(ctx context.Context, svc *admin.Service, op *admin.Actor, id, path string, stdout io.Writer) (err error) {
	out := stdout
	if path != "" && path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		out = f
	}
	w := sheet.NewCSV(out)
	if err := svc.ImportExceptions(ctx, op, id, w.WriteRow); err != nil {
		return err
	}
	return w.Close()
}

func (a *app) importsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "imports", Short: "The history of CSV imports: list, exceptions, rollback"}
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List the imports, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withService(ctx, func(svc *admin.Service, org *directory.Organization) error {
				page, err := svc.Imports(ctx, admin.Operator(org.ID), limit, nil)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCREATED\tKIND\tMODE\tSTATE\tROWS\tCREATED\tUPDATED\tUNCHANGED\tERRORS\tFILE\tBY")
				for _, im := range page.Imports {
					c := im.Counts
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", im.ID, im.CreatedAt.UTC().Format("2006-01-02 15:04"),
						im.Kind, im.Mode, strings.ReplaceAll(string(im.State), "_", " "), im.Total, c.Created, c.Updated, c.Unchanged, c.Errors,
						im.FileName, im.Owner.ActorName)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().IntVar(&limit, "limit", 50, "how many imports to list (at most 200)")

	rollback := &cobra.Command{
		Use:   "rollback ID",
		Short: "Undo a finished import",
		Long: `Rollback undoes a whole import in this process: users it created are purged (or, when
they have signed in since, disabled), fields it changed return to their earlier values unless
changed again since (those are reported and kept), and the relationships, grants and group
memberships it added are removed. It prints what it did.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withService(ctx, func(svc *admin.Service, org *directory.Organization) error {
				op := admin.Operator(org.ID)
				im, err := svc.RollbackImport(ctx, op, args[0])
				if err != nil {
					return err
				}
				bar := a.progressBar("rolling back")
				undoable := im.Counts.Created + im.Counts.Updated
				err = svc.RunImport(ctx, workerName(), im.ID, func(cur *directory.Import) {
					n := 0
					for _, v := range cur.RollbackCounts {
						n += v
					}
					bar(n, undoable)
				})
				bar(-1, 0)
				if err != nil {
					return err
				}
				if im, err = svc.Import(ctx, op, im.ID); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "import %s is %s:", im.ID, strings.ReplaceAll(string(im.State), "_", " "))
				said := false
				for _, k := range []string{admin.UndoPurged, admin.UndoDisabled, admin.UndoReverted, admin.UndoPartial,
					admin.UndoKept, admin.UndoRemoved, admin.UndoGone} {
					if n := im.RollbackCounts[k]; n > 0 {
						sep := ","
						if !said {
							sep = ""
						}
						fmt.Fprintf(a.stdout, "%s %s %s", sep, k, web.Number(n))
						said = true
					}
				}
				if !said {
					fmt.Fprint(a.stdout, " nothing needed undoing")
				}
				fmt.Fprintln(a.stdout)
				return nil
			})
		},
	}

	var out string
	exceptions := &cobra.Command{
		Use:   "exceptions ID",
		Short: "Write the rows an import refused as CSV, with the reason of each",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withService(ctx, func(svc *admin.Service, org *directory.Organization) error {
				return writeExceptions(ctx, svc, admin.Operator(org.ID), args[0], out, a.stdout)
			})
		},
	}
	exceptions.Flags().StringVarP(&out, "output", "o", "", "the file to write (default standard output)")
	cmd.AddCommand(list, rollback, exceptions)
	return cmd
}

// progressBar returns a function that draws a bar of done out of total
// rows on standard error when it is a terminal, and does nothing
// otherwise; done < 0 finishes the line.
func (a *app) progressBar(what string) func(done, total int) {
	if !isTerminal(a.stderr) {
		return func(int, int) {}
	}
	drawn := false
	return func(done, total int) {
		if done < 0 {
			if drawn {
				fmt.Fprintln(a.stderr)
			}
			return
		}
		const width = 30
		filled := 0
		if total > 0 {
			filled = min(width, done*width/total)
		}
		pct := 100
		if total > 0 {
			pct = min(100, done*100/total)
		}
		fmt.Fprintf(a.stderr, "\r%s [%s%s] %3d%%  %s/%s rows", what, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			pct, web.Number(done), web.Number(total))
		drawn = true
	}
}

// workerName names this process in the leases it takes on imports: the
// host, the process id and a random part, so that two processes on one
// host (or a restarted one with the same id) never share a name.
func workerName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "roster"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// benchImport measures roster users import of rows new users in a child
// process of this binary (see bench.MeasureImport): on a scratch database
// of the PostgreSQL server --db names, or on a new SQLite file otherwise.
func (a *app) benchImport(ctx context.Context, rows int, asJSON bool) error {
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	opt := bench.ImportOptions{Binary: bin, Rows: rows, Log: a.stderr}
	if strings.HasPrefix(a.cfg.DB, "postgres://") || strings.HasPrefix(a.cfg.DB, "postgresql://") {
		opt.Server = a.cfg.DB
	}
	res, err := bench.MeasureImport(ctx, opt)
	if err != nil {
		return err
	}
	if asJSON {
		return res.WriteJSON(a.stdout)
	}
	return res.WriteText(a.stdout)
}

// profileImport writes a CPU profile of the import to the file that
// ROSTER_IMPORT_CPUPROFILE names, and a profile of what it allocated to the
// file that ROSTER_IMPORT_MEMPROFILE names, when they are set, for finding
// where the time of a slow import goes; the returned function ends them.
func profileImport() (func(), error) {
	stop := func() {}
	if path := os.Getenv("ROSTER_IMPORT_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("ROSTER_IMPORT_CPUPROFILE: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("ROSTER_IMPORT_CPUPROFILE: %w", err)
		}
		stop = func() {
			pprof.StopCPUProfile()
			f.Close()
		}
	}
	path := os.Getenv("ROSTER_IMPORT_MEMPROFILE")
	if path == "" {
		return stop, nil
	}
	f, err := os.Create(path)
	if err != nil {
		stop()
		return nil, fmt.Errorf("ROSTER_IMPORT_MEMPROFILE: %w", err)
	}
	return func() {
		stop()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fmt.Fprintf(os.Stderr, "ROSTER_IMPORT_MEMPROFILE: %v\n", err)
		}
		f.Close()
	}, nil
}
