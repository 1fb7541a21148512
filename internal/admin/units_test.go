package admin_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// unitPaths lists the paths of every unit of the organization, archived
// ones included, by id.
func (f *fixture) unitPaths() map[string]string {
	f.t.Helper()
	units, err := f.svc.Units(f.ctx, f.op, store.UnitFilter{IncludeArchived: true})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, u := range units {
		out[u.ID] = u.Path
	}
	return out
}

func TestCreateUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		district := f.createUnit(" North ", "district", nil)
		site := f.createUnit("Main campus", "site", district)
		if district.Name != "North" || district.ParentID != "" || district.Path != "/"+district.ID+"/" {
			t.Errorf("district: %+v", district)
		}
		if site.ParentID != district.ID || site.Path != district.Path+site.ID+"/" {
			t.Errorf("site: %+v", site)
		}
		got, err := f.svc.Unit(f.ctx, f.op, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(site, got); diff != "" {
			t.Errorf("CreateUnit returned another unit than it stored (-returned +stored):\n%s", diff)
		}

		_, otherOp := f.newOrg()
		otherUnit, err := f.svc.CreateUnit(f.ctx, otherOp, admin.UnitInput{Name: "Theirs", Kind: "site"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			in   admin.UnitInput
			want []directory.FieldError
		}{
			{admin.UnitInput{Name: "  ", Kind: "site"}, fieldErrs("name", "is required")},
			{admin.UnitInput{Name: "X", Kind: "galaxy"}, fieldErrs("kind", "must be one of: district, site, business_unit, department, location")},
			{admin.UnitInput{Name: "X", Kind: "site", Code: strings.Repeat("c", 51)}, fieldErrs("code", "must be at most 50 characters")},
			{admin.UnitInput{Name: "X", Kind: "site", ParentID: "no-such-unit"}, fieldErrs("parent_id", "no such unit")},
			{admin.UnitInput{Name: "X", Kind: "site", ParentID: otherUnit.ID}, fieldErrs("parent_id", "no such unit")},
		} {
			_, err := f.svc.CreateUnit(f.ctx, f.op, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("CreateUnit(%+v) (-want +got):\n%s", tc.in, diff)
			}
		}

		if _, err := f.svc.CreateUnit(f.ctx, f.op, admin.UnitInput{Name: "Coded", Kind: "site", Code: "N-1"}); err != nil {
			t.Fatal(err)
		}
		before := f.eventIDs()
		_, err = f.svc.CreateUnit(f.ctx, f.op, admin.UnitInput{Name: "Same code", Kind: "site", Code: "N-1"})
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)
	})
}

func TestMoveUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		north := f.createUnit("North", "district", nil)
		south := f.createUnit("South", "district", nil)
		site := f.createUnit("Site", "site", north)
		dept := f.createUnit("Dept", "department", site)
		loc := f.createUnit("Room", "location", dept)

		before := f.eventIDs()
		moved, err := f.svc.UpdateUnit(f.ctx, f.op, site.ID, site.Version, admin.UnitPatch{ParentID: &south.ID})
		if err != nil {
			t.Fatal(err)
		}
		if moved.ParentID != south.ID || moved.Path != south.Path+site.ID+"/" {
			t.Errorf("moved: parent %s path %s", moved.ParentID, moved.Path)
		}
		ev := f.oneEvent(before, "unit.move")
		if diff := cmp.Diff([]directory.Change{{Field: "parent_id", Before: north.ID, After: south.ID}}, ev.Changes); diff != "" {
			t.Errorf("move changes (-want +got):\n%s", diff)
		}
		wantPaths := map[string]string{
			north.ID: "/" + north.ID + "/",
			south.ID: "/" + south.ID + "/",
			site.ID:  "/" + south.ID + "/" + site.ID + "/",
			dept.ID:  "/" + south.ID + "/" + site.ID + "/" + dept.ID + "/",
			loc.ID:   "/" + south.ID + "/" + site.ID + "/" + dept.ID + "/" + loc.ID + "/",
		}
		if diff := cmp.Diff(wantPaths, f.unitPaths()); diff != "" {
			t.Errorf("paths after the move (-want +got):\n%s", diff)
		}
		if got, err := f.svc.Unit(f.ctx, f.op, site.ID); err != nil || !cmp.Equal(moved, got) {
			t.Errorf("UpdateUnit returned %+v, stored %+v (%v)", moved, got, err)
		}

		// No unit moves under itself or below itself.
		for _, target := range []*directory.Unit{site, dept, loc} {
			before := f.eventIDs()
			_, err := f.svc.UpdateUnit(f.ctx, f.op, site.ID, 0, admin.UnitPatch{ParentID: &target.ID})
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(fieldErrs("parent_id", "a unit cannot move under itself or one of its own units"), fieldErrors(err)); diff != "" {
				t.Errorf("move under %s (-want +got):\n%s", target.Name, diff)
			}
			f.noEvent(before)
		}
		_, err = f.svc.UpdateUnit(f.ctx, f.op, south.ID, 0, admin.UnitPatch{ParentID: &loc.ID})
		wantKind(t, err, directory.KindInvalid)
		if diff := cmp.Diff(wantPaths, f.unitPaths()); diff != "" {
			t.Errorf("paths after refused moves (-want +got):\n%s", diff)
		}

		// To the root and back.
		root, err := f.svc.UpdateUnit(f.ctx, f.op, dept.ID, 0, admin.UnitPatch{ParentID: ptr("")})
		if err != nil || root.ParentID != "" || root.Path != "/"+dept.ID+"/" {
			t.Fatalf("to the root: %+v, %v", root, err)
		}
		if got := f.unitPaths()[loc.ID]; got != "/"+dept.ID+"/"+loc.ID+"/" {
			t.Errorf("location path after moving its parent to the root: %s", got)
		}
		roots, err := f.svc.Units(f.ctx, f.op, store.UnitFilter{RootsOnly: true})
		if err != nil || len(roots) != 3 {
			t.Errorf("roots: %d, %v", len(roots), err)
		}
		if _, err := f.svc.UpdateUnit(f.ctx, f.op, dept.ID, 0, admin.UnitPatch{ParentID: &north.ID}); err != nil {
			t.Fatal(err)
		}
		if got := f.unitPaths()[loc.ID]; got != north.Path+dept.ID+"/"+loc.ID+"/" {
			t.Errorf("location path after moving back: %s", got)
		}

		// A stale version changes nothing.
		_, err = f.svc.UpdateUnit(f.ctx, f.op, site.ID, site.Version, admin.UnitPatch{Name: ptr("Stale")})
		wantKind(t, err, directory.KindPrecondition)
		if got, _ := f.svc.Unit(f.ctx, f.op, site.ID); got.Name != "Site" {
			t.Errorf("a stale update renamed the unit to %q", got.Name)
		}
		_, err = f.svc.UpdateUnit(f.ctx, f.op, "no-such-unit", 0, admin.UnitPatch{Name: ptr("X")})
		wantKind(t, err, directory.KindNotFound)
	})
}

func TestArchiveUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		district := f.createUnit("District", "district", nil)
		site := f.createUnit("Site", "site", district)
		dept := f.createUnit("Dept", "department", site)
		other := f.createUnit("Other", "district", nil)

		archive := func(u *directory.Unit, archived bool) (*directory.Unit, error) {
			return f.svc.UpdateUnit(f.ctx, f.op, u.ID, 0, admin.UnitPatch{Archived: &archived})
		}

		before := f.eventIDs()
		_, err := archive(site, true)
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)

		got, err := archive(dept, true)
		if err != nil || !got.Archived() {
			t.Fatalf("archive a leaf: %+v, %v", got, err)
		}
		f.oneEvent(before, "unit.archive")
		if got, err := archive(site, true); err != nil || !got.Archived() {
			t.Fatalf("archive a unit whose children are archived: %v", err)
		}
		live, err := f.svc.Units(f.ctx, f.op, store.UnitFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(live) != 2 {
			t.Errorf("%d live units, want 2 (district and other)", len(live))
		}

		// Nothing new goes under an archived unit.
		_, err = f.svc.CreateUnit(f.ctx, f.op, admin.UnitInput{Name: "Under", Kind: "location", ParentID: site.ID})
		wantKind(t, err, directory.KindInvalid)
		if diff := cmp.Diff(fieldErrs("parent_id", "that unit is archived"), fieldErrors(err)); diff != "" {
			t.Errorf("create under an archived unit (-want +got):\n%s", diff)
		}
		_, err = f.svc.UpdateUnit(f.ctx, f.op, other.ID, 0, admin.UnitPatch{ParentID: &site.ID})
		wantKind(t, err, directory.KindInvalid)

		// A unit comes back only under a live parent.
		before = f.eventIDs()
		_, err = archive(dept, false)
		wantKind(t, err, directory.KindConflict)
		f.noEvent(before)
		if got, err := archive(site, false); err != nil || got.Archived() {
			t.Fatalf("restore the site: %+v, %v", got, err)
		}
		f.oneEvent(before, "unit.restore")
		if got, err := archive(dept, false); err != nil || got.Archived() {
			t.Fatalf("restore the department: %+v, %v", got, err)
		}
		// Restoring a live unit is harmless.
		if got, err := archive(dept, false); err != nil || got.Archived() {
			t.Errorf("restore a live unit: %v", err)
		}
	})
}

func TestRenameUnitAndKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUnit("Old name", "site", nil)
		before := f.eventIDs()
		got, err := f.svc.UpdateUnit(f.ctx, f.op, u.ID, u.Version, admin.UnitPatch{Name: ptr(" New name "), Code: ptr("S-1")})
		if err != nil || got.Name != "New name" || got.Code != "S-1" || got.Version <= u.Version {
			t.Fatalf("rename: %+v, %v", got, err)
		}
		ev := f.oneEvent(before, "unit.update")
		if diff := cmp.Diff([]string{"code", "name"}, changedFields(ev)); diff != "" {
			t.Errorf("rename changes (-want +got):\n%s", diff)
		}
		for _, p := range []admin.UnitPatch{{Name: ptr("")}, {Kind: ptr("galaxy")}} {
			_, err := f.svc.UpdateUnit(f.ctx, f.op, u.ID, 0, p)
			wantKind(t, err, directory.KindInvalid)
		}

		// Relabel a kind and add one.
		before = f.eventIDs()
		k, err := f.svc.PutUnitKind(f.ctx, f.op, directory.UnitKind{Key: "site", Label: " School ", Position: 2})
		if err != nil || k.Label != "School" {
			t.Fatalf("relabel: %+v, %v", k, err)
		}
		ev = f.oneEvent(before, "unit_kind.put")
		if diff := cmp.Diff([]directory.Change{{Field: "label", Before: "Site", After: "School"}}, ev.Changes); diff != "" {
			t.Errorf("relabel changes (-want +got):\n%s", diff)
		}
		if _, err := f.svc.PutUnitKind(f.ctx, f.op, directory.UnitKind{Key: "campus", Label: "Campus", Position: 6}); err != nil {
			t.Fatal(err)
		}
		kinds, err := f.svc.UnitKinds(f.ctx, f.op)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]directory.UnitKind(nil), directory.DefaultUnitKinds...)
		want[1].Label = "School"
		want = append(want, directory.UnitKind{Key: "campus", Label: "Campus", Position: 6})
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("kinds (-want +got):\n%s", diff)
		}
		if _, err := f.svc.CreateUnit(f.ctx, f.op, admin.UnitInput{Name: "East campus", Kind: "campus"}); err != nil {
			t.Errorf("create a unit of the new kind: %v", err)
		}

		before = f.eventIDs()
		for _, tc := range []struct {
			k    directory.UnitKind
			want []directory.FieldError
		}{
			{directory.UnitKind{Key: "Bad Key", Label: "Bad"}, fieldErrs("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores")},
			{directory.UnitKind{Key: "1st", Label: "First"}, fieldErrs("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores")},
			{directory.UnitKind{Key: "wing", Label: "  "}, fieldErrs("label", "is required")},
			{directory.UnitKind{Key: "wing", Label: strings.Repeat("w", 101)}, fieldErrs("label", "must be at most 100 characters")},
		} {
			_, err := f.svc.PutUnitKind(f.ctx, f.op, tc.k)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("PutUnitKind(%+v) (-want +got):\n%s", tc.k, diff)
			}
		}
		f.noEvent(before)
	})
}
