package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// allStatuses is a filter that keeps every user but sends a search down the
// general path instead of the word index.
var allStatuses = []directory.Status{directory.StatusActive, directory.StatusPending, directory.StatusInactive}

// wordRows returns the rows of user_words of a user, as "word last_name prev_word".
func wordRows(t *testing.T, db *store.DB, orgID, userID string) []string {
	t.Helper()
	q := `SELECT word, last_name, prev_word FROM user_words WHERE org_id = ? AND user_id = ? ORDER BY word`
	if db.Engine() == store.Postgres {
		q = `SELECT word, last_name, prev_word FROM user_words WHERE org_id = $1 AND user_id = $2 ORDER BY word`
	}
	rows, err := db.SQL().QueryContext(context.Background(), q, orgID, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w, l, p string
		if err := rows.Scan(&w, &l, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, w+" "+l+" "+p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantWordRows returns the rows user_words should hold for u: one per
// distinct word of its search text, in byte order, each with the one
// before it; none in the recycle bin.
func wantWordRows(u *directory.User) []string {
	if u == nil || u.Deleted() {
		return nil
	}
	words := strings.Fields(directory.SearchText(&u.Profile))
	slices.Sort(words)
	words = slices.Compact(words)
	var out []string
	prev := ""
	for _, w := range words {
		out = append(out, w+" "+u.LastName+" "+prev)
		prev = w
	}
	return out
}

// checkWords compares the rows of user_words of u (nil: purged) with the
// expected ones.
func checkWords(t *testing.T, db *store.DB, orgID, userID string, u *directory.User, step string) {
	t.Helper()
	got := wordRows(t, db, orgID, userID)
	if diff := gocmp.Diff(wantWordRows(u), got); diff != "" {
		t.Errorf("%s: user_words (-want +got):\n%s", step, diff)
	}
}

func TestUserWordsKeptInSync(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, func(u *directory.User) {
			u.Username, u.Email, u.FirstName, u.LastName = "mjohnson", "mary.johnson@example.org", "Mary", "Johnson"
			u.DisplayName, u.ExternalID = "Mary Johnson", "EMP-42"
		})
		checkWords(t, db, o.ID, u.ID, u, "CreateUser")

		u.LastName, u.FirstName, u.Username = "Johnston", "Maria", "mjohnston"
		u.UpdatedAt = at(time.Minute)
		if err := db.UpdateUserProfile(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "UpdateUserProfile")

		u.Email = "maria.j@corp.test"
		if err := db.UpdateUserEmail(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "UpdateUserEmail")

		u.LockedAt, u.LockReason = at(time.Hour), "test"
		if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "UpdateUserState without a move")

		u.DeletedAt = at(2 * time.Hour)
		if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "UpdateUserState into the bin")

		// A profile change in the bin adds nothing.
		u.LastName = "Binned"
		if err := db.UpdateUserProfile(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "UpdateUserProfile in the bin")

		u.DeletedAt = time.Time{}
		if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "UpdateUserState out of the bin")

		if err := db.SetPassword(ctx, u, "hash"); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordSignIn(ctx, o.ID, u.ID, at(3*time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, u, "SetPassword, RecordSignIn")

		// A stale version changes nothing.
		stale := *u
		stale.LastName = "Stale"
		if err := db.UpdateUserProfile(ctx, &stale, u.Version-1); err == nil {
			t.Fatal("UpdateUserProfile with a stale version succeeded")
		}
		checkWords(t, db, o.ID, u.ID, u, "stale UpdateUserProfile")

		bulk := []*directory.User{
			newUser(o.ID, func(b *directory.User) { b.FirstName, b.LastName = "John", "John" }),
			newUser(o.ID, func(b *directory.User) { b.FirstName, b.LastName, b.ExternalID = "Ann", "Smith-Jones", "x 1" }),
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, bulk) }); err != nil {
			t.Fatal(err)
		}
		for _, b := range bulk {
			checkWords(t, db, o.ID, b.ID, b, "InsertUsersBulk")
		}

		// PurgeUser of another organization's id removes nothing.
		other := createOrg(t, db)
		if err := db.PurgeUser(ctx, other.ID, u.ID); err == nil {
			t.Fatal("PurgeUser in another organization succeeded")
		}
		checkWords(t, db, o.ID, u.ID, u, "PurgeUser elsewhere")
		if err := db.PurgeUser(ctx, o.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		checkWords(t, db, o.ID, u.ID, nil, "PurgeUser")
	})
}

