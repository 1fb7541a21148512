package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/store/storetest"
)

// TestResourceListShowsAndFilters checks the list: each resource with its
// kind label, unit and state, the kind filter, and keyset pages.
func TestResourceListShowsAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		resourcesAdd(t, f, "Alice Client", "client", north.ID)
		resourcesAdd(t, f, "General channel", "channel", "")
		b := f.ownerBrowser()
		r := b.get("/admin/resources")
		want(t, r, http.StatusOK, "")
		says(t, r, "2 resource(s)", "Alice Client", "Client", "North", "General channel", "Channel", "The whole organization", "In use")
		if !hasLink(r.Body, "/admin/resources/new") {
			t.Errorf("the owner is not offered to add a resource")
		}
		r = b.get("/admin/resources?kind=client")
		want(t, r, http.StatusOK, "")
		says(t, r, "1 resource(s)", "Alice Client")
		silent(t, r, "General channel")
		if !strings.Contains(r.Body, `<option value="client" selected>`) {
			t.Errorf("the kind filter does not show its value")
		}

		for i := range 51 {
			resourcesAdd(t, f, "Student "+strconv.Itoa(100+i), "student", north.ID)
		}
		r = b.get("/admin/resources?kind=student")
		says(t, r, "51 resource(s)", "Student 100")
		silent(t, r, "Student 150")
		next := firstMatch(t, r.Body, `<a href="([^"]+)" rel="next">`)
		if !strings.Contains(next, "kind=student") {
			t.Errorf("the next page forgets the filter: %s", next)
		}
		r = b.get(next)
		want(t, r, http.StatusOK, "")
		says(t, r, "Student 150")
		silent(t, r, "Student 100")
	})
}

