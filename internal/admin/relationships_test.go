package admin_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestRelationshipKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		_, adminActor := s.actor("administrator", nil)
		_, basic := s.actor("basic", nil)
		kinds, err := f.svc.RelationshipKinds(f.ctx, f.op)
		okOrFatal(t, err)
		want := []directory.RelationshipKind{
			{Key: "parent_of", Label: "Parent of", InverseLabel: "Student of"},
			{Key: "supervisor_of", Label: "Supervisor of", InverseLabel: "Team member of"},
		}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("default kinds (-want +got):\n%s", diff)
		}

		before := f.eventIDs()
		k, err := f.svc.PutRelationshipKind(f.ctx, f.op, directory.RelationshipKind{Key: "mentor_of", Label: " Mentor of ", InverseLabel: "Mentee of"})
		okOrFatal(t, err)
		if k.Label != "Mentor of" {
			t.Errorf("label %q, want it trimmed", k.Label)
		}
		ev := f.oneEvent(before, "relationship_kind.put")
		if ev.TargetID != "mentor_of" || !cmp.Equal(ev.Changes, []directory.Change{
			{Field: "inverse_label", After: "Mentee of"}, {Field: "label", After: "Mentor of"}}) {
			t.Errorf("event %s %+v", ev.TargetID, ev.Changes)
		}
		// Relabel a built-in kind.
		before = f.eventIDs()
		_, err = f.svc.PutRelationshipKind(f.ctx, f.op, directory.RelationshipKind{Key: "parent_of", Label: "Guardian of", InverseLabel: "Student of"})
		okOrFatal(t, err)
		ev = f.oneEvent(before, "relationship_kind.put")
		if !cmp.Equal(ev.Changes, []directory.Change{{Field: "label", Before: "Parent of", After: "Guardian of"}}) {
			t.Errorf("relabel changes %+v", ev.Changes)
		}
		// The same labels again change nothing and record nothing.
		before = f.eventIDs()
		_, err = f.svc.PutRelationshipKind(f.ctx, f.op, directory.RelationshipKind{Key: "parent_of", Label: "Guardian of", InverseLabel: "Student of"})
		okOrFatal(t, err)
		for _, c := range []struct {
			name string
			k    directory.RelationshipKind
			errs []directory.FieldError
		}{
			{"bad key", directory.RelationshipKind{Key: "Bad Key", Label: "A", InverseLabel: "B"},
				fieldErrs("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores (at most 40)")},
			{"no labels", directory.RelationshipKind{Key: "x", Label: " "}, fieldErrs("label", "is required", "inverse_label", "is required")},
		} {
			_, err := f.svc.PutRelationshipKind(f.ctx, f.op, c.k)
			wantKindNamed(t, c.name, err, directory.KindInvalid)
			if !cmp.Equal(fieldErrors(err), c.errs) {
				t.Errorf("%s: %+v", c.name, fieldErrors(err))
			}
		}
		// It takes settings.manage, which an administrator lacks.
		_, err = f.svc.PutRelationshipKind(f.ctx, adminActor, directory.RelationshipKind{Key: "y", Label: "A", InverseLabel: "B"})
		wantKind(t, err, directory.KindForbidden)
		f.noEvent(before)
		kinds, err = f.svc.RelationshipKinds(f.ctx, adminActor)
		okOrFatal(t, err)
		if len(kinds) != 3 || kinds[0].Key != "mentor_of" || kinds[1].Label != "Guardian of" {
			t.Errorf("kinds %+v", kinds)
		}
		_, err = f.svc.RelationshipKinds(f.ctx, basic)
		wantKind(t, err, directory.KindForbidden)
	})
}

func TestRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		parent, student, other := f.createUser(nil), f.createUser(nil), f.createUser(nil)

		// The parent is parent_of the student (to_user_id from the parent).
		before := f.eventIDs()
		r, err := f.svc.CreateRelationship(f.ctx, f.op, parent.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: student.ID})
		okOrFatal(t, err)
		if r.FromUserID != parent.ID || r.ToUserID != student.ID || !r.Outgoing || r.Label != "Parent of" || r.Other.ID != student.ID {
			t.Errorf("created %+v", r)
		}
		ev := f.oneEvent(before, "relationship.create")
		want := []directory.Change{
			{Field: "relationship.from_user", After: parent.Name()}, {Field: "relationship.from_user_id", After: parent.ID},
			{Field: "relationship.id", After: r.ID}, {Field: "relationship.kind", After: "parent_of"},
			{Field: "relationship.to_user", After: student.Name()}, {Field: "relationship.to_user_id", After: student.ID},
		}
		if ev.TargetType != "user" || ev.TargetID != parent.ID || !cmp.Equal(ev.Changes, want) {
			t.Errorf("event %s %s %+v", ev.TargetType, ev.TargetID, ev.Changes)
		}
		// The other user is parent_of the student too (from_user_id from the student).
		r2, err := f.svc.CreateRelationship(f.ctx, f.op, student.ID, admin.RelationshipInput{Kind: "parent_of", FromUserID: other.ID})
		okOrFatal(t, err)
		if r2.FromUserID != other.ID || r2.ToUserID != student.ID || r2.Outgoing || r2.Label != "Student of" {
			t.Errorf("created from the student's side %+v", r2)
		}

		// Both directions, from each side.
		type seen struct {
			Kind, Label, Other string
			Outgoing           bool
		}
		list := func(userID, kind string) []seen {
			t.Helper()
			rels, err := f.svc.UserRelationships(f.ctx, f.op, userID, kind)
			okOrFatal(t, err)
			out := []seen{}
			for _, r := range rels {
				out = append(out, seen{r.Kind, r.Label, r.Other.ID, r.Outgoing})
			}
			return out
		}
		if diff := cmp.Diff([]seen{{"parent_of", "Student of", parent.ID, false}, {"parent_of", "Student of", other.ID, false}},
			list(student.ID, "")); diff != "" {
			t.Errorf("the student's relationships (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]seen{{"parent_of", "Parent of", student.ID, true}}, list(parent.ID, "")); diff != "" {
			t.Errorf("the parent's relationships (-want +got):\n%s", diff)
		}
		if got := list(parent.ID, "supervisor_of"); len(got) != 0 {
			t.Errorf("kind filter: %v", got)
		}

		// Validation and conflicts.
		binned := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		before = f.eventIDs()
		for _, c := range []struct {
			name   string
			userID string
			in     admin.RelationshipInput
			kind   directory.Kind
			errs   []directory.FieldError
		}{
			{"duplicate", parent.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: student.ID}, directory.KindConflict, nil},
			{"self", parent.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: parent.ID}, directory.KindInvalid,
				fieldErrs("to_user_id", "a user cannot be related to themself")},
			{"both", parent.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: student.ID, FromUserID: other.ID}, directory.KindInvalid,
				fieldErrs("from_user_id", "give either to_user_id or from_user_id, not both")},
			{"neither", parent.ID, admin.RelationshipInput{Kind: "parent_of"}, directory.KindInvalid,
				fieldErrs("to_user_id", "give to_user_id (the user is kind of them) or from_user_id (they are kind of the user)")},
			{"no kind", parent.ID, admin.RelationshipInput{ToUserID: other.ID}, directory.KindInvalid, fieldErrs("kind", "is required")},
			{"unknown kind", parent.ID, admin.RelationshipInput{Kind: "uncle_of", ToUserID: other.ID}, directory.KindInvalid,
				fieldErrs("kind", "is not a relationship kind of this organization")},
			{"unknown user", parent.ID, admin.RelationshipInput{Kind: "parent_of", FromUserID: "nope"}, directory.KindInvalid,
				fieldErrs("from_user_id", "no such user")},
			{"other in the bin", parent.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: binned.ID}, directory.KindInvalid,
				fieldErrs("to_user_id", "that user is in the recycle bin")},
			{"user in the bin", binned.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: other.ID}, directory.KindConflict, nil},
			{"unknown path user", "nope", admin.RelationshipInput{Kind: "parent_of", ToUserID: other.ID}, directory.KindNotFound, nil},
		} {
			_, err := f.svc.CreateRelationship(f.ctx, f.op, c.userID, c.in)
			wantKindNamed(t, c.name, err, c.kind)
			if c.errs != nil && !cmp.Equal(fieldErrors(err), c.errs) {
				t.Errorf("%s: field errors %+v, want %+v", c.name, fieldErrors(err), c.errs)
			}
		}
		// The reverse link is another relationship, not a duplicate.
		_, err = f.svc.CreateRelationship(f.ctx, f.op, student.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: parent.ID})
		okOrFatal(t, err)
		f.oneEvent(before, "relationship.create")

		// Delete from either side; not through a third user.
		before = f.eventIDs()
		wantKind(t, f.svc.DeleteRelationship(f.ctx, f.op, other.ID, r.ID), directory.KindNotFound)
		wantKind(t, f.svc.DeleteRelationship(f.ctx, f.op, parent.ID, "nope"), directory.KindNotFound)
		f.noEvent(before)
		okOrFatal(t, f.svc.DeleteRelationship(f.ctx, f.op, student.ID, r.ID))
		ev = f.oneEvent(before, "relationship.delete")
		if ev.TargetID != student.ID || len(ev.Changes) != 6 || changesByField(ev)["relationship.from_user_id"].Before != parent.ID ||
			changesByField(ev)["relationship.kind"].After != nil {
			t.Errorf("delete event %s %+v", ev.TargetID, ev.Changes)
		}
		wantKind(t, f.svc.DeleteRelationship(f.ctx, f.op, parent.ID, r.ID), directory.KindNotFound)

		// Another organization sees none of it.
		_, otherOp := f.newOrg()
		_, err = f.svc.UserRelationships(f.ctx, otherOp, student.ID, "")
		wantKind(t, err, directory.KindNotFound)
		wantKind(t, f.svc.DeleteRelationship(f.ctx, otherOp, student.ID, r2.ID), directory.KindNotFound)
	})
}

