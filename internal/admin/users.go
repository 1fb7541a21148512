package admin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// UserInput is what an administrator gives to add a user. Custom field
// values are keyed by the field's key.
type UserInput struct {
	directory.Profile
	// Invite says whether to send the new user an invitation; nil = yes
	// when they have an email and the actor holds users.invite.
	Invite *bool
}

// CreateUser adds a pending user with the full profile and, unless told
// not to (see UserInput.Invite), mails them an invitation in the same
// transaction. A missing username is derived from the email or the name.
// Validation problems are KindInvalid with a message per field; a taken
// username, email or external id is KindConflict naming the user who holds
// it; asking for an invitation without users.invite is KindForbidden.
func (s *Service) CreateUser(ctx context.Context, a *Actor, in *UserInput) (*directory.User, error) {
	if err := s.authorize(a, "users.create"); err != nil {
		return nil, err
	}
	invite, err := inviteOnCreate(a, &in.Profile, in.Invite)
	if err != nil {
		return nil, err
	}
	var out *directory.User
	err = s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.insertUserTx(ctx, tx, a, in, "")
		if err != nil {
			return err
		}
		out = u
		var sent []directory.Change
		if invite {
			org, err := tx.Organization(ctx, a.OrgID)
			if err != nil {
				return err
			}
			if sent, err = s.sendInvitation(ctx, tx, a, org, u); err != nil {
				return err
			}
		}
		return s.recordCreate(ctx, tx, a, u, sent...)
	})
	if err != nil {
		return nil, s.explainDuplicate(ctx, a, err, &in.Profile)
	}
	return out, s.markInvitations(ctx, &s.db.Conn, a.OrgID, out)
}

