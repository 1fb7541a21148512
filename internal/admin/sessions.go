package admin

import (
	"context"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// Gates: what a signed-in user must do before anything else.
const (
	// GateSecondFactor: the password was right; a TOTP or recovery code is owed.
	GateSecondFactor = "second_factor"
	// GateChangePassword: an administrator set a temporary password.
	GateChangePassword = "change_password"
	// GateEnrolMFA: MFA is required of the user, who has none yet.
	GateEnrolMFA = "enrol_mfa"
)

// SessionState is a session resolved for one request.
type SessionState struct {
	Session *directory.Session
	// User is the signed-in person; Actor acts for the request: the same
	// person through their active grant, or, while impersonating, the
	// emulated user (Actor.ImpersonatorID is then User.ID).
	User   *directory.User
	Actor  *Actor
	Org    *directory.Organization
	Target *directory.User // the emulated user, or nil
	// Gate is what the user must do first ("" = nothing).
	Gate string
	// ChooseGrant says the user holds several current grants and has not
	// chosen the one to act through yet.
	ChooseGrant bool
}

// touchEvery is how often a busy session's last-seen time is written.
const touchEvery = time.Minute

// ResolveSession returns the state of the session of a cookie value. A
// session that is unknown, ended, idle too long or past its lifetime, or
// whose user may no longer sign in (disabled, locked, deleted, expired) is
// KindUnauthorized, and a lapsed one is removed. An impersonation that ran
// out, or whose user may no longer sign in, ends here.
func (s *Service) ResolveSession(ctx context.Context, secret string, c Client) (*SessionState, error) {
	sess, err := s.sessionBySecret(ctx, secret)
	if err != nil {
		return nil, err
	}
	org, err := s.db.Organization(ctx, sess.OrgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u, err := s.db.User(ctx, sess.OrgID, sess.UserID)
	if err != nil || s.sessionLapsed(org, sess, now) || !s.mayAuthenticate(ctx, &s.db.Conn, u, now) || u.Locked() {
		_, _ = s.db.DeleteSession(ctx, sess.OrgID, sess.ID)
		return nil, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.db.TouchSession(ctx, sess.ID, now.UnixMicro()); err != nil {
			return nil, err
		}
		sess.LastSeenAt = now
	}
	st := &SessionState{Session: sess, User: u, Org: org}
	switch {
	case sess.Stage != directory.StageFull:
		st.Gate = GateSecondFactor
	case u.MustChangePassword:
		st.Gate = GateChangePassword
	}
	if st.Gate == "" && u.MFAEnrolledAt.IsZero() {
		required, err := s.mfaRequired(ctx, &s.db.Conn, org, u, now)
		if err != nil {
			return nil, err
		}
		if required {
			st.Gate = GateEnrolMFA
		}
	}
	a := &Actor{OrgID: u.OrgID, UserID: u.ID, Name: u.Name(), SessionID: sess.ID, IP: c.IP, RequestID: c.RequestID}
	if st.Gate != "" {
		// A gated session acts for nobody: it may only clear its gate.
		st.Actor = &Actor{OrgID: u.OrgID, UserID: u.ID, Name: u.Name(), SessionID: sess.ID, IP: c.IP, RequestID: c.RequestID, gated: true}
		return st, nil
	}
	if sess.ImpersonatedID != "" {
		target, ok, err := s.continueImpersonation(ctx, org, sess, u, c, now)
		if err != nil {
			return nil, err
		}
		if ok {
			st.Target = target
			a = &Actor{OrgID: u.OrgID, UserID: target.ID, Name: target.Name() + " (emulated by " + u.Name() + ")", SessionID: sess.ID,
				ImpersonatorID: u.ID, IP: c.IP, RequestID: c.RequestID}
			if err := s.activateSessionGrant(ctx, a, "", now); err != nil {
				return nil, err
			}
			st.Actor = a
			return st, nil
		}
	}
	if err := s.activateSessionGrant(ctx, a, sess.GrantID, now); err != nil {
		return nil, err
	}
	st.Actor = a
	if !sess.GrantChosen {
		n, err := s.currentGrantCount(ctx, u.OrgID, u.ID, now)
		if err != nil {
			return nil, err
		}
		st.ChooseGrant = n > 1
	}
	return st, nil
}

// activateSessionGrant sets the actor's active grant: grantID when it still
// counts, else the current grant of highest level. Unlike a token's, a
// session whose chosen grant ended falls back rather than failing: the
// user can still reach their own account.
func (s *Service) activateSessionGrant(ctx context.Context, a *Actor, grantID string, now time.Time) error {
	if grantID != "" {
		if err := s.activateGrant(ctx, a, grantID, now); err == nil {
			return nil
		}
		a.Grant, a.Role = nil, nil
	}
	if err := s.activateGrant(ctx, a, "", now); err != nil && !isKind(err, directory.KindUnauthorized) {
		return err
	}
	return nil
}

func (s *Service) currentGrantCount(ctx context.Context, orgID, userID string, now time.Time) (int, error) {
	grants, err := s.db.UserGrants(ctx, orgID, userID)
	n := 0
	for _, g := range grants {
		if g.ActiveAt(now) {
			n++
		}
	}
	return n, err
}

// mfaRequired reports whether MFA is required of u: by the organization,
// by the administrator's checkbox on the user, or by the role of one of the
// user's current grants.
func (s *Service) mfaRequired(ctx context.Context, c *store.Conn, org *directory.Organization, u *directory.User, now time.Time) (bool, error) {
	if org.Policy.MFARequired || u.MFARequired {
		return true, nil
	}
	grants, err := c.UserGrants(ctx, u.OrgID, u.ID)
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		if !g.ActiveAt(now) {
			continue
		}
		r, err := c.Role(ctx, u.OrgID, g.RoleID)
		if err != nil {
			return false, err
		}
		if r.MFARequired {
			return true, nil
		}
	}
	return false, nil
}

// ChooseGrant makes one of the signed-in user's current grants the one the
// session acts through, and gives the session a new secret (a change of
// privilege). A grant that is not theirs or does not count now is
// KindInvalid. Not allowed while impersonating.
func (s *Service) ChooseGrant(ctx context.Context, st *SessionState, grantID string) (string, error) {
	if err := s.ungated(st); err != nil {
		return "", err
	}
	if st.Target != nil {
		return "", directory.Errorf(directory.KindForbidden, "stop emulating %s first", st.Target.Name())
	}
	g, err := s.db.Grant(ctx, st.User.OrgID, grantID)
	if err != nil || g.UserID != st.User.ID || !g.ActiveAt(s.now()) {
		return "", &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "grant_id", Message: "is not one of your current grants"}}}
	}
	before := st.Session.GrantID
	st.Session.GrantID, st.Session.GrantChosen = g.ID, true
	return s.renewSession(ctx, st, "session.active_grant", []directory.Change{{Field: "grant_id", Before: before, After: g.ID}})
}

