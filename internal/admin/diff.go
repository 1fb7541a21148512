package admin

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"roster/internal/directory"
)

// userSnapshot flattens the auditable fields of a user. Secrets (the
// password hash) are never part of it.
func userSnapshot(u *directory.User) map[string]any {
	m := map[string]any{
		"username": u.Username, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName,
		"display_name": u.DisplayName, "phone": u.Phone, "job_title": u.JobTitle, "position": u.Position,
		"external_id": u.ExternalID, "address.street": u.Address.Street, "address.locality": u.Address.Locality,
		"address.region": u.Address.Region, "address.postal_code": u.Address.PostalCode,
		"address.country": u.Address.Country, "supervisor_id": u.SupervisorID, "department_id": u.DepartmentID,
		"location_id": u.LocationID, "license": string(u.License), "expires_at": timeValue(u.ExpiresAt),
		"status": string(u.Status), "locked": u.Locked(), "lock_reason": u.LockReason,
		"must_change_password": u.MustChangePassword, "mfa_required": u.MFARequired, "deleted_at": timeValue(u.DeletedAt),
	}
	for k, v := range u.CustomFields {
		m["custom_fields."+k] = v
	}
	return m
}

func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.RFC3339)
}

// diff lists the fields whose value differs between two snapshots, by name.
func diff(before, after map[string]any) []directory.Change {
	var out []directory.Change
	seen := map[string]bool{}
	for _, m := range []map[string]any{before, after} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			b, a := before[k], after[k]
			if fmt.Sprint(b) != fmt.Sprint(a) {
				out = append(out, directory.Change{Field: k, Before: b, After: a})
			}
		}
	}
	sortChanges(out)
	return out
}

// sortChanges puts changes in the order of their field names.
func sortChanges(out []directory.Change) {
	slices.SortFunc(out, func(x, y directory.Change) int { return strings.Compare(x.Field, y.Field) })
}

// created lists every non-empty field of a snapshot as a change from
// nothing: what diff(map[string]any{}, nonEmpty(after)) gives, made
// directly, since an import makes one for each of the users it creates.
func created(after map[string]any) []directory.Change {
	n := 0
	for _, v := range after {
		if !emptyValue(v) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]directory.Change, 0, n)
	for k, v := range after {
		if !emptyValue(v) {
			out = append(out, directory.Change{Field: k, After: v})
		}
	}
	sortChanges(out)
	return out
}

// emptyValue reports whether a snapshot value is nothing: nil, "" or
// false.
func emptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	}
	return false
}

func nonEmpty(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if !emptyValue(v) {
			out[k] = v
		}
	}
	return out
}