// QuickAdd adds a pending user from a name and an email only; the username
// is derived from the email and can be edited later.
func (s *Service) QuickAdd(ctx context.Context, a *Actor, firstName, lastName, email string) (*directory.User, error) {
	// Authorize before validating, so that an actor who may not add users
	// learns nothing from the answer.
	if err := s.authorize(a, "users.create"); err != nil {
		return nil, err
	}
	var v directory.Validation
	if strings.TrimSpace(email) == "" {
		v.Add("email", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.CreateUser(ctx, a, &UserInput{Profile: directory.Profile{FirstName: firstName, LastName: lastName, Email: email}})
}

// createUserTx adds a user inside tx and records the one user.create event
// of the operation, with extra changes (such as the access the operation
// gives) after the profile's.
func (s *Service) createUserTx(ctx context.Context, tx *store.Tx, a *Actor, in *UserInput, passwordHash string, extra ...directory.Change) (*directory.User, error) {
	u, err := s.insertUserTx(ctx, tx, a, in, passwordHash)
	if err != nil {
		return nil, err
	}
	return u, s.recordCreate(ctx, tx, a, u, extra...)
}

// recordCreate records the user.create event of u, with extra changes
// after the profile's.
func (s *Service) recordCreate(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User, extra ...directory.Change) error {
	return s.record(ctx, tx, a, "user.create", "user", u.ID, u.Name(), append(created(userSnapshot(u)), extra...))
}

// insertUserTx validates and stores a new user inside tx, without an audit
// event: the caller records the operation's one event.
func (s *Service) insertUserTx(ctx context.Context, tx *store.Tx, a *Actor, in *UserInput, passwordHash string) (*directory.User, error) {
	p := in.Profile
	directory.NormalizeProfile(&p)
	if p.Username == "" {
		name, err := s.deriveUsername(ctx, tx, a.OrgID, &p)
		if err != nil {
			return nil, err
		}
		p.Username = name
	}
	var v directory.Validation
	directory.ValidateProfile(&p, &v)
	fields, err := tx.Fields(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	values := validateCustomFields(fields, p.CustomFields, true, &v)
	if err := s.checkReferences(ctx, tx, a, "", &p, nil, &v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.License == directory.LicensePremium {
		if err := s.checkPremiumSeat(ctx, tx, a.OrgID, 0); err != nil {
			return nil, err
		}
	}
	now := s.now()
	status := directory.StatusPending
	if passwordHash != "" {
		status = directory.StatusActive
	}
	u := &directory.User{ID: newID(), OrgID: a.OrgID, Profile: p, Status: status,
		CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	u.CustomFields = nil
	if err := tx.CreateUser(ctx, u, passwordHash); err != nil {
		return nil, err
	}
	if err := saveCustomFields(ctx, tx, a.OrgID, u.ID, fields, values); err != nil {
		return nil, err
	}
	// Blank values of optional fields are not stored; return what a read returns.
	u.CustomFields = map[string]string{}
	for k, val := range values {
		if val != "" {
			u.CustomFields[k] = val
		}
	}
	return u, nil
}

var usernameChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// deriveUsername makes a username from the email's local part, or from the
// names, adding a number when it is taken.
func (s *Service) deriveUsername(ctx context.Context, tx *store.Tx, orgID string, p *directory.Profile) (string, error) {
	base := ""
	if at := strings.LastIndexByte(p.Email, '@'); at > 0 {
		base = p.Email[:at]
	}
	if base == "" {
		base = p.FirstName + "." + p.LastName
	}
	base = strings.Trim(usernameChars.ReplaceAllString(strings.ToLower(base), ""), ".-_")
	if base == "" {
		base = "user"
	}
	if len(base) > 60 {
		base = base[:60]
	}
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s%d", base, i)
		}
		_, err := tx.UserByField(ctx, orgID, "username", name)
		if isKind(err, directory.KindNotFound) {
			return name, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", directory.Errorf(directory.KindConflict, "could not derive a free username from %q; give one", base)
}

// checkReferences validates the supervisor, department and location of p.
// userID is the user being edited ("" when creating) and old their profile
// before the edit (nil when creating): only references the edit changes are
// checked, so that archiving a unit or binning a supervisor does not block
// every later edit of the users who still point at them.
func (s *Service) checkReferences(ctx context.Context, tx *store.Tx, a *Actor, userID string, p, old *directory.Profile, v *directory.Validation) error {
	orgID := a.OrgID
	if old == nil {
		old = &directory.Profile{}
	}
	if p.SupervisorID != "" && p.SupervisorID != old.SupervisorID {
		if p.SupervisorID == userID {
			v.Add("supervisor_id", "a user cannot be their own supervisor")
		} else {
			sup, err := s.viewUser(ctx, &tx.Conn, a, p.SupervisorID)
			switch {
			case isKind(err, directory.KindNotFound):
				v.Add("supervisor_id", "no such user")
			case err != nil:
				return err
			case sup.Deleted():
				v.Add("supervisor_id", "that user is in the recycle bin")
			case userID != "":
				// Walk up the supervisor chain to refuse a cycle.
				for cur, depth := sup, 0; cur.SupervisorID != "" && depth < 100; depth++ {
					if cur.SupervisorID == userID {
						v.Add("supervisor_id", "would make a supervision cycle")
						break
					}
					next, err := tx.User(ctx, orgID, cur.SupervisorID)
					if err != nil {
						break
					}
					cur = next
				}
			}
		}
	}
	for _, ref := range []struct{ field, id, old string }{
		{"department_id", p.DepartmentID, old.DepartmentID}, {"location_id", p.LocationID, old.LocationID},
	} {
		if ref.id == "" || ref.id == ref.old {
			continue
		}
		unit, err := s.unitInScope(ctx, &tx.Conn, a, ref.id)
		switch {
		case isKind(err, directory.KindNotFound):
			v.Add(ref.field, "no such unit")
		case err != nil:
			return err
		case unit.Archived():
			v.Add(ref.field, "that unit is archived")
		}
	}
	return nil
}

// checkPremiumSeat refuses a premium license when no seat is free. held is
// how many of the seats counted as used are already the user's own (1 when
// the user counts again as they leave the recycle bin, else 0).
func (s *Service) checkPremiumSeat(ctx context.Context, tx *store.Tx, orgID string, held int) error {
	// Count under the organization's row lock, or two transactions could
	// each see the last seat free and both take it.
	if err := tx.LockOrganization(ctx, orgID); err != nil {
		return err
	}
	o, err := tx.Organization(ctx, orgID)
	if err != nil {
		return err
	}
	if o.PremiumSeatLimit < 0 {
		return nil
	}
	used, err := tx.PremiumSeatsUsed(ctx, orgID)
	if err != nil {
		return err
	}
	if used-held >= o.PremiumSeatLimit {
		return &directory.Error{Kind: directory.KindConflict,
			Message: fmt.Sprintf("all %d premium seats are in use", o.PremiumSeatLimit),
			Fields:  []directory.FieldError{{Field: "license", Message: "no premium seat is free"}}}
	}
	return nil
}

// explainDuplicate turns a *store.DuplicateError into a KindConflict that
// names the user already holding the value. It runs after the failed
// transaction has ended.
func (s *Service) explainDuplicate(ctx context.Context, a *Actor, err error, p *directory.Profile) error {
	var dup *store.DuplicateError
	if !errors.As(err, &dup) {
		return err
	}
	value := map[string]string{"username": p.Username, "email": p.Email, "external_id": p.ExternalID}[dup.Field]
	label := map[string]string{"username": "username", "email": "email", "external_id": "external id"}[dup.Field]
	e := &directory.Error{Kind: directory.KindConflict,
		Message: fmt.Sprintf("this %s already belongs to another user", label),
		Fields:  []directory.FieldError{{Field: dup.Field, Message: "is already used by another user"}}}
	if value != "" {
		// Name the holder only to an actor who may see them.
		holder, herr := s.db.UserByField(ctx, a.OrgID, dup.Field, value)
		if herr == nil {
			if ok, _ := s.canView(ctx, &s.db.Conn, a, holder); !ok {
				herr = directory.NotFound("user")
			}
		}
		if herr == nil {
			e.Existing = holder.Ref()
			where := ""
			if holder.Deleted() {
				where = " (in the recycle bin)"
			}
			e.Message = fmt.Sprintf("this %s already belongs to %s%s", label, holder.Name(), where)
		}
	}
	return e
}

// User returns a user with their custom field values. Users of another
// organization, or outside what the actor may see, are not found.
func (s *Service) User(ctx context.Context, a *Actor, id string) (*directory.User, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	u, err := s.viewUser(ctx, &s.db.Conn, a, id)
	if err != nil {
		return nil, err
	}
	return u, s.complete(ctx, u)
}

// UserPatch holds the profile fields to change; nil leaves a field as it is
// and an empty string clears it. Email is not here: see ChangeEmail.
type UserPatch struct {
	Username     *string
	FirstName    *string
	LastName     *string
	DisplayName  *string
	Phone        *string
	JobTitle     *string
	Position     *string
	ExternalID   *string
	Address      *directory.Address
	SupervisorID *string
	DepartmentID *string
	LocationID   *string
	License      *directory.License
	ExpiresAt    *string // RFC 3339; "" clears
	CustomFields map[string]string
}

// UpdateUser applies a patch to a user's profile; a patch that changes
// nothing leaves the version as it is and records no event. expectVersion, when not 0,
// must match the user's version (KindPrecondition otherwise). Users in the
// recycle bin cannot be edited (KindConflict).
func (s *Service) UpdateUser(ctx context.Context, a *Actor, id string, expectVersion int64, patch *UserPatch) (*directory.User, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return nil, err
	}
	var out *directory.User
	var p directory.Profile
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, u.Version, "user"); err != nil {
			return err
		}
		if u.Deleted() {
			return directory.Errorf(directory.KindConflict, "%s is in the recycle bin; restore them before editing", u.Name())
		}
		if u.CustomFields, err = tx.FieldValues(ctx, u.ID); err != nil {
			return err
		}
		before, old := userSnapshot(u), u.Profile
		var v directory.Validation
		applyPatch(&u.Profile, patch, &v)
		directory.NormalizeProfile(&u.Profile)
		directory.ValidateProfile(&u.Profile, &v)
		p = u.Profile
		fields, err := tx.Fields(ctx, a.OrgID)
		if err != nil {
			return err
		}
		values := validateCustomFields(fields, patch.CustomFields, false, &v)
		if err := s.checkReferences(ctx, tx, a, u.ID, &u.Profile, &old, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if patch.License != nil && *patch.License == directory.LicensePremium && before["license"] != string(directory.LicensePremium) {
			if err := s.checkPremiumSeat(ctx, tx, a.OrgID, 0); err != nil {
				return err
			}
		}
		for k, val := range values {
			if val == "" {
				delete(u.CustomFields, k)
			} else {
				u.CustomFields[k] = val
			}
		}
		changes := diff(before, userSnapshot(u))
		out = u
		if len(changes) == 0 {
			// Nothing changes: keep the version and write no event.
			return errStop
		}
		if err := checkOwnedFields(ctx, &tx.Conn, u, changes); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if err := tx.UpdateUserProfile(ctx, u, u.Version); err != nil {
			return err
		}
		if err := saveCustomFields(ctx, tx, a.OrgID, u.ID, fields, values); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "user.update", "user", u.ID, u.Name(), changes)
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return nil, s.explainDuplicate(ctx, a, err, &p)
	}
	return out, s.markAccessEnds(ctx, &s.db.Conn, a.OrgID, out)
}

func applyPatch(p *directory.Profile, patch *UserPatch, v *directory.Validation) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.Username, patch.Username)
	set(&p.FirstName, patch.FirstName)
	set(&p.LastName, patch.LastName)
	set(&p.DisplayName, patch.DisplayName)
	set(&p.Phone, patch.Phone)
	set(&p.JobTitle, patch.JobTitle)
	set(&p.Position, patch.Position)
	set(&p.ExternalID, patch.ExternalID)
	set(&p.SupervisorID, patch.SupervisorID)
	set(&p.DepartmentID, patch.DepartmentID)
	set(&p.LocationID, patch.LocationID)
	if patch.Address != nil {
		p.Address = *patch.Address
	}
	if patch.License != nil {
		p.License = *patch.License
		if p.License == "" {
			v.Add("license", "must be standard or premium")
		}
	}
	if patch.ExpiresAt != nil {
		t, err := parseOptionalTime(*patch.ExpiresAt)
		if err != nil {
			v.Add("expires_at", "must be a date-time like 2027-06-30T23:59:59Z")
		} else {
			p.ExpiresAt = t
		}
	}
}