func changesByField(e *directory.AuditEvent) map[string]directory.Change {
	out := map[string]directory.Change{}
	for _, c := range e.Changes {
		out[c.Field] = c
	}
	return out
}

// TestRelationshipScope checks relationships against the delegation rule,
// and the escalation of linking oneself to users beyond one's reach.
func TestRelationshipScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		inA, inA2, inB := s.user("staff", s.siteA), s.user("staff", s.siteA), s.user("staff", s.siteB)
		above := s.user("administrator", s.siteA)

		seenBefore := s.visibleIDs(s.mgr)
		before := f.eventIDs()
		// Making oneself supervisor of a user outside one's scope would put
		// them in one's team, which team.view shows: refused as unknown.
		_, err := f.svc.CreateRelationship(f.ctx, s.mgr, s.manager.ID, admin.RelationshipInput{Kind: "supervisor_of", ToUserID: inB.ID})
		wantKind(t, err, directory.KindInvalid)
		if !cmp.Equal(fieldErrors(err), fieldErrs("to_user_id", "no such user")) {
			t.Errorf("field errors %+v", fieldErrors(err))
		}
		_, err = f.svc.CreateRelationship(f.ctx, s.mgr, inB.ID, admin.RelationshipInput{Kind: "supervisor_of", FromUserID: s.manager.ID})
		wantKind(t, err, directory.KindNotFound)
		// A user the manager sees but may not manage is refused too.
		_, err = f.svc.CreateRelationship(f.ctx, s.mgr, s.manager.ID, admin.RelationshipInput{Kind: "supervisor_of", ToUserID: above.ID})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.CreateRelationship(f.ctx, s.mgr, above.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: inA.ID})
		wantKind(t, err, directory.KindForbidden)
		f.noEvent(before)
		if diff := cmp.Diff(seenBefore, s.visibleIDs(s.mgr)); diff != "" {
			t.Errorf("refused links changed what the manager sees:\n%s", diff)
		}

		// Inside the scope it works.
		mine, err := f.svc.CreateRelationship(f.ctx, s.mgr, s.manager.ID, admin.RelationshipInput{Kind: "supervisor_of", ToUserID: inA.ID})
		okOrFatal(t, err)
		_, err = f.svc.CreateRelationship(f.ctx, s.mgr, inA.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: inA2.ID})
		okOrFatal(t, err)

		// The list shows only relationships whose other user the manager sees.
		_, err = f.svc.CreateRelationship(f.ctx, f.op, inA.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: inB.ID})
		okOrFatal(t, err)
		outside, err := f.svc.CreateRelationship(f.ctx, f.op, above.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: inA.ID})
		okOrFatal(t, err)
		rels, err := f.svc.UserRelationships(f.ctx, s.mgr, inA.ID, "")
		okOrFatal(t, err)
		var others []string
		for _, r := range rels {
			others = append(others, r.Other.ID)
		}
		if !cmp.Equal(others, []string{s.manager.ID, inA2.ID, above.ID}) {
			t.Errorf("the manager sees links to %v", others)
		}
		opRels, err := f.svc.UserRelationships(f.ctx, f.op, inA.ID, "")
		okOrFatal(t, err)
		if len(opRels) != 4 {
			t.Errorf("the operator sees %d links, want 4", len(opRels))
		}
		_, err = f.svc.UserRelationships(f.ctx, s.mgr, inB.ID, "")
		wantKind(t, err, directory.KindNotFound)

		// Removing takes both users manageable.
		before = f.eventIDs()
		wantKind(t, f.svc.DeleteRelationship(f.ctx, s.mgr, inA.ID, outside.ID), directory.KindForbidden)
		for _, r := range opRels {
			if r.Other.ID == inB.ID {
				wantKind(t, f.svc.DeleteRelationship(f.ctx, s.mgr, inA.ID, r.ID), directory.KindNotFound)
			}
		}
		f.noEvent(before)
		okOrFatal(t, f.svc.DeleteRelationship(f.ctx, s.mgr, inA.ID, mine.ID))

		// Staff may read but not link; the basic role may do neither.
		_, staff := s.actor("staff", s.siteA)
		_, err = f.svc.CreateRelationship(f.ctx, staff, inA.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: inA2.ID})
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.UserRelationships(f.ctx, staff, inA.ID, "")
		okOrFatal(t, err)
		_, basic := s.actor("basic", s.siteA)
		_, err = f.svc.UserRelationships(f.ctx, basic, inA.ID, "")
		wantKind(t, err, directory.KindForbidden)
	})
}

