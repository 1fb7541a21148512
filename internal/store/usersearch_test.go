package store_test

import (
	"context"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestListUsersSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		mk := func(username, email, first, last, display, ext string) *directory.User {
			return createUser(t, db, o.ID, func(u *directory.User) {
				u.Username, u.Email, u.FirstName, u.LastName, u.DisplayName, u.ExternalID = username, email, first, last, display, ext
			})
		}
		jane := mk("jroe", "jane.roe@example.com", "Jane", "Roe", "", "EMP-1001")
		janet := mk("jsmith", "janet@corp.test", "Janet", "Smith", "", "")
		john := mk("jdoe", "john@example.com", "John", "Doe", "Johnny Walker", "")
		ann := mk("aroe", "ann@corp.test", "Ann", "Roe", "", "E2")
		oy := mk("oystein", "", "Øystein", "Ørsted", "", "")
		binned := mk("jbin", "", "Jan", "Binned", "", "")
		binned.DeletedAt = at(time.Second)
		if err := db.UpdateUserState(ctx, binned, 1); err != nil {
			t.Fatal(err)
		}
		// The same names elsewhere must not be found.
		otherOrg := createOrg(t, db)
		createUser(t, db, otherOrg.ID, func(u *directory.User) {
			u.Username, u.Email, u.FirstName, u.LastName, u.ExternalID = "jroe", "jane.roe@example.com", "Jane", "Roe", "EMP-1001"
		})

		search := func(q string, deleted bool) []string {
			t.Helper()
			page := listAll(t, db, o.ID, store.UserFilter{Q: q, Deleted: deleted, Sort: store.SortUsername})
			if page.Total != len(page.Users) {
				t.Errorf("search %q: Total %d for %d users", q, page.Total, len(page.Users))
			}
			return usernames(page.Users)
		}
		names := func(us ...*directory.User) []string {
			return usernames(sortedUsers(us, store.SortUsername, false))
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"jan", names(jane, janet)},
			{"JAN", names(jane, janet)},
			{"  Jan  ", names(jane, janet)},
			{"jane", names(jane, janet)}, // janet@corp.test
			{"janet", names(janet)},
			{"roe", names(jane, ann)},
			{"roe exam", names(jane)},
			{"exam roe", names(jane)},
			{"jane roe", names(jane)},
			{"jane smith", names(janet)},
			{"john smith", nil},
			{"ane", nil},  // a word must start a token, not sit inside it
			{"anet", nil}, // likewise
			{"johnny", names(john)},
			{"walk", names(john)},
			{"jroe", names(jane)},
			{"jdo", names(john)},
			{"emp", names(jane)},
			{"1001", names(jane)},
			{"emp-1001", names(jane)},
			{"e2", names(ann)},
			{"corp", names(janet, ann)},
			{"corp.test", names(janet, ann)},
			{"jane.roe@example.com", names(jane)},
			{"ex", names(jane, john)},
			{"øy", names(oy)},
			{"ØRST", names(oy)},
			{"!!!", nil},
			{"@ . -", nil},
			{"zzz", nil},
			{"jan'", names(jane, janet)},
			{`j"a`, nil},
			{"j*", names(jane, janet, john)},
			{"a OR b", nil},
			{"roe & ann", names(ann)},
			{"roe:* | jan", names(jane)},
		} {
			if diff := gocmp.Diff(tc.want, search(tc.q, false), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tc.q, diff)
			}
		}
		if diff := gocmp.Diff(names(binned), search("jan", true)); diff != "" {
			t.Errorf("search of the recycle bin (-want +got):\n%s", diff)
		}

		// A punctuation-only query matches nothing and says so.
		page, err := db.ListUsers(ctx, o.ID, store.UserFilter{Q: "?!"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != 0 || page.Total != 0 || page.Next != nil {
			t.Errorf("a punctuation-only query: %d users, total %d", len(page.Users), page.Total)
		}

		// Searches page like any list.
		got := usernames(walk(t, db, o.ID, store.UserFilter{Q: "j", Sort: store.SortUsername, Limit: 1}))
		if diff := gocmp.Diff(names(jane, janet, john), got); diff != "" {
			t.Errorf("a paged search (-want +got):\n%s", diff)
		}

		// The index follows changes of names and emails.
		janet.FirstName, janet.Username = "Greta", "gsmith"
		if err := db.UpdateUserProfile(ctx, janet, 1); err != nil {
			t.Fatal(err)
		}
		john.Email = "john@newco.test"
		if err := db.UpdateUserEmail(ctx, john, 1); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"jan", names(jane, janet)}, // janet@corp.test
			{"gre", names(janet)},
			{"greta smith", names(janet)},
			{"gsm", names(janet)},
			{"jsmith", nil},
			{"newco", names(john)},
			{"ex", names(jane)},
		} {
			if diff := gocmp.Diff(tc.want, search(tc.q, false), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("after the edits, search %q (-want +got):\n%s", tc.q, diff)
			}
		}

		// A purged user leaves the index.
		if err := db.PurgeUser(ctx, o.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(names(jane), search("roe", false)); diff != "" {
			t.Errorf("after the purge, search roe (-want +got):\n%s", diff)
		}
	})
}
