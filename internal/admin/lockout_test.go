package admin_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		sess := f.mustSignIn(u)
		tok := f.token(u)
		link := f.forgot(u) // issued before the lock
		const wrong = "not the password at all"

		for i := 1; i < directory.DefaultLockoutThreshold; i++ {
			f.refusedSignIn(u, wrong)
			if got := f.reload(u.ID); got.Locked() || got.FailedAttempts != i {
				t.Fatalf("after %d failures: locked %v, failed attempts %d", i, got.Locked(), got.FailedAttempts)
			}
		}
		before := f.eventIDs()
		f.clock.Advance(time.Minute)
		f.refusedSignIn(u, wrong)
		locked := f.reload(u.ID)
		if !locked.LockedAt.Equal(f.clock.Now()) || locked.LockReason == "" || locked.Status != directory.StatusActive {
			t.Fatalf("after %d failures: locked at %v (want %v), reason %q, status %s", directory.DefaultLockoutThreshold,
				locked.LockedAt, f.clock.Now(), locked.LockReason, locked.Status)
		}
		lock := f.oneEvent(before, "user.lock")
		if lock.TargetID != u.ID || lock.ActorID != "" || lock.IP != client.IP {
			t.Errorf("lock event %+v", lock)
		}
		if m := f.mails("account_locked", u.Email); len(m) != 1 {
			t.Errorf("%d account_locked mails, want 1", len(m))
		}

		// The lock ended the session and revoked the token.
		f.sessionEnded("after the lock", sess.Secret)
		if f.tokenWorks(tok) {
			t.Error("the API token still works after the lock")
		}

		// The right password gets the same answer, without being checked.
		verifies := f.hasher.verifies.Load()
		f.refusedSignIn(u, testPassword)
		if f.hasher.verifies.Load() != verifies {
			t.Error("the password of a locked account was checked")
		}

		// No reset: not requested, not completed with the older link.
		if err := f.svc.ForgotPassword(f.ctx, f.org.ID, u.Username, client); err != nil {
			t.Fatal(err)
		}
		if m := f.mails("password_reset", u.Email); len(m) != 1 {
			t.Errorf("%d reset mails, want only the one sent before the lock", len(m))
		}
		if _, err := f.svc.OpenResetLink(f.ctx, link); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("OpenResetLink of a locked account: %v, want KindNotFound", err)
		}
		if _, err := f.svc.CompleteReset(f.ctx, link, "", newPassword, client); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("CompleteReset of a locked account: %v, want KindNotFound", err)
		}
		if _, err := f.svc.ResetPassword(f.ctx, f.op, u.ID, admin.ResetInput{}); directory.KindOf(err) != directory.KindConflict {
			t.Errorf("ResetPassword (link) of a locked account: %v, want KindConflict", err)
		}

		// An administrator unlocks; the count starts again.
		before = f.eventIDs()
		unlocked, err := f.svc.Unlock(f.ctx, f.op, u.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if unlocked.Locked() || unlocked.LockReason != "" || unlocked.FailedAttempts != 0 {
			t.Errorf("after Unlock: %+v", unlocked)
		}
		f.oneEvent(before, "user.unlock")
		f.refusedSignIn(u, wrong)
		f.mustSignIn(u)
		if got := f.reload(u.ID); got.FailedAttempts != 0 || got.Locked() {
			t.Errorf("after a success: failed attempts %d, locked %v", got.FailedAttempts, got.Locked())
		}
	})
}

func TestLockoutSuccessResetsCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		n := directory.DefaultLockoutThreshold
		for range n - 1 {
			f.refusedSignIn(u, "wrong one")
		}
		f.mustSignIn(u)
		if got := f.reload(u.ID); got.FailedAttempts != 0 {
			t.Fatalf("failed attempts after a success = %d, want 0", got.FailedAttempts)
		}
		for range n - 1 {
			f.refusedSignIn(u, "wrong one")
		}
		if f.reload(u.ID).Locked() {
			t.Fatalf("locked after %d failures since the last success", n-1)
		}
	})
}

func TestLockoutThresholdFromPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		f.policy(func(p *directory.SecurityPolicy) { p.LockoutThreshold = 3 })
		u := f.userWith("")
		for i := range 3 {
			if f.reload(u.ID).Locked() {
				t.Fatalf("locked after %d failures, threshold 3", i)
			}
			f.refusedSignIn(u, "wrong one")
		}
		if !f.reload(u.ID).Locked() {
			t.Fatal("not locked after 3 failures, threshold 3")
		}
		// Another organization keeps the default.
		other, _ := f.newOrg()
		if other.Policy.LockoutThreshold != directory.DefaultLockoutThreshold {
			t.Errorf("a new organization's threshold = %d", other.Policy.LockoutThreshold)
		}
	})
}

func TestAutoUnlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		f.policy(func(p *directory.SecurityPolicy) { p.AutoUnlockMinutes = 15 })
		u := f.userWith("")
		f.lockOut(u)
		lockedAt := f.reload(u.ID).LockedAt

		f.clock.Advance(15*time.Minute - time.Second)
		f.refusedSignIn(u, testPassword)
		if !f.reload(u.ID).Locked() {
			t.Fatal("unlocked before AutoUnlockMinutes")
		}

		f.clock.Advance(time.Second)
		before := f.eventIDs()
		f.mustSignIn(u)
		got := f.reload(u.ID)
		if got.Locked() || got.FailedAttempts != 0 || got.LockReason != "" {
			t.Fatalf("after the automatic unlock: locked at %v, failed %d, reason %q", got.LockedAt, got.FailedAttempts, got.LockReason)
		}
		unlocks := f.eventsOf(before, "user.unlock")
		if len(unlocks) != 1 || unlocks[0].TargetID != u.ID || unlocks[0].ActorID != "" {
			t.Fatalf("unlock events %+v, want one by the system", unlocks)
		}
		if !lockedAt.Before(unlocks[0].At) {
			t.Errorf("unlock recorded at %v, lock at %v", unlocks[0].At, lockedAt)
		}
		// The count starts from zero: one failure does not lock again.
		f.refusedSignIn(u, "wrong one")
		if f.reload(u.ID).Locked() {
			t.Error("one failure after the automatic unlock locked the account again")
		}
	})
}

func TestNoAutoUnlockByDefault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		f.lockOut(u)
		f.clock.Advance(30 * 24 * time.Hour)
		f.refusedSignIn(u, testPassword)
		if !f.reload(u.ID).Locked() {
			t.Fatal("unlocked by itself although AutoUnlockMinutes is 0")
		}
	})
}

// TestLockoutRace sends a hundred wrong passwords at once: the lockout is
// counted before the password is checked, so at most threshold checks run.
func TestLockoutRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		n := int64(directory.DefaultLockoutThreshold)
		before := f.eventIDs()

		results := race(f, u, 100, -1)
		for i, r := range results {
			if !isSignInRefusal(r.err) || r.st != nil {
				t.Fatalf("attempt %d: %+v, %v; want ErrSignIn", i, r.st, r.err)
			}
		}
		if got := f.hasher.verifies.Load(); got > n {
			t.Errorf("%d passwords checked, want at most %d", got, n)
		} else if got != n {
			t.Errorf("%d passwords checked; exactly %d attempts can be claimed", got, n)
		}
		if got := f.hasher.spent(); got != 100 {
			t.Errorf("%d checks and dummy checks for 100 attempts, want one each", got)
		}
		got := f.reload(u.ID)
		if !got.Locked() || int64(got.FailedAttempts) != n {
			t.Errorf("locked %v, failed attempts %d; want locked after %d", got.Locked(), got.FailedAttempts, n)
		}
		if locks := f.eventsOf(before, "user.lock"); len(locks) != 1 {
			t.Errorf("%d user.lock events, want 1", len(locks))
		}
	})
}

// TestLockoutRaceWithRightPassword sends 99 wrong passwords and the right
// one at once. The right one is checked only if it claims an attempt before
// the account locks; its success clears the count once, so at most
// threshold checks run before it and threshold after it.
func TestLockoutRaceWithRightPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		n := int64(directory.DefaultLockoutThreshold)
		before := f.eventIDs()

		right := rand.IntN(100)
		results := race(f, u, 100, right)
		var won *admin.SessionStart
		for i, r := range results {
			switch {
			case r.err == nil && i == right:
				won = r.st
			case !isSignInRefusal(r.err) || r.st != nil:
				t.Fatalf("attempt %d (right one: %v): %+v, %v", i, i == right, r.st, r.err)
			}
		}
		verifies := f.hasher.verifies.Load()
		if got := f.hasher.spent(); got != 100 {
			t.Errorf("%d checks and dummy checks for 100 attempts, want one each", got)
		}
		got := f.reload(u.ID)
		locks := f.eventsOf(before, "user.lock")
		t.Logf("right password at %d: succeeded %v, %d checks, locked %v", right, won != nil, verifies, got.Locked())
		if int64(got.FailedAttempts) > n {
			t.Errorf("failed attempts %d, above the threshold %d", got.FailedAttempts, n)
		}
		if len(locks) > 1 || (len(locks) == 1) != got.Locked() {
			t.Errorf("%d user.lock events, locked %v", len(locks), got.Locked())
		}
		if won == nil {
			// Without a success nothing cleared the count: exactly
			// threshold attempts were claimed, all failed, and locked.
			if verifies != n || !got.Locked() {
				t.Errorf("the right password lost: %d checks (want %d), locked %v (want true)", verifies, n, got.Locked())
			}
			return
		}
		if verifies > 2*n {
			t.Errorf("%d passwords checked with one success, want at most %d", verifies, 2*n)
		}
		// The session of the success is usable exactly when the account is
		// not locked.
		_, err := f.svc.ResolveSession(f.ctx, won.Secret, client)
		if got.Locked() != (err != nil) {
			t.Errorf("locked %v, but the winning session resolves with %v", got.Locked(), err)
		}
	})
}

