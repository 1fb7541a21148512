package console_test

import (
	"net/url"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// tokensSecret reads the secret off the page shown after making a token.
func tokensSecret(t *testing.T, r *response) string {
	t.Helper()
	return firstMatch(t, r.Body, `id="token-secret" type="text" readonly value="([^"]+)"`)
}

// tokensID reads the id of the token named name off the tokens page.
func tokensID(t *testing.T, body, name string) string {
	t.Helper()
	return firstMatch(t, body, `(?s)<tr id="token-([^"]+)"[^>]*>\s*<th scope="row" data-label="Name">`+name+`</th>`)
}

func TestTokensAreMadeShownOnceAndRevoked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.get("/admin/tokens")
		want(t, r, 200, "")
		says(t, r, "API tokens", "There are no API tokens yet.", "Make a token for yourself", "30 days", "Never")

		r = b.post("/admin/tokens", url.Values{"name": {"Payroll export"}, "expiry": {"30"}})
		want(t, r, 200, "")
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		says(t, r, "Your new API token", "Copy the token now.", "shown this once", "Payroll export", "13 April 2030")
		secret := tokensSecret(t, r)
		a, err := f.svc.AuthenticateToken(f.ctx, secret, "", "")
		if err != nil || a.UserID != f.owner.ID {
			t.Fatalf("the secret shown does not work: %v, %v", a, err)
		}
		if ev := f.audit()[0]; ev.Action != "token.create" || ev.TargetName != "Payroll export" {
			t.Errorf("newest audit event %s %s", ev.Action, ev.TargetName)
		}

		// The list never shows the secret again.
		r = b.get("/admin/tokens")
		says(t, r, "Payroll export", "Olive Owner", "Active")
		if strings.Contains(r.Body, secret) {
			t.Fatalf("the list shows the secret")
		}
		id := tokensID(t, r.Body, "Payroll export")

		// Revoking asks first.
		r = b.post("/admin/tokens/"+id+"/revoke", nil)
		want(t, r, 200, "")
		says(t, r, "Revoke the API token Payroll export?")
		if _, err := f.svc.AuthenticateToken(f.ctx, secret, "", ""); err != nil {
			t.Fatalf("revoked without confirmation: %v", err)
		}
		r = b.post("/admin/tokens/"+id+"/revoke", url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/tokens")
		if _, err := f.svc.AuthenticateToken(f.ctx, secret, "", ""); err == nil {
			t.Fatalf("a revoked token still works")
		}
		if ev := f.audit()[0]; ev.Action != "token.revoke" {
			t.Errorf("newest audit event %s", ev.Action)
		}
		r = b.get("/admin/tokens")
		says(t, r, "The token Payroll export was revoked.", "Revoked")
		if strings.Contains(r.Body, `id="token-revoke-`+id+`"`) {
			t.Errorf("a revoked token still offers Revoke")
		}
	})
}

func TestTokensRefuseBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.post("/admin/tokens", url.Values{"name": {"  "}, "expiry": {"90"}})
		want(t, r, 422, "")
		says(t, r, "Name is required")
		if !strings.Contains(r.Body, `id="name-error"`) || !strings.Contains(r.Body, `id="expiry-90" name="expiry" value="90" checked`) {
			t.Errorf("the error is not beside the name, or the expiry chosen is lost")
		}
		r = b.post("/admin/tokens", url.Values{"name": {"Export"}, "expiry": {"forever"}})
		want(t, r, 422, "")
		says(t, r, "Expires must be one of the choices")
		if toks, _ := f.svc.Tokens(f.ctx, f.op()); len(toks) != 0 {
			t.Fatalf("tokens made from bad input: %v", toks)
		}
		want(t, b.post("/admin/tokens/nonexistent/revoke", url.Values{"confirmed": {"yes"}}), 404, "")
	})
}

