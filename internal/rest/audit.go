package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/directory"
	"roster/internal/store"
)

// AuditEventJSON is one audited write.
type AuditEventJSON struct {
	ID             string             `json:"id"`
	At             time.Time          `json:"at"`
	ActorID        string             `json:"actor_id" doc:"Empty for the command-line operator"`
	ActorName      string             `json:"actor_name"`
	ImpersonatorID string             `json:"impersonator_id,omitempty"`
	TokenID        string             `json:"token_id,omitempty"`
	Action         string             `json:"action"`
	TargetType     string             `json:"target_type"`
	TargetID       string             `json:"target_id"`
	TargetName     string             `json:"target_name"`
	Changes        []directory.Change `json:"changes"`
	IP             string             `json:"ip"`
	RequestID      string             `json:"request_id"`
	ImportID       string             `json:"import_id,omitempty"`
}

func (h *Handler) registerAudit() {
	huma.Register(h.api, huma.Operation{OperationID: "list-audit-events", Method: http.MethodGet, Path: Prefix + "/audit-events",
		Summary: "List audit events, newest first", Tags: []string{"Audit"}},
		func(ctx context.Context, in *struct {
			ActorID    string `query:"actor_id"`
			TargetID   string `query:"target_id"`
			TargetType string `query:"target_type"`
			Action     string `query:"action" doc:"An action (user.update) or a prefix ending in a dot (user.)"`
			From       string `query:"from" doc:"RFC 3339; inclusive"`
			To         string `query:"to" doc:"RFC 3339; exclusive"`
			Limit      int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
			Cursor     string `query:"cursor"`
		}) (*struct {
			Body struct {
				Items      []*AuditEventJSON `json:"items"`
				NextCursor string            `json:"next_cursor,omitempty"`
			}
		}, error) {
			f := store.AuditFilter{ActorID: in.ActorID, TargetID: in.TargetID, TargetType: in.TargetType, Action: in.Action, Limit: in.Limit}
			var p *Problem
			if f.From, p = parseTimeParam("from", in.From); p != nil {
				return nil, p
			}
			if f.To, p = parseTimeParam("to", in.To); p != nil {
				return nil, p
			}
			if in.Cursor != "" {
				var c store.AuditCursor
				if err := decodeCursor(in.Cursor, &c); err != nil || c.ID == "" {
					return nil, invalid("query.cursor", "is not a cursor this API gave out")
				}
				f.After = &c
			}
			page, err := h.svc.Audit(ctx, actorOf(ctx), f)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct {
				Body struct {
					Items      []*AuditEventJSON `json:"items"`
					NextCursor string            `json:"next_cursor,omitempty"`
				}
			}{}
			out.Body.Items = make([]*AuditEventJSON, 0, len(page.Events))
			for _, e := range page.Events {
				changes := e.Changes
				if changes == nil {
					changes = []directory.Change{}
				}
				out.Body.Items = append(out.Body.Items, &AuditEventJSON{ID: e.ID, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName,
					ImpersonatorID: e.ImpersonatorID, TokenID: e.TokenID, Action: e.Action, TargetType: e.TargetType,
					TargetID: e.TargetID, TargetName: e.TargetName, Changes: changes, IP: e.IP, RequestID: e.RequestID, ImportID: e.ImportID})
			}
			if page.Next != nil {
				out.Body.NextCursor = encodeCursor(page.Next)
			}
			return out, nil
		})
}
