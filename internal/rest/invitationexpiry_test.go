package rest_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// expiredNotices returns the invitation_expired mails to addr, newest first.
func (f *fixture) expiredNotices(addr string) []*directory.Mail {
	f.t.Helper()
	var out []*directory.Mail
	for _, m := range f.mails() {
		if m.Kind == "invitation_expired" && strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// TestInvitationExpiry lets an invitation expire unused and checks that
// the administrator who sent it gets a fresh link, once per expiry, that
// the expiry is audited, and that accepted or voided invitations are left
// alone.
func TestInvitationExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		// Only this organization's invitations: other tests share the
		// database and run alongside.
		expire := func() {
			t.Helper()
			if _, err := f.svc.ExpireInvitations(ctx, f.org.ID); err != nil {
				t.Fatalf("ExpireInvitations: %v", err)
			}
		}
		pending := f.createUser(nil)
		accepted := f.createUser(nil)
		disabled := f.createUser(nil)
		old := inviteSecret(t, f.invitations(pending.Email)[0])
		if _, err := f.svc.AcceptInvitation(ctx, inviteSecret(t, f.invitations(accepted.Email)[0]), "a fresh pass phrase here", admin.Client{}); err != nil {
			t.Fatalf("AcceptInvitation: %v", err)
		}
		must[user](t, f.do("POST", "users/"+disabled.ID+"/disable", nil), http.StatusOK)

		expire()
		if n := len(f.expiredNotices(f.owner.Email)); n != 0 {
			t.Fatalf("%d expiry notices before anything expired", n)
		}
		f.clock.Advance(24*time.Hour + time.Minute)
		expire()
		notices := f.expiredNotices(f.owner.Email)
		if len(notices) != 1 || !strings.Contains(notices[0].Text, pending.Email) {
			t.Fatalf("expiry notices to the inviter: %d, want 1 about %s", len(notices), pending.Email)
		}
		fresh := inviteSecret(t, notices[0])
		if !f.linkWorks(fresh) || f.linkWorks(old) {
			t.Errorf("fresh link works: %v, old link works: %v", f.linkWorks(fresh), f.linkWorks(old))
		}
		if n := len(f.invitations(pending.Email)); n != 1 {
			t.Errorf("the invitee got %d invitation mails, want the first alone", n)
		}
		if ev := f.newestEvent("invitation.expire", pending.ID); ev == nil {
			t.Error("no invitation.expire audit event")
		}
		for _, u := range []*user{accepted, disabled} {
			if ev := f.newestEvent("invitation.expire", u.ID); ev != nil {
				t.Errorf("%s: an expiry was reported for an invitation that was accepted or voided", u.Email)
			}
		}
		// Once per expiry: running again reports nothing new; the fresh
		// link's own expiry is reported in its turn.
		expire()
		if n := len(f.expiredNotices(f.owner.Email)); n != 1 {
			t.Errorf("%d expiry notices after a second run, want still 1", n)
		}
		got := must[user](t, f.do("GET", "users/"+pending.ID, nil), http.StatusOK)
		if got.Invitation == nil || got.Invitation.State != "sent" {
			t.Errorf("after the fresh link the invitation is %+v, want sent", got.Invitation)
		}
		f.clock.Advance(24*time.Hour + time.Minute)
		expire()
		if n := len(f.expiredNotices(f.owner.Email)); n != 2 {
			t.Errorf("%d expiry notices after the fresh link expired, want 2", n)
		}
	})
}

// TestInvitationExpiryOnce runs the expiry from several goroutines at once
// (several instances on one database) and checks each expiry is reported
// once.
func TestInvitationExpiryOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		for range 12 {
			f.createUser(nil)
		}
		f.clock.Advance(25 * time.Hour)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := f.svc.ExpireInvitations(ctx, f.org.ID); err != nil {
					t.Errorf("ExpireInvitations: %v", err)
				}
			})
		}
		wg.Wait()
		if n := len(f.expiredNotices(f.owner.Email)); n != 12 {
			t.Errorf("%d expiry notices for 12 expired invitations", n)
		}
	})
}
