package console

import (
	"context"

	"roster/internal/admin"
	"roster/internal/store"
)

// accessResourceLimit bounds the resources offered as checkboxes; the rest
// are found with a search field.
const accessResourceLimit = 100

// pickableResources lists the first accessResourceLimit resources in the
// actor's scope whose name matches q, to offer as checkboxes; more reports
// that there are others to find by searching.
func (h *Handler) pickableResources(ctx context.Context, a *admin.Actor, q string) (rows []*store.ResourceRow, more bool, err error) {
	page, err := h.svc.Resources(ctx, a, admin.ResourceListInput{Q: q, Limit: accessResourceLimit})
	if err != nil {
		return nil, false, err
	}
	return page.Rows, page.Next != nil, nil
}
