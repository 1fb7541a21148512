package admin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// grantOn gives u the built-in role with the given key over a unit (nil =
// the whole organization) until expires (zero = for good), straight in the
// database.
func (f *fixture) grantOn(u *directory.User, roleKey string, unit *directory.Unit, expires time.Time) *directory.Grant {
	f.t.Helper()
	r, err := f.db.RoleByKey(f.ctx, u.OrgID, roleKey)
	if err != nil {
		f.t.Fatalf("RoleByKey(%s): %v", roleKey, err)
	}
	g := &directory.Grant{ID: "g-" + randHex(8), OrgID: u.OrgID, UserID: u.ID, RoleID: r.ID, ExpiresAt: expires, CreatedAt: f.clock.Now()}
	if unit != nil {
		g.UnitID = unit.ID
	}
	if err := f.db.CreateGrant(f.ctx, g); err != nil {
		f.t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

// actorWith adds an active user holding roleKey over unit (nil = the whole
// organization) and returns them with the actor of their token.
func (f *fixture) actorWith(roleKey string, unit *directory.Unit) (*directory.User, *admin.Actor) {
	f.t.Helper()
	u := f.activeUser(nil)
	f.grantOn(u, roleKey, unit, time.Time{})
	a, _ := f.tokenActor(u, "192.0.2.1", "req-"+randHex(3))
	return u, a
}

// createResource adds a resource of kind client as the operator (unit nil
// = the whole organization).
func (f *fixture) createResource(name string, unit *directory.Unit) *admin.ResourceView {
	f.t.Helper()
	in := admin.ResourceInput{Kind: "client", Name: name}
	if unit != nil {
		in.UnitID = unit.ID
	}
	rv, err := f.svc.CreateResource(f.ctx, f.op, in)
	if err != nil {
		f.t.Fatalf("CreateResource(%s): %v", name, err)
	}
	return rv
}

// assign gives u the resource with a relation as the operator.
func (f *fixture) assign(u *directory.User, rv *admin.ResourceView, rel directory.Relation) *admin.AssignmentView {
	f.t.Helper()
	g, err := f.svc.Assign(f.ctx, f.op, u.ID, admin.AssignmentInput{ResourceID: rv.ID, Relation: rel})
	if err != nil {
		f.t.Fatalf("Assign(%s): %v", rv.Name, err)
	}
	return g
}

// resourceNames lists the names of a page of resources.
func resourceNames(p *store.ResourcePage) []string {
	out := []string{}
	for _, r := range p.Rows {
		out = append(out, r.Name)
	}
	return out
}

// listResources lists every resource the actor sees, archived ones too
// when asked.
func (f *fixture) listResources(a *admin.Actor, in admin.ResourceListInput) []string {
	f.t.Helper()
	p, err := f.svc.Resources(f.ctx, a, in)
	if err != nil {
		f.t.Fatalf("Resources: %v", err)
	}
	return resourceNames(p)
}

// changeMap indexes an event's changes by field.
func changeMap(e *directory.AuditEvent) map[string]directory.Change {
	out := map[string]directory.Change{}
	for _, c := range e.Changes {
		out[c.Field] = c
	}
	return out
}

func TestResourceKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		kinds, err := f.svc.ResourceKinds(f.ctx, f.op)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(directory.DefaultResourceKinds, kinds); diff != "" {
			t.Errorf("default kinds (-want +got):\n%s", diff)
		}

		before := f.eventIDs()
		k, err := f.svc.PutResourceKind(f.ctx, f.op, admin.ResourceKindInput{Key: "client", Label: " Learner "})
		if err != nil {
			t.Fatal(err)
		}
		if k != (directory.ResourceKind{Key: "client", Label: "Learner", Position: 1}) {
			t.Errorf("relabelled kind %+v; a kind without position keeps its place", k)
		}
		ev := f.oneEvent(before, "resource_kind.put")
		if diff := cmp.Diff([]directory.Change{{Field: "label", Before: "Client", After: "Learner"}}, ev.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		k, err = f.svc.PutResourceKind(f.ctx, f.op, admin.ResourceKindInput{Key: "room", Label: "Room"})
		if err != nil || k.Position != 4 {
			t.Errorf("new kind %+v, %v; want it last (4)", k, err)
		}
		if _, err := f.svc.PutResourceKind(f.ctx, f.op, admin.ResourceKindInput{Key: "room", Label: "Room", Position: ptr(0)}); err != nil {
			t.Fatal(err)
		}
		kinds, _ = f.svc.ResourceKinds(f.ctx, f.op)
		if kinds[0].Key != "room" {
			t.Errorf("kinds after moving room first: %+v", kinds)
		}

		// No change, no event.
		before = f.eventIDs()
		if _, err := f.svc.PutResourceKind(f.ctx, f.op, admin.ResourceKindInput{Key: "room", Label: "Room"}); err != nil {
			t.Fatal(err)
		}
		f.noEvent(before)

		_, err = f.svc.PutResourceKind(f.ctx, f.op, admin.ResourceKindInput{Key: "Bad Key", Label: " "})
		wantKind(t, err, directory.KindInvalid)
		if got := fieldErrors(err); len(got) != 2 || got[0].Field != "key" || got[1].Field != "label" {
			t.Errorf("field errors %+v", got)
		}

		// Reading takes users.view or resources.manage; writing settings.manage
		// over the whole organization.
		site := f.createUnit("Site", "site", nil)
		_, staff := f.actorWith("staff", site)
		if _, err := f.svc.ResourceKinds(f.ctx, staff); err != nil {
			t.Errorf("staff cannot list kinds: %v", err)
		}
		_, basic := f.actorWith("basic", nil)
		_, err = f.svc.ResourceKinds(f.ctx, basic)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.PutResourceKind(f.ctx, staff, admin.ResourceKindInput{Key: "room", Label: "Hall"})
		wantKind(t, err, directory.KindForbidden)
		_, siteOwner := f.actorWith("owner", site)
		_, err = f.svc.PutResourceKind(f.ctx, siteOwner, admin.ResourceKindInput{Key: "room", Label: "Hall"})
		wantKind(t, err, directory.KindForbidden)
		_, admin80 := f.actorWith("administrator", nil)
		_, err = f.svc.PutResourceKind(f.ctx, admin80, admin.ResourceKindInput{Key: "room", Label: "Hall"})
		wantKind(t, err, directory.KindForbidden) // administrators lack settings.manage
	})
}

