package console_test

import (
	"regexp"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// unitsAll lists archived units too.
var unitsAll = store.UnitFilter{IncludeArchived: true}

// unitsChild adds a unit of kind under parent through the operator.
func unitsChild(t *testing.T, f *fixture, name, kind string, parent *directory.Unit) *directory.Unit {
	t.Helper()
	u, err := f.svc.CreateUnit(f.ctx, f.op(), admin.UnitInput{Name: name, Kind: kind, ParentID: parent.ID})
	if err != nil {
		t.Fatalf("CreateUnit: %v", err)
	}
	return u
}

// unitsReload reads a unit again from the database.
func unitsReload(t *testing.T, f *fixture, u *directory.Unit) *directory.Unit {
	t.Helper()
	got, err := f.e.DB.Unit(f.ctx, f.org.ID, u.ID)
	if err != nil {
		t.Fatalf("Unit %s: %v", u.ID, err)
	}
	return got
}

// unitsByName finds a unit of the organization by name, or nil.
func unitsByName(t *testing.T, f *fixture, name string) *directory.Unit {
	t.Helper()
	units, err := f.svc.Units(f.ctx, f.op(), unitsAll)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// unitPatchCode is a patch that sets a unit's code.
func unitPatchCode(code *string) admin.UnitPatch { return admin.UnitPatch{Code: code} }

// regexpMatch reports whether pattern matches s.
func regexpMatch(s, pattern string) bool { return regexp.MustCompile(pattern).MatchString(s) }
