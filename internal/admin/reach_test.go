package admin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// reachWorld is an organization with a district of two sites, resources in
// each place and users reaching them in every way the decision knows.
type reachWorld struct {
	district, siteA, siteB, classA *directory.Unit
	inA, inClassA, inB, orgWide    *admin.ResourceView
	archived                       *admin.ResourceView
	admin80, districtSup, siteASup *directory.User
	assigned, unassigned, expired  *directory.User
	districtG, siteASupG           *directory.Grant
	admin80G, assignedGrant        *directory.Grant
	assignment                     *admin.AssignmentView
}

func newReachWorld(f *fixture) *reachWorld {
	f.t.Helper()
	w := &reachWorld{}
	w.district = f.createUnit("District", "district", nil)
	w.siteA = f.createUnit("Site A", "site", w.district)
	w.siteB = f.createUnit("Site B", "site", w.district)
	w.classA = f.createUnit("Class A1", "department", w.siteA)
	w.inA = f.createResource("In A", w.siteA)
	w.inClassA = f.createResource("In class A1", w.classA)
	w.inB = f.createResource("In B", w.siteB)
	w.orgWide = f.createResource("Whole organization", nil)
	w.archived = f.createResource("Archived in A", w.siteA)

	named := func(last string) func(in *admin.UserInput) {
		return func(in *admin.UserInput) { in.LastName = last }
	}
	// An organization-wide administrator reaches everything.
	w.admin80 = f.activeUser(named("Admin"))
	w.admin80G = f.grantOn(w.admin80, "administrator", nil, time.Time{})
	// Supervisors (resources.all_in_scope) over the district and site A.
	w.districtSup = f.activeUser(named("District"))
	w.districtG = f.grantOn(w.districtSup, "supervisor", w.district, time.Time{})
	w.siteASup = f.activeUser(named("Supervisor A"))
	w.siteASupG = f.grantOn(w.siteASup, "supervisor", w.siteA, time.Time{})
	// Staff (users.view, no all_in_scope) on site A, one assigned In B.
	w.assigned = f.activeUser(named("Assigned"))
	w.assignedGrant = f.grantOn(w.assigned, "staff", w.siteA, time.Time{})
	w.assignment = f.assign(w.assigned, w.inB, directory.RelationDirector)
	w.unassigned = f.activeUser(named("Unassigned"))
	f.grantOn(w.unassigned, "staff", w.siteA, time.Time{})
	// A supervisor of site A whose grant has expired.
	w.expired = f.activeUser(named("Expired"))
	f.grantOn(w.expired, "supervisor", w.siteA, f.clock.Now().Add(-time.Hour))

	f.assign(w.assigned, w.archived, directory.RelationAccess)
	if _, err := f.svc.ArchiveResource(f.ctx, f.op, w.archived.ID, 0); err != nil {
		f.t.Fatal(err)
	}
	return w
}

func TestCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		w := newReachWorld(f)
		inactive := f.arrange(f.activeUser(nil), func(u *directory.User) { u.Status = directory.StatusInactive })
		f.grantOn(inactive, "administrator", nil, time.Time{})
		locked := f.arrange(f.activeUser(nil), func(u *directory.User) { u.LockedAt = f.clock.Now() })
		f.grantOn(locked, "administrator", nil, time.Time{})
		lapsed := f.activeUser(func(in *admin.UserInput) { in.ExpiresAt = f.clock.Now().Add(time.Hour) })
		f.grantOn(lapsed, "administrator", nil, time.Time{})
		f.clock.Advance(2 * time.Hour) // past the account's expiry
		pending := f.createUser(nil)
		f.grantOn(pending, "administrator", nil, time.Time{})
		binned := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		noGrant := f.activeUser(nil)

		name := func(u *directory.User) string { return u.Name() }
		cases := []struct {
			name     string
			user     *directory.User
			perm     directory.Permission
			resource *admin.ResourceView
			want     admin.Decision
		}{
			{"org-wide all_in_scope reaches a site's resource", w.admin80, "users.edit", w.inA, admin.Decision{Allowed: true, GrantID: w.admin80G.ID,
				Reason: name(w.admin80) + " holds users.edit as Administrator over the whole organization, which reaches every resource there (resources.all_in_scope)"}},
			{"org-wide all_in_scope reaches the organization's resource", w.admin80, "users.view", w.orgWide, admin.Decision{Allowed: true, GrantID: w.admin80G.ID,
				Reason: name(w.admin80) + " holds users.view as Administrator over the whole organization, which reaches every resource there (resources.all_in_scope)"}},
			{"a district grant covers a class under it", w.districtSup, "users.view", w.inClassA, admin.Decision{Allowed: true, GrantID: w.districtG.ID,
				Reason: name(w.districtSup) + " holds users.view as Supervisor over District, which reaches every resource there (resources.all_in_scope)"}},
			{"a site grant covers its own resource", w.siteASup, "users.unlock", w.inA, admin.Decision{Allowed: true, GrantID: w.siteASupG.ID,
				Reason: name(w.siteASup) + " holds users.unlock as Supervisor over Site A, which reaches every resource there (resources.all_in_scope)"}},
			{"a site grant does not cover a sibling site", w.siteASup, "users.view", w.inB, admin.Decision{
				Reason: name(w.siteASup) + " holds users.view as Supervisor over Site A, but reaches In B neither through resources.all_in_scope over a scope that covers it nor through an assignment"}},
			{"a unit grant does not cover the organization's resources", w.districtSup, "users.view", w.orgWide, admin.Decision{
				Reason: name(w.districtSup) + " holds users.view as Supervisor over District, but reaches Whole organization neither through resources.all_in_scope over a scope that covers it nor through an assignment"}},
			{"a direct assignment reaches a resource outside the grant's scope", w.assigned, "users.view", w.inB, admin.Decision{Allowed: true,
				GrantID: w.assignedGrant.ID, AssignmentID: w.assignment.ID, Relation: directory.RelationDirector,
				Reason: name(w.assigned) + " is assigned In B as director, and holds users.view as Staff over Site A"}},
			{"without all_in_scope or an assignment nothing is reached", w.unassigned, "users.view", w.inA, admin.Decision{
				Reason: name(w.unassigned) + " holds users.view as Staff over Site A, but reaches In A neither through resources.all_in_scope over a scope that covers it nor through an assignment"}},
			{"an assignment without the permission", w.assigned, "users.edit", w.inB, admin.Decision{
				Reason: "no grant of " + name(w.assigned) + " gives users.edit"}},
			{"a permission no role of theirs holds", w.siteASup, "users.delete", w.inA, admin.Decision{
				Reason: "no grant of " + name(w.siteASup) + " gives users.delete"}},
			{"no grant at all", noGrant, "users.view", w.inA, admin.Decision{Reason: "no grant of " + name(noGrant) + " gives users.view"}},
			{"an expired grant", w.expired, "users.view", w.inA, admin.Decision{
				Reason: name(w.expired) + " holds users.view only through grants that do not count now (expired or not yet started)"}},
			{"an inactive user", inactive, "users.view", w.inA, admin.Decision{Reason: name(inactive) + " is inactive, not active"}},
			{"a pending user", pending, "users.view", w.inA, admin.Decision{Reason: name(pending) + " is pending, not active"}},
			{"a locked user", locked, "users.view", w.inA, admin.Decision{Reason: name(locked) + " is locked"}},
			{"an expired account", lapsed, "users.view", w.inA, admin.Decision{Reason: name(lapsed) + "'s account expired on 2031-05-04"}},
			{"a user in the recycle bin", binned, "users.view", w.inA, admin.Decision{Reason: name(binned) + " is in the recycle bin"}},
			{"an archived resource", w.admin80, "users.view", w.archived, admin.Decision{Reason: "Archived in A is archived; nobody reaches it"}},
		}
		before := f.eventIDs()
		for _, tc := range cases {
			got, err := f.svc.Check(f.ctx, f.op, tc.user.ID, tc.perm, tc.resource.ID)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
		// Asking writes nothing.
		f.noEvent(before)

		// Who may ask: anybody about themself (any resource), others with
		// users.view about users and resources they see.
		self, _ := f.tokenActor(w.assigned, "", "")
		if d, err := f.svc.Check(f.ctx, self, w.assigned.ID, "users.view", w.inB.ID); err != nil || !d.Allowed {
			t.Errorf("asking about oneself: %+v %v", d, err)
		}
		basicUser, basic := f.actorWith("basic", nil)
		if d, err := f.svc.Check(f.ctx, basic, basicUser.ID, "users.view", w.inA.ID); err != nil || d.Allowed {
			t.Errorf("a basic user asking about themself: %+v %v", d, err)
		}
		_, err := f.svc.Check(f.ctx, basic, w.assigned.ID, "users.view", w.inA.ID)
		wantKind(t, err, directory.KindForbidden)
		_, siteAdmin := f.actorWith("manager", w.siteA)
		if d, err := f.svc.Check(f.ctx, siteAdmin, w.siteASup.ID, "users.view", w.inA.ID); err != nil || !d.Allowed {
			t.Errorf("the site administrator asking about their site: %+v %v", d, err)
		}
		_, err = f.svc.Check(f.ctx, siteAdmin, w.siteASup.ID, "users.view", w.inB.ID)
		wantKind(t, err, directory.KindNotFound) // a resource outside their scope
		_, err = f.svc.Check(f.ctx, siteAdmin, w.admin80.ID, "users.view", w.inA.ID)
		wantKind(t, err, directory.KindNotFound) // a user they may not see
		_, err = f.svc.Check(f.ctx, f.op, w.admin80.ID, "users.view", "no-such-resource")
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.Check(f.ctx, f.op, "no-such-user", "users.view", w.inA.ID)
		wantKind(t, err, directory.KindNotFound)
		_, otherOp := f.newOrg()
		_, err = f.svc.Check(f.ctx, otherOp, w.admin80.ID, "users.view", w.inA.ID)
		wantKind(t, err, directory.KindNotFound)

		_, err = f.svc.Check(f.ctx, f.op, "", "fly", "")
		wantKind(t, err, directory.KindInvalid)
		want := fieldErrs("user_id", "is required", "permission", `"fly" is not a permission of the catalog`, "resource_id", "is required")
		if diff := cmp.Diff(want, fieldErrors(err)); diff != "" {
			t.Errorf("validation (-want +got):\n%s", diff)
		}
		_, err = f.svc.Check(f.ctx, nil, w.admin80.ID, "users.view", w.inA.ID)
		wantKind(t, err, directory.KindUnauthorized)
	})
}

