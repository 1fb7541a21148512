package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func createField(t *testing.T, db *store.DB, orgID, key string, typ directory.FieldType, position int, choices ...string) *directory.CustomField {
	t.Helper()
	f := &directory.CustomField{ID: newID(), OrgID: orgID, Key: key, Label: "Label " + key, Type: typ,
		Choices: choices, Position: position, CreatedAt: baseTime, UpdatedAt: baseTime}
	if err := db.CreateField(context.Background(), f); err != nil {
		t.Fatalf("CreateField %s: %v", key, err)
	}
	return f
}

func TestCustomFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		size := createField(t, db, o.ID, "size", directory.FieldChoice, 2, "S", "M", "L")
		badge := createField(t, db, o.ID, "badge", directory.FieldText, 1)
		start := createField(t, db, o.ID, "start", directory.FieldDate, 2)
		size.Required = true
		if err := db.UpdateField(ctx, size); err != nil {
			t.Fatal(err)
		}

		fields, err := db.Fields(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		// By position, then key; no choices read back as an empty list.
		want := []*directory.CustomField{badge, size, start}
		if diff := cmp.Diff(want, fields, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Fields (-want +got):\n%s", diff)
		}

		// Keys are unique within an organization only.
		dup := &directory.CustomField{ID: newID(), OrgID: o.ID, Key: "badge", Label: "Again", Type: directory.FieldText,
			CreatedAt: baseTime, UpdatedAt: baseTime}
		wantKind(t, db.CreateField(ctx, dup), directory.KindConflict)
		other := createOrg(t, db)
		otherBadge := createField(t, db, other.ID, "badge", directory.FieldBool, 0)

		size.Label, size.Choices, size.Position, size.Required, size.UpdatedAt = "T-shirt size", []string{"M", "XL"}, 0, false, at(time.Hour)
		if err := db.UpdateField(ctx, size); err != nil {
			t.Fatal(err)
		}
		fields, err = db.Fields(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*directory.CustomField{size, badge, start}, fields, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("after UpdateField (-want +got):\n%s", diff)
		}

		// Values.
		ann := createUser(t, db, o.ID, nil)
		bob := createUser(t, db, o.ID, nil)
		carl := createUser(t, db, other.ID, nil)
		set := func(orgID string, u *directory.User, f *directory.CustomField, v string) {
			t.Helper()
			if err := db.SetFieldValue(ctx, orgID, u.ID, f.ID, v); err != nil {
				t.Fatal(err)
			}
		}
		values := func(u *directory.User) map[string]string {
			t.Helper()
			m, err := db.FieldValues(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		set(o.ID, ann, badge, "B-1")
		set(o.ID, ann, size, "M")
		set(o.ID, ann, start, "2030-01-31")
		set(o.ID, bob, badge, "B-2")
		set(other.ID, carl, otherBadge, "true")
		if diff := cmp.Diff(map[string]string{"badge": "B-1", "size": "M", "start": "2030-01-31"}, values(ann)); diff != "" {
			t.Errorf("FieldValues (-want +got):\n%s", diff)
		}
		set(o.ID, ann, size, "XL") // replaces
		set(o.ID, ann, start, "")  // removes
		set(o.ID, bob, start, "")  // removing what is not there is fine
		if diff := cmp.Diff(map[string]string{"badge": "B-1", "size": "XL"}, values(ann)); diff != "" {
			t.Errorf("after replacing and removing (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{}, values(createUser(t, db, o.ID, nil))); diff != "" {
			t.Errorf("a user without values (-want +got):\n%s", diff)
		}

		// Another organization cannot remove values through its own id.
		set(other.ID, ann, badge, "")
		if err := db.DeleteField(ctx, other.ID, badge.ID); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"badge": "B-1", "size": "XL"}, values(ann)); diff != "" {
			t.Errorf("another organization removed values (-want +got):\n%s", diff)
		}

		// Deleting a field removes its values, and only its.
		if err := db.DeleteField(ctx, o.ID, badge.ID); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"size": "XL"}, values(ann)); diff != "" {
			t.Errorf("after DeleteField, ann (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{}, values(bob)); diff != "" {
			t.Errorf("after DeleteField, bob (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"badge": "true"}, values(carl)); diff != "" {
			t.Errorf("after DeleteField, the other organization (-want +got):\n%s", diff)
		}
		fields, err = db.Fields(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*directory.CustomField{size, start}, fields, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("after DeleteField (-want +got):\n%s", diff)
		}
		// The key is free again.
		createField(t, db, o.ID, "badge", directory.FieldNumber, 5)
	})
}
