package console_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// TestGroupListShowsCategoriesAndGroups checks the groups page: the
// categories, the groups with their category and member count, and the
// filter by category.
func TestGroupListShowsCategoriesAndGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		sports := groupsCategory(t, f, "Sports")
		groupsAdd(t, f, "Chess club", sports.ID, f.pending("Cy"), f.pending("Dee"))
		groupsAdd(t, f, "Choir", "")
		b := f.ownerBrowser()
		r := b.get("/admin/groups")
		want(t, r, http.StatusOK, "")
		says(t, r, "Categories", "Sports", "Chess club", "Choir", "All groups")
		if !strings.Contains(text(r.Body), "Chess club Sports 2") {
			t.Errorf("the group's category and member count are not shown")
		}
		r = b.get("/admin/groups?category=" + sports.ID)
		want(t, r, http.StatusOK, "")
		says(t, r, "Groups in Sports", "Chess club")
		silent(t, r, "Choir")
	})
}

// TestGroupCategoriesAndGroupsChange adds and deletes a category and
// adds, edits and deletes a group from the console.
func TestGroupCategoriesAndGroupsChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		want(t, b.post("/admin/groups/categories", url.Values{"name": {"Clubs"}}), http.StatusSeeOther, "/admin/groups")
		cats, _ := f.svc.GroupCategories(f.ctx, f.op())
		if len(cats) != 1 || cats[0].Name != "Clubs" {
			t.Fatalf("categories: %v", cats)
		}
		rolesAudited(t, f, "group_category.create", cats[0].ID)
		r := b.post("/admin/groups/categories", url.Values{"name": {"  "}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Category name is required")
		if !strings.Contains(r.Body, `id="category-name-error"`) {
			t.Errorf("the message is not beside the category field")
		}

		// A group in the category.
		want(t, b.get("/admin/groups/new"), http.StatusOK, "")
		r = b.post("/admin/groups/new", url.Values{"name": {""}, "description": {"Keep me"}, "category_id": {cats[0].ID}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Name is required")
		if !strings.Contains(r.Body, "Keep me") {
			t.Errorf("the form was not filled in again")
		}
		if rolesCount(f, "group.create") != 0 {
			t.Fatal("a refused group was added")
		}
		r = b.post("/admin/groups/new", url.Values{"name": {"Hikers"}, "description": {"Walk"}, "category_id": {cats[0].ID}})
		want(t, r, http.StatusSeeOther, "")
		g := groupsByName(t, f, "Hikers")
		if g == nil || g.CategoryID != cats[0].ID || g.Description != "Walk" {
			t.Fatalf("group added as %+v", g)
		}
		want(t, r, http.StatusSeeOther, "/admin/groups/"+g.ID)
		rolesAudited(t, f, "group.create", g.ID)

		form := b.get("/admin/groups/" + g.ID + "/edit")
		want(t, form, http.StatusOK, "")
		if !strings.Contains(form.Body, `value="Hikers"`) {
			t.Errorf("the edit form is not filled in")
		}
		r = b.post("/admin/groups/"+g.ID+"/edit", url.Values{"name": {"Ramblers"}, "description": {"Walk far"},
			"category_id": {""}, "version": {strconv.FormatInt(g.Version, 10)}})
		want(t, r, http.StatusSeeOther, "/admin/groups/"+g.ID)
		if got := groupsReload(t, f, g.ID); got.Name != "Ramblers" || got.CategoryID != "" {
			t.Errorf("group after the edit: %+v", got)
		}
		rolesAudited(t, f, "group.update", g.ID)
		r = b.post("/admin/groups/"+g.ID+"/edit", url.Values{"name": {"Stale"}, "version": {strconv.FormatInt(g.Version, 10)}})
		want(t, r, http.StatusConflict, "")
		if groupsReload(t, f, g.ID).Name != "Ramblers" {
			t.Errorf("a stale form changed the group")
		}

		// Deleting the category asks first, and keeps its groups.
		r = b.post("/admin/groups/categories/"+cats[0].ID+"/delete", url.Values{"name": {"Clubs"}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Delete the category Clubs?")
		want(t, b.post("/admin/groups/categories/"+cats[0].ID+"/delete", url.Values{"name": {"Clubs"}, "confirmed": {"yes"}}),
			http.StatusSeeOther, "/admin/groups")
		rolesAudited(t, f, "group_category.delete", cats[0].ID)

		// Deleting the group asks first.
		g = groupsReload(t, f, g.ID)
		r = b.post("/admin/groups/"+g.ID+"/delete", url.Values{"version": {strconv.FormatInt(g.Version, 10)}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Delete the group Ramblers?")
		if groupsReload(t, f, g.ID) == nil {
			t.Fatal("the group went before the confirmation")
		}
		want(t, b.post("/admin/groups/"+g.ID+"/delete", url.Values{"version": {strconv.FormatInt(g.Version, 10)},
			"confirmed": {"yes"}}), http.StatusSeeOther, "/admin/groups")
		if groupsReload(t, f, g.ID) != nil {
			t.Errorf("the group is still there")
		}
		rolesAudited(t, f, "group.delete", g.ID)
	})
}

// TestGroupMembers checks a group's page: members paged, adding by user
// name or email, a name nobody holds refused beside the field, removing a
// member after confirmation, and remove by group with its report.
func TestGroupMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		g := groupsAdd(t, f, "Team", "")
		b := f.ownerBrowser()
		r := b.get("/admin/groups/" + g.ID)
		want(t, r, http.StatusOK, "")
		says(t, r, "Team", "This group has no members you can see.")

		una, pat := f.user("Una", "", ""), f.pending("Pat")
		want(t, b.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {una.Username}}), http.StatusSeeOther, "/admin/groups/"+g.ID)
		want(t, b.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {strings.ToUpper(pat.Email)}}), http.StatusSeeOther, "/admin/groups/"+g.ID)
		if ids := groupsMemberIDs(t, f, g.ID); len(ids) != 2 || !slices.Contains(ids, una.ID) || !slices.Contains(ids, pat.ID) {
			t.Fatalf("members: %v", ids)
		}
		rolesAudited(t, f, "group.member_add", una.ID)
		r = b.get("/admin/groups/" + g.ID)
		says(t, r, "Pat Pending was added to the group.", "Una Tester", pat.Email, "2 member(s)")

		r = b.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {"nobody@example.org"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "User name or email matches no user you may see")
		if !strings.Contains(r.Body, `id="member-login-error"`) || !strings.Contains(r.Body, `value="nobody@example.org"`) {
			t.Errorf("the message is not beside the field, or the value was lost")
		}
		r = b.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {una.Email}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "is already a member of Team")

		// Remove one member, after confirmation.
		r = b.post("/admin/groups/"+g.ID+"/members/"+una.ID+"/remove", url.Values{"name": {"Una Tester"}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Remove Una Tester from the group?")
		want(t, b.post("/admin/groups/"+g.ID+"/members/"+una.ID+"/remove", url.Values{"name": {"Una Tester"}, "confirmed": {"yes"}}),
			http.StatusSeeOther, "/admin/groups/"+g.ID)
		if ids := groupsMemberIDs(t, f, g.ID); slices.Contains(ids, una.ID) {
			t.Errorf("Una is still a member")
		}
		rolesAudited(t, f, "group.member_remove", una.ID)

		// Remove by group: Pat never signed in and goes to the bin; Una
		// has signed in and is skipped, with the reason.
		f.signedIn(una)
		want(t, b.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {una.Username}}), http.StatusSeeOther, "")
		r = b.post("/admin/groups/"+g.ID+"/delete-members", nil)
		want(t, r, http.StatusOK, "")
		says(t, r, "Move every member of Team whom you may delete to the recycle bin?")
		if f.reload(pat).Deleted() {
			t.Fatal("deleted before the confirmation")
		}
		r = b.post("/admin/groups/"+g.ID+"/delete-members", url.Values{"confirmed": {"yes"}})
		want(t, r, http.StatusOK, "")
		says(t, r, "1 member(s) moved to the recycle bin; 1 skipped", "Moved to the recycle bin Pat Pending", "Skipped Una Tester:")
		if !f.reload(pat).Deleted() || f.reload(una).Deleted() {
			t.Errorf("remove by group did not do what it reported")
		}
		rolesAudited(t, f, "group.delete_members", g.ID)
		rolesAudited(t, f, "user.delete", pat.ID)
	})
}

