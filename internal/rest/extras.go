package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/directory"
)

// TimeOffJSON is a range of days away, both ends included.
type TimeOffJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind" enum:"vacation,day_off,sick"`
	StartsOn  string    `json:"starts_on" doc:"YYYY-MM-DD"`
	EndsOn    string    `json:"ends_on" doc:"YYYY-MM-DD, inclusive"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

func timeOffJSON(t *directory.TimeOff) *TimeOffJSON {
	return &TimeOffJSON{ID: t.ID, Kind: string(t.Kind), StartsOn: t.StartsOn, EndsOn: t.EndsOn, Note: t.Note, CreatedAt: t.CreatedAt}
}

func (h *Handler) registerUserExtras() {
	tags := []string{"Users"}
	huma.Register(h.api, huma.Operation{OperationID: "put-user-photo", Method: http.MethodPut, Path: Prefix + "/users/{id}/photo",
		Summary: "Upload a user's photo", Tags: tags, MaxBodyBytes: admin.MaxPhotoBytes + 1,
		Description: "Send the image bytes (PNG, JPEG or WebP, at most 5 MB). The image is decoded and re-encoded " +
			"as a JPEG of at most 512 pixels a side; anything that does not decode answers 422."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			RawBody []byte `contentType:"image/*"`
		}) (*struct {
			Body struct {
				ContentType string `json:"content_type"`
				Width       int    `json:"width"`
				Height      int    `json:"height"`
			}
		}, error) {
			p, err := h.svc.SetPhoto(ctx, actorOf(ctx), in.ID, in.RawBody)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					ContentType string `json:"content_type"`
					Width       int    `json:"width"`
					Height      int    `json:"height"`
				}
			}{}
			out.Body.ContentType, out.Body.Width, out.Body.Height = p.ContentType, p.Width, p.Height
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "get-user-photo", Method: http.MethodGet, Path: Prefix + "/users/{id}/photo",
		Summary: "Get a user's photo", Tags: tags,
		Responses: map[string]*huma.Response{"200": {Description: "The photo", Content: map[string]*huma.MediaType{"image/jpeg": {}}}}},
		func(ctx context.Context, in *userIDInput) (*struct {
			ContentType   string `header:"Content-Type"`
			ContentLength string `header:"Content-Length"`
			CacheControl  string `header:"Cache-Control"`
			Body          []byte
		}, error) {
			p, err := h.svc.Photo(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct {
				ContentType   string `header:"Content-Type"`
				ContentLength string `header:"Content-Length"`
				CacheControl  string `header:"Cache-Control"`
				Body          []byte
			}{p.ContentType, strconv.Itoa(len(p.Data)), "private, no-cache", p.Data}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "delete-user-photo", Method: http.MethodDelete, Path: Prefix + "/users/{id}/photo",
		Summary: "Remove a user's photo", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *userIDInput) (*struct{}, error) {
			if err := h.svc.DeletePhoto(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-user-time-off", Method: http.MethodGet, Path: Prefix + "/users/{id}/time-off",
		Summary: "List a user's time off", Tags: tags},
		func(ctx context.Context, in *userIDInput) (*itemsOutput[*TimeOffJSON], error) {
			list, err := h.svc.TimeOff(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, timeOffJSON), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "add-user-time-off", Method: http.MethodPost, Path: Prefix + "/users/{id}/time-off",
		Summary: "Add days off or a vacation", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Kind     string `json:"kind" enum:"vacation,day_off,sick"`
				StartsOn string `json:"starts_on" doc:"YYYY-MM-DD"`
				EndsOn   string `json:"ends_on" doc:"YYYY-MM-DD, inclusive"`
				Note     string `json:"note,omitempty" maxLength:"500"`
			}
		}) (*struct{ Body *TimeOffJSON }, error) {
			t, err := h.svc.AddTimeOff(ctx, actorOf(ctx), in.ID, admin.TimeOffInput{
				Kind: directory.TimeOffKind(in.Body.Kind), StartsOn: in.Body.StartsOn, EndsOn: in.Body.EndsOn, Note: in.Body.Note})
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &struct{ Body *TimeOffJSON }{timeOffJSON(t)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "delete-user-time-off", Method: http.MethodDelete,
		Path: Prefix + "/users/{id}/time-off/{time_off_id}", Summary: "Remove a time-off range", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID        string `path:"id"`
			TimeOffID string `path:"time_off_id"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteTimeOff(ctx, actorOf(ctx), in.ID, in.TimeOffID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})
}
