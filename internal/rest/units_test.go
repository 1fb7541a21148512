package rest_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// unitList is the answer of GET /units.
type unitList struct {
	Items []*unit `json:"items"`
	Total int     `json:"total"`
}

// unitKindList is the answer of GET /settings/unit-kinds.
type unitKindList struct {
	Items []rest.UnitKindJSON `json:"items"`
}

func TestUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		tag := randHex(3)
		unitSnap := func(id string) string {
			t.Helper()
			r := f.do("GET", "units/"+id, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("GET unit: %s", r)
			}
			return string(r.Body)
		}
		unchanged := func(id, before string, events int) {
			t.Helper()
			if after := unitSnap(id); after != before {
				t.Errorf("unit changed:\nbefore %s\nafter  %s", before, after)
			}
			if n := len(f.auditEvents()); n != events {
				t.Errorf("audit events: %d before, %d after", events, n)
			}
		}

		// Create a root and a child.
		r := f.do("POST", "units", map[string]any{"name": " North District ", "kind": "district", "code": "N-" + tag})
		north := must[unit](t, r, http.StatusCreated)
		if r.Header.Get("Location") != rest.Prefix+"/units/"+north.ID || r.Header.Get("ETag") != `"v1"` {
			t.Errorf("create unit headers: Location %q ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if north.Name != "North District" || north.ParentID != nil || north.Kind != "district" || north.Version != 1 ||
			!cmp.Equal(north.Path, []string{north.ID}) {
			t.Errorf("root unit: %+v", north)
		}
		if c := changesOf(f.wantEvent("unit.create", north.ID)); c["name"].After != "North District" || c["code"].After != "N-"+tag {
			t.Errorf("unit.create changes %+v", c)
		}
		school := must[unit](t, f.do("POST", "units", map[string]any{"name": "Elm School", "kind": "site", "parent_id": north.ID}), http.StatusCreated)
		if school.ParentID == nil || *school.ParentID != north.ID || !cmp.Equal(school.Path, []string{north.ID, school.ID}) {
			t.Errorf("child unit: parent %v path %v", school.ParentID, school.Path)
		}
		room := f.createUnit("Room 1", "location", school.ID)
		south := f.createUnit("South District", "district", "")
		if got := f.do("GET", "units/"+room.ID, nil); must[unit](t, got, http.StatusOK).Name != "Room 1" || got.Header.Get("ETag") != `"v1"` {
			t.Errorf("GET unit: %s", got)
		}

		// Refused creations.
		events := len(f.auditEvents())
		wantProblem(t, f.do("POST", "units", `{"name": "X", "kind": "galaxy"}`), http.StatusUnprocessableEntity, "body.kind")
		wantProblem(t, f.do("POST", "units", `{"name": " ", "kind": "site"}`), http.StatusUnprocessableEntity, "body.name")
		wantProblem(t, f.do("POST", "units", `{"name": "X", "kind": "site", "parent_id": "nope"}`), http.StatusUnprocessableEntity, "body.parent_id")
		wantProblem(t, f.do("POST", "units", `{"name": "X", "kind": "site", "colour": "red"}`), http.StatusUnprocessableEntity, "body.colour")
		wantProblem(t, f.do("POST", "units", map[string]any{"name": "Other", "kind": "district", "code": "N-" + tag}), http.StatusConflict, "body.code")
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused unit creations wrote %d audit events", n-events)
		}
		if n := must[unitList](t, f.do("GET", "units", nil), http.StatusOK).Total; n != 4 {
			t.Errorf("%d units after refused creations, want 4", n)
		}

		// Rename with the current ETag; a stale one is refused.
		r = f.do("PATCH", "units/"+school.ID, `{"name": "Elm Elementary"}`, "If-Match", `"v1"`)
		renamed := must[unit](t, r, http.StatusOK)
		if renamed.Name != "Elm Elementary" || renamed.Version != 2 || r.Header.Get("ETag") != `"v2"` {
			t.Errorf("renamed: %+v ETag %q", renamed, r.Header.Get("ETag"))
		}
		if d := cmp.Diff([]directory.Change{{Field: "name", Before: "Elm School", After: "Elm Elementary"}}, f.wantEvent("unit.update", school.ID).Changes); d != "" {
			t.Errorf("unit.update changes (-want +got):\n%s", d)
		}
		before, events := unitSnap(school.ID), len(f.auditEvents())
		wantProblem(t, f.do("PATCH", "units/"+school.ID, `{"name": "Stale"}`, "If-Match", `"v1"`), http.StatusPreconditionFailed)
		wantProblem(t, f.do("PATCH", "units/"+school.ID, `{"kind": "galaxy"}`), http.StatusUnprocessableEntity, "body.kind")
		wantProblem(t, f.do("PATCH", "units/"+school.ID, `{"name": ""}`), http.StatusUnprocessableEntity, "body.name")
		wantProblem(t, f.do("PATCH", "units/"+school.ID, map[string]any{"code": "N-" + tag}), http.StatusConflict, "body.code")
		unchanged(school.ID, before, events)

		// Move the school (and its room) under the south district.
		moved := must[unit](t, f.do("PATCH", "units/"+school.ID, map[string]any{"parent_id": south.ID}, "If-Match", `"v2"`), http.StatusOK)
		if moved.ParentID == nil || *moved.ParentID != south.ID || !cmp.Equal(moved.Path, []string{south.ID, school.ID}) {
			t.Errorf("moved: parent %v path %v", moved.ParentID, moved.Path)
		}
		if c := changesOf(f.wantEvent("unit.move", school.ID)); c["parent_id"].Before != north.ID || c["parent_id"].After != south.ID {
			t.Errorf("unit.move changes %+v", c)
		}
		if got := must[unit](t, f.do("GET", "units/"+room.ID, nil), http.StatusOK); !cmp.Equal(got.Path, []string{south.ID, school.ID, room.ID}) {
			t.Errorf("grandchild path after the move: %v", got.Path)
		}
		children := must[unitList](t, f.do("GET", "units?parent_id="+south.ID, nil), http.StatusOK)
		if len(children.Items) != 1 || children.Items[0].ID != school.ID {
			t.Errorf("children of south: %+v", children.Items)
		}

		// No cycles: not under itself, not under its own descendant.
		before, events = unitSnap(school.ID), len(f.auditEvents())
		wantProblem(t, f.do("PATCH", "units/"+school.ID, map[string]any{"parent_id": room.ID}), http.StatusUnprocessableEntity, "body.parent_id")
		wantProblem(t, f.do("PATCH", "units/"+school.ID, map[string]any{"parent_id": school.ID}), http.StatusUnprocessableEntity, "body.parent_id")
		wantProblem(t, f.do("PATCH", "units/"+south.ID, map[string]any{"parent_id": room.ID}), http.StatusUnprocessableEntity, "body.parent_id")
		unchanged(school.ID, before, events)

		// Archive: not with a live child; a leaf, then its parent.
		before, events = unitSnap(school.ID), len(f.auditEvents())
		wantProblem(t, f.do("POST", "units/"+school.ID+"/archive", nil), http.StatusConflict)
		unchanged(school.ID, before, events)
		if got := must[unit](t, f.do("POST", "units/"+room.ID+"/archive", nil), http.StatusOK); !got.Archived || got.ArchivedAt == nil {
			t.Errorf("archived leaf: %+v", got)
		}
		f.wantEvent("unit.archive", room.ID)
		must[unit](t, f.do("POST", "units/"+school.ID+"/archive", nil), http.StatusOK)
		ids := func(query string) []string {
			var out []string
			for _, u := range must[unitList](t, f.do("GET", "units"+query, nil), http.StatusOK).Items {
				out = append(out, u.ID)
			}
			return out
		}
		// Parents come before their children (the list is by path).
		if d := cmp.Diff(unitIDsByPath(&north, south), ids("")); d != "" {
			t.Errorf("live units (-want +got):\n%s", d)
		}
		all := ids("?include_archived=true")
		pos := func(id string) int { return slices.Index(all, id) }
		if len(all) != 4 || pos(north.ID) < 0 || pos(south.ID) > pos(school.ID) || pos(school.ID) > pos(room.ID) {
			t.Errorf("include_archived: %v, want north, south, school, room with parents first", all)
		}
		// Nothing new goes under an archived unit, nor does a user's department.
		wantProblem(t, f.do("POST", "units", map[string]any{"name": "X", "kind": "location", "parent_id": school.ID}), http.StatusUnprocessableEntity, "body.parent_id")
		wantProblem(t, f.do("PATCH", "units/"+north.ID, map[string]any{"parent_id": school.ID}), http.StatusUnprocessableEntity, "body.parent_id")

		// Unarchive brings it back.
		if got := must[unit](t, f.do("POST", "units/"+school.ID+"/unarchive", nil), http.StatusOK); got.Archived || got.ArchivedAt != nil {
			t.Errorf("unarchived: %+v", got)
		}
		f.wantEvent("unit.restore", school.ID)
		if got := ids(""); len(got) != 3 {
			t.Errorf("live units after unarchive: %v", got)
		}
		// Moving to the root.
		if got := must[unit](t, f.do("PATCH", "units/"+school.ID, `{"parent_id": ""}`), http.StatusOK); got.ParentID != nil || !cmp.Equal(got.Path, []string{school.ID}) {
			t.Errorf("moved to the root: parent %v path %v", got.ParentID, got.Path)
		}
		wantProblem(t, f.do("GET", "units/no-such-unit", nil), http.StatusNotFound)
		wantProblem(t, f.do("POST", "units/no-such-unit/archive", nil), http.StatusNotFound)
	})
}

