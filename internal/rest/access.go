package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// RequiredFieldJSON is a value a role asks of each of its grants.
type RequiredFieldJSON struct {
	Key   string `json:"key" maxLength:"40"`
	Label string `json:"label" maxLength:"200"`
}

// RoleJSON is a role: a named level with permissions.
type RoleJSON struct {
	ID             string              `json:"id"`
	Key            string              `json:"key" doc:"The built-in role's key (owner, administrator, …); empty for roles the organization added"`
	Name           string              `json:"name"`
	Description    string              `json:"description"`
	Level          int                 `json:"level" doc:"Higher is more power; you may give and manage only up to your own"`
	Permissions    []string            `json:"permissions"`
	MFARequired    bool                `json:"mfa_required"`
	IsDefault      bool                `json:"is_default" doc:"The role offered first for new users; exactly one role is the default"`
	RequiredFields []RequiredFieldJSON `json:"required_fields" doc:"Values every grant of this role must carry"`
	CreatedAt      time.Time           `json:"created_at"`
	UpdatedAt      time.Time           `json:"updated_at"`
	Version        int64               `json:"version"`
}

func roleJSON(r *directory.Role) *RoleJSON {
	out := &RoleJSON{ID: r.ID, Key: r.Key, Name: r.Name, Description: r.Description, Level: r.Level,
		Permissions: []string{}, MFARequired: r.MFARequired, IsDefault: r.IsDefault, RequiredFields: []RequiredFieldJSON{},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	for _, p := range r.Permissions {
		out.Permissions = append(out.Permissions, string(p))
	}
	for _, f := range r.RequiredFields {
		out.RequiredFields = append(out.RequiredFields, RequiredFieldJSON(f))
	}
	return out
}

// RoleBody is the body of POST /roles and PUT /roles/{id}.
type RoleBody struct {
	Name           string              `json:"name" maxLength:"100"`
	Description    string              `json:"description,omitempty" maxLength:"500"`
	Level          int                 `json:"level" minimum:"1" maximum:"100"`
	Permissions    []string            `json:"permissions" maxItems:"100"`
	MFARequired    bool                `json:"mfa_required,omitempty"`
	IsDefault      bool                `json:"is_default,omitempty"`
	RequiredFields []RequiredFieldJSON `json:"required_fields,omitempty" maxItems:"20"`
}

func (b *RoleBody) input() admin.RoleInput {
	in := admin.RoleInput{Name: b.Name, Description: b.Description, Level: b.Level, MFARequired: b.MFARequired, IsDefault: b.IsDefault}
	for _, p := range b.Permissions {
		in.Permissions = append(in.Permissions, directory.Permission(p))
	}
	for _, f := range b.RequiredFields {
		in.RequiredFields = append(in.RequiredFields, directory.RequiredField(f))
	}
	return in
}

type roleOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *RoleJSON
}

