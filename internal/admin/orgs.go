package admin

import (
	"context"
	"regexp"
	"strings"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// EnsureOrganization returns the organization with the given slug,
// creating it with its built-in roles and unit kinds when it does not exist.
// It reports whether it was created.
func (s *Service) EnsureOrganization(ctx context.Context, slug, name string) (*directory.Organization, bool, error) {
	o, err := s.db.OrganizationBySlug(ctx, slug)
	if err == nil {
		return o, false, nil
	}
	if !isKind(err, directory.KindNotFound) {
		return nil, false, err
	}
	o, err = s.CreateOrganization(ctx, slug, name)
	if isKind(err, directory.KindConflict) {
		// Another instance created it at the same moment.
		o, err = s.db.OrganizationBySlug(ctx, slug)
		return o, false, err
	}
	return o, err == nil, err
}

// CreateOrganization creates an organization with its built-in roles and
// unit kinds. A bad slug is KindInvalid; a taken one KindConflict.
func (s *Service) CreateOrganization(ctx context.Context, slug, name string) (*directory.Organization, error) {
	slug, name = strings.TrimSpace(slug), strings.TrimSpace(name)
	var v directory.Validation
	if !slugPattern.MatchString(slug) {
		v.Add("slug", "must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit")
	}
	if name == "" {
		v.Add("name", "is required")
	} else if len(name) > directory.MaxTextLen {
		v.Add("name", "must be at most %d characters", directory.MaxTextLen)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	o := &directory.Organization{ID: newID(), Slug: slug, Name: name, PremiumSeatLimit: -1, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOrganization(ctx, o); err != nil {
			return err
		}
		for _, r := range builtinRoles() {
			r.ID, r.OrgID, r.CreatedAt, r.UpdatedAt = newID(), o.ID, now, now
			if err := tx.CreateRole(ctx, r); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, Operator(o.ID), "organization.create", "organization", o.ID, o.Name,
			[]directory.Change{{Field: "slug", After: slug}, {Field: "name", After: name}})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Organization returns an organization by slug.
func (s *Service) Organization(ctx context.Context, slug string) (*directory.Organization, error) {
	return s.db.OrganizationBySlug(ctx, slug)
}

// Organizations lists every organization.
func (s *Service) Organizations(ctx context.Context) ([]*directory.Organization, error) {
	return s.db.Organizations(ctx)
}

// OwnerInput describes the first owner of an organization.
type OwnerInput struct {
	Email     string
	Password  string
	FirstName string
	LastName  string
}

// CreateOwner adds an active user with a password and the owner role over
// the whole organization; it is how an operator bootstraps an installation.
// A taken email is KindConflict; a weak password or bad email KindInvalid.
func (s *Service) CreateOwner(ctx context.Context, orgID string, in OwnerInput) (*directory.User, error) {
	org, err := s.db.Organization(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.createOwner(ctx, org, in, nil)
}

// createOwner is CreateOwner; pre runs first in the same transaction.
func (s *Service) createOwner(ctx context.Context, org *directory.Organization, in OwnerInput, pre func(tx *store.Tx) error) (*directory.User, error) {
	orgID := org.ID
	a := Operator(orgID)
	if in.FirstName == "" {
		in.FirstName = "Owner"
	}
	if in.LastName == "" {
		in.LastName = "Account"
	}
	var v directory.Validation
	if strings.TrimSpace(in.Email) == "" {
		v.Add("email", "is required")
	}
	who := auth.PersonalInfo{Email: in.Email, FirstName: in.FirstName, LastName: in.LastName}
	if err := s.checkNewPassword(ctx, &s.db.Conn, org, nil, who, "password", in.Password, &v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var out *directory.User
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if pre != nil {
			if err := pre(tx); err != nil {
				return err
			}
		}
		owner, err := tx.RoleByKey(ctx, orgID, directory.OwnerRoleKey)
		if err != nil {
			return err
		}
		// One operation, one audit event: the user.create event also
		// records the access given.
		u, err := s.createUserTx(ctx, tx, a, &UserInput{Profile: directory.Profile{
			Email: in.Email, FirstName: in.FirstName, LastName: in.LastName}}, hash,
			directory.Change{Field: "grant.role", After: owner.Name}, directory.Change{Field: "grant.scope", After: "organization"})
		if err != nil {
			return err
		}
		g := &directory.Grant{ID: newID(), OrgID: orgID, UserID: u.ID, RoleID: owner.ID, CreatedAt: s.now()}
		if err := tx.CreateGrant(ctx, g); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, s.explainDuplicate(ctx, Operator(orgID), err, &directory.Profile{Email: in.Email})
	}
	return out, nil
}

// SetPasswordByOperator sets the password of the user with the given login
// (username or email) and activates a pending user. It is the operator's
// reset from the command line: it also ends the user's sessions and API
// tokens, and leaves a locked account locked.
func (s *Service) SetPasswordByOperator(ctx context.Context, orgID, login, password string) (*directory.User, error) {
	a := Operator(orgID)
	org, err := s.db.Organization(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out *directory.User
	err = s.inTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByLogin(ctx, orgID, login)
		if err != nil {
			return err
		}
		if u.Deleted() {
			return directory.Errorf(directory.KindConflict, "%s is in the recycle bin; restore them first", u.Name())
		}
		var v directory.Validation
		if err := s.checkNewPassword(ctx, &tx.Conn, org, u, personalInfo(u), "password", password, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		before := u.Status
		voided, err := s.voidInvitation(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, password, false, ""); err != nil {
			return err
		}
		changes := []directory.Change{{Field: "password", Before: "(hidden)", After: "(changed)"}}
		if before != u.Status {
			changes = append(changes, directory.Change{Field: "status", Before: string(before), After: string(u.Status)})
		}
		changes = append(changes, voided...)
		out = u
		return s.record(ctx, tx, a, "user.set_password", "user", u.ID, u.Name(), changes)
	})
	return out, err
}

// UserByLogin returns the user of an organization with the given username
// or email, for the command line.
func (s *Service) UserByLogin(ctx context.Context, orgID, login string) (*directory.User, error) {
	return s.db.UserByLogin(ctx, orgID, login)
}