// ChangeEmail gives a user a new email address; it is its own audited
// action, never part of an ordinary edit.
func (s *Service) ChangeEmail(ctx context.Context, a *Actor, id string, expectVersion int64, email string) (*directory.User, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return nil, err
	}
	if err := notImpersonating(a, "emails"); err != nil {
		return nil, err
	}
	email = strings.TrimSpace(email)
	var v directory.Validation
	if email == "" {
		v.Add("email", "is required")
	} else if msg := directory.EmailProblem(email); msg != "" {
		v.Add("email", "%s", msg)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, u.Version, "user"); err != nil {
			return err
		}
		if u.Deleted() {
			return directory.Errorf(directory.KindConflict, "%s is in the recycle bin; restore them first", u.Name())
		}
		old := u.Email
		if old == email {
			out = u
			return errStop
		}
		if err := checkOwnedFields(ctx, &tx.Conn, u, []directory.Change{{Field: "email"}}); err != nil {
			return err
		}
		u.Email, u.UpdatedAt = email, s.now()
		if err := tx.UpdateUserEmail(ctx, u, u.Version); err != nil {
			return err
		}
		out = u
		return s.record(ctx, tx, a, "user.email_change", "user", u.ID, u.Name(),
			[]directory.Change{{Field: "email", Before: old, After: email}})
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return nil, s.explainDuplicate(ctx, a, err, &directory.Profile{Email: email})
	}
	if out.CustomFields == nil {
		out.CustomFields, _ = s.db.FieldValues(ctx, out.ID)
	}
	return out, s.markAccessEnds(ctx, &s.db.Conn, a.OrgID, out)
}

// complete fills in what a returned user carries beyond its row: custom
// field values and when their access ends.
func (s *Service) complete(ctx context.Context, u *directory.User) error {
	var err error
	if u.CustomFields, err = s.db.FieldValues(ctx, u.ID); err != nil {
		return err
	}
	if u.Provisioned, err = s.db.IsProvisioned(ctx, u.ID); err != nil {
		return err
	}
	return s.markAccessEnds(ctx, &s.db.Conn, u.OrgID, u)
}
