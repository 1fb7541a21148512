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

// GroupCategoryJSON is a category that sorts groups.
type GroupCategoryJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func groupCategoryJSON(c *directory.GroupCategory) *GroupCategoryJSON {
	return &GroupCategoryJSON{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt}
}

// GroupJSON is a named collection of users.
type GroupJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CategoryID  *string   `json:"category_id" doc:"null = uncategorised"`
	MemberCount int       `json:"member_count" doc:"Members outside the recycle bin that you may see"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

func groupJSON(g *directory.Group) *GroupJSON {
	return &GroupJSON{ID: g.ID, Name: g.Name, Description: g.Description, CategoryID: optString(g.CategoryID),
		MemberCount: g.Members, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, Version: g.Version}
}

type groupOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *GroupJSON
}

// GroupWriteInput names the group a write is about and the version it expects.
type GroupWriteInput struct {
	ID      string `path:"id" doc:"The group's id"`
	IfMatch string `header:"If-Match" doc:"The ETag last read; a stale one answers 412"`
}

// MemberOutcomeJSON is one member in the report of delete-members.
type MemberOutcomeJSON struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Reason string `json:"reason,omitempty" enum:"already_deleted,self,has_signed_in,out_of_scope" doc:"Why the member was skipped"`
	Detail string `json:"detail,omitempty" doc:"The reason, for a person"`
}

// GroupDeletionJSON is the report of POST /groups/{id}/delete-members.
type GroupDeletionJSON struct {
	Deleted []MemberOutcomeJSON `json:"deleted" doc:"Members moved to the recycle bin"`
	Skipped []MemberOutcomeJSON `json:"skipped" doc:"Members left alone, with the reason"`
}

// groupMembersInput is the query of GET /groups/{id}/members: a user list's
// search, status, bin, order and paging.
type groupMembersInput struct {
	ID      string `path:"id" doc:"The group's id"`
	Q       string `query:"q" maxLength:"200" doc:"Words that must each start a word of the name, username, email or external id"`
	Status  string `query:"status" doc:"pending, active or inactive; several separated by commas"`
	Deleted bool   `query:"deleted" doc:"The members in the recycle bin instead of the live ones"`
	Sort    string `query:"sort" enum:"username,first_name,last_name,email,status,created_at,last_sign_in_at," doc:"Default last_name"`
	Order   string `query:"order" enum:"asc,desc," doc:"Default asc"`
	Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor  string `query:"cursor" doc:"The next_cursor of the previous page"`
}

func (h *Handler) registerGroups(maxBody int64) {
	tags := []string{"Groups"}
	huma.Register(h.api, huma.Operation{OperationID: "list-group-categories", Method: http.MethodGet, Path: Prefix + "/group-categories",
		Summary: "List the group categories", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[*GroupCategoryJSON], error) {
			list, err := h.svc.GroupCategories(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, groupCategoryJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-group-category", Method: http.MethodPost, Path: Prefix + "/group-categories",
		Summary: "Add a group category", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes groups.manage. A name already used answers 409."},
		func(ctx context.Context, in *struct {
			Body struct {
				Name string `json:"name" maxLength:"200"`
			}
		}) (*struct {
			Location string `header:"Location"`
			Body     *GroupCategoryJSON
		}, error) {
			c, err := h.svc.CreateGroupCategory(ctx, actorOf(ctx), in.Body.Name)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct {
				Location string `header:"Location"`
				Body     *GroupCategoryJSON
			}{Prefix + "/group-categories/" + c.ID, groupCategoryJSON(c)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-group-category", Method: http.MethodDelete, Path: Prefix + "/group-categories/{id}",
		Summary: "Remove a group category", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Takes groups.manage. Its groups stay, uncategorised."},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteGroupCategory(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-groups", Method: http.MethodGet, Path: Prefix + "/groups",
		Summary: "List groups by name", Tags: tags,
		Description: "member_count counts only the members you may see."},
		func(ctx context.Context, in *struct {
			CategoryID string `query:"category_id" doc:"Only the groups of this category"`
		}) (*struct {
			Body struct {
				Items []*GroupJSON `json:"items"`
				Total int          `json:"total"`
			}
		}, error) {
			list, err := h.svc.Groups(ctx, actorOf(ctx), in.CategoryID)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			out := &struct {
				Body struct {
					Items []*GroupJSON `json:"items"`
					Total int          `json:"total"`
				}
			}{}
			out.Body.Items = make([]*GroupJSON, 0, len(list))
			for _, g := range list {
				out.Body.Items = append(out.Body.Items, groupJSON(g))
			}
			out.Body.Total = len(list)
			return out, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-group", Method: http.MethodPost, Path: Prefix + "/groups",
		Summary: "Add a group", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes groups.manage. A name already used answers 409."},
		func(ctx context.Context, in *struct {
			Body struct {
				Name        string `json:"name" maxLength:"200"`
				Description string `json:"description,omitempty" maxLength:"1000"`
				CategoryID  string `json:"category_id,omitempty"`
			}
		}) (*groupOutput, error) {
			g, err := h.svc.CreateGroup(ctx, actorOf(ctx), admin.GroupInput{Name: in.Body.Name,
				Description: in.Body.Description, CategoryID: in.Body.CategoryID})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &groupOutput{ETag: etag(g.Version), Location: Prefix + "/groups/" + g.ID, Body: groupJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "get-group", Method: http.MethodGet, Path: Prefix + "/groups/{id}",
		Summary: "Get a group", Tags: tags},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*groupOutput, error) {
			g, err := h.svc.Group(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &groupOutput{ETag: etag(g.Version), Body: groupJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "update-group", Method: http.MethodPatch, Path: Prefix + "/groups/{id}",
		Summary: "Rename, describe or re-categorise a group", Tags: tags, MaxBodyBytes: maxBody,
		Description: "Takes groups.manage and a group whose every member you may see (403 otherwise). Absent fields stay; " +
			"an empty category_id makes the group uncategorised."},
		func(ctx context.Context, in *struct {
			GroupWriteInput
			Body struct {
				Name        *string `json:"name,omitempty" maxLength:"200"`
				Description *string `json:"description,omitempty" maxLength:"1000"`
				CategoryID  *string `json:"category_id,omitempty"`
			}
		}) (*groupOutput, error) {
			g, err := h.svc.UpdateGroup(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), admin.GroupPatch{
				Name: in.Body.Name, Description: in.Body.Description, CategoryID: in.Body.CategoryID})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &groupOutput{ETag: etag(g.Version), Body: groupJSON(g)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-group", Method: http.MethodDelete, Path: Prefix + "/groups/{id}",
		Summary: "Remove a group", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Takes groups.manage and a group whose every member you may see (403 otherwise). " +
			"The memberships go; the members stay."},
		func(ctx context.Context, in *GroupWriteInput) (*struct{}, error) {
			if err := h.svc.DeleteGroup(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch)); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-group-members", Method: http.MethodGet, Path: Prefix + "/groups/{id}/members",
		Summary: "List the members of a group", Tags: tags,
		Description: "Pages like GET /users, which group_id also filters; holds only the members you may see."},
		func(ctx context.Context, in *groupMembersInput) (*struct{ Body UserListJSON }, error) {
			f, p := userFilter(&userListInput{Q: in.Q, Status: in.Status, Deleted: in.Deleted, Sort: in.Sort,
				Order: in.Order, Limit: in.Limit, Cursor: in.Cursor})
			if p != nil {
				return nil, p
			}
			page, err := h.svc.GroupMembers(ctx, actorOf(ctx), in.ID, f)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			return &struct{ Body UserListJSON }{h.userList(page, f)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "add-group-member", Method: http.MethodPost, Path: Prefix + "/groups/{id}/members",
		Summary: "Add a user to a group", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Takes groups.manage and a user you may manage. Answers the user. A member already in the group answers 409."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				UserID string `json:"user_id"`
			}
		}) (*userOutput, error) {
			u, err := h.svc.AddGroupMember(ctx, actorOf(ctx), in.ID, in.Body.UserID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &userOutput{ETag: etag(u.Version), Location: Prefix + "/groups/" + in.ID + "/members/" + u.ID,
				Body: userJSON(u, h.svc.Now())}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "remove-group-member", Method: http.MethodDelete, Path: Prefix + "/groups/{id}/members/{user_id}",
		Summary: "Take a user out of a group", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Takes groups.manage and a user you may manage."},
		func(ctx context.Context, in *struct {
			ID     string `path:"id"`
			UserID string `path:"user_id"`
		}) (*struct{}, error) {
			if err := h.svc.RemoveGroupMember(ctx, actorOf(ctx), in.ID, in.UserID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-group-members", Method: http.MethodPost, Path: Prefix + "/groups/{id}/delete-members",
		Summary: "Remove by group: move every member you may delete to the recycle bin", Tags: tags,
		Description: "Takes users.delete and groups.manage. Members who have signed in, whom you may not manage, who are " +
			"you or already in the recycle bin are skipped with the reason; members you may not see are left alone and " +
			"not listed. All or nothing: one transaction."},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{ Body GroupDeletionJSON }, error) {
			d, err := h.svc.DeleteGroupMembers(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct{ Body GroupDeletionJSON }{}
			out.Body.Deleted = make([]MemberOutcomeJSON, 0, len(d.Deleted))
			out.Body.Skipped = make([]MemberOutcomeJSON, 0, len(d.Skipped))
			for _, m := range d.Deleted {
				out.Body.Deleted = append(out.Body.Deleted, MemberOutcomeJSON(m))
			}
			for _, m := range d.Skipped {
				out.Body.Skipped = append(out.Body.Skipped, MemberOutcomeJSON(m))
			}
			return out, nil
		})
}

// userList renders a page of users listed with the filter f.
func (h *Handler) userList(page *store.UserPage, f store.UserFilter) UserListJSON {
	out := UserListJSON{Items: make([]*UserJSON, 0, len(page.Users)), Total: page.Total}
	now := h.svc.Now()
	for _, u := range page.Users {
		out.Items = append(out.Items, userJSON(u, now))
	}
	if page.Next != nil {
		out.NextCursor = encodeCursor(userCursor{Sort: string(f.Sort), Desc: f.Desc, At: page.Next})
	}
	return out
}
