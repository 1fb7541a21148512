package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

func TestGrantAccessForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		u := f.pending("Gina")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID + "/grants/new"
		r := b.get(path + "?next=close")
		want(t, r, 200, "")
		says(t, r, "Grant access to "+u.Name(), "Role (required)", "Service Contact", "Administrator", "The whole organization",
			"North", "Starts on", "Ends on", "Description of the service provided", "Only for the role Service Contact",
			"Resources", "Find resources", "Save and Next", "Save and Close")

		sc := f.addUserRole("service_contact")
		field := "rf_service_contact_service_description"
		r = b.post(path, url.Values{"role_id": {sc.ID}, "unit_id": {north.ID}, "ends_on": {"2031-01-31"}, "then": {"close"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Description of the service provided is required for the role Service Contact")
		if !strings.Contains(r.Body, `id="`+field+`-error"`) {
			t.Errorf("the message is not beside the field:\n%s", r.Body)
		}
		if !strings.Contains(r.Body, `value="2031-01-31"`) || !strings.Contains(r.Body, `value="`+north.ID+`" selected`) {
			t.Error("the form lost its values")
		}
		if gs, _ := f.svc.Grants(f.ctx, f.op(), u.ID); len(gs) != 0 {
			t.Fatalf("%d grants made from a form with errors", len(gs))
		}

		r = b.post(path, url.Values{"role_id": {sc.ID}, "unit_id": {north.ID}, "ends_on": {"2031-01-31"},
			field: {"Window cleaning"}, "then": {"close"}})
		want(t, r, http.StatusSeeOther, "/admin/users/"+u.ID+"/access")
		gs, err := f.svc.Grants(f.ctx, f.op(), u.ID)
		if err != nil || len(gs) != 1 {
			t.Fatalf("grants %v, %v", gs, err)
		}
		g := gs[0]
		if g.RoleID != sc.ID || g.UnitID != north.ID || g.Fields["service_description"] != "Window cleaning" ||
			g.ExpiresAt.Format("2006-01-02") != "2031-01-31" {
			t.Errorf("grant %+v", g.Grant)
		}
		if !f.addUserAudited("grant.create", u.ID) {
			t.Error("the grant was not audited")
		}

		staff := f.addUserRole("staff")
		r = b.post(path, url.Values{"role_id": {staff.ID}, "unit_id": {""}, "then": {"next"}, "next": {"close"}})
		want(t, r, http.StatusSeeOther, path+"?next=close")
		r = b.get(r.Location())
		says(t, r, "now has the role Staff over the whole organization")
		if gs, _ := f.svc.Grants(f.ctx, f.op(), u.ID); len(gs) != 2 {
			t.Errorf("%d grants, want 2", len(gs))
		}

		r = b.post(path, url.Values{"role_id": {staff.ID}, "starts_on": {"2031-02-01"}, "ends_on": {"2031-01-01"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Ends on must be after starts_at")
	})
}

func TestGrantAccessAboveLevel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Hal")
		mgr := f.signedIn(f.user("Mona", "manager", ""))
		path := "/admin/users/" + u.ID + "/grants/new"
		r := mgr.get(path)
		want(t, r, 200, "")
		says(t, r, "Staff")
		admin := f.addUserRole("administrator")
		if strings.Contains(r.Body, `value="`+admin.ID+`"`) {
			t.Error("a manager is offered the administrator role")
		}
		r = mgr.post(path, url.Values{"role_id": {admin.ID}, "then": {"close"}})
		want(t, r, http.StatusForbidden, "")
		says(t, r, "only at or below your own level")
		if gs, _ := f.svc.Grants(f.ctx, f.op(), u.ID); len(gs) != 0 {
			t.Errorf("%d grants made above the actor's level", len(gs))
		}

		sup := f.signedIn(f.user("Sid", "supervisor", ""))
		want(t, sup.get(path), http.StatusForbidden, "")
		staff := f.addUserRole("staff")
		want(t, sup.post(path, url.Values{"role_id": {staff.ID}}), http.StatusForbidden, "")
		if gs, _ := f.svc.Grants(f.ctx, f.op(), u.ID); len(gs) != 0 {
			t.Errorf("%d grants made without access.grant", len(gs))
		}
	})
}
