package admin_test

import (
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestSignInStartsNewSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		a, b := f.mustSignIn(u), f.mustSignIn(u)
		if a.Session.ID == b.Session.ID || a.Secret == b.Secret || a.Secret == "" {
			t.Fatalf("two sign-ins share a session: %s/%s, %q/%q", a.Session.ID, b.Session.ID, a.Secret, b.Secret)
		}
		if a.NeedsSecondFactor || a.Session.Stage != directory.StageFull || a.User.ID != u.ID {
			t.Errorf("session start %+v", a)
		}
		for _, s := range []*admin.SessionStart{a, b} {
			st := f.resolve(s.Secret)
			if st.Session.ID != s.Session.ID || st.User.ID != u.ID || st.Gate != "" || st.Target != nil ||
				st.Actor.UserID != u.ID || st.Actor.SessionID != s.Session.ID || st.Actor.Role == nil || st.Actor.Role.Key != "staff" {
				t.Errorf("resolved %+v, actor %+v", st, st.Actor)
			}
		}
		// The secret is not stored: the session's id is not a secret.
		f.sessionEnded("the session id as a secret", a.Session.ID)
		f.sessionEnded("a made-up secret", "rss_"+randHex(16))

		// MySessions lists both and marks the current one.
		st := f.resolve(b.Secret)
		list, err := f.svc.MySessions(f.ctx, st.Actor)
		if err != nil {
			t.Fatal(err)
		}
		current := map[string]bool{}
		for _, s := range list {
			current[s.ID] = s.Current
		}
		if len(list) != 2 || !current[b.Session.ID] || current[a.Session.ID] {
			t.Errorf("MySessions = %v, want both with %s current", current, b.Session.ID)
		}

		// EndMySession ends the other one; another user's is not found.
		if err := f.svc.EndMySession(f.ctx, st.Actor, a.Session.ID); err != nil {
			t.Fatal(err)
		}
		f.sessionEnded("after EndMySession", a.Secret)
		f.resolve(b.Secret)
		other := f.mustSignIn(f.userWith(""))
		wantKind(t, f.svc.EndMySession(f.ctx, st.Actor, other.Session.ID), directory.KindNotFound)
		f.resolve(other.Secret)

		// SignOut ends the session.
		if err := f.svc.SignOut(f.ctx, b.Secret, client); err != nil {
			t.Fatal(err)
		}
		f.sessionEnded("after SignOut", b.Secret)
	})
}

func TestSessionIdleTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		f.policy(func(p *directory.SecurityPolicy) { p.SessionIdleMinutes = 20 })
		u := f.userWith("")
		s := f.mustSignIn(u)
		f.clock.Advance(20*time.Minute - time.Second)
		f.resolve(s.Secret) // a request keeps it alive
		f.clock.Advance(20*time.Minute - time.Second)
		f.resolve(s.Secret)
		f.clock.Advance(20 * time.Minute)
		f.sessionEnded("idle for the idle timeout", s.Secret)
		// Ended for good, even if the clock went back.
		f.clock.Advance(-time.Hour)
		f.sessionEnded("after the idle timeout", s.Secret)
	})
}

func TestSessionLifetime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		f.policy(func(p *directory.SecurityPolicy) { p.SessionLifetimeHours = 2; p.SessionIdleMinutes = 30 })
		u := f.userWith("")
		s := f.mustSignIn(u)
		if want := f.clock.Now().Add(2 * time.Hour); !s.Session.ExpiresAt.Equal(want) {
			t.Errorf("session expires at %v, want %v", s.Session.ExpiresAt, want)
		}
		for range 5 { // busy for 1h55m
			f.clock.Advance(23 * time.Minute)
			f.resolve(s.Secret)
		}
		f.clock.Advance(5 * time.Minute)
		f.sessionEnded("past its lifetime although busy", s.Secret)
	})
}

