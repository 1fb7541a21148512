package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// Provisioning (SCIM) works on provisioned users only: users a SCIM client
// created, or users added by hand that the organization let a client take
// over (SecurityPolicy.ProvisioningLink). The client owns the fields of
// ProvisionInput; the console, the REST API and imports leave them alone
// (see checkOwnedFields). Every operation also takes the permission it
// takes anywhere else, and scim.provision.

// ProvisionInput is a user as a SCIM client states it, whole: a create, or
// the replacement of every field the client owns.
type ProvisionInput struct {
	Username     string
	Email        string
	FirstName    string
	LastName     string
	DisplayName  string
	Phone        string
	JobTitle     string
	ExternalID   string
	Address      directory.Address
	SupervisorID string
	// Department is a unit's name: the user's department becomes the live
	// unit of that name within the actor's reach, or none when there is no
	// such unit (the client keeps the text among its attributes).
	Department string
	// Active is whether the user may sign in: nil keeps the status as it
	// is (a new user is active, that is pending until they set a password).
	Active *bool
	// EmailType, PhoneType and AddressType say what kind of email, phone
	// number and address Roster keeps; Extra holds the client's other
	// attributes, returned as they were sent.
	EmailType   string
	PhoneType   string
	AddressType string
	Extra       map[string]any
}

// ProvisionedUser is a provisioned user with what provisioning keeps
// about them and the groups they are in.
type ProvisionedUser struct {
	*directory.User
	Provisioning *directory.Provisioning
	Groups       []store.Ref
}

// ownedFields are the profile fields a SCIM client owns, by their names in
// userSnapshot; on a provisioned user only provisioning changes them.
var ownedFields = []string{"username", "email", "first_name", "last_name", "display_name", "phone", "job_title",
	"external_id", "address.street", "address.locality", "address.region", "address.postal_code", "address.country",
	"supervisor_id", "department_id"}

// OwnedByProvisioning reports whether a field (by its name in the REST API
// and the console: username, email, first_name, address.street, …) of a
// provisioned user is managed by provisioning.
func OwnedByProvisioning(field string) bool {
	for _, f := range ownedFields {
		if f == field || (field == "address" && strings.HasPrefix(f, "address.")) {
			return true
		}
	}
	return false
}

// checkOwnedFields refuses a change by anyone but provisioning to a field a
// SCIM client owns, when u is provisioned.
func checkOwnedFields(ctx context.Context, c *store.Conn, u *directory.User, changes []directory.Change) error {
	var owned []directory.FieldError
	for _, ch := range changes {
		if OwnedByProvisioning(ch.Field) {
			owned = append(owned, directory.FieldError{Field: ch.Field, Message: "is managed by provisioning"})
		}
	}
	if len(owned) == 0 {
		return nil
	}
	ok, err := c.IsProvisioned(ctx, u.ID)
	if err != nil || !ok {
		return err
	}
	return &directory.Error{Kind: directory.KindConflict, Fields: owned,
		Message: fmt.Sprintf("%s is managed by provisioning: change these fields in the identity provider that provisions them", u.Name())}
}

// authorizeProvisioning checks that the actor may provision (scim.provision)
// and use permission p, which the same operation takes anywhere else.
func (s *Service) authorizeProvisioning(a *Actor, p directory.Permission) error {
	if err := s.authorize(a, "scim.provision"); err != nil {
		return err
	}
	return s.authorize(a, p)
}

