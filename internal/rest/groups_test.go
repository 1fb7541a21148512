package rest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/rest"
	"roster/internal/store/storetest"
)

func TestGroupCategoriesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		r := f.do("POST", "group-categories", `{"name": " Classes "}`)
		cat := must[rest.GroupCategoryJSON](t, r, http.StatusCreated)
		if cat.Name != "Classes" || r.Header.Get("Location") != rest.Prefix+"/group-categories/"+cat.ID {
			t.Errorf("created %+v, Location %q", cat, r.Header.Get("Location"))
		}
		if c := changesOf(f.wantEvent("group_category.create", cat.ID)); c["name"].After != "Classes" {
			t.Errorf("changes %+v", c)
		}
		must[rest.GroupCategoryJSON](t, f.do("POST", "group-categories", `{"name": "Buses"}`), http.StatusCreated)

		snap := f.snapshot("")
		wantProblem(t, f.do("POST", "group-categories", `{"name": "Classes"}`), http.StatusConflict)
		wantProblem(t, f.do("POST", "group-categories", `{"name": ""}`), http.StatusUnprocessableEntity, "body.name")
		wantProblem(t, f.do("POST", "group-categories", `{"name": "X", "colour": "red"}`), http.StatusUnprocessableEntity, "body.colour")
		wantProblem(t, f.do("DELETE", "group-categories/nope", nil), http.StatusNotFound)
		f.unchanged(snap, "")

		list := must[struct {
			Items []rest.GroupCategoryJSON `json:"items"`
		}](t, f.do("GET", "group-categories", nil), http.StatusOK)
		if len(list.Items) != 2 || list.Items[0].Name != "Buses" || list.Items[1].Name != "Classes" {
			t.Errorf("categories %+v", list.Items)
		}

		g := f.createGroup("Class 1", cat.ID)
		if r := f.do("DELETE", "group-categories/"+cat.ID, nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE category: %s", r)
		}
		if c := changesOf(f.wantEvent("group_category.delete", cat.ID)); c["name"].Before != "Classes" {
			t.Errorf("changes %+v", c)
		}
		if got := must[group](t, f.do("GET", "groups/"+g.ID, nil), http.StatusOK); got.CategoryID != nil {
			t.Errorf("group still in the deleted category: %v", *got.CategoryID)
		}
	})
}

func TestGroupsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		cat := must[rest.GroupCategoryJSON](t, f.do("POST", "group-categories", `{"name": "Classes"}`), http.StatusCreated)

		r := f.do("POST", "groups", map[string]any{"name": "Class 4B", "description": "Room 12", "category_id": cat.ID})
		g := must[group](t, r, http.StatusCreated)
		if r.Header.Get("Location") != rest.Prefix+"/groups/"+g.ID || r.Header.Get("ETag") != `"v1"` {
			t.Errorf("headers: Location %q ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if g.Name != "Class 4B" || g.Description != "Room 12" || g.CategoryID == nil || *g.CategoryID != cat.ID ||
			g.MemberCount != 0 || g.Version != 1 {
			t.Errorf("created %+v", g)
		}
		if c := changesOf(f.wantEvent("group.create", g.ID)); c["name"].After != "Class 4B" || c["category"].After != "Classes" {
			t.Errorf("group.create changes %+v", c)
		}
		walkers := f.createGroup("Walkers", "")

		snap := f.snapshot("")
		wantProblem(t, f.do("POST", "groups", `{"name": "Class 4B"}`), http.StatusConflict, "body.name")
		wantProblem(t, f.do("POST", "groups", `{"name": " ", "category_id": "nope"}`), http.StatusUnprocessableEntity, "body.name", "body.category_id")
		wantProblem(t, f.do("POST", "groups", `{"name": "X", "members": 3}`), http.StatusUnprocessableEntity, "body.members")
		wantProblem(t, f.do("GET", "groups?category_id=nope", nil), http.StatusUnprocessableEntity, "query.category_id")
		wantProblem(t, f.do("PATCH", "groups/"+g.ID, `{"name": "Stale"}`, "If-Match", `"v7"`), http.StatusPreconditionFailed)
		wantProblem(t, f.do("PATCH", "groups/nope", `{"name": "X"}`), http.StatusNotFound)
		wantProblem(t, f.do("DELETE", "groups/"+g.ID, nil, "If-Match", `"v7"`), http.StatusPreconditionFailed)
		f.unchanged(snap, "")

		r = f.do("GET", "groups/"+g.ID, nil)
		if must[group](t, r, http.StatusOK).Name != "Class 4B" || r.Header.Get("ETag") != `"v1"` {
			t.Errorf("GET group: %s", r)
		}
		r = f.do("PATCH", "groups/"+g.ID, map[string]any{"name": "Class 5B", "category_id": ""}, "If-Match", `"v1"`)
		up := must[group](t, r, http.StatusOK)
		if up.Name != "Class 5B" || up.CategoryID != nil || up.Description != "Room 12" || r.Header.Get("ETag") != `"v2"` {
			t.Errorf("patched %+v ETag %q", up, r.Header.Get("ETag"))
		}
		if c := changesOf(f.wantEvent("group.update", g.ID)); c["name"].Before != "Class 4B" || c["name"].After != "Class 5B" ||
			c["category"].Before != "Classes" {
			t.Errorf("group.update changes %+v", c)
		}

		all := must[groupList](t, f.do("GET", "groups", nil), http.StatusOK)
		if all.Total != 2 || all.Items[0].ID != g.ID || all.Items[1].ID != walkers.ID {
			t.Errorf("groups %+v", all)
		}
		must[group](t, f.do("PATCH", "groups/"+walkers.ID, map[string]any{"category_id": cat.ID}), http.StatusOK)
		inCat := must[groupList](t, f.do("GET", "groups?category_id="+cat.ID, nil), http.StatusOK)
		if inCat.Total != 1 || inCat.Items[0].ID != walkers.ID {
			t.Errorf("groups of the category %+v", inCat)
		}

		if r := f.do("DELETE", "groups/"+g.ID, nil, "If-Match", `"v2"`); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE group: %s", r)
		}
		if c := changesOf(f.wantEvent("group.delete", g.ID)); c["name"].Before != "Class 5B" {
			t.Errorf("group.delete changes %+v", c)
		}
		wantProblem(t, f.do("GET", "groups/"+g.ID, nil), http.StatusNotFound)

		// Another organization's group is not found.
		other := newFixture(t, e)
		wantProblem(t, other.do("GET", "groups/"+walkers.ID, nil), http.StatusNotFound)
		wantProblem(t, other.do("POST", "groups/"+walkers.ID+"/members", map[string]any{"user_id": other.owner.ID}), http.StatusNotFound)
		if l := must[groupList](t, other.do("GET", "groups", nil), http.StatusOK); l.Total != 0 {
			t.Errorf("another organization lists %d groups", l.Total)
		}
	})
}

func TestGroupMembersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		g := f.createGroup("Bus 7", "")
		other := f.createGroup("Bus 9", "")
		a := f.createUser(map[string]any{"last_name": "Adams"})
		b := f.createUser(map[string]any{"last_name": "Brown"})
		c := f.createUser(map[string]any{"last_name": "Clark"})

		r := f.do("POST", "groups/"+g.ID+"/members", map[string]any{"user_id": a.ID})
		if got := must[user](t, r, http.StatusCreated); got.ID != a.ID ||
			r.Header.Get("Location") != rest.Prefix+"/groups/"+g.ID+"/members/"+a.ID {
			t.Errorf("added %s, Location %q", got.ID, r.Header.Get("Location"))
		}
		if ch := changesOf(f.wantEvent("group.member_add", a.ID)); ch["group_id"].After != g.ID || ch["group"].After != "Bus 7" {
			t.Errorf("group.member_add changes %+v", ch)
		}
		f.joinGroup(g.ID, b, c)
		f.joinGroup(other.ID, c)

		snap := f.snapshot(a.ID)
		wantProblem(t, f.do("POST", "groups/"+g.ID+"/members", map[string]any{"user_id": a.ID}), http.StatusConflict)
		wantProblem(t, f.do("POST", "groups/"+g.ID+"/members", map[string]any{"user_id": "nope"}), http.StatusNotFound)
		wantProblem(t, f.do("POST", "groups/nope/members", map[string]any{"user_id": a.ID}), http.StatusNotFound)
		wantProblem(t, f.do("GET", "groups/nope/members", nil), http.StatusNotFound)
		f.unchanged(snap, a.ID)

		// Members page like the user list.
		first := must[userList](t, f.do("GET", "groups/"+g.ID+"/members?limit=2", nil), http.StatusOK)
		if !cmp.Equal(userListIDs(first), []string{a.ID, b.ID}) || first.Total != 3 || first.NextCursor == "" {
			t.Fatalf("first page %v total %d next %q", userListIDs(first), first.Total, first.NextCursor)
		}
		second := must[userList](t, f.do("GET", "groups/"+g.ID+"/members?limit=2&cursor="+first.NextCursor, nil), http.StatusOK)
		if !cmp.Equal(userListIDs(second), []string{c.ID}) || second.NextCursor != "" {
			t.Errorf("second page %v", userListIDs(second))
		}
		if l := must[userList](t, f.do("GET", "groups/"+g.ID+"/members?q=brown", nil), http.StatusOK); !cmp.Equal(userListIDs(l), []string{b.ID}) {
			t.Errorf("search among members: %v", userListIDs(l))
		}
		wantProblem(t, f.do("GET", "groups/"+g.ID+"/members?sort=colour", nil), http.StatusUnprocessableEntity, "query.sort")
		if got := must[group](t, f.do("GET", "groups/"+g.ID, nil), http.StatusOK); got.MemberCount != 3 {
			t.Errorf("member_count %d, want 3", got.MemberCount)
		}

		// The group_id filter of GET /users.
		byGroup := must[userList](t, f.do("GET", "users?group_id="+other.ID, nil), http.StatusOK)
		if !cmp.Equal(userListIDs(byGroup), []string{c.ID}) || byGroup.Total != 1 {
			t.Errorf("users?group_id: %v total %d", userListIDs(byGroup), byGroup.Total)
		}
		wantProblem(t, f.do("GET", "users?group_id=nope", nil), http.StatusUnprocessableEntity, "query.group_id")

		// Remove.
		if r := f.do("DELETE", "groups/"+g.ID+"/members/"+b.ID, nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE member: %s", r)
		}
		if ch := changesOf(f.wantEvent("group.member_remove", b.ID)); ch["group_id"].Before != g.ID {
			t.Errorf("group.member_remove changes %+v", ch)
		}
		wantProblem(t, f.do("DELETE", "groups/"+g.ID+"/members/"+b.ID, nil), http.StatusNotFound)
		if got := must[group](t, f.do("GET", "groups/"+g.ID, nil), http.StatusOK); got.MemberCount != 2 {
			t.Errorf("member_count %d after a removal, want 2", got.MemberCount)
		}
	})
}

