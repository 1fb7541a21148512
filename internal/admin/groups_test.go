package admin_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestGroupCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		before := f.eventIDs()
		staff, err := f.svc.CreateGroupCategory(f.ctx, f.op, "  Staff  ")
		okOrFatal(t, err)
		if staff.Name != "Staff" {
			t.Errorf("name %q, want it trimmed", staff.Name)
		}
		ev := f.oneEvent(before, "group_category.create")
		if ev.TargetType != "group_category" || ev.TargetID != staff.ID || ev.TargetName != "Staff" ||
			!cmp.Equal(ev.Changes, []directory.Change{{Field: "name", After: "Staff"}}) {
			t.Errorf("event %+v", ev)
		}
		classes, err := f.svc.CreateGroupCategory(f.ctx, f.op, "Classes")
		okOrFatal(t, err)

		before = f.eventIDs()
		_, err = f.svc.CreateGroupCategory(f.ctx, f.op, "Staff")
		wantKind(t, err, directory.KindConflict)
		_, err = f.svc.CreateGroupCategory(f.ctx, f.op, " ")
		wantKind(t, err, directory.KindInvalid)
		f.noEvent(before)

		list, err := f.svc.GroupCategories(f.ctx, f.op)
		okOrFatal(t, err)
		if len(list) != 2 || list[0].Name != "Classes" || list[1].Name != "Staff" {
			t.Errorf("categories %+v, want Classes and Staff by name", list)
		}

		// Deleting a category keeps its groups, uncategorised.
		g, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Teachers", CategoryID: staff.ID})
		okOrFatal(t, err)
		before = f.eventIDs()
		okOrFatal(t, f.svc.DeleteGroupCategory(f.ctx, f.op, staff.ID))
		ev = f.oneEvent(before, "group_category.delete")
		if !cmp.Equal(ev.Changes, []directory.Change{{Field: "name", Before: "Staff"}}) {
			t.Errorf("changes %+v", ev.Changes)
		}
		got, err := f.svc.Group(f.ctx, f.op, g.ID)
		okOrFatal(t, err)
		if got.CategoryID != "" {
			t.Errorf("group still in category %q", got.CategoryID)
		}
		wantKind(t, f.svc.DeleteGroupCategory(f.ctx, f.op, staff.ID), directory.KindNotFound)

		// Another organization's category is not there.
		_, otherOp := f.newOrg()
		wantKind(t, f.svc.DeleteGroupCategory(f.ctx, otherOp, classes.ID), directory.KindNotFound)
		_, err = f.svc.CreateGroup(f.ctx, otherOp, admin.GroupInput{Name: "X", CategoryID: classes.ID})
		wantKind(t, err, directory.KindInvalid)
	})
}

func TestGroupCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		cat, err := f.svc.CreateGroupCategory(f.ctx, f.op, "Classes")
		okOrFatal(t, err)

		before := f.eventIDs()
		g, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: " Class 4B ", Description: "Mrs Roe's class", CategoryID: cat.ID})
		okOrFatal(t, err)
		if g.Name != "Class 4B" || g.Version != 1 || g.CategoryID != cat.ID {
			t.Errorf("created %+v", g)
		}
		ev := f.oneEvent(before, "group.create")
		want := []directory.Change{{Field: "category", After: "Classes"}, {Field: "description", After: "Mrs Roe's class"},
			{Field: "name", After: "Class 4B"}}
		if ev.TargetType != "group" || ev.TargetID != g.ID || !cmp.Equal(ev.Changes, want) {
			t.Errorf("event %s %s %+v", ev.TargetType, ev.TargetID, ev.Changes)
		}

		before = f.eventIDs()
		for _, c := range []struct {
			name string
			in   admin.GroupInput
			kind directory.Kind
			errs []directory.FieldError
		}{
			{"no name", admin.GroupInput{Name: "  "}, directory.KindInvalid, fieldErrs("name", "is required")},
			{"long name", admin.GroupInput{Name: string(make([]byte, 201))}, directory.KindInvalid, nil},
			{"unknown category", admin.GroupInput{Name: "Y", CategoryID: "nope"}, directory.KindInvalid, fieldErrs("category_id", "no such group category")},
			{"taken name", admin.GroupInput{Name: "Class 4B"}, directory.KindConflict, fieldErrs("name", "is already used by another group")},
		} {
			_, err := f.svc.CreateGroup(f.ctx, f.op, c.in)
			wantKindNamed(t, c.name, err, c.kind)
			if c.errs != nil && !cmp.Equal(fieldErrors(err), c.errs) {
				t.Errorf("%s: field errors %+v, want %+v", c.name, fieldErrors(err), c.errs)
			}
		}
		f.noEvent(before)

		// Update: rename with the current version, then a stale one.
		before = f.eventIDs()
		up, err := f.svc.UpdateGroup(f.ctx, f.op, g.ID, 1, admin.GroupPatch{Name: ptr("Class 5B"), CategoryID: ptr("")})
		okOrFatal(t, err)
		if up.Name != "Class 5B" || up.CategoryID != "" || up.Version != 2 || up.Description != "Mrs Roe's class" {
			t.Errorf("updated %+v", up)
		}
		ev = f.oneEvent(before, "group.update")
		want = []directory.Change{{Field: "category", Before: "Classes", After: ""}, {Field: "name", Before: "Class 4B", After: "Class 5B"}}
		if !cmp.Equal(ev.Changes, want) {
			t.Errorf("changes %+v, want %+v", ev.Changes, want)
		}
		before = f.eventIDs()
		_, err = f.svc.UpdateGroup(f.ctx, f.op, g.ID, 1, admin.GroupPatch{Name: ptr("Stale")})
		wantKind(t, err, directory.KindPrecondition)
		same, err := f.svc.UpdateGroup(f.ctx, f.op, g.ID, 0, admin.GroupPatch{Name: ptr("Class 5B")})
		okOrFatal(t, err)
		if same.Version != 2 {
			t.Errorf("a patch that changes nothing moved the version to %d", same.Version)
		}
		_, err = f.svc.UpdateGroup(f.ctx, f.op, g.ID, 0, admin.GroupPatch{CategoryID: ptr("nope")})
		wantKind(t, err, directory.KindInvalid)
		_, err = f.svc.UpdateGroup(f.ctx, f.op, "nope", 0, admin.GroupPatch{Name: ptr("X")})
		wantKind(t, err, directory.KindNotFound)
		f.noEvent(before)
		back, err := f.svc.UpdateGroup(f.ctx, f.op, g.ID, 2, admin.GroupPatch{CategoryID: ptr(cat.ID), Description: ptr("")})
		okOrFatal(t, err)
		if back.CategoryID != cat.ID || back.Description != "" {
			t.Errorf("re-categorised %+v", back)
		}

		// Lists and the category filter.
		other, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "All staff"})
		okOrFatal(t, err)
		all, err := f.svc.Groups(f.ctx, f.op, "")
		okOrFatal(t, err)
		if len(all) != 2 || all[0].ID != other.ID || all[1].ID != g.ID {
			t.Errorf("groups %+v, want by name", all)
		}
		inCat, err := f.svc.Groups(f.ctx, f.op, cat.ID)
		okOrFatal(t, err)
		if len(inCat) != 1 || inCat[0].ID != g.ID {
			t.Errorf("groups of the category %+v", inCat)
		}
		_, err = f.svc.Groups(f.ctx, f.op, "nope")
		wantKind(t, err, directory.KindInvalid)

		// Another organization sees none of it.
		_, otherOp := f.newOrg()
		_, err = f.svc.Group(f.ctx, otherOp, g.ID)
		wantKind(t, err, directory.KindNotFound)
		wantKind(t, f.svc.DeleteGroup(f.ctx, otherOp, g.ID, 0), directory.KindNotFound)
		theirs, err := f.svc.Groups(f.ctx, otherOp, "")
		okOrFatal(t, err)
		if len(theirs) != 0 {
			t.Errorf("another organization lists %d groups", len(theirs))
		}

		// Delete, with its memberships but not its members.
		u := f.createUser(nil)
		_, err = f.svc.AddGroupMember(f.ctx, f.op, g.ID, u.ID)
		okOrFatal(t, err)
		wantKind(t, f.svc.DeleteGroup(f.ctx, f.op, g.ID, 1), directory.KindPrecondition)
		before = f.eventIDs()
		okOrFatal(t, f.svc.DeleteGroup(f.ctx, f.op, g.ID, 4)) // adding the member moved the version
		ev = f.oneEvent(before, "group.delete")
		want = []directory.Change{{Field: "category", Before: "Classes"}, {Field: "members", Before: float64(1)}, {Field: "name", Before: "Class 5B"}}
		if !cmp.Equal(ev.Changes, want) {
			t.Errorf("changes %+v, want %+v", ev.Changes, want)
		}
		_, err = f.svc.Group(f.ctx, f.op, g.ID)
		wantKind(t, err, directory.KindNotFound)
		f.reload(u.ID)
		if ids, err := f.db.UserGroupIDs(f.ctx, f.org.ID, u.ID); err != nil || len(ids) != 0 {
			t.Errorf("memberships after the group went: %v %v", ids, err)
		}
	})
}

func TestGroupMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		g, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Bus riders"})
		okOrFatal(t, err)
		other, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Walkers"})
		okOrFatal(t, err)
		a, b, c := f.createUser(nil), f.createUser(nil), f.createUser(nil)

		before := f.eventIDs()
		got, err := f.svc.AddGroupMember(f.ctx, f.op, g.ID, a.ID)
		okOrFatal(t, err)
		if got.ID != a.ID {
			t.Errorf("added %s, want %s", got.ID, a.ID)
		}
		ev := f.oneEvent(before, "group.member_add")
		want := []directory.Change{{Field: "group", After: "Bus riders"}, {Field: "group_id", After: g.ID}}
		if ev.TargetType != "user" || ev.TargetID != a.ID || !cmp.Equal(ev.Changes, want) {
			t.Errorf("event %s %s %+v", ev.TargetType, ev.TargetID, ev.Changes)
		}
		for _, u := range []*directory.User{b, c} {
			_, err := f.svc.AddGroupMember(f.ctx, f.op, g.ID, u.ID)
			okOrFatal(t, err)
		}
		_, err = f.svc.AddGroupMember(f.ctx, f.op, other.ID, c.ID)
		okOrFatal(t, err)

		binned := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		before = f.eventIDs()
		_, err = f.svc.AddGroupMember(f.ctx, f.op, g.ID, a.ID)
		wantKind(t, err, directory.KindConflict)
		_, err = f.svc.AddGroupMember(f.ctx, f.op, "nope", a.ID)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.AddGroupMember(f.ctx, f.op, g.ID, "nope")
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.AddGroupMember(f.ctx, f.op, g.ID, binned.ID)
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)

		// Members and counts.
		page, err := f.svc.GroupMembers(f.ctx, f.op, g.ID, store.UserFilter{Sort: store.SortCreated})
		okOrFatal(t, err)
		if diff := cmp.Diff([]string{a.ID, b.ID, c.ID}, pageUserIDs(page)); diff != "" || page.Total != 3 {
			t.Errorf("members (-want +got):\n%s total %d", diff, page.Total)
		}
		_, err = f.svc.GroupMembers(f.ctx, f.op, "nope", store.UserFilter{})
		wantKind(t, err, directory.KindNotFound)
		gg, err := f.svc.Group(f.ctx, f.op, g.ID)
		okOrFatal(t, err)
		if gg.Members != 3 {
			t.Errorf("member count %d, want 3", gg.Members)
		}

		// The group_id filter of the user list, with the other filters.
		filtered, err := f.svc.ListUsers(f.ctx, f.op, store.UserFilter{GroupID: other.ID})
		okOrFatal(t, err)
		if !cmp.Equal(pageUserIDs(filtered), []string{c.ID}) || filtered.Total != 1 {
			t.Errorf("group_id filter: %v total %d", pageUserIDs(filtered), filtered.Total)
		}
		_, err = f.svc.ListUsers(f.ctx, f.op, store.UserFilter{GroupID: "nope"})
		wantKind(t, err, directory.KindInvalid)
		if !cmp.Equal(fieldErrors(err), fieldErrs("group_id", "no such group")) {
			t.Errorf("field errors %+v", fieldErrors(err))
		}

		// Remove.
		before = f.eventIDs()
		okOrFatal(t, f.svc.RemoveGroupMember(f.ctx, f.op, g.ID, b.ID))
		ev = f.oneEvent(before, "group.member_remove")
		want = []directory.Change{{Field: "group", Before: "Bus riders"}, {Field: "group_id", Before: g.ID}}
		if ev.TargetID != b.ID || !cmp.Equal(ev.Changes, want) {
			t.Errorf("event %s %+v", ev.TargetID, ev.Changes)
		}
		before = f.eventIDs()
		wantKind(t, f.svc.RemoveGroupMember(f.ctx, f.op, g.ID, b.ID), directory.KindNotFound)
		wantKind(t, f.svc.RemoveGroupMember(f.ctx, f.op, "nope", a.ID), directory.KindNotFound)
		f.noEvent(before)
		if gg, _ := f.svc.Group(f.ctx, f.op, g.ID); gg.Members != 2 {
			t.Errorf("member count %d after a removal, want 2", gg.Members)
		}
		// A member in the recycle bin counts no more, and may be taken out.
		_, err = f.svc.Delete(f.ctx, f.op, c.ID, 0)
		okOrFatal(t, err)
		if gg, _ := f.svc.Group(f.ctx, f.op, g.ID); gg.Members != 1 {
			t.Errorf("member count %d with one member in the bin, want 1", gg.Members)
		}
		binPage, err := f.svc.GroupMembers(f.ctx, f.op, g.ID, store.UserFilter{Deleted: true})
		okOrFatal(t, err)
		if !cmp.Equal(pageUserIDs(binPage), []string{c.ID}) {
			t.Errorf("members in the bin %v", pageUserIDs(binPage))
		}
		okOrFatal(t, f.svc.RemoveGroupMember(f.ctx, f.op, g.ID, c.ID))
	})
}

