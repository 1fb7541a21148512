package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

func TestGrantAccessResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		alpha := useraccessResource(t, f, "Alpha room", north.ID)
		beta := useraccessResource(t, f, "Beta van", north.ID)
		gamma := useraccessResource(t, f, "Gamma desk", south.ID)
		u := f.pending("Gina")
		staff := f.addUserRole("staff")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID + "/grants/new"

		r := b.get(path)
		want(t, r, 200, "")
		says(t, r, "Resources", "Alpha room", "Beta van", "Gamma desk", "client", "Search resources")
		for _, id := range []string{alpha.ID, beta.ID, gamma.ID} {
			if !strings.Contains(r.Body, `<label for="grant-resource-`+id+`">`) ||
				!strings.Contains(r.Body, `name="resource_ids" value="`+id+`"`) {
				t.Errorf("no labelled checkbox for resource %s", id)
			}
		}

		// A search keeps what was typed and ticked.
		r = b.get(path + "?search=1&q=Beta&role_id=" + staff.ID + "&resource_ids=" + alpha.ID + "&ends_on=2031-01-31")
		want(t, r, 200, "")
		says(t, r, "Beta van", "1 resource(s) ticked before the search stay chosen")
		silent(t, r, "Gamma desk")
		if !strings.Contains(r.Body, `value="`+staff.ID+`" selected`) || !strings.Contains(r.Body, `value="2031-01-31"`) ||
			!strings.Contains(r.Body, `<input type="hidden" name="resource_ids" value="`+alpha.ID+`">`) {
			t.Error("the search lost the form's values")
		}

		// An error keeps the ticked boxes and changes nothing.
		r = b.post(path, url.Values{"resource_ids": {alpha.ID, beta.ID}, "then": {"close"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Role is required")
		for _, id := range []string{alpha.ID, beta.ID} {
			if !strings.Contains(r.Body, `name="resource_ids" value="`+id+`" checked`) {
				t.Errorf("resource %s is no longer ticked", id)
			}
		}
		if strings.Contains(r.Body, `value="`+gamma.ID+`" checked`) {
			t.Error("an unticked resource came back ticked")
		}
		if g, a := grantAccessCount(t, f, u.ID); g+a != 0 {
			t.Fatalf("%d grants and %d assignments from a form with errors", g, a)
		}

		r = b.post(path, url.Values{"role_id": {staff.ID}, "resource_ids": {alpha.ID, beta.ID}, "then": {"close"}})
		want(t, r, http.StatusSeeOther, "/admin/users/"+u.ID+"/access")
		gs, err := f.svc.Grants(f.ctx, f.op(), u.ID)
		if err != nil || len(gs) != 1 || gs[0].RoleID != staff.ID {
			t.Fatalf("grants %v, %v", gs, err)
		}
		held := useraccessAssignments(t, f, u.ID)
		if len(held) != 2 || held[alpha.ID] != "access" || held[beta.ID] != "access" {
			t.Errorf("assignments %v, want Alpha and Beta with access", held)
		}
		if !f.addUserAudited("grant.create", u.ID) || !f.addUserAudited("resource_grant.create", u.ID) {
			t.Error("the grant or the assignments were not audited")
		}
		n := 0
		for _, ev := range f.audit() {
			if ev.Action == "resource_grant.create" && ev.TargetID == u.ID {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d assignment audit events, want 2", n)
		}
		r = b.get(r.Location())
		says(t, r, "now has the role Staff over the whole organization and 2 resources.")
	})
}

func TestGrantAccessResourceOutsideScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		alpha := useraccessResource(t, f, "Alpha room", north.ID)
		gamma := useraccessResource(t, f, "Gamma desk", south.ID)
		u := f.user("Tom", "staff", north.ID)
		basic := f.addUserRole("basic")
		ab := f.signedIn(f.user("Ada", "administrator", north.ID))
		path := "/admin/users/" + u.ID + "/grants/new"

		r := ab.get(path)
		want(t, r, 200, "")
		says(t, r, "Alpha room")
		silent(t, r, "Gamma desk")

		r = ab.post(path, url.Values{"role_id": {basic.ID}, "unit_id": {north.ID}, "ends_on": {"2031-01-31"},
			"resource_ids": {alpha.ID, gamma.ID}, "then": {"close"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "no such resource")
		if !strings.Contains(r.Body, `id="grant-resources-error"`) {
			t.Error("the message is not beside the resources")
		}
		if !strings.Contains(r.Body, `name="resource_ids" value="`+alpha.ID+`" checked`) {
			t.Error("the ticked resource is no longer ticked")
		}
		if g, a := grantAccessCount(t, f, u.ID); g != 1 || a != 0 {
			t.Fatalf("%d grants and %d assignments after a refused request, want 1 and 0", g, a)
		}
		if f.addUserAudited("resource_grant.create", u.ID) {
			t.Error("a refused assignment was audited")
		}

		r = ab.post(path, url.Values{"role_id": {basic.ID}, "unit_id": {north.ID}, "resource_ids": {alpha.ID}, "then": {"close"}})
		want(t, r, http.StatusSeeOther, "/admin/users/"+u.ID+"/access")
		if g, a := grantAccessCount(t, f, u.ID); g != 2 || a != 1 {
			t.Errorf("%d grants and %d assignments, want 2 and 1", g, a)
		}
	})
}

func TestGrantAccessWithoutResourcesManage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		alpha := useraccessResource(t, f, "Alpha room", north.ID)
		u := f.pending("Hal")
		staff := f.addUserRole("staff")
		cb := f.signedIn(grantAccessGranter(t, f, "Clara"))
		path := "/admin/users/" + u.ID + "/grants/new"

		r := cb.get(path)
		want(t, r, 200, "")
		says(t, r, "Grant access to "+u.Name(), "Staff")
		silent(t, r, "Find resources", "Alpha room", "Search resources")
		if strings.Contains(r.Body, `name="resource_ids"`) || strings.Contains(r.Body, "<legend>Resources</legend>") {
			t.Error("the Resources fieldset is offered without resources.manage")
		}

		r = cb.post(path, url.Values{"role_id": {staff.ID}, "resource_ids": {alpha.ID}, "then": {"close"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "your role does not allow assigning resources")
		if g, a := grantAccessCount(t, f, u.ID); g+a != 0 {
			t.Fatalf("%d grants and %d assignments without resources.manage", g, a)
		}

		r = cb.post(path, url.Values{"role_id": {staff.ID}, "then": {"close"}})
		want(t, r, http.StatusSeeOther, "/admin/users/"+u.ID+"/access")
		if g, a := grantAccessCount(t, f, u.ID); g != 1 || a != 0 {
			t.Errorf("%d grants and %d assignments, want 1 and 0", g, a)
		}
	})
}
