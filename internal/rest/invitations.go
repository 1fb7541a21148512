package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// InvitationJSON is the state of a user's invitation.
type InvitationJSON struct {
	State     string     `json:"state" enum:"sent,expired,never,accepted" doc:"sent: a link that works is out; expired: one was sent but none works any more; never: none was sent; accepted: the user set their password through one"`
	SentAt    *time.Time `json:"sent_at,omitempty" doc:"When the newest invitation was sent"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the newest invitation stops (or stopped) working"`
}

func invitationJSON(inv *directory.Invitation) *InvitationJSON {
	if inv == nil {
		return nil
	}
	return &InvitationJSON{State: inv.State, SentAt: optTime(inv.SentAt), ExpiresAt: optTime(inv.ExpiresAt)}
}

// BulkInviteBody is the body of POST /invitations/bulk.
type BulkInviteBody struct {
	Emails     string   `json:"emails" maxLength:"300000" doc:"Up to 1,000 addresses as pasted, separated by commas, semicolons, spaces or line breaks"`
	RoleID     string   `json:"role_id" doc:"The role every invited user gets"`
	UnitIDs    []string `json:"unit_ids,omitempty" maxItems:"100" doc:"The units the role is given over, one grant each; none = the whole organization"`
	RequireMFA bool     `json:"require_mfa,omitempty" doc:"Require MFA of every invited user"`
}

// BulkInviteResultJSON is what became of one address.
type BulkInviteResultJSON struct {
	Email   string `json:"email"`
	Outcome string `json:"outcome" enum:"invited,already_a_user,invalid_address,repeated,not_allowed"`
	UserID  string `json:"user_id,omitempty" doc:"The invited user; for already_a_user, the existing user when the caller may see them"`
	Detail  string `json:"detail,omitempty"`
}

func (h *Handler) registerInvitations(maxBody int64) {
	tags := []string{"Users"}
	huma.Register(h.api, huma.Operation{OperationID: "resend-invitation", Method: http.MethodPost,
		Path: Prefix + "/users/{id}/resend-invitation", Summary: "Send a pending user a new invitation", Tags: tags,
		Description: "Mails a new invitation link and voids the older ones. Only for pending users with an email (409 otherwise). " +
			"Takes users.invite on a user the caller may manage."},
		func(ctx context.Context, in *userIDInput) (*userOutput, error) {
			u, err := h.svc.ResendInvitation(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "bulk-invite", Method: http.MethodPost,
		Path: Prefix + "/invitations/bulk", Summary: "Invite many people at once", Tags: []string{"Invitations"}, MaxBodyBytes: maxBody,
		Description: "Adds and invites a pending user for each address, each with the role over each unit, in a transaction " +
			"of its own. Each address answers invited, already_a_user (with user_id when the caller may see that user), " +
			"invalid_address, repeated or not_allowed (the delegation rule refuses the role or a unit). Takes users.invite."},
		func(ctx context.Context, in *struct{ Body BulkInviteBody }) (*struct {
			Body struct {
				Results []BulkInviteResultJSON `json:"results"`
			}
		}, error) {
			b := in.Body
			res, err := h.svc.BulkInvite(ctx, actorOf(ctx), admin.BulkInviteInput{Emails: b.Emails, RoleID: b.RoleID,
				UnitIDs: b.UnitIDs, RequireMFA: b.RequireMFA})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Results []BulkInviteResultJSON `json:"results"`
				}
			}{}
			out.Body.Results = make([]BulkInviteResultJSON, 0, len(res))
			for _, r := range res {
				out.Body.Results = append(out.Body.Results, BulkInviteResultJSON(r))
			}
			return out, nil
		})
}
