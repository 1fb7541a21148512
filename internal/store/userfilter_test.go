package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		now := at(10 * 24 * time.Hour)
		day := 24 * time.Hour
		date := func(d time.Duration) string { return now.Add(d).Format(directory.DateLayout) }
		d1 := createUnit(t, db, o.ID, nil, "D1", "")
		d2 := createUnit(t, db, o.ID, nil, "D2", "")
		l1 := createUnit(t, db, o.ID, nil, "L1", "")
		role := createRole(t, db, o.ID, "Staff", 10)
		// A user holds one grant per role and scope, so a second grant of
		// the same user needs another role.
		role2 := createRole(t, db, o.ID, "Staff 2", 10)
		color := &directory.CustomField{ID: newID(), OrgID: o.ID, Key: "color", Label: "Color", Type: directory.FieldText,
			CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateField(ctx, color); err != nil {
			t.Fatal(err)
		}
		other := &directory.CustomField{ID: newID(), OrgID: o.ID, Key: "other", Label: "Other", Type: directory.FieldText,
			CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateField(ctx, other); err != nil {
			t.Fatal(err)
		}

		type setup struct {
			status   directory.Status
			created  time.Duration // after baseTime
			signIn   time.Duration // before now; 0 = never
			edit     func(u *directory.User)
			grants   []time.Duration // expiry relative to now; 0 = never
			timeOff  [][2]time.Duration
			color    string
			locked   bool
			inBin    bool
			otherOrg bool
		}
		otherOrg := createOrg(t, db)
		otherRole := createRole(t, db, otherOrg.ID, "Staff", 10)
		otherRole2 := createRole(t, db, otherOrg.ID, "Staff 2", 10)
		add := func(name string, s setup) *directory.User {
			t.Helper()
			orgID, role, role2 := o.ID, role, role2
			if s.otherOrg {
				orgID, role, role2 = otherOrg.ID, otherRole, otherRole2
			}
			u := createUser(t, db, orgID, func(u *directory.User) {
				u.Username, u.FirstName, u.LastName, u.Status = name, name, name, s.status
				u.CreatedAt = at(s.created)
				if s.edit != nil {
					s.edit(u)
				}
			})
			if s.signIn != 0 {
				if err := db.RecordSignIn(ctx, orgID, u.ID, now.Add(-s.signIn).UnixMicro()); err != nil {
					t.Fatal(err)
				}
			}
			for i, g := range s.grants {
				exp := time.Time{}
				if g != 0 {
					exp = now.Add(g)
				}
				r := role
				if i > 0 {
					r = role2
				}
				createGrant(t, db, u, r, exp)
			}
			for _, r := range s.timeOff {
				to := &directory.TimeOff{ID: newID(), OrgID: orgID, UserID: u.ID, Kind: directory.TimeOffVacation,
					StartsOn: date(r[0]), EndsOn: date(r[1]), CreatedAt: baseTime}
				if err := db.CreateTimeOff(ctx, to); err != nil {
					t.Fatal(err)
				}
			}
			if s.color != "" {
				if err := db.SetFieldValue(ctx, orgID, u.ID, color.ID, s.color); err != nil {
					t.Fatal(err)
				}
			}
			if s.locked || s.inBin {
				if s.locked {
					u.LockedAt = at(time.Second)
				}
				if s.inBin {
					u.DeletedAt = at(time.Second)
				}
				if err := db.UpdateUserState(ctx, u, 1); err != nil {
					t.Fatal(err)
				}
			}
			return u
		}
		sup := add("sup", setup{status: directory.StatusActive, created: 0})
		add("ann", setup{status: directory.StatusActive, created: time.Hour, signIn: time.Hour,
			edit: func(u *directory.User) {
				u.DepartmentID, u.SupervisorID, u.License = d1.ID, sup.ID, directory.LicensePremium
			},
			grants: []time.Duration{-day, 0}, timeOff: [][2]time.Duration{{-day, day}}, color: "red"})
		add("ben", setup{status: directory.StatusPending, created: 2 * time.Hour, locked: true,
			edit:   func(u *directory.User) { u.DepartmentID = d2.ID },
			grants: []time.Duration{day}, timeOff: [][2]time.Duration{{-3 * day, -day}}, color: "blue"})
		add("cat", setup{status: directory.StatusInactive, created: 3 * time.Hour, signIn: 48 * time.Hour,
			edit: func(u *directory.User) { u.ExpiresAt = now.Add(-time.Second) }})
		add("dan", setup{status: directory.StatusActive, created: 4 * time.Hour, signIn: 2 * time.Hour,
			grants: []time.Duration{-day, -time.Second}, timeOff: [][2]time.Duration{{0, 0}}})
		add("eve", setup{status: directory.StatusActive, created: 4 * time.Hour,
			edit: func(u *directory.User) {
				u.SupervisorID, u.ExpiresAt = sup.ID, now.Add(time.Second)
			},
			grants: []time.Duration{-day, 7 * day}, timeOff: [][2]time.Duration{{day, 2 * day}}, color: "Red"})
		add("fay", setup{status: directory.StatusActive, created: 5 * time.Hour, signIn: 3 * time.Hour,
			edit: func(u *directory.User) { u.LocationID = l1.ID }, grants: []time.Duration{0}})
		add("ivy", setup{status: directory.StatusPending, created: 6 * time.Hour,
			edit: func(u *directory.User) { u.ExpiresAt = now }})
		add("gus", setup{status: directory.StatusActive, created: time.Hour, inBin: true, signIn: time.Hour,
			edit:   func(u *directory.User) { u.DepartmentID = d1.ID; u.ExpiresAt = now.Add(-day) },
			grants: []time.Duration{-day}, timeOff: [][2]time.Duration{{-day, day}}, color: "red", locked: true})
		add("hal", setup{status: directory.StatusInactive, created: time.Hour, inBin: true})
		// Another organization holds users that match every filter.
		for _, s := range []setup{
			{status: directory.StatusActive, grants: []time.Duration{-day}, timeOff: [][2]time.Duration{{-day, day}}, locked: true, signIn: time.Hour, created: time.Hour},
			{status: directory.StatusActive, edit: func(u *directory.User) { u.ExpiresAt = now.Add(-day) }, created: time.Hour},
			{status: directory.StatusInactive, grants: []time.Duration{-day}, inBin: true},
		} {
			s.otherOrg = true
			add("x"+randHex(3), s)
		}

		yes, no := new(bool), new(bool)
		*yes = true
		for _, tc := range []struct {
			name string
			f    store.UserFilter
			want []string
		}{
			{"everyone", store.UserFilter{}, []string{"ann", "ben", "cat", "dan", "eve", "fay", "ivy", "sup"}},
			{"active", store.UserFilter{Statuses: []directory.Status{directory.StatusActive}},
				[]string{"ann", "dan", "eve", "fay", "sup"}},
			{"pending or inactive", store.UserFilter{Statuses: []directory.Status{directory.StatusPending, directory.StatusInactive}},
				[]string{"ben", "cat", "ivy"}},
			{"locked", store.UserFilter{Locked: yes}, []string{"ben"}},
			{"not locked", store.UserFilter{Locked: no}, []string{"ann", "cat", "dan", "eve", "fay", "ivy", "sup"}},
			{"expired", store.UserFilter{Expired: yes, Now: now}, []string{"cat", "dan", "ivy"}},
			{"not expired", store.UserFilter{Expired: no, Now: now}, []string{"ann", "ben", "eve", "fay", "sup"}},
			{"expired, a day earlier", store.UserFilter{Expired: yes, Now: now.Add(-day)}, nil},
			{"expired, a week later", store.UserFilter{Expired: yes, Now: now.Add(7 * day)},
				[]string{"ben", "cat", "dan", "eve", "ivy"}},
			{"recycle bin", store.UserFilter{Deleted: true}, []string{"gus", "hal"}},
			{"recycle bin, inactive", store.UserFilter{Deleted: true, Statuses: []directory.Status{directory.StatusInactive}},
				[]string{"hal"}},
			{"recycle bin, locked", store.UserFilter{Deleted: true, Locked: yes}, []string{"gus"}},
			{"recycle bin, expired", store.UserFilter{Deleted: true, Expired: yes, Now: now}, []string{"gus"}},
			{"at vacation", store.UserFilter{AtVacation: yes, Now: now}, []string{"ann", "dan"}},
			{"not at vacation", store.UserFilter{AtVacation: no, Now: now}, []string{"ben", "cat", "eve", "fay", "ivy", "sup"}},
			{"at vacation tomorrow", store.UserFilter{AtVacation: yes, Now: now.Add(day)}, []string{"ann", "eve"}},
			{"department d1", store.UserFilter{DepartmentID: d1.ID}, []string{"ann"}},
			{"department d2", store.UserFilter{DepartmentID: d2.ID}, []string{"ben"}},
			{"location l1", store.UserFilter{LocationID: l1.ID}, []string{"fay"}},
			{"supervised by sup", store.UserFilter{SupervisorID: sup.ID}, []string{"ann", "eve"}},
			{"premium", store.UserFilter{License: directory.LicensePremium}, []string{"ann"}},
			{"standard", store.UserFilter{License: directory.LicenseStandard}, []string{"ben", "cat", "dan", "eve", "fay", "ivy", "sup"}},
			{"color red", store.UserFilter{FieldID: color.ID, FieldValue: "red"}, []string{"ann"}},
			{"color Red", store.UserFilter{FieldID: color.ID, FieldValue: "Red"}, []string{"eve"}},
			{"color blue", store.UserFilter{FieldID: color.ID, FieldValue: "blue"}, []string{"ben"}},
			{"color green", store.UserFilter{FieldID: color.ID, FieldValue: "green"}, nil},
			{"other field red", store.UserFilter{FieldID: other.ID, FieldValue: "red"}, nil},
			{"created from", store.UserFilter{CreatedFrom: at(4 * time.Hour)}, []string{"dan", "eve", "fay", "ivy"}},
			{"created before", store.UserFilter{CreatedTo: at(2 * time.Hour)}, []string{"ann", "sup"}},
			{"created between", store.UserFilter{CreatedFrom: at(2 * time.Hour), CreatedTo: at(4 * time.Hour)}, []string{"ben", "cat"}},
			{"signed in from", store.UserFilter{LastSignInFrom: now.Add(-2 * time.Hour)}, []string{"ann", "dan"}},
			{"signed in before", store.UserFilter{LastSignInTo: now.Add(-2 * time.Hour)}, []string{"cat", "fay"}},
			{"signed in between", store.UserFilter{LastSignInFrom: now.Add(-3 * time.Hour), LastSignInTo: now.Add(-time.Hour)},
				[]string{"dan", "fay"}},
			{"combined", store.UserFilter{Statuses: []directory.Status{directory.StatusActive}, AtVacation: yes, Now: now,
				Expired: no, Q: "an"}, []string{"ann"}},
			{"search and department", store.UserFilter{Q: "be", DepartmentID: d2.ID}, []string{"ben"}},
			{"search and wrong department", store.UserFilter{Q: "be", DepartmentID: d1.ID}, nil},
		} {
			tc.f.Sort = store.SortUsername
			page := listAll(t, db, o.ID, tc.f)
			if diff := gocmp.Diff(tc.want, usernames(page.Users), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
			if page.Total != len(tc.want) {
				t.Errorf("%s: Total %d; want %d", tc.name, page.Total, len(tc.want))
			}
			// Paged, the filter gives the same users and the same total.
			tc.f.Limit = 2
			paged := usernames(walk(t, db, o.ID, tc.f))
			if diff := gocmp.Diff(tc.want, paged, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s, paged (-want +got):\n%s", tc.name, diff)
			}
		}
	})
}