// TestGroupScope checks groups against the delegation rule: a manager of
// site A sees, counts and changes only the members they may.
func TestGroupScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		inA, inB := s.user("staff", s.siteA), s.user("staff", s.siteB)
		above := s.user("administrator", s.siteA) // seen, above the manager's level
		mixed := s.user("staff", s.siteA)
		s.grantOn(mixed, "staff", s.siteB) // seen, partly outside the scope

		g, err := f.svc.CreateGroup(f.ctx, s.mgr, admin.GroupInput{Name: "Site A helpers"})
		okOrFatal(t, err)
		shared, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Everyone"})
		okOrFatal(t, err)
		for _, u := range []*directory.User{inA, inB, above, mixed} {
			_, err := f.svc.AddGroupMember(f.ctx, f.op, shared.ID, u.ID)
			okOrFatal(t, err)
		}

		// Counts and member lists hold only what the manager sees.
		list, err := f.svc.Groups(f.ctx, s.mgr, "")
		okOrFatal(t, err)
		counts := map[string]int{}
		for _, gr := range list {
			counts[gr.Name] = gr.Members
		}
		if !cmp.Equal(counts, map[string]int{"Everyone": 3, "Site A helpers": 0}) {
			t.Errorf("counts seen by the manager: %v", counts)
		}
		if opView, _ := f.svc.Group(f.ctx, f.op, shared.ID); opView.Members != 4 {
			t.Errorf("the operator counts %d members, want 4", opView.Members)
		}
		page, err := f.svc.GroupMembers(f.ctx, s.mgr, shared.ID, store.UserFilter{Limit: 500})
		okOrFatal(t, err)
		seen := pageUserIDs(page)
		slices.Sort(seen)
		want := []string{inA.ID, above.ID, mixed.ID}
		slices.Sort(want)
		if !cmp.Equal(seen, want) || page.Total != 3 {
			t.Errorf("members seen by the manager %v (total %d), want %v", seen, page.Total, want)
		}
		byFilter, err := f.svc.ListUsers(f.ctx, s.mgr, store.UserFilter{GroupID: shared.ID})
		okOrFatal(t, err)
		if byFilter.Total != 3 {
			t.Errorf("group_id filter for the manager: total %d, want 3", byFilter.Total)
		}

		// Adding and removing take a member the manager may manage.
		before := f.eventIDs()
		_, err = f.svc.AddGroupMember(f.ctx, s.mgr, g.ID, inB.ID)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.AddGroupMember(f.ctx, s.mgr, g.ID, above.ID)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.AddGroupMember(f.ctx, s.mgr, g.ID, mixed.ID)
		wantKind(t, err, directory.KindForbidden)
		wantKind(t, f.svc.RemoveGroupMember(f.ctx, s.mgr, shared.ID, inB.ID), directory.KindNotFound)
		wantKind(t, f.svc.RemoveGroupMember(f.ctx, s.mgr, shared.ID, above.ID), directory.KindForbidden)
		// A group with members the manager cannot see is not theirs to
		// rename or delete.
		_, err = f.svc.UpdateGroup(f.ctx, s.mgr, shared.ID, 0, admin.GroupPatch{Name: ptr("Mine now")})
		wantKind(t, err, directory.KindForbidden)
		wantKind(t, f.svc.DeleteGroup(f.ctx, s.mgr, shared.ID, 0), directory.KindForbidden)
		f.noEvent(before)

		_, err = f.svc.AddGroupMember(f.ctx, s.mgr, g.ID, inA.ID)
		okOrFatal(t, err)
		okOrFatal(t, f.svc.RemoveGroupMember(f.ctx, s.mgr, shared.ID, inA.ID))
		_, err = f.svc.UpdateGroup(f.ctx, s.mgr, g.ID, 0, admin.GroupPatch{Description: ptr("People of site A")})
		okOrFatal(t, err)

		// Escalation: adding oneself to a group changes no access.
		seenBefore := s.visibleIDs(s.mgr)
		_, err = f.svc.AddGroupMember(f.ctx, s.mgr, shared.ID, s.manager.ID)
		okOrFatal(t, err)
		if diff := cmp.Diff(seenBefore, s.visibleIDs(s.mgr)); diff != "" {
			t.Errorf("joining a group changed what the manager sees (-before +after):\n%s", diff)
		}
		_, err = f.svc.User(f.ctx, s.mgr, inB.ID)
		wantKind(t, err, directory.KindNotFound)

		// Without groups.manage nothing changes; without users.view nothing is read.
		_, staffActor := s.actor("staff", s.siteA)
		_, basicActor := s.actor("basic", s.siteA)
		before = f.eventIDs()
		_, err = f.svc.CreateGroup(f.ctx, staffActor, admin.GroupInput{Name: "Nope"})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.AddGroupMember(f.ctx, staffActor, g.ID, inA.ID)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.CreateGroupCategory(f.ctx, staffActor, "Nope")
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.DeleteGroupMembers(f.ctx, staffActor, g.ID)
		wantKind(t, err, directory.KindForbidden)
		f.noEvent(before)
		_, err = f.svc.Groups(f.ctx, staffActor, "")
		okOrFatal(t, err)
		_, err = f.svc.Groups(f.ctx, basicActor, "")
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.GroupCategories(f.ctx, basicActor)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.GroupMembers(f.ctx, basicActor, g.ID, store.UserFilter{})
		wantKind(t, err, directory.KindForbidden)
	})
}

