package store_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// sortKey returns the value a list sorted by s orders u by: text for the
// text sorts, a number for the time sorts.
func sortKey(u *directory.User, s store.UserSort) (string, int64) {
	switch s {
	case store.SortLastName:
		return u.LastName, 0
	case store.SortFirstName:
		return u.FirstName, 0
	case store.SortUsername:
		return directory.FoldKey(u.Username), 0
	case store.SortEmail:
		return directory.FoldKey(u.Email), 0
	case store.SortStatus:
		return string(u.Status), 0
	case store.SortCreated:
		return "", u.CreatedAt.UnixMicro()
	case store.SortLastSignIn:
		if u.LastSignInAt.IsZero() {
			return "", 0
		}
		return "", u.LastSignInAt.UnixMicro()
	}
	panic("unknown sort " + s)
}

// sortedUsers orders users as ListUsers must: by the sort key, compared
// byte by byte, then by id, reversed when desc.
func sortedUsers(users []*directory.User, s store.UserSort, desc bool) []*directory.User {
	out := slices.Clone(users)
	slices.SortFunc(out, func(a, b *directory.User) int {
		at, an := sortKey(a, s)
		bt, bn := sortKey(b, s)
		c := cmp.Or(cmp.Compare(at, bt), cmp.Compare(an, bn), cmp.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
	return out
}

// walk lists every user matching f page by page and checks the pages.
func walk(t *testing.T, db *store.DB, orgID string, f store.UserFilter) []*directory.User {
	t.Helper()
	ctx := context.Background()
	var all []*directory.User
	total := -1
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%+v: paging does not end", f)
		}
		page, err := db.ListUsers(ctx, orgID, f)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", f, err)
		}
		if total >= 0 && page.Total != total {
			t.Errorf("%+v: the total changed from %d to %d between pages", f, total, page.Total)
		}
		total = page.Total
		if len(page.Users) > f.Limit {
			t.Fatalf("%+v: a page of %d users", f, len(page.Users))
		}
		all = append(all, page.Users...)
		if page.Next == nil {
			break
		}
		if len(page.Users) != f.Limit {
			t.Errorf("%+v: a page of %d users before the last one", f, len(page.Users))
		}
		if last := page.Users[len(page.Users)-1]; page.Next.ID != last.ID {
			t.Errorf("%+v: the cursor names %s, not the last user of the page %s", f, page.Next.ID, last.ID)
		}
		f.After = page.Next
	}
	if total != len(all) {
		t.Errorf("%+v: Total is %d but the pages hold %d users", f, total, len(all))
	}
	return all
}