func TestCreateResource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		site := f.createUnit("North site", "site", nil)
		before := f.eventIDs()
		rv, err := f.svc.CreateResource(f.ctx, f.op, admin.ResourceInput{Kind: " student ", Name: " Ada Lovelace ", ExternalID: " S-1 ", UnitID: site.ID})
		if err != nil {
			t.Fatal(err)
		}
		if rv.Kind != "student" || rv.Name != "Ada Lovelace" || rv.ExternalID != "S-1" || rv.UnitID != site.ID || rv.Unit.ID != site.ID || rv.Version != 1 {
			t.Errorf("created %+v", rv.Resource)
		}
		got, err := f.svc.Resource(f.ctx, f.op, rv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rv, got); diff != "" {
			t.Errorf("stored resource differs (-created +read):\n%s", diff)
		}
		ev := f.oneEvent(before, "resource.create")
		if ev.TargetType != "resource" || ev.TargetID != rv.ID || ev.TargetName != "Ada Lovelace" {
			t.Errorf("event target %s %s %q", ev.TargetType, ev.TargetID, ev.TargetName)
		}
		if diff := cmp.Diff([]string{"external_id", "kind", "name", "unit", "unit_id"}, changedFields(ev)); diff != "" {
			t.Errorf("changed fields (-want +got):\n%s", diff)
		}

		org := f.createResource("Whole organization", nil)
		if org.UnitID != "" || org.Unit != nil {
			t.Errorf("a resource without a unit: %+v", org.Resource)
		}

		_, otherOp := f.newOrg()
		otherUnit, err := f.svc.CreateUnit(f.ctx, otherOp, admin.UnitInput{Name: "Theirs", Kind: "site"})
		if err != nil {
			t.Fatal(err)
		}
		archivedUnit := f.archiveUnit(f.createUnit("Closed", "site", nil))
		before = f.eventIDs()
		for _, tc := range []struct {
			in   admin.ResourceInput
			want []directory.FieldError
		}{
			{admin.ResourceInput{Kind: "planet", Name: "X"}, fieldErrs("kind", "must be one of: client, student, channel")},
			{admin.ResourceInput{Kind: "client", Name: "  "}, fieldErrs("name", "is required")},
			{admin.ResourceInput{Kind: "client", Name: strings.Repeat("n", 201)}, fieldErrs("name", "must be at most 200 characters")},
			{admin.ResourceInput{Kind: "client", Name: "X", ExternalID: strings.Repeat("x", 101)}, fieldErrs("external_id", "must be at most 100 characters")},
			{admin.ResourceInput{Kind: "client", Name: "X", UnitID: "no-such-unit"}, fieldErrs("unit_id", "no such unit")},
			{admin.ResourceInput{Kind: "client", Name: "X", UnitID: otherUnit.ID}, fieldErrs("unit_id", "no such unit")},
			{admin.ResourceInput{Kind: "client", Name: "X", UnitID: archivedUnit.ID}, fieldErrs("unit_id", "that unit is archived")},
		} {
			_, err := f.svc.CreateResource(f.ctx, f.op, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("CreateResource(%+v) (-want +got):\n%s", tc.in, diff)
			}
		}
		// External ids are unique per kind.
		_, err = f.svc.CreateResource(f.ctx, f.op, admin.ResourceInput{Kind: "student", Name: "Twin", ExternalID: "S-1"})
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)
		if _, err := f.svc.CreateResource(f.ctx, f.op, admin.ResourceInput{Kind: "client", Name: "Same id, other kind", ExternalID: "S-1"}); err != nil {
			t.Errorf("the same external id in another kind: %v", err)
		}

		// Another organization sees none of it.
		_, err = f.svc.Resource(f.ctx, otherOp, rv.ID)
		wantKind(t, err, directory.KindNotFound)
		if names := f.listResources(otherOp, admin.ResourceListInput{}); len(names) != 0 {
			t.Errorf("another organization lists %v", names)
		}
	})
}

