package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// TestRoleMatrixShowsEveryRoleAndPermission checks the matrix: a column
// per role, a row per permission of the catalog with its description, a
// text alternative for each mark, and the level, MFA, default and
// required fields of each role.
func TestRoleMatrixShowsEveryRoleAndPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		r := f.ownerBrowser().get("/admin/roles")
		want(t, r, http.StatusOK, "")
		says(t, r, "Owner", "Administrator", "Service Contact", "Basic", "users.view", "See users and their profiles",
			"settings.manage", "Change organization settings", "Level", "MFA required", "Default role",
			"Description of the service provided")
		if !strings.Contains(r.Body, `<span class="visually-hidden">yes</span>`) || !strings.Contains(r.Body, `<span class="visually-hidden">no</span>`) {
			t.Errorf("the marks of the matrix have no text alternative")
		}
		if !strings.Contains(r.Body, "<caption>") || !strings.Contains(r.Body, `<th scope="row">`) {
			t.Errorf("the matrix lacks a caption or row headers")
		}
		if !hasLink(r.Body, "/admin/roles/new") {
			t.Errorf("the owner is not offered to add a role")
		}
		basic := rolesByKey(t, f, "basic")
		page := f.ownerBrowser().get("/admin/roles/" + basic.ID)
		want(t, page, http.StatusOK, "")
		says(t, page, "Basic", "Signs in and manages their own account", "Default role for new users Yes")
	})
}

// TestRoleCreateEditDelete adds a role from the form, changes it and
// removes it, each change reaching the database and the audit log.
func TestRoleCreateEditDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		want(t, b.get("/admin/roles/new"), http.StatusOK, "")
		r := b.post("/admin/roles/new", url.Values{"name": {"Auditor"}, "description": {"Reads the log"},
			"level": {"30"}, "permissions": {"users.view", "audit.view"}, "mfa_required": {"yes"},
			"field_key": {"area", ""}, "field_label": {"Area audited", ""}})
		want(t, r, http.StatusSeeOther, "")
		role := rolesByName(t, f, "Auditor")
		if role == nil {
			t.Fatal("the role was not added")
		}
		if role.Level != 30 || !role.MFARequired || !role.Has("audit.view") || !role.Has("users.view") || role.Has("users.edit") ||
			len(role.RequiredFields) != 1 || role.RequiredFields[0].Label != "Area audited" {
			t.Errorf("role saved as %+v", role)
		}
		want(t, r, http.StatusSeeOther, "/admin/roles/"+role.ID)
		rolesAudited(t, f, "role.create", role.ID)
		says(t, b.get(r.Location()), "The role Auditor was added.", "audit.view", "Area audited")

		form := b.get("/admin/roles/" + role.ID + "/edit")
		want(t, form, http.StatusOK, "")
		if !strings.Contains(form.Body, `value="Auditor"`) || !strings.Contains(form.Body, `value="audit.view" checked`) {
			t.Errorf("the edit form is not filled in:\n%s", form.Body)
		}
		r = b.post("/admin/roles/"+role.ID+"/edit", url.Values{"name": {"Log reader"}, "level": {"25"},
			"permissions": {"audit.view"}, "version": {strconv.FormatInt(role.Version, 10)}})
		want(t, r, http.StatusSeeOther, "/admin/roles/"+role.ID)
		changed := rolesByName(t, f, "Log reader")
		if changed == nil || changed.Level != 25 || changed.Has("users.view") || changed.MFARequired || len(changed.RequiredFields) != 0 {
			t.Fatalf("role after the edit: %+v", changed)
		}
		rolesAudited(t, f, "role.update", role.ID)

		// A form filled in against an older version is refused.
		r = b.post("/admin/roles/"+role.ID+"/edit", url.Values{"name": {"Stale"}, "level": {"25"},
			"version": {strconv.FormatInt(role.Version, 10)}})
		want(t, r, http.StatusConflict, "")
		if rolesByName(t, f, "Stale") != nil {
			t.Errorf("a stale form changed the role")
		}

		// Delete asks first, then deletes.
		r = b.post("/admin/roles/"+role.ID+"/delete", nil)
		want(t, r, http.StatusOK, "")
		says(t, r, "Delete the role Log reader?")
		if !strings.Contains(r.Body, `name="confirmed" value="yes"`) {
			t.Errorf("the confirmation page does not post again")
		}
		if rolesByName(t, f, "Log reader") == nil {
			t.Fatal("the role went before the confirmation")
		}
		want(t, b.post("/admin/roles/"+role.ID+"/delete", url.Values{"confirmed": {"yes"}}), http.StatusSeeOther, "/admin/roles")
		if rolesByName(t, f, "Log reader") != nil {
			t.Errorf("the role is still there")
		}
		rolesAudited(t, f, "role.delete", role.ID)
	})
}

