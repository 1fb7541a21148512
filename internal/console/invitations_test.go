package console_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestInvitationsList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		old := f.pending("Ernest")
		f.clock.Advance(25 * time.Hour)
		fresh := f.pending("Sally")
		never := f.invitationsUninvited("Nora")
		active := f.user("Alice", "staff", "")
		b := f.ownerBrowser()

		r := b.get("/admin/invitations")
		want(t, r, 200, "")
		says(t, r, "Invitations", "3 pending users", old.Name(), fresh.Name(), never.Name(), "Expired", "Sent", "Never sent",
			"Invite many people")
		silent(t, r, active.Name())
		if !strings.Contains(r.Body, `id="revoke-`+fresh.ID+`"`) || strings.Contains(r.Body, `id="revoke-`+old.ID+`"`) {
			t.Errorf("only the live invitation offers Revoke")
		}

		r = b.get("/admin/invitations?state=expired")
		want(t, r, 200, "")
		says(t, r, old.Name(), "1 pending user")
		silent(t, r, fresh.Name(), never.Name())
		r = b.get("/admin/invitations?state=never")
		says(t, r, never.Name())
		silent(t, r, fresh.Name(), old.Name())
	})
}

func TestInvitationsPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		for i := 0; i < 52; i++ {
			f.invitationsUninvited("Page")
		}
		b := f.ownerBrowser()
		r := b.get("/admin/invitations")
		want(t, r, 200, "")
		next := firstMatch(t, r.Body, `<a href="([^"]+)" rel="next">`)
		r = b.get(next)
		want(t, r, 200, "")
		if n := strings.Count(r.Body, `id="resend-`); n != 2 {
			t.Errorf("second page has %d rows, want 2", n)
		}
	})
}

func TestInvitationsResend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Rita")
		first := f.invitationsToken(u)
		if first == "" {
			t.Fatal("no first invitation")
		}
		b := f.ownerBrowser()
		r := b.post("/admin/invitations/"+u.ID+"/resend", url.Values{"back": {"/admin/invitations?state=sent"}})
		want(t, r, 303, "/admin/invitations?state=sent")
		r = b.get(r.Location())
		says(t, r, "A new invitation was sent to "+u.Name())
		second := f.invitationsToken(u)
		if second == "" || second == first {
			t.Fatalf("no new invitation mail: %q", second)
		}
		if n := len(f.invitationsMails(u.Email)); n != 2 {
			t.Errorf("%d mails to %s, want 2", n, u.Email)
		}
		if _, err := f.svc.OpenInvitation(f.ctx, first); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("old link still opens: %v", err)
		}
		if _, err := f.svc.OpenInvitation(f.ctx, second); err != nil {
			t.Errorf("new link refused: %v", err)
		}
		if !strings.Contains(b.get("/admin/invitations").Body, `data-label="Sent by">`+f.owner.Name()+`<`) {
			t.Error("the list does not say who sent the invitation")
		}
		if !f.invitationsAudited("invitation.resend", u.ID) {
			t.Error("resend not audited")
		}
		// A user who is not pending is refused, and nothing is mailed.
		act := f.user("Active", "", "")
		before := len(f.invitationsMails(act.Email))
		r = b.post("/admin/invitations/"+act.ID+"/resend", nil)
		want(t, r, 409, "")
		if n := len(f.invitationsMails(act.Email)); n != before {
			t.Errorf("%d mails to an active user, had %d", n, before)
		}
	})
}

func TestInvitationsRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Vera")
		token := f.invitationsToken(u)
		b := f.browser()
		want(t, b.get("/invite/"+token), 200, "")
		ob := f.ownerBrowser()

		// Without confirmation: the question, and nothing changes.
		r := ob.post("/admin/invitations/"+u.ID+"/revoke", url.Values{})
		want(t, r, 200, "")
		says(t, r, "Revoke the invitation", "Revoke invitation")
		if _, err := f.svc.OpenInvitation(f.ctx, token); err != nil {
			t.Fatalf("unconfirmed revoke voided the link: %v", err)
		}
		r = ob.post("/admin/invitations/"+u.ID+"/revoke", url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/invitations")
		says(t, ob.get(r.Location()), "The invitation of "+u.Name()+" was revoked.")
		if r := b.get("/invite/" + token); r.Code == 200 && strings.Contains(r.Body, "password") && !strings.Contains(text(r.Body), "may have expired") {
			t.Errorf("revoked link still opens: %s", r)
		}
		if _, err := f.svc.OpenInvitation(f.ctx, token); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("revoked link opens: %v", err)
		}
		if f.reload(u).Status != directory.StatusPending {
			t.Error("revoke changed the status")
		}
		if !f.invitationsAudited("invitation.revoke", u.ID) {
			t.Error("revoke not audited")
		}
		// Nothing left to revoke.
		want(t, ob.post("/admin/invitations/"+u.ID+"/revoke", url.Values{"confirmed": {"yes"}}), 409, "")
	})
}

func TestInvitationsPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Paul")
		token := f.invitationsToken(u)
		staff := f.user("Stan", "staff", "")
		b := f.signedIn(staff)
		want(t, b.get("/admin/invitations"), 403, "")
		want(t, b.get("/admin/invitations/bulk"), 403, "")
		want(t, b.post("/admin/invitations/"+u.ID+"/resend", nil), 403, "")
		want(t, b.post("/admin/invitations/"+u.ID+"/revoke", url.Values{"confirmed": {"yes"}}), 403, "")
		r := b.post("/admin/invitations/bulk", url.Values{"emails": {"x@example.org"}})
		want(t, r, 403, "")
		if _, err := f.svc.OpenInvitation(f.ctx, token); err != nil {
			t.Errorf("refused actions changed the invitation: %v", err)
		}
		if _, err := f.e.DB.UserByField(f.ctx, f.org.ID, "email", "x@example.org"); err == nil {
			t.Error("refused bulk invite added a user")
		}

		// A site supervisor sees the pending users of their site only.
		north, south := f.site("North"), f.site("South")
		sup := f.user("Sue", "supervisor", north.ID)
		inNorth, inSouth := f.pending("Nell"), f.pending("Sid")
		f.grant(inNorth, "basic", north.ID)
		f.grant(inSouth, "basic", south.ID)
		sb := f.signedIn(sup)
		r = sb.get("/admin/invitations")
		want(t, r, 200, "")
		says(t, r, inNorth.Name())
		silent(t, r, inSouth.Name())
		want(t, sb.post("/admin/invitations/"+inSouth.ID+"/resend", nil), 404, "")
	})
}

func TestInvitationsBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		site := f.site("East")
		existing := f.user("Ezra", "", "")
		staff, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "staff")
		if err != nil {
			t.Fatal(err)
		}
		b := f.ownerBrowser()
		r := b.get("/admin/invitations/bulk")
		want(t, r, 200, "")
		says(t, r, "Invite many people", "Addresses", "Role", "Units", "Require MFA")
		if !strings.Contains(r.Body, `<label for="unit_ids">`) || !strings.Contains(r.Body, site.Name) {
			t.Error("no units to choose")
		}

		emails := "amy.new@example.org, bob.new@example.org;\namy.new@example.org not-an-address " + existing.Email
		r = b.post("/admin/invitations/bulk", url.Values{"emails": {emails}, "role_id": {staff.ID},
			"unit_ids": {site.ID}, "require_mfa": {"yes"}})
		want(t, r, 200, "")
		says(t, r, "Results", "2 of 5 addresses invited", "Invited", "Repeated in the list", "Invalid address",
			"Already a user", "amy.new@example.org", "not-an-address", existing.Name())
		if !hasLink(r.Body, "/admin/users/"+existing.ID) {
			t.Error("no link to the existing user")
		}
		for _, addr := range []string{"amy.new@example.org", "bob.new@example.org"} {
			u, err := f.e.DB.UserByField(f.ctx, f.org.ID, "email", addr)
			if err != nil {
				t.Fatalf("%s not added: %v", addr, err)
			}
			if u.Status != directory.StatusPending || !u.MFARequired {
				t.Errorf("%s: status %s, MFA %v", addr, u.Status, u.MFARequired)
			}
			if f.invitationsToken(u) == "" {
				t.Errorf("%s got no invitation", addr)
			}
			if !f.invitationsAudited("user.create", u.ID) {
				t.Errorf("%s: no user.create event", addr)
			}
		}
		if _, err := f.e.DB.UserByField(f.ctx, f.org.ID, "email", "not-an-address"); err == nil {
			t.Error("an invalid address was added")
		}
		pending, err := f.e.DB.ListUsers(f.ctx, f.org.ID, store.UserFilter{Statuses: []directory.Status{directory.StatusPending}, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending.Users) != 2 {
			t.Errorf("%d pending users, want 2", len(pending.Users))
		}
	})
}

func TestInvitationsBulkErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.post("/admin/invitations/bulk", url.Values{"emails": {"kept.value@example.org"}, "require_mfa": {"yes"}})
		want(t, r, 422, "")
		says(t, r, "There is a problem", "Role no such role")
		if !strings.Contains(r.Body, `id="role_id-error"`) || !strings.Contains(r.Body, "kept.value@example.org") ||
			!strings.Contains(r.Body, `name="require_mfa" value="yes" checked`) {
			t.Errorf("error not beside the field or values lost: %s", r)
		}
		var many strings.Builder
		for i := 0; i < 1001; i++ {
			many.WriteString("p" + randHex(2) + "@example.org\n")
		}
		staff, _ := f.e.DB.RoleByKey(f.ctx, f.org.ID, "staff")
		r = b.post("/admin/invitations/bulk", url.Values{"emails": {many.String()}, "role_id": {staff.ID}})
		want(t, r, 422, "")
		says(t, r, "at most 1000")
		if !strings.Contains(r.Body, `id="emails-error"`) || !strings.Contains(r.Body, `selected>Staff`) {
			t.Errorf("error not beside the field or role lost")
		}
		pending, err := f.e.DB.ListUsers(f.ctx, f.org.ID, store.UserFilter{Statuses: []directory.Status{directory.StatusPending}, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending.Users) != 0 {
			t.Errorf("a refused bulk invitation added %d users", len(pending.Users))
		}
	})
}
