package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// TestUnitTreeShowsTheUnits checks the tree: nested lists with each
// unit's kind label and code, archived units only on request.
func TestUnitTreeShowsTheUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		ward := unitsChild(t, f, "North Ward", "department", north)
		code := "NW-1"
		if _, err := f.svc.UpdateUnit(f.ctx, f.op(), ward.ID, 0, unitPatchCode(&code)); err != nil {
			t.Fatal(err)
		}
		b := f.ownerBrowser()
		r := b.get("/admin/units")
		want(t, r, http.StatusOK, "")
		says(t, r, "North", "Site", "North Ward", "Department", "Code NW-1", "Show archived units")
		if !strings.Contains(r.Body, `<ul class="tree"`) {
			t.Errorf("the units are not drawn as a tree")
		}
		nested := regexpMatch(r.Body, `(?s)id="unit-`+north.ID+`".*?<ul>\s*<li id="unit-`+ward.ID+`"`)
		if !nested {
			t.Errorf("North Ward is not nested under North")
		}
		if !hasLink(r.Body, "/admin/units/new") || !hasLink(r.Body, "/admin/units/"+ward.ID+"/edit") {
			t.Errorf("the owner is not offered to add and edit units")
		}
	})
}

// TestUnitAddEditMoveArchive drives every change of a unit from the
// console and checks the database and the audit log after each.
func TestUnitAddEditMoveArchive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		b := f.ownerBrowser()
		want(t, b.get("/admin/units/new?parent="+north.ID), http.StatusOK, "")
		r := b.post("/admin/units/new", url.Values{"name": {"Ward A"}, "kind": {"department"}, "code": {"WA"}, "parent_id": {north.ID}})
		want(t, r, http.StatusSeeOther, "/admin/units")
		ward := unitsByName(t, f, "Ward A")
		if ward == nil || ward.ParentID != north.ID || ward.Code != "WA" || ward.Kind != "department" {
			t.Fatalf("unit added as %+v", ward)
		}
		rolesAudited(t, f, "unit.create", ward.ID)
		says(t, b.get("/admin/units"), "The unit Ward A was added.", "Ward A")

		// Rename.
		form := b.get("/admin/units/" + ward.ID + "/edit")
		want(t, form, http.StatusOK, "")
		if !strings.Contains(form.Body, `value="Ward A"`) {
			t.Errorf("the edit form is not filled in")
		}
		r = b.post("/admin/units/"+ward.ID+"/edit", url.Values{"name": {"Ward B"}, "kind": {"department"}, "code": {"WB"},
			"parent_id": {north.ID}, "version": {strconv.FormatInt(ward.Version, 10)}})
		want(t, r, http.StatusSeeOther, "/admin/units")
		ward = unitsReload(t, f, ward)
		if ward.Name != "Ward B" || ward.Code != "WB" {
			t.Errorf("unit after the rename: %+v", ward)
		}
		rolesAudited(t, f, "unit.update", ward.ID)

		// Move under another site.
		south := f.site("South")
		r = b.post("/admin/units/"+ward.ID+"/edit", url.Values{"name": {"Ward B"}, "kind": {"department"}, "code": {"WB"},
			"parent_id": {south.ID}, "version": {strconv.FormatInt(ward.Version, 10)}})
		want(t, r, http.StatusSeeOther, "/admin/units")
		ward = unitsReload(t, f, ward)
		if ward.ParentID != south.ID {
			t.Errorf("the unit did not move: %+v", ward)
		}
		rolesAudited(t, f, "unit.move", ward.ID)

		// Archive asks first; a unit with live units under it stays.
		r = b.post("/admin/units/"+ward.ID+"/archive", url.Values{"version": {strconv.FormatInt(ward.Version, 10)}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Archive the unit Ward B?")
		if unitsReload(t, f, ward).Archived() {
			t.Fatal("archived before the confirmation")
		}
		r = b.post("/admin/units/"+south.ID+"/archive", url.Values{"confirmed": {"yes"}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "South has 1 unit(s) under it that are not archived")
		if unitsReload(t, f, south).Archived() {
			t.Errorf("a refused archive changed the unit")
		}
		r = b.post("/admin/units/"+ward.ID+"/archive", url.Values{"confirmed": {"yes"}, "version": {strconv.FormatInt(ward.Version, 10)}})
		want(t, r, http.StatusSeeOther, "/admin/units")
		if !unitsReload(t, f, ward).Archived() {
			t.Fatal("the unit was not archived")
		}
		rolesAudited(t, f, "unit.archive", ward.ID)
		if strings.Contains(b.get("/admin/units").Body, `id="unit-`+ward.ID+`"`) {
			t.Errorf("an archived unit shows without asking")
		}
		shown := b.get("/admin/units?archived=1")
		says(t, shown, "Ward B", "Archived", "Hide archived units")

		// And back.
		want(t, b.post("/admin/units/"+ward.ID+"/restore", nil), http.StatusSeeOther, "/admin/units?archived=1")
		if unitsReload(t, f, ward).Archived() {
			t.Errorf("the unit was not restored")
		}
		rolesAudited(t, f, "unit.restore", ward.ID)
	})
}

