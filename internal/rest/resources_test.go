package rest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// resource is a resource as the API shows it.
type resource = rest.ResourceJSON

// resourceList is the answer of GET /resources.
type resourceList = rest.ResourceListJSON

// assignment is a direct resource assignment as the API shows it.
type assignment = rest.AssignmentJSON

// createResource adds a resource of kind client through the API (unitID ""
// = the whole organization), with the owner's token unless header says
// otherwise.
func (f *fixture) createResource(name, unitID string, header ...string) *resource {
	f.t.Helper()
	body := map[string]any{"kind": "client", "name": name}
	if unitID != "" {
		body["unit_id"] = unitID
	}
	return ptr(must[resource](f.t, f.do("POST", "resources", body, header...), http.StatusCreated))
}

// grantRole gives a user the built-in role with the given key over a unit
// ("" = the whole organization) through the API, and returns the grant id.
func (f *fixture) grantRole(userID, roleKey, unitID string, expires *time.Time) string {
	f.t.Helper()
	body := map[string]any{"role_id": f.roleID(roleKey)}
	if unitID != "" {
		body["unit_id"] = unitID
	}
	if expires != nil {
		body["expires_at"] = expires.Format(time.RFC3339Nano)
	}
	g := must[struct {
		ID string `json:"id"`
	}](f.t, f.do("POST", "users/"+userID+"/grants", body), http.StatusCreated)
	return g.ID
}

// member adds an active user with the given last name holding roleKey over
// unitID and returns them with the grant id and an API token.
func (f *fixture) member(lastName, roleKey, unitID string) (*user, string, string) {
	f.t.Helper()
	u := f.createUser(map[string]any{"first_name": "Pat", "last_name": lastName})
	f.activate(u)
	g := f.grantRole(u.ID, roleKey, unitID, nil)
	return u, g, f.tokenFor(u.ID)
}

// check asks GET /access/check with the given token header.
func (f *fixture) check(userID, perm, resourceID string, header ...string) *response {
	f.t.Helper()
	q := url.Values{"user_id": {userID}, "permission": {perm}, "resource_id": {resourceID}}
	return f.do("GET", "access/check?"+q.Encode(), nil, header...)
}

func TestResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		site := f.createUnit("North site", "site", "")

		// Create.
		r := f.do("POST", "resources", map[string]any{"kind": "student", "name": " Ada ", "external_id": "S-1", "unit_id": site.ID})
		ada := must[resource](t, r, http.StatusCreated)
		if r.Header.Get("Location") != rest.Prefix+"/resources/"+ada.ID || r.Header.Get("ETag") != `"v1"` {
			t.Errorf("create headers: Location %q ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if ada.Name != "Ada" || ada.Kind != "student" || ada.ExternalID != "S-1" || ada.UnitID == nil || *ada.UnitID != site.ID ||
			ada.UnitName != "North site" || ada.Archived || ada.Version != 1 {
			t.Errorf("created %+v", ada)
		}
		if c := changesOf(f.wantEvent("resource.create", ada.ID)); c["name"].After != "Ada" || c["unit_id"].After != site.ID {
			t.Errorf("resource.create changes %+v", c)
		}
		got := must[resource](t, f.do("GET", "resources/"+ada.ID, nil), http.StatusOK)
		if diff := cmp.Diff(ada, got); diff != "" {
			t.Errorf("GET differs from POST (-post +get):\n%s", diff)
		}
		org := f.createResource("Everyone's", "")
		if org.UnitID != nil || org.UnitName != "" {
			t.Errorf("a resource of the whole organization: %+v", org)
		}

		// Validation and conflicts change nothing.
		snap := f.snapshot("")
		p := wantProblem(t, f.do("POST", "resources", map[string]any{"kind": "planet", "name": " ", "unit_id": "nope"}), http.StatusUnprocessableEntity,
			"body.kind", "body.name", "body.unit_id")
		if !strings.Contains(p.Errors[0].Message, "client, student, channel") {
			t.Errorf("kind error %q", p.Errors[0].Message)
		}
		wantProblem(t, f.do("POST", "resources", map[string]any{"kind": "client", "name": strings.Repeat("n", 201)}), http.StatusUnprocessableEntity, "body.name")
		wantProblem(t, f.do("POST", "resources", map[string]any{"kind": "client", "name": "X", "owner": "me"}), http.StatusUnprocessableEntity)
		wantProblem(t, f.do("POST", "resources", map[string]any{"kind": "student", "name": "Twin", "external_id": "S-1"}), http.StatusConflict, "body.external_id")
		f.unchanged(snap, "")

		// List with paging.
		for _, n := range []string{"Bea", "Cy", "Dee"} {
			f.createResource(n, site.ID)
		}
		var names []string
		cursor := ""
		for {
			q := "resources?limit=2"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			page := must[resourceList](t, f.do("GET", q, nil), http.StatusOK)
			if page.Total != 5 {
				t.Errorf("total %d, want 5", page.Total)
			}
			for _, it := range page.Items {
				names = append(names, it.Name)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if !cmp.Equal(names, []string{"Ada", "Bea", "Cy", "Dee", "Everyone's"}) {
			t.Errorf("paged through %v", names)
		}
		if page := must[resourceList](t, f.do("GET", "resources?kind=student&q=s-1", nil), http.StatusOK); page.Total != 1 || page.Items[0].ID != ada.ID {
			t.Errorf("filtered list %+v", page)
		}
		wantProblem(t, f.do("GET", "resources?cursor=garbage", nil), http.StatusUnprocessableEntity, "query.cursor")
		wantProblem(t, f.do("GET", "resources?limit=501", nil), http.StatusUnprocessableEntity)

		// Update with If-Match, archive, restore, delete.
		wantProblem(t, f.do("PATCH", "resources/"+ada.ID, map[string]any{"name": "Stale"}, "If-Match", `"v9"`), http.StatusPreconditionFailed)
		r = f.do("PATCH", "resources/"+ada.ID, map[string]any{"name": "Ada L.", "unit_id": ""}, "If-Match", `"v1"`)
		up := must[resource](t, r, http.StatusOK)
		if up.Name != "Ada L." || up.UnitID != nil || up.Version != 2 || r.Header.Get("ETag") != `"v2"` {
			t.Errorf("patched %+v ETag %q", up, r.Header.Get("ETag"))
		}
		if c := changesOf(f.wantEvent("resource.update", ada.ID)); c["name"].Before != "Ada" || c["unit_id"].Before != site.ID {
			t.Errorf("resource.update changes %+v", c)
		}
		wantProblem(t, f.do("PATCH", "resources/"+ada.ID, map[string]any{"kind": "planet"}), http.StatusUnprocessableEntity, "body.kind")
		arch := must[resource](t, f.do("POST", "resources/"+ada.ID+"/archive", nil), http.StatusOK)
		if !arch.Archived || arch.ArchivedAt == nil {
			t.Errorf("archived %+v", arch)
		}
		f.wantEvent("resource.archive", ada.ID)
		wantProblem(t, f.do("POST", "resources/"+ada.ID+"/archive", nil), http.StatusConflict)
		if page := must[resourceList](t, f.do("GET", "resources?include_archived=true", nil), http.StatusOK); page.Total != 5 {
			t.Errorf("with archived: %d", page.Total)
		}
		must[resource](t, f.do("PATCH", "resources/"+ada.ID, map[string]any{"archived": false}), http.StatusOK)
		f.wantEvent("resource.restore", ada.ID)
		wantProblem(t, f.do("DELETE", "resources/"+ada.ID, nil, "If-Match", `"v1"`), http.StatusPreconditionFailed)
		if r := f.do("DELETE", "resources/"+ada.ID, nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE: %s", r)
		}
		f.wantEvent("resource.delete", ada.ID)
		wantProblem(t, f.do("GET", "resources/"+ada.ID, nil), http.StatusNotFound)

		// Another organization sees none of it.
		other := newFixture(t, e)
		wantProblem(t, other.do("GET", "resources/"+org.ID, nil), http.StatusNotFound)
		wantProblem(t, other.do("PATCH", "resources/"+org.ID, map[string]any{"name": "Mine"}), http.StatusNotFound)
		if page := must[resourceList](t, other.do("GET", "resources", nil), http.StatusOK); page.Total != 0 {
			t.Errorf("another organization lists %d", page.Total)
		}
	})
}

func TestResourceKindsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		type kindList struct {
			Items []rest.ResourceKindJSON `json:"items"`
		}
		kinds := must[kindList](t, f.do("GET", "settings/resource-kinds", nil), http.StatusOK)
		if len(kinds.Items) != 3 || kinds.Items[0] != (rest.ResourceKindJSON{Key: "client", Label: "Client", Position: 1}) {
			t.Errorf("kinds %+v", kinds.Items)
		}
		k := must[rest.ResourceKindJSON](t, f.do("PUT", "settings/resource-kinds/client", map[string]any{"label": "Learner"}), http.StatusOK)
		if k != (rest.ResourceKindJSON{Key: "client", Label: "Learner", Position: 1}) {
			t.Errorf("relabelled %+v", k)
		}
		if c := changesOf(f.wantEvent("resource_kind.put", "client")); c["label"].After != "Learner" {
			t.Errorf("changes %+v", c)
		}
		k = must[rest.ResourceKindJSON](t, f.do("PUT", "settings/resource-kinds/room", map[string]any{"label": "Room"}), http.StatusOK)
		if k.Position != 4 {
			t.Errorf("new kind %+v", k)
		}
		must[resource](t, f.do("POST", "resources", map[string]any{"kind": "room", "name": "Room 101"}), http.StatusCreated)
		wantProblem(t, f.do("PUT", "settings/resource-kinds/Bad%20Key", map[string]any{"label": "X"}), http.StatusUnprocessableEntity, "path.key")
		wantProblem(t, f.do("PUT", "settings/resource-kinds/room", map[string]any{"label": ""}), http.StatusUnprocessableEntity, "body.label")
		_, _, staff := f.member("Staff", "staff", "")
		must[kindList](t, f.do("GET", "settings/resource-kinds", nil, as(staff)...), http.StatusOK)
		wantProblem(t, f.do("PUT", "settings/resource-kinds/room", map[string]any{"label": "Hall"}, as(staff)...), http.StatusForbidden)
	})
}

