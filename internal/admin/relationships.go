package admin

import (
	"context"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// Relationships link two users with a kind: the first user is Label of the
// second (a parent of a student, a supervisor of a team member). A
// supervisor_of link puts the second user in the first's team, which an
// actor with team.view sees wherever it is; so changing a relationship takes
// users.edit and both users manageable by the actor, and nobody widens what
// they (or anyone) see by linking users beyond their reach.

// RelationshipView is a relationship as one of its users sees it.
type RelationshipView struct {
	*directory.Relationship
	// Outgoing reports whether the user asked about is the first user (the
	// parent, the supervisor).
	Outgoing bool
	// Label is the kind read from the user asked about: "Parent of" when
	// outgoing, "Student of" otherwise.
	Label string
	// Other is the user at the other end.
	Other *directory.User
}

func relationshipView(r *directory.Relationship, k directory.RelationshipKind, userID string, other *directory.User) *RelationshipView {
	v := &RelationshipView{Relationship: r, Outgoing: r.FromUserID == userID, Label: k.InverseLabel, Other: other}
	if v.Outgoing {
		v.Label = k.Label
	}
	return v
}

// RelationshipInput describes a relationship of a user: either the user is
// Kind of ToUserID, or FromUserID is Kind of the user. Exactly one of
// ToUserID and FromUserID is given.
type RelationshipInput struct {
	Kind       string
	ToUserID   string
	FromUserID string
}

func relationshipSnapshot(r *directory.Relationship, from, to *directory.User) map[string]any {
	return map[string]any{"relationship.id": r.ID, "relationship.kind": r.Kind,
		"relationship.from_user_id": r.FromUserID, "relationship.from_user": from.Name(),
		"relationship.to_user_id": r.ToUserID, "relationship.to_user": to.Name()}
}

func kindsByKey(ctx context.Context, c *store.Conn, orgID string) (map[string]directory.RelationshipKind, error) {
	kinds, err := c.RelationshipKinds(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]directory.RelationshipKind, len(kinds))
	for _, k := range kinds {
		out[k.Key] = k
	}
	return out, nil
}

// RelationshipKinds lists the organization's relationship kinds by key.
func (s *Service) RelationshipKinds(ctx context.Context, a *Actor) ([]directory.RelationshipKind, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	return s.db.RelationshipKinds(ctx, a.OrgID)
}

// PutRelationshipKind adds a relationship kind or relabels one (the
// built-in parent_of and supervisor_of keep their meaning under any label).
// It takes settings.manage; a bad key or a missing label is KindInvalid.
func (s *Service) PutRelationshipKind(ctx context.Context, a *Actor, k directory.RelationshipKind) (directory.RelationshipKind, error) {
	if err := s.manageSettings(a); err != nil {
		return k, err
	}
	k.Label, k.InverseLabel = strings.TrimSpace(k.Label), strings.TrimSpace(k.InverseLabel)
	var v directory.Validation
	if !fieldKeyPattern.MatchString(k.Key) {
		v.Add("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores (at most 40)")
	}
	for _, l := range []struct{ field, value string }{{"label", k.Label}, {"inverse_label", k.InverseLabel}} {
		if l.value == "" {
			v.Add(l.field, "is required")
		} else if len([]rune(l.value)) > 100 {
			v.Add(l.field, "must be at most 100 characters")
		}
	}
	if err := v.Err(); err != nil {
		return k, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		kinds, err := kindsByKey(ctx, &tx.Conn, a.OrgID)
		if err != nil {
			return err
		}
		before := map[string]any{}
		if old, ok := kinds[k.Key]; ok {
			before = map[string]any{"label": old.Label, "inverse_label": old.InverseLabel}
		}
		changes := diff(before, map[string]any{"label": k.Label, "inverse_label": k.InverseLabel})
		if len(changes) == 0 {
			return nil
		}
		if err := tx.PutRelationshipKind(ctx, a.OrgID, k); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "relationship_kind.put", "relationship_kind", k.Key, k.Label, changes)
	})
	return k, err
}

// UserRelationships lists the relationships of a user in both directions,
// of one kind when kind is not "", keeping only those whose other user the
// actor may see. A user the actor may not see is KindNotFound.
func (s *Service) UserRelationships(ctx context.Context, a *Actor, userID, kind string) ([]*RelationshipView, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	c := &s.db.Conn
	u, err := s.viewUser(ctx, c, a, userID)
	if err != nil {
		return nil, err
	}
	kinds, err := kindsByKey(ctx, c, a.OrgID)
	if err != nil {
		return nil, err
	}
	rels, err := c.UserRelationships(ctx, a.OrgID, u.ID, kind)
	if err != nil {
		return nil, err
	}
	out := make([]*RelationshipView, 0, len(rels))
	for _, r := range rels {
		otherID := r.ToUserID
		if otherID == u.ID {
			otherID = r.FromUserID
		}
		other, err := s.viewUser(ctx, c, a, otherID)
		if isKind(err, directory.KindNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, relationshipView(r, kinds[r.Kind], u.ID, other))
	}
	return out, nil
}

