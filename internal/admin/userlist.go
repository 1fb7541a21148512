package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// ListUsers returns one page of the users the actor may view that match f;
// the total counts only those too.
// An unknown sort or a bad filter value is KindInvalid.
func (s *Service) ListUsers(ctx context.Context, a *Actor, f store.UserFilter) (*store.UserPage, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	var v directory.Validation
	if f.Sort != "" && !store.ValidUserSort(f.Sort) {
		v.Add("sort", "must be one of username, first_name, last_name, email, status, created_at, last_sign_in_at")
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			v.Add("status", "must be pending, active or inactive")
			break
		}
	}
	if f.License != "" && !f.License.Valid() {
		v.Add("license", "must be standard or premium")
	}
	switch {
	case f.Limit < 0 || f.Limit > 500:
		v.Add("limit", "must be between 1 and 500")
	case f.Limit == 0:
		f.Limit = 50
	}
	if f.FieldID != "" {
		fields, err := s.db.Fields(ctx, a.OrgID)
		if err != nil {
			return nil, err
		}
		found := false
		for _, fd := range fields {
			if fd.Key == f.FieldID || fd.ID == f.FieldID {
				val, msg := canonicalFieldValue(fd, f.FieldValue)
				if msg != "" {
					v.Add("field_value", "%s", msg)
				}
				f.FieldID, f.FieldValue, found = fd.ID, val, true
			}
		}
		if !found {
			v.Add("field", "is not a custom field of this organization")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	f.Now = s.now()
	f.Scope = a.listScope()
	return s.db.ListUsers(ctx, a.OrgID, f)
}