func TestResourceList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		site := f.createUnit("Site", "site", nil)
		for _, n := range []string{"Delta", "alpha", "Charlie", "Bravo"} {
			f.createResource(n, site)
		}
		if _, err := f.svc.CreateResource(f.ctx, f.op, admin.ResourceInput{Kind: "channel", Name: "Echo", ExternalID: "CH-9"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ArchiveResource(f.ctx, f.op, f.createResource("Zulu", nil).ID, 0); err != nil {
			t.Fatal(err)
		}

		var names []string
		in := admin.ResourceListInput{Limit: 2}
		for {
			p, err := f.svc.Resources(f.ctx, f.op, in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 5 {
				t.Errorf("total %d, want 5", p.Total)
			}
			names = append(names, resourceNames(p)...)
			if p.Next == nil {
				break
			}
			in.After = p.Next
		}
		// The order of "alpha" among capitals is the engine's collation.
		if diff := cmp.Diff([]string{"Bravo", "Charlie", "Delta", "Echo", "alpha"}, names, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("paged through (-want +got):\n%s", diff)
		}
		if got := f.listResources(f.op, admin.ResourceListInput{Kind: "channel"}); !cmp.Equal(got, []string{"Echo"}) {
			t.Errorf("kind=channel: %v", got)
		}
		if got := f.listResources(f.op, admin.ResourceListInput{Q: "ch-9"}); !cmp.Equal(got, []string{"Echo"}) {
			t.Errorf("q by external id: %v", got)
		}
		if got := f.listResources(f.op, admin.ResourceListInput{Q: "arl"}); !cmp.Equal(got, []string{"Charlie"}) {
			t.Errorf("q by name: %v", got)
		}
		if got := f.listResources(f.op, admin.ResourceListInput{UnitID: site.ID}); len(got) != 4 {
			t.Errorf("unit: %v", got)
		}
		if got := f.listResources(f.op, admin.ResourceListInput{IncludeArchived: true}); len(got) != 6 {
			t.Errorf("with archived: %v", got)
		}
		_, err := f.svc.Resources(f.ctx, f.op, admin.ResourceListInput{Limit: 501})
		wantKind(t, err, directory.KindInvalid)
	})
}

