package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"roster/internal/directory"
	"roster/internal/store"
)

// MaxBulkInvitations is the most addresses one bulk invitation takes.
const MaxBulkInvitations = 1000

// The outcomes of one address of a bulk invitation.
const (
	InviteInvited        = "invited"
	InviteAlreadyAUser   = "already_a_user"
	InviteInvalidAddress = "invalid_address"
	InviteRepeated       = "repeated"
	InviteNotAllowed     = "not_allowed"
)

// BulkInviteInput is a bulk invitation: addresses as pasted, and the
// access every invited user gets.
type BulkInviteInput struct {
	// Emails holds the addresses, separated by commas, semicolons, spaces
	// or line breaks.
	Emails string
	RoleID string
	// UnitIDs are the units the role is given over, one grant each; none =
	// one grant over the whole organization.
	UnitIDs    []string
	RequireMFA bool
}

// BulkInviteResult is what became of one address.
type BulkInviteResult struct {
	Email   string
	Outcome string
	// UserID is the invited user, or the existing user the address belongs
	// to when the actor may see them.
	UserID string
	Detail string
}

// SplitAddresses splits pasted addresses at commas, semicolons and white
// space, dropping empty pieces.
func SplitAddresses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// BulkInvite adds and invites a pending user for each address, each with
// the role over each unit (or the whole organization) and, when asked,
// MFA required. It takes users.invite; the role and units pass the
// delegation rule as for CreateGrant (at or below the actor's level, inside
// their scope), or no address is invited (each answers not_allowed). Every
// invited address is its own transaction — user, grants, link, mail and
// audit events — so a refusal leaves nothing half-made.
//
// An address that belongs to a user already answers already_a_user, with
// the user's id only when the actor may see them; the address being taken
// is told either way, as a 409 on POST /users would tell it.
//
// A request without addresses, with more than MaxBulkInvitations, with an
// unknown role, a role that needs grant fields, or an archived unit is
// KindInvalid.
func (s *Service) BulkInvite(ctx context.Context, a *Actor, in BulkInviteInput) ([]BulkInviteResult, error) {
	if err := s.authorize(a, "users.invite"); err != nil {
		return nil, err
	}
	addrs := SplitAddresses(in.Emails)
	var v directory.Validation
	switch {
	case len(addrs) == 0:
		v.Add("emails", "holds no address")
	case len(addrs) > MaxBulkInvitations:
		v.Add("emails", "holds %d addresses; at most %d are taken at once", len(addrs), MaxBulkInvitations)
	}
	refused, units, err := s.checkBulkAccess(ctx, a, &in, &v)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	org, err := s.db.Organization(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	out := make([]BulkInviteResult, 0, len(addrs))
	seen := map[string]bool{}
	for _, addr := range addrs {
		r := BulkInviteResult{Email: addr}
		key := directory.FoldKey(addr)
		switch {
		case seen[key]:
			r.Outcome, r.Detail = InviteRepeated, "given earlier in the list"
		case directory.EmailProblem(addr) != "":
			r.Outcome, r.Detail = InviteInvalidAddress, directory.EmailProblem(addr)
		}
		seen[key] = true
		if r.Outcome != "" {
			out = append(out, r)
			continue
		}
		if done, err := s.existingAddress(ctx, a, &r); err != nil {
			return nil, err
		} else if done {
			out = append(out, r)
			continue
		}
		if refused != "" {
			r.Outcome, r.Detail = InviteNotAllowed, refused
			out = append(out, r)
			continue
		}
		u, err := s.inviteOne(ctx, a, org, addr, &in, units)
		var dup *store.DuplicateError
		switch {
		case errors.As(err, &dup) && dup.Field == "email":
			// Added by someone else since the look-up above.
			if _, err := s.existingAddress(ctx, a, &r); err != nil {
				return nil, err
			}
		case isKind(err, directory.KindForbidden):
			r.Outcome, r.Detail = InviteNotAllowed, err.Error()
		case err != nil && directory.KindOf(err) != 0:
			r.Outcome, r.Detail = InviteInvalidAddress, err.Error()
		case err != nil:
			return nil, err
		default:
			r.Outcome, r.UserID = InviteInvited, u.ID
		}
		out = append(out, r)
	}
	return out, nil
}

// checkBulkAccess checks the role and units of a bulk invitation once. It
// adds request errors to v and returns why the delegation rule refuses the
// access ("" = it allows it) and the units in order, without repeats.
// To a scoped actor, a unit that does not exist is refused like one
// outside their scope, so that the answer tells nothing about other scopes.
func (s *Service) checkBulkAccess(ctx context.Context, a *Actor, in *BulkInviteInput, v *directory.Validation) (string, []string, error) {
	refused := ""
	role, err := s.db.Role(ctx, a.OrgID, in.RoleID)
	switch {
	case isKind(err, directory.KindNotFound):
		v.Add("role_id", "no such role")
	case err != nil:
		return "", nil, err
	case len(role.RequiredFields) > 0:
		v.Add("role_id", "the role %s needs values on each grant, which a bulk invitation cannot give; invite these people one by one", role.Name)
	case role.Level > a.Level():
		refused = fmt.Sprintf("you may give roles only at or below your own level (%d); %s is %d", a.Level(), role.Name, role.Level)
	}
	outside := "you may give access only inside your own scope"
	var units []string
	seen := map[string]bool{}
	for _, id := range in.UnitIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		units = append(units, id)
		u, err := s.db.Unit(ctx, a.OrgID, id)
		switch {
		case isKind(err, directory.KindNotFound) && a.OrgWide():
			v.Add("unit_ids", "%s is no unit of this organization", id)
		case isKind(err, directory.KindNotFound):
			refused = outside
		case err != nil:
			return "", nil, err
		case !a.covers(u.Path):
			refused = outside
		case u.Archived():
			v.Add("unit_ids", "the unit %s is archived", u.Name)
		}
	}
	if len(units) == 0 && !a.OrgWide() {
		refused = outside
	}
	return refused, units, nil
}

