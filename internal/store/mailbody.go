package store

import (
	"context"

	"roster/internal/directory"
)

// MailWithBody returns one message of an organization with its plain-text
// and HTML bodies.
func (c *Conn) MailWithBody(ctx context.Context, orgID, id string) (*directory.Mail, error) {
	var m directory.Mail
	err := scanMailSummary(c.queryRow(ctx, `SELECT `+mailSummary+`, body_text, body_html FROM outbox WHERE org_id = ? AND id = ?`,
		orgID, id), &m, &m.Text, &m.HTML)
	if isNoRows(err) {
		return nil, directory.NotFound("mail")
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}
