package admin_test

import (
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestTOTPEnrolment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		s := f.mustSignIn(u)
		st := f.resolve(s.Secret)
		en, err := f.svc.StartTOTP(f.ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if en.Secret == "" || !strings.HasPrefix(en.URL, "otpauth://totp/") || len(en.QRPNG) == 0 {
			t.Errorf("enrolment %q %q, %d bytes of QR code", en.Secret, en.URL, len(en.QRPNG))
		}
		pending, err := f.svc.PendingTOTP(f.ctx, st)
		if err != nil || pending == nil || pending.Secret != en.Secret {
			t.Errorf("PendingTOTP = %+v, %v; want the same key", pending, err)
		}
		// Not enrolled until confirmed: sign-in still takes the password alone.
		if f.mustSignIn(u).NeedsSecondFactor {
			t.Fatal("an unconfirmed authenticator is asked for")
		}
		// A wrong code is refused on its field and does not count.
		_, _, err = f.svc.ConfirmTOTP(f.ctx, st, wrongCode(f.totpCode(en.Secret)))
		wantKind(t, err, directory.KindInvalid)
		if got := fieldErrors(err); len(got) != 1 || got[0].Field != "code" {
			t.Errorf("field errors %+v, want code", got)
		}
		if got := f.reload(u.ID).FailedAttempts; got != 0 {
			t.Errorf("a wrong confirmation code counted: %d", got)
		}

		before := f.eventIDs()
		confirmCode := f.totpCode(en.Secret)
		codes, fresh, err := f.svc.ConfirmTOTP(f.ctx, st, confirmCode)
		if err != nil {
			t.Fatal(err)
		}
		f.oneEvent(before, "user.mfa_enrol")
		seen := map[string]bool{}
		for _, c := range codes {
			seen[c] = true
		}
		if len(codes) != 10 || len(seen) != 10 {
			t.Errorf("recovery codes %q, want ten different ones", codes)
		}
		if got := f.reload(u.ID); got.MFAEnrolledAt.IsZero() {
			t.Error("not enrolled after ConfirmTOTP")
		}
		stFresh := f.resolve(fresh)
		if n, err := f.svc.RecoveryCodesLeft(f.ctx, stFresh); err != nil || n != 10 {
			t.Errorf("RecoveryCodesLeft = %d, %v", n, err)
		}
		_, err = f.svc.StartTOTP(f.ctx, stFresh)
		wantKind(t, err, directory.KindConflict)
		if p, err := f.svc.PendingTOTP(f.ctx, stFresh); err != nil || p != nil {
			t.Errorf("PendingTOTP after enrolment = %+v, %v", p, err)
		}

		// Sign-in now owes a second factor, and counts as a sign-in only
		// once it is given.
		lastBefore := f.reload(u.ID).LastSignInAt
		f.clock.Advance(totpStep)
		half := f.mustSignIn(u)
		if !half.NeedsSecondFactor || half.Session.Stage != directory.StagePassword {
			t.Fatalf("sign-in of an enrolled user: %+v", half)
		}
		gated := f.resolve(half.Secret)
		if gated.Gate != admin.GateSecondFactor || gated.Actor.Can("users.view") {
			t.Errorf("gate %q; the actor can view users: %v", gated.Gate, gated.Actor.Can("users.view"))
		}
		if got := f.reload(u.ID).LastSignInAt; !got.Equal(lastBefore) {
			t.Errorf("a sign-in that owes a second factor was recorded at %v", got)
		}
		// The code that confirmed the set-up does not sign anyone in.
		_, err = f.svc.SecondFactor(f.ctx, half.Secret, confirmCode, client)
		wantKind(t, err, directory.KindUnauthorized)
		before = f.eventIDs()
		done, err := f.svc.SecondFactor(f.ctx, half.Secret, f.totpCode(en.Secret), client)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.reload(u.ID); !got.LastSignInAt.Equal(f.clock.Now()) || got.FailedAttempts != 0 {
			t.Errorf("after the second factor: last sign-in %v, failed %d", got.LastSignInAt, got.FailedAttempts)
		}
		if m := signInMethod(f.oneEvent(before, "session.sign_in")); m != "password+totp" {
			t.Errorf("sign-in method %v", m)
		}
		if st := f.resolve(done.Secret); st.Gate != "" {
			t.Errorf("gate %q after the second factor", st.Gate)
		}
		// A full session owes nothing.
		_, err = f.svc.SecondFactor(f.ctx, done.Secret, f.totpCode(en.Secret), client)
		wantKind(t, err, directory.KindConflict)
	})
}

func TestTOTPReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		totp, _ := f.enrol(u)
		early := f.totpCode(totp)
		if _, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, early, client); err != nil {
			t.Fatal(err)
		}
		// The same code again, in the same time step.
		_, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, early, client)
		wantKind(t, err, directory.KindUnauthorized)

		f.clock.Advance(totpStep)
		if _, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, f.totpCode(totp), client); err != nil {
			t.Fatal(err)
		}
		// The code of the earlier step, after a later one was used.
		_, err = f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, early, client)
		wantKind(t, err, directory.KindUnauthorized)
		// One code in two sessions: the first one uses it up.
		f.clock.Advance(totpStep)
		code := f.totpCode(totp)
		a, b := f.mustSignIn(u), f.mustSignIn(u)
		_, errA := f.svc.SecondFactor(f.ctx, a.Secret, code, client)
		_, errB := f.svc.SecondFactor(f.ctx, b.Secret, code, client)
		if (errA == nil) == (errB == nil) {
			t.Errorf("one code in two sessions: %v, %v; want exactly one success", errA, errB)
		}
	})
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		_, codes := f.enrol(u)
		before := f.eventIDs()
		done, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, codes[0], client)
		if err != nil {
			t.Fatal(err)
		}
		if m := signInMethod(f.oneEvent(before, "session.sign_in")); m != "password+recovery_code" {
			t.Errorf("sign-in method %v", m)
		}
		if n, err := f.svc.RecoveryCodesLeft(f.ctx, f.resolve(done.Secret)); err != nil || n != 9 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 9", n, err)
		}
		_, err = f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, codes[0], client)
		wantKind(t, err, directory.KindUnauthorized)
		if _, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, codes[1], client); err != nil {
			t.Errorf("another recovery code: %v", err)
		}
		// Recovery codes of another user are not this user's.
		v := f.userWith("")
		_, theirs := f.enrol(v)
		_, err = f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, theirs[0], client)
		wantKind(t, err, directory.KindUnauthorized)
	})
}

func TestResetMFA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		admUser, adm := f.actorWith("administrator", nil)
		_, mgr := f.actorWith("manager", nil)
		u := f.userWith("staff")
		totp, _ := f.enrol(u)
		s, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, f.totpCode(totp), client)
		if err != nil {
			t.Fatal(err)
		}

		_, err = f.svc.ResetMFA(f.ctx, mgr, admUser.ID)
		if k := directory.KindOf(err); k != directory.KindForbidden && k != directory.KindNotFound {
			t.Errorf("a manager resets an administrator's MFA: %v", err)
		}
		_, err = f.svc.ResetMFA(f.ctx, adm, admUser.ID)
		wantKind(t, err, directory.KindConflict)

		before := f.eventIDs()
		got, err := f.svc.ResetMFA(f.ctx, adm, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := f.oneEvent(before, "user.mfa_reset")
		if ev.ActorID != adm.UserID || ev.TargetID != u.ID {
			t.Errorf("event %+v", ev)
		}
		if !got.MFAEnrolledAt.IsZero() || !f.reload(u.ID).MFAEnrolledAt.IsZero() {
			t.Error("still enrolled after ResetMFA")
		}
		if n, err := f.db.RecoveryCodesLeft(f.ctx, f.org.ID, u.ID); err != nil || n != 0 {
			t.Errorf("%d recovery codes left, %v", n, err)
		}
		f.sessionEnded("after ResetMFA", s.Secret)
		if ms := f.mails("mfa_reset", u.Email); len(ms) != 1 {
			t.Errorf("%d mfa_reset mails, want 1", len(ms))
		}
		if f.mustSignIn(u).NeedsSecondFactor {
			t.Error("a second factor is owed after ResetMFA")
		}
		_, err = f.svc.ResetMFA(f.ctx, adm, u.ID)
		wantKind(t, err, directory.KindConflict)

		// When MFA is required of the user, they enrol again.
		if _, err := f.svc.SetMFARequired(f.ctx, adm, u.ID, true, 0); err != nil {
			t.Fatal(err)
		}
		if st := f.resolve(f.mustSignIn(u).Secret); st.Gate != admin.GateEnrolMFA {
			t.Errorf("gate %q, want %q", st.Gate, admin.GateEnrolMFA)
		}
	})
}

