package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// FieldJSON is an organization-defined custom field.
type FieldJSON struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	Type      string    `json:"type" enum:"text,number,date,bool,choice"`
	Required  bool      `json:"required"`
	Choices   []string  `json:"choices"`
	Position  int       `json:"position"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func fieldJSON(f *directory.CustomField) *FieldJSON {
	choices := f.Choices
	if choices == nil {
		choices = []string{}
	}
	return &FieldJSON{ID: f.ID, Key: f.Key, Label: f.Label, Type: string(f.Type), Required: f.Required,
		Choices: choices, Position: f.Position, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

// FieldBody defines a custom field.
type FieldBody struct {
	Key      string   `json:"key,omitempty" maxLength:"40" doc:"Lower-case letters, digits, underscores; fixed once made"`
	Label    string   `json:"label" maxLength:"200"`
	Type     string   `json:"type,omitempty" enum:"text,number,date,bool,choice" doc:"Fixed once made"`
	Required bool     `json:"required,omitempty"`
	Choices  []string `json:"choices,omitempty" maxItems:"200"`
	Position int      `json:"position,omitempty"`
}

// UnitKindJSON is a kind of unit and the organization's label for it.
type UnitKindJSON struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Position int    `json:"position"`
}

// LicensesJSON reports the premium seats.
type LicensesJSON struct {
	PremiumSeatLimit *int `json:"premium_seat_limit" doc:"null = no limit"`
	PremiumSeatsUsed int  `json:"premium_seats_used"`
}

func (h *Handler) registerSettings(maxBody int64) {
	tags := []string{"Settings"}
	type fieldOut struct{ Body *FieldJSON }
	huma.Register(h.api, huma.Operation{OperationID: "list-custom-fields", Method: http.MethodGet, Path: Prefix + "/settings/custom-fields",
		Summary: "List the custom fields", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[*FieldJSON], error) {
			list, err := h.svc.Fields(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, fieldJSON), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "create-custom-field", Method: http.MethodPost, Path: Prefix + "/settings/custom-fields",
		Summary: "Define a custom field", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody},
		func(ctx context.Context, in *struct{ Body FieldBody }) (*fieldOut, error) {
			b := in.Body
			f, err := h.svc.CreateField(ctx, actorOf(ctx), admin.FieldInput{Key: b.Key, Label: b.Label,
				Type: directory.FieldType(b.Type), Required: b.Required, Choices: b.Choices, Position: b.Position})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &fieldOut{fieldJSON(f)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "update-custom-field", Method: http.MethodPut, Path: Prefix + "/settings/custom-fields/{id}",
		Summary: "Change a custom field's label, required flag, choices or position", Tags: tags, MaxBodyBytes: maxBody},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" doc:"The field's id or key"`
			Body FieldBody
		}) (*fieldOut, error) {
			b := in.Body
			f, err := h.svc.UpdateField(ctx, actorOf(ctx), in.ID, admin.FieldInput{Label: b.Label, Required: b.Required,
				Choices: b.Choices, Position: b.Position})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &fieldOut{fieldJSON(f)}, nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "delete-custom-field", Method: http.MethodDelete, Path: Prefix + "/settings/custom-fields/{id}",
		Summary: "Remove a custom field and every value of it", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID string `path:"id" doc:"The field's id or key"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteField(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-unit-kinds", Method: http.MethodGet, Path: Prefix + "/settings/unit-kinds",
		Summary: "List the unit kinds and their labels", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[UnitKindJSON], error) {
			kinds, err := h.svc.UnitKinds(ctx, actorOf(ctx))
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(kinds, func(k directory.UnitKind) UnitKindJSON { return UnitKindJSON(k) }), nil
		})
	huma.Register(h.api, huma.Operation{OperationID: "put-unit-kind", Method: http.MethodPut, Path: Prefix + "/settings/unit-kinds/{key}",
		Summary: "Add a unit kind or relabel one", Tags: tags, MaxBodyBytes: maxBody},
		func(ctx context.Context, in *struct {
			Key  string `path:"key"`
			Body struct {
				Label    string `json:"label" maxLength:"100"`
				Position int    `json:"position,omitempty"`
			}
		}) (*struct{ Body UnitKindJSON }, error) {
			k, err := h.svc.PutUnitKind(ctx, actorOf(ctx), directory.UnitKind{Key: in.Key, Label: in.Body.Label, Position: in.Body.Position})
			if err != nil {
				return nil, h.failIn(ctx, err, "path", "key")
			}
			return &struct{ Body UnitKindJSON }{UnitKindJSON(k)}, nil
		})

	licenses := func(ctx context.Context) (*struct{ Body LicensesJSON }, error) {
		limit, used, err := h.svc.Licenses(ctx, actorOf(ctx))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		out := &struct{ Body LicensesJSON }{}
		if limit >= 0 {
			out.Body.PremiumSeatLimit = &limit
		}
		out.Body.PremiumSeatsUsed = used
		return out, nil
	}
	huma.Register(h.api, huma.Operation{OperationID: "get-licenses", Method: http.MethodGet, Path: Prefix + "/settings/licenses",
		Summary: "Premium seats: the limit and how many are used", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body LicensesJSON }, error) { return licenses(ctx) })
	huma.Register(h.api, huma.Operation{OperationID: "put-licenses", Method: http.MethodPut, Path: Prefix + "/settings/licenses",
		Summary: "Set the premium seat limit", Tags: tags, MaxBodyBytes: maxBody},
		func(ctx context.Context, in *struct {
			Body struct {
				PremiumSeatLimit *int `json:"premium_seat_limit" minimum:"0" doc:"null = no limit"`
			}
		}) (*struct{ Body LicensesJSON }, error) {
			limit := -1
			if in.Body.PremiumSeatLimit != nil {
				limit = *in.Body.PremiumSeatLimit
			}
			if err := h.svc.SetPremiumSeatLimit(ctx, actorOf(ctx), limit); err != nil {
				return nil, h.fail(ctx, err)
			}
			return licenses(ctx)
		})
}
