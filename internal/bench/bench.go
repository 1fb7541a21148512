// Package bench seeds a database with many users and measures the queries
// an administrator runs most: a page of the user list sorted by last name,
// searched, filtered by status, and one user fetched by id. Every query
// goes through admin.Service, so the authorization check and the total
// count are part of what is measured.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// Options configure a run.
type Options struct {
	Users   int    // how many users to seed
	Reps    int    // measured repetitions of each query
	Warmup  int    // unmeasured repetitions of each query first
	TxSize  int    // users inserted per transaction
	Seed    uint64 // for the random data; the same seed gives the same names
	Force   bool   // run even though the database already holds users
	Keep    bool   // keep the seeded users afterwards
	Log     io.Writer
	Clock   func() time.Time // defaults to time.Now
	OrgSlug string           // defaults to bench-<random>
	// Reuse names an organization seeded by an earlier run with Keep: the
	// run measures its users instead of seeding, and leaves them in place.
	Reuse string
}

// Result is what a run measured.
type Result struct {
	Engine        string        `json:"engine"`
	EngineVersion string        `json:"engine_version"`
	CPUs          int           `json:"cpus"`
	GoVersion     string        `json:"go_version"`
	Users         int           `json:"users"`
	Org           string        `json:"org"`
	Seed          time.Duration `json:"-"`
	SeedSeconds   float64       `json:"seed_seconds"`
	SeedRate      float64       `json:"seed_users_per_second"`
	Analyze       time.Duration `json:"-"`
	AnalyzeSecs   float64       `json:"analyze_seconds"`
	DBBytes       int64         `json:"database_bytes"`
	Reps          int           `json:"reps"`
	Queries       []QueryResult `json:"queries"`
}

// QueryResult holds the timings of one query.
type QueryResult struct {
	Name   string        `json:"name"`
	Median time.Duration `json:"-"`
	P95    time.Duration `json:"-"`
	P99    time.Duration `json:"-"`
	Max    time.Duration `json:"-"`
	Rows   int           `json:"rows"`  // users on the page of the last run
	Total  int           `json:"total"` // matching users, as the page reports them
	// The same durations in milliseconds, for JSON.
	MedianMS float64 `json:"median_ms"`
	P95MS    float64 `json:"p95_ms"`
	P99MS    float64 `json:"p99_ms"`
	MaxMS    float64 `json:"max_ms"`
}

// ErrNotEmpty is returned when the database already holds users and
// Options.Force is not set.
var ErrNotEmpty = errors.New("the database already holds users; run the benchmark on a scratch database, or force it")

