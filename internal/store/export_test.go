package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestExportLookups(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		low, high, gone := createRole(t, db, o.ID, "Low", 10), createRole(t, db, o.ID, "High", 50), createRole(t, db, o.ID, "Gone", 90)
		coded := createUnit(t, db, o.ID, nil, "Science", "SCI")
		plain := createUnit(t, db, o.ID, nil, "Arts", "")
		boss := createUser(t, db, o.ID, func(u *directory.User) { u.Username = "boss-" + randHex(2) })
		a := createUser(t, db, o.ID, nil)
		b := createUser(t, db, o.ID, nil)
		none := createUser(t, db, o.ID, nil)

		// a: a low grant, a high one on a unit, an ended one of a higher
		// level and one not started yet; b: only an ended grant.
		createGrant(t, db, a, low, time.Time{})
		g := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: a.ID, RoleID: high.ID, UnitID: coded.ID, CreatedAt: baseTime}
		if err := db.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		createGrant(t, db, a, gone, at(-time.Hour))
		later := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: a.ID, RoleID: gone.ID, UnitID: plain.ID, StartsAt: at(time.Hour), CreatedAt: baseTime}
		if err := db.CreateGrant(ctx, later); err != nil {
			t.Fatal(err)
		}
		createGrant(t, db, b, high, at(-time.Minute))
		grants, err := db.PrimaryGrantsOf(ctx, o.ID, []string{a.ID, b.ID, none.ID}, baseTime)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]store.PrimaryGrant{a.ID: {RoleName: "High", UnitCode: "SCI", UnitName: "Science"}}, grants); diff != "" {
			t.Errorf("primary grants (-want +got):\n%s", diff)
		}

		for _, name := range []string{"Zebras", "Ants"} {
			grp := &directory.Group{ID: newID(), OrgID: o.ID, Name: name, CreatedAt: baseTime, UpdatedAt: baseTime}
			if err := db.CreateGroup(ctx, grp); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddGroupMember(ctx, o.ID, grp.ID, a.ID, "", 1); err != nil {
				t.Fatal(err)
			}
		}
		groups, err := db.GroupNamesOf(ctx, o.ID, []string{a.ID, b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][]string{a.ID: {"Ants", "Zebras"}}, groups); diff != "" {
			t.Errorf("group names (-want +got):\n%s", diff)
		}

		f := &directory.CustomField{ID: newID(), OrgID: o.ID, Key: "grade", Label: "Grade", Type: directory.FieldText, CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateField(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := db.SetFieldValue(ctx, o.ID, b.ID, f.ID, "7"); err != nil {
			t.Fatal(err)
		}
		values, err := db.FieldValuesOf(ctx, o.ID, []string{a.ID, b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]map[string]string{b.ID: {"grade": "7"}}, values); diff != "" {
			t.Errorf("field values (-want +got):\n%s", diff)
		}

		names, err := db.UsernamesOf(ctx, o.ID, []string{boss.ID, "nobody"})
		if err != nil || !cmp.Equal(names, map[string]string{boss.ID: boss.Username}) {
			t.Errorf("usernames %v, %v", names, err)
		}
		labels, err := db.UnitLabelsOf(ctx, o.ID, []string{coded.ID, plain.ID})
		if err != nil || !cmp.Equal(labels, map[string]string{coded.ID: "SCI", plain.ID: "Arts"}) {
			t.Errorf("unit labels %v, %v", labels, err)
		}
		// Another organization's ids name nothing.
		other := createOrg(t, db)
		if names, _ := db.UsernamesOf(ctx, other.ID, []string{boss.ID}); len(names) != 0 {
			t.Errorf("another organization reads %v", names)
		}
		for _, empty := range []func() (int, error){
			func() (int, error) { m, err := db.PrimaryGrantsOf(ctx, o.ID, nil, baseTime); return len(m), err },
			func() (int, error) { m, err := db.GroupNamesOf(ctx, o.ID, nil); return len(m), err },
			func() (int, error) { m, err := db.UnitLabelsOf(ctx, o.ID, nil); return len(m), err },
		} {
			if n, err := empty(); n != 0 || err != nil {
				t.Errorf("no ids: %d, %v", n, err)
			}
		}
	})
}

func TestUsersForExportPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		var want []string
		for range 7 {
			want = append(want, createUser(t, db, o.ID, nil).Username)
		}
		binned := createUser(t, db, o.ID, nil)
		binned.DeletedAt = baseTime
		if err := db.UpdateUserState(ctx, binned, 1); err != nil {
			t.Fatal(err)
		}
		// Walk it in pages of 3, on the connection an export reads with.
		conn, release, err := db.ExportReader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		f := store.UserFilter{Sort: store.SortUsername, Limit: 3}
		var got []string
		pages := 0
		for {
			users, next, err := conn.UsersForExport(ctx, o.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, u := range users {
				got = append(got, u.Username)
				if u.OrgID != o.ID || u.Status != directory.StatusActive || !u.CreatedAt.Equal(baseTime) || u.FirstName != "First" {
					t.Errorf("exported user %+v", u)
				}
			}
			if next == nil {
				break
			}
			f.After = next
		}
		sorted := append([]string(nil), want...)
		slices.Sort(sorted)
		if diff := cmp.Diff(sorted, got); diff != "" || pages != 3 {
			t.Errorf("%d pages (-want +got):\n%s", pages, diff)
		}
		// The pool still works after the reader is given up.
		release()
		if _, err := db.User(ctx, o.ID, binned.ID); err != nil {
			t.Fatal(err)
		}
	})
}
