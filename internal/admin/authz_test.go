package admin_test

import (
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// guardedCall is one use case called by an actor on objects prepared for
// it; the operator's call must succeed (or fail with opKind).
type guardedCall struct {
	name   string
	opKind directory.Kind
	call   func(a *admin.Actor) error
}

// guardedCalls prepares a target for every mutating and listing use case.
func guardedCalls(f *fixture) []guardedCall {
	t, ctx, svc, op := f.t, f.ctx, f.svc, f.op
	t.Helper()
	pending := func() *directory.User { return f.createUser(nil) }
	binned := func() *directory.User {
		return f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
	}
	withPhoto := func() *directory.User {
		u := f.createUser(nil)
		if _, err := svc.SetPhoto(ctx, op, u.ID, pngBytes(t, 8, 8)); err != nil {
			t.Fatal(err)
		}
		return u
	}
	field := func() *directory.CustomField {
		return f.createField(admin.FieldInput{Key: "f_" + randHex(3), Label: "Field", Type: directory.FieldText})
	}
	var (
		viewed, updated, emailed, disabled = pending(), pending(), pending(), pending()
		deleted, photoed, timed            = pending(), pending(), pending()
		enabled                            = f.arrange(f.activeUser(nil), func(u *directory.User) { u.Status = directory.StatusInactive })
		unlocked                           = f.arrange(f.activeUser(nil), func(u *directory.User) { u.LockedAt = f.clock.Now() })
		restored, purged                   = binned(), binned()
		photoRead, photoDeleted            = withPhoto(), withPhoto()
		tokenFor                           = f.activeUser(nil)
		updatedField, deletedField         = field(), field()
		unit                               = f.createUnit("Guarded", "site", nil)
	)
	off, err := svc.AddTimeOff(ctx, op, timed.ID, admin.TimeOffInput{Kind: directory.TimeOffSick, StartsOn: "2031-01-05", EndsOn: "2031-01-06"})
	if err != nil {
		t.Fatal(err)
	}
	return []guardedCall{
		{"CreateUser", 0, func(a *admin.Actor) error { _, err := svc.CreateUser(ctx, a, input()); return err }},
		{"QuickAdd", 0, func(a *admin.Actor) error {
			_, err := svc.QuickAdd(ctx, a, "Quick", "Add", "quick-"+randHex(4)+"@example.org")
			return err
		}},
		{"QuickAdd without email", directory.KindInvalid, func(a *admin.Actor) error { _, err := svc.QuickAdd(ctx, a, "Quick", "Add", ""); return err }},
		{"User", 0, func(a *admin.Actor) error { _, err := svc.User(ctx, a, viewed.ID); return err }},
		{"ListUsers", 0, func(a *admin.Actor) error { _, err := svc.ListUsers(ctx, a, store.UserFilter{}); return err }},
		{"UpdateUser", 0, func(a *admin.Actor) error {
			_, err := svc.UpdateUser(ctx, a, updated.ID, 0, &admin.UserPatch{JobTitle: ptr("Changed")})
			return err
		}},
		{"ChangeEmail", 0, func(a *admin.Actor) error {
			_, err := svc.ChangeEmail(ctx, a, emailed.ID, 0, "new-"+randHex(4)+"@example.org")
			return err
		}},
		{"Disable", 0, func(a *admin.Actor) error { _, err := svc.Disable(ctx, a, disabled.ID, 0); return err }},
		{"Enable", 0, func(a *admin.Actor) error { _, err := svc.Enable(ctx, a, enabled.ID, 0); return err }},
		{"Unlock", 0, func(a *admin.Actor) error { _, err := svc.Unlock(ctx, a, unlocked.ID, 0); return err }},
		{"Delete", 0, func(a *admin.Actor) error { _, err := svc.Delete(ctx, a, deleted.ID, 0); return err }},
		{"Restore", 0, func(a *admin.Actor) error { _, err := svc.Restore(ctx, a, restored.ID, 0); return err }},
		{"Purge", 0, func(a *admin.Actor) error { return svc.Purge(ctx, a, purged.ID, 0) }},
		{"SetPhoto", 0, func(a *admin.Actor) error { _, err := svc.SetPhoto(ctx, a, photoed.ID, pngBytes(t, 8, 8)); return err }},
		{"Photo", 0, func(a *admin.Actor) error { _, err := svc.Photo(ctx, a, photoRead.ID); return err }},
		{"DeletePhoto", 0, func(a *admin.Actor) error { return svc.DeletePhoto(ctx, a, photoDeleted.ID) }},
		{"AddTimeOff", 0, func(a *admin.Actor) error {
			_, err := svc.AddTimeOff(ctx, a, timed.ID, admin.TimeOffInput{Kind: directory.TimeOffVacation, StartsOn: "2031-08-01", EndsOn: "2031-08-02"})
			return err
		}},
		{"TimeOff", 0, func(a *admin.Actor) error { _, err := svc.TimeOff(ctx, a, timed.ID); return err }},
		{"DeleteTimeOff", 0, func(a *admin.Actor) error { return svc.DeleteTimeOff(ctx, a, timed.ID, off.ID) }},
		{"Fields", 0, func(a *admin.Actor) error { _, err := svc.Fields(ctx, a); return err }},
		{"CreateField", 0, func(a *admin.Actor) error {
			_, err := svc.CreateField(ctx, a, admin.FieldInput{Key: "g_" + randHex(3), Label: "G", Type: directory.FieldBool})
			return err
		}},
		{"UpdateField", 0, func(a *admin.Actor) error {
			_, err := svc.UpdateField(ctx, a, updatedField.ID, admin.FieldInput{Label: "Renamed"})
			return err
		}},
		{"DeleteField", 0, func(a *admin.Actor) error { return svc.DeleteField(ctx, a, deletedField.ID) }},
		{"CreateUnit", 0, func(a *admin.Actor) error {
			_, err := svc.CreateUnit(ctx, a, admin.UnitInput{Name: "New", Kind: "site"})
			return err
		}},
		{"Unit", 0, func(a *admin.Actor) error { _, err := svc.Unit(ctx, a, unit.ID); return err }},
		{"Units", 0, func(a *admin.Actor) error { _, err := svc.Units(ctx, a, store.UnitFilter{}); return err }},
		{"UpdateUnit", 0, func(a *admin.Actor) error {
			_, err := svc.UpdateUnit(ctx, a, unit.ID, 0, admin.UnitPatch{Name: ptr("Renamed")})
			return err
		}},
		{"UnitKinds", 0, func(a *admin.Actor) error { _, err := svc.UnitKinds(ctx, a); return err }},
		{"PutUnitKind", 0, func(a *admin.Actor) error {
			_, err := svc.PutUnitKind(ctx, a, directory.UnitKind{Key: "campus", Label: "Campus", Position: 6})
			return err
		}},
		{"Licenses", 0, func(a *admin.Actor) error { _, _, err := svc.Licenses(ctx, a); return err }},
		{"SetPremiumSeatLimit", 0, func(a *admin.Actor) error { return svc.SetPremiumSeatLimit(ctx, a, 10) }},
		{"Audit", 0, func(a *admin.Actor) error { _, err := svc.Audit(ctx, a, store.AuditFilter{}); return err }},
		{"CreateToken for another user", 0, func(a *admin.Actor) error {
			_, _, err := svc.CreateToken(ctx, a, admin.TokenInput{UserID: tokenFor.ID, Name: "for someone"})
			return err
		}},
	}
}

func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		noGrant := f.activeUser(nil)
		nobody, _ := f.tokenActor(noGrant, "", "")
		if nobody.Role != nil || nobody.Grant != nil {
			t.Fatalf("a user without grants acts with %+v", nobody.Role)
		}
		basicUser := f.activeUser(nil)
		f.grant(basicUser, "basic")
		basic, _ := f.tokenActor(basicUser, "", "")
		if basic.Role == nil || basic.Role.Key != "basic" {
			t.Fatalf("the basic user acts with %+v", basic.Role)
		}
		// Built by hand, as a session front-end would, with a role that
		// may only view.
		viewerRole := &directory.Role{ID: "viewer", OrgID: f.org.ID, Name: "Viewer", Level: 20,
			Permissions: []directory.Permission{"users.view"}}
		viewer := &admin.Actor{OrgID: f.org.ID, UserID: basicUser.ID, Name: "Viewer", Role: viewerRole,
			Grant: &directory.Grant{ID: "viewer-grant", OrgID: f.org.ID, UserID: basicUser.ID, RoleID: viewerRole.ID}}

		calls := guardedCalls(f)
		before := f.eventIDs()
		for _, c := range calls {
			for name, a := range map[string]*admin.Actor{"no grant": nobody, "basic": basic} {
				wantKindNamed(t, c.name+" by "+name, c.call(a), directory.KindForbidden)
			}
			for name, a := range map[string]*admin.Actor{"nil actor": nil, "no organization": {UserID: noGrant.ID}} {
				wantKindNamed(t, c.name+" by "+name, c.call(a), directory.KindUnauthorized)
			}
		}
		f.noEvent(before)

		// A viewer can read users but change nothing.
		for _, c := range calls {
			want := directory.KindForbidden
			switch c.name {
			case "User", "ListUsers", "Photo", "TimeOff", "Fields", "Unit", "Units", "UnitKinds", "Licenses":
				want = 0
			}
			wantKindNamed(t, c.name+" by a viewer", c.call(viewer), want)
		}
		f.noEvent(before)

		// The operator may do everything.
		for _, c := range calls {
			wantKindNamed(t, c.name+" by the operator", c.call(f.op), c.opKind)
		}
	})
}

func wantKindNamed(t *testing.T, name string, err error, k directory.Kind) {
	t.Helper()
	if got := directory.KindOf(err); got != k || (k == 0 && err != nil) {
		t.Errorf("%s: error %v (kind %v), want kind %v", name, err, got, k)
	}
}
