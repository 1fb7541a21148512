package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// errBadToken is the one answer to every unusable token, so that a caller
// learns nothing about why.
var errBadToken = directory.Errorf(directory.KindUnauthorized, "the API token is not valid")

// AuthenticateToken returns the actor of a bearer token: the token's user
// acting through the token's grant (or, for a token without one, the
// user's highest current grant). Revoked or expired tokens, and tokens of
// users who are not active, are locked, deleted or expired, are
// KindUnauthorized.
func (s *Service) AuthenticateToken(ctx context.Context, secret, ip, requestID string) (*Actor, error) {
	if !strings.HasPrefix(secret, "rst_") || len(secret) > 200 {
		return nil, errBadToken
	}
	t, err := s.db.TokenByHash(ctx, auth.HashSecret(secret))
	if isKind(err, directory.KindNotFound) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return nil, errBadToken
	}
	u, err := s.db.User(ctx, t.OrgID, t.UserID)
	if err != nil {
		return nil, errBadToken
	}
	if u.Status != directory.StatusActive || u.Locked() || u.Deleted() || u.AccountExpired(now) {
		return nil, errBadToken
	}
	a := &Actor{OrgID: u.OrgID, UserID: u.ID, Name: u.Name(), TokenID: t.ID, IP: ip, RequestID: requestID}
	if err := s.activateGrant(ctx, a, t.GrantID, now); err != nil {
		return nil, err
	}
	if err := s.db.TouchToken(ctx, t.ID, now.UnixMicro()); err != nil {
		s.log.WarnContext(ctx, "cannot record token use", "error", err)
	}
	return a, nil
}

// activateGrant sets the actor's active grant: grantID when it is one of
// the user's current grants, else the current grant of highest level.
// A token bound to a grant that no longer counts, or of a user whose every
// grant has ended (an expired user), is KindUnauthorized.
func (s *Service) activateGrant(ctx context.Context, a *Actor, grantID string, now time.Time) error {
	grants, err := s.db.UserGrants(ctx, a.OrgID, a.UserID)
	if err != nil {
		return err
	}
	expired := len(grants) > 0
	for _, g := range grants {
		if g.ExpiresAt.IsZero() || now.Before(g.ExpiresAt) {
			expired = false
		}
		if !g.ActiveAt(now) || (grantID != "" && g.ID != grantID) {
			continue
		}
		r, err := s.db.Role(ctx, a.OrgID, g.RoleID)
		if err != nil {
			return err
		}
		if a.Role == nil || r.Level > a.Role.Level {
			a.Grant, a.Role = g, r
		}
	}
	if expired || (grantID != "" && a.Grant == nil) {
		return errBadToken
	}
	return s.loadScope(ctx, a)
}

// TokenInput describes a new API token.
type TokenInput struct {
	// UserID is whose rights the token carries; "" = the actor's own.
	UserID    string
	Name      string
	ExpiresAt time.Time // zero = never
	// ProvisionRoleID and ProvisionUnitID are the role and scope ("" = the
	// whole organization) of the grant that users the token creates through
	// SCIM receive; "" role = no grant.
	ProvisionRoleID string
	ProvisionUnitID string
}

