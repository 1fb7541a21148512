package admin

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// ErrSignIn is the one answer to every refused sign-in: unknown user, wrong
// password, wrong code, locked, disabled, pending, deleted or expired
// account. Telling them apart would tell a stranger which accounts exist.
var ErrSignIn = directory.Errorf(directory.KindUnauthorized, "the user name or password is not right")

// errCode is the answer to a wrong second factor.
var errCode = directory.Errorf(directory.KindUnauthorized, "the code is not right")

// lockReasonFailures is the lock reason of the automatic lockout.
const lockReasonFailures = "too many failed sign-in attempts"

// Client says where a request comes from.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

// SignInInput is what the sign-in form sends.
type SignInInput struct {
	OrgID    string
	Login    string // a user name or an email
	Password string
	Client
}

// SessionStart is a session just begun or renewed: Secret goes into the
// cookie and is never stored.
type SessionStart struct {
	Session *directory.Session
	Secret  string
	User    *directory.User
	// NeedsSecondFactor says the password was right and a TOTP or recovery
	// code is owed before the session counts.
	NeedsSecondFactor bool
}

// SignIn checks a user name (or email) and password. Every refusal is
// ErrSignIn, and every path spends one password hash, so that neither the
// answer nor its timing tells whether the account exists or why it was
// refused. The attempt counts toward the lockout before the password is
// checked (see attempt).
//
// A refusal is answered no sooner than the service's FailedSignInTime after
// the request began: the database work behind the paths differs a little,
// and under load those differences could show in the timing.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (*SessionStart, error) {
	deadline := time.Now().Add(s.failFor)
	st, err := s.signIn(ctx, in)
	if err == ErrSignIn {
		sleepUntil(ctx, deadline)
	}
	return st, err
}

