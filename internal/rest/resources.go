package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// ResourceJSON is something a host application owns that users reach.
type ResourceJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind" doc:"One of the organization's resource kinds (GET /settings/resource-kinds)"`
	Name       string     `json:"name"`
	ExternalID string     `json:"external_id" doc:"The host application's own id; unique per kind"`
	UnitID     *string    `json:"unit_id" doc:"null = the resource belongs to the whole organization"`
	UnitName   string     `json:"unit_name"`
	Archived   bool       `json:"archived" doc:"Archived resources are reached by nobody"`
	ArchivedAt *time.Time `json:"archived_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Version    int64      `json:"version"`
}

func resourceJSON(r *directory.Resource, unitName string) *ResourceJSON {
	return &ResourceJSON{ID: r.ID, Kind: r.Kind, Name: r.Name, ExternalID: r.ExternalID, UnitID: optString(r.UnitID),
		UnitName: unitName, Archived: !r.ArchivedAt.IsZero(), ArchivedAt: optTime(r.ArchivedAt), CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, Version: r.Version}
}

func resourceViewJSON(rv *admin.ResourceView) *ResourceJSON {
	name := ""
	if rv.Unit != nil {
		name = rv.Unit.Name
	}
	return resourceJSON(rv.Resource, name)
}

type resourceOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *ResourceJSON
}

// ResourceWriteInput names the resource a write is about and the version it
// expects.
type ResourceWriteInput struct {
	ID      string `path:"id"`
	IfMatch string `header:"If-Match" doc:"The ETag last read; a stale one answers 412"`
}

// ResourcePatchBody changes a resource; absent fields stay.
type ResourcePatchBody struct {
	Kind       *string `json:"kind,omitempty"`
	Name       *string `json:"name,omitempty" maxLength:"200"`
	ExternalID *string `json:"external_id,omitempty" maxLength:"100"`
	UnitID     *string `json:"unit_id,omitempty" doc:"Moves the resource; empty string gives it to the whole organization"`
	Archived   *bool   `json:"archived,omitempty" doc:"false restores an archived resource"`
}

// ResourceListJSON is a page of resources.
type ResourceListJSON struct {
	Items      []*ResourceJSON `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	Total      int             `json:"total"`
}

// ResourceKindJSON is a kind of resource and the organization's label for it.
type ResourceKindJSON struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Position int    `json:"position"`
}

// AssignmentJSON is a direct resource assignment of a user.
type AssignmentJSON struct {
	ID           string    `json:"id"`
	UserID       string    `json:"user_id"`
	ResourceID   string    `json:"resource_id"`
	ResourceName string    `json:"resource_name"`
	ResourceKind string    `json:"resource_kind"`
	Relation     string    `json:"relation" enum:"access,director,editor,viewer"`
	CreatedBy    string    `json:"created_by" doc:"The user who made the assignment; empty for the operator"`
	CreatedAt    time.Time `json:"created_at"`
}

func assignmentJSON(g *admin.AssignmentView) *AssignmentJSON {
	return &AssignmentJSON{ID: g.ID, UserID: g.UserID, ResourceID: g.ResourceID, ResourceName: g.Resource.Name,
		ResourceKind: g.Resource.Kind, Relation: string(g.Relation), CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt}
}

// ViaJSON is one way a user reaches a resource: a grant whose role has
// resources.all_in_scope, or a direct assignment.
type ViaJSON struct {
	GrantID      string  `json:"grant_id,omitempty"`
	RoleName     string  `json:"role_name,omitempty"`
	UnitID       *string `json:"unit_id,omitempty" doc:"The grant's unit; absent for an organization-wide grant"`
	UnitName     string  `json:"unit_name,omitempty"`
	AssignmentID string  `json:"assignment_id,omitempty"`
	Relation     string  `json:"relation,omitempty" enum:"access,director,editor,viewer,"`
}

func viaJSON(vs []admin.ReachVia) []ViaJSON {
	out := make([]ViaJSON, len(vs))
	for i, v := range vs {
		out[i] = ViaJSON{GrantID: v.GrantID, RoleName: v.RoleName, UnitID: optString(v.UnitID), UnitName: v.UnitName,
			AssignmentID: v.AssignmentID, Relation: string(v.Relation)}
	}
	return out
}

// ReachJSON is a resource a user reaches and how.
type ReachJSON struct {
	Resource *ResourceJSON `json:"resource"`
	Via      []ViaJSON     `json:"via"`
}

