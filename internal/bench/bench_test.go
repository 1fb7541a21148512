package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/bench"
	"roster/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		h, err := auth.NewHasher(auth.DefaultArgon2Params())
		if err != nil {
			t.Fatal(err)
		}
		svc := admin.New(e.DB, admin.Options{Hasher: h})
		opt := bench.Options{Users: 1200, Reps: 3, Warmup: 1, TxSize: 500}

		// A run on an empty database seeds, measures and removes its users.
		res, err := bench.Run(ctx, e.DB, svc, opt)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		// Seven queries, then eleven console pages rendered for the owner
		// (each must answer 200, or the run fails).
		if len(res.Queries) != 18 {
			t.Fatalf("%d queries measured; want 18", len(res.Queries))
		}
		for _, q := range res.Queries {
			if q.Median <= 0 || q.P95 < q.Median || q.P99 < q.P95 || q.Max < q.P99 {
				t.Errorf("%s: timings out of order: %+v", q.Name, q)
			}
			if strings.HasPrefix(q.Name, "list by last name") && (q.Total != opt.Users || q.Rows != 50) {
				t.Errorf("%s: %d rows of %d; want 50 of %d", q.Name, q.Rows, q.Total, opt.Users)
			}
		}
		if res.SeedRate <= 0 || res.DBBytes <= 0 || res.Users != opt.Users {
			t.Errorf("result %+v lacks the seeding figures", res)
		}
		org, err := svc.Organization(ctx, res.Org)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.DB.CountUsers(ctx, org.ID); err != nil || n != 0 {
			t.Errorf("after the run %d users are left (%v); want none", n, err)
		}

		// Kept users stop the next run unless it is forced, and can be
		// measured again.
		opt.Keep = true
		kept, err := bench.Run(ctx, e.DB, svc, opt)
		if err != nil {
			t.Fatalf("Run with Keep: %v", err)
		}
		opt.Keep = false
		if _, err := bench.Run(ctx, e.DB, svc, opt); !errors.Is(err, bench.ErrNotEmpty) {
			t.Errorf("Run on a database with users: got %v; want ErrNotEmpty", err)
		}
		again, err := bench.Run(ctx, e.DB, svc, bench.Options{Reuse: kept.Org, Reps: 3})
		if err != nil {
			t.Fatalf("Run with Reuse: %v", err)
		}
		// The kept run added the owner its page measurements signed in as.
		if again.Users != opt.Users+1 || again.Queries[0].Total != opt.Users+1 {
			t.Errorf("measuring again found %d users; want %d and the pages' owner", again.Users, opt.Users)
		}

		var text, js bytes.Buffer
		if err := again.WriteText(&text); err != nil || !strings.Contains(text.String(), "fetch by id") {
			t.Errorf("WriteText wrote %q (%v)", text.String(), err)
		}
		if err := again.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		var decoded map[string]any
		if err := json.Unmarshal(js.Bytes(), &decoded); err != nil || decoded["queries"] == nil {
			t.Errorf("WriteJSON wrote %s (%v)", js.String(), err)
		}
	})
}