type raceResult struct {
	st  *admin.SessionStart
	err error
}

// race signs u in n times at once, with testPassword at index right (-1 =
// never) and a wrong password everywhere else.
func race(f *signinFixture, u *directory.User, n, right int) []raceResult {
	out := make([]raceResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		pw := "wrong password number " + randHex(2)
		if i == right {
			pw = testPassword
		}
		wg.Go(func() {
			<-start
			st, err := f.signIn(u, pw)
			out[i] = raceResult{st, err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestEveryFactorCounts fails the password, a TOTP code and a recovery code
// in turn: all count toward the one lockout.
func TestEveryFactorCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		totp, codes := f.enrol(u)
		st := f.mustSignIn(u)
		if !st.NeedsSecondFactor {
			t.Fatal("an enrolled user signed in without owing a second factor")
		}
		wrongTOTP := wrongCode(f.totpCode(totp))
		wrongRecovery := wrongRecoveryCode(codes[0])
		for i, code := range []string{wrongTOTP, wrongTOTP, wrongRecovery, wrongRecovery} {
			if _, err := f.svc.SecondFactor(f.ctx, st.Secret, code, client); directory.KindOf(err) != directory.KindUnauthorized {
				t.Fatalf("wrong code %d: %v, want KindUnauthorized", i, err)
			}
			if got := f.reload(u.ID); got.FailedAttempts != i+1 {
				t.Fatalf("after wrong code %d: failed attempts %d, want %d", i, got.FailedAttempts, i+1)
			}
		}
		f.refusedSignIn(u, "a wrong password")
		if !f.reload(u.ID).Locked() {
			t.Fatal("2 wrong TOTP codes, 2 wrong recovery codes and a wrong password did not lock the account")
		}
		// The lock ended the session that owed a second factor.
		if _, err := f.svc.SecondFactor(f.ctx, st.Secret, f.totpCode(totp), client); directory.KindOf(err) != directory.KindUnauthorized {
			t.Errorf("SecondFactor after the lock: %v", err)
		}
	})
}

// wrongCode returns a six-digit code other than code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// wrongRecoveryCode returns a code of the form of code that is not it.
func wrongRecoveryCode(code string) string {
	b := []byte(code)
	for i := len(b) - 1; i >= 0; i-- {
		switch {
		case b[i] >= 'a' && b[i] < 'z', b[i] >= 'A' && b[i] < 'Z', b[i] >= '0' && b[i] < '9':
			b[i]++
			return string(b)
		case b[i] == 'z', b[i] == 'Z', b[i] == '9':
			b[i]--
			return string(b)
		}
	}
	return code + "x"
}

// TestLockDuringRightPassword locks the account while the right password
// is being checked, as parallel wrong guesses can: the sign-in that was
// under way must not go on to sign in a locked account.
func TestLockDuringRightPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		fired := false
		f.hasher.duringVerify = func(password string) {
			if password != testPassword || fired {
				return
			}
			fired = true
			// The right password holds one claimed attempt; the guesses
			// take the rest, and the last one locks.
			for range directory.DefaultLockoutThreshold - 1 {
				f.refusedSignIn(u, "a parallel guess")
			}
		}
		before := f.eventIDs()
		st, err := f.signIn(u, testPassword)
		got := f.reload(u.ID)
		if !fired || !got.Locked() {
			t.Fatalf("the guesses did not lock the account (fired %v)", fired)
		}
		if !isSignInRefusal(err) || st != nil {
			t.Errorf("SignIn of an account locked before it answered = %v, %v; want ErrSignIn", st != nil, err)
		}
		if evs := f.eventsOf(before, "session.sign_in"); len(evs) != 0 || !got.LastSignInAt.IsZero() {
			t.Errorf("a sign-in of a locked account was recorded: %d events, last sign-in %v", len(evs), got.LastSignInAt)
		}
		if got.FailedAttempts != directory.DefaultLockoutThreshold {
			t.Errorf("locked with %d failed attempts recorded, want %d", got.FailedAttempts, directory.DefaultLockoutThreshold)
		}
		// The lock ends every session: one begun under it does not come
		// back to life when the account is unlocked.
		if _, err := f.svc.Unlock(f.ctx, f.op, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		if st != nil {
			f.sessionEnded("a session begun while locked, after the unlock", st.Secret)
		}
	})
}