// ProvisionUser creates a user for a SCIM client, with the grant the
// token gives the users it provisions. When the organization links users
// by user name or external id and a user added by hand (one the actor may
// manage) already holds that value, that user is taken over instead and
// receives the input. It reports whether the user was created.
func (s *Service) ProvisionUser(ctx context.Context, a *Actor, in *ProvisionInput) (*ProvisionedUser, bool, error) {
	if err := s.authorizeProvisioning(a, "users.create"); err != nil {
		return nil, false, err
	}
	var out *directory.User
	createdNew := true
	p := provisionProfile(in)
	err := s.inTx(ctx, func(tx *store.Tx) error {
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		if u, err := s.linkable(ctx, tx, a, org.Policy.Defaults(), in); err != nil {
			return err
		} else if u != nil {
			createdNew = false
			out, err = s.applyProvision(ctx, tx, a, u, in, true)
			return err
		}
		if p.DepartmentID, err = s.departmentByName(ctx, tx, a, in.Department); err != nil {
			return err
		}
		u, err := s.insertUserTx(ctx, tx, a, &UserInput{Profile: p}, "")
		if err != nil {
			return err
		}
		if in.Active != nil && !*in.Active {
			u.Status = directory.StatusInactive
			if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
				return err
			}
		}
		var sent []directory.Change
		if org.Policy.ProvisioningInvite && u.Status == directory.StatusPending && u.Email != "" && a.Can("users.invite") {
			if sent, err = s.sendInvitation(ctx, tx, a, org, u); err != nil {
				return err
			}
		}
		pv := provisioningOf(a, u.ID, in)
		pv.CreatedAt = u.CreatedAt
		if err := tx.SaveProvisioning(ctx, a.OrgID, pv); err != nil {
			return err
		}
		if err := s.recordCreate(ctx, tx, a, u, append(sent, directory.Change{Field: "provisioned", Before: nil, After: true})...); err != nil {
			return err
		}
		out = u
		return s.giveProvisionGrant(ctx, tx, a, u)
	})
	if err != nil {
		return nil, false, s.explainDuplicate(ctx, a, err, &p)
	}
	pu, err := s.provisionedView(ctx, a, out)
	return pu, createdNew, err
}

