package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/directory"
)

// MailJSON is an outgoing mail as administrators see it: never its body,
// which may carry a reset or invitation link.
type MailJSON struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind" doc:"password_reset, invitation, account_locked, …"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	State     string     `json:"state" enum:"queued,sent,dead"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty" doc:"The SMTP server's last answer to a failed attempt"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	DeadAt    *time.Time `json:"dead_at,omitempty"`
}

func mailJSON(m *directory.Mail) *MailJSON {
	out := &MailJSON{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, State: "queued", Attempts: m.Attempts,
		LastError: m.LastError, CreatedAt: m.CreatedAt}
	if !m.SentAt.IsZero() {
		out.State, out.SentAt = "sent", &m.SentAt
	}
	if !m.DeadAt.IsZero() {
		out.State, out.DeadAt = "dead", &m.DeadAt
	}
	return out
}

func (h *Handler) registerMail() {
	tags := []string{"Mail"}
	huma.Register(h.api, huma.Operation{OperationID: "list-mail", Method: http.MethodGet, Path: Prefix + "/mail",
		Summary: "List outgoing mail", Tags: tags,
		Description: "The newest 200 messages of the outbox, in one state or all, without their bodies. Takes settings.manage over the whole organization."},
		func(ctx context.Context, in *struct {
			State string `query:"state" enum:"queued,sent,dead" doc:"Only mail in this state"`
		}) (*itemsOutput[*MailJSON], error) {
			list, err := h.svc.MailList(ctx, actorOf(ctx), in.State)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			return itemsOf(list, mailJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "retry-mail", Method: http.MethodPost, Path: Prefix + "/mail/{id}/retry",
		Summary: "Retry a dead mail", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Puts a dead message back in the queue with its attempts counted afresh; 409 when it is not dead."},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{}, error) {
			if err := h.svc.RetryMail(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})
	type mailOut struct{ Body *MailJSON }
	huma.Register(h.api, huma.Operation{OperationID: "send-test-mail", Method: http.MethodPost, Path: Prefix + "/mail/test",
		Summary: "Send a test mail to yourself", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Queues a test message to the caller's own email, to check delivery."},
		func(ctx context.Context, _ *struct{}) (*mailOut, error) {
			m, err := h.svc.SendTestMail(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &mailOut{mailJSON(m)}, nil
		})
}
