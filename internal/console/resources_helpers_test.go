package console_test

import (
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
)

// resourcesAdd adds a resource of kind in unit ("" = the whole
// organization) through the operator.
func resourcesAdd(t *testing.T, f *fixture, name, kind, unitID string) *admin.ResourceView {
	t.Helper()
	rv, err := f.svc.CreateResource(f.ctx, f.op(), admin.ResourceInput{Kind: kind, Name: name, UnitID: unitID})
	if err != nil {
		t.Fatalf("CreateResource: %v", err)
	}
	return rv
}

// resourcesReload reads a resource again, or returns nil when it is gone.
func resourcesReload(t *testing.T, f *fixture, id string) *directory.Resource {
	t.Helper()
	r, err := f.e.DB.Resource(f.ctx, f.org.ID, id)
	if directory.KindOf(err) == directory.KindNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// resourcesByName finds a resource by name through the operator, or nil.
func resourcesByName(t *testing.T, f *fixture, name string) *directory.Resource {
	t.Helper()
	page, err := f.svc.Resources(f.ctx, f.op(), admin.ResourceListInput{Q: name, IncludeArchived: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Rows {
		if r.Name == name {
			return r.Resource
		}
	}
	return nil
}
