package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

var inviteLinkRE = regexp.MustCompile(`/invite/(rsi_[A-Za-z0-9_\-]+)`)

// invitations returns the invitation mails to addr, newest first.
func (f *fixture) invitations(addr string) []*directory.Mail {
	f.t.Helper()
	var out []*directory.Mail
	for _, m := range f.mails() {
		if m.Kind == "invitation" && strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// inviteSecret reads the secret of the invitation link in a mail.
func inviteSecret(t *testing.T, m *directory.Mail) string {
	t.Helper()
	match := inviteLinkRE.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("mail %q holds no /invite/ link:\n%s", m.Subject, m.Text)
	}
	return match[1]
}

// linkWorks reports whether an invitation secret still opens.
func (f *fixture) linkWorks(secret string) bool {
	f.t.Helper()
	_, err := f.svc.OpenInvitation(context.Background(), secret)
	if err != nil && directory.KindOf(err) != directory.KindNotFound {
		f.t.Fatalf("OpenInvitation: %v", err)
	}
	return err == nil
}

// newestEvent returns the newest audit event of action on target, or nil.
func (f *fixture) newestEvent(action, target string) *directory.AuditEvent {
	for _, e := range f.auditEvents() {
		if e.Action == action && e.TargetID == target {
			return e
		}
	}
	return nil
}

func TestInvitationOnCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.createUser(nil)
		ms := f.invitations(u.Email)
		if len(ms) != 1 {
			t.Fatalf("%d invitation mails, want 1", len(ms))
		}
		if !strings.Contains(ms[0].Text, "/invite/") || !strings.Contains(ms[0].Text, "24 hours") {
			t.Errorf("invitation mail:\n%s", ms[0].Text)
		}
		secret := inviteSecret(t, ms[0])
		if !f.linkWorks(secret) {
			t.Error("the mailed link does not open")
		}
		inv := u.Invitation
		if inv == nil || inv.State != "sent" || inv.SentAt == nil || inv.ExpiresAt == nil || inv.ExpiresAt.Sub(*inv.SentAt) != 24*time.Hour {
			t.Fatalf("invitation %+v", inv)
		}
		// Sending is part of adding the user: one operation, one event.
		ev := f.newestEvent("user.create", u.ID)
		if ev == nil || changesOf(ev)["invitation.sent_to"].After != u.Email || changesOf(ev)["invitation"].After != "sent" {
			t.Errorf("user.create event %+v", ev)
		}
		if got := f.getUser(u.ID).Invitation; got == nil || got.State != "sent" {
			t.Errorf("GET shows invitation %+v", got)
		}
		// The answer never holds the link.
		noSecret(t, "user", f.do("GET", "users/"+u.ID, nil).Body, secret)

		// The administrator may choose not to invite.
		quiet := f.createUser(map[string]any{"send_invitation": false})
		if n := len(f.invitations(quiet.Email)); n != 0 {
			t.Errorf("%d invitation mails with send_invitation false", n)
		}
		if quiet.Invitation == nil || quiet.Invitation.State != "never" {
			t.Errorf("invitation %+v, want never", quiet.Invitation)
		}
		// Nor is anyone without an email invited, unless asked (422).
		named := f.createUser(map[string]any{"email": nil, "username": "no.mail." + randHex(2)})
		if named.Invitation == nil || named.Invitation.State != "never" {
			t.Errorf("invitation of a user without email %+v", named.Invitation)
		}
		wantProblem(t, f.do("POST", "users", map[string]any{"first_name": "A", "last_name": "B", "username": "x" + randHex(3),
			"send_invitation": true}), http.StatusUnprocessableEntity, "body.email")
		// Once active, the user shows the accepted invitation? Only when
		// accepted through it: an operator's password voids it instead.
		f.activate(u)
		if got := f.getUser(u.ID); got.Invitation != nil {
			t.Errorf("an activated user shows invitation %+v", got.Invitation)
		}
		if f.linkWorks(secret) {
			t.Error("the link still works after the operator set the password")
		}
	})
}

func TestResendInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.createUser(nil)
		old := inviteSecret(t, f.invitations(u.Email)[0])
		f.clock.Advance(time.Hour)
		got := must[user](t, f.do("POST", "users/"+u.ID+"/resend-invitation", nil), http.StatusOK)
		f.wantEvent("invitation.resend", u.ID)
		ms := f.invitations(u.Email)
		if len(ms) != 2 {
			t.Fatalf("%d invitation mails, want 2", len(ms))
		}
		fresh := inviteSecret(t, ms[0])
		if fresh == old || f.linkWorks(old) || !f.linkWorks(fresh) {
			t.Errorf("after a resend: old works %v, new works %v", f.linkWorks(old), f.linkWorks(fresh))
		}
		if got.Invitation == nil || got.Invitation.State != "sent" || !got.Invitation.SentAt.After(*u.Invitation.SentAt) {
			t.Errorf("invitation after resend %+v (before %+v)", got.Invitation, u.Invitation)
		}
		// Only pending users are invited.
		f.activate(u)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/resend-invitation", nil), http.StatusConflict)
		// Without users.invite: 403.
		staff := f.activeUser("Stan", "Staff")
		must[map[string]any](t, f.do("POST", "users/"+staff.ID+"/grants", map[string]any{"role_id": f.roleID("staff")}), http.StatusCreated)
		other := f.createUser(nil)
		wantProblem(t, f.do("POST", "users/"+other.ID+"/resend-invitation", nil, as(f.tokenFor(staff.ID))...), http.StatusForbidden)
	})
}

func TestInvitationVoided(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		for _, c := range []struct {
			how, action string
			do          func(u *user) *response
		}{
			{"disable", "user.disable", func(u *user) *response { return f.do("POST", "users/"+u.ID+"/disable", nil) }},
			{"delete", "user.delete", func(u *user) *response { return f.do("DELETE", "users/"+u.ID, nil) }},
			{"reset-password create", "user.reset_password", func(u *user) *response {
				return f.do("POST", "users/"+u.ID+"/reset-password", map[string]any{"method": "create", "password": "a long pass phrase that will do"})
			}},
		} {
			u := f.createUser(nil)
			secret := inviteSecret(t, f.invitations(u.Email)[0])
			if r := c.do(u); r.Code != http.StatusOK {
				t.Fatalf("%s: %s", c.how, r)
			}
			if f.linkWorks(secret) {
				t.Errorf("%s: the invitation still works", c.how)
			}
			// The void is recorded in the event of the operation that caused it.
			ev := f.wantEvent(c.action, u.ID)
			if ch := changesOf(ev)["invitation"]; ch.Before != "sent" || ch.After != "void" {
				t.Errorf("%s: %s event records invitation %v", c.how, c.action, ch)
			}
		}
		// A disabled and re-enabled user is pending again, with an
		// invitation that no longer works, until it is resent.
		u := f.createUser(nil)
		must[user](t, f.do("POST", "users/"+u.ID+"/disable", nil), http.StatusOK)
		back := must[user](t, f.do("POST", "users/"+u.ID+"/enable", nil), http.StatusOK)
		if back.Status != "pending" || back.Invitation == nil || back.Invitation.State != "expired" {
			t.Errorf("re-enabled user: status %s invitation %+v", back.Status, back.Invitation)
		}
	})
}

func TestInvitationFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		tag := "zq" + randHex(4)
		mk := func(name string, invite bool) *user {
			return f.createUser(map[string]any{"last_name": tag, "first_name": name, "send_invitation": invite})
		}
		expired := mk("Expired", true)
		f.clock.Advance(25 * time.Hour)
		sent := mk("Sent", true)
		never := mk("Never", false)
		accepted := mk("Active", true)
		f.activate(accepted)
		for state, want := range map[string][]string{"sent": {sent.ID}, "expired": {expired.ID}, "never": {never.ID}} {
			l := must[userList](t, f.do("GET", "users?q="+tag+"&invitation="+state, nil), http.StatusOK)
			var ids []string
			for _, it := range l.Items {
				ids = append(ids, it.ID)
				if it.Invitation == nil || it.Invitation.State != state {
					t.Errorf("%s: item %s shows %+v", state, it.FirstName, it.Invitation)
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(want) || l.Total != len(want) {
				t.Errorf("invitation=%s: %v (total %d), want %v", state, ids, l.Total, want)
			}
			// Without a search too (another path through the store).
			l = must[userList](t, f.do("GET", "users?status=pending&invitation="+state+"&limit=500", nil), http.StatusOK)
			if len(l.Items) != len(want) || l.Items[0].ID != want[0] {
				t.Errorf("invitation=%s without q: %d items", state, len(l.Items))
			}
		}
		wantProblem(t, f.do("GET", "users?invitation=lost", nil), http.StatusUnprocessableEntity)
	})
}

