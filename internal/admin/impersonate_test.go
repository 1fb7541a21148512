package admin_test

import (
	"strings"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

const reason = "the user reports a screen they cannot see"

// impersonate starts an emulation of target through st and returns the
// resolved session that emulates.
func (f *signinFixture) impersonate(st *admin.SessionState, target *directory.User) *admin.SessionState {
	f.t.Helper()
	fresh, err := f.svc.StartImpersonation(f.ctx, st, target.ID, testPassword, reason)
	if err != nil {
		f.t.Fatalf("StartImpersonation: %v", err)
	}
	return f.resolve(fresh)
}

func TestImpersonation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		adm, st := f.signedInAs("administrator")
		target := f.userWith("manager")
		victim := f.userWith("staff")
		peer := f.userWith("administrator")
		owner := f.userWith(directory.OwnerRoleKey)

		start := func(id, password, why string) error {
			_, err := f.svc.StartImpersonation(f.ctx, st, id, password, why)
			return err
		}
		wantKind(t, start(peer.ID, testPassword, reason), directory.KindForbidden)
		wantKind(t, start(owner.ID, testPassword, reason), directory.KindForbidden)
		wantKind(t, start(adm.ID, testPassword, reason), directory.KindConflict)
		err := start(target.ID, testPassword, "  ")
		wantKind(t, err, directory.KindInvalid)
		if got := fieldErrors(err); len(got) != 1 || got[0].Field != "reason" {
			t.Errorf("field errors %+v, want reason", got)
		}
		err = start(target.ID, "not my password", reason)
		wantKind(t, err, directory.KindInvalid)
		if got := fieldErrors(err); len(got) != 1 || got[0].Field != "current_password" {
			t.Errorf("field errors %+v, want current_password", got)
		}
		if got := f.reload(adm.ID).FailedAttempts; got != 1 {
			t.Errorf("a wrong password before emulating did not count: %d", got)
		}
		if st := f.resolve(f.currentSecret(st)); st.Target != nil {
			t.Fatal("emulating after refusals")
		}

		before := f.eventIDs()
		em := f.impersonate(st, target)
		if em.Target == nil || em.Target.ID != target.ID || em.User.ID != adm.ID {
			t.Fatalf("emulating %+v as %+v", em.Target, em.User)
		}
		if em.Actor.UserID != target.ID || em.Actor.ImpersonatorID != adm.ID || em.Actor.Role == nil || em.Actor.Role.Key != "manager" {
			t.Errorf("actor %+v, role %+v", em.Actor, em.Actor.Role)
		}
		if em.Session.ImpersonationReason != reason || !em.Session.ImpersonationEndsAt.Equal(f.clock.Now().Add(30*time.Minute)) {
			t.Errorf("session reason %q, ends %v", em.Session.ImpersonationReason, em.Session.ImpersonationEndsAt)
		}
		ev := f.oneEvent(before, "user.impersonate_start")
		if ev.ActorID != adm.ID || ev.TargetID != target.ID || ev.ImpersonatorID != "" {
			t.Errorf("start event %+v", ev)
		}

		// What the emulated user does is theirs, on behalf of the real one.
		before = f.eventIDs()
		if _, err := f.svc.Disable(f.ctx, em.Actor, victim.ID, 0); err != nil {
			t.Fatal(err)
		}
		ev = f.oneEvent(before, "user.disable")
		if ev.ActorID != target.ID || ev.ImpersonatorID != adm.ID {
			t.Errorf("disable while emulating: actor %q, impersonator %q", ev.ActorID, ev.ImpersonatorID)
		}

		// Credentials and sessions are out of reach while emulating.
		other := f.userWith("staff")
		_, err = f.svc.ResetPassword(f.ctx, em.Actor, other.ID, admin.ResetInput{Method: admin.ResetByTemporary, Password: newPassword})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.ResetPassword(f.ctx, em.Actor, other.ID, admin.ResetInput{})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.ResetMFA(f.ctx, em.Actor, other.ID)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.ChangeOwnPassword(f.ctx, em, testPassword, newPassword)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.StartTOTP(f.ctx, em)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.ChooseGrant(f.ctx, em, "")
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.MySessions(f.ctx, em.Actor)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.StartImpersonation(f.ctx, em, victim.ID, testPassword, reason)
		wantKind(t, err, directory.KindConflict)
		if got := f.reload(adm.ID).FailedAttempts; got != 0 {
			t.Errorf("failed attempts %d", got)
		}

		before = f.eventIDs()
		back, err := f.svc.StopImpersonation(f.ctx, em)
		if err != nil {
			t.Fatal(err)
		}
		ev = f.oneEvent(before, "user.impersonate_stop")
		if ev.ActorID != adm.ID || ev.ImpersonatorID != "" {
			t.Errorf("stop event %+v", ev)
		}
		if st := f.resolve(back); st.Target != nil || st.Actor.UserID != adm.ID || st.Actor.ImpersonatorID != "" {
			t.Errorf("after stopping: target %+v, actor %+v", st.Target, st.Actor)
		}
		_, err = f.svc.StopImpersonation(f.ctx, f.resolve(back))
		wantKind(t, err, directory.KindConflict)
	})
}

func TestImpersonationNeedsPermissionAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		siteA, siteB := f.createUnit("Site A", "site", nil), f.createUnit("Site B", "site", nil)
		atA, atB := f.activeUser(nil), f.activeUser(nil)
		f.grantOn(atA, "staff", siteA, time.Time{})
		f.grantOn(atB, "staff", siteB, time.Time{})

		// A manager may manage staff but not emulate them.
		_, mgr := f.signedInAs("manager")
		_, err := f.svc.StartImpersonation(f.ctx, mgr, atA.ID, testPassword, reason)
		wantKind(t, err, directory.KindForbidden)

		// An administrator of site A emulates the staff of site A only.
		scoped := f.activeUser(nil)
		f.grantOn(scoped, "administrator", siteA, time.Time{})
		st := f.resolve(f.mustSignIn(scoped).Secret)
		_, err = f.svc.StartImpersonation(f.ctx, st, atB.ID, testPassword, reason)
		wantKind(t, err, directory.KindNotFound)
		if em := f.impersonate(st, atA); em.Actor.UserID != atA.ID {
			t.Errorf("emulating %s", em.Actor.UserID)
		}
	})
}

func TestImpersonationEndsByItself(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		f.policy(func(p *directory.SecurityPolicy) { p.ImpersonationMinutes = 10 })
		adm, st := f.signedInAs("administrator")
		target := f.userWith("staff")
		em := f.impersonate(st, target)
		secret := f.currentSecret(em)
		f.clock.Advance(10*time.Minute - time.Second)
		if st := f.resolve(secret); st.Actor.UserID != target.ID {
			t.Fatal("the emulation ended early")
		}
		f.clock.Advance(time.Second)
		before := f.eventIDs()
		after := f.resolve(secret)
		if after.Target != nil || after.Actor.UserID != adm.ID || after.Actor.ImpersonatorID != "" || after.Session.ImpersonatedID != "" {
			t.Fatalf("after the emulation time: target %+v, actor %+v", after.Target, after.Actor)
		}
		ev := f.oneEvent(before, "user.impersonate_stop")
		if ev.ActorID != adm.ID || ev.TargetID != target.ID {
			t.Errorf("stop event %+v", ev)
		}
		// Ended for good: the next request does not emulate either.
		if st := f.resolve(secret); st.Target != nil {
			t.Error("emulating again")
		}
	})
}

func TestImpersonationTurnedOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		adm, st := f.signedInAs("administrator")
		target := f.userWith("staff")
		em := f.impersonate(st, target)
		secret := f.currentSecret(em)

		f.policy(func(p *directory.SecurityPolicy) { p.ImpersonationDisabled = true })
		after := f.resolve(secret)
		if after.Target != nil || after.Actor.UserID != adm.ID {
			t.Fatalf("still emulating after the organization turned it off: %+v", after.Actor)
		}
		_, err := f.svc.StartImpersonation(f.ctx, after, target.ID, testPassword, reason)
		wantKind(t, err, directory.KindForbidden)
	})
}

// TestImpersonationTargetLosesAccess checks that an emulation ends when the
// emulated user is disabled or locked meanwhile.
func TestImpersonationTargetLosesAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		adm, st := f.signedInAs("administrator")
		target := f.userWith("staff")
		secret := f.currentSecret(f.impersonate(st, target))
		f.arrange(target, func(u *directory.User) { u.Status = directory.StatusInactive })
		if after := f.resolve(secret); after.Target != nil || after.Actor.UserID != adm.ID {
			t.Errorf("still emulating a disabled user: %+v", after.Actor)
		}
	})
}

// TestImpersonationMintsNoToken checks that an emulation, which ends by
// itself, cannot be made to outlast itself with an API token of the
// emulated user.
func TestImpersonationMintsNoToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		_, st := f.signedInAs("administrator")
		target := f.userWith("manager")
		em := f.impersonate(st, target)
		tok, secret, err := f.svc.CreateToken(f.ctx, em.Actor, admin.TokenInput{Name: "keep going"})
		if directory.KindOf(err) != directory.KindForbidden {
			f.clock.Advance(24 * time.Hour)
			t.Errorf("CreateToken while emulating: %v, want KindForbidden; token of user %v, still works a day later: %v",
				err, tok != nil && tok.UserID == target.ID, secret != "" && f.tokenWorks(secret))
		}
	})
}

// TestImpersonationNotice checks that the emulated user is mailed when the
// organization asks for it, and only then.
func TestImpersonationNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		_, st := f.signedInAs("administrator")
		quiet := f.userWith("staff")
		f.impersonate(st, quiet)
		if n := len(f.mails("impersonation", quiet.Email)); n != 0 {
			t.Errorf("%d impersonation notices with the setting off", n)
		}
		f.policy(func(p *directory.SecurityPolicy) { p.ImpersonationNotice = true })
		adm, st2 := f.signedInAs("administrator")
		told := f.userWith("staff")
		f.impersonate(st2, told)
		ms := f.mails("impersonation", told.Email)
		if len(ms) != 1 {
			t.Fatalf("%d impersonation notices, want 1", len(ms))
		}
		for _, want := range []string{adm.Name(), reason} {
			if !strings.Contains(ms[0].Text, want) || !strings.Contains(ms[0].HTML, want) {
				t.Errorf("the notice does not name %q:\n%s", want, ms[0].Text)
			}
		}
	})
}
