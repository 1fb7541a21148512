package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestProvisionedFiltersUseIndexes checks, on SQLite, that the lookups
// SCIM clients make before they create a user (userName, externalId, an
// email, a prefix of the userName) read an index of users rather than
// scanning the table.
func TestProvisionedFiltersUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := tempSQLite(t, true)
	for _, tc := range []struct {
		cond *Cond
		want string // the index condition the plan must show
	}{
		{&Cond{Op: "eq", Field: "username", Value: "bjensen"}, "username_key=?"},
		{&Cond{Op: "eq", Field: "external_id", Value: "701984"}, "external_id=?"},
		{&Cond{Op: "eq", Field: "email", Value: "bjensen@example.com"}, "email_key=?"},
		{&Cond{Op: "sw", Field: "username", Value: "bj"}, "username_key>? AND username_key<?"},
		{&Cond{Op: "eq", Field: "id", Value: "0190-abc"}, "(id=?)"},
	} {
		c := tc.cond
		w, args, err := db.provisionedWhere("org", &ProvisionedQuery{Cond: c})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.query(ctx, `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM users u WHERE `+w, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, "SEARCH u USING") || !strings.Contains(text, tc.want) {
			t.Errorf("%s %s: plan %q does not search users by an index", c.Field, c.Op, text)
		}
	}
}

// tempSQLite opens a new SQLite database in the test's temporary folder,
// migrated with migrate, and closes it when the test ends.
func tempSQLite(t *testing.T, migrate bool) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return db
}