// ReachListJSON is a page of the resources a user reaches.
type ReachListJSON struct {
	Items      []*ReachJSON `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
	Total      int          `json:"total"`
	Blocked    string       `json:"blocked,omitempty" doc:"Why the user cannot act now (inactive, locked, deleted, account expired); the items are what their access reaches once they can"`
}

// ReacherJSON is a user who reaches a resource and how.
type ReacherJSON struct {
	UserID   string    `json:"user_id"`
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Status   string    `json:"status" enum:"pending,active,inactive"`
	Blocked  string    `json:"blocked,omitempty" doc:"Why the user cannot act now; absent when they can"`
	Via      []ViaJSON `json:"via"`
}

// ReacherListJSON is a page of the users who reach a resource.
type ReacherListJSON struct {
	Items      []*ReacherJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      int            `json:"total"`
}

// DecisionJSON answers an access check.
type DecisionJSON struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason" doc:"Why, for a person: the grant and the assignment that allowed it, or what is missing"`
	Via     struct {
		GrantID      string `json:"grant_id,omitempty" doc:"The grant that gave the permission"`
		AssignmentID string `json:"assignment_id,omitempty" doc:"The direct assignment that reached the resource"`
		Relation     string `json:"relation,omitempty" enum:"access,director,editor,viewer," doc:"The relation of that assignment"`
	} `json:"via"`
}

// ResourcePageInput pages through a list of resources or users.
type ResourcePageInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page"`
}

func resourceCursor(s string) (*store.ResourceCursor, *Problem) {
	if s == "" {
		return nil, nil
	}
	var c store.ResourceCursor
	if err := decodeCursor(s, &c); err != nil || c.ID == "" {
		return nil, invalid("query.cursor", "is not a cursor this API gave out")
	}
	return &c, nil
}

