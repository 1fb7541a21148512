package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// TestConsoleNeedsASignedInAdministrator checks the way in: no session
// goes to sign in and comes back, a user whose grant administers nothing
// is refused, and a session that must still choose its credentials is
// sent to choose them first.
func TestConsoleNeedsASignedInAdministrator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		want(t, f.browser().get("/admin?from=bookmark"), http.StatusSeeOther,
			"/login?next="+url.QueryEscape("/admin?from=bookmark"))

		basic := f.user("Bea", "basic", "")
		r := f.signedIn(basic).get("/admin")
		want(t, r, http.StatusForbidden, "")
		says(t, r, "No administration here", "My account")

		staff := f.user("Sam", "staff", "")
		f.grant(staff, "supervisor", f.site("North").ID)
		b := f.signedIn(staff)
		r = b.get("/admin")
		want(t, r, http.StatusSeeOther, "/login/grant?next=%2Fadmin")
	})
}

// TestNavigationShowsWhatTheActorMayDo checks that the menu lists the
// areas of the actor's permissions only, marks the current one, names the
// organization and the signed-in user, and offers the mailbox only while
// no mail is delivered.
func TestNavigationShowsWhatTheActorMayDo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		owner := f.ownerBrowser().get("/admin")
		want(t, owner, http.StatusOK, "")
		says(t, owner, f.org.Name, "Signed in as Olive Owner", "My account", "Sign out")
		for _, area := range []string{"/admin/users", "/admin/invitations", "/admin/roles", "/admin/units",
			"/admin/groups", "/admin/resources", "/admin/relationships", "/admin/audit", "/admin/recycle-bin",
			"/admin/settings", "/admin/tokens", "/admin/mailbox"} {
			if !hasLink(owner.Body, area) {
				t.Errorf("the owner's menu lacks %s", area)
			}
		}
		if !strings.Contains(owner.Body, `href="/admin" aria-current="page"`) {
			t.Errorf("the dashboard is not marked as the current page")
		}
		if !strings.Contains(owner.Body, "<title>Dashboard – "+f.org.Name) {
			t.Errorf("the page title does not say where the user is")
		}

		staff := f.signedIn(f.user("Stan", "staff", "")).get("/admin")
		want(t, staff, http.StatusOK, "")
		for _, area := range []string{"/admin/users", "/admin/units"} {
			if !hasLink(staff.Body, area) {
				t.Errorf("the staff menu lacks %s", area)
			}
		}
		for _, area := range []string{"/admin/invitations", "/admin/audit", "/admin/recycle-bin", "/admin/settings", "/admin/mailbox"} {
			if hasLink(staff.Body, area) {
				t.Errorf("the staff menu offers %s", area)
			}
		}

		delivered := newFixtureWith(t, e, fixtureOptions{mailDelivery: true})
		if r := delivered.ownerBrowser().get("/admin"); hasLink(r.Body, "/admin/mailbox") {
			t.Errorf("the mailbox is offered although mail is delivered")
		}
	})
}

// TestChangeCredentialsIsOfferedToHoldersOfSeveralGrants checks the
// header's "Change credentials" link.
func TestChangeCredentialsIsOfferedToHoldersOfSeveralGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		if r := f.ownerBrowser().get("/admin"); strings.Contains(r.Body, "Change credentials") {
			t.Errorf("an owner with one grant is offered to change credentials")
		}
		u := f.user("Gus", "staff", "")
		f.grant(u, "administrator", f.site("South").ID)
		b := f.signedIn(u)
		r := b.get("/admin")
		want(t, r, http.StatusSeeOther, "/login/grant?next=%2Fadmin")
		form := b.get("/login/grant")
		grant := firstMatch(t, form.Body, `name="grant_id" value="([^"]+)"`)
		want(t, b.post("/login/grant", url.Values{"grant_id": {grant}, "next": {"/admin"}}), http.StatusSeeOther, "/admin")
		r = b.get("/admin")
		want(t, r, http.StatusOK, "")
		if !strings.Contains(text(r.Body), "Change credentials") {
			t.Errorf("a holder of two grants is not offered to change credentials:\n%s", r.Body)
		}
	})
}

// TestConsoleRefusesCrossOriginPosts checks that a form posted from
// another site changes nothing.
func TestConsoleRefusesCrossOriginPosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Cora", "staff", "")
		b := f.ownerBrowser()
		form := url.Values{"action": {"disable"}, "ids": {u.ID}, "confirmed": {"yes"}}
		r := b.do(http.MethodPost, "/admin/users/bulk", strings.NewReader(form.Encode()),
			"application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		want(t, r, http.StatusForbidden, "")
		says(t, r, "sent from another website")
		if got := f.reload(u); got.Status != "active" {
			t.Errorf("a cross-site post disabled the user (status %s)", got.Status)
		}
	})
}

// TestConsoleAssets checks the stylesheet and the script are served.
func TestConsoleAssets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		css := b.get("/assets/roster.css")
		want(t, css, http.StatusOK, "")
		if !strings.Contains(css.Body, "--accent") {
			t.Errorf("the stylesheet lacks its design tokens")
		}
		js := b.get("/admin/assets/console.js")
		want(t, js, http.StatusOK, "")
		if !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("script served as %q", js.Header.Get("Content-Type"))
		}
	})
}
