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

// UnitJSON is a unit of the organization's tree.
type UnitJSON struct {
	ID         string     `json:"id"`
	ParentID   *string    `json:"parent_id"`
	Path       []string   `json:"path" doc:"The ids from the root down to this unit"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name"`
	Code       string     `json:"code"`
	Archived   bool       `json:"archived"`
	ArchivedAt *time.Time `json:"archived_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Version    int64      `json:"version"`
}

func unitJSON(u *directory.Unit) *UnitJSON {
	return &UnitJSON{ID: u.ID, ParentID: optString(u.ParentID), Path: splitPath(u.Path), Kind: u.Kind, Name: u.Name, Code: u.Code,
		Archived: u.Archived(), ArchivedAt: optTime(u.ArchivedAt), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version}
}

func splitPath(p string) []string {
	var out []string
	start := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			if start >= 0 && i > start {
				out = append(out, p[start:i])
			}
			start = i + 1
		}
	}
	return out
}

type unitOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *UnitJSON
}

// UnitWriteInput names the unit a write is about and the version it expects.
type UnitWriteInput struct {
	ID      string `path:"id"`
	IfMatch string `header:"If-Match" doc:"The ETag last read; a stale one answers 412"`
}

// UnitPatchBody changes a unit; absent fields stay.
type UnitPatchBody struct {
	Name     *string `json:"name,omitempty" maxLength:"200"`
	Kind     *string `json:"kind,omitempty"`
	Code     *string `json:"code,omitempty" maxLength:"50"`
	ParentID *string `json:"parent_id,omitempty" doc:"Moves the unit; empty string moves it to the root"`
}

func (h *Handler) registerUnits(maxBody int64) {
	tags := []string{"Units"}
	huma.Register(h.api, huma.Operation{OperationID: "create-unit", Method: http.MethodPost, Path: Prefix + "/units",
		Summary: "Add a unit", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody},
		func(ctx context.Context, in *struct {
			Body struct {
				Name     string `json:"name" maxLength:"200"`
				Kind     string `json:"kind" doc:"One of the organization's unit kinds (GET /settings/unit-kinds)"`
				Code     string `json:"code,omitempty" maxLength:"50"`
				ParentID string `json:"parent_id,omitempty"`
			}
		}) (*unitOutput, error) {
			u, err := h.svc.CreateUnit(ctx, actorOf(ctx), admin.UnitInput{Name: in.Body.Name, Kind: in.Body.Kind,
				Code: in.Body.Code, ParentID: in.Body.ParentID})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &unitOutput{ETag: etag(u.Version), Location: Prefix + "/units/" + u.ID, Body: unitJSON(u)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-units", Method: http.MethodGet, Path: Prefix + "/units",
		Summary: "List units", Tags: tags, Description: "Parents come before their children."},
		func(ctx context.Context, in *struct {
			ParentID        string `query:"parent_id" doc:"Only the children of this unit"`
			Roots           bool   `query:"roots" doc:"Only units at the root"`
			Kind            string `query:"kind"`
			Q               string `query:"q" maxLength:"200" doc:"Part of the name or code"`
			IncludeArchived bool   `query:"include_archived"`
		}) (*struct {
			Body struct {
				Items []*UnitJSON `json:"items"`
				Total int         `json:"total"`
			}
		}, error) {
			list, err := h.svc.Units(ctx, actorOf(ctx), store.UnitFilter{ParentID: in.ParentID, RootsOnly: in.Roots,
				Kind: in.Kind, Q: in.Q, IncludeArchived: in.IncludeArchived})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Items []*UnitJSON `json:"items"`
					Total int         `json:"total"`
				}
			}{}
			out.Body.Items = make([]*UnitJSON, 0, len(list))
			for _, u := range list {
				out.Body.Items = append(out.Body.Items, unitJSON(u))
			}
			out.Body.Total = len(list)
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "get-unit", Method: http.MethodGet, Path: Prefix + "/units/{id}",
		Summary: "Get a unit", Tags: tags},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*unitOutput, error) {
			u, err := h.svc.Unit(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &unitOutput{ETag: etag(u.Version), Body: unitJSON(u)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "update-unit", Method: http.MethodPatch, Path: Prefix + "/units/{id}",
		Summary: "Rename, re-code or move a unit", Tags: tags, MaxBodyBytes: maxBody,
		Description: "A move under the unit itself or one of its descendants answers 422."},
		func(ctx context.Context, in *struct {
			UnitWriteInput
			Body UnitPatchBody
		}) (*unitOutput, error) {
			u, err := h.svc.UpdateUnit(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), admin.UnitPatch{
				Name: in.Body.Name, Kind: in.Body.Kind, Code: in.Body.Code, ParentID: in.Body.ParentID})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &unitOutput{ETag: etag(u.Version), Body: unitJSON(u)}, nil
		})

	for _, a := range []struct {
		verb, summary string
		archived      bool
	}{{"archive", "Archive a unit (its children must be archived or moved first)", true}, {"unarchive", "Bring an archived unit back", false}} {
		archived := a.archived
		huma.Register(h.api, huma.Operation{OperationID: a.verb + "-unit", Method: http.MethodPost,
			Path: Prefix + "/units/{id}/" + a.verb, Summary: a.summary, Tags: tags},
			func(ctx context.Context, in *UnitWriteInput) (*unitOutput, error) {
				u, err := h.svc.UpdateUnit(ctx, actorOf(ctx), in.ID, ifMatch(in.IfMatch), admin.UnitPatch{Archived: &archived})
				if err != nil {
					return nil, h.fail(ctx, err)
				}
				return &unitOutput{ETag: etag(u.Version), Body: unitJSON(u)}, nil
			})
	}
}
