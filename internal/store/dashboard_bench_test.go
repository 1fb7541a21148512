package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// BenchmarkDashboard measures the dashboard's queries on an organization
// of ROSTER_DASHBOARD_USERS users (100,000 by default) with a sign-in per
// user spread over the last 30 days: the tally from the counters, the
// scoped tally, the sign-ins per day (from the counters and, for a
// scope, from the audit log) and the recent activity.
//
//	go test ./internal/store -run '^$' -bench Dashboard -benchtime 20x
func BenchmarkDashboard(b *testing.B) {
	n := 100_000
	if s := os.Getenv("ROSTER_DASHBOARD_USERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("ROSTER_DASHBOARD_USERS=%q: want a number of at least 100", s)
		}
		n = v
	}
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			db := e.DB
			o := createOrgB(b, db)
			now := time.Now()
			site := dashboardSeed(b, e, o.ID, n, now)

			b.Run("tally", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.TallyUsers(ctx, o.ID, nil, now.UnixMicro()); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("tally_scoped", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.TallyUsers(ctx, o.ID, &store.UserScope{UnitPath: site, SelfID: "x"}, now.UnixMicro()); err != nil {
						b.Fatal(err)
					}
				}
			})
			from := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -29)
			b.Run("signins_per_day", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.SignInsPerDay(ctx, o.ID, from, from.AddDate(0, 0, 30), nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("signins_per_day_scoped", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.SignInsPerDay(ctx, o.ID, from, from.AddDate(0, 0, 30), &store.UserScope{UnitPath: site}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("recent_activity", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.RecentAudit(ctx, o.ID, []string{"session.sign_in"}, nil, 10); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// createOrgB is createOrg for a benchmark.
func createOrgB(b *testing.B, db *store.DB) *directory.Organization {
	b.Helper()
	o := &directory.Organization{ID: newID(), Slug: "org-" + randHex(6), Name: "Dashboard benchmark",
		PremiumSeatLimit: -1, CreatedAt: baseTime, UpdatedAt: baseTime}
	if err := db.CreateOrganization(context.Background(), o); err != nil {
		b.Fatalf("CreateOrganization: %v", err)
	}
	return o
}

// dashboardSeed adds n users (a tenth pending, a twentieth disabled, one
// in two hundred locked, one in a hundred granted access on a site whose
// path it returns) and one sign-in event per user over 30 days, with an
// administrative event every hundred.
func dashboardSeed(b *testing.B, e *storetest.Engine, orgID string, n int, now time.Time) string {
	b.Helper()
	ctx := context.Background()
	db := e.DB
	users := make([]*directory.User, 0, 5000)
	flush := func() {
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, users) })
		if err != nil {
			b.Fatal(err)
		}
		users = users[:0]
	}
	ids := make([]string, 0, n)
	for i := range n {
		u := newUser(orgID, func(u *directory.User) {
			u.Username = fmt.Sprintf("bench%07d", i)
			u.Email = u.Username + "@example.org"
			switch {
			case i%10 == 0:
				u.Status = directory.StatusPending
			case i%20 == 1:
				u.Status = directory.StatusInactive
			}
		})
		users = append(users, u)
		ids = append(ids, u.ID)
		if len(users) == cap(users) {
			flush()
		}
	}
	if len(users) > 0 {
		flush()
	}
	if _, err := db.SQL().ExecContext(ctx, rawSQL(e, `UPDATE users SET locked_at = ? WHERE org_id = ? AND id IN
		(SELECT id FROM users WHERE org_id = ? AND status = 'active' ORDER BY id LIMIT ?)`), now.UnixMicro(), orgID, orgID, n/200); err != nil {
		b.Fatal(err)
	}
	defer func() {
		// PostgreSQL plans from statistics that autovacuum would have
		// gathered by now on a live database; SQLite runs without any, as
		// the server does.
		if e.DB.Engine() == store.Postgres {
			if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
		}
	}()
	const rows = 400
	span := int64(30 * 24 * time.Hour / time.Microsecond)
	start := now.UnixMicro() - span
	for i := 0; i < n; i += rows {
		var q strings.Builder
		var args []any
		q.WriteString(`INSERT INTO audit_events (id, org_id, at, actor_id, action) VALUES `)
		for j := i; j < min(i+rows, n); j++ {
			if j > i {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?)")
			action := "session.sign_in"
			if j%100 == 0 {
				action = "user.update"
			}
			args = append(args, newID(), orgID, start+int64(j)*span/int64(n), ids[j], action)
		}
		if _, err := db.SQL().ExecContext(ctx, rawSQL(e, q.String()), args...); err != nil {
			b.Fatal(err)
		}
	}
	unit := &directory.Unit{ID: newID(), OrgID: orgID, Kind: "site", Name: "Site", CreatedAt: baseTime, UpdatedAt: baseTime}
	unit.Path = "/" + unit.ID + "/"
	role := &directory.Role{ID: newID(), OrgID: orgID, Name: "Staff", Level: 10,
		Permissions: []directory.Permission{"users.view"}, CreatedAt: baseTime, UpdatedAt: baseTime}
	if err := db.CreateUnit(ctx, unit); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateRole(ctx, role); err != nil {
		b.Fatal(err)
	}
	for i := 50; i < n; i += 100 {
		g := &directory.Grant{ID: newID(), OrgID: orgID, UserID: ids[i], RoleID: role.ID, UnitID: unit.ID, CreatedAt: baseTime}
		if err := db.CreateGrant(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	return unit.Path
}
