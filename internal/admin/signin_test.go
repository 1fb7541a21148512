package admin_test

import (
	"strings"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestSignInByUsernameOrEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		for _, login := range []string{u.Username, strings.ToUpper(u.Username), " " + u.Email + " ", strings.ToUpper(u.Email)} {
			st, err := f.svc.SignIn(f.ctx, admin.SignInInput{OrgID: f.org.ID, Login: login, Password: testPassword, Client: client})
			if err != nil {
				t.Errorf("SignIn(%q): %v", login, err)
				continue
			}
			if st.User.ID != u.ID || st.Session.UserID != u.ID || st.Session.OrgID != f.org.ID ||
				st.Session.IP != client.IP || st.Session.UserAgent != client.UserAgent {
				t.Errorf("SignIn(%q) = %+v", login, st.Session)
			}
		}
		// The password is not trimmed or folded.
		for _, pw := range []string{" " + testPassword, strings.ToUpper(testPassword), testPassword + " "} {
			f.refusedSignIn(u, pw)
		}
	})
}

// TestSignInRefusalsAreAlike checks that every refused sign-in gets the
// same answer and spends one password check, whether the account exists or
// not and whatever its state.
func TestSignInRefusalsAreAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		_, otherOp := f.newOrg()
		elsewhere, err := f.svc.CreateUser(f.ctx, otherOp, input())
		if err != nil {
			t.Fatal(err)
		}
		f.setPassword(elsewhere)
		locked := f.userWith("staff")
		f.lockOut(locked)
		soon := f.clock.Now().Add(time.Minute)
		accountEnds := f.activeUser(func(in *admin.UserInput) { in.ExpiresAt = soon })
		f.grant(accountEnds, "staff")
		grantEnds := f.activeUser(nil)
		f.grantUntil(grantEnds, "staff", soon)
		cases := []struct {
			name, login, password string
		}{
			{"unknown user", "nobody-" + randHex(3), testPassword},
			{"unknown email", "nobody-" + randHex(3) + "@example.org", testPassword},
			{"empty login", "", testPassword},
			{"overlong login", strings.Repeat("a", 10000), testPassword},
			{"wrong password", f.userWith("staff").Username, "not the password"},
			{"empty password", f.userWith("staff").Username, ""},
			{"locked", locked.Username, testPassword},
			{"disabled", f.arrange(f.userWith("staff"), func(u *directory.User) { u.Status = directory.StatusInactive }).Username, testPassword},
			{"pending", f.createUser(nil).Username, ""},
			{"deleted", f.arrange(f.userWith(""), func(u *directory.User) { u.DeletedAt = f.clock.Now() }).Username, testPassword},
			{"account expired", accountEnds.Username, testPassword},
			{"every grant ended", grantEnds.Username, testPassword},
			{"user of another organization", elsewhere.Username, testPassword},
		}
		f.clock.Advance(2 * time.Minute)
		for _, c := range cases {
			spent := f.hasher.spent()
			st, err := f.svc.SignIn(f.ctx, admin.SignInInput{OrgID: f.org.ID, Login: c.login, Password: c.password, Client: client})
			if !isSignInRefusal(err) || st != nil {
				t.Errorf("%s: %+v, %v; want ErrSignIn", c.name, st, err)
			}
			if n := f.hasher.spent() - spent; n != 1 {
				t.Errorf("%s: %d password checks, want 1", c.name, n)
			}
		}
	})
}

func TestSignInRecordsSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		before := f.eventIDs()
		s := f.mustSignIn(u)
		ev := f.oneEvent(before, "session.sign_in")
		if ev.ActorID != u.ID || ev.TargetID != s.Session.ID || ev.IP != client.IP || signInMethod(ev) != "password" {
			t.Errorf("sign-in event %+v", ev)
		}
		got := f.reload(u.ID)
		if !got.FirstSignInAt.Equal(f.clock.Now()) || !got.LastSignInAt.Equal(f.clock.Now()) || !got.HasSignedIn() {
			t.Errorf("first %v, last %v", got.FirstSignInAt, got.LastSignInAt)
		}
		_, err := f.svc.Delete(f.ctx, f.op, u.ID, 0)
		wantKind(t, err, directory.KindConflict)
		// A refused sign-in records nothing.
		before = f.eventIDs()
		f.clock.Advance(time.Hour)
		f.refusedSignIn(u, "wrong")
		if got := f.reload(u.ID); !got.LastSignInAt.Equal(f.clock.Now().Add(-time.Hour)) {
			t.Errorf("a refused sign-in moved the last sign-in to %v", got.LastSignInAt)
		}
		if evs := f.eventsOf(before, "session.sign_in"); len(evs) != 0 {
			t.Errorf("a refused sign-in wrote %d sign-in events", len(evs))
		}
	})
}