func (s *Service) signIn(ctx context.Context, in SignInInput) (*SessionStart, error) {
	org, err := s.db.Organization(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	login := strings.TrimSpace(in.Login)
	var u *directory.User
	if login != "" && len(login) <= directory.MaxEmailLen {
		if u, err = s.db.UserByLogin(ctx, org.ID, login); err != nil && !isKind(err, directory.KindNotFound) {
			return nil, err
		}
	}
	if u == nil || !s.mayAuthenticate(ctx, &s.db.Conn, u, now) {
		s.shadowAttempt(ctx, org.ID, in.Password)
		return nil, ErrSignIn
	}
	var hash string
	ok, err := s.attempt(ctx, org, u, in.Client, func() (bool, error) {
		if hash, err = s.db.PasswordHash(ctx, org.ID, u.ID); err != nil {
			return false, err
		}
		good, rehash, err := s.hasher.VerifyAny(hash, in.Password)
		if err != nil {
			// A hash that cannot be read is a refusal; the operator hears of it.
			s.log.WarnContext(ctx, "stored password hash cannot be verified", "user_id", u.ID, "error", err)
			return false, nil
		}
		if good && rehash {
			if fresh, err := s.hasher.Hash(in.Password); err == nil {
				if err := s.db.RehashPassword(ctx, org.ID, u.ID, hash, fresh); err != nil {
					s.log.WarnContext(ctx, "cannot upgrade a password hash", "user_id", u.ID, "error", err)
				}
			}
		}
		return good, nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrSignIn
	}
	second := !u.MFAEnrolledAt.IsZero()
	stage := directory.StageFull
	if second {
		stage = directory.StagePassword
	}
	st, err := s.startSession(ctx, org, u, stage, in.Client)
	if err != nil {
		return nil, err
	}
	st.NeedsSecondFactor = second
	return st, nil
}

// mayAuthenticate reports whether u may use any credential at all: an
// active user, outside the recycle bin, with a password, whose account has
// not expired and who has not lost every grant. Locked accounts are
// refused by attempt, so that a lock that lapses by itself can lift. A
// failure to read the grants refuses.
func (s *Service) mayAuthenticate(ctx context.Context, c *store.Conn, u *directory.User, now time.Time) bool {
	if u.Status != directory.StatusActive || u.Deleted() || !u.HasPassword || u.AccountExpired(now) {
		return false
	}
	if err := s.markGrantEnds(ctx, c, u.OrgID, u); err != nil {
		s.log.ErrorContext(ctx, "cannot read a user's grants", "user_id", u.ID, "error", err)
		return false
	}
	return !u.Expired(now)
}

// shadowAttempt runs the statements and the hash a real attempt runs,
// against no row, so that an account that does not exist (or may not sign
// in) costs what a known one costs and timing does not tell them apart.
func (s *Service) shadowAttempt(ctx context.Context, orgID, password string) {
	_, _ = s.db.GrantEnds(ctx, orgID, []string{""})
	_, _ = s.db.ClaimAttempt(ctx, orgID, "", 0)
	s.shadowCheck(ctx, orgID, password)
}

// shadowCheck stands for a credential check and the failure that follows
// it: the hash read, one password hash spent, the lock statement.
func (s *Service) shadowCheck(ctx context.Context, orgID, password string) {
	_, _ = s.db.PasswordHash(ctx, orgID, "")
	s.hasher.DummyVerify(password)
	_ = s.inTx(ctx, func(tx *store.Tx) error {
		_, err := tx.LockIfExhausted(ctx, orgID, "", 1<<30, 0, "")
		return err
	})
}

// attempt runs check, a credential check for u, under the lockout rule:
// the attempt is counted before check runs, with an atomic update that
// refuses once the organization's threshold is reached, so that however
// many attempts run in parallel, at most threshold checks happen before the
// account locks. A locked account gets no check (a dummy hash is spent
// instead, to keep the timing) and the answer false. A success clears the
// count; the failure that reaches the threshold locks the account, ends
// its sessions and tokens and is audited. An account locked longer ago
// than the organization's automatic unlock is unlocked first.
func (s *Service) attempt(ctx context.Context, org *directory.Organization, u *directory.User, c Client, check func() (bool, error)) (bool, error) {
	p := org.Policy
	now := s.now()
	if u.Locked() && p.AutoUnlockMinutes > 0 {
		before := now.Add(-time.Duration(p.AutoUnlockMinutes) * time.Minute)
		if !u.LockedAt.After(before) {
			unlocked, err := s.db.UnlockIfLockedBefore(ctx, org.ID, u.ID, before.UnixMicro(), now.UnixMicro())
			if err != nil {
				return false, err
			}
			if unlocked {
				s.auditSystem(ctx, org.ID, c, "user.unlock", u, []directory.Change{
					{Field: "locked", Before: true, After: false}, {Field: "unlock", After: "automatic"}})
			}
		}
	}
	claimed, err := s.db.ClaimAttempt(ctx, org.ID, u.ID, p.LockoutThreshold)
	if err != nil {
		return false, err
	}
	if !claimed {
		s.shadowCheck(ctx, org.ID, "")
		return false, nil
	}
	ok, err := check()
	if err != nil {
		return false, err
	}
	if ok {
		// Parallel failures may have locked the account while this check
		// ran: the lock wins, and the right credential counts for nothing.
		cleared, err := s.db.ClearAttempts(ctx, org.ID, u.ID)
		return cleared, err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		locked, err := tx.LockIfExhausted(ctx, org.ID, u.ID, p.LockoutThreshold, now.UnixMicro(), lockReasonFailures)
		if err != nil || !locked {
			return err
		}
		if err := s.endAccess(ctx, tx, org.ID, u.ID, ""); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, org, u, noticeLocked, nil); err != nil {
			return err
		}
		a := &Actor{OrgID: org.ID, Name: "system (lockout)", IP: c.IP, RequestID: c.RequestID}
		return s.record(ctx, tx, a, "user.lock", "user", u.ID, u.Name(), []directory.Change{
			{Field: "locked", Before: false, After: true}, {Field: "lock_reason", After: lockReasonFailures}})
	})
	if err != nil {
		return false, err
	}
	s.log.WarnContext(ctx, "failed sign-in attempt", "user_id", u.ID, "ip", c.IP)
	return false, nil
}