// TestListUsersDefaultNow checks that the expired and at-vacation filters
// judge by the current time when the filter gives none.
func TestListUsersDefaultNow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		now := time.Now()
		expired := createUser(t, db, o.ID, func(u *directory.User) {
			u.Username, u.ExpiresAt = "expired", now.Add(-time.Hour).UTC().Truncate(time.Microsecond)
		})
		createUser(t, db, o.ID, func(u *directory.User) {
			u.Username, u.ExpiresAt = "later", now.Add(time.Hour).UTC().Truncate(time.Microsecond)
		})
		away := createUser(t, db, o.ID, func(u *directory.User) { u.Username = "away" })
		to := &directory.TimeOff{ID: newID(), OrgID: o.ID, UserID: away.ID, Kind: directory.TimeOffVacation,
			StartsOn: now.AddDate(0, 0, -1).Format(directory.DateLayout), EndsOn: now.AddDate(0, 0, 1).Format(directory.DateLayout),
			CreatedAt: baseTime}
		if err := db.CreateTimeOff(ctx, to); err != nil {
			t.Fatal(err)
		}
		yes := new(bool)
		*yes = true
		if got := usernames(listAll(t, db, o.ID, store.UserFilter{Expired: yes}).Users); !slices.Equal(got, []string{expired.Username}) {
			t.Errorf("expired without Now: %v", got)
		}
		if got := usernames(listAll(t, db, o.ID, store.UserFilter{AtVacation: yes}).Users); !slices.Equal(got, []string{away.Username}) {
			t.Errorf("at vacation without Now: %v", got)
		}
	})
}