// bulkInvite posts a bulk invitation and returns its results by address.
func (f *fixture) bulkInvite(body map[string]any, token string) map[string]rest.BulkInviteResultJSON {
	f.t.Helper()
	res := must[struct {
		Results []rest.BulkInviteResultJSON `json:"results"`
	}](f.t, f.do("POST", "invitations/bulk", body, as(token)...), http.StatusOK)
	out := map[string]rest.BulkInviteResultJSON{}
	for _, r := range res.Results {
		key := r.Email
		if _, dup := out[key]; dup {
			key += "#2"
		}
		out[key] = r
	}
	return out
}

func TestBulkInvite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA := f.createUnit("Site A "+randHex(2), "site", "")
		siteB := f.createUnit("Site B "+randHex(2), "site", "")
		basic, staffRole := f.roleID("basic"), f.roleID("staff")
		existing := f.createUser(nil)
		// A user only site B's people see.
		hidden := f.createUser(nil)
		must[map[string]any](t, f.do("POST", "users/"+hidden.ID+"/grants", map[string]any{"role_id": basic, "unit_id": siteB.ID}), http.StatusCreated)

		n := randHex(3)
		jane, bob := "jane.roe."+n+"@example.org", "bob_"+n+"@Example.org"
		pasted := jane + ",\n" + bob + "; not-an-address  " + strings.ToUpper(jane) + "\r\n" + existing.Email + "," + hidden.Email
		res := f.bulkInvite(map[string]any{"emails": pasted, "role_id": basic, "unit_ids": []string{siteA.ID}}, f.token)
		if len(res) != 6 {
			t.Fatalf("%d results: %+v", len(res), res)
		}
		for addr, want := range map[string]string{jane: "invited", bob: "invited", "not-an-address": "invalid_address",
			strings.ToUpper(jane): "repeated", existing.Email: "already_a_user", hidden.Email: "already_a_user"} {
			if got := res[addr]; got.Outcome != want {
				t.Errorf("%s: %s (%s), want %s", addr, got.Outcome, got.Detail, want)
			}
		}
		if res[existing.Email].UserID != existing.ID {
			t.Errorf("already_a_user names %q, want %s", res[existing.Email].UserID, existing.ID)
		}
		u := f.getUser(res[jane].UserID)
		if u.Email != jane || u.FirstName != "Jane" || u.LastName != "Roe "+strings.ToUpper(n[:1])+n[1:] || u.Status != "pending" || u.Invitation.State != "sent" || u.MFARequired {
			t.Errorf("invited user %+v", u)
		}
		grants := must[struct {
			Items []map[string]any `json:"items"`
		}](t, f.do("GET", "users/"+u.ID+"/grants", nil), http.StatusOK)
		if len(grants.Items) != 1 || grants.Items[0]["unit_id"] != siteA.ID || grants.Items[0]["role_id"] != basic {
			t.Errorf("grants of an invited user: %v", grants.Items)
		}
		if len(f.invitations(jane)) != 1 || len(f.invitations(bob)) != 1 || len(f.invitations(existing.Email)) != 1 {
			t.Error("not one invitation mail per invited address (and none more to the existing user)")
		}
		if ev := f.newestEvent("user.create", u.ID); ev == nil || changesOf(ev)["grant.scope"].After != siteA.Name ||
			changesOf(ev)["invitation"].After != "sent" {
			t.Errorf("user.create event of an invited user: %+v", ev)
		}

		// A supervisor on site A (users.invite, level 40) invites inside
		// their scope and at or below their level, and nowhere else.
		sup := f.activeUser("Sue", "Supervisor")
		must[map[string]any](t, f.do("POST", "users/"+sup.ID+"/grants", map[string]any{"role_id": f.roleID("supervisor"), "unit_id": siteA.ID}), http.StatusCreated)
		supToken := f.tokenFor(sup.ID)
		inside := "inside." + n + "@example.org"
		res = f.bulkInvite(map[string]any{"emails": inside + " " + hidden.Email, "role_id": staffRole, "unit_ids": []string{siteA.ID}, "require_mfa": true}, supToken)
		if res[inside].Outcome != "invited" {
			t.Fatalf("supervisor inside their scope: %+v", res[inside])
		}
		// The existing user outside the supervisor's scope is told as taken,
		// without saying who holds the address.
		if h := res[hidden.Email]; h.Outcome != "already_a_user" || h.UserID != "" || strings.Contains(h.Detail, hidden.LastName) {
			t.Errorf("hidden user disclosed: %+v", h)
		}
		if got := f.getUser(res[inside].UserID); !got.MFARequired {
			t.Error("require_mfa did not require MFA of the invited user")
		}
		before := len(must[userList](t, f.do("GET", "users?limit=500", nil), http.StatusOK).Items)
		outside := "outside." + n + "@example.org"
		for what, body := range map[string]map[string]any{
			"a unit outside the scope": {"emails": outside, "role_id": basic, "unit_ids": []string{siteB.ID}},
			"inside and outside":       {"emails": outside, "role_id": basic, "unit_ids": []string{siteA.ID, siteB.ID}},
			"the whole organization":   {"emails": outside, "role_id": basic},
			"a role above the level":   {"emails": outside, "role_id": f.roleID("manager"), "unit_ids": []string{siteA.ID}},
		} {
			res = f.bulkInvite(body, supToken)
			if res[outside].Outcome != "not_allowed" || res[outside].UserID != "" {
				t.Errorf("%s: %+v", what, res[outside])
			}
		}
		after := must[userList](t, f.do("GET", "users?limit=500", nil), http.StatusOK).Items
		if len(after) != before {
			t.Errorf("%d users after refused invitations, want %d", len(after), before)
		}
		if len(f.invitations(outside)) != 0 {
			t.Error("a refused address was mailed")
		}

		// Request errors answer 422 and invite nobody.
		wantProblem(t, f.do("POST", "invitations/bulk", map[string]any{"emails": " ,; ", "role_id": basic}), http.StatusUnprocessableEntity, "body.emails")
		wantProblem(t, f.do("POST", "invitations/bulk", map[string]any{"emails": outside, "role_id": "nope"}), http.StatusUnprocessableEntity, "body.role_id")
		wantProblem(t, f.do("POST", "invitations/bulk", map[string]any{"emails": outside, "role_id": f.roleID("service_contact")}), http.StatusUnprocessableEntity, "body.role_id")
		many := make([]string, admin.MaxBulkInvitations+1)
		for i := range many {
			many[i] = fmt.Sprintf("p%d@example.org", i)
		}
		wantProblem(t, f.do("POST", "invitations/bulk", map[string]any{"emails": strings.Join(many, "\n"), "role_id": basic}), http.StatusUnprocessableEntity, "body.emails")
		if len(f.invitations(outside)) != 0 {
			t.Error("a refused request mailed someone")
		}
	})
}

