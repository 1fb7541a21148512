package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// The outcomes of undoing one row, counted on the import.
const (
	UndoPurged   = "purged"   // a user the import created is gone for good
	UndoDisabled = "disabled" // a user the import created signed in since: disabled instead
	UndoReverted = "reverted" // every change of the row was undone
	UndoPartial  = "partly reverted"
	UndoKept     = "kept" // nothing could be undone: changed since, or beyond the actor's rights
	UndoRemoved  = "removed"
	UndoGone     = "already gone"
)

// rollback undoes the rows of an import that changed something, a batch
// per transaction, each row in a savepoint; every undone row records what
// its rollback did, so a rollback interrupted midway resumes with the rows
// not yet undone.
func (s *Service) rollback(ctx context.Context, worker string, a *Actor, im *directory.Import, progress ImportProgress) error {
	if im.RollbackCounts == nil {
		im.RollbackCounts = map[string]int{}
	}
	fields, err := s.db.Fields(ctx, im.OrgID)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows, undo, err := s.db.ImportResults(ctx, im.ID, store.ImportResultFilter{Undoable: true, Limit: 200})
		if err != nil {
			return err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			for i, row := range rows {
				var u rowUndo
				if err := json.Unmarshal([]byte(undo[i]), &u); err != nil {
					return fmt.Errorf("import %s line %d: %w", im.ID, row.Line, err)
				}
				var outcome, detail string
				err := tx.Savepoint(ctx, func() error {
					var err error
					outcome, detail, err = s.undoRow(ctx, tx, a, fields, row, &u)
					return err
				})
				if err != nil {
					var de *directory.Error
					if !errors.As(err, &de) {
						return err
					}
					outcome, detail = UndoKept, de.Error()
				}
				im.RollbackCounts[outcome]++
				text := outcome
				if detail != "" {
					text += ": " + detail
				}
				if err := tx.SetImportRollback(ctx, im.ID, row.Line, text); err != nil {
					return err
				}
			}
			if len(rows) == 0 {
				im.State, im.RolledBackAt = directory.ImportRolledBack, s.now()
			}
			if err := tx.RenewImport(ctx, im, worker, s.now().Add(importLease)); err != nil {
				return err
			}
			if len(rows) > 0 {
				return nil
			}
			if err := tx.ReleaseImport(ctx, im.ID, worker); err != nil {
				return err
			}
			var changes []directory.Change
			for _, k := range []string{UndoPurged, UndoDisabled, UndoReverted, UndoPartial, UndoKept, UndoRemoved, UndoGone} {
				if n := im.RollbackCounts[k]; n > 0 {
					changes = append(changes, directory.Change{Field: k, After: n})
				}
			}
			return s.record(ctx, tx, a, "import.rolled_back", "import", im.ID, importName(im), changes)
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(im)
		}
		if len(rows) == 0 {
			return nil
		}
	}
}

// undoRow undoes what one row did and says how it went.
func (s *Service) undoRow(ctx context.Context, tx *store.Tx, a *Actor, fields []*directory.CustomField, row *directory.ImportRow, u *rowUndo) (string, string, error) {
	if u.RelationshipID != "" {
		return s.undoRelationship(ctx, tx, a, u.RelationshipID)
	}
	user, err := tx.User(ctx, a.OrgID, row.UserID)
	if isKind(err, directory.KindNotFound) {
		return UndoGone, "", nil
	}
	if err != nil {
		return "", "", err
	}
	if ok, err := s.canManage(ctx, &tx.Conn, a, user); err != nil {
		return "", "", err
	} else if !ok {
		return UndoKept, "you may not change " + user.Name(), nil
	}
	if u.Created {
		return s.undoCreate(ctx, tx, a, user)
	}
	return s.undoUpdate(ctx, tx, a, fields, user, u)
}

// undoCreate purges a user the import created, unless they have signed in
// since: then they are disabled, and the row says so.
func (s *Service) undoCreate(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User) (string, string, error) {
	if u.FirstSignInAt.IsZero() && u.LastSignInAt.IsZero() {
		return UndoPurged, "", s.purgeUser(ctx, tx, a, u, nil)
	}
	if u.Status == directory.StatusInactive {
		return UndoDisabled, "signed in since the import; already inactive", nil
	}
	before := userSnapshot(u)
	u.Status, u.UpdatedAt = directory.StatusInactive, s.now()
	if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
		return "", "", err
	}
	if err := s.endAccess(ctx, tx, a.OrgID, u.ID, ""); err != nil {
		return "", "", err
	}
	return UndoDisabled, "signed in since the import, so disabled instead of purged",
		s.record(ctx, tx, a, "user.disable", "user", u.ID, u.Name(), diff(before, userSnapshot(u)))
}

