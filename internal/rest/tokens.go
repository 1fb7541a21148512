package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// TokenJSON is an API token; its secret is shown only when it is made.
type TokenJSON struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the secret, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Revoked    bool       `json:"revoked"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Secret     string     `json:"secret,omitempty" doc:"Only in the answer to POST /tokens"`
	// The grant that users the token creates through SCIM receive.
	ProvisionRoleID string `json:"provision_role_id" doc:"Role that users this token creates through SCIM receive; empty: no role"`
	ProvisionUnitID string `json:"provision_unit_id" doc:"Unit over which they receive it; empty: the whole organization"`
}

func tokenJSON(t *directory.Token) *TokenJSON {
	return &TokenJSON{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		ExpiresAt: optTime(t.ExpiresAt), LastUsedAt: optTime(t.LastUsedAt), Revoked: !t.RevokedAt.IsZero(), RevokedAt: optTime(t.RevokedAt),
		ProvisionRoleID: t.ProvisionRoleID, ProvisionUnitID: t.ProvisionUnitID}
}

func (h *Handler) registerTokens(maxBody int64) {
	tags := []string{"Tokens"}
	huma.Register(h.api, huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: Prefix + "/tokens",
		Summary: "Make an API token", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "The secret is in this answer only; Roster keeps a hash. A token for another user takes settings.manage. " +
			"provision_role_id and provision_unit_id set the grant that users the token creates through SCIM receive; " +
			"it must be a grant you may give yourself."},
		func(ctx context.Context, in *struct {
			Body struct {
				Name            string     `json:"name" maxLength:"100"`
				UserID          string     `json:"user_id,omitempty" doc:"Whose rights the token carries; default: yours"`
				ExpiresAt       *time.Time `json:"expires_at,omitempty"`
				ProvisionRoleID string     `json:"provision_role_id,omitempty" doc:"Role that users this token creates through SCIM receive; it must be one you may give. Default: none"`
				ProvisionUnitID string     `json:"provision_unit_id,omitempty" doc:"Unit over which they receive the role, inside your scope; default: the whole organization. Needs provision_role_id"`
			}
		}) (*struct{ Body *TokenJSON }, error) {
			ti := admin.TokenInput{Name: in.Body.Name, UserID: in.Body.UserID,
				ProvisionRoleID: in.Body.ProvisionRoleID, ProvisionUnitID: in.Body.ProvisionUnitID}
			if in.Body.ExpiresAt != nil {
				ti.ExpiresAt = *in.Body.ExpiresAt
			}
			t, secret, err := h.svc.CreateToken(ctx, actorOf(ctx), ti)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := tokenJSON(t)
			out.Secret = secret
			return &struct{ Body *TokenJSON }{out}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: Prefix + "/tokens",
		Summary: "List API tokens", Tags: tags, Description: "Every token of the organization with settings.manage; otherwise your own."},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[*TokenJSON], error) {
			list, err := h.svc.Tokens(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, tokenJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: Prefix + "/tokens/{id}",
		Summary: "Revoke an API token", Tags: tags},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{ Body *TokenJSON }, error) {
			t, err := h.svc.RevokeToken(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *TokenJSON }{tokenJSON(t)}, nil
		})
}