// TestGroupMembersArePaged checks the keyset pages of a large group.
func TestGroupMembersArePaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		g := groupsAdd(t, f, "Crowd", "")
		for i := range 52 {
			u := f.pending("P" + strconv.Itoa(100+i))
			if _, err := f.svc.AddGroupMember(f.ctx, f.op(), g.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		b := f.ownerBrowser()
		r := b.get("/admin/groups/" + g.ID)
		want(t, r, http.StatusOK, "")
		says(t, r, "52 member(s)")
		next := firstMatch(t, r.Body, `<a href="([^"]+)" rel="next">`)
		if n := strings.Count(r.Body, `/remove"`); n != 50 {
			t.Errorf("first page has %d members", n)
		}
		r = b.get(next)
		want(t, r, http.StatusOK, "")
		if n := strings.Count(r.Body, `/remove"`); n != 2 {
			t.Errorf("second page has %d members", n)
		}
		if strings.Contains(r.Body, `rel="next"`) {
			t.Errorf("the last page offers a next page")
		}
	})
}

// TestGroupsWithoutPermissionAndInScope checks that an actor without
// groups.manage sees no buttons and is refused when posting, and that a
// site administrator sees only the members of their site and cannot add
// someone from elsewhere.
func TestGroupsWithoutPermissionAndInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		nina, sven := f.user("Nina", "staff", north.ID), f.user("Sven", "staff", south.ID)
		g := groupsAdd(t, f, "Mixed", "", nina)
		b := f.signedIn(f.user("Sam", "staff", ""))
		for _, path := range []string{"/admin/groups", "/admin/groups/" + g.ID} {
			r := b.get(path)
			want(t, r, http.StatusOK, "")
			for _, id := range []string{`id="add-member"`, `id="new-group"`, `id="delete-group"`, `id="add-category"`,
				`id="edit-group"`, `id="delete-members"`, `/remove"`} {
				if strings.Contains(r.Body, id) {
					t.Errorf("staff are offered %s on %s", id, path)
				}
			}
		}
		want(t, b.get("/admin/groups/new"), http.StatusForbidden, "")
		want(t, b.post("/admin/groups/new", url.Values{"name": {"Sneaky"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/groups/categories", url.Values{"name": {"Sneaky"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {sven.Username}}), http.StatusForbidden, "")
		want(t, b.post("/admin/groups/"+g.ID+"/members/"+nina.ID+"/remove", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/groups/"+g.ID+"/delete", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/groups/"+g.ID+"/delete-members", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		if groupsByName(t, f, "Sneaky") != nil || len(groupsMemberIDs(t, f, g.ID)) != 1 || groupsReload(t, f, g.ID) == nil {
			t.Errorf("a refused change reached the database")
		}

		// A south site administrator does not see Nina, nor can add her.
		site := f.signedIn(f.user("Ada", "administrator", south.ID))
		r := site.get("/admin/groups/" + g.ID)
		want(t, r, http.StatusOK, "")
		silent(t, r, "Nina")
		says(t, r, "This group has no members you can see.")
		r = site.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {nina.Email}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "matches no user you may see")
		want(t, site.post("/admin/groups/"+g.ID+"/members", url.Values{"login": {sven.Email}}), http.StatusSeeOther, "")
		if ids := groupsMemberIDs(t, f, g.ID); len(ids) != 2 {
			t.Errorf("members: %v", ids)
		}
	})
}