// auditSystem records an event the system did on its own, outside any
// other transaction.
func (s *Service) auditSystem(ctx context.Context, orgID string, c Client, action string, u *directory.User, changes []directory.Change) {
	a := &Actor{OrgID: orgID, Name: "system", IP: c.IP, RequestID: c.RequestID}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, a, action, "user", u.ID, u.Name(), changes)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "cannot record an audit event", "action", action, "error", err)
	}
}

// startSession begins a session for u, after clearing away the user's
// sessions that have lapsed. A full session records the sign-in.
func (s *Service) startSession(ctx context.Context, org *directory.Organization, u *directory.User, stage string, c Client) (*SessionStart, error) {
	secret, err := auth.NewSecret(sessionSecretPrefix)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess := &directory.Session{ID: newID(), OrgID: org.ID, UserID: u.ID, Stage: stage, IP: c.IP,
		UserAgent: truncate(c.UserAgent, 300), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(org.Policy.SessionLifetime())}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteStaleSessions(ctx, org.ID, u.ID, now.UnixMicro(), now.Add(-org.Policy.SessionIdle()).UnixMicro()); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, sess, auth.HashSecret(secret)); err != nil {
			return err
		}
		if stage == directory.StageFull {
			return s.recordSignIn(ctx, tx, u, sess, c, "password")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &SessionStart{Session: sess, Secret: secret, User: u}, nil
}

// recordSignIn notes a completed sign-in: the user's first and last sign-in
// times and an audit event.
func (s *Service) recordSignIn(ctx context.Context, tx *store.Tx, u *directory.User, sess *directory.Session, c Client, method string) error {
	now := s.now()
	if err := tx.RecordSignIn(ctx, u.OrgID, u.ID, now.UnixMicro()); err != nil {
		return err
	}
	if u.FirstSignInAt.IsZero() {
		u.FirstSignInAt = now
	}
	u.LastSignInAt = now
	a := &Actor{OrgID: u.OrgID, UserID: u.ID, Name: u.Name(), IP: c.IP, RequestID: c.RequestID}
	return s.record(ctx, tx, a, "session.sign_in", "session", sess.ID, u.Name(), []directory.Change{{Field: "method", After: method}})
}

// sessionSecretPrefix starts every session cookie value.
const sessionSecretPrefix = "rss"

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SecondFactor completes a sign-in that owes a second factor with a TOTP
// code or, when the code has the form of one, a recovery code. A wrong
// code counts toward the lockout as a wrong password does; a TOTP code
// already used (in its time step or an earlier one) is refused. On success
// the session gets a new secret.
func (s *Service) SecondFactor(ctx context.Context, secret, code string, c Client) (*SessionStart, error) {
	deadline := time.Now().Add(s.failFor)
	st, err := s.secondFactor(ctx, secret, code, c)
	if err == ErrSignIn || err == errCode {
		sleepUntil(ctx, deadline)
	}
	return st, err
}

