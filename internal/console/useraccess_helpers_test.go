package console_test

import (
	"testing"

	"roster/internal/admin"
)

// useraccessResource adds a resource of kind client over unitID.
func useraccessResource(t *testing.T, f *fixture, name, unitID string) *admin.ResourceView {
	t.Helper()
	rv, err := f.svc.CreateResource(f.ctx, f.op(), admin.ResourceInput{Kind: "client", Name: name, UnitID: unitID})
	if err != nil {
		t.Fatalf("CreateResource: %v", err)
	}
	return rv
}

// useraccessAssignments lists u's assignments as resource id → relation.
func useraccessAssignments(t *testing.T, f *fixture, userID string) map[string]string {
	t.Helper()
	list, err := f.svc.Assignments(f.ctx, f.op(), userID)
	if err != nil {
		t.Fatalf("Assignments: %v", err)
	}
	out := map[string]string{}
	for _, a := range list {
		out[a.ResourceID] = string(a.Relation)
	}
	return out
}