// TestMyTeam checks /me/team: the supervised users and the supervisor_of
// links, visible wherever they are, manageable only as the role allows.
func TestMyTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		supUser, sup := s.actor("supervisor", s.siteA)
		// Team members: one in site B through the profile, one in site B
		// through a relationship, one in site A through the profile.
		byProfile := s.user("staff", s.siteB)
		_, err := f.svc.UpdateUser(f.ctx, f.op, byProfile.ID, 0, &admin.UserPatch{SupervisorID: ptr(supUser.ID)})
		okOrFatal(t, err)
		byLink := s.user("staff", s.siteB)
		_, err = f.svc.CreateRelationship(f.ctx, f.op, supUser.ID, admin.RelationshipInput{Kind: "supervisor_of", ToUserID: byLink.ID})
		okOrFatal(t, err)
		local := s.user("basic", s.siteA)
		_, err = f.svc.UpdateUser(f.ctx, f.op, local.ID, 0, &admin.UserPatch{SupervisorID: ptr(supUser.ID)})
		okOrFatal(t, err)
		// Not in the team: a parent_of link, and someone else's report.
		notTeam := s.user("staff", s.siteB)
		_, err = f.svc.CreateRelationship(f.ctx, f.op, supUser.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: notTeam.ID})
		okOrFatal(t, err)
		_ = s.user("staff", s.siteA)

		page, err := f.svc.MyTeam(f.ctx, sup, store.UserFilter{Sort: store.SortCreated})
		okOrFatal(t, err)
		if diff := cmp.Diff([]string{byProfile.ID, byLink.ID, local.ID}, pageUserIDs(page)); diff != "" || page.Total != 3 {
			t.Errorf("team (-want +got):\n%s total %d", diff, page.Total)
		}
		// Paged like the user list.
		first, err := f.svc.MyTeam(f.ctx, sup, store.UserFilter{Sort: store.SortCreated, Limit: 2})
		okOrFatal(t, err)
		if len(first.Users) != 2 || first.Next == nil || first.Total != 3 {
			t.Fatalf("first page: %d users, next %v, total %d", len(first.Users), first.Next, first.Total)
		}
		second, err := f.svc.MyTeam(f.ctx, sup, store.UserFilter{Sort: store.SortCreated, Limit: 2, After: first.Next})
		okOrFatal(t, err)
		if !cmp.Equal(pageUserIDs(second), []string{local.ID}) || second.Next != nil {
			t.Errorf("second page %v", pageUserIDs(second))
		}
		_, err = f.svc.MyTeam(f.ctx, sup, store.UserFilter{Limit: 501})
		wantKind(t, err, directory.KindInvalid)

		// Team members outside the unit scope are visible, but not
		// manageable: the supervisor acts on them only as the role allows.
		for _, u := range []*directory.User{byProfile, byLink} {
			_, err := f.svc.User(f.ctx, sup, u.ID)
			okOrFatal(t, err)
			_, err = f.svc.UpdateUser(f.ctx, sup, u.ID, 0, &admin.UserPatch{JobTitle: ptr("Changed")})
			wantKind(t, err, directory.KindForbidden)
		}
		_, err = f.svc.User(f.ctx, sup, notTeam.ID)
		wantKind(t, err, directory.KindNotFound)
		// A team member in scope and at a lower level is managed as usual.
		_, err = f.svc.UpdateUser(f.ctx, sup, local.ID, 0, &admin.UserPatch{JobTitle: ptr("Changed")})
		okOrFatal(t, err)
		// A supervisor has no users.delete: not even their team.
		_, err = f.svc.Delete(f.ctx, sup, local.ID, 0)
		wantKind(t, err, directory.KindForbidden)

		// team.view is needed; the operator has no team.
		_, staff := s.actor("staff", s.siteA)
		_, err = f.svc.MyTeam(f.ctx, staff, store.UserFilter{})
		wantKind(t, err, directory.KindForbidden)
		opTeam, err := f.svc.MyTeam(f.ctx, f.op, store.UserFilter{})
		okOrFatal(t, err)
		if opTeam.Total != 0 {
			t.Errorf("the operator's team has %d members", opTeam.Total)
		}
	})
}

