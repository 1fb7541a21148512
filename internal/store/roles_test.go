package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestRolesAndGrants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		owner := &directory.Role{ID: newID(), OrgID: o.ID, Key: directory.OwnerRoleKey, Name: "Owner", Description: "Everything",
			Level: 100, Permissions: directory.AllPermissions(), MFARequired: true, CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateRole(ctx, owner); err != nil {
			t.Fatal(err)
		}
		if owner.Version != 1 {
			t.Errorf("CreateRole left version %d", owner.Version)
		}
		member := &directory.Role{ID: newID(), OrgID: o.ID, Name: "Member", Level: 10, IsDefault: true,
			Permissions: []directory.Permission{"team.view", "users.view"}, CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateRole(ctx, member); err != nil {
			t.Fatal(err)
		}
		empty := &directory.Role{ID: newID(), OrgID: o.ID, Name: "Nothing", Level: 10, CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateRole(ctx, empty); err != nil {
			t.Fatal(err)
		}

		got, err := db.Role(ctx, o.ID, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(owner, got); diff != "" {
			t.Errorf("Role (-created +read):\n%s", diff)
		}
		if !got.Has("users.delete") || !got.Has("team.view") {
			t.Error("the owner role lost permissions")
		}
		got, err = db.RoleByKey(ctx, o.ID, directory.OwnerRoleKey)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != owner.ID {
			t.Errorf("RoleByKey = %s", got.Name)
		}
		_, err = db.RoleByKey(ctx, o.ID, "nobody")
		wantKind(t, err, directory.KindNotFound)
		other := createOrg(t, db)
		_, err = db.Role(ctx, other.ID, owner.ID)
		wantKind(t, err, directory.KindNotFound)
		_, err = db.RoleByKey(ctx, other.ID, directory.OwnerRoleKey)
		wantKind(t, err, directory.KindNotFound)

		roles, err := db.Roles(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Highest level first, then by name.
		if diff := cmp.Diff([]*directory.Role{owner, member, empty}, roles); diff != "" {
			t.Errorf("Roles (-want +got):\n%s", diff)
		}

		// Names and keys are unique within an organization.
		wantKind(t, db.CreateRole(ctx, &directory.Role{ID: newID(), OrgID: o.ID, Name: "Member", Level: 1,
			CreatedAt: baseTime, UpdatedAt: baseTime}), directory.KindConflict)
		wantKind(t, db.CreateRole(ctx, &directory.Role{ID: newID(), OrgID: o.ID, Key: directory.OwnerRoleKey, Name: "Owner 2",
			Level: 1, CreatedAt: baseTime, UpdatedAt: baseTime}), directory.KindConflict)
		createRole(t, db, other.ID, "Member", 10)

		// Grants.
		unit := createUnit(t, db, o.ID, nil, "Scope", "")
		u := createUser(t, db, o.ID, nil)
		g1 := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: u.ID, RoleID: owner.ID, CreatedBy: "admin",
			CreatedAt: at(time.Minute)}
		g2 := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: u.ID, RoleID: member.ID, UnitID: unit.ID,
			StartsAt: at(time.Hour), ExpiresAt: at(48 * time.Hour), Fields: map[string]string{"reason": "cover", "ticket": "T-1"},
			CreatedAt: at(2 * time.Minute)}
		g0 := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: u.ID, RoleID: empty.ID, CreatedAt: at(0)}
		for _, g := range []*directory.Grant{g1, g2, g0} {
			if err := db.CreateGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		createGrant(t, db, createUser(t, db, o.ID, nil), member, time.Time{})
		grants, err := db.UserGrants(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*directory.Grant{g0, g1, g2}, grants, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("UserGrants, oldest first (-want +got):\n%s", diff)
		}
		if grants, err := db.UserGrants(ctx, other.ID, u.ID); err != nil || len(grants) != 0 {
			t.Errorf("UserGrants through another organization = %d, %v", len(grants), err)
		}
		if g2.ActiveAt(at(0)) || !g2.ActiveAt(at(2*time.Hour)) || g2.ActiveAt(at(48*time.Hour)) {
			t.Error("Grant.ActiveAt disagrees with the stored times")
		}

		// A grant of a role that does not exist is refused.
		bad := &directory.Grant{ID: newID(), OrgID: o.ID, UserID: u.ID, RoleID: newID(), CreatedAt: baseTime}
		if err := db.CreateGrant(ctx, bad); err == nil {
			t.Error("CreateGrant accepted an unknown role")
		}
	})
}
