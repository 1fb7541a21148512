package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// Resources follow the delegation rule of access.go through the unit they
// belong to:
//
//   - Reading resources and resource kinds takes users.view or
//     resources.manage; creating, changing, archiving and deleting them,
//     and assigning them to users, takes resources.manage.
//   - A resource lies in an actor's scope when its unit does. A resource
//     without a unit belongs to the whole organization: only an
//     organization-wide actor sees or manages it. Resources outside the
//     actor's scope answer KindNotFound.
//   - A resource may be assigned to, or taken from, a user only by an actor
//     who may manage that user (manageUser) and sees the resource.
//   - Resource kinds apply to the whole organization: relabelling or adding
//     one takes settings.manage through an organization-wide grant.

// MaxExternalIDLen bounds a resource's external id.
const MaxExternalIDLen = 100

// authorizeAny is authorize for operations that any one of several
// permissions allows.
func (s *Service) authorizeAny(a *Actor, ps ...directory.Permission) error {
	if err := signedIn(a); err != nil {
		return err
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		if a.Can(p) {
			return nil
		}
		names[i] = string(p)
	}
	return directory.Errorf(directory.KindForbidden, "your role does not allow %s", strings.Join(names, " or "))
}

// viewResources checks that the actor may read resources at all.
func (s *Service) viewResources(a *Actor) error {
	return s.authorizeAny(a, "users.view", "resources.manage")
}

// resourceView is the set of resources the actor may see: nil for an
// organization-wide actor, the resources under the actor's unit otherwise.
func (a *Actor) resourceView() *store.ResourceSet {
	if a.OrgWide() {
		return nil
	}
	if a.scopePath == "" {
		return &store.ResourceSet{}
	}
	return &store.ResourceSet{Paths: []string{a.scopePath}}
}

// ResourceView is a resource with its unit (nil for a resource of the whole
// organization).
type ResourceView struct {
	*directory.Resource
	Unit *directory.Unit
}

func (r *ResourceView) unitPath() string {
	if r.Unit == nil {
		return ""
	}
	return r.Unit.Path
}

// loadResource reads a resource of the organization with its unit, without
// any check of the actor.
func (s *Service) loadResource(ctx context.Context, c *store.Conn, orgID, id string) (*ResourceView, error) {
	r, err := c.Resource(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	rv := &ResourceView{Resource: r}
	if r.UnitID != "" {
		if rv.Unit, err = c.Unit(ctx, orgID, r.UnitID); err != nil {
			return nil, err
		}
	}
	return rv, nil
}

// resourceInScope loads a resource the actor's scope covers; others are
// KindNotFound.
func (s *Service) resourceInScope(ctx context.Context, c *store.Conn, a *Actor, id string) (*ResourceView, error) {
	rv, err := s.loadResource(ctx, c, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !a.covers(rv.unitPath()) {
		return nil, directory.NotFound("resource")
	}
	return rv, nil
}

func resourceSnapshot(rv *ResourceView) map[string]any {
	unit := ""
	if rv.Unit != nil {
		unit = rv.Unit.Name
	}
	return map[string]any{"kind": rv.Kind, "name": rv.Name, "external_id": rv.ExternalID, "unit_id": rv.UnitID,
		"unit": unit, "archived_at": timeValue(rv.ArchivedAt)}
}

// ResourceKinds lists the organization's resource kinds with their labels.
func (s *Service) ResourceKinds(ctx context.Context, a *Actor) ([]directory.ResourceKind, error) {
	if err := s.viewResources(a); err != nil {
		return nil, err
	}
	return s.db.ResourceKinds(ctx, a.OrgID)
}

// ResourceKindInput adds a resource kind or relabels one. A nil Position
// keeps an existing kind's place and puts a new kind last.
type ResourceKindInput struct {
	Key      string
	Label    string
	Position *int
}

// PutResourceKind adds a resource kind or changes the label or position of
// an existing one. It takes settings.manage through an organization-wide
// grant (KindForbidden); a bad key or label is KindInvalid.
func (s *Service) PutResourceKind(ctx context.Context, a *Actor, in ResourceKindInput) (directory.ResourceKind, error) {
	k := directory.ResourceKind{Key: in.Key, Label: strings.TrimSpace(in.Label)}
	if err := s.authorize(a, "settings.manage"); err != nil {
		return k, err
	}
	if !a.OrgWide() {
		return k, directory.Errorf(directory.KindForbidden, "resource kinds apply to the whole organization; changing them takes an organization-wide grant")
	}
	var v directory.Validation
	if !fieldKeyPattern.MatchString(k.Key) {
		v.Add("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores")
	}
	if k.Label == "" {
		v.Add("label", "is required")
	} else if len([]rune(k.Label)) > 100 {
		v.Add("label", "must be at most 100 characters")
	}
	if err := v.Err(); err != nil {
		return k, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		kinds, err := tx.ResourceKinds(ctx, a.OrgID)
		if err != nil {
			return err
		}
		before := map[string]any{}
		last := 0
		for _, old := range kinds {
			last = max(last, old.Position)
			if old.Key == k.Key {
				before = map[string]any{"label": old.Label, "position": old.Position}
				k.Position = old.Position
			}
		}
		switch {
		case in.Position != nil:
			k.Position = *in.Position
		case len(before) == 0:
			k.Position = last + 1
		}
		after := map[string]any{"label": k.Label, "position": k.Position}
		changes := diff(before, after)
		if len(changes) == 0 {
			return nil
		}
		if err := tx.PutResourceKind(ctx, a.OrgID, k); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "resource_kind.put", "resource_kind", k.Key, k.Label, changes)
	})
	return k, err
}

