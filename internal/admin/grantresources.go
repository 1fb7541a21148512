package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// GrantAccess gives a user a role over a scope, as CreateGrant does, and
// assigns them each of resourceIDs with relation ("" = access), as Assign
// does, all in one transaction: either everything is done or nothing is.
// The grant follows the rules of CreateGrant. Any resource that may not be
// assigned — unknown, archived, outside the actor's scope, already
// assigned with that relation, or any resource at all when the actor lacks
// resources.manage — refuses the whole request with a KindInvalid field
// error on "resource_ids".
func (s *Service) GrantAccess(ctx context.Context, a *Actor, userID string, in GrantInput, resourceIDs []string, relation string) (*GrantView, []*AssignmentView, error) {
	if err := s.authorize(a, "access.grant"); err != nil {
		return nil, nil, err
	}
	if in.Fields == nil {
		in.Fields = map[string]string{}
	}
	rel := directory.Relation(relation)
	if rel == "" {
		rel = directory.RelationAccess
	}
	ids := distinct(resourceIDs)
	if len(ids) > 0 && s.authorize(a, "resources.manage") != nil {
		var v directory.Validation
		v.Add("resource_ids", "your role does not allow assigning resources")
		return nil, nil, v.Err()
	}
	var grant *GrantView
	var assigned []*AssignmentView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if err := notInBin(u); err != nil {
			return err
		}
		if grant, err = s.createGrantTx(ctx, tx, a, u, in); err != nil {
			return err
		}
		assigned = make([]*AssignmentView, 0, len(ids))
		for _, id := range ids {
			av, err := s.assignTx(ctx, tx, a, u, AssignmentInput{ResourceID: id, Relation: rel}, "resource_ids")
			if isKind(err, directory.KindConflict) {
				var v directory.Validation
				v.Add("resource_ids", "one of these resources is already assigned to %s", u.Name())
				return v.Err()
			}
			if err != nil {
				return err
			}
			assigned = append(assigned, av)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return grant, assigned, nil
}
