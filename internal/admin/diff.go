package admin

import (
	"fmt"
	"slices"
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
	slices.SortFunc(out, func(x, y directory.Change) int {
		switch {
		case x.Field < y.Field:
			return -1
		case x.Field > y.Field:
			return 1
		}
		return 0
	})
	return out
}

// created lists every non-empty field of a snapshot as a change from nothing.
func created(after map[string]any) []directory.Change {
	return diff(map[string]any{}, nonEmpty(after))
}

func nonEmpty(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			continue
		case string:
			if x == "" {
				continue
			}
		case bool:
			if !x {
				continue
			}
		}
		out[k] = v
	}
	return out
}