// ResourceInput describes a resource to create.
type ResourceInput struct {
	Kind       string
	Name       string
	ExternalID string
	UnitID     string // "" = the whole organization
}

// checkResource validates a resource's fields and finds its unit, which
// must lie in the actor's scope and not be archived. A resource without a
// unit takes an organization-wide actor.
func (s *Service) checkResource(ctx context.Context, tx *store.Tx, a *Actor, r *directory.Resource, v *directory.Validation) (*directory.Unit, error) {
	r.Kind, r.Name, r.ExternalID = strings.TrimSpace(r.Kind), strings.TrimSpace(r.Name), strings.TrimSpace(r.ExternalID)
	kinds, err := tx.ResourceKinds(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	known := false
	keys := make([]string, len(kinds))
	for i, k := range kinds {
		keys[i] = k.Key
		known = known || k.Key == r.Kind
	}
	if !known {
		v.Add("kind", "must be one of: %s", strings.Join(keys, ", "))
	}
	if r.Name == "" {
		v.Add("name", "is required")
	} else if len([]rune(r.Name)) > directory.MaxTextLen {
		v.Add("name", "must be at most %d characters", directory.MaxTextLen)
	}
	if len([]rune(r.ExternalID)) > MaxExternalIDLen {
		v.Add("external_id", "must be at most %d characters", MaxExternalIDLen)
	}
	if r.UnitID == "" {
		if !a.OrgWide() {
			v.Add("unit_id", "is required: a resource without a unit belongs to the whole organization, which takes an organization-wide grant")
		}
		return nil, nil
	}
	unit, err := s.unitInScope(ctx, &tx.Conn, a, r.UnitID)
	switch {
	case isKind(err, directory.KindNotFound):
		v.Add("unit_id", "no such unit")
		return nil, nil
	case err != nil:
		return nil, err
	case unit.Archived():
		v.Add("unit_id", "that unit is archived")
	}
	return unit, nil
}

// CreateResource adds a resource. It takes resources.manage; a unit outside
// the actor's scope, an unknown kind or a missing name is KindInvalid; an
// external id already used by a resource of the same kind is KindConflict.
func (s *Service) CreateResource(ctx context.Context, a *Actor, in ResourceInput) (*ResourceView, error) {
	if err := s.authorize(a, "resources.manage"); err != nil {
		return nil, err
	}
	var out *ResourceView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		r := &directory.Resource{ID: newID(), OrgID: a.OrgID, Kind: in.Kind, Name: in.Name, ExternalID: in.ExternalID,
			UnitID: in.UnitID, CreatedAt: now, UpdatedAt: now}
		var v directory.Validation
		unit, err := s.checkResource(ctx, tx, a, r, &v)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.CreateResource(ctx, r); err != nil {
			return err
		}
		out = &ResourceView{Resource: r, Unit: unit}
		return s.record(ctx, tx, a, "resource.create", "resource", r.ID, r.Name, created(resourceSnapshot(out)))
	})
	return out, err
}

// Resource returns one resource the actor may see.
func (s *Service) Resource(ctx context.Context, a *Actor, id string) (*ResourceView, error) {
	if err := s.viewResources(a); err != nil {
		return nil, err
	}
	return s.resourceInScope(ctx, &s.db.Conn, a, id)
}

// ResourceListInput filters and pages a resource list.
type ResourceListInput struct {
	Kind            string
	UnitID          string
	Q               string
	IncludeArchived bool
	Limit           int // 1–500; 0 = 50
	After           *store.ResourceCursor
}

func (in *ResourceListInput) query(v *directory.Validation) store.ResourceQuery {
	switch {
	case in.Limit < 0 || in.Limit > 500:
		v.Add("limit", "must be between 1 and 500")
	case in.Limit == 0:
		in.Limit = 50
	}
	return store.ResourceQuery{Kind: in.Kind, UnitID: in.UnitID, Q: strings.TrimSpace(in.Q),
		IncludeArchived: in.IncludeArchived, Limit: in.Limit, After: in.After}
}

