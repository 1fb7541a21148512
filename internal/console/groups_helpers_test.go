package console_test

import (
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
)

// groupsAdd adds a group (in category catID when not "") with members.
func groupsAdd(t *testing.T, f *fixture, name, catID string, members ...*directory.User) *directory.Group {
	t.Helper()
	g, err := f.svc.CreateGroup(f.ctx, f.op(), admin.GroupInput{Name: name, CategoryID: catID})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	for _, u := range members {
		if _, err := f.svc.AddGroupMember(f.ctx, f.op(), g.ID, u.ID); err != nil {
			t.Fatalf("AddGroupMember: %v", err)
		}
	}
	return g
}

// groupsReload reads a group again, or returns nil when it is gone.
func groupsReload(t *testing.T, f *fixture, id string) *directory.Group {
	t.Helper()
	g, err := f.svc.Group(f.ctx, f.op(), id)
	if directory.KindOf(err) == directory.KindNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// groupsByName finds a group by name, or nil.
func groupsByName(t *testing.T, f *fixture, name string) *directory.Group {
	t.Helper()
	groups, err := f.svc.Groups(f.ctx, f.op(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// groupsMemberIDs lists the ids of a group's members.
func groupsMemberIDs(t *testing.T, f *fixture, groupID string) []string {
	t.Helper()
	ids, err := f.e.DB.GroupMemberIDs(f.ctx, f.org.ID, groupID)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// groupsCategory adds a group category.
func groupsCategory(t *testing.T, f *fixture, name string) *directory.GroupCategory {
	t.Helper()
	c, err := f.svc.CreateGroupCategory(f.ctx, f.op(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
