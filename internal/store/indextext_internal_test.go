package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"roster/internal/directory"
)

// indexText reads the search text of the users it is given from their
// rows, whether their numbers make a range or not.
func TestIndexText(t *testing.T) {
	ctx := context.Background()
	db := tempSQLite(t, true)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	org := &directory.Organization{ID: "org-fts", Slug: "fts", Name: "FTS", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	var users []*directory.User
	for _, name := range []string{"Quill", "Rowan", "Sable", "Thorne"} {
		users = append(users, &directory.User{ID: "u-" + name, OrgID: org.ID, Status: directory.StatusActive,
			Profile:   directory.Profile{Username: name, FirstName: "Ann", LastName: name, License: directory.LicenseStandard},
			CreatedAt: now, UpdatedAt: now})
	}
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.InsertUsersBulk(ctx, users) }); err != nil {
		t.Fatal(err)
	}
	found := func() []string {
		t.Helper()
		rows, err := db.sql.QueryContext(ctx, `SELECT u.last_name FROM users u WHERE u.num IN
			(SELECT rowid FROM users_fts WHERE users_fts MATCH 'ann') ORDER BY u.last_name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	if got := found(); !slices.Equal(got, []string{"Quill", "Rowan", "Sable", "Thorne"}) {
		t.Fatalf("after the insert, the index finds %v", got)
	}
	// Take every user out of the index, then put back the first, third and
	// fourth: numbers that are not a range.
	var nums []int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO users_fts (users_fts, rowid, search_text) SELECT 'delete', num, search_text FROM users`); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT num FROM users WHERE last_name <> 'Rowan' ORDER BY num DESC`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				return err
			}
			nums = append(nums, n)
		}
		rows.Close()
		return tx.indexText(ctx, nums)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := found(); !slices.Equal(got, []string{"Quill", "Sable", "Thorne"}) {
		t.Errorf("after indexing %v, the index finds %v", nums, got)
	}
}
