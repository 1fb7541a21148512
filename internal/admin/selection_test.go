package admin_test

import (
	"slices"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestExportSelection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		inA := s.user("staff", s.siteA)
		inB := s.user("staff", s.siteB)
		otherOrg, otherOp := s.newOrg()
		stranger, err := s.svc.CreateUser(s.ctx, otherOp, input())
		if err != nil {
			t.Fatal(err)
		}
		_ = otherOrg

		// The manager of site A gets only what they may see.
		before := s.eventIDs()
		got, err := s.svc.ExportSelection(s.ctx, s.mgr, []string{inA.ID, inB.ID, stranger.ID, "nobody", inA.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != inA.ID {
			t.Fatalf("export holds %v, want only %s", selectionIDs(got), inA.ID)
		}
		ev := s.oneEvent(before, "users.exported")
		if ev.ActorID != s.manager.ID || len(ev.Changes) != 1 || ev.Changes[0].Field != "count" {
			t.Errorf("event %+v", ev)
		}

		// The operator sees both; the selection order does not matter.
		got, err = s.svc.ExportSelection(s.ctx, s.op, []string{inB.ID, inA.ID})
		if err != nil || len(got) != 2 {
			t.Fatalf("operator export: %v, %v", selectionIDs(got), err)
		}

		// An empty selection is invalid; an actor without users.export is refused.
		_, err = s.svc.ExportSelection(s.ctx, s.op, nil)
		wantKind(t, err, directory.KindInvalid)
		_, viewer := s.actor("staff", s.siteA)
		before = s.eventIDs()
		_, err = s.svc.ExportSelection(s.ctx, viewer, []string{inA.ID})
		wantKind(t, err, directory.KindForbidden)
		s.noEvent(before)
	})
}

func TestListUsersByRoleUnitAndSelection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		child := s.createUnit("Class 1", "department", s.siteA)
		staffA := s.user("staff", s.siteA)
		staffChild := s.user("staff", child)
		supB := s.user("supervisor", s.siteB)
		supervisor, err := s.db.RoleByKey(s.ctx, s.org.ID, "supervisor")
		if err != nil {
			t.Fatal(err)
		}
		list := func(f store.UserFilter) []string {
			t.Helper()
			page, err := s.svc.ListUsers(s.ctx, s.op, f)
			if err != nil {
				t.Fatal(err)
			}
			out := selectionIDs(page.Users)
			slices.Sort(out)
			return out
		}
		sorted := func(us ...*directory.User) []string {
			out := selectionIDs(us)
			slices.Sort(out)
			return out
		}
		if got, want := list(store.UserFilter{RoleID: supervisor.ID}), sorted(supB); !slices.Equal(got, want) {
			t.Errorf("role filter: %v, want %v", got, want)
		}
		// A unit takes in the units below it.
		if got, want := list(store.UserFilter{UnitID: s.siteA.ID}), sorted(s.manager, staffA, staffChild); !slices.Equal(got, want) {
			t.Errorf("unit filter: %v, want %v", got, want)
		}
		if got, want := list(store.UserFilter{UnitID: child.ID}), sorted(staffChild); !slices.Equal(got, want) {
			t.Errorf("unit filter on the child: %v, want %v", got, want)
		}
		if got, want := list(store.UserFilter{IDs: []string{supB.ID, staffA.ID}}), sorted(supB, staffA); !slices.Equal(got, want) {
			t.Errorf("selection: %v, want %v", got, want)
		}
		page, err := s.svc.ListUsers(s.ctx, s.op, store.UserFilter{UnitID: s.siteA.ID, Limit: 2})
		if err != nil || page.Total != 3 || page.Next == nil {
			t.Errorf("unit filter total %d, next %v, err %v", page.Total, page.Next, err)
		}

		// Grant summaries: one query for the page, role and unit names.
		sums, err := s.svc.GrantSummaries(s.ctx, s.op, []*directory.User{staffChild, supB})
		if err != nil {
			t.Fatal(err)
		}
		if g := sums[staffChild.ID]; len(g) != 1 || g[0].RoleName != "Staff" || g[0].UnitName != "Class 1" {
			t.Errorf("summary of %s: %+v", staffChild.ID, g)
		}
		if g := sums[supB.ID]; len(g) != 1 || g[0].RoleName != "Supervisor" || g[0].UnitName != "Site B" {
			t.Errorf("summary of %s: %+v", supB.ID, g)
		}
		_, err = s.svc.GrantSummaries(s.ctx, &admin.Actor{}, nil)
		wantKind(t, err, directory.KindUnauthorized)
	})
}

func selectionIDs(us []*directory.User) []string {
	out := make([]string, 0, len(us))
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}
