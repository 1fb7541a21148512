package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// ResetPasswordBody is the body of POST /users/{id}/reset-password.
type ResetPasswordBody struct {
	Method string `json:"method,omitempty" enum:"link,temporary,create" default:"link" doc:"link mails the user a reset link; temporary sets a password the user changes at the next sign-in; create sets the first password of a pending user and activates them"`
	// No length or pattern limits here: the schema check would echo the
	// password back in its error; admin checks it and names only the rule.
	Password      string `json:"password,omitempty" doc:"The new password, for temporary and create; it must meet the organization's password rules"`
	RequireChange *bool  `json:"require_change,omitempty" doc:"Make the user change the password at the next sign-in; default true for temporary, false for create"`
}

// ResetPasswordJSON says what a password reset did. It never holds a
// password, a hash or a link.
type ResetPasswordJSON struct {
	Method     string    `json:"method" enum:"link,temporary,create"`
	LinkSentTo string    `json:"link_sent_to,omitempty" doc:"The address the reset link was mailed to (method link)"`
	User       *UserJSON `json:"user"`
}

// UnlockResultJSON is the outcome of one id of a bulk unlock.
type UnlockResultJSON struct {
	UserID  string `json:"user_id"`
	Outcome string `json:"outcome" enum:"unlocked,refused"`
	Status  int    `json:"status" doc:"The status POST /users/{id}/unlock would have answered for this user: 200, or 403, 404, 409 …"`
	Detail  string `json:"detail" doc:"Why the unlock was refused; empty when it succeeded"`
}

// SessionJSON is a signed-in browser session. Its secret never appears.
type SessionJSON struct {
	ID                  string    `json:"id"`
	CreatedAt           time.Time `json:"created_at" doc:"When the user signed in"`
	LastSeenAt          time.Time `json:"last_seen_at" doc:"The session's last request (written about once a minute)"`
	ExpiresAt           time.Time `json:"expires_at" doc:"When the session ends however busy it is; an idle timeout may end it sooner"`
	IP                  string    `json:"ip" doc:"The address the user signed in from"`
	UserAgent           string    `json:"user_agent"`
	Current             bool      `json:"current" doc:"The session this request came with; never true for a request with an API token"`
	ImpersonatingUserID string    `json:"impersonating_user_id,omitempty" doc:"The user this session is emulating right now"`
}

func sessionJSON(v *admin.SessionView, now time.Time) *SessionJSON {
	s := &SessionJSON{ID: v.ID, CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt, ExpiresAt: v.ExpiresAt,
		IP: v.IP, UserAgent: v.UserAgent, Current: v.Current}
	if v.Impersonating(now) {
		s.ImpersonatingUserID = v.ImpersonatedID
	}
	return s
}

// SecurityPolicyJSON is the organization's sign-in and credential policy.
// It has the fields of directory.SecurityPolicy, in the same order, so that
// one converts into the other; the ranges are checked by admin.
type SecurityPolicyJSON struct {
	SessionIdleMinutes    int    `json:"session_idle_minutes" doc:"A session ends after this many minutes without a request (5–1440, at most the lifetime)"`
	SessionLifetimeHours  int    `json:"session_lifetime_hours" doc:"A session ends this many hours after sign-in, however busy (1–720)"`
	LockoutThreshold      int    `json:"lockout_threshold" doc:"Consecutive failed sign-ins (password or code) that lock the account (3–100)"`
	AutoUnlockMinutes     int    `json:"auto_unlock_minutes" doc:"A locked account unlocks by itself after this many minutes (0–10080; 0 = only an administrator unlocks it)"`
	PasswordMinLength     int    `json:"password_min_length" doc:"Minimum password length where the password is the only factor (15–256)"`
	PasswordMinLengthMFA  int    `json:"password_min_length_mfa" doc:"Minimum password length for users of whom MFA is required (8–256)"`
	RequireUpper          bool   `json:"require_upper" doc:"Passwords need an upper-case letter"`
	RequireLower          bool   `json:"require_lower" doc:"Passwords need a lower-case letter"`
	RequireDigit          bool   `json:"require_digit" doc:"Passwords need a digit"`
	RequireSymbol         bool   `json:"require_symbol" doc:"Passwords need a symbol"`
	MFARequired           bool   `json:"mfa_required" doc:"Every user of the organization must set up MFA"`
	SecurityQuestions     bool   `json:"security_questions" doc:"Ask the user's security question after a reset link is opened, as an extra check"`
	ImpersonationDisabled bool   `json:"impersonation_disabled" doc:"Turn emulating users off"`
	ImpersonationNotice   bool   `json:"impersonation_notice" doc:"Mail users when an administrator starts acting as them"`
	ImpersonationMinutes  int    `json:"impersonation_minutes" doc:"An emulation ends by itself after this many minutes (5–480)"`
	ResetLinkMinutes      int    `json:"reset_link_minutes" doc:"How long a password reset link works, in minutes (10–1440)"`
	InvitationHours       int    `json:"invitation_hours" doc:"How long an invitation link works, in hours (1–720)"`
	RecycleBinDays        int    `json:"recycle_bin_days" required:"false" doc:"Deleted users are purged this many days after they were deleted (0–3650; 0 or left out = kept until purged by hand)"`
	ProvisioningDelete    string `json:"provisioning_delete" required:"false" enum:"disable,recycle_bin" doc:"What a SCIM DELETE does to a user: disable them (the default) or move them to the recycle bin"`
	ProvisioningLink      string `json:"provisioning_link" required:"false" enum:",username,external_id" doc:"Whether a SCIM client that creates a user takes over a user added by hand with the same user name or external id; empty (the default) refuses such creates as duplicates"`
	ProvisioningInvite    bool   `json:"provisioning_invite" required:"false" doc:"Mail an invitation to each active user with an email that a SCIM client creates (the token's user needs users.invite)"`
}

