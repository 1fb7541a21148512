package admin_test

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// This file holds the helpers of the sign-in, session, password, MFA,
// impersonation and set-up tests.

// signinBaseURL is the public URL of the services the sign-in tests build.
const signinBaseURL = "https://roster.test"

// newPassword is a password every policy of these tests accepts, other than
// testPassword (the password of users made with activeUser).
const newPassword = "violet tundra maple quokka 42"

// countingHasher is the real hasher with its calls counted: VerifyAny is a
// real password check, DummyVerify the time a refused path spends instead.
//
// It remembers what the real hasher answered, in memo, which every test of
// the package shares: argon2id is deterministic for a given hash and
// password, so asking again could only cost time (tens of milliseconds a
// call, and these tests sign in hundreds of times with the same stored
// hash). Every call is still counted, and every different question still
// reaches the real hasher once.
type countingHasher struct {
	h        *auth.Hasher
	memo     *hashMemo
	hashes   atomic.Int64
	verifies atomic.Int64
	dummies  atomic.Int64
	// duringVerify, when set (before the calls it should see), runs inside
	// each VerifyAny after the real check, for tests that need something
	// to happen between an attempt's claim and its outcome.
	duringVerify func(password string)
}

// hashMemo holds the answers of the real hasher.
type hashMemo struct {
	mu      sync.Mutex
	hashed  map[string]string
	checked map[[2]string]verifyAnswer
	dummied map[string]bool
}

// memo is the one hashMemo of the package's tests.
var memo = &hashMemo{hashed: map[string]string{}, checked: map[[2]string]verifyAnswer{}, dummied: map[string]bool{}}

type verifyAnswer struct {
	ok, rehash bool
	err        error
}

func newCountingHasher(h *auth.Hasher) *countingHasher {
	return &countingHasher{h: h, memo: memo}
}

var _ admin.PasswordHasher = (*countingHasher)(nil)

func (c *countingHasher) Hash(password string) (string, error) {
	c.hashes.Add(1)
	c.memo.mu.Lock()
	encoded, ok := c.memo.hashed[password]
	c.memo.mu.Unlock()
	if ok {
		return encoded, nil
	}
	encoded, err := c.h.Hash(password)
	if err == nil {
		c.memo.mu.Lock()
		c.memo.hashed[password] = encoded
		c.memo.mu.Unlock()
	}
	return encoded, err
}

func (c *countingHasher) VerifyAny(encoded, password string) (ok, rehash bool, err error) {
	c.verifies.Add(1)
	key := [2]string{encoded, password}
	c.memo.mu.Lock()
	a, known := c.memo.checked[key]
	c.memo.mu.Unlock()
	if !known {
		a.ok, a.rehash, a.err = c.h.VerifyAny(encoded, password)
		c.memo.mu.Lock()
		c.memo.checked[key] = a
		c.memo.mu.Unlock()
	}
	if c.duringVerify != nil {
		c.duringVerify(password)
	}
	return a.ok, a.rehash, a.err
}

func (c *countingHasher) DummyVerify(password string) {
	c.dummies.Add(1)
	c.memo.mu.Lock()
	done := c.memo.dummied[password]
	c.memo.dummied[password] = true
	c.memo.mu.Unlock()
	if !done {
		c.h.DummyVerify(password)
	}
}

// spent is how many password checks, real or dummy, the hasher has done.
func (c *countingHasher) spent() int64 { return c.verifies.Load() + c.dummies.Load() }

// signinFixture is a fixture whose service counts password checks, builds
// links on signinBaseURL and answers "forgot password" at once.
type signinFixture struct {
	*fixture
	e      *storetest.Engine
	hasher *countingHasher
	// secrets maps the id of each session resolved through resolve to the
	// secret it was resolved with.
	secrets map[string]string
}

// newSignin sets up an organization on e with a counting service.
func newSignin(t *testing.T, e *storetest.Engine) *signinFixture {
	t.Helper()
	f := setup(t, e)
	ch := newCountingHasher(hasher)
	f.svc = admin.New(e.DB, admin.Options{Hasher: ch, Clock: f.clock.Now, BaseURL: signinBaseURL,
		ForgotPasswordTime: time.Microsecond, FailedSignInTime: time.Microsecond, Logger: slog.New(slog.DiscardHandler)})
	return &signinFixture{fixture: f, e: e, hasher: ch, secrets: map[string]string{}}
}