// TestInvitationRefusedForLockedDisabledDeleted checks that an invitation
// link, like every other credential, is refused for a locked, disabled or
// deleted user, both to open and to accept, and that accepting changes
// nothing then.
func TestInvitationRefusedForLockedDisabledDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		for _, state := range []string{"locked", "disabled", "deleted"} {
			u := f.createUser(nil)
			secret := inviteSecret(t, f.invitations(u.Email)[0])
			switch state {
			case "locked":
				du, err := e.DB.User(ctx, f.org.ID, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				du.LockedAt, du.LockReason = f.clock.Now(), "too many failed sign-in attempts"
				if err := e.DB.UpdateUserState(ctx, du, du.Version); err != nil {
					t.Fatal(err)
				}
			case "disabled":
				must[user](t, f.do("POST", "users/"+u.ID+"/disable", nil), http.StatusOK)
			case "deleted":
				must[user](t, f.do("DELETE", "users/"+u.ID, nil), http.StatusOK)
			}
			if f.linkWorks(secret) {
				t.Errorf("%s: the invitation link still opens", state)
			}
			_, err := f.svc.AcceptInvitation(ctx, secret, "a fresh pass phrase for this", admin.Client{})
			if directory.KindOf(err) != directory.KindNotFound {
				t.Errorf("%s: accepting answered %v, want KindNotFound", state, err)
			}
			if got, err := e.DB.User(ctx, f.org.ID, u.ID); err != nil || got.HasPassword || got.Status == directory.StatusActive {
				t.Errorf("%s: accepting changed the user: %+v, %v", state, got, err)
			}
		}
	})
}
