package console_test

import (
	"net/url"
	"testing"
	"time"

	"roster/internal/admin"

	"roster/internal/store/storetest"
)

func TestUserAccessGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		u := f.user("Gina", "staff", north.ID)
		g := f.grant(u, "manager", "")
		sc, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "service_contact")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateGrant(f.ctx, f.op(), u.ID, admin.GrantInput{RoleID: sc.ID, UnitID: north.ID,
			ExpiresAt: time.Date(2031, time.June, 30, 0, 0, 0, 0, time.UTC),
			Fields:    map[string]string{"service_description": "Speech therapy"}}); err != nil {
			t.Fatalf("CreateGrant: %v", err)
		}
		b := f.ownerBrowser()
		r := b.get("/admin/users/" + u.ID + "/access")
		want(t, r, 200, "")
		says(t, r, "Staff", "North", "Manager", "The whole organization", "+ Grant Access", "Remove Access",
			"Service Contact", "Description of the service provided: Speech therapy", "2031")
		if !hasLink(r.Body, "/admin/users/"+u.ID+"/grants/new") {
			t.Error("no link to grant access")
		}
		path := "/admin/users/" + u.ID + "/grants/" + g.ID + "/delete"
		r = b.post(path, nil)
		want(t, r, 200, "")
		says(t, r, "Remove this access of "+u.Name()+"?")
		grants, err := f.svc.Grants(f.ctx, f.op(), u.ID)
		if err != nil || len(grants) != 3 {
			t.Fatalf("%d grants after an unconfirmed removal (%v)", len(grants), err)
		}
		r = b.post(path, url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/access")
		grants, _ = f.svc.Grants(f.ctx, f.op(), u.ID)
		if len(grants) != 2 || grants[0].ID == g.ID || grants[1].ID == g.ID {
			t.Fatalf("the grant is still there: %d grants", len(grants))
		}
		useractionsAudited(t, f, "grant.delete", u)
		r = b.get(r.Location())
		says(t, r, "The access is removed")
		silent(t, r, "Manager")

		// Staff see the grants but not the buttons, and cannot remove.
		s := f.user("Stan", "staff", "")
		sb := f.signedIn(s)
		r = sb.get("/admin/users/" + u.ID + "/access")
		want(t, r, 200, "")
		silent(t, r, "Remove Access", "+ Grant Access")
		want(t, sb.post("/admin/users/"+u.ID+"/grants/"+grants[0].ID+"/delete", url.Values{"confirmed": {"yes"}}), 403, "")
	})
}

func TestUserAccessAssignments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Abe", "staff", "")
		alice := useraccessResource(t, f, "Alice Client", "")
		bob := useraccessResource(t, f, "Bob Client", "")
		b := f.ownerBrowser()
		r := b.get("/admin/users/" + u.ID + "/access")
		want(t, r, 200, "")
		says(t, r, "No resources are assigned", "Alice Client", "Bob Client", "Save resources")

		// Add one with a relation.
		r = b.post("/admin/users/"+u.ID+"/assignments", url.Values{"resource_id": {alice.ID}, "relation": {"editor"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/access")
		if got := useraccessAssignments(t, f, u.ID); got[alice.ID] != "editor" {
			t.Fatalf("assignments %v", got)
		}
		useractionsAudited(t, f, "resource_grant.create", u)
		// A bad relation: the message beside the field, nothing added.
		r = b.post("/admin/users/"+u.ID+"/assignments", url.Values{"resource_id": {bob.ID}, "relation": {"owner"}})
		want(t, r, 422, "")
		if !useractionsHas(r.Body, `id="assign-relation-error"`) {
			t.Errorf("no message beside the relation:\n%s", text(r.Body))
		}
		if got := useraccessAssignments(t, f, u.ID); len(got) != 1 {
			t.Fatalf("assignments %v", got)
		}

		// Remove it, after confirmation.
		list, _ := f.svc.Assignments(f.ctx, f.op(), u.ID)
		path := "/admin/users/" + u.ID + "/assignments/" + list[0].ID + "/delete"
		want(t, b.post(path, nil), 200, "")
		if len(useraccessAssignments(t, f, u.ID)) != 1 {
			t.Fatal("removed without confirmation")
		}
		want(t, b.post(path, url.Values{"confirmed": {"yes"}}), 303, "/admin/users/"+u.ID+"/access")
		if got := useraccessAssignments(t, f, u.ID); len(got) != 0 {
			t.Fatalf("assignments %v after removal", got)
		}
		useractionsAudited(t, f, "resource_grant.delete", u)

		// Checkboxes: tick both, then clear Alice (which asks first).
		shown := []string{alice.ID, bob.ID}
		r = b.post("/admin/users/"+u.ID+"/resources", url.Values{"shown": shown, "resource": shown})
		want(t, r, 303, "/admin/users/"+u.ID+"/access")
		if got := useraccessAssignments(t, f, u.ID); got[alice.ID] != "access" || got[bob.ID] != "access" {
			t.Fatalf("assignments %v", got)
		}
		r = b.get("/admin/users/" + u.ID + "/access")
		if !useractionsHas(r.Body, `value="`+alice.ID+`" checked`) {
			t.Error("Alice is not ticked")
		}
		form := url.Values{"shown": shown, "resource": {bob.ID}}
		want(t, b.post("/admin/users/"+u.ID+"/resources", form), 200, "")
		if len(useraccessAssignments(t, f, u.ID)) != 2 {
			t.Fatal("cleared without confirmation")
		}
		form.Set("confirmed", "yes")
		want(t, b.post("/admin/users/"+u.ID+"/resources", form), 303, "/admin/users/"+u.ID+"/access")
		if got := useraccessAssignments(t, f, u.ID); len(got) != 1 || got[bob.ID] != "access" {
			t.Fatalf("assignments %v", got)
		}

		// Without resources.manage: no checkboxes, and 403.
		s := f.user("Sid", "supervisor", "")
		sb := f.signedIn(s)
		r = sb.get("/admin/users/" + u.ID + "/access")
		want(t, r, 200, "")
		silent(t, r, "Save resources", "Assign resource")
		want(t, sb.post("/admin/users/"+u.ID+"/resources", url.Values{"shown": shown, "confirmed": {"yes"}}), 403, "")
		if len(useraccessAssignments(t, f, u.ID)) != 1 {
			t.Fatal("a supervisor changed the resources")
		}
	})
}