func (s *Service) secondFactor(ctx context.Context, secret, code string, c Client) (*SessionStart, error) {
	sess, err := s.sessionBySecret(ctx, secret)
	if err != nil {
		return nil, err
	}
	if sess.Stage != directory.StagePassword {
		return nil, directory.Errorf(directory.KindConflict, "this session does not owe a second factor")
	}
	org, err := s.db.Organization(ctx, sess.OrgID)
	if err != nil {
		return nil, err
	}
	u, err := s.db.User(ctx, sess.OrgID, sess.UserID)
	if err != nil {
		return nil, ErrSignIn
	}
	now := s.now()
	if !s.mayAuthenticate(ctx, &s.db.Conn, u, now) || u.MFAEnrolledAt.IsZero() || s.sessionLapsed(org, sess, now) {
		_, _ = s.db.DeleteSession(ctx, sess.OrgID, sess.ID)
		return nil, ErrSignIn
	}
	method := "totp"
	ok, err := s.attempt(ctx, org, u, c, func() (bool, error) {
		if looksLikeRecoveryCode(code) {
			method = "recovery_code"
			return s.db.UseRecoveryCode(ctx, u.OrgID, u.ID, auth.HashRecoveryCode(code), now.UnixMicro())
		}
		return s.checkTOTP(ctx, u, code, now)
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		// A lock ends the session; otherwise the user may try again.
		return nil, errCode
	}
	fresh, err := auth.NewSecret(sessionSecretPrefix)
	if err != nil {
		return nil, err
	}
	sess.Stage, sess.LastSeenAt = directory.StageFull, now
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, sess, auth.HashSecret(fresh)); err != nil {
			return err
		}
		return s.recordSignIn(ctx, tx, u, sess, c, "password+"+method)
	})
	if err != nil {
		return nil, err
	}
	return &SessionStart{Session: sess, Secret: fresh, User: u}, nil
}

// looksLikeRecoveryCode tells a recovery code from a six-digit TOTP code.
func looksLikeRecoveryCode(code string) bool {
	return len(auth.NormalizeRecoveryCode(code)) > 8
}

// checkTOTP checks a TOTP code of u and records its time step, refusing a
// code whose step is not later than the last one accepted.
func (s *Service) checkTOTP(ctx context.Context, u *directory.User, code string, now time.Time) (bool, error) {
	secret, _, err := s.db.TOTP(ctx, u.OrgID, u.ID)
	if err != nil || secret == "" {
		return false, err
	}
	step, ok := auth.CheckTOTP(secret, code, now)
	if !ok {
		return false, nil
	}
	return s.db.UseTOTPStep(ctx, u.OrgID, u.ID, step)
}

// sessionBySecret finds the session of a cookie value; anything unusable is
// KindUnauthorized.
func (s *Service) sessionBySecret(ctx context.Context, secret string) (*directory.Session, error) {
	if !strings.HasPrefix(secret, sessionSecretPrefix+"_") || len(secret) > 100 {
		return nil, errNoSession
	}
	sess, err := s.db.SessionByHash(ctx, auth.HashSecret(secret))
	if isKind(err, directory.KindNotFound) {
		return nil, errNoSession
	}
	return sess, err
}

var errNoSession = directory.Errorf(directory.KindUnauthorized, "you are not signed in, or your session has ended")

// sessionLapsed reports whether a session passed its absolute lifetime or
// its idle timeout.
func (s *Service) sessionLapsed(org *directory.Organization, sess *directory.Session, now time.Time) bool {
	return !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= org.Policy.SessionIdle()
}

// SignOut ends the session of a cookie value. An unknown or ended session
// is not an error.
func (s *Service) SignOut(ctx context.Context, secret string, c Client) error {
	sess, err := s.sessionBySecret(ctx, secret)
	if err != nil {
		return nil
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.DeleteSession(ctx, sess.OrgID, sess.ID); err != nil || !ok {
			return err
		}
		a := &Actor{OrgID: sess.OrgID, UserID: sess.UserID, IP: c.IP, RequestID: c.RequestID}
		if u, err := tx.User(ctx, sess.OrgID, sess.UserID); err == nil {
			a.Name = u.Name()
		}
		return s.record(ctx, tx, a, "session.sign_out", "session", sess.ID, a.Name, nil)
	})
}

// endAccess ends every session and revokes every API token of a user, in
// tx; keep is a session to leave alone ("" = none). Disabling, locking and
// deleting a user, changing their password and removing their last grant
// all call it.
func (s *Service) endAccess(ctx context.Context, tx *store.Tx, orgID, userID, keep string) error {
	if _, err := tx.DeleteUserSessions(ctx, orgID, userID, keep); err != nil {
		return err
	}
	return tx.RevokeUserTokens(ctx, orgID, userID, s.now().UnixMicro())
}
