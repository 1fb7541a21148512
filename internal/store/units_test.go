package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func unitIDs(units []*directory.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.ID
	}
	return out
}

// listUnits returns the ids of the units of org matching f.
func listUnits(t *testing.T, db *store.DB, orgID string, f store.UnitFilter) []string {
	t.Helper()
	units, err := db.Units(context.Background(), orgID, f)
	if err != nil {
		t.Fatalf("Units(%+v): %v", f, err)
	}
	return unitIDs(units)
}

// byPath returns the ids of units ordered by path, as Units lists them.
func byPath(units ...*directory.Unit) []string {
	s := slices.Clone(units)
	slices.SortFunc(s, func(a, b *directory.Unit) int { return strings.Compare(a.Path, b.Path) })
	return unitIDs(s)
}

func TestUnitCreateAndRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		root := createUnit(t, db, o.ID, nil, "North", "N")
		child := createUnit(t, db, o.ID, root, "Harbour", "N-1")

		got, err := db.Unit(ctx, o.ID, child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(child, got); diff != "" {
			t.Errorf("Unit (-created +read):\n%s", diff)
		}
		if got.ParentID != root.ID || got.Path != "/"+root.ID+"/"+child.ID+"/" {
			t.Errorf("child has parent %q and path %q", got.ParentID, got.Path)
		}
		got, err = db.Unit(ctx, o.ID, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ParentID != "" {
			t.Errorf("a root unit has the parent %q", got.ParentID)
		}

		other := createOrg(t, db)
		_, err = db.Unit(ctx, other.ID, root.ID)
		wantKind(t, err, directory.KindNotFound)
		_, err = db.Unit(ctx, o.ID, newID())
		wantKind(t, err, directory.KindNotFound)

		// Codes are unique within an organization; empty codes do not count.
		dup := &directory.Unit{ID: newID(), OrgID: o.ID, Path: "/x/", Kind: "site", Name: "Copy", Code: "N-1",
			CreatedAt: baseTime, UpdatedAt: baseTime}
		dup.Path = "/" + dup.ID + "/"
		err = db.CreateUnit(ctx, dup)
		wantKind(t, err, directory.KindConflict)
		createUnit(t, db, o.ID, nil, "No code 1", "")
		createUnit(t, db, o.ID, nil, "No code 2", "")
		createUnit(t, db, other.ID, nil, "Same code elsewhere", "N-1")

		// A kind the organization does not have is refused.
		bad := &directory.Unit{ID: newID(), OrgID: o.ID, Kind: "galaxy", Name: "Far", CreatedAt: baseTime, UpdatedAt: baseTime}
		bad.Path = "/" + bad.ID + "/"
		if err := db.CreateUnit(ctx, bad); err == nil {
			t.Error("CreateUnit accepted an unknown kind")
		}
	})
}

func TestUnitsList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		db := e.DB
		o := createOrg(t, db)
		a := createUnit(t, db, o.ID, nil, "Alpha", "ALPHA")
		a1 := createUnit(t, db, o.ID, a, "Alpha One", "a-1")
		a11 := createUnit(t, db, o.ID, a1, "Alpha One One", "")
		a2 := createUnit(t, db, o.ID, a, "Alpha 100%_Two", "A_2")
		b := createUnit(t, db, o.ID, nil, "Bravo", "")
		b1 := createUnit(t, db, o.ID, b, "Bravo One", "B1")
		otherOrg := createOrg(t, db)
		createUnit(t, db, otherOrg.ID, nil, "Alpha", "ALPHA")

		all := listUnits(t, db, o.ID, store.UnitFilter{})
		if diff := cmp.Diff(byPath(a, a1, a11, a2, b, b1), all); diff != "" {
			t.Errorf("every unit by path (-want +got):\n%s", diff)
		}
		for i, id := range all {
			for _, before := range all[:i] {
				if before == id {
					t.Fatalf("unit %s listed twice", id)
				}
			}
		}
		// A parent comes before its children.
		pos := map[string]int{}
		for i, id := range all {
			pos[id] = i
		}
		for _, c := range [][2]*directory.Unit{{a, a1}, {a1, a11}, {a, a2}, {b, b1}} {
			if pos[c[0].ID] > pos[c[1].ID] {
				t.Errorf("%s is listed after its child %s", c[0].Name, c[1].Name)
			}
		}

		for _, tc := range []struct {
			name string
			f    store.UnitFilter
			want []string
		}{
			{"children", store.UnitFilter{ParentID: a.ID}, byPath(a1, a2)},
			{"roots", store.UnitFilter{RootsOnly: true}, byPath(a, b)},
			{"kind", store.UnitFilter{Kind: "department"}, byPath(a, a1, a11, a2, b, b1)},
			{"other kind", store.UnitFilter{Kind: "site"}, nil},
			{"name substring, any case", store.UnitFilter{Q: "one"}, byPath(a1, a11, b1)},
			{"code substring", store.UnitFilter{Q: "b1"}, byPath(b1)},
			{"percent is literal", store.UnitFilter{Q: "100%"}, byPath(a2)},
			{"underscore is literal", store.UnitFilter{Q: "a_"}, byPath(a2)},
			{"no match", store.UnitFilter{Q: "zulu"}, nil},
		} {
			got := listUnits(t, db, o.ID, tc.f)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
	})
}

