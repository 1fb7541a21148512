package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// bulkUsers returns n users of org with unique usernames, emails and
// external ids, cycling through a few names and the three statuses.
func bulkUsers(orgID string, n int) []*directory.User {
	firsts := []string{"Ada", "Grace", "Linus", "Ken", "Zoë"}
	lasts := []string{"Lovelace", "Hopper", "Torvalds", "Thompson", "Ørsted", "Hopkins"}
	statuses := []directory.Status{directory.StatusActive, directory.StatusPending, directory.StatusInactive}
	users := make([]*directory.User, n)
	for i := range users {
		users[i] = newUser(orgID, func(u *directory.User) {
			u.Username = fmt.Sprintf("User.%04d", i)
			u.Email = fmt.Sprintf("User.%04d@Example.org", i)
			u.FirstName, u.LastName = firsts[i%len(firsts)], lasts[i%len(lasts)]
			u.Status = statuses[i%len(statuses)]
			if i%4 == 0 {
				u.ExternalID = fmt.Sprintf("X-%04d", i)
			}
			u.JobTitle = "Engineer"
			u.CreatedAt = at(0)
			u.UpdatedAt = at(0)
		})
	}
	return users
}

// eachBulkWay runs test on each engine in the two kinds of transaction a
// bulk insert runs in, which inTx begins: a plain one, and a bulk one,
// whose inserts go through COPY on PostgreSQL and which checks no foreign
// keys on SQLite.
func eachBulkWay(t *testing.T, test func(t *testing.T, e *storetest.Engine, inTx func(ctx context.Context, fn func(tx *store.Tx) error) error)) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		for _, way := range []struct {
			name string
			run  func(ctx context.Context, fn func(tx *store.Tx) error) error
		}{{"InTx", e.DB.InTx}, {"InBulkTx", e.DB.InBulkTx}} {
			t.Run(way.name, func(t *testing.T) { test(t, e, way.run) })
		}
	})
}

func TestInsertUsersBulk(t *testing.T) {
	eachBulkWay(t, func(t *testing.T, e *storetest.Engine, inTx func(ctx context.Context, fn func(tx *store.Tx) error) error) {
		ctx := context.Background()
		org := createOrg(t, e.DB)
		// More than one statement's worth, and a remainder.
		const n = 701
		users := bulkUsers(org.ID, n)
		err := inTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, users) })
		if err != nil {
			t.Fatalf("InsertUsersBulk: %v", err)
		}

		// Every field CreateUser stores comes back.
		for _, i := range []int{0, 1, 350, n - 1} {
			want := users[i]
			got, err := e.DB.User(ctx, org.ID, want.ID)
			if err != nil {
				t.Fatalf("User %s: %v", want.Username, err)
			}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("user %d read back differs (-inserted +read):\n%s", i, diff)
			}
		}

		// Found by ListUsers: by username (case-insensitively), by a name
		// with a diacritic, and by a prefix of a last name that two names share.
		byWord := func(match func(u *directory.User) bool) []*directory.User {
			var out []*directory.User
			for _, u := range users {
				if match(u) {
					out = append(out, u)
				}
			}
			return sortedUsers(out, store.SortLastName, false)
		}
		for _, tc := range []struct {
			q    string
			want []*directory.User
		}{
			{"user.0350", byWord(func(u *directory.User) bool { return u.Username == "User.0350" })},
			{"x-0400", byWord(func(u *directory.User) bool { return u.ExternalID == "X-0400" })},
			{"zoë ørsted", byWord(func(u *directory.User) bool { return u.FirstName == "Zoë" && u.LastName == "Ørsted" })},
			{"Hop", byWord(func(u *directory.User) bool { return u.LastName == "Hopper" || u.LastName == "Hopkins" })},
		} {
			if len(tc.want) == 0 {
				t.Fatalf("%q: the test data holds no match", tc.q)
			}
			page := listAll(t, e.DB, org.ID, store.UserFilter{Q: tc.q})
			if diff := gocmp.Diff(ids(tc.want), ids(page.Users)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tc.q, diff)
			}
			if page.Total != len(tc.want) {
				t.Errorf("search %q: total %d; want %d", tc.q, page.Total, len(tc.want))
			}
		}

		// Sorted by last name across pages, counted from user_counts.
		all := walk(t, e.DB, org.ID, store.UserFilter{Sort: store.SortLastName, Limit: 97})
		if diff := gocmp.Diff(ids(sortedUsers(users, store.SortLastName, false)), ids(all)); diff != "" {
			t.Errorf("sorted by last name (-want +got):\n%s", diff)
		}
		for _, st := range []directory.Status{"", directory.StatusActive, directory.StatusPending, directory.StatusInactive} {
			f := store.UserFilter{Limit: 1}
			q := `SELECT COUNT(*) FROM users WHERE org_id = ? AND deleted_at = 0`
			args := []any{org.ID}
			if st != "" {
				f.Statuses = []directory.Status{st}
				q += ` AND status = ?`
				args = append(args, string(st))
			}
			var rows int
			if err := e.DB.SQL().QueryRowContext(ctx, rawSQL(e, q), args...).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			page, err := e.DB.ListUsers(ctx, org.ID, f)
			if err != nil {
				t.Fatalf("ListUsers(%+v): %v", f, err)
			}
			if page.Total != rows {
				t.Errorf("status %q: the counters say %d users; COUNT(*) says %d", st, page.Total, rows)
			}
			if st == "" && rows != n {
				t.Errorf("COUNT(*) = %d; want %d", rows, n)
			}
		}
		if got, err := e.DB.CountUsers(ctx, org.ID); err != nil || got != n {
			t.Errorf("CountUsers = %d, %v; want %d", got, err, n)
		}
	})
}

