package console_test

import (
	"net/url"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestUserSecurityPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Sara", "staff", "")
		f.signedIn(u)
		b := f.ownerBrowser()
		r := b.get("/admin/users/" + u.ID + "/security")
		want(t, r, 200, "")
		says(t, r, u.Name(), "Status Active", "Not locked", "Failed sign-in attempts 0", "Send a reset link",
			"Set a temporary password", "Must change the password at the next sign-in", "Not set up", "Not required",
			"Save MFA requirement", "End all sessions", "Emulate")
		if !hasLink(r.Body, "/emulate/"+u.ID) {
			t.Error("no Emulate link")
		}
		if !hasLink(r.Body, "/admin/users/"+u.ID+"/security") {
			t.Error("the Security tab is not linked")
		}
		silent(t, r, "Create a password", "Never") // the user has signed in
		// A pending user: invitation state and "create password".
		p := f.pending("Pia")
		r = b.get("/admin/users/" + p.ID + "/security")
		want(t, r, 200, "")
		says(t, r, "Status Pending", "Invitation", "Create a password", "No password yet")
		silent(t, r, "Send a reset link", "End all sessions")
	})
}

func TestUserSecurityResetLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Rita", "staff", "")
		b := f.ownerBrowser()
		before := useractionsMails(t, f, u.Email)
		r := b.post("/admin/users/"+u.ID+"/password", url.Values{"method": {"link"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		if got := useractionsMails(t, f, u.Email); got != before+1 {
			t.Fatalf("%d mails, want %d", got, before+1)
		}
		useractionsAudited(t, f, "user.reset_password", u)
		says(t, b.get(r.Location()), "A password reset link is on its way to "+u.Email)
	})
}

func TestUserSecurityTemporaryPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Tess", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID + "/password"
		r := b.post(path, url.Values{"method": {"temporary"}, "password": {"short"}, "must_change": {"yes"}})
		want(t, r, 422, "")
		if !useractionsHas(r.Body, `id="temporary-password-error"`) {
			t.Errorf("no message beside the field:\n%s", text(r.Body))
		}
		says(t, r, "Temporary password")
		if got := f.reload(u); got.Version != u.Version || got.MustChangePassword {
			t.Fatal("a refused password changed the user")
		}
		f.signedIn(u) // the old password still works

		const temp = "violet harbour morning tide 17"
		r = b.post(path, url.Values{"method": {"temporary"}, "password": {temp}, "must_change": {"yes"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		got := f.reload(u)
		if !got.MustChangePassword {
			t.Error("must change password is not set")
		}
		useractionsAudited(t, f, "user.reset_password", u)
		nb := f.browser()
		nb.signIn(u.Username, temp)
	})
}

func TestUserSecurityCreatePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		p := f.pending("Cleo")
		b := f.ownerBrowser()
		r := b.post("/admin/users/"+p.ID+"/password", url.Values{"method": {"create"}, "password": {"a"}})
		want(t, r, 422, "")
		if !useractionsHas(r.Body, `id="create-password-error"`) {
			t.Errorf("no message beside the field:\n%s", text(r.Body))
		}
		if f.reload(p).Status != directory.StatusPending {
			t.Fatal("a refused password activated the user")
		}
		r = b.post("/admin/users/"+p.ID+"/password", url.Values{"method": {"create"}, "password": {userPassword}})
		want(t, r, 303, "/admin/users/"+p.ID+"/security")
		if got := f.reload(p); got.Status != directory.StatusActive {
			t.Fatalf("status %s after create password", got.Status)
		}
		f.signedIn(p)
	})
}

func TestUserSecurityMFA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Mia", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID + "/mfa-required"
		r := b.post(path, url.Values{"version": {usersItoa(u.Version)}, "mfa_required": {"yes"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		u = f.reload(u)
		if !u.MFARequired {
			t.Fatal("MFA is not required after ticking the box")
		}
		useractionsAudited(t, f, "user.mfa_required", u)
		says(t, b.get(r.Location()), "Required by an administrator")
		// A stale version changes nothing.
		r = b.post(path, url.Values{"version": {usersItoa(u.Version - 1)}})
		want(t, r, 409, "")
		if !f.reload(u).MFARequired {
			t.Fatal("a stale form cleared the box")
		}
		r = b.post(path, url.Values{"version": {usersItoa(u.Version)}})
		want(t, r, 303, "")
		if f.reload(u).MFARequired {
			t.Fatal("MFA is still required after clearing the box")
		}

		usersecurityEnrol(t, f, u)
		u = f.reload(u)
		if u.MFAEnrolledAt.IsZero() {
			t.Fatal("enrolment did not take")
		}
		r = b.get("/admin/users/" + u.ID + "/security")
		says(t, r, "Set up since", "Reset MFA")
		reset := "/admin/users/" + u.ID + "/reset-mfa"
		r = b.post(reset, nil)
		want(t, r, 200, "")
		says(t, r, "Remove the authenticator")
		if f.reload(u).MFAEnrolledAt.IsZero() {
			t.Fatal("MFA reset without confirmation")
		}
		r = b.post(reset, url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		if !f.reload(u).MFAEnrolledAt.IsZero() {
			t.Fatal("MFA still set up after the reset")
		}
		useractionsAudited(t, f, "user.mfa_reset", u)
	})
}

func TestUserSecurityEndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Ned", "administrator", "")
		ub := f.signedIn(u)
		want(t, ub.get("/admin"), 200, "")
		b := f.ownerBrowser()
		r := b.get("/admin/users/" + u.ID + "/security")
		says(t, r, "TestBrowser/1.0", "End all sessions")
		path := "/admin/users/" + u.ID + "/end-sessions"
		r = b.post(path, nil)
		want(t, r, 200, "")
		says(t, r, "Sign "+u.Name()+" out everywhere?")
		want(t, ub.get("/admin"), 200, "")
		r = b.post(path, url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		useractionsAudited(t, f, "user.end_sessions", u)
		if r := ub.get("/admin"); r.Code == 200 {
			t.Fatalf("the user's browser is still signed in: %s", r)
		}
		says(t, b.get("/admin/users/"+u.ID+"/security"), "is not signed in anywhere")
	})
}