// TestCredentialPathsRefused takes a user who holds every credential (a
// password, an authenticator, recovery codes, a reset link, an API token,
// sessions), puts them in a state that may not sign in, and tries each
// credential.
func TestCredentialPathsRefused(t *testing.T) {
	states := []struct {
		name  string
		apply func(f *signinFixture, u *directory.User)
	}{
		{"locked", func(f *signinFixture, u *directory.User) {
			f.arrange(u, func(u *directory.User) {
				u.LockedAt, u.LockReason, u.FailedAttempts = f.clock.Now(), "locked by the test", 0
			})
		}},
		{"disabled", func(f *signinFixture, u *directory.User) {
			f.arrange(u, func(u *directory.User) { u.Status = directory.StatusInactive })
		}},
		{"pending without a password", func(f *signinFixture, u *directory.User) {
			f.arrange(u, func(u *directory.User) { u.Status = directory.StatusPending })
			f.exec(`UPDATE users SET password_hash = '' WHERE org_id = ? AND id = ?`, u.OrgID, u.ID)
		}},
		{"deleted", func(f *signinFixture, u *directory.User) {
			f.arrange(u, func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		}},
		// An expired user (every grant ended) may not sign in either; the
		// domain counts them apart from the status.
		{"every grant ended", func(f *signinFixture, u *directory.User) {
			grants, err := f.db.UserGrants(f.ctx, u.OrgID, u.ID)
			if err != nil {
				f.t.Fatal(err)
			}
			for _, g := range grants {
				g.ExpiresAt, g.UpdatedAt = f.clock.Now(), f.clock.Now()
				if err := f.db.UpdateGrant(f.ctx, g); err != nil {
					f.t.Fatal(err)
				}
			}
		}},
	}
	for _, state := range states {
		t.Run(state.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
				f := newSignin(t, e)
				_, adm := f.signedInAs("administrator")
				u := f.userWith("staff")
				totp, codes := f.enrol(u)
				full, err := f.svc.SecondFactor(f.ctx, f.mustSignIn(u).Secret, f.totpCode(totp), client)
				if err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(totpStep)
				forTOTP, forRecovery := f.mustSignIn(u), f.mustSignIn(u)
				tok := f.token(u)
				link := f.forgot(u)
				if _, err := f.svc.OpenResetLink(f.ctx, link); err != nil || !f.tokenWorks(tok) {
					t.Fatalf("before the change: link %v, token works %v", err, f.tokenWorks(tok))
				}

				state.apply(f, u)
				f.clock.Advance(totpStep)
				verifies := f.hasher.verifies.Load()
				// Each credential is a subtest of its own, through which the
				// fixture's helpers report too.
				run := func(name string, try func(t *testing.T)) {
					t.Run(name, func(t *testing.T) {
						parent := f.t
						f.t = t
						defer func() { f.t = parent }()
						try(t)
					})
				}

				run("password", func(t *testing.T) { f.refusedSignIn(u, testPassword) })
				run("totp", func(t *testing.T) {
					st, err := f.svc.SecondFactor(f.ctx, forTOTP.Secret, f.totpCode(totp), client)
					if directory.KindOf(err) != directory.KindUnauthorized || st != nil {
						t.Errorf("SecondFactor(TOTP) = %+v, %v; want KindUnauthorized", st, err)
					}
				})
				run("recovery code", func(t *testing.T) {
					st, err := f.svc.SecondFactor(f.ctx, forRecovery.Secret, codes[0], client)
					if directory.KindOf(err) != directory.KindUnauthorized || st != nil {
						t.Errorf("SecondFactor(recovery code) = %+v, %v; want KindUnauthorized", st, err)
					}
				})
				run("session", func(t *testing.T) {
					f.sessionEnded("a full session", full.Secret)
				})
				run("reset link", func(t *testing.T) {
					_, err := f.svc.OpenResetLink(f.ctx, link)
					wantKind(t, err, directory.KindNotFound)
					_, err = f.svc.CompleteReset(f.ctx, link, "", newPassword, client)
					wantKind(t, err, directory.KindNotFound)
				})
				run("forgot password", func(t *testing.T) {
					n := len(f.mails("password_reset", u.Email))
					if err := f.svc.ForgotPassword(f.ctx, f.org.ID, u.Username, client); err != nil {
						t.Fatal(err)
					}
					if got := len(f.mails("password_reset", u.Email)); got != n {
						t.Errorf("ForgotPassword mailed a link")
					}
				})
				run("api token", func(t *testing.T) {
					if f.tokenWorks(tok) {
						t.Error("the API token works")
					}
				})
				run("impersonation", func(t *testing.T) {
					fresh, err := f.svc.StartImpersonation(f.ctx, adm, u.ID, testPassword, reason)
					if err == nil || fresh != "" {
						t.Errorf("StartImpersonation = %q, %v; want a refusal", fresh, err)
					}
				})
				if got := f.hasher.verifies.Load(); got != verifies {
					t.Errorf("%d credentials were checked in the state %q", got-verifies, state.name)
				}
			})
		})
	}
}