// TestResourceChanges adds, edits, archives, restores and deletes a
// resource from the console, checking the database and the audit log.
func TestResourceChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		b := f.ownerBrowser()
		want(t, b.get("/admin/resources/new"), http.StatusOK, "")
		r := b.post("/admin/resources/new", url.Values{"kind": {"client"}, "name": {""}, "external_id": {"C-77"}, "unit_id": {north.ID}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Name is required")
		if !strings.Contains(r.Body, `id="name-error"`) || !strings.Contains(r.Body, `value="C-77"`) {
			t.Errorf("the message is not beside the field or the form was not filled in again")
		}
		if rolesCount(f, "resource.create") != 0 {
			t.Fatal("a refused resource was added")
		}
		r = b.post("/admin/resources/new", url.Values{"kind": {"client"}, "name": {"Bob Client"}, "external_id": {"C-77"}, "unit_id": {north.ID}})
		want(t, r, http.StatusSeeOther, "")
		res := resourcesByName(t, f, "Bob Client")
		if res == nil || res.UnitID != north.ID || res.ExternalID != "C-77" {
			t.Fatalf("resource added as %+v", res)
		}
		want(t, r, http.StatusSeeOther, "/admin/resources/"+res.ID)
		rolesAudited(t, f, "resource.create", res.ID)
		page := b.get(r.Location())
		says(t, page, "The resource Bob Client was added.", "Bob Client", "Client", "North", "C-77", "Who can reach it", "Olive Owner")

		form := b.get("/admin/resources/" + res.ID + "/edit")
		want(t, form, http.StatusOK, "")
		if !strings.Contains(form.Body, `value="Bob Client"`) {
			t.Errorf("the edit form is not filled in")
		}
		r = b.post("/admin/resources/"+res.ID+"/edit", url.Values{"kind": {"client"}, "name": {"Robert Client"},
			"external_id": {"C-78"}, "unit_id": {south.ID}, "version": {strconv.FormatInt(res.Version, 10)}})
		want(t, r, http.StatusSeeOther, "/admin/resources/"+res.ID)
		got := resourcesReload(t, f, res.ID)
		if got.Name != "Robert Client" || got.UnitID != south.ID || got.ExternalID != "C-78" {
			t.Errorf("resource after the edit: %+v", got)
		}
		rolesAudited(t, f, "resource.update", res.ID)
		// A form filled in against the older version is refused.
		r = b.post("/admin/resources/"+res.ID+"/edit", url.Values{"kind": {"client"}, "name": {"Stale"},
			"unit_id": {south.ID}, "version": {strconv.FormatInt(res.Version, 10)}})
		want(t, r, http.StatusConflict, "")
		if resourcesReload(t, f, res.ID).Name != "Robert Client" {
			t.Errorf("a stale form changed the resource")
		}
		r = b.post("/admin/resources/"+res.ID+"/edit", url.Values{"kind": {"nonsense"}, "name": {"X"},
			"unit_id": {south.ID}, "version": {strconv.FormatInt(got.Version, 10)}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Kind must be one of")

		// Archive asks first.
		r = b.post("/admin/resources/"+res.ID+"/archive", url.Values{"version": {strconv.FormatInt(got.Version, 10)}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Archive the resource")
		if !resourcesReload(t, f, res.ID).ArchivedAt.IsZero() {
			t.Fatal("archived before the confirmation")
		}
		want(t, b.post("/admin/resources/"+res.ID+"/archive", url.Values{"version": {strconv.FormatInt(got.Version, 10)},
			"confirmed": {"yes"}}), http.StatusSeeOther, "/admin/resources/"+res.ID)
		got = resourcesReload(t, f, res.ID)
		if got.ArchivedAt.IsZero() {
			t.Fatal("not archived")
		}
		rolesAudited(t, f, "resource.archive", res.ID)
		says(t, b.get("/admin/resources/"+res.ID), "Archived", "Nobody you can see reaches this resource: it is archived")
		silent(t, b.get("/admin/resources"), "Robert Client")
		says(t, b.get("/admin/resources?archived=1"), "Robert Client", "Archived")

		want(t, b.post("/admin/resources/"+res.ID+"/restore", url.Values{"version": {strconv.FormatInt(got.Version, 10)}}),
			http.StatusSeeOther, "/admin/resources/"+res.ID)
		got = resourcesReload(t, f, res.ID)
		if !got.ArchivedAt.IsZero() {
			t.Fatal("not restored")
		}
		rolesAudited(t, f, "resource.restore", res.ID)

		// Delete asks first.
		r = b.post("/admin/resources/"+res.ID+"/delete", url.Values{"version": {strconv.FormatInt(got.Version, 10)}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Delete for good")
		if resourcesReload(t, f, res.ID) == nil {
			t.Fatal("deleted before the confirmation")
		}
		want(t, b.post("/admin/resources/"+res.ID+"/delete", url.Values{"version": {strconv.FormatInt(got.Version, 10)},
			"confirmed": {"yes"}}), http.StatusSeeOther, "/admin/resources")
		if resourcesReload(t, f, res.ID) != nil {
			t.Errorf("the resource is still there")
		}
		rolesAudited(t, f, "resource.delete", res.ID)
	})
}

// TestResourceWhoCanReach checks the reach list: a user assigned to the
// resource and one reaching it through a role over its unit, not a user
// of another site.
func TestResourceWhoCanReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		res := resourcesAdd(t, f, "Carol Client", "client", north.ID)
		sue := f.user("Sue", "supervisor", north.ID)
		sid := f.user("Sid", "supervisor", south.ID)
		bea := f.user("Bea", "basic", north.ID)
		if _, err := f.svc.Assign(f.ctx, f.op(), bea.ID, admin.AssignmentInput{ResourceID: res.ID}); err != nil {
			t.Fatal(err)
		}
		r := f.ownerBrowser().get("/admin/resources/" + res.ID)
		want(t, r, http.StatusOK, "")
		says(t, r, "Who can reach it", sue.Name(), "The role Supervisor over North", bea.Name(), "Assigned", "Yes")
		silent(t, r, sid.Name())
		if !hasLink(r.Body, "/admin/users/"+bea.ID) {
			t.Errorf("the reach list does not link to the user")
		}
	})
}

// TestResourcesWithoutPermissionAndInScope checks that an actor without
// resources.manage sees no buttons and is refused when posting, and that
// a site administrator sees only the resources of their site.
func TestResourcesWithoutPermissionAndInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		mine := resourcesAdd(t, f, "North client", "client", north.ID)
		theirs := resourcesAdd(t, f, "South client", "client", south.ID)
		resourcesAdd(t, f, "Everyone channel", "channel", "")

		b := f.signedIn(f.user("Sam", "staff", ""))
		for _, path := range []string{"/admin/resources", "/admin/resources/" + mine.ID} {
			r := b.get(path)
			want(t, r, http.StatusOK, "")
			for _, id := range []string{`id="new-resource"`, `id="edit-resource"`, `id="archive-resource"`, `id="delete-resource"`} {
				if strings.Contains(r.Body, id) {
					t.Errorf("staff are offered %s on %s", id, path)
				}
			}
		}
		want(t, b.get("/admin/resources/new"), http.StatusForbidden, "")
		want(t, b.post("/admin/resources/new", url.Values{"kind": {"client"}, "name": {"Sneaky"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/resources/"+mine.ID+"/edit", url.Values{"kind": {"client"}, "name": {"Sneaky"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/resources/"+mine.ID+"/archive", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/resources/"+mine.ID+"/delete", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		if got := resourcesReload(t, f, mine.ID); got == nil || got.Name != "North client" || !got.ArchivedAt.IsZero() {
			t.Errorf("a refused change reached the database: %+v", got)
		}

		site := f.signedIn(f.user("Ada", "administrator", north.ID))
		r := site.get("/admin/resources")
		want(t, r, http.StatusOK, "")
		says(t, r, "North client")
		silent(t, r, "South client", "Everyone channel")
		want(t, site.get("/admin/resources/"+theirs.ID), http.StatusNotFound, "")
		want(t, site.post("/admin/resources/"+theirs.ID+"/delete", url.Values{"confirmed": {"yes"}}), http.StatusNotFound, "")
		form := site.get("/admin/resources/new")
		want(t, form, http.StatusOK, "")
		if strings.Contains(form.Body, south.ID) || strings.Contains(form.Body, "None: the whole organization") {
			t.Errorf("a site administrator is offered units outside their site")
		}
		if resourcesReload(t, f, theirs.ID) == nil {
			t.Errorf("a resource outside the actor's scope was deleted")
		}
	})
}