// Resources lists one page of the resources the actor may see, by name.
func (s *Service) Resources(ctx context.Context, a *Actor, in ResourceListInput) (*store.ResourcePage, error) {
	if err := s.viewResources(a); err != nil {
		return nil, err
	}
	var v directory.Validation
	q := in.query(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	q.View = a.resourceView()
	return s.db.ResourcePage(ctx, a.OrgID, q)
}

// ResourcePatch changes a resource; nil leaves a field as it is. UnitID ""
// gives the resource to the whole organization; Archived archives or
// restores it.
type ResourcePatch struct {
	Kind       *string
	Name       *string
	ExternalID *string
	UnitID     *string
	Archived   *bool
}

// UpdateResource changes a resource the actor may see. It takes
// resources.manage; the new unit must lie in the actor's scope too
// (KindInvalid otherwise), so nobody moves a resource out of reach of the
// people who manage it unless they manage the destination as well.
func (s *Service) UpdateResource(ctx context.Context, a *Actor, id string, expectVersion int64, p ResourcePatch) (*ResourceView, error) {
	return s.updateResource(ctx, a, id, expectVersion, p, false)
}

// updateResource is UpdateResource; archiving, when set, refuses a resource
// that is already archived.
func (s *Service) updateResource(ctx context.Context, a *Actor, id string, expectVersion int64, p ResourcePatch, archiving bool) (*ResourceView, error) {
	if err := s.authorize(a, "resources.manage"); err != nil {
		return nil, err
	}
	var out *ResourceView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		rv, err := s.resourceInScope(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, rv.Version, "resource"); err != nil {
			return err
		}
		if archiving && archived(rv.Resource) {
			return directory.Errorf(directory.KindConflict, "%s is already archived", rv.Name)
		}
		before := resourceSnapshot(rv)
		r := rv.Resource
		for _, f := range []struct {
			to   *string
			from *string
		}{{&r.Kind, p.Kind}, {&r.Name, p.Name}, {&r.ExternalID, p.ExternalID}, {&r.UnitID, p.UnitID}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
		var v directory.Validation
		unit := rv.Unit
		if p.UnitID != nil || p.Kind != nil || p.Name != nil || p.ExternalID != nil {
			newUnit, err := s.checkResource(ctx, tx, a, r, &v)
			if err != nil {
				return err
			}
			// An unchanged unit that has since been archived does not stop
			// other edits.
			if p.UnitID == nil || *p.UnitID == before["unit_id"] {
				v.Fields = dropField(v.Fields, "unit_id")
			}
			unit = newUnit
		}
		if err := v.Err(); err != nil {
			return err
		}
		if p.Archived != nil {
			switch {
			case *p.Archived && !archived(r):
				r.ArchivedAt = s.now()
			case !*p.Archived:
				r.ArchivedAt = time.Time{}
			}
		}
		rv.Unit = unit
		changes := diff(before, resourceSnapshot(rv))
		out = rv
		if len(changes) == 0 {
			return errStop
		}
		r.UpdatedAt = s.now()
		if err := tx.UpdateResource(ctx, r, rv.Version); err != nil {
			return err
		}
		action := "resource.update"
		switch {
		case before["archived_at"] == nil && archived(r):
			action = "resource.archive"
		case before["archived_at"] != nil && !archived(r):
			action = "resource.restore"
		}
		return s.record(ctx, tx, a, action, "resource", r.ID, r.Name, changes)
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

func dropField(fs []directory.FieldError, name string) []directory.FieldError {
	var out []directory.FieldError
	for _, f := range fs {
		if f.Field != name {
			out = append(out, f)
		}
	}
	return out
}

// ArchiveResource archives a resource: nobody reaches it any more, its
// assignments stay for when it is restored. An archived resource is
// KindConflict.
func (s *Service) ArchiveResource(ctx context.Context, a *Actor, id string, expectVersion int64) (*ResourceView, error) {
	yes := true
	return s.updateResource(ctx, a, id, expectVersion, ResourcePatch{Archived: &yes}, true)
}

// DeleteResource removes a resource and every assignment of it for good;
// the audit event counts the assignments removed.
func (s *Service) DeleteResource(ctx context.Context, a *Actor, id string, expectVersion int64) error {
	if err := s.authorize(a, "resources.manage"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		rv, err := s.resourceInScope(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, rv.Version, "resource"); err != nil {
			return err
		}
		assigned, err := tx.ResourceGrants(ctx, a.OrgID, "", rv.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteResource(ctx, a.OrgID, rv.ID); err != nil {
			return err
		}
		before := resourceSnapshot(rv)
		before["assignments"] = len(assigned)
		return s.record(ctx, tx, a, "resource.delete", "resource", rv.ID, rv.Name, diff(nonEmpty(before), map[string]any{}))
	})
}

// archived reports whether a resource is archived.
func archived(r *directory.Resource) bool { return !r.ArchivedAt.IsZero() }