// TestResourceScopeAPI checks a site administrator (the built-in manager
// role on a site): only the resources of their site, another site's
// resource answers 404, and assignments follow the delegation rule.
func TestResourceScopeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA := f.createUnit("Site A", "site", "")
		siteB := f.createUnit("Site B", "site", "")
		inA := f.createResource("In A", siteA.ID)
		inB := f.createResource("In B", siteB.ID)
		orgWide := f.createResource("Everyone's", "")
		_, _, admin := f.member("Admin", "manager", siteA.ID)
		h := as(admin)

		page := must[resourceList](t, f.do("GET", "resources", nil, h...), http.StatusOK)
		if page.Total != 1 || page.Items[0].ID != inA.ID {
			t.Errorf("the site administrator lists %+v", page.Items)
		}
		must[resource](t, f.do("GET", "resources/"+inA.ID, nil, h...), http.StatusOK)
		snap := f.snapshot("")
		for _, id := range []string{inB.ID, orgWide.ID} {
			wantProblem(t, f.do("GET", "resources/"+id, nil, h...), http.StatusNotFound)
			wantProblem(t, f.do("PATCH", "resources/"+id, map[string]any{"name": "Taken"}, h...), http.StatusNotFound)
			wantProblem(t, f.do("POST", "resources/"+id+"/archive", nil, h...), http.StatusNotFound)
			wantProblem(t, f.do("DELETE", "resources/"+id, nil, h...), http.StatusNotFound)
			wantProblem(t, f.do("GET", "resources/"+id+"/users", nil, h...), http.StatusNotFound)
		}
		wantProblem(t, f.do("POST", "resources", map[string]any{"kind": "client", "name": "X", "unit_id": siteB.ID}, h...), http.StatusUnprocessableEntity, "body.unit_id")
		wantProblem(t, f.do("POST", "resources", map[string]any{"kind": "client", "name": "X"}, h...), http.StatusUnprocessableEntity, "body.unit_id")
		wantProblem(t, f.do("PATCH", "resources/"+inA.ID, map[string]any{"unit_id": siteB.ID}, h...), http.StatusUnprocessableEntity, "body.unit_id")
		f.unchanged(snap, "")
		made := f.createResource("Made by the site", siteA.ID, h...)
		if ev := f.lastEvent(); ev.Action != "resource.create" || ev.TargetID != made.ID || ev.ActorID == f.owner.ID {
			t.Errorf("newest event %s on %s by %s", ev.Action, ev.TargetID, ev.ActorID)
		}

		// Assignments: a staff member of the site, yes; someone above the
		// administrator's level, 403; someone of another site, 404.
		worker, _, _ := f.member("Worker", "staff", siteA.ID)
		boss, _, _ := f.member("Boss", "administrator", siteA.ID)
		stranger, _, _ := f.member("Stranger", "staff", siteB.ID)
		r := f.do("POST", "users/"+worker.ID+"/resources", map[string]any{"resource_id": inA.ID, "relation": "editor"}, h...)
		g := must[assignment](t, r, http.StatusCreated)
		if g.UserID != worker.ID || g.ResourceID != inA.ID || g.Relation != "editor" || g.ResourceName != "In A" || g.ResourceKind != "client" {
			t.Errorf("assignment %+v", g)
		}
		if ev := f.lastEvent(); ev.Action != "resource_grant.create" || ev.TargetID != worker.ID || changesOf(ev)["resource_grant.relation"].After != "editor" {
			t.Errorf("newest event %s on %s: %+v", ev.Action, ev.TargetID, ev.Changes)
		}
		snap = f.snapshot("")
		wantProblem(t, f.do("POST", "users/"+worker.ID+"/resources", map[string]any{"resource_id": inA.ID, "relation": "editor"}, h...), http.StatusConflict)
		wantProblem(t, f.do("POST", "users/"+worker.ID+"/resources", map[string]any{"resource_id": inB.ID}, h...), http.StatusUnprocessableEntity, "body.resource_id")
		wantProblem(t, f.do("POST", "users/"+worker.ID+"/resources", map[string]any{"resource_id": inA.ID, "relation": "owner"}, h...), http.StatusUnprocessableEntity)
		p := wantProblem(t, f.do("POST", "users/"+boss.ID+"/resources", map[string]any{"resource_id": inA.ID}, h...), http.StatusForbidden)
		if !strings.Contains(p.Detail, "above your level") {
			t.Errorf("detail %q", p.Detail)
		}
		wantProblem(t, f.do("POST", "users/"+stranger.ID+"/resources", map[string]any{"resource_id": inA.ID}, h...), http.StatusNotFound)
		f.unchanged(snap, "")

		// The owner assigns anything; the site administrator lists only the
		// assignments of their site.
		must[assignment](t, f.do("POST", "users/"+worker.ID+"/resources", map[string]any{"resource_id": inB.ID}), http.StatusCreated)
		type assignmentList struct {
			Items []*assignment `json:"items"`
		}
		if l := must[assignmentList](t, f.do("GET", "users/"+worker.ID+"/resources", nil), http.StatusOK); len(l.Items) != 2 {
			t.Errorf("owner lists %d assignments", len(l.Items))
		}
		if l := must[assignmentList](t, f.do("GET", "users/"+worker.ID+"/resources", nil, h...), http.StatusOK); len(l.Items) != 1 || l.Items[0].ID != g.ID {
			t.Errorf("site administrator lists %+v", l.Items)
		}
		wantProblem(t, f.do("GET", "users/"+stranger.ID+"/resources", nil, h...), http.StatusNotFound)

		// Removing: another user's assignment id answers 404.
		wantProblem(t, f.do("DELETE", "users/"+boss.ID+"/resources/"+g.ID, nil), http.StatusNotFound)
		if r := f.do("DELETE", "users/"+worker.ID+"/resources/"+g.ID, nil, h...); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE assignment: %s", r)
		}
		if ev := f.lastEvent(); ev.Action != "resource_grant.delete" || changesOf(ev)["resource_grant.resource"].Before != "In A" {
			t.Errorf("newest event %s: %+v", ev.Action, ev.Changes)
		}
		wantProblem(t, f.do("DELETE", "users/"+worker.ID+"/resources/"+g.ID, nil, h...), http.StatusNotFound)
	})
}

func TestAccessCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		district := f.createUnit("District", "district", "")
		siteA := f.createUnit("Site A", "site", district.ID)
		siteB := f.createUnit("Site B", "site", district.ID)
		inA := f.createResource("In A", siteA.ID)
		inB := f.createResource("In B", siteB.ID)
		orgWide := f.createResource("Everyone's", "")

		admin, adminGrant, _ := f.member("Admin", "administrator", "")
		sup, supGrant, _ := f.member("Supervisor", "supervisor", siteA.ID)
		staff, staffGrant, staffToken := f.member("Staff", "staff", siteA.ID)
		g := must[assignment](t, f.do("POST", "users/"+staff.ID+"/resources", map[string]any{"resource_id": inB.ID, "relation": "viewer"}), http.StatusCreated)
		past := clockStart.Add(-time.Hour)
		lapsed := f.createUser(map[string]any{"last_name": "Lapsed"})
		f.activate(lapsed)
		must[struct{}](t, f.do("POST", "users/"+lapsed.ID+"/grants", map[string]any{"role_id": f.roleID("supervisor"), "unit_id": siteA.ID,
			"starts_at": past.Add(-time.Hour).Format(time.RFC3339), "expires_at": past.Format(time.RFC3339)}), http.StatusCreated)
		disabled, _, _ := f.member("Disabled", "administrator", "")
		must[user](t, f.do("POST", "users/"+disabled.ID+"/disable", nil), http.StatusOK)

		type via struct {
			GrantID      string `json:"grant_id"`
			AssignmentID string `json:"assignment_id"`
			Relation     string `json:"relation"`
		}
		type answer struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
			Via     via    `json:"via"`
		}
		for _, tc := range []struct {
			name           string
			user           *user
			perm, resource string
			allowed        bool
			reason         string
			via            via
		}{
			{"org-wide all_in_scope", admin, "users.edit", inB.ID, true, "as Administrator over the whole organization, which reaches every resource there", via{GrantID: adminGrant}},
			{"org-wide covers the organization's resource", admin, "users.view", orgWide.ID, true, "over the whole organization", via{GrantID: adminGrant}},
			{"unit-scoped covering", sup, "users.view", inA.ID, true, "as Supervisor over Site A, which reaches every resource there", via{GrantID: supGrant}},
			{"unit-scoped not covering", sup, "users.view", inB.ID, false, "but reaches In B neither through resources.all_in_scope", via{}},
			{"unit-scoped and an organization's resource", sup, "users.view", orgWide.ID, false, "but reaches Everyone's neither", via{}},
			{"direct assignment", staff, "users.view", inB.ID, true, "is assigned In B as viewer, and holds users.view as Staff over Site A",
				via{GrantID: staffGrant, AssignmentID: g.ID, Relation: "viewer"}},
			{"no assignment, no all_in_scope", staff, "users.view", inA.ID, false, "neither through resources.all_in_scope", via{}},
			{"permission not held", staff, "users.delete", inB.ID, false, "no grant of Pat Staff gives users.delete", via{}},
			{"expired grant", lapsed, "users.view", inA.ID, false, "only through grants that do not count now", via{}},
			{"inactive user", disabled, "users.view", inA.ID, false, "Pat Disabled is inactive, not active", via{}},
		} {
			got := must[answer](t, f.check(tc.user.ID, tc.perm, tc.resource), http.StatusOK)
			if got.Allowed != tc.allowed || !strings.Contains(got.Reason, tc.reason) || got.Via != tc.via {
				t.Errorf("%s: %+v; want allowed=%v, reason with %q, via %+v", tc.name, got, tc.allowed, tc.reason, tc.via)
			}
		}
		// A denial has an empty via object, not null.
		if r := f.check(sup.ID, "users.view", inB.ID); !strings.Contains(string(r.Body), `"via":{}`) {
			t.Errorf("denial body %s", r.Body)
		}

		// Asking about oneself takes no permission; about others users.view
		// and a user and resource in scope.
		if got := must[answer](t, f.check(staff.ID, "users.view", inB.ID, as(staffToken)...), http.StatusOK); !got.Allowed {
			t.Errorf("asking about oneself: %+v", got)
		}
		_, _, basic := f.member("Basic", "basic", "")
		wantProblem(t, f.check(staff.ID, "users.view", inB.ID, as(basic)...), http.StatusForbidden)
		_, _, siteAdmin := f.member("Site admin", "manager", siteA.ID)
		must[answer](t, f.check(sup.ID, "users.view", inA.ID, as(siteAdmin)...), http.StatusOK)
		wantProblem(t, f.check(sup.ID, "users.view", inB.ID, as(siteAdmin)...), http.StatusNotFound)
		wantProblem(t, f.check(admin.ID, "users.view", inA.ID, as(siteAdmin)...), http.StatusNotFound)
		wantProblem(t, f.check(staff.ID, "fly", ""), http.StatusUnprocessableEntity, "query.permission", "query.resource_id")
		wantProblem(t, f.do("GET", "access/check", nil), http.StatusUnprocessableEntity, "query.user_id")
	})
}

func TestReachLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA := f.createUnit("Site A", "site", "")
		siteB := f.createUnit("Site B", "site", "")
		inA := f.createResource("In A", siteA.ID)
		inB := f.createResource("In B", siteB.ID)
		f.createResource("Everyone's", "")
		sup, supGrant, supToken := f.member("Supervisor", "supervisor", siteA.ID)
		staff, _, _ := f.member("Staff", "staff", siteB.ID)
		g := must[assignment](t, f.do("POST", "users/"+sup.ID+"/resources", map[string]any{"resource_id": inB.ID, "relation": "director"}), http.StatusCreated)
		must[assignment](t, f.do("POST", "users/"+staff.ID+"/resources", map[string]any{"resource_id": inA.ID}), http.StatusCreated)

		// What the supervisor reaches: In A through the grant, In B through
		// the assignment.
		reach := must[rest.ReachListJSON](t, f.do("GET", "users/"+sup.ID+"/reachable-resources", nil), http.StatusOK)
		if reach.Total != 2 || len(reach.Items) != 2 || reach.Blocked != "" {
			t.Fatalf("reachable %+v", reach)
		}
		if it := reach.Items[0]; it.Resource.ID != inA.ID || len(it.Via) != 1 || it.Via[0].GrantID != supGrant ||
			it.Via[0].RoleName != "Supervisor" || it.Via[0].UnitName != "Site A" || it.Via[0].UnitID == nil || *it.Via[0].UnitID != siteA.ID {
			t.Errorf("first item %+v via %+v", it.Resource, it.Via)
		}
		if it := reach.Items[1]; it.Resource.ID != inB.ID || len(it.Via) != 1 || it.Via[0].AssignmentID != g.ID || it.Via[0].Relation != "director" {
			t.Errorf("second item %+v via %+v", it.Resource, it.Via)
		}
		page1 := must[rest.ReachListJSON](t, f.do("GET", "users/"+sup.ID+"/reachable-resources?limit=1", nil), http.StatusOK)
		page2 := must[rest.ReachListJSON](t, f.do("GET", "users/"+sup.ID+"/reachable-resources?limit=1&cursor="+page1.NextCursor, nil), http.StatusOK)
		if len(page1.Items) != 1 || len(page2.Items) != 1 || page2.Items[0].Resource.ID != inB.ID || page2.NextCursor != "" {
			t.Errorf("pages %+v / %+v", page1, page2)
		}
		// One's own, without users.view.
		must[rest.ReachListJSON](t, f.do("GET", "users/"+sup.ID+"/reachable-resources", nil, as(supToken)...), http.StatusOK)
		_, _, basic := f.member("Basic", "basic", "")
		wantProblem(t, f.do("GET", "users/"+sup.ID+"/reachable-resources", nil, as(basic)...), http.StatusForbidden)
		// Blocked users say why.
		must[user](t, f.do("POST", "users/"+sup.ID+"/disable", nil), http.StatusOK)
		if r := must[rest.ReachListJSON](t, f.do("GET", "users/"+sup.ID+"/reachable-resources", nil), http.StatusOK); r.Blocked == "" || r.Total != 2 {
			t.Errorf("a disabled user's reach %+v", r)
		}

		// Who reaches In A: the owner (organization-wide), the supervisor
		// (grant), the staff member (assignment).
		who := must[rest.ReacherListJSON](t, f.do("GET", "resources/"+inA.ID+"/users", nil), http.StatusOK)
		byID := map[string]*rest.ReacherJSON{}
		for _, it := range who.Items {
			byID[it.UserID] = it
		}
		if who.Total != 3 || byID[f.owner.ID] == nil || byID[sup.ID] == nil || byID[staff.ID] == nil {
			t.Fatalf("who reaches In A: %+v", who.Items)
		}
		if v := byID[staff.ID].Via; len(v) != 1 || v[0].Relation != "access" || v[0].AssignmentID == "" {
			t.Errorf("staff via %+v", v)
		}
		if r := byID[sup.ID]; r.Via[0].GrantID != supGrant || r.Blocked == "" || r.Status != "inactive" {
			t.Errorf("supervisor %+v", r)
		}
		if r := byID[f.owner.ID]; r.Via[0].RoleName != "Owner" || r.Blocked != "" {
			t.Errorf("owner %+v", r)
		}
		first := must[rest.ReacherListJSON](t, f.do("GET", "resources/"+inA.ID+"/users?limit=2", nil), http.StatusOK)
		rest2 := must[rest.ReacherListJSON](t, f.do("GET", "resources/"+inA.ID+"/users?limit=2&cursor="+first.NextCursor, nil), http.StatusOK)
		if len(first.Items) != 2 || len(rest2.Items) != 1 || rest2.NextCursor != "" {
			t.Errorf("pages %d + %d", len(first.Items), len(rest2.Items))
		}
		// A site administrator of site B sees only the staff member of site
		// B among those who reach In A — and In A is outside their scope.
		_, _, adminB := f.member("Admin B", "manager", siteB.ID)
		wantProblem(t, f.do("GET", "resources/"+inA.ID+"/users", nil, as(adminB)...), http.StatusNotFound)
		whoB := must[rest.ReacherListJSON](t, f.do("GET", "resources/"+inB.ID+"/users", nil, as(adminB)...), http.StatusOK)
		for _, it := range whoB.Items {
			if it.UserID == f.owner.ID || it.UserID == sup.ID {
				t.Errorf("the site B administrator sees %s", it.Name)
			}
		}
		wantProblem(t, f.do("GET", "resources/"+inA.ID+"/users", nil, as(basic)...), http.StatusForbidden)

		// Purging the staff member removes their assignments.
		must[user](t, f.do("DELETE", "users/"+staff.ID, nil), http.StatusOK)
		if r := f.do("POST", "users/"+staff.ID+"/purge", nil); r.Code != http.StatusNoContent {
			t.Fatalf("purge: %s", r)
		}
		if got := must[rest.ReacherListJSON](t, f.do("GET", "resources/"+inA.ID+"/users", nil), http.StatusOK); got.Total != 2 {
			t.Errorf("after purge %d reach In A", got.Total)
		}
		if n, err := e.DB.ResourceGrants(t.Context(), f.org.ID, staff.ID, ""); err != nil || len(n) != 0 {
			t.Errorf("assignments left after purge: %v %v", n, err)
		}
	})
}
