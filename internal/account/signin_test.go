package account_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/store/storetest"
)

func TestSignInSetsSessionCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		for _, tc := range []struct {
			baseURL, name string
			secure        bool
		}{
			{"http://roster.test", "roster_session", false},
			{"https://roster.example", "__Host-roster_session", true},
		} {
			f := newFixtureWith(t, e, options{baseURL: tc.baseURL})
			b := f.browser()
			form := b.get("/login")
			want(t, form, http.StatusOK, "")
			if cc := form.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("sign-in form Cache-Control %q, want no-store", cc)
			}
			if form.Header.Get("Set-Cookie") != "" {
				t.Errorf("the sign-in form sets a cookie: %s", form.Header.Get("Set-Cookie"))
			}
			r := b.signIn(f.owner.Username, ownerPassword)
			want(t, r, http.StatusSeeOther, "/account")
			res := http.Response{Header: r.Header}
			var got *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == tc.name {
					got = c
				}
			}
			if got == nil {
				t.Fatalf("%s: no %s cookie in %q", tc.baseURL, tc.name, r.Header.Values("Set-Cookie"))
			}
			if !got.HttpOnly || got.SameSite != http.SameSiteLaxMode || got.Path != "/" || got.Secure != tc.secure || got.Domain != "" {
				t.Errorf("%s: cookie %s, want HttpOnly, SameSite=Lax, Path=/, Secure=%v, no Domain", tc.baseURL, got, tc.secure)
			}
			if !strings.HasPrefix(got.Value, "rss_") {
				t.Errorf("cookie value %q is not a session secret", got.Value)
			}
			// The cookie is the session.
			if st := f.state(got.Value); st.User.ID != f.owner.ID {
				t.Errorf("the cookie's session is %s's", st.User.Username)
			}
		}
	})
}

func TestSignInShowsAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		want(t, b.signIn(f.owner.Email, ownerPassword), http.StatusSeeOther, "/account")
		r := b.get("/account")
		want(t, r, http.StatusOK, "")
		contains(t, r, "Olive Owner", f.owner.Username, f.owner.Email, "Last sign-in 14 March 2030", "Off",
			"Set up an authenticator app", "Change your password", "TestBrowser/1.0", "(this session)")
		if strings.Contains(r.Body, "Change credentials") {
			t.Errorf("a user with one grant is offered to change credentials")
		}
		if strings.Contains(r.Body, "security-question") {
			t.Errorf("the account page links to the security question though the organization does not use them")
		}
		for _, h := range []string{`lang="en"`, `<title>Your account – Roster</title>`, `action="/logout"`} {
			if !strings.Contains(r.Body, h) {
				t.Errorf("account page lacks %s", h)
			}
		}
	})
}

func TestSignInRenewsSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		// A session id planted before sign-in is not kept.
		planted := "rss_planted" + randHex(16)
		b.setSecret(planted)
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		first := b.secret()
		if first == "" || first == planted {
			t.Fatalf("after sign-in the cookie is %q (planted %q)", first, planted)
		}
		// Signing in again starts a new session and ends the one before.
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		second := b.secret()
		if second == first {
			t.Fatalf("a second sign-in kept the session id")
		}
		f.refused(first, "sign-in again")
		want(t, b.get("/account"), http.StatusOK, "")
	})
}

func TestSignInRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		r := b.signIn(f.owner.Username, "not the password at all")
		want(t, r, http.StatusUnauthorized, "")
		contains(t, r, "There is a problem", "The user name or password is not right.")
		if !strings.Contains(r.Body, `value="`+f.owner.Username+`"`) {
			t.Errorf("the user name typed is not kept in the form")
		}
		if !strings.Contains(r.Body, `role="alert"`) || !strings.Contains(r.Body, `aria-invalid="true"`) {
			t.Errorf("the refusal is not announced (role=alert, aria-invalid)")
		}
		if strings.Contains(r.Body, "not the password at all") {
			t.Errorf("the password typed is sent back")
		}
		if b.secret() != "" || r.Header.Get("Set-Cookie") != "" {
			t.Errorf("a refused sign-in sets a cookie: %q", r.Header.Values("Set-Cookie"))
		}
		want(t, b.get("/account"), http.StatusSeeOther, "/login?next=%2Faccount")
	})
}

// comparable returns a response's headers without those that differ on
// every request.
func comparable(h http.Header) http.Header {
	c := h.Clone()
	c.Del("Date")
	c.Del("X-Request-Id")
	return c
}

func sameAnswer(t *testing.T, what string, a, b *response, aLogin, bLogin string) {
	t.Helper()
	if a.Code != b.Code {
		t.Errorf("%s: status %d vs %d", what, a.Code, b.Code)
	}
	// The sign-in form shows the user name typed; apart from it the
	// answers must be the same byte for byte.
	ab := strings.ReplaceAll(a.Body, aLogin, "LOGIN")
	bb := strings.ReplaceAll(b.Body, bLogin, "LOGIN")
	if ab != bb {
		t.Errorf("%s: bodies differ:\n%s\n----\n%s", what, ab, bb)
	}
	ah, bh := comparable(a.Header), comparable(b.Header)
	keys := func(h http.Header) []string {
		var k []string
		for n := range h {
			k = append(k, n)
		}
		slices.Sort(k)
		return k
	}
	if !slices.Equal(keys(ah), keys(bh)) {
		t.Errorf("%s: header names differ: %v vs %v", what, keys(ah), keys(bh))
	}
	for n := range ah {
		if !slices.Equal(ah[n], bh[n]) {
			t.Errorf("%s: header %s differs: %q vs %q", what, n, ah[n], bh[n])
		}
	}
}

func TestSignInSameAnswerForUnknownUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		known := f.user("Known", "staff")
		off := f.user("Gone", "staff")
		if _, err := f.svc.Disable(f.ctx, admin.Operator(f.org.ID), off.ID, 0); err != nil {
			t.Fatalf("Disable: %v", err)
		}
		// An unknown user name of the same length as the known one.
		unknown := "x" + known.Username[1:]
		unknownAnswer := f.browser().signIn(unknown, "a wrong password of some length")
		want(t, unknownAnswer, http.StatusUnauthorized, "")
		knownAnswer := f.browser().signIn(known.Username, "a wrong password of some length")
		sameAnswer(t, "known user, wrong password", unknownAnswer, knownAnswer, unknown, known.Username)
		// A disabled user with the right password is refused alike.
		offLogin := off.Username
		unknown2 := "x" + offLogin[1:]
		unknownAnswer = f.browser().signIn(unknown2, userPassword)
		offAnswer := f.browser().signIn(offLogin, userPassword)
		sameAnswer(t, "disabled user, right password", unknownAnswer, offAnswer, unknown2, offLogin)
	})
}

func TestForgotSameAnswerForUnknownUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		known := f.user("Known", "staff")
		unknownAnswer := f.browser().post("/forgot", url.Values{"username": {"nobody-" + randHex(4) + "@example.org"}})
		want(t, unknownAnswer, http.StatusOK, "")
		contains(t, unknownAnswer, "If an account matches what you entered, we have sent a link")
		knownAnswer := f.browser().post("/forgot", url.Values{"username": {known.Email}})
		sameAnswer(t, "forgot password", unknownAnswer, knownAnswer, "", "")
		mails, err := f.e.DB.Mails(f.ctx, f.org.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, m := range mails {
			if m.To == known.Email && strings.Contains(m.Text, "/reset/") {
				sent++
			}
		}
		if sent != 1 {
			t.Errorf("%d reset mails to the known user, want 1", sent)
		}
	})
}

func TestThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixtureWith(t, e, options{failures: 3, window: 10 * time.Minute})
		b := f.browser()
		for i := range 3 {
			want(t, b.signIn("nobody-"+strconv.Itoa(i), "some wrong password"), http.StatusUnauthorized, "")
		}
		before := len(f.audit())
		// The limit is per address, whichever account is tried: even the
		// right password waits, and the service is not asked.
		r := b.signIn(f.owner.Username, ownerPassword)
		want(t, r, http.StatusTooManyRequests, "")
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs <= 0 || secs > 600 {
			t.Errorf("Retry-After %q, want 1 to 600 seconds", r.Header.Get("Retry-After"))
		}
		contains(t, r, "too many failed sign-in attempts")
		if b.secret() != "" {
			t.Errorf("a throttled sign-in set a session cookie")
		}
		if after := len(f.audit()); after != before {
			t.Errorf("a throttled sign-in reached the service: %d audit events before, %d after", before, after)
		}
		// Another browser from the same address waits too.
		want(t, f.browser().signIn(f.owner.Username, ownerPassword), http.StatusTooManyRequests, "")
		// Once the failures leave the window, sign-in works again.
		f.clock.Advance(10*time.Minute + time.Second)
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		before := len(f.audit())
		r := b.post("/login", url.Values{"username": {f.owner.Username}, "password": {ownerPassword}},
			"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		want(t, r, http.StatusForbidden, "")
		if b.secret() != "" {
			t.Errorf("a cross-origin sign-in set a cookie")
		}
		if after := len(f.audit()); after != before {
			t.Errorf("a cross-origin sign-in reached the service")
		}
		// A signed-in browser's forms are protected alike.
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		want(t, b.post("/logout", nil, "Origin", "https://evil.example"), http.StatusForbidden, "")
		want(t, b.get("/account"), http.StatusOK, "")
		// The same site's own posts pass.
		want(t, b.post("/logout", nil, "Sec-Fetch-Site", "same-origin"), http.StatusSeeOther, "/login?done=signed-out")
	})
}

func TestSignOutEndsSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		old := b.secret()
		r := b.post("/logout", nil)
		want(t, r, http.StatusSeeOther, "/login?done=signed-out")
		if b.secret() != "" {
			t.Errorf("the cookie survives sign-out")
		}
		contains(t, b.get("/login?done=signed-out"), "You have signed out.")
		// The old cookie, replayed, no longer works.
		thief := f.browser()
		thief.setSecret(old)
		want(t, thief.get("/account"), http.StatusSeeOther, "/login?next=%2Faccount")
		f.refused(old, "sign out")
	})
}

func TestNextIsLocalOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		for next, to := range map[string]string{
			"/account/password":        "/account/password",
			"//evil.example/x":         "/account",
			"/\\evil.example":          "/account",
			"https://evil.example/x":   "/account",
			"javascript:alert(1)":      "/account",
			"/account/mfa?from=portal": "/account/mfa?from=portal",
		} {
			b := f.browser()
			r := b.post("/login", url.Values{"username": {f.owner.Username}, "password": {ownerPassword}, "next": {next}})
			want(t, r, http.StatusSeeOther, to)
		}
		// A page asked for without a session comes back after sign-in.
		b := f.browser()
		r := b.get("/account/password")
		want(t, r, http.StatusSeeOther, "/login?next=%2Faccount%2Fpassword")
		form := b.get(r.Location())
		if !strings.Contains(form.Body, `name="next" value="/account/password"`) {
			t.Errorf("the sign-in form does not carry next")
		}
	})
}