// linkable returns the user added by hand that a create takes over under
// the organization's linking rule, or nil.
func (s *Service) linkable(ctx context.Context, tx *store.Tx, a *Actor, policy directory.SecurityPolicy, in *ProvisionInput) (*directory.User, error) {
	field, value := "", ""
	switch policy.ProvisioningLink {
	case directory.LinkByUsername:
		field, value = "username", in.Username
	case directory.LinkByExternalID:
		field, value = "external_id", in.ExternalID
	}
	if value == "" {
		return nil, nil
	}
	u, err := tx.UserByField(ctx, a.OrgID, field, value)
	if isKind(err, directory.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if provisioned, err := tx.IsProvisioned(ctx, u.ID); err != nil || provisioned || u.Deleted() {
		// A provisioned holder is a plain duplicate; one in the recycle bin
		// is left there.
		return nil, err
	}
	if ok, err := s.canManage(ctx, &tx.Conn, a, u); err != nil || !ok {
		return nil, err
	}
	if u.CustomFields, err = tx.FieldValues(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

// giveProvisionGrant gives u the grant the actor's token gives the users it
// provisions, under the delegation rule.
func (s *Service) giveProvisionGrant(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User) error {
	if a.TokenID == "" {
		return nil
	}
	t, err := tx.Token(ctx, a.OrgID, a.TokenID)
	if err != nil || t.ProvisionRoleID == "" {
		return err
	}
	_, err = s.createGrantTx(ctx, tx, a, u, GrantInput{RoleID: t.ProvisionRoleID, UnitID: t.ProvisionUnitID, Fields: map[string]string{}})
	var de *directory.Error
	if errors.As(err, &de) && de.Kind == directory.KindInvalid {
		return directory.Errorf(directory.KindConflict,
			"the access this token gives provisioned users cannot be given (%s); change the token's provisioning role or scope", de.Error())
	}
	return err
}

// provisionProfile is the profile of a new user from a SCIM input.
func provisionProfile(in *ProvisionInput) directory.Profile {
	return directory.Profile{Username: in.Username, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		DisplayName: in.DisplayName, Phone: in.Phone, JobTitle: in.JobTitle, ExternalID: in.ExternalID,
		Address: in.Address, SupervisorID: in.SupervisorID, License: directory.LicenseStandard}
}

func provisioningOf(a *Actor, userID string, in *ProvisionInput) *directory.Provisioning {
	return &directory.Provisioning{UserID: userID, TokenID: a.TokenID, EmailType: in.EmailType, PhoneType: in.PhoneType,
		AddressType: in.AddressType, Extra: in.Extra}
}

// departmentByName is the id of the live unit named name within the
// actor's reach, or "".
func (s *Service) departmentByName(ctx context.Context, tx *store.Tx, a *Actor, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	id, err := tx.UnitIDByName(ctx, a.OrgID, name)
	if err != nil || id == "" {
		return "", err
	}
	if _, err := s.unitInScope(ctx, &tx.Conn, a, id); isKind(err, directory.KindNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return id, nil
}

// applyProvision gives u, a user the actor may manage, every field of in:
// the profile fields the client owns, the status (active or not), and what
// provisioning keeps. link says that u is a user added by hand being taken
// over. One audit event records the profile and status changes.
func (s *Service) applyProvision(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User, in *ProvisionInput, link bool) (*directory.User, error) {
	if u.Deleted() {
		return nil, directory.Errorf(directory.KindConflict, "%s is in the recycle bin", u.Name())
	}
	before, old := userSnapshot(u), u.Profile
	p := &u.Profile
	p.Username, p.FirstName, p.LastName, p.DisplayName = in.Username, in.FirstName, in.LastName, in.DisplayName
	p.Phone, p.JobTitle, p.ExternalID, p.Address, p.SupervisorID = in.Phone, in.JobTitle, in.ExternalID, in.Address, in.SupervisorID
	var err error
	if p.DepartmentID, err = s.departmentByName(ctx, tx, a, in.Department); err != nil {
		return nil, err
	}
	p.Email = in.Email
	directory.NormalizeProfile(p)
	var v directory.Validation
	directory.ValidateProfile(p, &v)
	if err := s.checkReferences(ctx, tx, a, u.ID, p, &old, &v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	u.UpdatedAt = now
	profileChanged := false
	for _, ch := range diff(before, userSnapshot(u)) {
		profileChanged = profileChanged || ch.Field != "email"
	}
	if profileChanged {
		if err := tx.UpdateUserProfile(ctx, u, u.Version); err != nil {
			return nil, err
		}
	}
	if u.Email != old.Email {
		if err := tx.UpdateUserEmail(ctx, u, u.Version); err != nil {
			return nil, err
		}
	}
	action := "user.update"
	var extra []directory.Change
	if in.Active != nil && *in.Active != (u.Status != directory.StatusInactive) {
		// The same rules as Disable and Enable, in this transaction.
		if err := s.authorize(a, "users.disable"); err != nil {
			return nil, err
		}
		change := enable
		action = "user.enable"
		if !*in.Active {
			change = func(u *directory.User) error { return disable(a, u) }
			action = "user.disable"
		}
		if err := change(u); err != nil {
			return nil, err
		}
		if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
			return nil, err
		}
		if !*in.Active {
			if extra, err = s.shutOut(ctx, tx, a, u); err != nil {
				return nil, err
			}
		}
	}
	changes := append(diff(before, userSnapshot(u)), extra...)
	pv := provisioningOf(a, u.ID, in)
	if link {
		pv.Linked, pv.CreatedAt = true, now
		changes = append(changes, directory.Change{Field: "provisioned", Before: false, After: true})
		action = "user.link"
	} else if old, err := tx.Provisioning(ctx, a.OrgID, u.ID); err == nil {
		pv.TokenID, pv.Linked, pv.CreatedAt = old.TokenID, old.Linked, old.CreatedAt
	}
	if err := tx.SaveProvisioning(ctx, a.OrgID, pv); err != nil {
		return nil, err
	}
	if len(changes) > 0 {
		if err := s.record(ctx, tx, a, action, "user", u.ID, u.Name(), changes); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// provisionedUser returns a provisioned user the actor may see (manage,
// when manage is set) with their custom fields; any other user is
// KindNotFound.
func (s *Service) provisionedUser(ctx context.Context, c *store.Conn, a *Actor, id string, manage bool) (*directory.User, error) {
	ok, err := c.IsProvisioned(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, directory.NotFound("user")
	}
	var u *directory.User
	if manage {
		u, err = s.manageUser(ctx, c, a, id)
	} else {
		u, err = s.viewUser(ctx, c, a, id)
	}
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, directory.NotFound("user")
	}
	u.Provisioned = true
	if u.CustomFields, err = c.FieldValues(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

// provisionedView completes a provisioned user with what provisioning
// keeps and their groups.
func (s *Service) provisionedView(ctx context.Context, a *Actor, u *directory.User) (*ProvisionedUser, error) {
	out, err := s.ProvisionedDetails(ctx, a, []*directory.User{u})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ProvisionedUserByID returns a provisioned user the actor may see.
func (s *Service) ProvisionedUserByID(ctx context.Context, a *Actor, id string) (*ProvisionedUser, error) {
	if err := s.authorizeProvisioning(a, "users.view"); err != nil {
		return nil, err
	}
	u, err := s.provisionedUser(ctx, &s.db.Conn, a, id, false)
	if err != nil {
		return nil, err
	}
	return s.provisionedView(ctx, a, u)
}

// ReplaceProvisionedUser gives a provisioned user every field of in.
// expectVersion, when not 0, must match (KindPrecondition).
func (s *Service) ReplaceProvisionedUser(ctx context.Context, a *Actor, id string, expectVersion int64, in *ProvisionInput) (*ProvisionedUser, error) {
	if err := s.authorizeProvisioning(a, "users.edit"); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.provisionedUser(ctx, &tx.Conn, a, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, u.Version, "user"); err != nil {
			return err
		}
		out, err = s.applyProvision(ctx, tx, a, u, in, false)
		return err
	})
	if err != nil {
		p := provisionProfile(in)
		return nil, s.explainDuplicate(ctx, a, err, &p)
	}
	return s.provisionedView(ctx, a, out)
}

// DeprovisionUser answers a SCIM DELETE: the user is disabled, or moved to
// the recycle bin, as the organization chose (ProvisioningDelete). A user
// who has ever signed in never goes to the recycle bin (Roster keeps
// their history): they are disabled instead. It reports whether the user
// went to the recycle bin.
func (s *Service) DeprovisionUser(ctx context.Context, a *Actor, id string, expectVersion int64) (bool, error) {
	if err := s.authorize(a, "scim.provision"); err != nil {
		return false, err
	}
	org, err := s.db.Organization(ctx, a.OrgID)
	if err != nil {
		return false, err
	}
	u, err := s.provisionedUser(ctx, &s.db.Conn, a, id, true)
	if err != nil {
		return false, err
	}
	if err := checkVersion(expectVersion, u.Version, "user"); err != nil {
		return false, err
	}
	if org.Policy.Defaults().ProvisioningDelete == directory.ProvisioningRecycleBin && !u.HasSignedIn() {
		_, err := s.Delete(ctx, a, id, u.Version)
		return err == nil, err
	}
	if u.Status == directory.StatusInactive {
		return false, nil
	}
	_, err = s.Disable(ctx, a, id, u.Version)
	return false, err
}

// ProvisionedUsers lists the provisioned users the actor may see that
// match q, with how many match in all.
func (s *Service) ProvisionedUsers(ctx context.Context, a *Actor, q store.ProvisionedQuery) ([]*directory.User, int, error) {
	if err := s.authorizeProvisioning(a, "users.view"); err != nil {
		return nil, 0, err
	}
	q.Scope = a.listScope()
	return s.db.ProvisionedUsers(ctx, a.OrgID, q)
}

// ProvisionedDetails completes listed users with what provisioning keeps
// and their groups (not their custom fields, which SCIM does not carry),
// with one query for the groups of them all.
func (s *Service) ProvisionedDetails(ctx context.Context, a *Actor, users []*directory.User) ([]*ProvisionedUser, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	groups, err := s.db.GroupsOf(ctx, a.OrgID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*ProvisionedUser, len(users))
	for i, u := range users {
		u.Provisioned = true
		pv, err := s.db.Provisioning(ctx, a.OrgID, u.ID)
		if err != nil {
			return nil, err
		}
		out[i] = &ProvisionedUser{User: u, Provisioning: pv, Groups: groups[u.ID]}
	}
	return out, nil
}
