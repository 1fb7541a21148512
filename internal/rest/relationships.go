package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// RelationshipKindJSON is a kind of link between two users, read from the
// first user (label) and from the second (inverse_label).
type RelationshipKindJSON struct {
	Key          string `json:"key"`
	Label        string `json:"label" doc:"Read from the first user: Parent of"`
	InverseLabel string `json:"inverse_label" doc:"Read from the second user: Student of"`
	BuiltIn      bool   `json:"built_in" doc:"parent_of and supervisor_of; supervisor_of puts the second user in the first's team"`
}

func relationshipKindJSON(k directory.RelationshipKind) RelationshipKindJSON {
	return RelationshipKindJSON{Key: k.Key, Label: k.Label, InverseLabel: k.InverseLabel,
		BuiltIn: k.Key == directory.RelParentOf || k.Key == directory.RelSupervisorOf}
}

// RelationshipJSON is a relationship as one of its users sees it.
type RelationshipJSON struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	Direction     string    `json:"direction" enum:"outgoing,incoming" doc:"outgoing: this user is kind of the other (the parent); incoming: the other is kind of this user"`
	Label         string    `json:"label" doc:"The kind read from this user: Parent of (outgoing) or Student of (incoming)"`
	OtherUserID   string    `json:"other_user_id"`
	OtherUserName string    `json:"other_user_name"`
	FromUserID    string    `json:"from_user_id"`
	ToUserID      string    `json:"to_user_id"`
	CreatedAt     time.Time `json:"created_at"`
}

func relationshipJSON(r *admin.RelationshipView) *RelationshipJSON {
	dir := "incoming"
	if r.Outgoing {
		dir = "outgoing"
	}
	return &RelationshipJSON{ID: r.ID, Kind: r.Kind, Direction: dir, Label: r.Label, OtherUserID: r.Other.ID,
		OtherUserName: r.Other.Name(), FromUserID: r.FromUserID, ToUserID: r.ToUserID, CreatedAt: r.CreatedAt}
}

// teamInput is the query of GET /me/team: a user list's search, status,
// order and paging.
type teamInput struct {
	Q      string `query:"q" maxLength:"200" doc:"Words that must each start a word of the name, username, email or external id"`
	Status string `query:"status" doc:"pending, active or inactive; several separated by commas"`
	Sort   string `query:"sort" enum:"username,first_name,last_name,email,status,created_at,last_sign_in_at," doc:"Default last_name"`
	Order  string `query:"order" enum:"asc,desc," doc:"Default asc"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page"`
}

func (h *Handler) registerRelationships(maxBody int64) {
	tags := []string{"Relationships"}
	huma.Register(h.api, huma.Operation{OperationID: "list-relationship-kinds", Method: http.MethodGet, Path: Prefix + "/relationship-kinds",
		Summary: "List the relationship kinds", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[RelationshipKindJSON], error) {
			kinds, err := h.svc.RelationshipKinds(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(kinds, relationshipKindJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "put-relationship-kind", Method: http.MethodPut, Path: Prefix + "/relationship-kinds/{key}",
		Summary: "Add a relationship kind or relabel one", Tags: tags, MaxBodyBytes: maxBody,
		Description: "Takes settings.manage. The built-in parent_of and supervisor_of keep their meaning under any label."},
		func(ctx context.Context, in *struct {
			Key  string `path:"key"`
			Body struct {
				Label        string `json:"label" maxLength:"100"`
				InverseLabel string `json:"inverse_label" maxLength:"100"`
			}
		}) (*struct{ Body RelationshipKindJSON }, error) {
			k, err := h.svc.PutRelationshipKind(ctx, actorOf(ctx), directory.RelationshipKind{Key: in.Key,
				Label: in.Body.Label, InverseLabel: in.Body.InverseLabel})
			if err != nil {
				return nil, h.failIn(ctx, err, "path", "key")
			}
			return &struct{ Body RelationshipKindJSON }{relationshipKindJSON(k)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-user-relationships", Method: http.MethodGet, Path: Prefix + "/users/{id}/relationships",
		Summary: "List a user's relationships, both directions", Tags: tags,
		Description: "Holds only the relationships whose other user you may see."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Kind string `query:"kind" doc:"Only relationships of this kind"`
		}) (*itemsOutput[*RelationshipJSON], error) {
			list, err := h.svc.UserRelationships(ctx, actorOf(ctx), in.ID, in.Kind)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, relationshipJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-user-relationship", Method: http.MethodPost, Path: Prefix + "/users/{id}/relationships",
		Summary: "Link a user with another", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
		Description: "Give kind and exactly one of to_user_id (this user is kind of that one: parent of the student) or " +
			"from_user_id (that user is kind of this one). Takes users.edit and both users manageable by you. " +
			"The same link twice answers 409."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Kind       string `json:"kind"`
				ToUserID   string `json:"to_user_id,omitempty"`
				FromUserID string `json:"from_user_id,omitempty"`
			}
		}) (*struct {
			Location string `header:"Location"`
			Body     *RelationshipJSON
		}, error) {
			r, err := h.svc.CreateRelationship(ctx, actorOf(ctx), in.ID, admin.RelationshipInput{Kind: in.Body.Kind,
				ToUserID: in.Body.ToUserID, FromUserID: in.Body.FromUserID})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct {
				Location string `header:"Location"`
				Body     *RelationshipJSON
			}{Prefix + "/users/" + in.ID + "/relationships/" + r.ID, relationshipJSON(r)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-user-relationship", Method: http.MethodDelete,
		Path:    Prefix + "/users/{id}/relationships/{relationship_id}",
		Summary: "Remove a relationship", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Takes users.edit and both users manageable by you."},
		func(ctx context.Context, in *struct {
			ID             string `path:"id"`
			RelationshipID string `path:"relationship_id"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteRelationship(ctx, actorOf(ctx), in.ID, in.RelationshipID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-my-team", Method: http.MethodGet, Path: Prefix + "/me/team",
		Summary: "Your team", Tags: []string{"Me"},
		Description: "Takes team.view: the users you supervise (their supervisor_id is you) and those you are linked to " +
			"by supervisor_of, wherever they are. Acting on them still takes a user you may manage. Pages like GET /users."},
		func(ctx context.Context, in *teamInput) (*struct{ Body UserListJSON }, error) {
			f, p := userFilter(&userListInput{Q: in.Q, Status: in.Status, Sort: in.Sort, Order: in.Order,
				Limit: in.Limit, Cursor: in.Cursor})
			if p != nil {
				return nil, p
			}
			page, err := h.svc.MyTeam(ctx, actorOf(ctx), f)
			if err != nil {
				return nil, h.failIn(ctx, err, "query")
			}
			return &struct{ Body UserListJSON }{h.userList(page, f)}, nil
		})
}