func (h *Handler) registerResources(maxBody int64) {
	tags := []string{"Resources"}
	huma.Register(h.api, huma.Operation{OperationID: "create-resource", Method: http.MethodPost, Path: Prefix + "/resources",
		Summary: "Add a resource", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes resources.manage. The unit must lie in your scope; a resource without a unit belongs to the " +
			"whole organization and takes an organization-wide grant."},
		func(ctx context.Context, in *struct {
			Body struct {
				Kind       string `json:"kind"`
				Name       string `json:"name" maxLength:"200"`
				ExternalID string `json:"external_id,omitempty" maxLength:"100"`
				UnitID     string `json:"unit_id,omitempty" doc:"Absent = the whole organization"`
			}
		}) (*resourceOutput, error) {
			b := in.Body
			rv, err := h.svc.CreateResource(ctx, actorOf(ctx), admin.ResourceInput{Kind: b.Kind, Name: b.Name,
				ExternalID: b.ExternalID, UnitID: b.UnitID})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &resourceOutput{ETag: etag(rv.Version), Location: Prefix + "/resources/" + rv.ID, Body: resourceViewJSON(rv)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-resources", Method: http.MethodGet, Path: Prefix + "/resources",
		Summary: "List resources by name", Tags: tags,
		Description: "Takes users.view or resources.manage; lists only the resources in your scope."},
		func(ctx context.Context, in *struct {
			Kind            string `query:"kind"`
			UnitID          string `query:"unit_id" doc:"Only the resources of this unit (not of the units under it)"`
			Q               string `query:"q" maxLength:"200" doc:"Part of the name or external id"`
			IncludeArchived bool   `query:"include_archived"`
			ResourcePageInput
		}) (*struct{ Body ResourceListJSON }, error) {
			after, p := resourceCursor(in.Cursor)
			if p != nil {
				return nil, p
			}
			page, err := h.svc.Resources(ctx, actorOf(ctx), admin.ResourceListInput{Kind: in.Kind, UnitID: in.UnitID, Q: in.Q,
				IncludeArchived: in.IncludeArchived, Limit: in.Limit, After: after})
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct{ Body ResourceListJSON }{}
			out.Body.Items = make([]*ResourceJSON, 0, len(page.Rows))
			for _, r := range page.Rows {
				out.Body.Items = append(out.Body.Items, resourceJSON(r.Resource, r.UnitName))
			}
			out.Body.Total = page.Total
			if page.Next != nil {
				out.Body.NextCursor = encodeCursor(page.Next)
			}
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "get-resource", Method: http.MethodGet, Path: Prefix + "/resources/{id}",
		Summary: "Get a resource", Tags: tags},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*resourceOutput, error) {
			rv, err := h.svc.Resource(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &resourceOutput{ETag: etag(rv.Version), Body: resourceViewJSON(rv)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "update-resource", Method: http.MethodPatch, Path: Prefix + "/resources/{id}",
		Summary: "Rename, re-kind, move, archive or restore a resource", Tags: tags, MaxBodyBytes: maxBody,
		Description: "Takes resources.manage; a new unit must lie in your scope too."},
		func(ctx context.Context, in *struct {
			ResourceWriteInput
			Body ResourcePatchBody
		}) (*resourceOutput, error) {
			b := in.Body
			rv, err := h.svc.UpdateResource(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), admin.ResourcePatch{
				Kind: b.Kind, Name: b.Name, ExternalID: b.ExternalID, UnitID: b.UnitID, Archived: b.Archived})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &resourceOutput{ETag: etag(rv.Version), Body: resourceViewJSON(rv)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "archive-resource", Method: http.MethodPost, Path: Prefix + "/resources/{id}/archive",
		Summary: "Archive a resource", Tags: tags,
		Description: "Nobody reaches an archived resource; its assignments stay. PATCH with archived=false restores it."},
		func(ctx context.Context, in *ResourceWriteInput) (*resourceOutput, error) {
			rv, err := h.svc.ArchiveResource(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &resourceOutput{ETag: etag(rv.Version), Body: resourceViewJSON(rv)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "delete-resource", Method: http.MethodDelete, Path: Prefix + "/resources/{id}",
		Summary: "Remove a resource and its assignments for good", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *ResourceWriteInput) (*struct{}, error) {
			if err := h.svc.DeleteResource(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch)); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-resource-users", Method: http.MethodGet, Path: Prefix + "/resources/{id}/users",
		Summary: "Who reaches a resource", Tags: tags,
		Description: "Users assigned to the resource and users with a current grant whose role has resources.all_in_scope over a " +
			"scope that covers it, by last name. Takes users.view; lists only users you may see."},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			ResourcePageInput
		}) (*struct{ Body ReacherListJSON }, error) {
			var after *store.Cursor
			if in.Cursor != "" {
				var c store.Cursor
				if err := decodeCursor(in.Cursor, &c); err != nil || c.ID == "" {
					return nil, invalid("query.cursor", "is not a cursor this API gave out")
				}
				after = &c
			}
			page, err := h.svc.WhoCanReach(ctx, actorOf(ctx), in.ID, in.Limit, after)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct{ Body ReacherListJSON }{}
			out.Body.Items = make([]*ReacherJSON, 0, len(page.Items))
			for _, r := range page.Items {
				out.Body.Items = append(out.Body.Items, &ReacherJSON{UserID: r.User.ID, Username: r.User.Username, Name: r.User.Name(),
					Status: string(r.User.Status), Blocked: r.Blocked, Via: viaJSON(r.Via)})
			}
			out.Body.Total = page.Total
			if page.Next != nil {
				out.Body.NextCursor = encodeCursor(page.Next)
			}
			return out, nil
		})

	stags := []string{"Settings"}
	huma.Register(h.api, huma.Operation{OperationID: "list-resource-kinds", Method: http.MethodGet, Path: Prefix + "/settings/resource-kinds",
		Summary: "List the resource kinds and their labels", Tags: stags},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[ResourceKindJSON], error) {
			kinds, err := h.svc.ResourceKinds(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(kinds, func(k directory.ResourceKind) ResourceKindJSON { return ResourceKindJSON(k) }), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "put-resource-kind", Method: http.MethodPut, Path: Prefix + "/settings/resource-kinds/{key}",
		Summary: "Add a resource kind or relabel one", Tags: stags, MaxBodyBytes: maxBody,
		Description: "Takes settings.manage through an organization-wide grant. Without position an existing kind keeps its place and a new one goes last."},
		func(ctx context.Context, in *struct {
			Key  string `path:"key"`
			Body struct {
				Label    string `json:"label" maxLength:"100"`
				Position *int   `json:"position,omitempty"`
			}
		}) (*struct{ Body ResourceKindJSON }, error) {
			k, err := h.svc.PutResourceKind(ctx, actorOf(ctx), admin.ResourceKindInput{Key: in.Key, Label: in.Body.Label, Position: in.Body.Position})
			if err != nil {
				return nil, h.failIn(ctx, err, "path", "key")
			}
			return &struct{ Body ResourceKindJSON }{ResourceKindJSON(k)}, nil
		})

	atags := []string{"Resource access"}
	huma.Register(h.api, huma.Operation{OperationID: "list-user-resources", Method: http.MethodGet, Path: Prefix + "/users/{id}/resources",
		Summary: "A user's direct resource assignments", Tags: atags,
		Description: "Your own, or another user's with users.view or resources.manage (only resources in your scope)."},
		func(ctx context.Context, in *userIDInput) (*itemsOutput[*AssignmentJSON], error) {
			list, err := h.svc.Assignments(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, assignmentJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-user-resource", Method: http.MethodPost, Path: Prefix + "/users/{id}/resources",
		Summary: "Assign a resource to a user", Tags: atags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes resources.manage, a user you may manage and a resource in your scope."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				ResourceID string `json:"resource_id"`
				Relation   string `json:"relation,omitempty" enum:"access,director,editor,viewer" doc:"Default access"`
			}
		}) (*struct{ Body *AssignmentJSON }, error) {
			g, err := h.svc.Assign(ctx, actorOf(ctx), in.ID, admin.AssignmentInput{ResourceID: in.Body.ResourceID,
				Relation: directory.Relation(in.Body.Relation)})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *AssignmentJSON }{assignmentJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-user-resource", Method: http.MethodDelete,
		Path: Prefix + "/users/{id}/resources/{assignment_id}", Summary: "Remove a resource assignment", Tags: atags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID           string `path:"id"`
			AssignmentID string `path:"assignment_id"`
		}) (*struct{}, error) {
			if err := h.svc.Unassign(ctx, actorOf(ctx), in.ID, in.AssignmentID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "list-user-reachable-resources", Method: http.MethodGet,
		Path: Prefix + "/users/{id}/reachable-resources", Summary: "What a user reaches", Tags: atags,
		Description: "Every unarchived resource the user reaches, by name, with each grant (resources.all_in_scope) and " +
			"assignment that reaches it. Your own, or another user's with users.view (only resources in your scope)."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Kind string `query:"kind"`
			Q    string `query:"q" maxLength:"200" doc:"Part of the name or external id"`
			ResourcePageInput
		}) (*struct{ Body ReachListJSON }, error) {
			after, p := resourceCursor(in.Cursor)
			if p != nil {
				return nil, p
			}
			page, err := h.svc.ReachableResources(ctx, actorOf(ctx), in.ID, admin.ResourceListInput{Kind: in.Kind, Q: in.Q,
				Limit: in.Limit, After: after})
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct{ Body ReachListJSON }{}
			out.Body.Items = make([]*ReachJSON, 0, len(page.Items))
			for _, r := range page.Items {
				out.Body.Items = append(out.Body.Items, &ReachJSON{Resource: resourceJSON(r.Resource, r.UnitName), Via: viaJSON(r.Via)})
			}
			out.Body.Total, out.Body.Blocked = page.Total, page.Blocked
			if page.Next != nil {
				out.Body.NextCursor = encodeCursor(page.Next)
			}
			return out, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "check-access", Method: http.MethodGet, Path: Prefix + "/access/check",
		Summary: "May a user do a permission on a resource?", Tags: atags,
		Description: "Allowed when the user is active and holds the permission through a current grant, and either that grant's " +
			"role has resources.all_in_scope over a scope covering the resource or the user is assigned the resource. " +
			"The reason names the grant and assignment, or what is missing. Asking about yourself needs no permission; " +
			"about another user it takes users.view and a user and resource you may see."},
		func(ctx context.Context, in *struct {
			UserID     string `query:"user_id"`
			Permission string `query:"permission" doc:"A permission of the catalog (GET /permissions)"`
			ResourceID string `query:"resource_id"`
		}) (*struct{ Body DecisionJSON }, error) {
			d, err := h.svc.Check(ctx, actorOf(ctx), in.UserID, directory.Permission(in.Permission), in.ResourceID)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct{ Body DecisionJSON }{}
			out.Body.Allowed, out.Body.Reason = d.Allowed, d.Reason
			out.Body.Via.GrantID, out.Body.Via.AssignmentID, out.Body.Via.Relation = d.GrantID, d.AssignmentID, string(d.Relation)
			return out, nil
		})
}
