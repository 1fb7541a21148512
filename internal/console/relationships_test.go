package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// relationshipsKind returns the organization's relationship kind key.
func relationshipsKind(t *testing.T, f *fixture, key string) (directory.RelationshipKind, bool) {
	t.Helper()
	kinds, err := f.svc.RelationshipKinds(f.ctx, f.op())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if k.Key == key {
			return k, true
		}
	}
	return directory.RelationshipKind{}, false
}

// TestRelationshipKindsShowAndChange checks the kinds page and relabelling
// and adding a kind, with bad input refused beside its field.
func TestRelationshipKindsShowAndChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.get("/admin/relationships")
		want(t, r, http.StatusOK, "")
		says(t, r, "Relationship kinds", "parent_of", "Parent of", "Student of", "supervisor_of", "Supervisor of", "Team member of")
		if !hasLink(r.Body, "/admin/relationships/parent_of/edit") {
			t.Errorf("the owner is not offered to edit a kind")
		}

		form := b.get("/admin/relationships/parent_of/edit")
		want(t, form, http.StatusOK, "")
		if !strings.Contains(form.Body, `value="Parent of"`) {
			t.Errorf("the form is not filled in")
		}
		r = b.post("/admin/relationships/parent_of/edit", url.Values{"label": {"Guardian of"}, "inverse_label": {""}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Inverse label is required")
		if !strings.Contains(r.Body, `id="inverse_label-error"`) || !strings.Contains(r.Body, `value="Guardian of"`) {
			t.Errorf("the message is not beside the field or the form was not filled in again")
		}
		if k, _ := relationshipsKind(t, f, "parent_of"); k.Label != "Parent of" {
			t.Fatalf("a refused change reached the database: %+v", k)
		}
		want(t, b.post("/admin/relationships/parent_of/edit", url.Values{"label": {"Guardian of"}, "inverse_label": {"Ward of"}}),
			http.StatusSeeOther, "/admin/relationships")
		if k, _ := relationshipsKind(t, f, "parent_of"); k.Label != "Guardian of" || k.InverseLabel != "Ward of" {
			t.Errorf("kind after the edit: %+v", k)
		}
		rolesAudited(t, f, "relationship_kind.put", "parent_of")
		says(t, b.get("/admin/relationships"), "Guardian of", "Ward of")

		r = b.post("/admin/relationships", url.Values{"key": {"Mentor Of"}, "label": {"Mentor of"}, "inverse_label": {"Mentee of"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Key must start with a lower-case letter")
		if !strings.Contains(r.Body, `id="new-key-error"`) || !strings.Contains(r.Body, `value="Mentee of"`) {
			t.Errorf("the message is not beside the key field or the form was not filled in again")
		}
		want(t, b.post("/admin/relationships", url.Values{"key": {"mentor_of"}, "label": {"Mentor of"}, "inverse_label": {"Mentee of"}}),
			http.StatusSeeOther, "/admin/relationships")
		if k, ok := relationshipsKind(t, f, "mentor_of"); !ok || k.InverseLabel != "Mentee of" {
			t.Errorf("kind added as %+v", k)
		}
		rolesAudited(t, f, "relationship_kind.put", "mentor_of")
		want(t, b.get("/admin/relationships/no_such/edit"), http.StatusNotFound, "")
	})
}

// TestRelationshipKindsWithoutPermission checks that an actor without
// settings.manage sees the kinds with no way to change them and is
// refused when posting anyway.
func TestRelationshipKindsWithoutPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.signedIn(f.user("Ada", "administrator", ""))
		r := b.get("/admin/relationships")
		want(t, r, http.StatusOK, "")
		says(t, r, "Parent of")
		if strings.Contains(r.Body, "/edit") || strings.Contains(r.Body, `id="new-kind-form"`) {
			t.Errorf("an administrator without settings.manage is offered to change kinds")
		}
		want(t, b.get("/admin/relationships/parent_of/edit"), http.StatusForbidden, "")
		want(t, b.post("/admin/relationships/parent_of/edit", url.Values{"label": {"X"}, "inverse_label": {"Y"}}), http.StatusForbidden, "")
		want(t, b.post("/admin/relationships", url.Values{"key": {"x_of"}, "label": {"X"}, "inverse_label": {"Y"}}), http.StatusForbidden, "")
		if k, _ := relationshipsKind(t, f, "parent_of"); k.Label != "Parent of" {
			t.Errorf("a refused change reached the database")
		}
		if _, ok := relationshipsKind(t, f, "x_of"); ok {
			t.Errorf("a refused kind was added")
		}
	})
}