type sessionsOutput = itemsOutput[*SessionJSON]

func (h *Handler) sessionItems(list []*admin.SessionView) *sessionsOutput {
	now := h.svc.Now()
	return itemsOf(list, func(v *admin.SessionView) *SessionJSON { return sessionJSON(v, now) })
}

func (h *Handler) registerCredentials(maxBody int64) {
	tags := []string{"Users"}
	huma.Register(h.api, huma.Operation{OperationID: "reset-user-password", Method: http.MethodPost,
		Path: Prefix + "/users/{id}/reset-password", Summary: "Reset a user's password", Tags: tags, MaxBodyBytes: maxBody,
		Description: "method link (the default) mails the user a reset link and voids any older one; temporary sets a password " +
			"the user must change at the next sign-in (unless require_change is false); create sets the first password of a " +
			"pending user, which activates them. A new password ends the user's sessions and revokes their API tokens. " +
			"A reset link is not sent to a locked user: unlock them first (409). The answer never holds the password or the link."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" doc:"The user's id"`
			Body ResetPasswordBody
		}) (*struct {
			ETag string `header:"ETag"`
			Body *ResetPasswordJSON
		}, error) {
			b := in.Body
			res, err := h.svc.ResetPassword(ctx, actorOf(ctx), in.ID, admin.ResetInput{Method: b.Method, Password: b.Password,
				RequireChange: b.RequireChange})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct {
				ETag string `header:"ETag"`
				Body *ResetPasswordJSON
			}{etag(res.User.Version), &ResetPasswordJSON{Method: res.Method, LinkSentTo: res.LinkSentTo,
				User: userJSON(res.User, h.svc.Now())}}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "unlock-users", Method: http.MethodPost, Path: Prefix + "/users/unlock",
		Summary: "Unlock several users", Tags: tags, MaxBodyBytes: maxBody,
		Description: "Unlocks each user as POST /users/{id}/unlock would, one after another, and says for each id what happened. " +
			"A refusal of one id does not stop the others; an id given twice is answered once."},
		func(ctx context.Context, in *struct {
			Body struct {
				IDs []string `json:"ids" minItems:"1" maxItems:"1000" doc:"The users to unlock"`
			}
		}) (*struct {
			Body struct {
				Results []UnlockResultJSON `json:"results"`
			}
		}, error) {
			results, err := h.svc.UnlockMany(ctx, actorOf(ctx), in.Body.IDs)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Results []UnlockResultJSON `json:"results"`
				}
			}{}
			out.Body.Results = make([]UnlockResultJSON, 0, len(results))
			for _, r := range results {
				item := UnlockResultJSON{UserID: r.UserID, Outcome: "unlocked", Status: http.StatusOK}
				if r.Err != nil {
					p := h.problem(ctx, r.Err)
					item.Outcome, item.Status, item.Detail = "refused", p.Status, p.Detail
				}
				out.Body.Results = append(out.Body.Results, item)
			}
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-user-sessions", Method: http.MethodGet, Path: Prefix + "/users/{id}/sessions",
		Summary: "List a user's signed-in sessions", Tags: tags,
		Description: "Takes users.edit on a user one may manage. Sessions that have lapsed are not listed."},
		func(ctx context.Context, in *userIDInput) (*sessionsOutput, error) {
			list, err := h.svc.UserSessions(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return h.sessionItems(list), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "end-user-sessions", Method: http.MethodDelete, Path: Prefix + "/users/{id}/sessions",
		Summary: "Sign a user out everywhere", Tags: tags,
		Description: "Ends every session of the user and says how many. API tokens stay; revoke them with DELETE /tokens/{id}."},
		func(ctx context.Context, in *userIDInput) (*struct {
			Body struct {
				Ended int `json:"ended" doc:"How many sessions were ended"`
			}
		}, error) {
			n, err := h.svc.EndUserSessions(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Ended int `json:"ended" doc:"How many sessions were ended"`
				}
			}{}
			out.Body.Ended = n
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "reset-user-mfa", Method: http.MethodPost, Path: Prefix + "/users/{id}/mfa/reset",
		Summary: "Reset a user's MFA", Tags: tags,
		Description: "Removes the user's authenticator app and recovery codes, ends their sessions and tells them by mail. " +
			"If MFA is required of them they set it up again at their next sign-in. A user without MFA answers 409."},
		func(ctx context.Context, in *userIDInput) (*userOutput, error) {
			u, err := h.svc.ResetMFA(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "require-user-mfa", Method: http.MethodPost, Path: Prefix + "/users/{id}/require-mfa",
		Summary: "Require MFA of a user, or stop requiring it", Tags: tags, MaxBodyBytes: maxBody,
		Description: "Sets the user's own \"require MFA\" flag (mfa_required). MFA may still be required by one of their roles or by the organization."},
		func(ctx context.Context, in *struct {
			UserWriteInput
			Body struct {
				Required bool `json:"required"`
			}
		}) (*userOutput, error) {
			u, err := h.svc.SetMFARequired(ctx, actorOf(ctx), in.ID, in.Body.Required, ifMatch(in.IfMatch))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Body: userJSON(u, h.svc.Now())}, nil
		})

	me := []string{"Me"}
	huma.Register(h.api, huma.Operation{OperationID: "list-my-sessions", Method: http.MethodGet, Path: Prefix + "/me/sessions",
		Summary: "List one's own signed-in sessions", Tags: me,
		Description: "The browser sessions of the user the token acts for. A token is not a session, so none is current."},
		func(ctx context.Context, _ *struct{}) (*sessionsOutput, error) {
			list, err := h.svc.MySessions(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return h.sessionItems(list), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "end-my-session", Method: http.MethodDelete, Path: Prefix + "/me/sessions/{id}",
		Summary: "End one of one's own sessions", Tags: me, DefaultStatus: http.StatusNoContent,
		Description: "Signs that browser out. Another user's session answers 404."},
		func(ctx context.Context, in *struct {
			ID string `path:"id" doc:"The session's id"`
		}) (*struct{}, error) {
			if err := h.svc.EndMySession(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	settings := []string{"Settings"}
	type policyOutput struct{ Body SecurityPolicyJSON }
	huma.Register(h.api, huma.Operation{OperationID: "get-security-policy", Method: http.MethodGet, Path: Prefix + "/settings/security",
		Summary: "The sign-in and credential policy", Tags: settings,
		Description: "Anyone signed in may read it: it says which password rules apply to them."},
		func(ctx context.Context, _ *struct{}) (*policyOutput, error) {
			p, err := h.svc.SecurityPolicy(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &policyOutput{SecurityPolicyJSON(p)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "put-security-policy", Method: http.MethodPut, Path: Prefix + "/settings/security",
		Summary: "Replace the sign-in and credential policy", Tags: settings, MaxBodyBytes: maxBody,
		Description: "Send every field. Takes settings.manage through an organization-wide grant. Each value out of its range " +
			"answers 422 naming the field. Sessions keep the end they were given; a new idle timeout applies at once."},
		func(ctx context.Context, in *struct{ Body SecurityPolicyJSON }) (*policyOutput, error) {
			p, err := h.svc.UpdateSecurityPolicy(ctx, actorOf(ctx), directory.SecurityPolicy(in.Body))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &policyOutput{SecurityPolicyJSON(p)}, nil
		})
}
