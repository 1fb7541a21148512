package console_test

import (
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
)

// grantAccessGranter adds a user whose only role gives access (over the
// whole organization) but does not manage resources.
func grantAccessGranter(t *testing.T, f *fixture, first string) *directory.User {
	t.Helper()
	role, err := f.svc.CreateRole(f.ctx, f.op(), admin.RoleInput{Name: "Access clerk " + first, Level: 50,
		Permissions: []directory.Permission{"users.view", "access.grant"}})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	u := f.user(first, "", "")
	if _, err := f.svc.CreateGrant(f.ctx, f.op(), u.ID, admin.GrantInput{RoleID: role.ID}); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	return u
}

// grantAccessCount returns how many grants and resource assignments a
// user holds.
func grantAccessCount(t *testing.T, f *fixture, userID string) (grants, assignments int) {
	t.Helper()
	gs, err := f.svc.Grants(f.ctx, f.op(), userID)
	if err != nil {
		t.Fatalf("Grants: %v", err)
	}
	return len(gs), len(useraccessAssignments(t, f, userID))
}