func TestUnitUpdateAndArchive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		root := createUnit(t, db, o.ID, nil, "Root", "R")
		kid := createUnit(t, db, o.ID, root, "Kid", "K")
		createUnit(t, db, o.ID, nil, "Taken", "TAKEN")

		n, err := db.CountActiveChildren(ctx, o.ID, root.ID)
		if err != nil || n != 1 {
			t.Fatalf("CountActiveChildren = %d, %v; want 1", n, err)
		}

		kid.Name, kid.Code, kid.Kind, kid.UpdatedAt = "Kid renamed", "K2", "site", at(time.Second)
		if err := db.UpdateUnit(ctx, kid, 1); err != nil {
			t.Fatal(err)
		}
		if kid.Version != 2 {
			t.Errorf("version after update = %d; want 2", kid.Version)
		}
		got, err := db.Unit(ctx, o.ID, kid.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(kid, got); diff != "" {
			t.Errorf("after UpdateUnit (-want +got):\n%s", diff)
		}

		// A stale version changes nothing.
		stale := *got
		stale.Name = "Stale"
		wantKind(t, db.UpdateUnit(ctx, &stale, 1), directory.KindPrecondition)
		if got, _ := db.Unit(ctx, o.ID, kid.ID); got.Name != "Kid renamed" || got.Version != 2 {
			t.Errorf("a stale update changed the unit: %+v", got)
		}

		// A taken code is a conflict.
		clash := *got
		clash.Code = "TAKEN"
		wantKind(t, db.UpdateUnit(ctx, &clash, 2), directory.KindConflict)

		// Version 0 skips the check.
		kid.Name = "Any version"
		if err := db.UpdateUnit(ctx, kid, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Unit(ctx, o.ID, kid.ID); got.Name != "Any version" || got.Version != 3 {
			t.Errorf("after an unchecked update: name %q version %d", got.Name, got.Version)
		}

		// Archiving hides the unit unless archived units are asked for.
		kid.ArchivedAt = at(2 * time.Second)
		if err := db.UpdateUnit(ctx, kid, kid.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Unit(ctx, o.ID, kid.ID); !got.Archived() || !got.ArchivedAt.Equal(at(2*time.Second)) {
			t.Errorf("the unit is not archived at %v: %v", at(2*time.Second), got.ArchivedAt)
		}
		if got := listUnits(t, db, o.ID, store.UnitFilter{ParentID: root.ID}); len(got) != 0 {
			t.Errorf("an archived unit is listed: %v", got)
		}
		if got := listUnits(t, db, o.ID, store.UnitFilter{ParentID: root.ID, IncludeArchived: true}); !slices.Equal(got, []string{kid.ID}) {
			t.Errorf("IncludeArchived lists %v; want the archived unit", got)
		}
		if n, err := db.CountActiveChildren(ctx, o.ID, root.ID); err != nil || n != 0 {
			t.Errorf("CountActiveChildren after archiving = %d, %v; want 0", n, err)
		}

		// Restoring it brings it back.
		kid.ArchivedAt = time.Time{}
		if err := db.UpdateUnit(ctx, kid, kid.Version); err != nil {
			t.Fatal(err)
		}
		if got := listUnits(t, db, o.ID, store.UnitFilter{ParentID: root.ID}); !slices.Equal(got, []string{kid.ID}) {
			t.Errorf("a restored unit is not listed: %v", got)
		}
	})
}

