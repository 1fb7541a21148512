package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// MailList lists the organization's outgoing mail in a state (queued, sent,
// dead; "" = all), newest first, at most 200: who it went to, what kind,
// how many attempts and the last error. It never returns the bodies, which
// carry reset and invitation links. It takes settings.manage over the
// whole organization; a bad state is KindInvalid.
func (s *Service) MailList(ctx context.Context, a *Actor, state string) ([]*directory.Mail, error) {
	if err := s.manageSettings(a); err != nil {
		return nil, err
	}
	switch state {
	case "", store.MailQueued, store.MailSent, store.MailDead:
	default:
		return nil, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "state", Message: "must be queued, sent or dead"}}}
	}
	return s.db.MailList(ctx, a.OrgID, state, 200)
}

// RetryMail puts a dead message back in the queue, its attempts counted
// afresh (settings.manage, organization-wide). A message that is not dead
// is KindConflict; an unknown one KindNotFound.
func (s *Service) RetryMail(ctx context.Context, a *Actor, id string) error {
	if err := s.manageSettings(a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		m, err := tx.MailByID(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		ok, err := tx.RetryMail(ctx, a.OrgID, id, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return directory.Errorf(directory.KindConflict, "this mail is not dead; only dead mail is retried")
		}
		return s.record(ctx, tx, a, "mail.retry", "mail", m.ID, m.Subject, []directory.Change{
			{Field: "to", After: m.To}, {Field: "dead", Before: true, After: false}})
	})
}

// SendTestMail puts a test message to the actor's own email in the outbox
// (settings.manage, organization-wide), so that an administrator can check
// the delivery settings. An actor without an email is KindConflict.
func (s *Service) SendTestMail(ctx context.Context, a *Actor) (*directory.Mail, error) {
	if err := s.manageSettings(a); err != nil {
		return nil, err
	}
	if a.UserID == "" {
		return nil, directory.Errorf(directory.KindConflict, "the command-line operator has no email to send a test to")
	}
	var out *directory.Mail
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, a.OrgID, a.UserID)
		if err != nil {
			return err
		}
		if u.Email == "" {
			return directory.Errorf(directory.KindConflict, "your account has no email to send a test to")
		}
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		if out, err = s.enqueueNotice(ctx, tx, org, u, noticeTest, nil); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "mail.test", "mail", out.ID, out.Subject, []directory.Change{{Field: "to", After: u.Email}})
	})
	return out, err
}