// policy changes the organization's security policy as the operator.
func (f *signinFixture) policy(edit func(p *directory.SecurityPolicy)) directory.SecurityPolicy {
	f.t.Helper()
	p, err := f.svc.SecurityPolicy(f.ctx, f.op)
	if err != nil {
		f.t.Fatalf("SecurityPolicy: %v", err)
	}
	edit(&p)
	if p, err = f.svc.UpdateSecurityPolicy(f.ctx, f.op, p); err != nil {
		f.t.Fatalf("UpdateSecurityPolicy: %v", err)
	}
	return p
}

// client is where the tests' requests come from.
var client = admin.Client{IP: "203.0.113.9", UserAgent: "test agent", RequestID: "req-signin"}

// signIn signs u in by username with password.
func (f *signinFixture) signIn(u *directory.User, password string) (*admin.SessionStart, error) {
	return f.svc.SignIn(f.ctx, admin.SignInInput{OrgID: u.OrgID, Login: u.Username, Password: password, Client: client})
}

// mustSignIn signs u in with testPassword and fails the test if refused.
func (f *signinFixture) mustSignIn(u *directory.User) *admin.SessionStart {
	f.t.Helper()
	return f.mustSignInWith(u, testPassword)
}

func (f *signinFixture) mustSignInWith(u *directory.User, password string) *admin.SessionStart {
	f.t.Helper()
	st, err := f.signIn(u, password)
	if err != nil {
		f.t.Fatalf("SignIn(%s): %v", u.Username, err)
	}
	return st
}

// refusedSignIn asserts that signing u in with password gets ErrSignIn.
func (f *signinFixture) refusedSignIn(u *directory.User, password string) {
	f.t.Helper()
	st, err := f.signIn(u, password)
	if !isSignInRefusal(err) || st != nil {
		f.t.Fatalf("SignIn(%s) = %+v, %v; want admin.ErrSignIn", u.Username, st, err)
	}
}

// isSignInRefusal reports whether err is the one answer to a refused
// sign-in, word for word.
func isSignInRefusal(err error) bool {
	return errors.Is(err, admin.ErrSignIn) && err.Error() == admin.ErrSignIn.Error() &&
		directory.KindOf(err) == directory.KindUnauthorized
}

// resolve resolves a session secret and fails the test if refused.
func (f *signinFixture) resolve(secret string) *admin.SessionState {
	f.t.Helper()
	st, err := f.svc.ResolveSession(f.ctx, secret, client)
	if err != nil {
		f.t.Fatalf("ResolveSession: %v", err)
	}
	f.secrets[st.Session.ID] = secret
	return st
}

// sessionEnded asserts that a session secret no longer works.
func (f *signinFixture) sessionEnded(what, secret string) {
	f.t.Helper()
	st, err := f.svc.ResolveSession(f.ctx, secret, client)
	if directory.KindOf(err) != directory.KindUnauthorized || st != nil {
		f.t.Fatalf("%s: ResolveSession = %+v, %v; want KindUnauthorized", what, st, err)
	}
}

// token issues an API token for u as the operator and returns its secret.
func (f *signinFixture) token(u *directory.User) string {
	f.t.Helper()
	_, secret, err := f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: u.ID, Name: "tok " + randHex(2)})
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	return secret
}

// tokenWorks reports whether a token secret authenticates.
func (f *signinFixture) tokenWorks(secret string) bool {
	f.t.Helper()
	_, err := f.svc.AuthenticateToken(f.ctx, secret, "", "")
	if err != nil && directory.KindOf(err) != directory.KindUnauthorized {
		f.t.Fatalf("AuthenticateToken: %v", err)
	}
	return err == nil
}

// userWith adds an active user with testPassword holding the built-in role
// roleKey organization-wide ("" = no grant).
func (f *signinFixture) userWith(roleKey string) *directory.User {
	f.t.Helper()
	u := f.activeUser(nil)
	if roleKey != "" {
		f.grant(u, roleKey)
	}
	return u
}

// signedInAs adds a user holding roleKey, signs them in and returns the
// user and the resolved session.
func (f *signinFixture) signedInAs(roleKey string) (*directory.User, *admin.SessionState) {
	f.t.Helper()
	u := f.userWith(roleKey)
	return u, f.resolve(f.mustSignIn(u).Secret)
}