// existingAddress sets the outcome of an address that belongs to a user
// already and reports whether it does.
func (s *Service) existingAddress(ctx context.Context, a *Actor, r *BulkInviteResult) (bool, error) {
	holder, err := s.db.UserByField(ctx, a.OrgID, "email", r.Email)
	if isKind(err, directory.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.Outcome = InviteAlreadyAUser
	ok, err := s.canView(ctx, &s.db.Conn, a, holder)
	if err != nil {
		return false, err
	}
	if !ok {
		r.Detail = "this address belongs to a user outside your scope"
		return true, nil
	}
	r.UserID, r.Detail = holder.ID, "this address belongs to "+holder.Name()
	if holder.Deleted() {
		r.Detail += " (in the recycle bin)"
	}
	return true, nil
}

// inviteOne adds one invited user with their grants and invitation, in one
// transaction.
func (s *Service) inviteOne(ctx context.Context, a *Actor, org *directory.Organization, addr string, in *BulkInviteInput, units []string) (*directory.User, error) {
	first, last := namesFromAddress(addr)
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		scopes := units
		if len(scopes) == 0 {
			scopes = []string{""}
		}
		var extra []directory.Change
		var grants []*directory.Grant
		now := s.now()
		for _, unitID := range scopes {
			// The same check as CreateGrant's, inside this transaction.
			gi := GrantInput{RoleID: in.RoleID, UnitID: unitID, Fields: map[string]string{}}
			var v directory.Validation
			role, unit, err := s.checkGrant(ctx, tx, a, &gi, &v)
			if err != nil {
				return err
			}
			grants = append(grants, &directory.Grant{ID: newID(), OrgID: a.OrgID, RoleID: role.ID, UnitID: unitID,
				CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now})
			scope := unitName(unit)
			if scope == "" {
				scope = "organization"
			}
			extra = append(extra, directory.Change{Field: "grant.role", After: role.Name}, directory.Change{Field: "grant.scope", After: scope})
		}
		u, err := s.insertUserTx(ctx, tx, a, &UserInput{Profile: directory.Profile{Email: addr, FirstName: first, LastName: last}}, "")
		if err != nil {
			return err
		}
		for _, g := range grants {
			g.UserID = u.ID
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
		}
		if in.RequireMFA {
			u.MFARequired = true
			if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
				return err
			}
		}
		out = u
		sent, err := s.sendInvitation(ctx, tx, a, org, u)
		if err != nil {
			return err
		}
		// One address, one operation, one user.create event: the access
		// given, MFA and the invitation are among its changes.
		return s.recordCreate(ctx, tx, a, u, append(extra, sent...)...)
	})
	return out, err
}

// namesFromAddress guesses a first and last name from an address's local
// part ("jane.roe" → Jane, Roe); the user or an administrator corrects
// them later. A local part of one word serves as both.
func namesFromAddress(addr string) (string, string) {
	local := addr
	if at := strings.LastIndexByte(addr, '@'); at > 0 {
		local = addr[:at]
	}
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, w := range words {
		words[i] = titleWord(w)
	}
	switch len(words) {
	case 0:
		return "Invited", "User"
	case 1:
		return words[0], words[0]
	}
	last := []rune(strings.Join(words[1:], " "))
	if len(last) > directory.MaxNameLen {
		last = last[:directory.MaxNameLen]
	}
	return words[0], string(last)
}

func titleWord(w string) string {
	r := []rune(w)
	if len(r) > 100 {
		r = r[:100]
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
