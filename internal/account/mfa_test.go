package account_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/internal/store/storetest"
)

// totpKey reads the authenticator key from the set-up page.
func totpKey(t *testing.T, r *response) string {
	t.Helper()
	m := regexp.MustCompile(`id="totp-key">([^<]+)<`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no key on the set-up page: %s", r)
	}
	return strings.ReplaceAll(m[1], " ", "")
}

// recoveryCodes reads the recovery codes from their page.
func recoveryCodes(t *testing.T, r *response) []string {
	t.Helper()
	var codes []string
	for _, m := range regexp.MustCompile(`<li><code>([^<]+)</code></li>`).FindAllStringSubmatch(r.Body, -1) {
		codes = append(codes, m[1])
	}
	return codes
}

func TestTOTPEnrolment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Phone", "staff")
		b := f.browser()
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/account")
		page := b.get("/account/mfa")
		want(t, page, http.StatusOK, "")
		contains(t, page, "Set up an authenticator app", "Not now")
		if !strings.Contains(page.Body, `<img src="data:image/png;base64,`) || !strings.Contains(page.Body, `alt="QR code`) {
			t.Errorf("no QR code image with alt text")
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:") {
			t.Errorf("Content-Security-Policy %q does not allow the QR code", csp)
		}
		key := totpKey(t, page)
		if len(key) < 16 {
			t.Fatalf("key %q is too short", key)
		}
		// The key is kept across visits until confirmed.
		if again := totpKey(t, b.get("/account/mfa")); again != key {
			t.Errorf("a second visit shows another key")
		}
		r := b.post("/account/mfa", url.Values{"code": {"123456"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The code is not right")
		if totpKey(t, r) != key {
			t.Errorf("a wrong code changed the key")
		}
		before := b.secret()
		r = b.post("/account/mfa", url.Values{"code": {f.code(key)}})
		want(t, r, http.StatusOK, "")
		contains(t, r, "Save your recovery codes", "They are shown only now")
		codes := recoveryCodes(t, r)
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes shown, want 10", len(codes))
		}
		if b.secret() == before {
			t.Errorf("enrolling kept the session id")
		}
		f.refused(before, "MFA enrolment")
		contains(t, b.get("/account"), "On, with an authenticator app. 10 recovery codes left.")

		// Signing in again asks for the code; a recovery code does too.
		want(t, b.post("/logout", nil), http.StatusSeeOther, "/login?done=signed-out")
		f.clock.Advance(time.Minute)
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/login/mfa")
		form := b.get("/login/mfa")
		contains(t, form, "Use a recovery code", "Using a recovery code")
		want(t, b.post("/login/mfa", url.Values{"code": {f.code(key)}}), http.StatusSeeOther, "/account")

		other := f.browser()
		want(t, other.signIn(u.Username, userPassword), http.StatusSeeOther, "/login/mfa")
		want(t, other.post("/login/mfa", url.Values{"code": {codes[3]}}), http.StatusSeeOther, "/account")
		contains(t, other.get("/account"), "9 recovery codes left.")
		// A recovery code works once.
		third := f.browser()
		want(t, third.signIn(u.Username, userPassword), http.StatusSeeOther, "/login/mfa")
		want(t, third.post("/login/mfa", url.Values{"code": {codes[3]}}), http.StatusUnauthorized, "")
	})
}

func TestRecoveryCodesAndRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Keys", "staff")
		key := f.enrolMFA(u, userPassword)
		b := f.browser()
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/login/mfa")
		want(t, b.post("/login/mfa", url.Values{"code": {f.code(key)}}), http.StatusSeeOther, "/account")
		page := b.get("/account/mfa")
		want(t, page, http.StatusOK, "")
		contains(t, page, "You have 10 unused recovery codes")
		// A wrong password is shown beside the field of the form used.
		r := b.post("/account/mfa/recovery-codes", url.Values{"current_password": {"wrong wrong wrong wrong"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		if !strings.Contains(r.Body, `id="regen-current_password-error"`) || strings.Contains(r.Body, `id="remove-current_password-error"`) {
			t.Errorf("the error is not beside the right form's password field")
		}
		r = b.post("/account/mfa/recovery-codes", url.Values{"current_password": {userPassword}})
		want(t, r, http.StatusOK, "")
		if codes := recoveryCodes(t, r); len(codes) != 10 {
			t.Errorf("%d new recovery codes, want 10", len(codes))
		}
		want(t, b.post("/account/mfa/remove", url.Values{"current_password": {userPassword}}), http.StatusSeeOther, "/account?done=mfa-removed")
		contains(t, b.get("/account?done=mfa-removed"), "Your authenticator app and recovery codes have been removed.", "Two-step sign-in (MFA) Off")
		want(t, f.browser().signIn(u.Username, userPassword), http.StatusSeeOther, "/account")
	})
}