// Run seeds opt.Users users into a new organization of db, brings the
// planner statistics up to date, measures each query and, unless opt.Keep
// is set, removes the seeded users again. It refuses a database that
// already holds users (ErrNotEmpty) unless opt.Force is set.
func Run(ctx context.Context, db *store.DB, svc *admin.Service, opt Options) (*Result, error) {
	if opt.Reps <= 0 {
		opt.Reps = 200
	}
	if opt.Warmup <= 0 {
		opt.Warmup = max(opt.Reps/10, 5)
	}
	if opt.TxSize <= 0 {
		opt.TxSize = 10000
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.OrgSlug == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		opt.OrgSlug = "bench-" + hex.EncodeToString(b)
	}
	ins := inspector{db: db}
	if opt.Reuse != "" {
		return rerun(ctx, ins, svc, opt)
	}
	if opt.Users <= 0 {
		return nil, errors.New("seed at least one user")
	}
	if !opt.Force {
		has, err := ins.hasUsers(ctx)
		if err != nil {
			return nil, err
		}
		if has {
			return nil, ErrNotEmpty
		}
	}
	org, err := svc.CreateOrganization(ctx, opt.OrgSlug, "Benchmark")
	if err != nil {
		return nil, err
	}
	res := &Result{Engine: string(db.Engine()), Users: opt.Users, Org: org.Slug, Reps: opt.Reps}
	if res.EngineVersion, err = ins.version(ctx); err != nil {
		return nil, err
	}

	fmt.Fprintf(opt.Log, "seeding %d users into organization %s, %d per transaction\n", opt.Users, org.Slug, opt.TxSize)
	sample, err := seed(ctx, db, org.ID, opt)
	if err != nil {
		return nil, err
	}
	res.Seed = sample.took
	res.SeedRate = float64(opt.Users) / sample.took.Seconds()
	fmt.Fprintf(opt.Log, "seeded %d users in %s (%.0f users/s)\n", opt.Users, sample.took.Round(time.Millisecond), res.SeedRate)

	start := time.Now()
	if err := ins.analyze(ctx); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	res.Analyze = time.Since(start)
	fmt.Fprintf(opt.Log, "updated the planner statistics in %s\n", res.Analyze.Round(time.Millisecond))
	if err := measureAll(ctx, ins, svc, org, sample.ids, opt, res); err != nil {
		return nil, err
	}
	if !opt.Keep {
		start := time.Now()
		if err := ins.removeUsers(ctx, org.ID, opt.TxSize); err != nil {
			return nil, fmt.Errorf("remove the seeded users: %w", err)
		}
		fmt.Fprintf(opt.Log, "removed the seeded users in %s\n", time.Since(start).Round(time.Millisecond))
	}
	res.SeedSeconds, res.AnalyzeSecs = res.Seed.Seconds(), res.Analyze.Seconds()
	return res, nil
}

// rerun measures the users of the organization opt.Reuse.
func rerun(ctx context.Context, ins inspector, svc *admin.Service, opt Options) (*Result, error) {
	org, err := svc.Organization(ctx, opt.Reuse)
	if err != nil {
		return nil, err
	}
	n, err := ins.db.CountUsers(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("organization %s has no users to measure", org.Slug)
	}
	res := &Result{Engine: string(ins.db.Engine()), Users: n, Org: org.Slug, Reps: opt.Reps}
	if res.EngineVersion, err = ins.version(ctx); err != nil {
		return nil, err
	}
	ids, err := ins.sampleIDs(ctx, org.ID, n, 1000)
	if err != nil {
		return nil, err
	}
	return res, measureAll(ctx, ins, svc, org, ids, opt, res)
}

// measureAll measures every query on the users of org into res.
func measureAll(ctx context.Context, ins inspector, svc *admin.Service, org *directory.Organization, ids []string, opt Options, res *Result) error {
	res.CPUs, res.GoVersion = runtime.NumCPU(), runtime.Version()
	var err error
	if res.DBBytes, err = ins.size(ctx); err != nil {
		return err
	}
	qs, err := queries(ctx, ins, svc, admin.Operator(org.ID), ids)
	if err != nil {
		return err
	}
	if err := measureEach(ctx, qs, opt, res); err != nil {
		return err
	}
	// The pages come second: measuring them adds an owner to sign in with.
	ps, err := pageQueries(ctx, svc, org, ids)
	if err != nil {
		return err
	}
	return measureEach(ctx, ps, opt, res)
}

// measureEach measures each query of qs into res.
func measureEach(ctx context.Context, qs []query, opt Options, res *Result) error {
	for _, q := range qs {
		r, err := measure(ctx, q, opt.Warmup, opt.Reps)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		fmt.Fprintf(opt.Log, "measured %-40s p95 %s\n", q.name, ms(r.P95))
		res.Queries = append(res.Queries, r)
	}
	return nil
}

// seeded is what seeding leaves for the queries.
type seeded struct {
	took time.Duration
	ids  []string // about a thousand user ids spread over the whole set
}