// renewSession saves the session with a new secret and records action.
func (s *Service) renewSession(ctx context.Context, st *SessionState, action string, changes []directory.Change) (string, error) {
	fresh, err := auth.NewSecret(sessionSecretPrefix)
	if err != nil {
		return "", err
	}
	st.Session.LastSeenAt = s.now()
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, st.Session, auth.HashSecret(fresh)); err != nil {
			return err
		}
		return s.record(ctx, tx, s.selfActor(st), action, "session", st.Session.ID, st.User.Name(), changes)
	})
	return fresh, err
}

// selfActor is the signed-in person acting on their own account, even
// while they emulate someone else.
func (s *Service) selfActor(st *SessionState) *Actor {
	a := &Actor{OrgID: st.User.OrgID, UserID: st.User.ID, Name: st.User.Name(), SessionID: st.Session.ID}
	if st.Actor != nil {
		a.IP, a.RequestID = st.Actor.IP, st.Actor.RequestID
	}
	return a
}

// ungated refuses a session that still has a gate to clear.
func (s *Service) ungated(st *SessionState) error {
	if st == nil || st.Session == nil {
		return errNoSession
	}
	if st.Gate != "" {
		return directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	return nil
}

// SessionView is a session as its user or an administrator sees it.
type SessionView struct {
	*directory.Session
	Current bool
}

// MySessions lists the signed-in user's sessions, marking the current one.
func (s *Service) MySessions(ctx context.Context, a *Actor) ([]*SessionView, error) {
	if err := signedInUser(a); err != nil {
		return nil, err
	}
	self := a.UserID
	if a.ImpersonatorID != "" {
		return nil, directory.Errorf(directory.KindForbidden, "sessions cannot be seen while emulating another user")
	}
	return s.sessionViews(ctx, a.OrgID, self, a.SessionID)
}

func (s *Service) sessionViews(ctx context.Context, orgID, userID, current string) ([]*SessionView, error) {
	list, err := s.db.Sessions(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	org, err := s.db.Organization(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]*SessionView, 0, len(list))
	for _, sess := range list {
		if s.sessionLapsed(org, sess, now) {
			continue
		}
		out = append(out, &SessionView{Session: sess, Current: sess.ID == current})
	}
	return out, nil
}

// EndMySession ends one of the actor's own sessions. Another user's
// session is KindNotFound.
func (s *Service) EndMySession(ctx context.Context, a *Actor, id string) error {
	if err := signedInUser(a); err != nil {
		return err
	}
	if a.ImpersonatorID != "" {
		return directory.Errorf(directory.KindForbidden, "sessions cannot be ended while emulating another user")
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		sess, err := tx.Session(ctx, a.OrgID, id)
		if err != nil || sess.UserID != a.UserID {
			return directory.NotFound("session")
		}
		if _, err := tx.DeleteSession(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "session.end", "session", id, a.Name, nil)
	})
}

