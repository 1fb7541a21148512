package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/store/storetest"
)

// cannotSkip checks that every signed-in page sends a gated browser to the
// gate's page.
func cannotSkip(t *testing.T, b *browser, gatePage, otherUserID string) {
	t.Helper()
	for _, path := range []string{"/account", "/account/password", "/account/mfa", "/account/security-question",
		"/login/grant", "/login/mfa", "/emulate/" + otherUserID, "/emulate/x"} {
		if path == gatePage {
			continue
		}
		r := b.get(path)
		if r.Code != http.StatusSeeOther || r.Location() != gatePage {
			t.Errorf("GET %s: %d to %q, want 303 to %s", path, r.Code, r.Location(), gatePage)
		}
	}
	for _, path := range []string{"/login/grant", "/account/sessions/x/end", "/account/sessions/end-others",
		"/account/mfa/remove", "/account/mfa/recovery-codes", "/emulate/" + otherUserID, "/emulate/stop", "/account/password", "/account/mfa"} {
		if path == gatePage {
			continue
		}
		r := b.post(path, url.Values{"current_password": {userPassword}, "reason": {"testing"}, "grant_id": {"x"}})
		if r.Code != http.StatusSeeOther || r.Location() != gatePage {
			t.Errorf("POST %s: %d to %q, want 303 to %s", path, r.Code, r.Location(), gatePage)
		}
	}
}

func TestGateChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Temp", "staff")
		other := f.user("Other", "basic")
		const temporary = "given by the office for the first day"
		if _, err := f.svc.ResetPassword(f.ctx, f.ownerActor(), u.ID, admin.ResetInput{Method: admin.ResetByTemporary, Password: temporary}); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		b := f.browser()
		want(t, b.signIn(u.Username, temporary), http.StatusSeeOther, "/account/password")
		cannotSkip(t, b, "/account/password", other.ID)
		form := b.get("/account/password")
		want(t, form, http.StatusOK, "")
		contains(t, form, "Your administrator gave you a temporary password", "At least 15 characters.")
		for _, attr := range []string{`autocomplete="current-password"`, `autocomplete="new-password"`, `aria-describedby="criteria"`, `<label for="password_confirm">`} {
			if !strings.Contains(form.Body, attr) {
				t.Errorf("password form lacks %s", attr)
			}
		}
		// Mistakes are shown beside their fields.
		r := b.post("/account/password", url.Values{"current_password": {temporary}, "password": {"short"}, "password_confirm": {"short"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The new password must be at least 15 characters.")
		if !strings.Contains(r.Body, `id="password-error"`) || !strings.Contains(r.Body, `aria-describedby="criteria password-error"`) {
			t.Errorf("the error is not tied to the password field")
		}
		r = b.post("/account/password", url.Values{"current_password": {temporary}, "password": {userPassword}, "password_confirm": {userPassword + "x"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The two new passwords are not the same")
		r = b.post("/account/password", url.Values{"current_password": {"a wrong current password"}, "password": {userPassword}, "password_confirm": {userPassword}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "Your current password is not right.")
		// The change clears the gate and renews the session.
		old := b.secret()
		r = b.post("/account/password", url.Values{"current_password": {temporary}, "password": {userPassword}, "password_confirm": {userPassword}})
		want(t, r, http.StatusSeeOther, "/account")
		if b.secret() == old {
			t.Errorf("the password change kept the session id")
		}
		f.refused(old, "password change")
		want(t, b.get("/account"), http.StatusOK, "")
		want(t, f.browser().signIn(u.Username, userPassword), http.StatusSeeOther, "/account")
	})
}

func TestGateEnrolMFA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Strict", "staff")
		other := f.user("Other", "basic")
		if _, err := f.svc.SetMFARequired(f.ctx, f.ownerActor(), u.ID, true, 0); err != nil {
			t.Fatalf("SetMFARequired: %v", err)
		}
		b := f.browser()
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/account/mfa")
		cannotSkip(t, b, "/account/mfa", other.ID)
		page := b.get("/account/mfa")
		want(t, page, http.StatusOK, "")
		contains(t, page, "Your organization requires two-step sign-in")
		if strings.Contains(page.Body, "Not now") {
			t.Errorf("a required enrolment offers to skip it")
		}
		key := totpKey(t, page)
		r := b.post("/account/mfa", url.Values{"code": {f.code(key)}})
		want(t, r, http.StatusOK, "")
		contains(t, r, "Save your recovery codes")
		want(t, b.get("/account"), http.StatusOK, "")
	})
}

func TestGateSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Careful", "staff")
		other := f.user("Other", "basic")
		key := f.enrolMFA(u, userPassword)
		b := f.browser()
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/login/mfa")
		cannotSkip(t, b, "/login/mfa", other.ID)
		halfway := b.secret()
		r := b.post("/login/mfa", url.Values{"code": {"000000"}})
		want(t, r, http.StatusUnauthorized, "")
		contains(t, r, "The code is not right.")
		if !strings.Contains(r.Body, `aria-invalid="true"`) || !strings.Contains(r.Body, `autocomplete="one-time-code"`) {
			t.Errorf("the code field is not marked up as it should be")
		}
		want(t, b.post("/login/mfa", url.Values{"code": {f.code(key)}}), http.StatusSeeOther, "/account")
		if b.secret() == halfway {
			t.Errorf("the second factor kept the session id")
		}
		f.refused(halfway, "second factor")
		want(t, b.get("/account"), http.StatusOK, "")
		// Once done, the code page sends the user on.
		want(t, b.get("/login/mfa"), http.StatusSeeOther, "/account")
	})
}

func TestChooseGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Multi", "staff")
		north := f.site("North School")
		g := f.grant(u, "manager", north.ID)
		b := f.browser()
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/login/grant")
		page := b.get("/login/grant")
		want(t, page, http.StatusOK, "")
		contains(t, page, "Staff — the whole organization", "Manager — North School")
		if !strings.Contains(page.Body, `type="radio"`) || !strings.Contains(page.Body, "<legend>") {
			t.Errorf("the choice is not a labelled group of radio buttons")
		}
		r := b.post("/login/grant", url.Values{"grant_id": {"not-a-grant"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "is not one of your current grants")
		before := b.secret()
		want(t, b.post("/login/grant", url.Values{"grant_id": {g.ID}}), http.StatusSeeOther, "/account")
		if b.secret() == before {
			t.Errorf("choosing a grant kept the session id")
		}
		f.refused(before, "choose grant")
		account := b.get("/account")
		contains(t, account, "Working as Manager — North School", "Change credentials")
		if st := f.state(b.secret()); st.Actor.Grant == nil || st.Actor.Grant.ID != g.ID {
			t.Errorf("the session does not act through the chosen grant")
		}
	})
}