// TestSessionRenewal checks that every change of a session's privilege
// gives it a new secret and voids the old one.
func TestSessionRenewal(t *testing.T) {
	renewals := []struct {
		name string
		// renew starts from a fresh organization and returns the old and
		// the new secret of a session.
		renew func(f *signinFixture) (old, fresh string)
	}{
		{"SecondFactor", func(f *signinFixture) (string, string) {
			u := f.userWith("")
			totp, _ := f.enrol(u)
			s := f.mustSignIn(u)
			done, err := f.svc.SecondFactor(f.ctx, s.Secret, f.totpCode(totp), client)
			if err != nil {
				f.t.Fatal(err)
			}
			if done.Session.ID != s.Session.ID || done.Session.Stage != directory.StageFull {
				f.t.Errorf("after SecondFactor: %+v", done.Session)
			}
			return s.Secret, done.Secret
		}},
		{"ChooseGrant", func(f *signinFixture) (string, string) {
			u := f.userWith("staff")
			g := f.grant(u, "supervisor")
			s := f.mustSignIn(u)
			st := f.resolve(s.Secret)
			if !st.ChooseGrant {
				f.t.Error("a user with two grants is not asked to choose")
			}
			fresh, err := f.svc.ChooseGrant(f.ctx, st, g.ID)
			if err != nil {
				f.t.Fatal(err)
			}
			if st := f.resolve(fresh); st.ChooseGrant || st.Actor.Grant == nil || st.Actor.Grant.ID != g.ID {
				f.t.Errorf("after ChooseGrant: choose %v, grant %+v", st.ChooseGrant, st.Actor.Grant)
			}
			return s.Secret, fresh
		}},
		{"ChangeOwnPassword", func(f *signinFixture) (string, string) {
			u := f.userWith("")
			s := f.mustSignIn(u)
			other := f.mustSignIn(u)
			fresh, err := f.svc.ChangeOwnPassword(f.ctx, f.resolve(s.Secret), testPassword, newPassword)
			if err != nil {
				f.t.Fatal(err)
			}
			f.sessionEnded("another session after a password change", other.Secret)
			return s.Secret, fresh
		}},
		{"ConfirmTOTP", func(f *signinFixture) (string, string) {
			u := f.userWith("")
			s := f.mustSignIn(u)
			_, _, fresh := f.enrolSession(f.resolve(s.Secret))
			return s.Secret, fresh
		}},
		{"StartImpersonation", func(f *signinFixture) (string, string) {
			target := f.userWith("staff")
			_, st := f.signedInAs("administrator")
			old := f.currentSecret(st)
			fresh, err := f.svc.StartImpersonation(f.ctx, st, target.ID, testPassword, "checking what they see")
			if err != nil {
				f.t.Fatal(err)
			}
			return old, fresh
		}},
		{"StopImpersonation", func(f *signinFixture) (string, string) {
			target := f.userWith("staff")
			_, st := f.signedInAs("administrator")
			started, err := f.svc.StartImpersonation(f.ctx, st, target.ID, testPassword, "checking what they see")
			if err != nil {
				f.t.Fatal(err)
			}
			fresh, err := f.svc.StopImpersonation(f.ctx, f.resolve(started))
			if err != nil {
				f.t.Fatal(err)
			}
			return started, fresh
		}},
	}
	for _, r := range renewals {
		t.Run(r.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
				f := newSignin(t, e)
				old, fresh := r.renew(f)
				if fresh == "" || fresh == old {
					t.Fatalf("new secret %q, old %q", fresh, old)
				}
				f.sessionEnded("the old secret", old)
				f.resolve(fresh)
			})
		})
	}
}

// currentSecret is the secret behind a resolved session: the tests keep
// the secret of each session they resolve.
func (f *signinFixture) currentSecret(st *admin.SessionState) string {
	f.t.Helper()
	s, ok := f.secrets[st.Session.ID]
	if !ok {
		f.t.Fatalf("no secret known for session %s", st.Session.ID)
	}
	return s
}

