package admin

import (
	"context"
	"strings"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// StartImpersonation lets the signed-in user act as another user ("emulate")
// for the organization's impersonation time (30 minutes by default). It
// takes users.impersonate through the active grant, a target the actor may
// manage whose level is strictly below the actor's, the actor's password
// again and a reason. The organization may turn impersonation off. The
// session gets a new secret, which is returned. Every action while
// emulating is audited with both users.
func (s *Service) StartImpersonation(ctx context.Context, st *SessionState, targetID, password, reason string) (string, error) {
	if err := s.ungated(st); err != nil {
		return "", err
	}
	if st.Target != nil {
		return "", directory.Errorf(directory.KindConflict, "you are already emulating %s; stop first", st.Target.Name())
	}
	a := st.Actor
	if err := s.authorize(a, "users.impersonate"); err != nil {
		return "", err
	}
	if st.Org.Policy.ImpersonationDisabled {
		return "", directory.Errorf(directory.KindForbidden, "your organization has turned emulating users off")
	}
	reason = strings.TrimSpace(reason)
	var v directory.Validation
	if reason == "" {
		v.Add("reason", "is required: say why you need to act as this user")
	} else if len([]rune(reason)) > 500 {
		v.Add("reason", "must be at most 500 characters")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	target, err := s.manageUser(ctx, &s.db.Conn, a, targetID)
	if err != nil {
		return "", err
	}
	if target.ID == a.UserID {
		return "", directory.Errorf(directory.KindConflict, "you cannot emulate yourself")
	}
	now := s.now()
	if !s.mayAuthenticate(ctx, &s.db.Conn, target, now) || target.Locked() {
		return "", directory.Errorf(directory.KindConflict, "%s cannot sign in (inactive, locked, pending or expired), so cannot be emulated", target.Name())
	}
	level, err := s.topLevel(ctx, target, now)
	if err != nil {
		return "", err
	}
	if level >= a.Level() {
		return "", directory.Errorf(directory.KindForbidden, "you may only emulate users whose level is below yours")
	}
	if err := s.reauthenticate(ctx, st, password); err != nil {
		return "", err
	}
	fresh, err := auth.NewSecret(sessionSecretPrefix)
	if err != nil {
		return "", err
	}
	sess := st.Session
	sess.ImpersonatedID, sess.ImpersonationReason = target.ID, reason
	sess.ImpersonationEndsAt = now.Add(time.Duration(st.Org.Policy.ImpersonationMinutes) * time.Minute)
	sess.LastSeenAt = now
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, sess, auth.HashSecret(fresh)); err != nil {
			return err
		}
		if st.Org.Policy.ImpersonationNotice {
			if err := s.notify(ctx, tx, st.Org, target, noticeImpersonation, map[string]string{
				"actor": st.User.Name(), "reason": reason,
				"ends_at": sess.ImpersonationEndsAt.Format("2 January 2006, 15:04 MST")}); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "user.impersonate_start", "user", target.ID, target.Name(), []directory.Change{
			{Field: "reason", After: reason}, {Field: "ends_at", After: sess.ImpersonationEndsAt.Format(time.RFC3339)}})
	})
	if err != nil {
		return "", err
	}
	st.Target = target
	return fresh, nil
}

// topLevel is the highest level among u's current grants (0 for none).
func (s *Service) topLevel(ctx context.Context, u *directory.User, now time.Time) (int, error) {
	grants, err := s.db.UserGrants(ctx, u.OrgID, u.ID)
	if err != nil {
		return 0, err
	}
	top := 0
	for _, g := range grants {
		if !g.ActiveAt(now) {
			continue
		}
		r, err := s.db.Role(ctx, u.OrgID, g.RoleID)
		if err != nil {
			return 0, err
		}
		top = max(top, r.Level)
	}
	return top, nil
}

// StopImpersonation ends the emulation of a session and gives it a new
// secret, which is returned. A session that emulates nobody is
// KindConflict.
func (s *Service) StopImpersonation(ctx context.Context, st *SessionState) (string, error) {
	if st == nil || st.Session == nil {
		return "", errNoSession
	}
	if st.Session.ImpersonatedID == "" {
		return "", directory.Errorf(directory.KindConflict, "you are not emulating anyone")
	}
	target := st.Session.ImpersonatedID
	clearImpersonation(st.Session)
	fresh, err := s.renewSession(ctx, st, "user.impersonate_stop", []directory.Change{{Field: "impersonated_id", Before: target, After: ""}})
	if err != nil {
		return "", err
	}
	st.Target = nil
	return fresh, nil
}

func clearImpersonation(sess *directory.Session) {
	sess.ImpersonatedID, sess.ImpersonationReason, sess.ImpersonationEndsAt = "", "", time.Time{}
}

// continueImpersonation checks, on each request, that an emulation still
// holds: not past its end, the target still able to sign in and still
// below the real user. When it does not, the emulation ends (audited) and
// the session goes on as the real user.
func (s *Service) continueImpersonation(ctx context.Context, org *directory.Organization, sess *directory.Session,
	real *directory.User, c Client, now time.Time) (*directory.User, bool, error) {
	target, err := s.db.User(ctx, sess.OrgID, sess.ImpersonatedID)
	ok := err == nil && sess.Impersonating(now) && !org.Policy.ImpersonationDisabled &&
		s.mayAuthenticate(ctx, &s.db.Conn, target, now) && !target.Locked()
	if err != nil && !isKind(err, directory.KindNotFound) {
		return nil, false, err
	}
	if ok {
		return target, true, nil
	}
	id := sess.ImpersonatedID
	clearImpersonation(sess)
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, sess, ""); err != nil {
			return err
		}
		a := &Actor{OrgID: real.OrgID, UserID: real.ID, Name: real.Name(), SessionID: sess.ID, IP: c.IP, RequestID: c.RequestID}
		return s.record(ctx, tx, a, "user.impersonate_stop", "user", id, "", []directory.Change{{Field: "ended", After: "automatically"}})
	})
	return nil, false, err
}

// notImpersonating refuses a change of credentials (what) made while the
// actor emulates another user.
func notImpersonating(a *Actor, what string) error {
	if a != nil && a.ImpersonatorID != "" {
		return directory.Errorf(directory.KindForbidden, "%s cannot be changed while emulating another user", what)
	}
	return nil
}
