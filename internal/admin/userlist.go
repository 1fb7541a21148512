package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// ListUsers returns one page of the users the actor may view that match f;
// the total counts only those too.
// An unknown sort or a bad filter value (an unknown group among them) is
// KindInvalid.
func (s *Service) ListUsers(ctx context.Context, a *Actor, f store.UserFilter) (*store.UserPage, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	if err := s.checkUserFilter(ctx, a, &f); err != nil {
		return nil, err
	}
	f.Scope = a.listScope()
	page, err := s.db.ListUsers(ctx, a.OrgID, f)
	return s.markPage(ctx, a.OrgID, page, err)
}

// MyTeam returns one page of the actor's team that matches f: the users
// whose supervisor the actor is, and those linked to the actor by a
// supervisor_of relationship. It takes team.view, which also lets the actor
// see these users wherever they are; acting on them still takes a user the
// actor may manage. A bad filter value is KindInvalid.
func (s *Service) MyTeam(ctx context.Context, a *Actor, f store.UserFilter) (*store.UserPage, error) {
	if err := s.authorize(a, "team.view"); err != nil {
		return nil, err
	}
	if err := s.checkUserFilter(ctx, a, &f); err != nil {
		return nil, err
	}
	// An empty TeamOf (the operator has no team) matches nobody.
	f.Scope = &store.UserScope{TeamOf: a.UserID}
	page, err := s.db.ListUsers(ctx, a.OrgID, f)
	return s.markPage(ctx, a.OrgID, page, err)
}

// checkUserFilter validates a user filter, resolves its custom field and
// sets its defaults and the current time.
func (s *Service) checkUserFilter(ctx context.Context, a *Actor, f *store.UserFilter) error {
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
	if f.Invitation != "" && !directory.ValidInvitationFilter(f.Invitation) {
		v.Add("invitation", "must be sent, expired or never")
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
			return err
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
	// Groups, roles and units are not scoped: every one of the
	// organization may be named, and the list still holds only the users
	// the actor sees.
	for _, ref := range []struct {
		id, field, msg string
		find           func() error
	}{
		{f.GroupID, "group_id", "no such group", func() error { _, err := s.db.Group(ctx, a.OrgID, f.GroupID); return err }},
		{f.RoleID, "role_id", "must name one of this organization's roles",
			func() error { _, err := s.db.Role(ctx, a.OrgID, f.RoleID); return err }},
		{f.UnitID, "unit_id", "must name one of this organization's units",
			func() error { _, err := s.db.Unit(ctx, a.OrgID, f.UnitID); return err }},
	} {
		if ref.id == "" {
			continue
		}
		switch err := ref.find(); {
		case isKind(err, directory.KindNotFound):
			v.Add(ref.field, "%s", ref.msg)
		case err != nil:
			return err
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	f.Now = s.now()
	return nil
}