func TestListUsersSorts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)

		// Ties on every key: last names, first names, statuses, creation and
		// sign-in times, and empty emails repeat; letter case and non-ASCII
		// letters test that both engines compare bytes alike.
		type spec struct {
			username, email, first, last string
			status                       directory.Status
			created                      time.Duration
			signIn                       time.Duration // 0 = never
		}
		specs := []spec{
			{"roe1", "b@example.com", "Ann", "Roe", directory.StatusActive, 0, time.Hour},
			{"Roe2", "A@example.com", "Ann", "Roe", directory.StatusActive, 0, time.Hour},
			{"roe3", "", "Bea", "Roe", directory.StatusPending, time.Minute, 0},
			{"ADAMS", "", "Carl", "Adams", directory.StatusInactive, time.Minute, 0},
			{"adams2", "c@example.com", "carl", "adams", directory.StatusActive, 2 * time.Minute, 2 * time.Hour},
			{"devries", "Z@example.com", "Dirk", "de Vries", directory.StatusPending, 0, 2 * time.Hour},
			{"zed", "zed@example.com", "Zoe", "Zed", directory.StatusActive, 3 * time.Minute, 3 * time.Hour},
			{"angstrom", "å@example.com", "Åsa", "Ångström", directory.StatusInactive, 3 * time.Minute, 0},
			{"mac", "mac@example.com", "Ann", "MacDonald", directory.StatusActive, -time.Hour, time.Hour},
			{"o_neil", "o.neil@example.com", "Bea", "O'Neil", directory.StatusActive, 0, 0},
			{"_under", "", "Zoe", "Roe", directory.StatusActive, 5 * time.Minute, 5 * time.Hour},
			{"x9", "9@example.com", "9", "9", directory.StatusPending, 5 * time.Minute, 5 * time.Hour},
			{"Émile", "emile@example.com", "Émile", "Zola", directory.StatusActive, time.Minute, time.Minute},
		}
		var users []*directory.User
		for _, s := range specs {
			u := createUser(t, db, o.ID, func(u *directory.User) {
				u.Username, u.Email, u.FirstName, u.LastName, u.Status = s.username, s.email, s.first, s.last, s.status
				u.CreatedAt = at(s.created)
			})
			if s.signIn != 0 {
				u.LastSignInAt = at(s.signIn)
				if err := db.RecordSignIn(ctx, o.ID, u.ID, u.LastSignInAt.UnixMicro()); err != nil {
					t.Fatal(err)
				}
			}
			users = append(users, u)
		}
		// Users in the recycle bin and in another organization stay out.
		binned := createUser(t, db, o.ID, func(u *directory.User) { u.LastName = "Binned" })
		binned.DeletedAt = at(time.Second)
		if err := db.UpdateUserState(ctx, binned, 1); err != nil {
			t.Fatal(err)
		}
		otherOrg := createOrg(t, db)
		for range 3 {
			createUser(t, db, otherOrg.ID, func(u *directory.User) { u.LastName = "Roe" })
		}

		sorts := []store.UserSort{store.SortLastName, store.SortFirstName, store.SortUsername, store.SortEmail,
			store.SortStatus, store.SortCreated, store.SortLastSignIn}
		for _, s := range sorts {
			if !store.ValidUserSort(s) {
				t.Errorf("ValidUserSort(%q) = false", s)
			}
			for _, desc := range []bool{false, true} {
				want := usernames(sortedUsers(users, s, desc))
				for _, limit := range []int{1, 3, len(users)} {
					got := usernames(walk(t, db, o.ID, store.UserFilter{Sort: s, Desc: desc, Limit: limit}))
					if diff := gocmp.Diff(want, got); diff != "" {
						t.Errorf("sort %s desc %v limit %d (-want +got):\n%s", s, desc, limit, diff)
					}
				}
			}
		}

		// The zero filter sorts by last name, 50 to a page.
		page, err := db.ListUsers(ctx, o.ID, store.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(usernames(sortedUsers(users, store.SortLastName, false)), usernames(page.Users)); diff != "" {
			t.Errorf("the zero filter (-want +got):\n%s", diff)
		}
		if page.Next != nil || page.Total != len(users) {
			t.Errorf("the zero filter: next %v total %d", page.Next, page.Total)
		}

		// The users come back whole.
		got, err := db.User(ctx, o.ID, users[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			if u.ID == got.ID {
				if diff := gocmp.Diff(got, u); diff != "" {
					t.Errorf("a listed user differs from User (-User +listed):\n%s", diff)
				}
			}
		}

		if _, err := db.ListUsers(ctx, o.ID, store.UserFilter{Sort: "password_hash"}); err == nil {
			t.Error("ListUsers accepted an unknown sort")
		}
		if store.ValidUserSort("password_hash") {
			t.Error("ValidUserSort accepted an unknown sort")
		}

		// The recycle bin pages the same way.
		more := []*directory.User{binned}
		for i := range 4 {
			u := createUser(t, db, o.ID, func(u *directory.User) { u.LastName = "Binned" })
			u.DeletedAt = at(time.Duration(i) * time.Second)
			if err := db.UpdateUserState(ctx, u, 1); err != nil {
				t.Fatal(err)
			}
			more = append(more, u)
		}
		for _, desc := range []bool{false, true} {
			want := usernames(sortedUsers(more, store.SortLastName, desc))
			got := usernames(walk(t, db, o.ID, store.UserFilter{Deleted: true, Desc: desc, Limit: 2}))
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("the recycle bin, desc %v (-want +got):\n%s", desc, diff)
			}
		}
	})
}