// TestRoleFormRefusesBadInput checks that admin's refusals come back
// beside the fields with the form filled in again and nothing changed:
// a level above the actor's, a permission the actor lacks, no name; and
// that the built-in roles keep their limits.
func TestRoleFormRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.signedIn(f.user("Ada", "administrator", ""))
		before := rolesCount(f, "role.create")
		r := b.post("/admin/roles/new", url.Values{"name": {"Boss"}, "level": {"90"}, "permissions": {"users.view", "settings.manage"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "There is a problem", "Level must not be above your own level (80)", "settings.manage")
		if !strings.Contains(r.Body, `id="level-error"`) || !strings.Contains(r.Body, `id="permissions-error"`) {
			t.Errorf("the messages are not beside the fields")
		}
		if !strings.Contains(r.Body, `value="Boss"`) || !strings.Contains(r.Body, `value="users.view" checked`) {
			t.Errorf("the form was not filled in again")
		}
		r = b.post("/admin/roles/new", url.Values{"name": {" "}, "level": {"10"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Name is required")
		if rolesByName(t, f, "Boss") != nil || rolesCount(f, "role.create") != before {
			t.Errorf("a refused role was added")
		}

		// The owner's role keeps every permission; the default role stays.
		o := f.ownerBrowser()
		owner := rolesByKey(t, f, "owner")
		r = o.post("/admin/roles/"+owner.ID+"/edit", url.Values{"name": {"Owner"}, "level": {"100"},
			"permissions": {"users.view"}, "version": {strconv.FormatInt(owner.Version, 10)}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "The owner role keeps its level and every permission")
		r = o.post("/admin/roles/"+owner.ID+"/delete", url.Values{"confirmed": {"yes"}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "The owner role cannot be removed")
		basic := rolesByKey(t, f, "basic")
		r = o.post("/admin/roles/"+basic.ID+"/delete", url.Values{"confirmed": {"yes"}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "is the default role")
		if rolesCount(f, "role.delete") != 0 {
			t.Errorf("a refused deletion was recorded")
		}
	})
}

// TestRolesWithoutPermission checks that an actor without roles.manage
// sees the matrix with no button to change it and is refused when
// posting anyway.
func TestRolesWithoutPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.signedIn(f.user("Mia", "manager", ""))
		r := b.get("/admin/roles")
		want(t, r, http.StatusOK, "")
		says(t, r, "Administrator")
		if hasLink(r.Body, "/admin/roles/new") {
			t.Errorf("a manager is offered to add a role")
		}
		staff := rolesByKey(t, f, "staff")
		page := b.get("/admin/roles/" + staff.ID)
		want(t, page, http.StatusOK, "")
		if strings.Contains(page.Body, "/delete") || hasLink(page.Body, "/admin/roles/"+staff.ID+"/edit") {
			t.Errorf("a manager is offered to change a role")
		}
		want(t, b.get("/admin/roles/new"), http.StatusForbidden, "")
		want(t, b.post("/admin/roles/new", url.Values{"name": {"Sneaky"}, "level": {"10"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/roles/"+staff.ID+"/edit", url.Values{"name": {"Sneaky"}, "level": {"20"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/roles/"+staff.ID+"/delete", url.Values{"confirmed": {"yes"}}), http.StatusForbidden, "")
		if rolesByName(t, f, "Sneaky") != nil || rolesByKey(t, f, "staff").Name != "Staff" {
			t.Errorf("a refused change reached the database")
		}
	})
}

// TestRolesNeedAnOrganizationWideGrant checks that a site administrator,
// who holds roles.manage over one site only, is not offered to change
// roles, which apply to the whole organization, and is refused anyway.
func TestRolesNeedAnOrganizationWideGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.signedIn(f.user("Ada", "administrator", f.site("North").ID))
		r := b.get("/admin/roles")
		want(t, r, http.StatusOK, "")
		if hasLink(r.Body, "/admin/roles/new") {
			t.Errorf("a site administrator is offered to add a role")
		}
		r = b.post("/admin/roles/new", url.Values{"name": {"Sneaky"}, "level": {"10"}})
		want(t, r, http.StatusForbidden, "")
		says(t, r, "organization-wide grant")
		if rolesByName(t, f, "Sneaky") != nil {
			t.Errorf("a refused role was added")
		}
	})
}
