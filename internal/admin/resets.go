package admin

import (
	"context"
	"strings"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// sendResetLink issues a reset link for u, voiding any older one, and puts
// the mail that carries it in the outbox.
func (s *Service) sendResetLink(ctx context.Context, tx *store.Tx, org *directory.Organization, u *directory.User, by string) error {
	now := s.now()
	if err := tx.VoidLinks(ctx, org.ID, u.ID, directory.LinkReset, now.UnixMicro()); err != nil {
		return err
	}
	secret, err := auth.NewSecret("rsr")
	if err != nil {
		return err
	}
	l := &directory.Link{ID: newID(), OrgID: org.ID, UserID: u.ID, Purpose: directory.LinkReset, CreatedBy: by,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(org.Policy.ResetLinkMinutes) * time.Minute)}
	if err := tx.CreateLink(ctx, l, auth.HashSecret(secret)); err != nil {
		return err
	}
	return s.notify(ctx, tx, org, u, noticeResetLink, map[string]string{
		"link": s.baseURL + "/reset/" + secret, "minutes": itoa(org.Policy.ResetLinkMinutes)})
}

// ForgotPassword is "forgot password": when login names an active,
// unlocked user with an email, it mails them a reset link (voiding any
// older one). It answers the same, and takes the same time, whether or not
// that is so; only a failure of the database is an error.
func (s *Service) ForgotPassword(ctx context.Context, orgID, login string, c Client) error {
	deadline := time.Now().Add(s.forgotFor)
	defer func() { sleepUntil(ctx, deadline) }()
	login = strings.TrimSpace(login)
	if login == "" || len(login) > directory.MaxEmailLen {
		return nil
	}
	org, err := s.db.Organization(ctx, orgID)
	if err != nil {
		return err
	}
	u, err := s.db.UserByLogin(ctx, orgID, login)
	if isKind(err, directory.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !s.mayAuthenticate(ctx, &s.db.Conn, u, s.now()) || u.Locked() || u.Email == "" {
		return nil
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if err := s.sendResetLink(ctx, tx, org, u, ""); err != nil {
			return err
		}
		a := &Actor{OrgID: org.ID, UserID: u.ID, Name: u.Name(), IP: c.IP, RequestID: c.RequestID}
		return s.record(ctx, tx, a, "user.forgot_password", "user", u.ID, u.Name(), []directory.Change{{Field: "sent_to", After: u.Email}})
	})
}

func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// ResetState is an opened reset link.
type ResetState struct {
	OrgName  string
	OrgSlug  string
	User     *directory.User
	Question string // the security question to answer, or ""
	Criteria []string
}

// errBadLink is the one answer to a reset link that cannot be used.
var errBadLink = directory.Errorf(directory.KindNotFound, "this link is not valid: it may have expired, been used, or been replaced by a newer one")

// resetLink finds a usable reset link and its user, who must still be
// active and unlocked.
func (s *Service) resetLink(ctx context.Context, c *store.Conn, secret string) (*directory.Link, *directory.User, *directory.Organization, error) {
	if !strings.HasPrefix(secret, "rsr_") || len(secret) > 100 {
		return nil, nil, nil, errBadLink
	}
	l, err := c.LinkByHash(ctx, auth.HashSecret(secret))
	if isKind(err, directory.KindNotFound) {
		return nil, nil, nil, errBadLink
	}
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.now()
	if l.Purpose != directory.LinkReset || !l.Usable(now) {
		return nil, nil, nil, errBadLink
	}
	u, err := c.User(ctx, l.OrgID, l.UserID)
	if err != nil || !s.mayAuthenticate(ctx, c, u, now) || u.Locked() {
		return nil, nil, nil, errBadLink
	}
	org, err := c.Organization(ctx, l.OrgID)
	if err != nil {
		return nil, nil, nil, err
	}
	return l, u, org, nil
}

// OpenResetLink returns what the reset page shows for a link. An unusable
// link (unknown, expired, used, replaced, or of a user who is locked,
// disabled or deleted since) is KindNotFound.
func (s *Service) OpenResetLink(ctx context.Context, secret string) (*ResetState, error) {
	_, u, org, err := s.resetLink(ctx, &s.db.Conn, secret)
	if err != nil {
		return nil, err
	}
	st := &ResetState{OrgName: org.Name, OrgSlug: org.Slug, User: u}
	if org.Policy.SecurityQuestions {
		if st.Question, _, err = s.db.SecurityAnswer(ctx, u.OrgID, u.ID); err != nil {
			return nil, err
		}
	}
	rules, err := s.rulesFor(ctx, &s.db.Conn, org, u)
	if err != nil {
		return nil, err
	}
	st.Criteria = rules.Describe()
	return st, nil
}

// CompleteReset sets a new password through a reset link. When the
// organization asks security questions and the user has one, the answer
// must match too; a wrong answer counts toward the lockout. The link is
// used up; the user's sessions and API tokens end; the user then signs in
// with the new password.
func (s *Service) CompleteReset(ctx context.Context, secret, answer, password string, c Client) (*directory.User, error) {
	_, u, org, err := s.resetLink(ctx, &s.db.Conn, secret)
	if err != nil {
		return nil, err
	}
	var v directory.Validation
	if err := s.checkNewPassword(ctx, &s.db.Conn, org, u, personalInfo(u), "password", password, &v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if org.Policy.SecurityQuestions {
		question, hash, err := s.db.SecurityAnswer(ctx, u.OrgID, u.ID)
		if err != nil {
			return nil, err
		}
		if question != "" {
			ok, err := s.attempt(ctx, org, u, c, func() (bool, error) {
				good, _, err := s.hasher.VerifyAny(hash, normalizeAnswer(answer))
				return good && err == nil, nil
			})
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
					Fields: []directory.FieldError{{Field: "answer", Message: "is not right"}}}
			}
		}
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		l, u2, _, err := s.resetLink(ctx, &tx.Conn, secret)
		if err != nil {
			return err
		}
		if ok, err := tx.UseLink(ctx, l.ID, s.now().UnixMicro()); err != nil || !ok {
			if err == nil {
				err = errBadLink
			}
			return err
		}
		u = u2
		if err := s.setPassword(ctx, tx, u, password, false, ""); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, org, u, noticePasswordChanged, nil); err != nil {
			return err
		}
		a := &Actor{OrgID: org.ID, UserID: u.ID, Name: u.Name(), IP: c.IP, RequestID: c.RequestID}
		return s.record(ctx, tx, a, "user.reset_password_by_link", "user", u.ID, u.Name(),
			[]directory.Change{{Field: "password", Before: "(hidden)", After: "(changed)"}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// normalizeAnswer folds a security answer so that case and spacing do not
// matter.
func normalizeAnswer(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
