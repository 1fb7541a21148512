package admin

import (
	"context"

	"roster/internal/directory"
)

// Mail returns one message of the organization's outbox with its bodies,
// for the development mailbox of an install that delivers no mail
// (settings.manage, organization-wide). The bodies carry reset and
// invitation links, so only those who manage the settings read them. An
// unknown message is KindNotFound.
func (s *Service) Mail(ctx context.Context, a *Actor, id string) (*directory.Mail, error) {
	if err := s.manageSettings(a); err != nil {
		return nil, err
	}
	return s.db.MailWithBody(ctx, a.OrgID, id)
}
