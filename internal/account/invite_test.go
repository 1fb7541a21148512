package account_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

var invitePath = regexp.MustCompile(`/invite/rsi_[A-Za-z0-9_\-]+`)

// invitationPath reads the path of the newest invitation link mailed to
// addr.
func (f *fixture) invitationPath(addr string) string {
	f.t.Helper()
	for _, m := range f.mails("invitation", addr) {
		if p := invitePath.FindString(m.Text); p != "" {
			return p
		}
	}
	f.t.Fatalf("no invitation mailed to %s", addr)
	return ""
}

// mails returns the organization's outbox messages of a kind to addr,
// newest first.
func (f *fixture) mails(kind, addr string) []*directory.Mail {
	f.t.Helper()
	all, err := f.e.DB.Mails(f.ctx, f.org.ID, 500)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []*directory.Mail
	for _, m := range all {
		if m.Kind == kind && m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// invitee adds a pending user through the service, which invites them.
func (f *fixture) invitee(first string) *directory.User {
	f.t.Helper()
	addr := strings.ToLower(first) + "-" + randHex(3) + "@example.org"
	u, err := f.svc.CreateUser(f.ctx, f.ownerActor(), &admin.UserInput{Profile: directory.Profile{
		Email: addr, FirstName: first, LastName: "Invitee"}})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

const inviteePassword = "seven tall ships sail north at dawn"

func TestInvitationAccept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.invitee("Ivy")
		link := f.invitationPath(u.Email)
		b := f.browser()

		// The link opens as often as one likes until it is accepted.
		for range 3 {
			r := b.get(link)
			want(t, r, http.StatusOK, "")
			contains(t, r, f.org.Name, "Ivy Invitee", u.Username, "Your new password must meet these rules")
			if r.Header.Get("Referrer-Policy") != "no-referrer" || r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", r.Header)
			}
		}
		// A mistake keeps it usable and changes nothing.
		r := b.post(link, url.Values{"password": {inviteePassword}, "password_confirm": {"something else"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		r = b.post(link, url.Values{"password": {"short"}, "password_confirm": {"short"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		if got, _ := f.e.DB.User(f.ctx, f.org.ID, u.ID); got.Status != directory.StatusPending {
			t.Fatalf("status %s after refused posts", got.Status)
		}

		r = b.post(link, url.Values{"password": {inviteePassword}, "password_confirm": {inviteePassword}})
		want(t, r, http.StatusSeeOther, "/account")
		if b.secret() == "" {
			t.Fatal("no session cookie after accepting")
		}
		want(t, b.get("/account"), http.StatusOK, "")
		got, err := f.e.DB.User(f.ctx, f.org.ID, u.ID)
		if err != nil || got.Status != directory.StatusActive || !got.HasPassword {
			t.Fatalf("after accepting: %+v %v", got, err)
		}
		if n := len(f.mails("welcome", u.Email)); n != 1 {
			t.Errorf("%d welcome mails, want 1", n)
		}
		found := false
		for _, ev := range f.audit() {
			if ev.Action == "invitation.accept" && ev.TargetID == u.ID && ev.ActorID == u.ID {
				found = true
			}
		}
		if !found {
			t.Error("no invitation.accept event by the user")
		}
		// Used up: the link is now the page every dead link gets.
		r = f.browser().get(link)
		want(t, r, http.StatusNotFound, "")
		contains(t, r, "This link is not valid")
		want(t, f.browser().post(link, url.Values{"password": {inviteePassword}, "password_confirm": {inviteePassword}}),
			http.StatusNotFound, "")
		// The new password signs in.
		want(t, f.browser().signIn(u.Username, inviteePassword), http.StatusSeeOther, "/account")
	})
}

func TestInvitationExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.invitee("Eve")
		link := f.invitationPath(u.Email)
		f.clock.Advance(23 * time.Hour)
		want(t, f.browser().get(link), http.StatusOK, "")
		f.clock.Advance(time.Hour)
		r := f.browser().get(link)
		want(t, r, http.StatusNotFound, "")
		contains(t, r, "This link is not valid", "Ask the person who invited you")
		if got, _ := f.e.DB.User(f.ctx, f.org.ID, u.ID); got.Status != directory.StatusPending {
			t.Errorf("status %s", got.Status)
		}
		// A resend gives a link that works again.
		if _, err := f.svc.ResendInvitation(f.ctx, f.ownerActor(), u.ID); err != nil {
			t.Fatal(err)
		}
		fresh := f.invitationPath(u.Email)
		if fresh == link {
			t.Fatal("the resent link is the old one")
		}
		want(t, f.browser().get(fresh), http.StatusOK, "")
	})
}

// An invited user of whom MFA is required sets up an authenticator right
// after choosing the password, before anything else.
func TestInvitationMFARequired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		basic, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "basic")
		if err != nil {
			t.Fatal(err)
		}
		addr := "mfa-" + randHex(3) + "@example.org"
		res, err := f.svc.BulkInvite(f.ctx, f.ownerActor(), admin.BulkInviteInput{Emails: addr, RoleID: basic.ID, RequireMFA: true})
		if err != nil || len(res) != 1 || res[0].Outcome != admin.InviteInvited {
			t.Fatalf("BulkInvite: %+v %v", res, err)
		}
		u, err := f.e.DB.User(f.ctx, f.org.ID, res[0].UserID)
		if err != nil || !u.MFARequired {
			t.Fatalf("invited user %+v %v", u, err)
		}
		link := f.invitationPath(addr)
		b := f.browser()
		r := b.get(link)
		want(t, r, http.StatusOK, "")
		contains(t, r, "set up an authenticator app")
		// With MFA required, the shorter minimum applies.
		pw := "harbor lamps"
		r = b.post(link, url.Values{"password": {pw}, "password_confirm": {pw}})
		want(t, r, http.StatusSeeOther, "/account/mfa")
		want(t, b.get("/account"), http.StatusSeeOther, "/account/mfa")
		want(t, b.get("/account/mfa"), http.StatusOK, "")
	})
}