// undoUpdate puts back the fields an update changed, where they still hold
// what the import wrote, and removes the grant and memberships it added.
func (s *Service) undoUpdate(ctx context.Context, tx *store.Tx, a *Actor, fields []*directory.CustomField, u *directory.User, undo *rowUndo) (string, string, error) {
	var err error
	if u.CustomFields, err = tx.FieldValues(ctx, u.ID); err != nil {
		return "", "", err
	}
	before := userSnapshot(u)
	var kept []string
	var profile, email, status bool
	values := map[string]string{}
	for _, c := range undo.Changes {
		if fmt.Sprint(before[c.Field]) != fmt.Sprint(c.After) {
			kept = append(kept, c.Field)
			continue
		}
		switch {
		case c.Field == "email":
			email = true
		case c.Field == "status":
			status = true
		case strings.HasPrefix(c.Field, "custom_fields."):
			profile = true
			values[strings.TrimPrefix(c.Field, "custom_fields.")] = textOf(c.Before)
		default:
			profile = true
		}
		if err := setSnapshotField(u, c.Field, c.Before); err != nil {
			return "", "", err
		}
	}
	u.UpdatedAt = s.now()
	if profile {
		if err := tx.UpdateUserProfile(ctx, u, u.Version); err != nil {
			return "", "", err
		}
		if err := saveCustomFields(ctx, tx, a.OrgID, u.ID, fields, values); err != nil {
			return "", "", err
		}
	}
	if email {
		if err := tx.UpdateUserEmail(ctx, u, u.Version); err != nil {
			return "", "", err
		}
	}
	if status {
		if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
			return "", "", err
		}
	}
	changes := diff(before, userSnapshot(u))
	if undo.GrantID != "" {
		g, err := tx.Grant(ctx, a.OrgID, undo.GrantID)
		switch {
		case isKind(err, directory.KindNotFound):
		case err != nil:
			return "", "", err
		default:
			if err := tx.DeleteGrant(ctx, a.OrgID, g.ID); err != nil {
				return "", "", err
			}
			changes = append(changes, directory.Change{Field: "grant", Before: g.ID})
		}
	}
	var groups []string
	for _, id := range undo.GroupIDs {
		ok, err := tx.RemoveGroupMember(ctx, a.OrgID, id, u.ID)
		if err != nil {
			return "", "", err
		}
		if ok {
			groups = append(groups, id)
		}
	}
	if len(groups) > 0 {
		changes = append(changes, directory.Change{Field: "groups", Before: groups})
	}
	if len(changes) > 0 {
		if err := s.record(ctx, tx, a, "user.update", "user", u.ID, u.Name(), changes); err != nil {
			return "", "", err
		}
	}
	switch {
	case len(kept) == 0:
		return UndoReverted, "", nil
	case len(kept) == len(undo.Changes) && undo.GrantID == "" && len(undo.GroupIDs) == 0:
		return UndoKept, "changed again since the import: " + strings.Join(kept, ", "), nil
	}
	return UndoPartial, "kept what changed again since the import: " + strings.Join(kept, ", "), nil
}

// undoRelationship removes a link the import added.
func (s *Service) undoRelationship(ctx context.Context, tx *store.Tx, a *Actor, id string) (string, string, error) {
	r, err := tx.Relationship(ctx, a.OrgID, id)
	if isKind(err, directory.KindNotFound) {
		return UndoGone, "", nil
	}
	if err != nil {
		return "", "", err
	}
	from, err := tx.User(ctx, a.OrgID, r.FromUserID)
	if err != nil {
		return "", "", err
	}
	to, err := tx.User(ctx, a.OrgID, r.ToUserID)
	if err != nil {
		return "", "", err
	}
	for _, u := range []*directory.User{from, to} {
		if ok, err := s.canManage(ctx, &tx.Conn, a, u); err != nil {
			return "", "", err
		} else if !ok {
			return UndoKept, "you may not change " + u.Name(), nil
		}
	}
	if err := tx.DeleteRelationship(ctx, a.OrgID, r.ID); err != nil {
		return "", "", err
	}
	return UndoRemoved, "", s.record(ctx, tx, a, "relationship.delete", "user", from.ID, from.Name(),
		diff(relationshipSnapshot(r, from, to), map[string]any{}))
}

// textOf is a snapshot value as text ("" for none).
func textOf(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// setSnapshotField sets the field of u that a snapshot key names (see
// userSnapshot) to a value read back from the audit of an import.
func setSnapshotField(u *directory.User, field string, value any) error {
	text := textOf(value)
	p := &u.Profile
	strs := map[string]*string{
		"username": &p.Username, "email": &p.Email, "first_name": &p.FirstName, "last_name": &p.LastName,
		"display_name": &p.DisplayName, "phone": &p.Phone, "job_title": &p.JobTitle, "position": &p.Position,
		"external_id": &p.ExternalID, "address.street": &p.Address.Street, "address.locality": &p.Address.Locality,
		"address.region": &p.Address.Region, "address.postal_code": &p.Address.PostalCode,
		"address.country": &p.Address.Country, "supervisor_id": &p.SupervisorID, "department_id": &p.DepartmentID,
		"location_id": &p.LocationID,
	}
	if dst, ok := strs[field]; ok {
		*dst = text
		return nil
	}
	switch {
	case field == "license":
		p.License = directory.License(text)
	case field == "status":
		u.Status = directory.Status(text)
	case field == "expires_at":
		t, err := parseOptionalTime(text)
		if err != nil {
			return err
		}
		p.ExpiresAt = t
	case strings.HasPrefix(field, "custom_fields."):
		k := strings.TrimPrefix(field, "custom_fields.")
		if text == "" {
			delete(u.CustomFields, k)
		} else {
			u.CustomFields[k] = text
		}
	default:
		return fmt.Errorf("cannot undo a change of %s", field)
	}
	return nil
}