// GrantJSON is an access record: a role over a scope for a while.
type GrantJSON struct {
	ID        string            `json:"id"`
	UserID    string            `json:"user_id"`
	RoleID    string            `json:"role_id"`
	RoleName  string            `json:"role_name"`
	Level     int               `json:"level"`
	UnitID    *string           `json:"unit_id" doc:"null = the whole organization"`
	UnitName  string            `json:"unit_name"`
	StartsAt  *time.Time        `json:"starts_at"`
	ExpiresAt *time.Time        `json:"expires_at"`
	Current   bool              `json:"current" doc:"Started and not expired: the grant counts now"`
	Fields    map[string]string `json:"fields" doc:"Values for the role's required fields"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func grantJSON(g *admin.GrantView) *GrantJSON {
	out := &GrantJSON{ID: g.ID, UserID: g.UserID, RoleID: g.RoleID, RoleName: g.Role.Name, Level: g.Role.Level,
		UnitID: optString(g.UnitID), StartsAt: optTime(g.StartsAt), ExpiresAt: optTime(g.ExpiresAt), Current: g.Current,
		Fields: g.Fields, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if g.Unit != nil {
		out.UnitName = g.Unit.Name
	}
	if out.Fields == nil {
		out.Fields = map[string]string{}
	}
	return out
}

// GrantBody is the body of POST /users/{id}/grants and PUT …/grants/{grant_id}.
type GrantBody struct {
	RoleID    string            `json:"role_id"`
	UnitID    string            `json:"unit_id,omitempty" doc:"Absent = the whole organization"`
	StartsAt  *time.Time        `json:"starts_at,omitempty"`
	ExpiresAt *time.Time        `json:"expires_at,omitempty"`
	Fields    map[string]string `json:"fields,omitempty" doc:"Values for the role's required fields, by key"`
}

func (b *GrantBody) input() admin.GrantInput {
	in := admin.GrantInput{RoleID: b.RoleID, UnitID: b.UnitID, Fields: map[string]string{}}
	for k, v := range b.Fields {
		in.Fields[k] = v
	}
	if b.StartsAt != nil {
		in.StartsAt = b.StartsAt.UTC().Truncate(time.Microsecond)
	}
	if b.ExpiresAt != nil {
		in.ExpiresAt = b.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	return in
}

type grantList struct {
	Body struct {
		Items []*GrantJSON `json:"items"`
	}
}

func (h *Handler) registerAccess(maxBody int64) {
	tags := []string{"Roles"}
	huma.Register(h.api, huma.Operation{OperationID: "list-permissions", Method: http.MethodGet, Path: Prefix + "/permissions",
		Summary: "The catalog of permissions a role may hold", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Items []struct {
					Name        string `json:"name"`
					Description string `json:"description"`
				} `json:"items"`
			}
		}, error) {
			out := &struct {
				Body struct {
					Items []struct {
						Name        string `json:"name"`
						Description string `json:"description"`
					} `json:"items"`
				}
			}{}
			for _, p := range directory.Catalog {
				out.Body.Items = append(out.Body.Items, struct {
					Name        string `json:"name"`
					Description string `json:"description"`
				}{string(p.Name), p.Description})
			}
			return out, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "list-roles", Method: http.MethodGet, Path: Prefix + "/roles",
		Summary: "List roles, highest level first", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[*RoleJSON], error) {
			roles, err := h.svc.Roles(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(roles, roleJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-role", Method: http.MethodPost, Path: Prefix + "/roles",
		Summary: "Add a role", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes roles.manage through an organization-wide grant; the level may not exceed yours and " +
			"every permission must be one you hold."},
		func(ctx context.Context, in *struct{ Body RoleBody }) (*roleOutput, error) {
			r, err := h.svc.CreateRole(ctx, actorOf(ctx), in.Body.input())
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &roleOutput{ETag: etag(r.Version), Location: Prefix + "/roles/" + r.ID, Body: roleJSON(r)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "get-role", Method: http.MethodGet, Path: Prefix + "/roles/{id}",
		Summary: "Get a role", Tags: tags},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*roleOutput, error) {
			r, err := h.svc.Role(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &roleOutput{ETag: etag(r.Version), Body: roleJSON(r)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "update-role", Method: http.MethodPut, Path: Prefix + "/roles/{id}",
		Summary: "Replace a role's name, level, permissions and requirements", Tags: tags, MaxBodyBytes: maxBody,
		Description: "The owner role keeps its level and every permission."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			IfMatch string `header:"If-Match"`
			Body    RoleBody
		}) (*roleOutput, error) {
			r, err := h.svc.UpdateRole(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), in.Body.input())
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &roleOutput{ETag: etag(r.Version), Body: roleJSON(r)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-role", Method: http.MethodDelete, Path: Prefix + "/roles/{id}",
		Summary: "Remove a role nobody holds", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteRole(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	gtags := []string{"Grants"}
	huma.Register(h.api, huma.Operation{OperationID: "list-user-grants", Method: http.MethodGet, Path: Prefix + "/users/{id}/grants",
		Summary: "List a user's grants", Tags: gtags},
		func(ctx context.Context, in *userIDInput) (*grantList, error) {
			list, err := h.svc.Grants(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return grantListOf(list), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-user-grant", Method: http.MethodPost, Path: Prefix + "/users/{id}/grants",
		Summary: "Give a user a role over a scope", Tags: gtags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes access.grant. The role must be at or below your level, the scope inside yours, and the user " +
			"one you may manage; the role's required fields must have values."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body GrantBody
		}) (*struct{ Body *GrantJSON }, error) {
			g, err := h.svc.CreateGrant(ctx, actorOf(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *GrantJSON }{grantJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "update-user-grant", Method: http.MethodPut, Path: Prefix + "/users/{id}/grants/{grant_id}",
		Summary: "Change a grant's role, scope, dates or field values", Tags: gtags, MaxBodyBytes: maxBody},
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			GrantID string `path:"grant_id"`
			Body    GrantBody
		}) (*struct{ Body *GrantJSON }, error) {
			g, err := h.svc.UpdateGrant(ctx, actorOf(ctx), in.ID, in.GrantID, in.Body.input())
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *GrantJSON }{grantJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-user-grant", Method: http.MethodDelete, Path: Prefix + "/users/{id}/grants/{grant_id}",
		Summary: "Remove a grant", Tags: gtags, DefaultStatus: http.StatusNoContent,
		Description: "Removing a user's last grant also revokes their API tokens."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			GrantID string `path:"grant_id"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteGrant(ctx, actorOf(ctx), in.ID, in.GrantID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	mtags := []string{"Me"}
	huma.Register(h.api, huma.Operation{OperationID: "list-my-grants", Method: http.MethodGet, Path: Prefix + "/me/grants",
		Summary: "Your grants, with the one you act through", Tags: mtags},
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Items         []*GrantJSON `json:"items"`
				ActiveGrantID string       `json:"active_grant_id"`
			}
		}, error) {
			list, active, err := h.svc.MyGrants(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Items         []*GrantJSON `json:"items"`
					ActiveGrantID string       `json:"active_grant_id"`
				}
			}{}
			out.Body.Items = grantListOf(list).Body.Items
			out.Body.ActiveGrantID = active
			return out, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "get-my-active-grant", Method: http.MethodGet, Path: Prefix + "/me/active-grant",
		Summary: "The grant you act through now", Tags: mtags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body *GrantJSON }, error) {
			g, err := h.svc.ActiveGrant(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *GrantJSON }{grantJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "set-my-active-grant", Method: http.MethodPut, Path: Prefix + "/me/active-grant",
		Summary: "Act through another of your grants (change credentials)", Tags: mtags, MaxBodyBytes: maxBody,
		Description: "From the next request on, this token acts with that grant's role and scope."},
		func(ctx context.Context, in *struct {
			Body struct {
				GrantID string `json:"grant_id"`
			}
		}) (*struct{ Body *GrantJSON }, error) {
			g, err := h.svc.SetActiveGrant(ctx, actorOf(ctx), in.Body.GrantID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *GrantJSON }{grantJSON(g)}, nil
		})
}

func grantListOf(list []*admin.GrantView) *grantList {
	out := &grantList{}
	out.Body.Items = make([]*GrantJSON, 0, len(list))
	for _, g := range list {
		out.Body.Items = append(out.Body.Items, grantJSON(g))
	}
	return out
}