// TestGroupScopeAPI checks groups through the token of a manager of one
// site: only visible members, only manageable changes, and joining a group
// widens nothing.
func TestGroupScopeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA, siteB := f.createUnit("Site A", "site", ""), f.createUnit("Site B", "site", "")
		manager, mgr := f.actingIn("manager", siteA.ID)
		inA, inB := f.personIn("staff", siteA.ID), f.personIn("staff", siteB.ID)
		above := f.personIn("administrator", siteA.ID)
		g := f.createGroup("Everyone", "")
		f.joinGroup(g.ID, inA, inB, above)

		h := as(mgr)
		if got := must[group](t, f.do("GET", "groups/"+g.ID, nil, h...), http.StatusOK); got.MemberCount != 2 {
			t.Errorf("the manager counts %d members, want 2", got.MemberCount)
		}
		if l := must[groupList](t, f.do("GET", "groups", nil, h...), http.StatusOK); l.Items[0].MemberCount != 2 {
			t.Errorf("the manager's list counts %d members, want 2", l.Items[0].MemberCount)
		}
		members := must[userList](t, f.do("GET", "groups/"+g.ID+"/members", nil, h...), http.StatusOK)
		seen := userListIDs(members)
		slices.Sort(seen)
		want := []string{inA.ID, above.ID}
		slices.Sort(want)
		if !cmp.Equal(seen, want) || members.Total != 2 {
			t.Errorf("the manager sees members %v (total %d), want %v", seen, members.Total, want)
		}
		if l := must[userList](t, f.do("GET", "users?group_id="+g.ID, nil, h...), http.StatusOK); l.Total != 2 {
			t.Errorf("users?group_id for the manager: total %d, want 2", l.Total)
		}

		mine := must[group](t, f.do("POST", "groups", `{"name": "Site A only"}`, h...), http.StatusCreated)
		snap := f.snapshot(inA.ID)
		wantProblem(t, f.do("POST", "groups/"+mine.ID+"/members", map[string]any{"user_id": inB.ID}, h...), http.StatusNotFound)
		wantProblem(t, f.do("POST", "groups/"+mine.ID+"/members", map[string]any{"user_id": above.ID}, h...), http.StatusForbidden)
		wantProblem(t, f.do("DELETE", "groups/"+g.ID+"/members/"+inB.ID, nil, h...), http.StatusNotFound)
		wantProblem(t, f.do("DELETE", "groups/"+g.ID+"/members/"+above.ID, nil, h...), http.StatusForbidden)
		wantProblem(t, f.do("PATCH", "groups/"+g.ID, `{"name": "Taken over"}`, h...), http.StatusForbidden)
		wantProblem(t, f.do("DELETE", "groups/"+g.ID, nil, h...), http.StatusForbidden)
		f.unchanged(snap, inA.ID)
		must[user](t, f.do("POST", "groups/"+mine.ID+"/members", map[string]any{"user_id": inA.ID}, h...), http.StatusCreated)

		// Escalation: joining the group with the user of site B shows the
		// manager nothing new.
		before := must[userList](t, f.do("GET", "users?limit=500", nil, h...), http.StatusOK)
		must[user](t, f.do("POST", "groups/"+g.ID+"/members", map[string]any{"user_id": manager.ID}, h...), http.StatusCreated)
		after := must[userList](t, f.do("GET", "users?limit=500", nil, h...), http.StatusOK)
		if !cmp.Equal(userListIDs(before), userListIDs(after)) {
			t.Errorf("joining a group changed the manager's users: %v -> %v", userListIDs(before), userListIDs(after))
		}
		wantProblem(t, f.do("GET", "users/"+inB.ID, nil, h...), http.StatusNotFound)

		// Staff may read groups but not change them.
		_, staff := f.actingIn("staff", siteA.ID)
		must[groupList](t, f.do("GET", "groups", nil, as(staff)...), http.StatusOK)
		p := wantProblem(t, f.do("POST", "groups", `{"name": "Nope"}`, as(staff)...), http.StatusForbidden)
		if p.Detail != "your role does not allow groups.manage" {
			t.Errorf("detail %q", p.Detail)
		}
		wantProblem(t, f.do("POST", "groups/"+g.ID+"/delete-members", nil, as(staff)...), http.StatusForbidden)
	})
}