// unitIDsByPath returns the ids of root units in the order a list by path
// gives them: root paths are "/ID/", so the order of the ids.
func unitIDsByPath(units ...*unit) []string {
	var ids []string
	for _, u := range units {
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestUnitKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		kinds := must[unitKindList](t, f.do("GET", "settings/unit-kinds", nil), http.StatusOK)
		var keys []string
		for _, k := range kinds.Items {
			keys = append(keys, k.Key)
		}
		if d := cmp.Diff([]string{"district", "site", "business_unit", "department", "location"}, keys); d != "" {
			t.Errorf("default unit kinds (-want +got):\n%s", d)
		}

		// Relabel a kind, add one.
		got := must[rest.UnitKindJSON](t, f.do("PUT", "settings/unit-kinds/site", `{"label": "School", "position": 2}`), http.StatusOK)
		if got != (rest.UnitKindJSON{Key: "site", Label: "School", Position: 2}) {
			t.Errorf("relabelled: %+v", got)
		}
		if d := cmp.Diff([]directory.Change{{Field: "label", Before: "Site", After: "School"}}, f.wantEvent("unit_kind.put", "site").Changes); d != "" {
			t.Errorf("unit_kind.put changes (-want +got):\n%s", d)
		}
		must[rest.UnitKindJSON](t, f.do("PUT", "settings/unit-kinds/classroom", `{"label": "Classroom", "position": 9}`), http.StatusOK)
		kinds = must[unitKindList](t, f.do("GET", "settings/unit-kinds", nil), http.StatusOK)
		if kinds.Items[1] != (rest.UnitKindJSON{Key: "site", Label: "School", Position: 2}) || kinds.Items[len(kinds.Items)-1].Key != "classroom" {
			t.Errorf("kinds after relabel: %+v", kinds.Items)
		}
		f.createUnit("Room 9", "classroom", "")

		events := len(f.auditEvents())
		wantProblem(t, f.do("PUT", "settings/unit-kinds/Bad-Key", `{"label": "Bad"}`), http.StatusUnprocessableEntity, "path.key")
		wantProblem(t, f.do("PUT", "settings/unit-kinds/site", `{"label": " "}`), http.StatusUnprocessableEntity, "body.label")
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused kind changes wrote %d audit events", n-events)
		}
	})
}