// TestMFARequiredGate checks that a user of whom MFA is required, and who
// has none, can do nothing but enrol.
func TestMFARequiredGate(t *testing.T) {
	requirements := []struct {
		name    string
		require func(f *signinFixture, u *directory.User)
	}{
		{"by the user's checkbox", func(f *signinFixture, u *directory.User) {
			if _, err := f.svc.SetMFARequired(f.ctx, f.op, u.ID, true, 0); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"by the role", func(f *signinFixture, u *directory.User) {
			r, err := f.svc.CreateRole(f.ctx, f.op, admin.RoleInput{Name: "Clinician " + randHex(2), Level: 30, MFARequired: true})
			if err != nil {
				f.t.Fatal(err)
			}
			if err := f.db.CreateGrant(f.ctx, &directory.Grant{ID: "g-" + randHex(8), OrgID: f.org.ID, UserID: u.ID,
				RoleID: r.ID, CreatedAt: f.clock.Now()}); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"by the organization", func(f *signinFixture, _ *directory.User) {
			f.policy(func(p *directory.SecurityPolicy) { p.MFARequired = true })
		}},
	}
	for _, r := range requirements {
		t.Run(r.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
				f := newSignin(t, e)
				u := f.userWith("manager")
				g := f.grant(u, "staff")
				target := f.userWith("staff")
				r.require(f, u)
				s := f.mustSignIn(u)
				if s.NeedsSecondFactor {
					t.Fatal("a second factor is owed by a user without one")
				}
				st := f.resolve(s.Secret)
				if st.Gate != admin.GateEnrolMFA {
					t.Fatalf("gate %q, want %q", st.Gate, admin.GateEnrolMFA)
				}
				if st.Actor.Can("users.view") || st.Actor.Role != nil {
					t.Error("the gated actor acts through a grant")
				}
				_, err := f.svc.ListUsers(f.ctx, st.Actor, store.UserFilter{Limit: 10})
				wantKind(t, err, directory.KindForbidden)
				_, err = f.svc.ChooseGrant(f.ctx, st, g.ID)
				wantKind(t, err, directory.KindForbidden)
				_, err = f.svc.ChangeOwnPassword(f.ctx, st, testPassword, newPassword)
				wantKind(t, err, directory.KindForbidden)
				_, err = f.svc.StartImpersonation(f.ctx, st, target.ID, testPassword, "looking")
				wantKind(t, err, directory.KindForbidden)
				_, err = f.svc.RegenerateRecoveryCodes(f.ctx, st, testPassword)
				wantKind(t, err, directory.KindForbidden)
				if st := f.resolve(s.Secret); st.Gate != admin.GateEnrolMFA {
					t.Fatalf("gate %q after refused calls", st.Gate)
				}

				_, _, fresh := f.enrolSession(st)
				f.sessionEnded("the gated secret", s.Secret)
				if st := f.resolve(fresh); st.Gate != "" || !st.Actor.Can("users.view") {
					t.Errorf("after enrolling: gate %q, can view %v", st.Gate, st.Actor.Can("users.view"))
				}
				if got := f.reload(u.ID).FailedAttempts; got != 0 {
					t.Errorf("failed attempts %d", got)
				}
			})
		})
	}
}

// TestGatedSessionMintsNoToken checks that a session that still owes
// something (a second factor, a new password, an authenticator) cannot get
// around it by minting itself an API token.
func TestGatedSessionMintsNoToken(t *testing.T) {
	gates := []struct {
		gate  string
		reach func(f *signinFixture, u *directory.User) *admin.SessionState
	}{
		{admin.GateSecondFactor, func(f *signinFixture, u *directory.User) *admin.SessionState {
			f.enrol(u)
			return f.resolve(f.mustSignIn(u).Secret)
		}},
		{admin.GateChangePassword, func(f *signinFixture, u *directory.User) *admin.SessionState {
			if err := f.setTemporary(u, newPassword); err != nil {
				f.t.Fatal(err)
			}
			return f.resolve(f.mustSignInWith(u, newPassword).Secret)
		}},
		{admin.GateEnrolMFA, func(f *signinFixture, u *directory.User) *admin.SessionState {
			if _, err := f.svc.SetMFARequired(f.ctx, f.op, u.ID, true, 0); err != nil {
				f.t.Fatal(err)
			}
			return f.resolve(f.mustSignIn(u).Secret)
		}},
	}
	for _, g := range gates {
		t.Run(g.gate, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
				f := newSignin(t, e)
				u := f.userWith("administrator")
				st := g.reach(f, u)
				if st.Gate != g.gate {
					t.Fatalf("gate %q, want %q", st.Gate, g.gate)
				}
				_, secret, err := f.svc.CreateToken(f.ctx, st.Actor, admin.TokenInput{Name: "way around"})
				if directory.KindOf(err) != directory.KindForbidden {
					a, aerr := f.svc.AuthenticateToken(f.ctx, secret, "", "")
					t.Errorf("CreateToken through a session gated by %s: %v, want KindForbidden; the token authenticates: %v (%v), can view users: %v",
						g.gate, err, aerr == nil, aerr, aerr == nil && a.Can("users.view"))
				}
			})
		})
	}
}

// signInMethod is the method a session.sign_in event records.
func signInMethod(ev *directory.AuditEvent) any {
	for _, c := range ev.Changes {
		if c.Field == "method" {
			return c.After
		}
	}
	return nil
}