// CreateRelationship links a user with another. It takes users.edit and
// both users manageable by the actor: the user named by userID answers
// KindNotFound or KindForbidden as everywhere (KindConflict in the recycle
// bin); the other user is KindInvalid when the actor may not see them or
// they are in the recycle bin, and KindForbidden when the actor may not
// manage them. An unknown kind, a link of a user to themself, or not exactly
// one of ToUserID and FromUserID are KindInvalid; the same link twice is
// KindConflict.
func (s *Service) CreateRelationship(ctx context.Context, a *Actor, userID string, in RelationshipInput) (*RelationshipView, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return nil, err
	}
	in.Kind, in.ToUserID, in.FromUserID = strings.TrimSpace(in.Kind), strings.TrimSpace(in.ToUserID), strings.TrimSpace(in.FromUserID)
	var out *RelationshipView
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.liveUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		var v directory.Validation
		kinds, err := kindsByKey(ctx, &tx.Conn, a.OrgID)
		if err != nil {
			return err
		}
		kind, ok := kinds[in.Kind]
		switch {
		case in.Kind == "":
			v.Add("kind", "is required")
		case !ok:
			v.Add("kind", "is not a relationship kind of this organization")
		}
		field, otherID := "to_user_id", in.ToUserID
		switch {
		case in.ToUserID != "" && in.FromUserID != "":
			v.Add("from_user_id", "give either to_user_id or from_user_id, not both")
			otherID = ""
		case in.ToUserID == "" && in.FromUserID == "":
			v.Add("to_user_id", "give to_user_id (the user is kind of them) or from_user_id (they are kind of the user)")
		case in.FromUserID != "":
			field, otherID = "from_user_id", in.FromUserID
		}
		var other *directory.User
		switch {
		case otherID == "":
		case otherID == u.ID:
			v.Add(field, "a user cannot be related to themself")
		default:
			other, err = s.manageUser(ctx, &tx.Conn, a, otherID)
			switch {
			case isKind(err, directory.KindNotFound):
				v.Add(field, "no such user")
			case err != nil:
				return err
			case other.Deleted():
				v.Add(field, "that user is in the recycle bin")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		r := &directory.Relationship{ID: newID(), OrgID: a.OrgID, Kind: kind.Key, FromUserID: u.ID, ToUserID: other.ID,
			CreatedBy: a.UserID, CreatedAt: s.now()}
		from, to := u, other
		if field == "from_user_id" {
			r.FromUserID, r.ToUserID, from, to = other.ID, u.ID, other, u
		}
		if err := tx.CreateRelationship(ctx, r); err != nil {
			return err
		}
		out = relationshipView(r, kind, u.ID, other)
		return s.record(ctx, tx, a, "relationship.create", "user", u.ID, u.Name(), created(relationshipSnapshot(r, from, to)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRelationship removes a relationship of a user. It takes users.edit
// and both users manageable by the actor (KindForbidden otherwise); a
// relationship that is not the user's, or whose other user the actor may
// not see, is KindNotFound.
func (s *Service) DeleteRelationship(ctx context.Context, a *Actor, userID, relationshipID string) error {
	if err := s.authorize(a, "users.edit"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		r, err := tx.Relationship(ctx, a.OrgID, relationshipID)
		if err != nil {
			return err
		}
		if r.FromUserID != u.ID && r.ToUserID != u.ID {
			return directory.NotFound("relationship")
		}
		otherID := r.ToUserID
		if otherID == u.ID {
			otherID = r.FromUserID
		}
		other, err := s.manageUser(ctx, &tx.Conn, a, otherID)
		if isKind(err, directory.KindNotFound) {
			return directory.NotFound("relationship")
		} else if err != nil {
			return err
		}
		if err := tx.DeleteRelationship(ctx, a.OrgID, r.ID); err != nil {
			return err
		}
		from, to := u, other
		if r.FromUserID != u.ID {
			from, to = other, u
		}
		return s.record(ctx, tx, a, "relationship.delete", "user", u.ID, u.Name(), diff(relationshipSnapshot(r, from, to), map[string]any{}))
	})
}
