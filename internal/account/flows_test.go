package account_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// endForms returns the session ids of the page's "End" buttons.
func endForms(r *response) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`action="/account/sessions/([^/"]+)/end"`).FindAllStringSubmatch(r.Body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestEndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Roaming", "staff")
		laptop, phone, tablet := f.browser(), f.browser(), f.browser()
		for _, b := range []*browser{laptop, phone, tablet} {
			want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/account")
		}
		page := laptop.get("/account")
		ids := endForms(page)
		if len(ids) != 2 {
			t.Fatalf("%d End buttons, want 2 (one per other session): %s", len(ids), page)
		}
		phoneID := f.state(phone.secret()).Session.ID
		if ids[0] != phoneID && ids[1] != phoneID {
			t.Fatalf("the phone's session %s has no End button (%v)", phoneID, ids)
		}
		want(t, laptop.post("/account/sessions/"+phoneID+"/end", nil), http.StatusSeeOther, "/account?done=session-ended")
		contains(t, laptop.get("/account?done=session-ended"), "The session has been ended.")
		want(t, phone.get("/account"), http.StatusSeeOther, "/login?next=%2Faccount")
		want(t, tablet.get("/account"), http.StatusOK, "")
		// Another user's session cannot be ended.
		other := f.browser()
		want(t, other.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		tabletID := f.state(tablet.secret()).Session.ID
		want(t, other.post("/account/sessions/"+tabletID+"/end", nil), http.StatusNotFound, "")
		want(t, tablet.get("/account"), http.StatusOK, "")
		// Sign out everywhere else.
		want(t, laptop.post("/account/sessions/end-others", nil), http.StatusSeeOther, "/account?done=others-ended")
		want(t, tablet.get("/account"), http.StatusSeeOther, "/login?next=%2Faccount")
		after := laptop.get("/account")
		want(t, after, http.StatusOK, "")
		if ids := endForms(after); len(ids) != 0 {
			t.Errorf("sessions left after signing out everywhere else: %v", ids)
		}
		want(t, other.get("/account"), http.StatusOK, "")
	})
}

// resetLink reads the newest reset link mailed to addr and returns its
// path.
func (f *fixture) resetLink(addr string) string {
	f.t.Helper()
	mails, err := f.e.DB.Mails(f.ctx, f.org.ID, 10)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range mails {
		if m.To != addr {
			continue
		}
		if p := regexp.MustCompile(`/reset/[A-Za-z0-9_\-]+`).FindString(m.Text); p != "" {
			return p
		}
	}
	f.t.Fatalf("no reset link mailed to %s", addr)
	return ""
}

func TestForgotAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Forgetful", "staff")
		b := f.browser()
		form := b.get("/forgot")
		want(t, form, http.StatusOK, "")
		if !strings.Contains(form.Body, `autocomplete="username"`) {
			t.Errorf("the forgot form's field has no autocomplete=username")
		}
		want(t, b.post("/forgot", url.Values{"username": {u.Username}}), http.StatusOK, "")
		link := f.resetLink(u.Email)
		page := b.get(link)
		want(t, page, http.StatusOK, "")
		contains(t, page, "Choose a new password", u.Username, "At least 15 characters.")
		if rp := page.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("reset page Referrer-Policy %q, want no-referrer", rp)
		}
		const fresh = "a brand new lantern by the harbour"
		r := b.post(link, url.Values{"password": {fresh}, "password_confirm": {fresh + "!"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The two new passwords are not the same")
		r = b.post(link, url.Values{"password": {"password"}, "password_confirm": {"password"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The new password must be at least 15 characters.")
		want(t, b.post(link, url.Values{"password": {fresh}, "password_confirm": {fresh}}), http.StatusSeeOther, "/login?done=reset")
		contains(t, b.get("/login?done=reset"), "Your new password is set.")
		want(t, b.signIn(u.Username, userPassword), http.StatusUnauthorized, "")
		want(t, b.signIn(u.Username, fresh), http.StatusSeeOther, "/account")
		// The link works once.
		again := f.browser().get(link)
		want(t, again, http.StatusNotFound, "")
		contains(t, again, "This link is not valid")
		if !strings.Contains(again.Body, `href="/forgot"`) {
			t.Errorf("the invalid-link page does not offer a new link")
		}
		want(t, f.browser().post(link, url.Values{"password": {fresh + "2"}, "password_confirm": {fresh + "2"}}), http.StatusNotFound, "")
		want(t, f.browser().get("/reset/rsr_madeup"), http.StatusNotFound, "")
	})
}

func TestSetupLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		org, err := f.svc.CreateOrganization(f.ctx, "new-"+randHex(4), "Fresh Start")
		if err != nil {
			t.Fatal(err)
		}
		link, err := f.svc.SetupLink(f.ctx, org.ID)
		if err != nil || link == "" {
			t.Fatalf("SetupLink: %q, %v", link, err)
		}
		path := link[strings.Index(link, "/setup/"):]
		b := f.browser()
		page := b.get(path)
		want(t, page, http.StatusOK, "")
		contains(t, page, "Set up Fresh Start", "At least 15 characters.")
		for _, attr := range []string{`autocomplete="email"`, `autocomplete="given-name"`, `autocomplete="family-name"`, `autocomplete="new-password"`} {
			if !strings.Contains(page.Body, attr) {
				t.Errorf("set-up form lacks %s", attr)
			}
		}
		const pw = "a long walk along the quiet river"
		email := "first-" + randHex(3) + "@example.org"
		r := b.post(path, url.Values{"email": {email}, "first_name": {"Fay"}, "last_name": {"First"}, "password": {pw}, "password_confirm": {pw + "?"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		if !strings.Contains(r.Body, `value="`+email+`"`) {
			t.Errorf("the email typed is not kept")
		}
		r = b.post(path, url.Values{"email": {email}, "first_name": {"Fay"}, "last_name": {"First"}, "password": {pw}, "password_confirm": {pw}})
		want(t, r, http.StatusSeeOther, "/account")
		account := b.get("/account")
		want(t, account, http.StatusOK, "")
		contains(t, account, "Fay First", email)
		want(t, f.browser().get(path), http.StatusNotFound, "")
	})
}

func TestImpersonation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		target := f.user("Tina", "staff")
		b := f.browser()
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		form := b.get("/emulate/" + target.ID)
		want(t, form, http.StatusOK, "")
		contains(t, form, "Act as Tina Tester")
		want(t, b.get("/emulate/no-such-user"), http.StatusNotFound, "")
		r := b.post("/emulate/"+target.ID, url.Values{"current_password": {"not my password at all"}, "reason": {"ticket 42"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "Your password is not right.")
		r = b.post("/emulate/"+target.ID, url.Values{"current_password": {ownerPassword}, "reason": {""}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The reason is required")
		before := b.secret()
		want(t, b.post("/emulate/"+target.ID, url.Values{"current_password": {ownerPassword}, "reason": {"ticket 42"}}),
			http.StatusSeeOther, "/account?done=emulating")
		if b.secret() == before {
			t.Errorf("starting to emulate kept the session id")
		}
		page := b.get("/account")
		want(t, page, http.StatusOK, "")
		contains(t, page, "You are acting as Tina Tester (ticket 42). Ends at 09:30 UTC.", "Stop acting as Tina Tester", target.Username)
		if !strings.Contains(page.Body, `action="/emulate/stop"`) {
			t.Errorf("no stop button")
		}
		// The banner is on every signed-in page.
		contains(t, b.get("/account/password"), "You are acting as Tina Tester")
		events := f.audit()
		if events[0].Action != "user.impersonate_start" || events[0].TargetID != target.ID || events[0].ActorID != f.owner.ID {
			t.Errorf("newest audit event %s on %s by %s, want user.impersonate_start on the target by the owner",
				events[0].Action, events[0].TargetID, events[0].ActorID)
		}
		emulating := b.secret()
		want(t, b.post("/emulate/stop", nil), http.StatusSeeOther, "/account?done=emulation-over")
		f.refused(emulating, "stop emulating")
		page = b.get("/account")
		want(t, page, http.StatusOK, "")
		if strings.Contains(page.Body, "You are acting as") {
			t.Errorf("the banner stays after stopping")
		}
		contains(t, page, "Olive Owner")
		found := false
		for _, ev := range f.audit() {
			found = found || (ev.Action == "user.impersonate_stop" && ev.ActorID == f.owner.ID)
		}
		if !found {
			t.Errorf("no user.impersonate_stop audit event")
		}
		// A user may not emulate someone of their own level or above.
		staff := f.browser()
		want(t, staff.signIn(target.Username, userPassword), http.StatusSeeOther, "/account")
		r = staff.get("/emulate/" + f.owner.ID)
		if r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
			t.Errorf("a staff member may open the form to emulate the owner: %s", r)
		}
	})
}

func TestSecurityQuestionNotOffered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.browser()
		want(t, b.signIn(f.owner.Username, ownerPassword), http.StatusSeeOther, "/account")
		want(t, b.get("/account/security-question"), http.StatusNotFound, "")
	})
}

func TestSecurityQuestion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		owner := f.ownerActor()
		p, err := f.svc.SecurityPolicy(f.ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		p.SecurityQuestions = true
		if _, err := f.svc.UpdateSecurityPolicy(f.ctx, owner, p); err != nil {
			t.Fatalf("UpdateSecurityPolicy: %v", err)
		}
		u := f.user("Quizzed", "staff")
		b := f.browser()
		want(t, b.signIn(u.Username, userPassword), http.StatusSeeOther, "/account")
		contains(t, b.get("/account"), "Security question Not set", "Set your security question")
		want(t, b.get("/account/security-question"), http.StatusOK, "")
		form := url.Values{"question": {"Name of my first boat?"}, "answer": {"Sea  Breeze"}, "current_password": {"not the password, sorry"}}
		r := b.post("/account/security-question", form)
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "Your password is not right.")
		if !strings.Contains(r.Body, `value="Name of my first boat?"`) {
			t.Errorf("the question typed is not kept")
		}
		form.Set("current_password", userPassword)
		want(t, b.post("/account/security-question", form), http.StatusSeeOther, "/account?done=question")
		contains(t, b.get("/account?done=question"), "Your security question has been saved.", "Security question Set")

		want(t, f.browser().post("/forgot", url.Values{"username": {u.Email}}), http.StatusOK, "")
		link := f.resetLink(u.Email)
		page := f.browser().get(link)
		contains(t, page, "Your security question: Name of my first boat?")
		const fresh = "the harbour lights are on tonight"
		r = b.post(link, url.Values{"answer": {"Storm"}, "password": {fresh}, "password_confirm": {fresh}})
		want(t, r, http.StatusUnprocessableEntity, "")
		contains(t, r, "The answer is not right.")
		want(t, b.post(link, url.Values{"answer": {"sea breeze"}, "password": {fresh}, "password_confirm": {fresh}}), http.StatusSeeOther, "/login?done=reset")
		want(t, f.browser().signIn(u.Username, fresh), http.StatusSeeOther, "/account")
	})
}