// CreateToken issues an API token and returns it with its secret, which is
// shown this once and stored only as a hash. An actor makes tokens for
// themselves; making one for another user takes settings.manage (and the
// operator may make one for anyone active). A provisioning role and scope
// must be a grant the actor may give (see checkProvisionGrant).
func (s *Service) CreateToken(ctx context.Context, a *Actor, in TokenInput) (*directory.Token, string, error) {
	if err := signedIn(a); err != nil {
		return nil, "", err
	}
	if err := notImpersonating(a, "API tokens"); err != nil {
		return nil, "", err
	}
	if in.UserID == "" {
		in.UserID = a.UserID
	}
	if in.UserID != a.UserID {
		if err := s.authorize(a, "settings.manage"); err != nil {
			return nil, "", err
		}
	}
	in.Name = strings.TrimSpace(in.Name)
	var v directory.Validation
	if in.Name == "" {
		v.Add("name", "is required")
	} else if len([]rune(in.Name)) > 100 {
		v.Add("name", "must be at most 100 characters")
	}
	now := s.now()
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		v.Add("expires_at", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	secret, err := auth.NewSecret("rst")
	if err != nil {
		return nil, "", err
	}
	t := &directory.Token{ID: newID(), OrgID: a.OrgID, UserID: in.UserID, Name: in.Name, Prefix: auth.SecretPrefix(secret),
		CreatedBy: a.UserID, CreatedAt: now, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Microsecond),
		ProvisionRoleID: in.ProvisionRoleID, ProvisionUnitID: in.ProvisionUnitID}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		// Minting a token for someone else is acting as them: only for
		// users the actor may manage.
		u, err := tx.User(ctx, a.OrgID, in.UserID)
		if in.UserID != a.UserID && err == nil {
			u, err = s.manageUser(ctx, &tx.Conn, a, in.UserID)
		}
		if err != nil {
			return err
		}
		if u.Status != directory.StatusActive || u.Deleted() {
			return directory.Errorf(directory.KindConflict, "%s is not active; only active users can have API tokens", u.Name())
		}
		if err := s.checkProvisionGrant(ctx, tx, a, t); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, t, auth.HashSecret(secret)); err != nil {
			return err
		}
		// created leaves out an expiry that is not set, as every create does.
		return s.record(ctx, tx, a, "token.create", "token", t.ID, t.Name, created(map[string]any{
			"user_id": t.UserID, "name": t.Name, "expires_at": timeValue(t.ExpiresAt),
			"provision_role_id": t.ProvisionRoleID, "provision_unit_id": t.ProvisionUnitID}))
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// checkProvisionGrant validates a token's provisioning role and scope. SCIM
// gives that grant in the token's name, so it must be one the actor could
// give now: checkGrant's rules, with no required fields (a SCIM client has
// no values for them). Every problem is KindInvalid under the token's field
// names.
func (s *Service) checkProvisionGrant(ctx context.Context, tx *store.Tx, a *Actor, t *directory.Token) error {
	if t.ProvisionRoleID == "" {
		if t.ProvisionUnitID != "" {
			return invalidField("provision_unit_id", "needs a provisioning role")
		}
		return nil
	}
	var v directory.Validation
	_, _, err := s.checkGrant(ctx, tx, a, &GrantInput{RoleID: t.ProvisionRoleID, UnitID: t.ProvisionUnitID, Fields: map[string]string{}}, &v)
	var de *directory.Error
	if !errors.As(err, &de) {
		return err
	}
	switch de.Kind {
	case directory.KindInvalid:
		var out directory.Validation
		asksFields := false
		for _, f := range de.Fields {
			switch {
			case f.Field == "role_id":
				out.Add("provision_role_id", "%s", f.Message)
			case f.Field == "unit_id":
				out.Add("provision_unit_id", "%s", f.Message)
			case strings.HasPrefix(f.Field, "fields.") && !asksFields:
				asksFields = true
				out.Add("provision_role_id", "the role asks for values that provisioning cannot supply")
			}
		}
		if len(out.Fields) == 0 {
			return err
		}
		return out.Err()
	case directory.KindForbidden:
		// The delegation rule: a role above the actor's level, or a scope
		// outside theirs.
		role, err := tx.Role(ctx, a.OrgID, t.ProvisionRoleID)
		if err != nil {
			return err
		}
		if role.Level > a.Level() {
			return invalidField("provision_role_id", "%s", de.Message)
		}
		return invalidField("provision_unit_id", "%s", de.Message)
	}
	return err
}

// invalidField is a KindInvalid error about one field.
func invalidField(field, format string, args ...any) error {
	var v directory.Validation
	v.Add(field, format, args...)
	return v.Err()
}

// Tokens lists API tokens: for an actor with settings.manage, the tokens of
// every user they may see; for others, their own.
func (s *Service) Tokens(ctx context.Context, a *Actor) ([]*directory.Token, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	if !a.Can("settings.manage") {
		return s.db.Tokens(ctx, a.OrgID, a.UserID)
	}
	all, err := s.db.Tokens(ctx, a.OrgID, "")
	if err != nil || a.OrgWide() {
		return all, err
	}
	visible := map[string]bool{}
	out := make([]*directory.Token, 0, len(all))
	for _, t := range all {
		ok, known := visible[t.UserID]
		if !known {
			u, err := s.db.User(ctx, a.OrgID, t.UserID)
			if err != nil {
				return nil, err
			}
			if ok, err = s.canView(ctx, &s.db.Conn, a, u); err != nil {
				return nil, err
			}
			visible[t.UserID] = ok
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// RevokeToken revokes a token: one's own, or, with settings.manage, one of
// a user the actor may manage. Tokens of users the actor may not see are
// KindNotFound; of users they see but may not manage, KindForbidden.
func (s *Service) RevokeToken(ctx context.Context, a *Actor, id string) (*directory.Token, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	var out *directory.Token
	err := s.inTx(ctx, func(tx *store.Tx) error {
		t, err := tx.Token(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if t.UserID != a.UserID {
			if !a.Can("settings.manage") {
				return directory.NotFound("token")
			}
			// Revoking someone's token is acting on them: only on users the
			// actor may manage.
			if _, err := s.manageUser(ctx, &tx.Conn, a, t.UserID); isKind(err, directory.KindNotFound) {
				return directory.NotFound("token")
			} else if err != nil {
				return err
			}
		}
		if !t.RevokedAt.IsZero() {
			out = t
			return errStop
		}
		now := s.now()
		if err := tx.RevokeToken(ctx, a.OrgID, t.ID, now.UnixMicro()); err != nil {
			return err
		}
		t.RevokedAt = now
		out = t
		return s.record(ctx, tx, a, "token.revoke", "token", t.ID, t.Name, []directory.Change{{Field: "revoked", Before: false, After: true}})
	})
	if err == errStop {
		err = nil
	}
	return out, err
}

// Me returns the actor's own user record.
func (s *Service) Me(ctx context.Context, a *Actor) (*directory.User, error) {
	if err := signedInUser(a); err != nil {
		return nil, err
	}
	u, err := s.db.User(ctx, a.OrgID, a.UserID)
	if err != nil {
		return nil, err
	}
	return u, s.complete(ctx, u)
}
