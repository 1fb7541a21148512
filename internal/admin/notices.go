package admin

import (
	"context"
	"strconv"

	"roster/internal/directory"
	"roster/internal/mail"
	"roster/internal/store"
)

// Kinds of mail about a user's credentials.
const (
	noticeResetLink       = "password_reset"
	noticePasswordChanged = "password_changed"
	noticeLocked          = "account_locked"
	noticeMFAReset        = "mfa_reset"
	// noticeInvitation carries an invitation link to a new user;
	// noticeInvitationExpired a fresh one to the administrator who invited
	// someone whose invitation ran out unused; noticeWelcome greets a user
	// who accepted their invitation.
	noticeInvitation        = "invitation"
	noticeInvitationExpired = "invitation_expired"
	noticeWelcome           = "welcome"
	// noticeImpersonation tells a user that an administrator started
	// acting as them, when the organization asks for it; noticeTest is an
	// administrator's test mail.
	noticeImpersonation = "impersonation"
	noticeTest          = "test"
)

// notify puts a mail to u, written from the embedded templates of kind,
// in the outbox, in tx, so that it
// goes out exactly when the change it reports is committed. A user without
// an email gets none.
func (s *Service) notify(ctx context.Context, tx *store.Tx, org *directory.Organization, u *directory.User, kind string, data map[string]string) error {
	_, err := s.enqueueNotice(ctx, tx, org, u, kind, data)
	return err
}

// enqueueNotice is notify, returning the mail (nil for a user without an
// email).
func (s *Service) enqueueNotice(ctx context.Context, tx *store.Tx, org *directory.Organization, u *directory.User, kind string, data map[string]string) (*directory.Mail, error) {
	if u.Email == "" {
		return nil, nil
	}
	subject, text, html, err := s.templates.Render(kind, mail.Notice{Org: org.Name, Name: u.Name(), Username: u.Username,
		AutoUnlockMinutes: org.Policy.AutoUnlockMinutes, Data: data})
	if err != nil {
		return nil, err
	}
	m := &directory.Mail{ID: newID(), OrgID: org.ID, Kind: kind, To: u.Email, Subject: subject, Text: text, HTML: html, CreatedAt: s.now()}
	if err := tx.EnqueueMail(ctx, m); err != nil {
		return nil, err
	}
	if link := data["link"]; link != "" && s.logLinks {
		// Without mail delivery the operator reads links in the log, so that
		// an embedded installation can still reset passwords.
		s.log.InfoContext(ctx, "mail queued with a link (no SMTP server configured)", "kind", kind, "to", u.Email, "link", link)
	}
	return m, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
