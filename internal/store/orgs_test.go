package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestOrganizations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)

		got, err := db.Organization(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(o, got); diff != "" {
			t.Errorf("Organization (-created +read):\n%s", diff)
		}
		got, err = db.OrganizationBySlug(ctx, o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(o, got); diff != "" {
			t.Errorf("OrganizationBySlug (-created +read):\n%s", diff)
		}

		_, err = db.Organization(ctx, newID())
		wantKind(t, err, directory.KindNotFound)
		_, err = db.OrganizationBySlug(ctx, "no-such-"+randHex(4))
		wantKind(t, err, directory.KindNotFound)

		dup := &directory.Organization{ID: newID(), Slug: o.Slug, Name: "Copy", CreatedAt: baseTime, UpdatedAt: baseTime}
		wantKind(t, db.CreateOrganization(ctx, dup), directory.KindConflict)
		if _, err := db.Organization(ctx, dup.ID); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("the organization with the taken slug was stored: %v", err)
		}

		o2 := createOrg(t, db)
		all, err := db.Organizations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i, x := range all {
			seen[x.ID] = true
			if i > 0 && all[i-1].Slug >= x.Slug {
				t.Errorf("Organizations not ordered by slug: %q before %q", all[i-1].Slug, x.Slug)
			}
		}
		if !seen[o.ID] || !seen[o2.ID] {
			t.Errorf("Organizations misses one of the new organizations")
		}

		o.Name, o.PremiumSeatLimit, o.UpdatedAt = "Renamed", 5, at(time.Second)
		if err := db.UpdateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, err = db.Organization(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(o, got); diff != "" {
			t.Errorf("after UpdateOrganization (-want +got):\n%s", diff)
		}
	})
}

func TestUnitKinds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		other := createOrg(t, db)

		kinds, err := db.UnitKinds(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(directory.DefaultUnitKinds, kinds); diff != "" {
			t.Errorf("default unit kinds (-want +got):\n%s", diff)
		}

		if err := db.PutUnitKind(ctx, o.ID, directory.UnitKind{Key: "team", Label: "Team", Position: 0}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutUnitKind(ctx, o.ID, directory.UnitKind{Key: "site", Label: "Campus", Position: 9}); err != nil {
			t.Fatal(err)
		}
		kinds, err = db.UnitKinds(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []directory.UnitKind{
			{Key: "team", Label: "Team", Position: 0},
			{Key: "district", Label: "District", Position: 1},
			{Key: "business_unit", Label: "Business Unit", Position: 3},
			{Key: "department", Label: "Department", Position: 4},
			{Key: "location", Label: "Location", Position: 5},
			{Key: "site", Label: "Campus", Position: 9},
		}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("after PutUnitKind (-want +got):\n%s", diff)
		}

		kinds, err = db.UnitKinds(ctx, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(directory.DefaultUnitKinds, kinds); diff != "" {
			t.Errorf("another organization's kinds changed (-want +got):\n%s", diff)
		}
	})
}