// TestResourceScope checks that a site administrator (the built-in manager
// role granted on a site) sees and manages only the resources of their
// site.
func TestResourceScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		district := f.createUnit("District", "district", nil)
		siteA := f.createUnit("Site A", "site", district)
		siteB := f.createUnit("Site B", "site", district)
		classA := f.createUnit("Class A1", "department", siteA)
		mine := f.createResource("Mine", siteA)
		deep := f.createResource("Deep", classA)
		theirs := f.createResource("Theirs", siteB)
		orgWide := f.createResource("Everyone's", nil)
		_, siteAdmin := f.actorWith("manager", siteA)

		if got := f.listResources(siteAdmin, admin.ResourceListInput{}); !cmp.Equal(got, []string{"Deep", "Mine"}) {
			t.Errorf("the site administrator lists %v", got)
		}
		for _, rv := range []*admin.ResourceView{mine, deep} {
			if _, err := f.svc.Resource(f.ctx, siteAdmin, rv.ID); err != nil {
				t.Errorf("Resource(%s): %v", rv.Name, err)
			}
		}
		before := f.eventIDs()
		for _, rv := range []*admin.ResourceView{theirs, orgWide} {
			_, err := f.svc.Resource(f.ctx, siteAdmin, rv.ID)
			wantKind(t, err, directory.KindNotFound)
			_, err = f.svc.UpdateResource(f.ctx, siteAdmin, rv.ID, 0, admin.ResourcePatch{Name: ptr("Taken")})
			wantKind(t, err, directory.KindNotFound)
			_, err = f.svc.ArchiveResource(f.ctx, siteAdmin, rv.ID, 0)
			wantKind(t, err, directory.KindNotFound)
			wantKind(t, f.svc.DeleteResource(f.ctx, siteAdmin, rv.ID, 0), directory.KindNotFound)
			_, err = f.svc.WhoCanReach(f.ctx, siteAdmin, rv.ID, 0, nil)
			wantKind(t, err, directory.KindNotFound)
		}
		for _, tc := range []struct {
			in   admin.ResourceInput
			want []directory.FieldError
		}{
			{admin.ResourceInput{Kind: "client", Name: "X", UnitID: siteB.ID}, fieldErrs("unit_id", "no such unit")},
			{admin.ResourceInput{Kind: "client", Name: "X", UnitID: district.ID}, fieldErrs("unit_id", "no such unit")},
			{admin.ResourceInput{Kind: "client", Name: "X"}, fieldErrs("unit_id",
				"is required: a resource without a unit belongs to the whole organization, which takes an organization-wide grant")},
		} {
			_, err := f.svc.CreateResource(f.ctx, siteAdmin, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("CreateResource(%+v) (-want +got):\n%s", tc.in, diff)
			}
		}
		// Moving a resource out of one's scope, or to the whole organization.
		for _, to := range []string{siteB.ID, ""} {
			_, err := f.svc.UpdateResource(f.ctx, siteAdmin, mine.ID, 0, admin.ResourcePatch{UnitID: ptr(to)})
			wantKind(t, err, directory.KindInvalid)
		}
		f.noEvent(before)

		made, err := f.svc.CreateResource(f.ctx, siteAdmin, admin.ResourceInput{Kind: "client", Name: "Made here", UnitID: classA.ID})
		if err != nil {
			t.Fatal(err)
		}
		if ev := f.oneEvent(before, "resource.create"); ev.ActorID != siteAdmin.UserID || ev.TokenID == "" {
			t.Errorf("event by %s token %q", ev.ActorID, ev.TokenID)
		}
		if _, err := f.svc.UpdateResource(f.ctx, siteAdmin, made.ID, 0, admin.ResourcePatch{UnitID: ptr(siteA.ID)}); err != nil {
			t.Errorf("moving inside one's scope: %v", err)
		}

		// Staff read, but change nothing.
		_, staff := f.actorWith("staff", siteA)
		if got := f.listResources(staff, admin.ResourceListInput{}); len(got) != 3 {
			t.Errorf("staff list %v", got)
		}
		_, err = f.svc.CreateResource(f.ctx, staff, admin.ResourceInput{Kind: "client", Name: "X", UnitID: siteA.ID})
		wantKind(t, err, directory.KindForbidden)
		_, basic := f.actorWith("basic", siteA)
		_, err = f.svc.Resources(f.ctx, basic, admin.ResourceListInput{})
		wantKind(t, err, directory.KindForbidden)

		// The district's administrator sees both sites but not the
		// organization's own resources.
		_, districtAdmin := f.actorWith("manager", district)
		if got := f.listResources(districtAdmin, admin.ResourceListInput{}); !cmp.Equal(got, []string{"Deep", "Made here", "Mine", "Theirs"}) {
			t.Errorf("the district administrator lists %v", got)
		}
	})
}

