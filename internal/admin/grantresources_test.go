package admin_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestGrantAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		siteA := f.createUnit("Site A", "site", nil)
		siteB := f.createUnit("Site B", "site", nil)
		mine := f.createResource("Mine", siteA)
		also := f.createResource("Also mine", siteA)
		theirs := f.createResource("Theirs", siteB)
		_, manager := f.actorWith("manager", siteA)
		staff, err := f.db.RoleByKey(f.ctx, f.org.ID, "staff")
		if err != nil {
			t.Fatal(err)
		}
		basic, err := f.db.RoleByKey(f.ctx, f.org.ID, "basic")
		if err != nil {
			t.Fatal(err)
		}
		worker := f.activeUser(nil)
		f.grantOn(worker, "staff", siteA, time.Time{})
		count := func() (int, int) {
			t.Helper()
			gs, err := f.svc.Grants(f.ctx, f.op, worker.ID)
			if err != nil {
				t.Fatal(err)
			}
			as, err := f.svc.Assignments(f.ctx, f.op, worker.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(gs), len(as)
		}

		// A resource outside the actor's scope refuses everything.
		before := f.eventIDs()
		_, _, err = f.svc.GrantAccess(f.ctx, manager, worker.ID, admin.GrantInput{RoleID: basic.ID, UnitID: siteA.ID},
			[]string{mine.ID, theirs.ID}, "")
		wantKind(t, err, directory.KindInvalid)
		if diff := cmp.Diff(fieldErrs("resource_ids", "no such resource"), fieldErrors(err)); diff != "" {
			t.Errorf("field errors (-want +got):\n%s", diff)
		}
		if g, a := count(); g != 1 || a != 0 {
			t.Fatalf("%d grants and %d assignments after a refusal", g, a)
		}
		f.noEvent(before)

		// The grant's own rules still apply, and refuse the resources too.
		_, _, err = f.svc.GrantAccess(f.ctx, manager, worker.ID, admin.GrantInput{RoleID: staff.ID, UnitID: siteA.ID},
			[]string{mine.ID}, "")
		wantKind(t, err, directory.KindConflict)
		if g, a := count(); g != 1 || a != 0 {
			t.Fatalf("%d grants and %d assignments after a conflict", g, a)
		}

		// Repeats are assigned once; everything is audited.
		g, assigned, err := f.svc.GrantAccess(f.ctx, manager, worker.ID, admin.GrantInput{RoleID: basic.ID, UnitID: siteA.ID},
			[]string{mine.ID, also.ID, mine.ID, ""}, "")
		if err != nil {
			t.Fatal(err)
		}
		if g.RoleID != basic.ID || g.UnitID != siteA.ID || len(assigned) != 2 || assigned[0].ResourceID != mine.ID ||
			assigned[1].ResourceID != also.ID || assigned[1].Relation != directory.RelationAccess {
			t.Errorf("grant %+v, assignments %v", g.Grant, assigned)
		}
		if got := actions(f.eventsSince(before)); !slices.Equal(got, []string{"grant.create", "resource_grant.create", "resource_grant.create"}) &&
			!slices.Equal(got, []string{"resource_grant.create", "resource_grant.create", "grant.create"}) {
			t.Errorf("audit actions %v", got)
		}
		if g, a := count(); g != 2 || a != 2 {
			t.Fatalf("%d grants and %d assignments, want 2 and 2", g, a)
		}

		// A resource already held refuses the whole request.
		editor, err := f.db.RoleByKey(f.ctx, f.org.ID, "service_contact")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.GrantAccess(f.ctx, manager, worker.ID, admin.GrantInput{RoleID: editor.ID, UnitID: siteA.ID,
			Fields: map[string]string{"service_description": "Cleaning"}}, []string{mine.ID}, "")
		wantKind(t, err, directory.KindInvalid)
		if fe := fieldErrors(err); len(fe) != 1 || fe[0].Field != "resource_ids" {
			t.Errorf("field errors %v", fe)
		}
		if g, a := count(); g != 2 || a != 2 {
			t.Fatalf("%d grants and %d assignments after a refusal, want 2 and 2", g, a)
		}

		// Without resources.manage no resource may be chosen.
		clerk, err := f.svc.CreateRole(f.ctx, f.op, admin.RoleInput{Name: "Access clerk", Level: 50,
			Permissions: []directory.Permission{"users.view", "access.grant"}})
		if err != nil {
			t.Fatal(err)
		}
		granterUser := f.activeUser(nil)
		if err := f.db.CreateGrant(f.ctx, &directory.Grant{ID: "g-" + randHex(8), OrgID: f.org.ID, UserID: granterUser.ID,
			RoleID: clerk.ID, CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		granter, _ := f.tokenActor(granterUser, "192.0.2.1", "req-clerk")
		before = f.eventIDs()
		_, _, err = f.svc.GrantAccess(f.ctx, granter, worker.ID, admin.GrantInput{RoleID: editor.ID,
			Fields: map[string]string{"service_description": "Cleaning"}}, []string{also.ID}, "")
		wantKind(t, err, directory.KindInvalid)
		if diff := cmp.Diff(fieldErrs("resource_ids", "your role does not allow assigning resources"), fieldErrors(err)); diff != "" {
			t.Errorf("field errors (-want +got):\n%s", diff)
		}
		f.noEvent(before)
		if _, as, err := f.svc.GrantAccess(f.ctx, granter, worker.ID, admin.GrantInput{RoleID: editor.ID,
			Fields: map[string]string{"service_description": "Cleaning"}}, nil, ""); err != nil || len(as) != 0 {
			t.Fatalf("a grant without resources: %v, %v", as, err)
		}
	})
}