// TestPurgeRemovesGroupsAndRelationships checks that purging a user takes
// their memberships and relationships with them.
func TestPurgeRemovesGroupsAndRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u, kept := f.createUser(nil), f.createUser(nil)
		g, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Leaving"})
		okOrFatal(t, err)
		for _, m := range []*directory.User{u, kept} {
			_, err := f.svc.AddGroupMember(f.ctx, f.op, g.ID, m.ID)
			okOrFatal(t, err)
		}
		_, err = f.svc.CreateRelationship(f.ctx, f.op, u.ID, admin.RelationshipInput{Kind: "parent_of", ToUserID: kept.ID})
		okOrFatal(t, err)
		_, err = f.svc.CreateRelationship(f.ctx, f.op, u.ID, admin.RelationshipInput{Kind: "supervisor_of", FromUserID: kept.ID})
		okOrFatal(t, err)

		_, err = f.svc.Delete(f.ctx, f.op, u.ID, 0)
		okOrFatal(t, err)
		// In the bin the user keeps them, for a restore.
		if ids, _ := f.db.UserGroupIDs(f.ctx, f.org.ID, u.ID); len(ids) != 1 {
			t.Errorf("memberships in the bin: %v", ids)
		}
		okOrFatal(t, f.svc.Purge(f.ctx, f.op, u.ID, 0))

		if ids, err := f.db.GroupMemberIDs(f.ctx, f.org.ID, g.ID); err != nil || !cmp.Equal(ids, []string{kept.ID}) {
			t.Errorf("members after the purge: %v %v", ids, err)
		}
		if ids, err := f.db.UserGroupIDs(f.ctx, f.org.ID, u.ID); err != nil || len(ids) != 0 {
			t.Errorf("memberships of the purged user: %v %v", ids, err)
		}
		if rels, err := f.db.UserRelationships(f.ctx, f.org.ID, u.ID, ""); err != nil || len(rels) != 0 {
			t.Errorf("relationships of the purged user: %d %v", len(rels), err)
		}
		rels, err := f.svc.UserRelationships(f.ctx, f.op, kept.ID, "")
		okOrFatal(t, err)
		if len(rels) != 0 {
			t.Errorf("the other user still has %d relationships", len(rels))
		}
	})
}