func TestMoveUnit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		a := createUnit(t, db, o.ID, nil, "A", "")
		b := createUnit(t, db, o.ID, a, "B", "")
		c := createUnit(t, db, o.ID, b, "C", "")
		d := createUnit(t, db, o.ID, c, "D", "")
		c2 := createUnit(t, db, o.ID, b, "C2", "")
		sib := createUnit(t, db, o.ID, a, "Sibling", "")
		x := createUnit(t, db, o.ID, nil, "X", "")

		// Move B (with C, D and C2 below it) under X.
		b.UpdatedAt = at(time.Second)
		newPath := x.Path + b.ID + "/"
		if err := db.MoveUnit(ctx, b, x.ID, newPath, 1); err != nil {
			t.Fatal(err)
		}
		if b.ParentID != x.ID || b.Path != newPath || b.Version != 2 {
			t.Errorf("the moved unit value: parent %q path %q version %d", b.ParentID, b.Path, b.Version)
		}
		want := map[string]struct{ parent, path string }{
			a.ID:   {"", "/" + a.ID + "/"},
			sib.ID: {a.ID, "/" + a.ID + "/" + sib.ID + "/"},
			x.ID:   {"", "/" + x.ID + "/"},
			b.ID:   {x.ID, "/" + x.ID + "/" + b.ID + "/"},
			c.ID:   {b.ID, "/" + x.ID + "/" + b.ID + "/" + c.ID + "/"},
			c2.ID:  {b.ID, "/" + x.ID + "/" + b.ID + "/" + c2.ID + "/"},
			d.ID:   {c.ID, "/" + x.ID + "/" + b.ID + "/" + c.ID + "/" + d.ID + "/"},
		}
		checkTree := func(step string) {
			t.Helper()
			units, err := db.Units(ctx, o.ID, store.UnitFilter{IncludeArchived: true})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]struct{ parent, path string }{}
			for _, u := range units {
				got[u.ID] = struct{ parent, path string }{u.ParentID, u.Path}
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(struct{ parent, path string }{})); diff != "" {
				t.Errorf("%s: the tree (-want +got):\n%s", step, diff)
			}
			for i := 1; i < len(units); i++ {
				if units[i-1].Path >= units[i].Path {
					t.Errorf("%s: Units not ordered by path", step)
				}
			}
		}
		checkTree("after moving B under X")
		if got, _ := db.Unit(ctx, o.ID, b.ID); got.Version != 2 || !got.UpdatedAt.Equal(at(time.Second)) {
			t.Errorf("the moved unit has version %d, updated %v", got.Version, got.UpdatedAt)
		}

		// A stale version moves nothing.
		stale := *b
		stale.Path = b.Path
		wantKind(t, db.MoveUnit(ctx, &stale, "", "/"+b.ID+"/", 1), directory.KindPrecondition)
		checkTree("after a stale move")

		// Move C to the root.
		got, err := db.Unit(ctx, o.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.MoveUnit(ctx, got, "", "/"+c.ID+"/", got.Version); err != nil {
			t.Fatal(err)
		}
		want[c.ID] = struct{ parent, path string }{"", "/" + c.ID + "/"}
		want[d.ID] = struct{ parent, path string }{c.ID, "/" + c.ID + "/" + d.ID + "/"}
		checkTree("after moving C to the root")
		if got := listUnits(t, db, o.ID, store.UnitFilter{RootsOnly: true}); !slices.Equal(got, byPath(a, x, c)) {
			t.Errorf("roots after the move: %v", got)
		}
	})
}