func TestUpdateResource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		site := f.createUnit("Site", "site", nil)
		rv := f.createResource("Old name", site)

		before := f.eventIDs()
		up, err := f.svc.UpdateResource(f.ctx, f.op, rv.ID, 1, admin.ResourcePatch{Name: ptr(" New name "), Kind: ptr("student"), UnitID: ptr("")})
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != "New name" || up.Kind != "student" || up.UnitID != "" || up.Unit != nil || up.Version != 2 {
			t.Errorf("updated %+v", up.Resource)
		}
		ev := f.oneEvent(before, "resource.update")
		want := map[string]directory.Change{
			"name":    {Field: "name", Before: "Old name", After: "New name"},
			"kind":    {Field: "kind", Before: "client", After: "student"},
			"unit_id": {Field: "unit_id", Before: site.ID, After: ""},
			"unit":    {Field: "unit", Before: "Site", After: ""},
		}
		if diff := cmp.Diff(want, changeMap(ev)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}

		// A stale version, a bad value and no change write nothing.
		before = f.eventIDs()
		_, err = f.svc.UpdateResource(f.ctx, f.op, rv.ID, 1, admin.ResourcePatch{Name: ptr("Stale")})
		wantKind(t, err, directory.KindPrecondition)
		_, err = f.svc.UpdateResource(f.ctx, f.op, rv.ID, 0, admin.ResourcePatch{Name: ptr("")})
		wantKind(t, err, directory.KindInvalid)
		same, err := f.svc.UpdateResource(f.ctx, f.op, rv.ID, 0, admin.ResourcePatch{Name: ptr("New name")})
		if err != nil || same.Version != 2 {
			t.Errorf("unchanged update: %v, version %d", err, same.Version)
		}
		_, err = f.svc.UpdateResource(f.ctx, f.op, "no-such-resource", 0, admin.ResourcePatch{Name: ptr("X")})
		wantKind(t, err, directory.KindNotFound)
		f.noEvent(before)

		// Archive, archive again, restore.
		arch, err := f.svc.ArchiveResource(f.ctx, f.op, rv.ID, 2)
		if err != nil || arch.ArchivedAt.IsZero() {
			t.Fatalf("archive: %v %+v", err, arch)
		}
		ev = f.oneEvent(before, "resource.archive")
		if diff := cmp.Diff([]string{"archived_at"}, changedFields(ev)); diff != "" {
			t.Errorf("archive changes (-want +got):\n%s", diff)
		}
		before = f.eventIDs()
		_, err = f.svc.ArchiveResource(f.ctx, f.op, rv.ID, 0)
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)
		if got := f.listResources(f.op, admin.ResourceListInput{}); len(got) != 0 {
			t.Errorf("an archived resource is listed: %v", got)
		}
		if _, err := f.svc.UpdateResource(f.ctx, f.op, rv.ID, 0, admin.ResourcePatch{Archived: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		f.oneEvent(before, "resource.restore")

		// Delete takes the assignments with it.
		u := f.createUser(nil)
		f.assign(u, rv, directory.RelationEditor)
		f.assign(u, rv, directory.RelationViewer)
		before = f.eventIDs()
		wantKind(t, f.svc.DeleteResource(f.ctx, f.op, rv.ID, 1), directory.KindPrecondition)
		if err := f.svc.DeleteResource(f.ctx, f.op, rv.ID, 0); err != nil {
			t.Fatal(err)
		}
		ev = f.oneEvent(before, "resource.delete")
		if c := changeMap(ev); fmt.Sprint(c["assignments"].Before) != "2" || c["name"].Before != "New name" || c["name"].After != nil {
			t.Errorf("delete changes %+v", ev.Changes)
		}
		_, err = f.svc.Resource(f.ctx, f.op, rv.ID)
		wantKind(t, err, directory.KindNotFound)
		if list, err := f.svc.Assignments(f.ctx, f.op, u.ID); err != nil || len(list) != 0 {
			t.Errorf("assignments after delete: %v %v", list, err)
		}
	})
}