// reachedNames lists "name<-via" for each resource of a page, the via
// being grant ids and relations.
func reachedNames(p *admin.ReachPage) []string {
	out := []string{}
	for _, r := range p.Items {
		var via []string
		for _, v := range r.Via {
			if v.GrantID != "" {
				via = append(via, "grant "+v.RoleName+"/"+v.UnitName)
			} else {
				via = append(via, "assigned "+string(v.Relation))
			}
		}
		out = append(out, r.Name+" <- "+strings.Join(via, ", "))
	}
	return out
}

func TestReachableResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		w := newReachWorld(f)
		reach := func(a *admin.Actor, u *directory.User, in admin.ResourceListInput) *admin.ReachPage {
			t.Helper()
			p, err := f.svc.ReachableResources(f.ctx, a, u.ID, in)
			if err != nil {
				t.Fatalf("ReachableResources: %v", err)
			}
			return p
		}
		// A supervisor of site A also assigned a resource of site B, and of
		// one of site A (reached both ways).
		f.assign(w.siteASup, w.inB, directory.RelationViewer)
		f.assign(w.siteASup, w.inA, directory.RelationEditor)
		p := reach(f.op, w.siteASup, admin.ResourceListInput{})
		want := []string{"In A <- grant Supervisor/Site A, assigned editor", "In B <- assigned viewer", "In class A1 <- grant Supervisor/Site A"}
		if diff := cmp.Diff(want, reachedNames(p)); diff != "" || p.Total != 3 || p.Blocked != "" {
			t.Errorf("site A supervisor reaches (-want +got):\n%s total %d blocked %q", diff, p.Total, p.Blocked)
		}
		if v := p.Items[0].Via[0]; v.GrantID != w.siteASupG.ID || v.UnitID != w.siteA.ID {
			t.Errorf("via %+v", v)
		}

		// The organization-wide administrator reaches everything but the
		// archived resource.
		p = reach(f.op, w.admin80, admin.ResourceListInput{})
		if p.Total != 4 {
			t.Errorf("the administrator reaches %v", reachedNames(p))
		}
		// Paging.
		var names []string
		in := admin.ResourceListInput{Limit: 3}
		for {
			p := reach(f.op, w.admin80, in)
			names = append(names, reachedNames(p)...)
			if p.Next == nil {
				break
			}
			in.After = p.Next
		}
		if len(names) != 4 {
			t.Errorf("paged through %v", names)
		}
		if p := reach(f.op, w.admin80, admin.ResourceListInput{Q: "class"}); p.Total != 1 {
			t.Errorf("q=class: %v", reachedNames(p))
		}

		// Staff reach only their assignment (the archived one is not listed);
		// an expired grant reaches nothing.
		if got := reachedNames(reach(f.op, w.assigned, admin.ResourceListInput{})); !cmp.Equal(got, []string{"In B <- assigned director"}) {
			t.Errorf("the assigned staff member reaches %v", got)
		}
		if got := reachedNames(reach(f.op, w.expired, admin.ResourceListInput{})); len(got) != 0 {
			t.Errorf("an expired grant reaches %v", got)
		}
		// A user who cannot act is listed with the reason.
		f.arrange(w.districtSup, func(u *directory.User) { u.Status = directory.StatusInactive })
		p = reach(f.op, w.districtSup, admin.ResourceListInput{})
		if p.Total != 3 || p.Blocked != w.districtSup.Name()+" is inactive, not active" {
			t.Errorf("inactive district supervisor: %v blocked %q", reachedNames(p), p.Blocked)
		}

		// Askers: oneself without any permission; a site administrator sees
		// only the resources of their site; nobody sees users out of scope.
		self, _ := f.tokenActor(w.assigned, "", "")
		if got := reachedNames(reach(self, w.assigned, admin.ResourceListInput{})); len(got) != 1 {
			t.Errorf("asking about oneself: %v", got)
		}
		_, siteAdmin := f.actorWith("manager", w.siteA)
		if got := reachedNames(reach(siteAdmin, w.siteASup, admin.ResourceListInput{})); len(got) != 2 {
			t.Errorf("the site administrator sees %v", got)
		}
		_, err := f.svc.ReachableResources(f.ctx, siteAdmin, w.admin80.ID, admin.ResourceListInput{})
		wantKind(t, err, directory.KindNotFound)
		_, basic := f.actorWith("basic", nil)
		_, err = f.svc.ReachableResources(f.ctx, basic, w.assigned.ID, admin.ResourceListInput{})
		wantKind(t, err, directory.KindForbidden)
	})
}