// TestAccessEnds checks that each way a user loses access ends their
// sessions and revokes their API tokens.
func TestAccessEnds(t *testing.T) {
	ends := []struct {
		name string
		end  func(f *signinFixture, u *directory.User, g *directory.Grant)
	}{
		{"disable", func(f *signinFixture, u *directory.User, _ *directory.Grant) {
			if _, err := f.svc.Disable(f.ctx, f.op, u.ID, 0); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"lock", func(f *signinFixture, u *directory.User, _ *directory.Grant) { f.lockOut(u) }},
		{"temporary password", func(f *signinFixture, u *directory.User, _ *directory.Grant) {
			if _, err := f.svc.ResetPassword(f.ctx, f.op, u.ID, admin.ResetInput{Method: admin.ResetByTemporary, Password: newPassword}); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"reset link used", func(f *signinFixture, u *directory.User, _ *directory.Grant) {
			if _, err := f.svc.CompleteReset(f.ctx, f.forgot(u), "", newPassword, client); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"last grant removed", func(f *signinFixture, u *directory.User, g *directory.Grant) {
			if err := f.svc.DeleteGrant(f.ctx, f.op, u.ID, g.ID); err != nil {
				f.t.Fatal(err)
			}
		}},
	}
	for _, end := range ends {
		t.Run(end.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
				f := newSignin(t, e)
				u := f.activeUser(nil)
				g := f.grant(u, "staff")
				s := f.mustSignIn(u)
				tok := f.token(u)
				f.resolve(s.Secret)
				if !f.tokenWorks(tok) {
					t.Fatal("the token does not work to begin with")
				}
				end.end(f, u, g)
				f.sessionEnded(end.name, s.Secret)
				if f.tokenWorks(tok) {
					t.Errorf("the API token still works after %s", end.name)
				}
			})
		})
	}
}

// TestGrantRemovalKeepsAccess checks that removing a grant other than the
// last one leaves the sessions and tokens alone.
func TestGrantRemovalKeepsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.activeUser(nil)
		g := f.grant(u, "staff")
		f.grant(u, "supervisor")
		s, tok := f.mustSignIn(u), f.token(u)
		if err := f.svc.DeleteGrant(f.ctx, f.op, u.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		f.resolve(s.Secret)
		if !f.tokenWorks(tok) {
			t.Error("removing one of two grants revoked the token")
		}
	})
}

func TestSignedInUserCannotBeDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		if u.HasSignedIn() {
			t.Fatal("a new user has signed in")
		}
		f.clock.Advance(time.Hour)
		first := f.clock.Now()
		f.mustSignIn(u)
		got := f.reload(u.ID)
		if !got.FirstSignInAt.Equal(first) || !got.LastSignInAt.Equal(first) {
			t.Errorf("first sign-in %v, last %v; want both %v", got.FirstSignInAt, got.LastSignInAt, first)
		}
		f.clock.Advance(time.Hour)
		f.mustSignIn(u)
		got = f.reload(u.ID)
		if !got.FirstSignInAt.Equal(first) || !got.LastSignInAt.Equal(f.clock.Now()) {
			t.Errorf("after a second sign-in: first %v (want %v), last %v (want %v)", got.FirstSignInAt, first,
				got.LastSignInAt, f.clock.Now())
		}
		_, err := f.svc.Delete(f.ctx, f.op, u.ID, 0)
		wantKind(t, err, directory.KindConflict)
		if f.reload(u.ID).Deleted() {
			t.Error("a signed-in user went to the recycle bin")
		}
	})
}

func TestEndUserSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		a, b := f.mustSignIn(u), f.mustSignIn(u)
		tok := f.token(u)
		other := f.mustSignIn(f.userWith("staff"))

		views, err := f.svc.UserSessions(f.ctx, f.op, u.ID)
		if err != nil || len(views) != 2 {
			t.Fatalf("UserSessions = %d sessions, %v; want 2", len(views), err)
		}
		before := f.eventIDs()
		n, err := f.svc.EndUserSessions(f.ctx, f.op, u.ID)
		if err != nil || n != 2 {
			t.Fatalf("EndUserSessions = %d, %v; want 2", n, err)
		}
		f.oneEvent(before, "user.end_sessions")
		f.sessionEnded("session a", a.Secret)
		f.sessionEnded("session b", b.Secret)
		f.resolve(other.Secret)
		if !f.tokenWorks(tok) {
			t.Error("EndUserSessions revoked the API token, which it leaves alone")
		}

		// A staff member may not end anyone's sessions.
		_, st := f.signedInAs("staff")
		_, err = f.svc.EndUserSessions(f.ctx, st.Actor, u.ID)
		wantKind(t, err, directory.KindForbidden)
	})
}
