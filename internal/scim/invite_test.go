package scim_test

import (
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestProvisioningInvite: with the organization's provisioning_invite on,
// each active user with an email that a client creates is mailed an
// invitation (and the create's audit event says so); inactive users, users
// without an email, and every user while the setting is off are not.
func TestProvisioningInvite(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		mailsTo := func(addr string) int {
			t.Helper()
			mails, err := e.DB.Mails(ctx(), f.org.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range mails {
				if m.To == addr {
					n++
				}
			}
			return n
		}
		email := func(addr string) map[string]any {
			return map[string]any{"emails": []any{map[string]any{"value": addr, "type": "work", "primary": true}}}
		}
		f.createUser("off", "Olive", "Off", email("off@example.org"))
		if n := mailsTo("off@example.org"); n != 0 {
			t.Fatalf("with the setting off, %d mails went out", n)
		}

		f.setPolicy(func(p *directory.SecurityPolicy) { p.ProvisioningInvite = true })
		doc := f.createUser("on", "Otto", "On", email("on@example.org"))
		if n := mailsTo("on@example.org"); n != 1 {
			t.Fatalf("with the setting on, %d invitations went out, want 1", n)
		}
		if doc["active"] != true {
			t.Errorf("the invited user is not active in SCIM's terms: %v", doc["active"])
		}
		inactive := email("idle@example.org")
		inactive["active"] = false
		f.createUser("idle", "Ida", "Idle", inactive)
		f.createUser("nomail", "Nora", "Nomail", nil)
		if n := mailsTo("idle@example.org"); n != 0 {
			t.Errorf("an inactive user was invited")
		}

		var invited bool
		for _, ev := range f.auditEvents() {
			if ev.Action == "user.create" && ev.TargetID == doc["id"] {
				for _, c := range ev.Changes {
					invited = invited || c.Field == "invitation"
				}
			}
		}
		if !invited {
			t.Errorf("the user.create event does not record the invitation")
		}
	})
}