// reacherNames lists "last name<-via" for each user of a page.
func reacherNames(p *admin.ReacherPage) []string {
	out := []string{}
	for _, r := range p.Items {
		var via []string
		for _, v := range r.Via {
			if v.GrantID != "" {
				via = append(via, "grant "+v.RoleName)
			} else {
				via = append(via, "assigned "+string(v.Relation))
			}
		}
		out = append(out, r.User.LastName+" <- "+strings.Join(via, ", "))
	}
	return out
}

func TestWhoCanReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		w := newReachWorld(f)
		who := func(a *admin.Actor, rv *admin.ResourceView) *admin.ReacherPage {
			t.Helper()
			p, err := f.svc.WhoCanReach(f.ctx, a, rv.ID, 0, nil)
			if err != nil {
				t.Fatalf("WhoCanReach(%s): %v", rv.Name, err)
			}
			return p
		}
		f.assign(w.siteASup, w.inClassA, directory.RelationViewer)
		// A user in the recycle bin reaches nothing any more.
		gone := f.createUser(func(in *admin.UserInput) { in.LastName = "Gone" })
		f.assign(gone, w.inClassA, directory.RelationAccess)
		f.arrange(gone, func(u *directory.User) { u.DeletedAt = f.clock.Now() })

		p := who(f.op, w.inClassA)
		want := []string{"Admin <- grant Administrator", "District <- grant Supervisor", "Supervisor A <- grant Supervisor, assigned viewer"}
		if diff := cmp.Diff(want, reacherNames(p)); diff != "" || p.Total != 3 {
			t.Errorf("who reaches In class A1 (-want +got):\n%s total %d", diff, p.Total)
		}
		want = []string{"Admin <- grant Administrator", "Assigned <- assigned director", "District <- grant Supervisor"}
		if got := reacherNames(who(f.op, w.inB)); !cmp.Equal(want, got) {
			t.Errorf("who reaches In B: %v, want %v", got, want)
		}
		if got := reacherNames(who(f.op, w.orgWide)); !cmp.Equal([]string{"Admin <- grant Administrator"}, got) {
			t.Errorf("who reaches the organization's resource: %v", got)
		}
		if got := reacherNames(who(f.op, w.archived)); len(got) != 0 {
			t.Errorf("who reaches an archived resource: %v", got)
		}

		// Paging by last name.
		var names []string
		var after *store.Cursor
		for {
			p, err := f.svc.WhoCanReach(f.ctx, f.op, w.inClassA.ID, 2, after)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, reacherNames(p)...)
			if p.Next == nil {
				break
			}
			after = p.Next
		}
		if len(names) != 3 {
			t.Errorf("paged through %v", names)
		}

		// A blocked user is listed with the reason.
		f.arrange(w.districtSup, func(u *directory.User) { u.LockedAt = f.clock.Now() })
		p = who(f.op, w.inA)
		for _, r := range p.Items {
			if (r.User.ID == w.districtSup.ID) != (r.Blocked != "") {
				t.Errorf("%s blocked %q", r.User.LastName, r.Blocked)
			}
		}

		// A site administrator sees only the users of their site (themself
		// among them: managers hold resources.all_in_scope).
		siteAdminUser, siteAdmin := f.actorWith("manager", w.siteA)
		want = []string{siteAdminUser.LastName + " <- grant Manager", "Supervisor A <- grant Supervisor, assigned viewer"}
		if got := reacherNames(who(siteAdmin, w.inClassA)); !cmp.Equal(want, got) {
			t.Errorf("the site administrator sees %v, want %v", got, want)
		}
		// Listing takes users.view.
		_, basic := f.actorWith("basic", nil)
		_, err := f.svc.WhoCanReach(f.ctx, basic, w.inA.ID, 0, nil)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.WhoCanReach(f.ctx, f.op, w.inA.ID, 501, nil)
		wantKind(t, err, directory.KindInvalid)
	})
}