// TestUnitFormRefusesBadInput checks a move under the unit's own subtree
// and an empty name: the message beside the field, nothing changed.
func TestUnitFormRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		ward := unitsChild(t, f, "Ward", "department", north)
		b := f.ownerBrowser()
		r := b.post("/admin/units/"+north.ID+"/edit", url.Values{"name": {"North"}, "kind": {"site"},
			"parent_id": {ward.ID}, "version": {strconv.FormatInt(north.Version, 10)}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "There is a problem", "Parent unit a unit cannot move under itself or one of its own units")
		if !strings.Contains(r.Body, `id="parent_id-error"`) {
			t.Errorf("the message is not beside the parent field")
		}
		if got := unitsReload(t, f, north); got.ParentID != "" || got.Version != north.Version {
			t.Errorf("a refused move changed the unit: %+v", got)
		}
		r = b.post("/admin/units/new", url.Values{"name": {""}, "kind": {"site"}, "code": {"X9"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Name is required")
		if !strings.Contains(r.Body, `value="X9"`) {
			t.Errorf("the form was not filled in again")
		}
		if rolesCount(f, "unit.move") != 0 || rolesCount(f, "unit.create") != 2 {
			t.Errorf("a refused change was recorded")
		}
	})
}

// TestUnitsWithoutPermissionAndInScope checks that an actor without
// units.manage sees the tree without buttons and is refused when posting,
// and that a site administrator sees only the units of their site.
func TestUnitsWithoutPermissionAndInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		unitsChild(t, f, "North Ward", "department", north)
		b := f.signedIn(f.user("Sam", "staff", ""))
		r := b.get("/admin/units")
		want(t, r, http.StatusOK, "")
		says(t, r, "North", "South")
		if hasLink(r.Body, "/admin/units/new") || strings.Contains(r.Body, "/archive") || strings.Contains(r.Body, "/edit") {
			t.Errorf("staff are offered to change units")
		}
		want(t, b.get("/admin/units/new"), http.StatusForbidden, "")
		want(t, b.post("/admin/units/new", url.Values{"name": {"Sneaky"}, "kind": {"site"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/units/"+north.ID+"/archive", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/units/"+north.ID+"/edit", url.Values{"name": {"Sneaky"}, "kind": {"site"}}), http.StatusForbidden, "")
		if unitsByName(t, f, "Sneaky") != nil || unitsReload(t, f, north).Archived() {
			t.Errorf("a refused change reached the database")
		}

		site := f.signedIn(f.user("Ada", "administrator", north.ID))
		r = site.get("/admin/units")
		want(t, r, http.StatusOK, "")
		says(t, r, "North", "North Ward")
		silent(t, r, "South")
		want(t, site.post("/admin/units/"+south.ID+"/archive", url.Values{"confirmed": {"yes"}}), http.StatusNotFound, "")
		form := site.get("/admin/units/new")
		want(t, form, http.StatusOK, "")
		if strings.Contains(form.Body, south.ID) || strings.Contains(form.Body, "None: a top-level unit") {
			t.Errorf("a site administrator is offered units outside their site")
		}
	})
}
