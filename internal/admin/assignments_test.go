package admin_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestAssignments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		siteA := f.createUnit("Site A", "site", nil)
		siteB := f.createUnit("Site B", "site", nil)
		mine := f.createResource("Mine", siteA)
		theirs := f.createResource("Theirs", siteB)
		orgWide := f.createResource("Everyone's", nil)
		siteAdminUser, siteAdmin := f.actorWith("manager", siteA)

		worker := f.activeUser(nil)
		f.grantOn(worker, "staff", siteA, time.Time{})
		before := f.eventIDs()
		g, err := f.svc.Assign(f.ctx, siteAdmin, worker.ID, admin.AssignmentInput{ResourceID: mine.ID})
		if err != nil {
			t.Fatal(err)
		}
		if g.Relation != directory.RelationAccess || g.UserID != worker.ID || g.ResourceID != mine.ID || g.CreatedBy != siteAdminUser.ID || g.Resource.Name != "Mine" {
			t.Errorf("assignment %+v", g.ResourceGrant)
		}
		ev := f.oneEvent(before, "resource_grant.create")
		if ev.TargetType != "user" || ev.TargetID != worker.ID {
			t.Errorf("event target %s %s", ev.TargetType, ev.TargetID)
		}
		want := []directory.Change{
			{Field: "resource_grant.relation", After: "access"},
			{Field: "resource_grant.resource", After: "Mine"},
			{Field: "resource_grant.resource_id", After: mine.ID},
		}
		if diff := cmp.Diff(want, ev.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		director, err := f.svc.Assign(f.ctx, siteAdmin, worker.ID, admin.AssignmentInput{ResourceID: mine.ID, Relation: directory.RelationDirector})
		if err != nil {
			t.Fatal(err)
		}

		_, err = f.svc.Assign(f.ctx, siteAdmin, worker.ID, admin.AssignmentInput{ResourceID: mine.ID, Relation: directory.RelationAccess})
		wantKind(t, err, directory.KindConflict)
		boss := f.activeUser(nil)
		f.grantOn(boss, "administrator", siteA, time.Time{})
		outsider := f.activeUser(nil)
		f.grantOn(outsider, "staff", siteB, time.Time{})
		_, supervisor := f.actorWith("supervisor", siteA)
		binned := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		archivedRes := f.createResource("Archived", siteA)
		if _, err := f.svc.ArchiveResource(f.ctx, f.op, archivedRes.ID, 0); err != nil {
			t.Fatal(err)
		}
		before = f.eventIDs()
		for _, tc := range []struct {
			in   admin.AssignmentInput
			want []directory.FieldError
		}{
			{admin.AssignmentInput{ResourceID: mine.ID, Relation: "owner"}, fieldErrs("relation", "must be one of access, director, editor, viewer")},
			{admin.AssignmentInput{}, fieldErrs("resource_id", "is required")},
			{admin.AssignmentInput{ResourceID: "no-such-resource"}, fieldErrs("resource_id", "no such resource")},
			{admin.AssignmentInput{ResourceID: theirs.ID}, fieldErrs("resource_id", "no such resource")},
			{admin.AssignmentInput{ResourceID: orgWide.ID}, fieldErrs("resource_id", "no such resource")},
			{admin.AssignmentInput{ResourceID: archivedRes.ID}, fieldErrs("resource_id", "that resource is archived")},
		} {
			_, err := f.svc.Assign(f.ctx, siteAdmin, worker.ID, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("Assign(%+v) (-want +got):\n%s", tc.in, diff)
			}
		}

		// The delegation rule: nobody above one's level, nobody outside
		// one's scope, nobody without resources.manage.
		_, err = f.svc.Assign(f.ctx, siteAdmin, boss.ID, admin.AssignmentInput{ResourceID: mine.ID})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.Assign(f.ctx, siteAdmin, outsider.ID, admin.AssignmentInput{ResourceID: mine.ID})
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.Assign(f.ctx, supervisor, worker.ID, admin.AssignmentInput{ResourceID: mine.ID})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.Assign(f.ctx, f.op, binned.ID, admin.AssignmentInput{ResourceID: mine.ID})
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)

		// Lists: the operator sees every assignment, the site administrator
		// those of their site, the worker their own without any permission.
		f.assign(worker, theirs, directory.RelationViewer)
		f.assign(worker, orgWide, directory.RelationEditor)
		relations := func(a *admin.Actor) []string {
			t.Helper()
			list, err := f.svc.Assignments(f.ctx, a, worker.ID)
			if err != nil {
				t.Fatalf("Assignments: %v", err)
			}
			var out []string
			for _, g := range list {
				out = append(out, g.Resource.Name+":"+string(g.Relation))
			}
			return out
		}
		all := []string{"Mine:access", "Mine:director", "Theirs:viewer", "Everyone's:editor"}
		if got := relations(f.op); !cmp.Equal(got, all) {
			t.Errorf("operator sees %v", got)
		}
		if got := relations(siteAdmin); !cmp.Equal(got, all[:2]) {
			t.Errorf("site administrator sees %v", got)
		}
		workerActor, _ := f.tokenActor(worker, "", "")
		if got := relations(workerActor); !cmp.Equal(got, all) {
			t.Errorf("the worker sees %v", got)
		}
		_, err = f.svc.Assignments(f.ctx, siteAdmin, outsider.ID)
		wantKind(t, err, directory.KindNotFound)
		_, basic := f.actorWith("basic", siteA)
		_, err = f.svc.Assignments(f.ctx, basic, worker.ID)
		wantKind(t, err, directory.KindForbidden)

		// Removing.
		theirsGrant, _ := f.svc.Assignments(f.ctx, f.op, worker.ID)
		before = f.eventIDs()
		wantKind(t, f.svc.Unassign(f.ctx, siteAdmin, worker.ID, theirsGrant[2].ID), directory.KindNotFound)
		wantKind(t, f.svc.Unassign(f.ctx, siteAdmin, siteAdminUser.ID, director.ID), directory.KindNotFound)
		wantKind(t, f.svc.Unassign(f.ctx, siteAdmin, worker.ID, "no-such-assignment"), directory.KindNotFound)
		f.noEvent(before)
		if err := f.svc.Unassign(f.ctx, siteAdmin, worker.ID, director.ID); err != nil {
			t.Fatal(err)
		}
		ev = f.oneEvent(before, "resource_grant.delete")
		if c := changeMap(ev); c["resource_grant.relation"].Before != "director" || c["resource_grant.resource"].Before != "Mine" {
			t.Errorf("delete changes %+v", ev.Changes)
		}
		if got := relations(f.op); !cmp.Equal(got, []string{"Mine:access", "Theirs:viewer", "Everyone's:editor"}) {
			t.Errorf("after removal %v", got)
		}
	})
}

// TestPurgeRemovesAssignments checks that purging a user removes their
// resource assignments, and nobody reaches the resource through them.
func TestPurgeRemovesAssignments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		rv := f.createResource("Client", nil)
		u := f.createUser(nil)
		f.assign(u, rv, directory.RelationAccess)
		f.assign(u, rv, directory.RelationViewer)
		if _, err := f.svc.Delete(f.ctx, f.op, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Purge(f.ctx, f.op, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		left, err := f.db.ResourceGrants(f.ctx, f.org.ID, "", rv.ID)
		if err != nil || len(left) != 0 {
			t.Errorf("assignments after purge: %v %v", left, err)
		}
		page, err := f.svc.WhoCanReach(f.ctx, f.op, rv.ID, 0, nil)
		if err != nil || page.Total != 0 {
			t.Errorf("who can reach after purge: %+v %v", page, err)
		}
	})
}