// UserSessions lists the sessions of a user the actor may manage
// (users.edit).
func (s *Service) UserSessions(ctx context.Context, a *Actor, userID string) ([]*SessionView, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return nil, err
	}
	if _, err := s.manageUser(ctx, &s.db.Conn, a, userID); err != nil {
		return nil, err
	}
	return s.sessionViews(ctx, a.OrgID, userID, a.SessionID)
}

// EndUserSessions ends every session of a user the actor may manage
// (users.edit) and returns how many it ended. API tokens are left alone:
// revoking them is a separate action.
func (s *Service) EndUserSessions(ctx context.Context, a *Actor, userID string) (int, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return 0, err
	}
	var n int
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if n, err = tx.DeleteUserSessions(ctx, a.OrgID, u.ID, ""); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "user.end_sessions", "user", u.ID, u.Name(), []directory.Change{{Field: "sessions_ended", After: n}})
	})
	return n, err
}

// EndMyOtherSessions ends every session of the signed-in user but the
// current one ("sign out everywhere else") and returns how many it ended.
func (s *Service) EndMyOtherSessions(ctx context.Context, a *Actor) (int, error) {
	if err := signedInUser(a); err != nil {
		return 0, err
	}
	if a.ImpersonatorID != "" {
		return 0, directory.Errorf(directory.KindForbidden, "sessions cannot be ended while emulating another user")
	}
	var n int
	err := s.inTx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.DeleteUserSessions(ctx, a.OrgID, a.UserID, a.SessionID); err != nil || n == 0 {
			return err
		}
		return s.record(ctx, tx, a, "session.end_others", "user", a.UserID, a.Name, []directory.Change{{Field: "sessions_ended", After: n}})
	})
	return n, err
}

// MFARequiredOf reports whether MFA is required of the signed-in user.
func (s *Service) MFARequiredOf(ctx context.Context, st *SessionState) (bool, error) {
	if st == nil || st.User == nil {
		return false, errNoSession
	}
	return s.mfaRequired(ctx, &s.db.Conn, st.Org, st.User, s.now())
}