// seed inserts opt.Users users in transactions of opt.TxSize.
func seed(ctx context.Context, db *store.DB, orgID string, opt Options) (*seeded, error) {
	g := newGenerator(orgID, opt.Users, opt.Seed, opt.Clock())
	every := max(opt.Users/1000, 1)
	out := &seeded{}
	batch := make([]*directory.User, 0, opt.TxSize)
	start := time.Now()
	report := max(opt.Users/10, opt.TxSize)
	for done := 0; done < opt.Users; {
		batch = batch[:0]
		for len(batch) < opt.TxSize && done+len(batch) < opt.Users {
			u := g.next()
			if (done+len(batch))%every == 0 {
				out.ids = append(out.ids, u.ID)
			}
			batch = append(batch, u)
		}
		// The generated users refer to nothing but the organization.
		if err := db.InBulkTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, batch) }); err != nil {
			return nil, err
		}
		before := done
		done += len(batch)
		if done/report != before/report || done == opt.Users {
			el := time.Since(start)
			fmt.Fprintf(opt.Log, "  %9d users  %8s  %6.0f users/s\n", done, el.Round(time.Second), float64(done)/el.Seconds())
		}
	}
	out.took = time.Since(start)
	return out, nil
}

// query is one measured operation; it answers the rows on its page and the
// total it reported.
type query struct {
	name string
	run  func(ctx context.Context, i int) (rows, total int, err error)
}

// queries returns the measured operations, run as actor.
func queries(ctx context.Context, ins inspector, svc *admin.Service, actor *admin.Actor, ids []string) ([]query, error) {
	deep, err := ins.cursorAt(ctx, actor.OrgID, 0.5)
	if err != nil {
		return nil, err
	}
	list := func(f store.UserFilter) func(ctx context.Context, i int) (int, int, error) {
		return func(ctx context.Context, _ int) (int, int, error) {
			p, err := svc.ListUsers(ctx, actor, f)
			if err != nil {
				return 0, 0, err
			}
			return len(p.Users), p.Total, nil
		}
	}
	const limit = 50
	byLast := store.UserFilter{Sort: store.SortLastName, Limit: limit}
	with := func(edit func(f *store.UserFilter)) store.UserFilter {
		f := byLast
		edit(&f)
		return f
	}
	return []query{
		{"list by last name, first page", list(byLast)},
		{"list by last name, middle page (cursor)", list(with(func(f *store.UserFilter) { f.After = deep }))},
		{`search "john" (common prefix)`, list(with(func(f *store.UserFilter) { f.Q = "john" }))},
		{`search "mary johnson" (full name)`, list(with(func(f *store.UserFilter) { f.Q = "mary johnson" }))},
		{"status pending (10%)", list(with(func(f *store.UserFilter) {
			f.Statuses = []directory.Status{directory.StatusPending}
		}))},
		{"status active (85%)", list(with(func(f *store.UserFilter) {
			f.Statuses = []directory.Status{directory.StatusActive}
		}))},
		{"fetch by id", func(ctx context.Context, i int) (int, int, error) {
			_, err := svc.User(ctx, actor, ids[i%len(ids)])
			return 1, 1, err
		}},
	}, nil
}

// measure runs q warmup times unmeasured, then reps times measured.
func measure(ctx context.Context, q query, warmup, reps int) (QueryResult, error) {
	r := QueryResult{Name: q.name}
	for i := range warmup {
		if _, _, err := q.run(ctx, i*7919); err != nil {
			return r, err
		}
	}
	times := make([]time.Duration, reps)
	for i := range reps {
		start := time.Now()
		rows, total, err := q.run(ctx, i)
		times[i] = time.Since(start)
		if err != nil {
			return r, err
		}
		r.Rows, r.Total = rows, total
	}
	slices.Sort(times)
	r.Median, r.P95, r.P99, r.Max = percentile(times, 50), percentile(times, 95), percentile(times, 99), times[len(times)-1]
	r.MedianMS, r.P95MS, r.P99MS, r.MaxMS = msf(r.Median), msf(r.P95), msf(r.P99), msf(r.Max)
	return r, nil
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", msf(d)) }
