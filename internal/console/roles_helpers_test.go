package console_test

import (
	"testing"

	"roster/internal/directory"
)

// rolesAudited returns the newest audit event of action about targetID,
// or fails: every change made from the console must leave one.
func rolesAudited(t *testing.T, f *fixture, action, targetID string) *directory.AuditEvent {
	t.Helper()
	for _, ev := range f.audit() {
		if ev.Action == action && (targetID == "" || ev.TargetID == targetID) {
			return ev
		}
	}
	t.Fatalf("no %s event about %s in the audit log", action, targetID)
	return nil
}

// rolesCount counts the audit events of action, to show that a refused
// change recorded nothing.
func rolesCount(f *fixture, action string) int {
	n := 0
	for _, ev := range f.audit() {
		if ev.Action == action {
			n++
		}
	}
	return n
}

// rolesByName finds a role of the fixture's organization by name, or nil.
func rolesByName(t *testing.T, f *fixture, name string) *directory.Role {
	t.Helper()
	roles, err := f.e.DB.Roles(f.ctx, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// rolesByKey returns a built-in role.
func rolesByKey(t *testing.T, f *fixture, key string) *directory.Role {
	t.Helper()
	r, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