func TestInsertUsersBulkDuplicate(t *testing.T) {
	eachBulkWay(t, func(t *testing.T, e *storetest.Engine, inTx func(ctx context.Context, fn func(tx *store.Tx) error) error) {
		ctx := context.Background()
		org := createOrg(t, e.DB)
		users := bulkUsers(org.ID, 400)
		users[350].Username = "USER.0001" // the same key as user 1, in another statement
		err := inTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, users) })
		var dup *store.DuplicateError
		if !errors.As(err, &dup) || dup.Field != "username" {
			t.Fatalf("got %v; want a duplicate username", err)
		}
		if n, err := e.DB.CountUsers(ctx, org.ID); err != nil || n != 0 {
			t.Errorf("after the rollback CountUsers = %d, %v; want 0", n, err)
		}
	})
}

// Values that mean something in SQL or in an array literal come back from
// a bulk insert exactly as they went in.
func TestInsertUsersBulkKeepsOddValues(t *testing.T) {
	eachBulkWay(t, func(t *testing.T, e *storetest.Engine, inTx func(ctx context.Context, fn func(tx *store.Tx) error) error) {
		ctx := context.Background()
		org := createOrg(t, e.DB)
		odd := []string{`NULL`, `say "hi"`, `back\slash`, `{braces}, commas`, "line\nbreak", `'quote'`, ` spaced `, `\"`, `ünï`}
		users := bulkUsers(org.ID, len(odd))
		for i, u := range users {
			u.FirstName, u.JobTitle, u.DisplayName = odd[i], odd[len(odd)-1-i], ""
		}
		if err := inTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, users) }); err != nil {
			t.Fatalf("InsertUsersBulk: %v", err)
		}
		for i, want := range users {
			got, err := e.DB.User(ctx, org.ID, want.ID)
			if err != nil {
				t.Fatalf("User %d: %v", i, err)
			}
			if got.FirstName != odd[i] || got.JobTitle != odd[len(odd)-1-i] || got.DisplayName != "" || got.SupervisorID != "" {
				t.Errorf("user %d: first name %q job title %q display name %q supervisor %q, want %q, %q and none",
					i, got.FirstName, got.JobTitle, got.DisplayName, got.SupervisorID, odd[i], odd[len(odd)-1-i])
			}
		}
	})
}