// TestDeleteGroupMembers is "remove by group" with members of every kind.
func TestDeleteGroupMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		g, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Summer camp"})
		okOrFatal(t, err)
		var (
			fresh1   = s.user("staff", s.siteA)
			fresh2   = s.user("basic", s.siteA)
			signed   = s.signedIn(s.user("staff", s.siteA))
			above    = s.user("administrator", s.siteA)
			binned   = f.arrange(s.user("staff", s.siteA), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
			hidden   = s.user("staff", s.siteB)
			withTokn = s.user("staff", s.siteA)
		)
		// Active with a token, but never signed in: deletable, and the
		// token goes with them.
		withTokn = f.setPassword(withTokn)
		_, _ = f.tokenActor(withTokn, "", "")
		members := []*directory.User{fresh1, signed, above, s.manager, binned, hidden, fresh2, withTokn}
		for _, u := range members {
			_, err := f.svc.AddGroupMember(f.ctx, f.op, g.ID, u.ID)
			if err != nil && !(u == binned && directory.KindOf(err) == directory.KindConflict) {
				t.Fatalf("add %s: %v", u.Name(), err)
			}
		}
		// A member in the bin cannot be added; put them in directly.
		if _, err := f.db.AddGroupMember(f.ctx, f.org.ID, g.ID, binned.ID, "", 1); err != nil {
			t.Fatal(err)
		}

		before := f.eventIDs()
		rep, err := f.svc.DeleteGroupMembers(f.ctx, s.mgr, g.ID)
		okOrFatal(t, err)
		name := func(u *directory.User) string { return f.reload(u.ID).Name() }
		wantDeleted := []admin.MemberOutcome{{UserID: fresh1.ID, Name: name(fresh1)}, {UserID: fresh2.ID, Name: name(fresh2)},
			{UserID: withTokn.ID, Name: name(withTokn)}}
		reasons := map[string]string{}
		for _, m := range rep.Skipped {
			reasons[m.UserID] = m.Reason
			if m.Detail == "" || m.Name == "" {
				t.Errorf("skipped %s without a name or detail", m.UserID)
			}
		}
		sortOutcomes := func(l []admin.MemberOutcome) []admin.MemberOutcome {
			l = slices.Clone(l)
			slices.SortFunc(l, func(a, b admin.MemberOutcome) int { return cmpString(a.UserID, b.UserID) })
			return l
		}
		if diff := cmp.Diff(sortOutcomes(wantDeleted), sortOutcomes(rep.Deleted)); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		wantReasons := map[string]string{signed.ID: "has_signed_in", above.ID: "out_of_scope", s.manager.ID: "self", binned.ID: "already_deleted"}
		if diff := cmp.Diff(wantReasons, reasons); diff != "" {
			t.Errorf("skipped reasons (-want +got):\n%s", diff)
		}
		for _, u := range []*directory.User{fresh1, fresh2, withTokn} {
			if got := f.reload(u.ID); !got.Deleted() {
				t.Errorf("%s is not in the bin", u.Name())
			}
		}
		for _, u := range []*directory.User{signed, above, s.manager, hidden} {
			if got := f.reload(u.ID); got.Deleted() {
				t.Errorf("%s went to the bin", u.Name())
			}
		}
		tokens, err := f.db.Tokens(f.ctx, f.org.ID, withTokn.ID)
		okOrFatal(t, err)
		for _, tk := range tokens {
			if tk.RevokedAt.IsZero() {
				t.Errorf("token %s of a deleted member is not revoked", tk.ID)
			}
		}
		// One user.delete per user and one group.delete_members.
		evs := f.eventsSince(before)
		got := map[string]int{}
		for _, ev := range evs {
			got[ev.Action]++
			if ev.Action == "user.delete" && !cmp.Equal(changedFields(ev), []string{"deleted_at"}) {
				t.Errorf("user.delete of %s changes %v", ev.TargetName, changedFields(ev))
			}
			if ev.Action == "group.delete_members" && (ev.TargetID != g.ID || ev.ActorID != s.manager.ID) {
				t.Errorf("group.delete_members on %s by %s", ev.TargetID, ev.ActorID)
			}
		}
		if !cmp.Equal(got, map[string]int{"user.delete": 3, "group.delete_members": 1}) {
			t.Errorf("events %v", got)
		}
		// The hidden member was not mentioned at all.
		for _, m := range append(rep.Deleted, rep.Skipped...) {
			if m.UserID == hidden.ID {
				t.Errorf("the report names a member the manager may not see")
			}
		}

		// The operator afterwards: the hidden member, the one above the
		// manager and the manager go too.
		rep, err = f.svc.DeleteGroupMembers(f.ctx, f.op, g.ID)
		okOrFatal(t, err)
		var opDeleted []string
		for _, m := range rep.Deleted {
			opDeleted = append(opDeleted, m.UserID)
		}
		wantIDs := []string{hidden.ID, above.ID, s.manager.ID}
		slices.Sort(opDeleted)
		slices.Sort(wantIDs)
		if !cmp.Equal(opDeleted, wantIDs) {
			t.Errorf("the operator deleted %v, want %v", opDeleted, wantIDs)
		}
		_, err = f.svc.DeleteGroupMembers(f.ctx, f.op, "nope")
		wantKind(t, err, directory.KindNotFound)

		// A supervisor may neither delete users nor manage groups.
		_, sup := s.actor("supervisor", s.siteA)
		_, err = f.svc.DeleteGroupMembers(f.ctx, sup, g.ID)
		wantKind(t, err, directory.KindForbidden)
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestDeleteGroupMembersAllOrNothing makes the operation fail half-way and
// checks that nothing of it remains.
func TestDeleteGroupMembersAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		g, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Doomed"})
		okOrFatal(t, err)
		var users []*directory.User
		for range 3 {
			u := f.createUser(nil)
			users = append(users, u)
			_, err := f.svc.AddGroupMember(f.ctx, f.op, g.ID, u.ID)
			okOrFatal(t, err)
		}
		// A service whose clock cancels the request once the first member
		// has been binned and audited: the clock is read once at the start
		// and once per audit event.
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		var mu sync.Mutex
		reads := 0
		svc := admin.New(e.DB, admin.Options{Hasher: hasher, Logger: slog.New(slog.DiscardHandler), Clock: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			reads++
			if reads == 3 {
				cancel()
			}
			return startTime
		}})
		before := f.eventIDs()
		_, err = svc.DeleteGroupMembers(ctx, f.op, g.ID)
		if err == nil {
			t.Fatal("the cancelled operation succeeded")
		}
		if reads < 3 {
			t.Fatalf("the clock was read %d times; the test no longer cancels half-way", reads)
		}
		f.noEvent(before)
		for _, u := range users {
			if got := f.reload(u.ID); got.Deleted() || got.Version != u.Version {
				t.Errorf("%s changed: deleted %v, version %d", got.Name(), got.Deleted(), got.Version)
			}
		}
	})
}
