package store_test

import (
	"context"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// TestTallyUsers checks the dashboard's counts against a known set of
// users, for the whole organization (from the counters) and for a scope
// (one grouped pass), which must agree.
func TestTallyUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		other := createOrg(t, db)
		createUser(t, db, other.ID, nil) // another organization's user counts nowhere
		unit := createUnit(t, db, o.ID, nil, "North", "")
		role := createRole(t, db, o.ID, "Staff", 10)
		now := at(48 * time.Hour)

		invite := func(u *directory.User, expires time.Time) {
			t.Helper()
			l := &directory.Link{ID: newID(), OrgID: o.ID, UserID: u.ID, Purpose: directory.LinkInvite,
				CreatedAt: baseTime, ExpiresAt: expires}
			if err := db.CreateLink(ctx, l, "hash-"+l.ID); err != nil {
				t.Fatal(err)
			}
		}
		pending := func(u *directory.User) { u.Status = directory.StatusPending }
		save := func(u *directory.User) {
			t.Helper()
			u.UpdatedAt = u.UpdatedAt.Add(time.Second)
			if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
				t.Fatal(err)
			}
		}
		lock := func(u *directory.User) {
			t.Helper()
			u.LockedAt = at(time.Hour)
			save(u)
		}
		add := func(edit func(u *directory.User)) *directory.User {
			u := createUser(t, db, o.ID, edit)
			createGrant(t, db, u, role, time.Time{}) // organization-wide
			return u
		}
		add(nil)
		add(nil)
		lock(add(nil))
		add(func(u *directory.User) { u.Status = directory.StatusInactive })
		invite(add(pending), now.Add(time.Hour))  // sent
		invite(add(pending), now.Add(-time.Hour)) // expired
		add(pending)                              // never invited
		bin := add(pending)
		bin.DeletedAt = at(time.Hour)
		save(bin)

		got, err := db.TallyUsers(ctx, o.ID, nil, now.UnixMicro())
		if err != nil {
			t.Fatal(err)
		}
		want := store.UserTally{Active: 3, Pending: 3, Inactive: 1, Locked: 1, InvitationSent: 1, InvitationExpired: 1, InBin: 1}
		if *got != want {
			t.Errorf("organization tally %+v; want %+v", *got, want)
		}

		// A scope on North sees only the users with a grant there.
		north := createUser(t, db, o.ID, nil)
		lock(north)
		g := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: north.ID, RoleID: role.ID, UnitID: unit.ID, CreatedAt: baseTime}
		if err := db.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		scoped, err := db.TallyUsers(ctx, o.ID, &store.UserScope{UnitPath: unit.Path}, now.UnixMicro())
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.UserTally{Active: 1, Locked: 1}); *scoped != want {
			t.Errorf("North's tally %+v; want %+v", *scoped, want)
		}

		// Every part of a scope counts the users the user list shows for it.
		boss := createUser(t, db, o.ID, nil)
		createUser(t, db, o.ID, func(u *directory.User) { u.CreatedBy = boss.ID; u.Status = directory.StatusPending })
		createUser(t, db, o.ID, func(u *directory.User) { u.SupervisorID = boss.ID })
		granted := createUser(t, db, o.ID, func(u *directory.User) { u.CreatedBy = boss.ID })
		createGrant(t, db, granted, role, time.Time{}) // no longer the creator's by creation
		sc := &store.UserScope{UnitPath: unit.Path, CreatorID: boss.ID, SelfID: boss.ID, TeamOf: boss.ID}
		mixed, err := db.TallyUsers(ctx, o.ID, sc, now.UnixMicro())
		if err != nil {
			t.Fatal(err)
		}
		listed := func(s directory.Status) int {
			page, err := db.ListUsers(ctx, o.ID, store.UserFilter{Scope: sc, Statuses: []directory.Status{s}, Limit: 1, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return page.Total
		}
		if mixed.Active != listed(directory.StatusActive) || mixed.Pending != listed(directory.StatusPending) || mixed.Active != 3 || mixed.Pending != 1 {
			t.Errorf("mixed scope tally %+v; the list counts %d active and %d pending (want 3 and 1)",
				*mixed, listed(directory.StatusActive), listed(directory.StatusPending))
		}
	})
}

// TestCountEventsPerDay checks the per-day counts of an action, and that
// RecentAudit leaves out the skipped actions.
func TestCountEventsPerDay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, nil)
		day := time.Date(2030, time.March, 10, 0, 0, 0, 0, time.UTC)
		event := func(action string, when time.Time) {
			t.Helper()
			err := db.AppendAudit(ctx, &directory.AuditEvent{ID: newID(), OrgID: o.ID, At: when, ActorID: u.ID,
				ActorName: "x", Action: action, TargetType: "user", TargetID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
		}
		event("session.sign_in", day.Add(-time.Minute)) // before the window
		event("session.sign_in", day.Add(time.Hour))
		event("session.sign_in", day.Add(23*time.Hour))
		event("session.sign_in", day.Add(50*time.Hour))
		event("user.update", day.Add(51*time.Hour))
		got, err := db.CountEventsPerDay(ctx, o.ID, "session.sign_in", day, day.AddDate(0, 0, 30), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.DayCount{{Day: day, N: 2}, {Day: day.AddDate(0, 0, 2), N: 1}}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("per day %v; want %v", got, want)
		}
		// The counters agree (they count whole days, and the sign-in just
		// before the window's first day stays out).
		counted, err := db.SignInsPerDay(ctx, o.ID, day, day.AddDate(0, 0, 30), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(counted) != len(want) || counted[0] != want[0] || counted[1] != want[1] {
			t.Errorf("per day from the counters %v; want %v", counted, want)
		}
		scoped, err := db.SignInsPerDay(ctx, o.ID, day, day.AddDate(0, 0, 30), &store.UserScope{SelfID: "someone else"})
		if err != nil {
			t.Fatal(err)
		}
		if len(scoped) != 0 {
			t.Errorf("a scope without the user counts %v", scoped)
		}
		recent, err := db.RecentAudit(ctx, o.ID, []string{"session.sign_in"}, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recent) != 1 || recent[0].Action != "user.update" {
			t.Errorf("recent activity %v; want the update alone", recent)
		}
	})
}