// TestDeleteMembersAPI is "remove by group" through the API, with a mix of
// deletable and non-deletable members and its report.
func TestDeleteMembersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA, siteB := f.createUnit("Site A", "site", ""), f.createUnit("Site B", "site", "")
		manager, mgr := f.actingIn("manager", siteA.ID)
		fresh := f.personIn("staff", siteA.ID)
		signed := f.personIn("staff", siteA.ID)
		f.markSignedIn(signed)
		above := f.personIn("administrator", siteA.ID)
		binned := f.personIn("staff", siteA.ID)
		hidden := f.personIn("staff", siteB.ID)
		g := f.createGroup("Camp", "")
		f.joinGroup(g.ID, fresh, signed, above, binned, hidden, manager)
		must[user](t, f.do("DELETE", "users/"+binned.ID, nil), http.StatusOK)

		r := f.do("POST", "groups/"+g.ID+"/delete-members", nil, as(mgr)...)
		if r.Code != http.StatusOK {
			t.Fatalf("delete-members: %s", r)
		}
		// The exact shape of the answer.
		var raw map[string][]map[string]string
		if err := json.Unmarshal(r.Body, &raw); err != nil {
			t.Fatalf("report: %v; %s", err, r.Body)
		}
		wantDeleted := []map[string]string{{"user_id": fresh.ID, "name": fresh.Name}}
		if diff := cmp.Diff(wantDeleted, raw["deleted"]); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		reasons := map[string]string{}
		for _, s := range raw["skipped"] {
			reasons[s["user_id"]] = s["reason"]
			if s["name"] == "" || s["detail"] == "" {
				t.Errorf("skipped entry without a name or detail: %v", s)
			}
		}
		wantReasons := map[string]string{signed.ID: "has_signed_in", above.ID: "out_of_scope", manager.ID: "self", binned.ID: "already_deleted"}
		if diff := cmp.Diff(wantReasons, reasons); diff != "" {
			t.Errorf("skipped (-want +got):\n%s", diff)
		}
		if len(raw) != 2 {
			t.Errorf("report keys %v", raw)
		}
		if !f.getUser(fresh.ID).Deleted || f.getUser(hidden.ID).Deleted || f.getUser(signed.ID).Deleted {
			t.Errorf("wrong users in the bin")
		}
		// Audited: a user.delete for the member, then the group event.
		ev := f.auditEvents()
		if ev[0].Action != "group.delete_members" || ev[0].TargetID != g.ID || ev[0].ActorID != manager.ID ||
			ev[1].Action != "user.delete" || ev[1].TargetID != fresh.ID {
			t.Errorf("newest events %s %s, %s %s", ev[0].Action, ev[0].TargetID, ev[1].Action, ev[1].TargetID)
		}
		// The bin holds the deleted members of the group.
		if l := must[userList](t, f.do("GET", "groups/"+g.ID+"/members?deleted=true", nil), http.StatusOK); len(l.Items) != 2 {
			t.Errorf("members in the bin: %v", userListIDs(l))
		}
		wantProblem(t, f.do("POST", "groups/nope/delete-members", nil), http.StatusNotFound)
	})
}
