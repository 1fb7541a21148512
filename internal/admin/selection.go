package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// maxSelection bounds the users one selection may name.
const maxSelection = 1000

// ExportSelection returns the users of a selection (ids) for a download,
// sorted by last name, and records a "users.exported" audit event with
// their count. It takes users.export and users.view; ids the actor may
// not see, unknown ids and users in the recycle bin are left out, so the
// answer says nothing of users beyond the actor's view. An empty selection
// or one of more than 1,000 ids is KindInvalid.
func (s *Service) ExportSelection(ctx context.Context, a *Actor, ids []string) ([]*directory.User, error) {
	if err := s.authorize(a, "users.export"); err != nil {
		return nil, err
	}
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	ids = distinct(ids)
	if len(ids) == 0 || len(ids) > maxSelection {
		return nil, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "ids", Message: "select 1 to 1000 users"}}}
	}
	var out []*directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		page, err := tx.ListUsers(ctx, a.OrgID, store.UserFilter{IDs: ids, Scope: a.listScope(),
			Limit: len(ids), Now: s.now()})
		if err != nil {
			return err
		}
		out = page.Users
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, "users.exported", "organization", org.ID, org.Name,
			[]directory.Change{{Field: "count", Before: nil, After: len(out)}})
	})
	if err != nil {
		return nil, err
	}
	return out, s.markAccessEnds(ctx, &s.db.Conn, a.OrgID, out...)
}

// distinct returns ids without blanks and repeats, in their first order.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