func TestTokensOfStaffAreTheirOwn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		owner := f.ownerBrowser()
		r := owner.post("/admin/tokens", url.Values{"name": {"Owner sync"}, "expiry": {"never"}})
		want(t, r, 200, "")
		ownerSecret := tokensSecret(t, r)
		ownerID := tokensID(t, owner.get("/admin/tokens").Body, "Owner sync")

		staff := f.user("Stan", "staff", "")
		b := f.signedIn(staff)
		if !hasLink(b.get("/admin").Body, "/admin/tokens") {
			t.Errorf("staff are not offered their API tokens")
		}
		r = b.get("/admin/tokens")
		want(t, r, 200, "")
		says(t, r, "There are no API tokens yet.")
		silent(t, r, "Owner sync")
		r = b.post("/admin/tokens", url.Values{"name": {"Stan's script"}, "expiry": {"365"}})
		want(t, r, 200, "")
		a, err := f.svc.AuthenticateToken(f.ctx, tokensSecret(t, r), "", "")
		if err != nil || a.UserID != staff.ID {
			t.Fatalf("staff token: %v, %v", a, err)
		}
		r = b.get("/admin/tokens")
		says(t, r, "Your API tokens", "Stan's script")
		silent(t, r, "Owner sync")

		// Another's token is not theirs to revoke.
		want(t, b.post("/admin/tokens/"+ownerID+"/revoke", url.Values{"confirmed": {"yes"}}), 404, "")
		if _, err := f.svc.AuthenticateToken(f.ctx, ownerSecret, "", ""); err != nil {
			t.Fatalf("staff revoked the owner's token: %v", err)
		}

		// The owner sees every token, with its owner.
		r = owner.get("/admin/tokens")
		says(t, r, "API tokens of the users you may see", "Stan's script", "Stan Tester", "Owner sync")
		if !hasLink(r.Body, "/admin/users/"+staff.ID) {
			t.Errorf("the owner of a token is not a link")
		}

		// A basic user does not reach the console at all.
		basic := f.user("Bea", "basic", "")
		want(t, f.signedIn(basic).get("/admin/tokens"), 403, "")
	})
}

func TestTokensCarryAProvisioningGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North site"), f.site("South site")
		roleID := func(key string) string {
			t.Helper()
			r, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, key)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		staff := roleID("staff")

		owner := f.ownerBrowser()
		r := owner.get("/admin/tokens")
		says(t, r, "Provisioning (SCIM)", "Users this token creates through SCIM receive this role and scope",
			"None: no role", "The whole organization", "North site")
		if !strings.Contains(r.Body, `<option value="`+staff+`">Staff</option>`) {
			t.Errorf("the staff role is not offered")
		}
		if strings.Contains(r.Body, `<option value="`+roleID("service_contact")+`"`) {
			t.Errorf("a role that asks for values is offered")
		}
		r = owner.post("/admin/tokens", url.Values{"name": {"Directory sync"}, "expiry": {"90"},
			"provision_role_id": {staff}, "provision_unit_id": {north.ID}})
		want(t, r, 200, "")
		toks, err := f.svc.Tokens(f.ctx, f.op())
		if err != nil || len(toks) != 1 || toks[0].ProvisionRoleID != staff || toks[0].ProvisionUnitID != north.ID {
			t.Fatalf("tokens: %+v, %v", toks, err)
		}
		says(t, owner.get("/admin/tokens"), "Staff over North site")

		// A manager of the north site may give neither a role above theirs
		// nor a scope outside it; the error stands beside the field.
		mgr := f.signedIn(f.user("Mona", "manager", north.ID))
		r = mgr.get("/admin/tokens")
		silent(t, r, "Administrator", "South site")
		for _, c := range []struct{ role, unit, field, message string }{
			{roleID("administrator"), north.ID, "provision_role_id", "you may give roles only at or below your own level"},
			{staff, south.ID, "provision_unit_id", "no such unit"},
			{staff, "", "provision_unit_id", "you may give access only inside your own scope"},
			{"", north.ID, "provision_unit_id", "needs a provisioning role"},
		} {
			r = mgr.post("/admin/tokens", url.Values{"name": {"Site sync"}, "expiry": {"90"},
				"provision_role_id": {c.role}, "provision_unit_id": {c.unit}})
			want(t, r, 422, "")
			msg := firstMatch(t, r.Body, `(?s)<p class="field-error" id="`+c.field+`-error">(.*?)</p>`)
			if !strings.Contains(msg, c.message) {
				t.Errorf("%s error %q, want %q", c.field, msg, c.message)
			}
		}
		if toks, _ := f.svc.Tokens(f.ctx, f.op()); len(toks) != 1 {
			t.Fatalf("%d tokens after refusals, want 1", len(toks))
		}
		r = mgr.post("/admin/tokens", url.Values{"name": {"Site sync"}, "expiry": {"90"},
			"provision_role_id": {staff}, "provision_unit_id": {north.ID}})
		want(t, r, 200, "")
		says(t, mgr.get("/admin/tokens"), "Site sync", "Staff over North site")
	})
}