// searchPages pages through a search, limit users a page, and returns the
// ids of each page and the totals each page reported.
func searchPages(t *testing.T, db *store.DB, orgID string, f store.UserFilter, limit int) ([][]string, []int) {
	t.Helper()
	f.Limit = limit
	var pages [][]string
	var totals []int
	for range 1000 {
		page, err := db.ListUsers(context.Background(), orgID, f)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", f, err)
		}
		pages = append(pages, ids(page.Users))
		totals = append(totals, page.Total)
		if page.Next == nil {
			return pages, totals
		}
		f.After = page.Next
	}
	t.Fatalf("ListUsers(%+v): more than 1000 pages", f)
	return nil, nil
}

// TestSearchByWordsMatchesGeneralPath builds an organization of a few
// hundred users with overlapping names, moved in and out of the recycle bin,
// renamed and purged, and checks that searches sorted by last name, which
// the word index answers when they come down to one word, give exactly what
// the general path gives, page by page in both orders.
func TestSearchByWordsMatchesGeneralPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		other := createOrg(t, db)
		rng := rand.New(rand.NewPCG(7, 11))
		firsts := []string{"John", "Johnny", "Jon", "Joan", "Joanna", "Mary", "Maria", "Marie", "Ann", "Anna", "Øystein", "Jean-Luc", "Li"}
		lasts := []string{"Johnson", "Johnston", "John", "Jones", "Smith", "Smithers", "Smith-Jones", "O'Brien", "Doe", "Roe",
			"Ørsted", "de la Cruz", "Li", "Lim", "Zhou", "MacJohn"}
		seq := 0
		person := func(orgID string) *directory.User {
			seq++
			first, last := firsts[rng.IntN(len(firsts))], lasts[rng.IntN(len(lasts))]
			return newUser(orgID, func(u *directory.User) {
				u.FirstName, u.LastName = first, last
				u.Username = fmt.Sprintf("%s%s%d", strings.ToLower(first[:1]), strings.ReplaceAll(strings.ToLower(last), " ", ""), seq)
				u.Email = fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, " ", "")), seq,
					[]string{"example.org", "corp.test", "john.example"}[rng.IntN(3)])
				if rng.IntN(3) == 0 {
					u.ExternalID = fmt.Sprintf("EMP-%d", 1000+seq)
				}
				if rng.IntN(4) == 0 {
					u.DisplayName = first + " " + last
				}
				u.Status = allStatuses[rng.IntN(3)]
			})
		}
		var users []*directory.User
		for range 200 {
			u := person(o.ID)
			if err := db.CreateUser(ctx, u, ""); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		var bulk []*directory.User
		for range 150 {
			bulk = append(bulk, person(o.ID))
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, bulk) }); err != nil {
			t.Fatal(err)
		}
		users = append(users, bulk...)
		// The same people in another organization must never show.
		for range 30 {
			if err := db.CreateUser(ctx, person(other.ID), ""); err != nil {
				t.Fatal(err)
			}
		}
		for i, u := range users {
			u.UpdatedAt = at(time.Duration(i) * time.Second)
			switch i % 11 {
			case 1, 5: // into the recycle bin
				u.DeletedAt = at(time.Hour)
				if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
					t.Fatal(err)
				}
			case 2: // into the bin and back
				u.DeletedAt = at(time.Hour)
				if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
					t.Fatal(err)
				}
				u.DeletedAt = time.Time{}
				if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
					t.Fatal(err)
				}
			case 3: // renamed
				u.LastName = lasts[rng.IntN(len(lasts))]
				u.FirstName = firsts[rng.IntN(len(firsts))]
				if err := db.UpdateUserProfile(ctx, u, u.Version); err != nil {
					t.Fatal(err)
				}
			case 4: // a new email
				u.Email = fmt.Sprintf("renamed%d@johnny.example", i)
				if err := db.UpdateUserEmail(ctx, u, u.Version); err != nil {
					t.Fatal(err)
				}
			case 6: // purged
				if err := db.PurgeUser(ctx, o.ID, u.ID); err != nil {
					t.Fatal(err)
				}
			case 7: // locked, which moves nothing
				u.LockedAt = at(time.Hour)
				if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
					t.Fatal(err)
				}
			}
		}

		queries := []string{
			"j", "jo", "john", "johns", "johnson", "JOHN", "jon", "joan", "m", "mar", "mary", "smith", "smith jones",
			"jones smith", "john smith", "mary johnson", "john john", "jo john", "john jo", "j j j", "li", "lim", "l",
			"ø", "øy", "ørsted", "o brien", "o'brien", "brien", "de la cruz", "cruz de", "la", "jean-luc", "luc",
			"example", "corp", "corp.test", "john.example", "johnny.example", "renamed", "emp", "emp-10", "1010",
			"emp 11", "mjohnson", "jjohnson1", "a", "zhou", "macjohn", "mac", "nomatch", "johnx", "x", "...",
			"j o h n", "john mary anna li zhou doe roe smith ann",
		}
		// The word index pages by merging the runs of the words or by
		// sorting the whole range, as the numbers say; two more handles
		// on the same database force each way.
		ways := map[string]*store.DB{"by the numbers": db}
		for _, merge := range []bool{true, false} {
			forced, err := store.Open(ctx, e.DSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { forced.Close() })
			forced.ForceWordPaging(merge)
			ways[map[bool]string{true: "merged", false: "whole range"}[merge]] = forced
		}
		for _, q := range queries {
			for _, desc := range []bool{false, true} {
				for _, limit := range []int{7, 50} {
					fast := store.UserFilter{Q: q, Desc: desc}
					general := fast
					general.Statuses = allStatuses
					gp, gt := searchPages(t, db, o.ID, general, limit)
					for way, wdb := range ways {
						fp, ft := searchPages(t, wdb, o.ID, fast, limit)
						if diff := gocmp.Diff(gp, fp); diff != "" {
							t.Errorf("q=%q desc=%v limit=%d, %s: pages differ (-general +word index):\n%s", q, desc, limit, way, diff)
						}
						if diff := gocmp.Diff(gt, ft); diff != "" {
							t.Errorf("q=%q desc=%v limit=%d, %s: totals differ (-general +word index):\n%s", q, desc, limit, way, diff)
						}
					}
				}
			}
		}
		// A sanity check that the searches find people at all.
		if _, totals := searchPages(t, db, o.ID, store.UserFilter{Q: "john"}, 50); totals[0] < 20 {
			t.Errorf("q=john: total %d; want many", totals[0])
		}
		// A cursor past the last match still reports the total.
		page, err := db.ListUsers(ctx, o.ID, store.UserFilter{Q: "john", After: &store.Cursor{Text: "\U0010FFFF", ID: "z"}})
		if err != nil {
			t.Fatal(err)
		}
		gen, err := db.ListUsers(ctx, o.ID, store.UserFilter{Q: "john", Statuses: allStatuses, After: &store.Cursor{Text: "\U0010FFFF", ID: "z"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != 0 || page.Total != gen.Total || page.Total == 0 {
			t.Errorf("past the end: %d users, total %d; general path total %d", len(page.Users), page.Total, gen.Total)
		}
		// Every user's words are right.
		for _, u := range users {
			var want *directory.User
			if got, err := db.User(ctx, o.ID, u.ID); err == nil {
				want = got
			}
			checkWords(t, db, o.ID, u.ID, want, "after the changes")
		}
	})
}

// TestUserWordsMigrationFillsExistingUsers runs migration 00003 on a
// database that already holds users and checks the rows it writes.
func TestUserWordsMigrationFillsExistingUsers(t *testing.T) {
	t.Parallel()
	dsns := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "m.db")}
	if len(storetest.Engines(t)) > 1 {
		dsns["postgres"] = storetest.FreshPostgres(t)
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			o := createOrg(t, db)
			var users []*directory.User
			for i, n := range []struct{ first, last, ext string }{
				{"Mary", "Johnson", "EMP-1"}, {"John", "John", ""}, {"Øystein", "Ørsted", "x x"}, {"Ann", "de la Cruz", ""},
			} {
				u := createUser(t, db, o.ID, func(u *directory.User) {
					u.FirstName, u.LastName, u.ExternalID, u.DisplayName = n.first, n.last, n.ext, n.first+" "+n.last
				})
				if i == 3 {
					u.DeletedAt = at(time.Hour)
					if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
						t.Fatal(err)
					}
				}
				users = append(users, u)
			}
			// Undo migration 00003 (and those after it) and run it again.
			if err := db.MigrateDownTo(ctx, 2); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				checkWords(t, db, o.ID, u.ID, u, "migration")
			}
		})
	}
}