// mails returns the organization's outbox messages of a kind to an address
// ("" = any), newest first.
func (f *signinFixture) mails(kind, to string) []*directory.Mail {
	f.t.Helper()
	all, err := f.db.Mails(f.ctx, f.org.ID, 1000)
	if err != nil {
		f.t.Fatalf("Mails: %v", err)
	}
	var out []*directory.Mail
	for _, m := range all {
		if m.Kind == kind && (to == "" || strings.EqualFold(m.To, to)) {
			out = append(out, m)
		}
	}
	return out
}

var linkPattern = regexp.MustCompile(`https://roster\.test/(reset|setup)/(\S+)`)

// linkSecret returns the secret of the /reset/ link in a mail.
func linkSecret(t *testing.T, m *directory.Mail) string {
	t.Helper()
	match := linkPattern.FindStringSubmatch(m.Text)
	if match == nil || match[1] != "reset" {
		t.Fatalf("mail %q holds no %s/reset/ link:\n%s", m.Subject, signinBaseURL, m.Text)
	}
	return match[2]
}

// forgot runs "forgot password" for u and returns the secret of the link
// mailed.
func (f *signinFixture) forgot(u *directory.User) string {
	f.t.Helper()
	before := len(f.mails("password_reset", u.Email))
	if err := f.svc.ForgotPassword(f.ctx, u.OrgID, u.Username, client); err != nil {
		f.t.Fatalf("ForgotPassword: %v", err)
	}
	ms := f.mails("password_reset", u.Email)
	if len(ms) != before+1 {
		f.t.Fatalf("ForgotPassword(%s) wrote %d mails, want 1", u.Username, len(ms)-before)
	}
	return linkSecret(f.t, ms[0])
}

// totpCode is the code of a TOTP secret at the fake clock's time.
func (f *signinFixture) totpCode(secret string) string {
	f.t.Helper()
	return totpAt(f.t, secret, f.clock.Now())
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := auth.TOTPCode(secret, at)
	if err != nil {
		t.Fatalf("TOTPCode: %v", err)
	}
	return code
}

// totpStep is the length of one TOTP time step.
const totpStep = 30 * time.Second

// enrol sets up an authenticator for u through a session of theirs and
// returns its secret and the recovery codes. The clock then moves to the
// next time step, so that the code that confirmed the set-up is past.
func (f *signinFixture) enrol(u *directory.User) (string, []string) {
	f.t.Helper()
	st := f.resolve(f.mustSignIn(u).Secret)
	secret, codes, _ := f.enrolSession(st)
	return secret, codes
}

// enrolSession sets up an authenticator through a resolved session and
// returns its secret, the recovery codes and the session's new secret.
func (f *signinFixture) enrolSession(st *admin.SessionState) (string, []string, string) {
	f.t.Helper()
	en, err := f.svc.StartTOTP(f.ctx, st)
	if err != nil {
		f.t.Fatalf("StartTOTP: %v", err)
	}
	codes, fresh, err := f.svc.ConfirmTOTP(f.ctx, st, f.totpCode(en.Secret))
	if err != nil {
		f.t.Fatalf("ConfirmTOTP: %v", err)
	}
	f.clock.Advance(totpStep)
	return en.Secret, codes, fresh
}

// exec runs a statement written with ? placeholders straight on the
// database, for states no service or store method makes.
func (f *signinFixture) exec(query string, args ...any) {
	f.t.Helper()
	if f.db.Engine() == store.Postgres {
		n := 0
		query = regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string {
			n++
			return fmt.Sprintf("$%d", n)
		})
	}
	if _, err := f.db.SQL().ExecContext(f.ctx, query, args...); err != nil {
		f.t.Fatalf("exec %q: %v", query, err)
	}
}

// lockOut fails enough sign-ins of u to lock the account.
func (f *signinFixture) lockOut(u *directory.User) {
	f.t.Helper()
	p, err := f.svc.SecurityPolicy(f.ctx, f.op)
	if err != nil {
		f.t.Fatal(err)
	}
	for range p.LockoutThreshold {
		f.refusedSignIn(u, "not the password at all")
	}
	if u := f.reload(u.ID); !u.Locked() {
		f.t.Fatalf("%s not locked after %d failures", u.Username, p.LockoutThreshold)
	}
}

// eventsOf returns the events with an action since before, oldest first.
func (f *signinFixture) eventsOf(before map[string]bool, action string) []*directory.AuditEvent {
	f.t.Helper()
	var out []*directory.AuditEvent
	evs := f.eventsSince(before)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action == action {
			out = append(out, evs[i])
		}
	}
	return out
}
