package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// Direct resource assignments follow the rules of resources.go: assigning
// takes resources.manage, a user the actor may manage and a resource in the
// actor's scope.

// AssignmentView is a direct assignment with its resource.
type AssignmentView struct {
	*directory.ResourceGrant
	Resource *directory.Resource
}

// AssignmentInput describes a resource to assign to a user.
type AssignmentInput struct {
	ResourceID string
	Relation   directory.Relation // "" = access
}

func assignmentSnapshot(g *directory.ResourceGrant, r *directory.Resource) map[string]any {
	return map[string]any{"resource_grant.resource_id": r.ID, "resource_grant.resource": r.Name,
		"resource_grant.relation": string(g.Relation)}
}

// Assignments lists a user's direct resource assignments, oldest first.
// Anybody may list their own; listing another's takes users.view or
// resources.manage and a user the actor may see, and shows only the
// resources the actor may see.
func (s *Service) Assignments(ctx context.Context, a *Actor, userID string) ([]*AssignmentView, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	self := userID == a.UserID && a.UserID != ""
	var view *store.ResourceSet
	if !self {
		if err := s.viewResources(a); err != nil {
			return nil, err
		}
		if _, err := s.viewUser(ctx, &s.db.Conn, a, userID); err != nil {
			return nil, err
		}
		view = a.resourceView()
	}
	list, err := s.db.ResourceGrants(ctx, a.OrgID, userID, "")
	if err != nil || len(list) == 0 {
		return []*AssignmentView{}, err
	}
	ids := make([]string, len(list))
	for i, g := range list {
		ids[i] = g.ResourceID
	}
	f := store.ResourceFilter{IDs: ids, IncludeArchived: true}
	if view != nil {
		f.ScopePaths = view.Paths
		if f.ScopePaths == nil {
			f.ScopePaths = []string{}
		}
	}
	resources, err := s.db.Resources(ctx, a.OrgID, f)
	if err != nil {
		return nil, err
	}
	byID := map[string]*directory.Resource{}
	for _, r := range resources {
		byID[r.ID] = r
	}
	out := []*AssignmentView{}
	for _, g := range list {
		if r := byID[g.ResourceID]; r != nil {
			out = append(out, &AssignmentView{ResourceGrant: g, Resource: r})
		}
	}
	return out, nil
}

// Assign gives a user a resource with a relation. It takes
// resources.manage and a user the actor may manage (KindNotFound for users
// they may not see, KindForbidden for users above their level or outside
// their scope); an unknown or archived resource, or one outside the actor's
// scope, or an unknown relation is KindInvalid; the same resource with the
// same relation twice is KindConflict.
func (s *Service) Assign(ctx context.Context, a *Actor, userID string, in AssignmentInput) (*AssignmentView, error) {
	if err := s.authorize(a, "resources.manage"); err != nil {
		return nil, err
	}
	if in.Relation == "" {
		in.Relation = directory.RelationAccess
	}
	var out *AssignmentView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if err := notInBin(u); err != nil {
			return err
		}
		out, err = s.assignTx(ctx, tx, a, u, in, "resource_id")
		return err
	})
	return out, err
}

// assignTx checks, stores and audits the assignment of a resource to u, a
// user the actor may manage, inside tx. Errors about the resource are
// reported on field; in.Relation must be set.
func (s *Service) assignTx(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User, in AssignmentInput, field string) (*AssignmentView, error) {
	var v directory.Validation
	if !in.Relation.Valid() {
		v.Add("relation", "must be one of access, director, editor, viewer")
	}
	var rv *ResourceView
	if in.ResourceID == "" {
		v.Add(field, "is required")
	} else {
		var err error
		rv, err = s.resourceInScope(ctx, &tx.Conn, a, in.ResourceID)
		switch {
		case isKind(err, directory.KindNotFound):
			v.Add(field, "no such resource")
		case err != nil:
			return nil, err
		case archived(rv.Resource):
			v.Add(field, "that resource is archived")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	g := &directory.ResourceGrant{ID: newID(), OrgID: a.OrgID, UserID: u.ID, ResourceID: rv.ID, Relation: in.Relation,
		CreatedBy: a.UserID, CreatedAt: s.now()}
	if err := tx.CreateResourceGrant(ctx, g); err != nil {
		return nil, err
	}
	out := &AssignmentView{ResourceGrant: g, Resource: rv.Resource}
	return out, s.record(ctx, tx, a, "resource_grant.create", "user", u.ID, u.Name(), created(assignmentSnapshot(g, rv.Resource)))
}

// Unassign removes one of a user's resource assignments. It takes
// resources.manage, a user the actor may manage and a resource the actor
// sees; an assignment of another user, or of a resource outside the
// actor's scope, is KindNotFound.
func (s *Service) Unassign(ctx context.Context, a *Actor, userID, assignmentID string) error {
	if err := s.authorize(a, "resources.manage"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		g, err := tx.ResourceGrant(ctx, a.OrgID, assignmentID)
		if err != nil {
			return err
		}
		if g.UserID != u.ID {
			return directory.NotFound("resource assignment")
		}
		rv, err := s.resourceInScope(ctx, &tx.Conn, a, g.ResourceID)
		if isKind(err, directory.KindNotFound) {
			return directory.NotFound("resource assignment")
		} else if err != nil {
			return err
		}
		if err := tx.DeleteResourceGrant(ctx, a.OrgID, g.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "resource_grant.delete", "user", u.ID, u.Name(), diff(assignmentSnapshot(g, rv.Resource), map[string]any{}))
	})
}
