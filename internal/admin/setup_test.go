package admin_test

import (
	"strings"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// setupSecret returns the secret of a /setup/ link.
func setupSecret(t *testing.T, link string) string {
	t.Helper()
	secret, ok := strings.CutPrefix(link, signinBaseURL+"/setup/")
	if !ok || secret == "" || strings.ContainsAny(secret, "/?# ") {
		t.Fatalf("set-up link %q, want %s/setup/SECRET", link, signinBaseURL)
	}
	return secret
}

func TestFirstSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e) // an organization without users
		link, err := f.svc.SetupLink(f.ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		secret := setupSecret(t, link)
		// A newer link voids the older.
		link2, err := f.svc.SetupLink(f.ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.OpenSetupLink(f.ctx, secret)
		wantKind(t, err, directory.KindNotFound)
		secret = setupSecret(t, link2)

		f.clock.Advance(time.Hour - time.Second)
		org, criteria, err := f.svc.OpenSetupLink(f.ctx, secret)
		if err != nil {
			t.Fatalf("the link within the hour: %v", err)
		}
		if org.ID != f.org.ID || len(criteria) == 0 || criteria[0] != "At least 15 characters." {
			t.Errorf("opened: %s, %q", org.ID, criteria)
		}
		in := admin.OwnerInput{Email: "first-" + randHex(3) + "@example.org", Password: "short", FirstName: "Frances", LastName: "First"}
		_, err = f.svc.CompleteSetup(f.ctx, secret, in)
		wantPasswordRefused(t, "a short password", err)

		in.Password = newPassword
		before := f.eventIDs()
		owner, err := f.svc.CompleteSetup(f.ctx, secret, in)
		if err != nil {
			t.Fatal(err)
		}
		if owner.Status != directory.StatusActive || !owner.HasPassword || owner.Email != in.Email {
			t.Errorf("owner %+v", owner)
		}
		f.oneEvent(before, "user.create")
		grants, err := f.db.UserGrants(f.ctx, f.org.ID, owner.ID)
		if err != nil || len(grants) != 1 || grants[0].UnitID != "" {
			t.Fatalf("owner grants %+v, %v", grants, err)
		}
		role, err := f.db.Role(f.ctx, f.org.ID, grants[0].RoleID)
		if err != nil || role.Key != directory.OwnerRoleKey {
			t.Errorf("owner role %+v, %v", role, err)
		}
		st := f.resolve(f.mustSignInWith(owner, newPassword).Secret)
		if !st.Actor.Can("settings.manage") {
			t.Error("the first owner cannot manage settings")
		}

		// Used once, and no new link once there are users.
		_, err = f.svc.CompleteSetup(f.ctx, secret, admin.OwnerInput{Email: "second-" + randHex(3) + "@example.org", Password: newPassword})
		wantKind(t, err, directory.KindNotFound)
		_, _, err = f.svc.OpenSetupLink(f.ctx, secret)
		wantKind(t, err, directory.KindNotFound)
		if link, err := f.svc.SetupLink(f.ctx, f.org.ID); err != nil || link != "" {
			t.Errorf("SetupLink with users = %q, %v; want \"\"", link, err)
		}
		if n, err := f.db.CountAllUsers(f.ctx, f.org.ID); err != nil || n != 1 {
			t.Errorf("%d users, %v", n, err)
		}
	})
}

func TestSetupLinkExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		link, err := f.svc.SetupLink(f.ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		secret := setupSecret(t, link)
		f.clock.Advance(time.Hour)
		_, _, err = f.svc.OpenSetupLink(f.ctx, secret)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.CompleteSetup(f.ctx, secret, admin.OwnerInput{Email: "late-" + randHex(3) + "@example.org", Password: newPassword})
		wantKind(t, err, directory.KindNotFound)
		if n, _ := f.db.CountAllUsers(f.ctx, f.org.ID); n != 0 {
			t.Errorf("%d users after an expired set-up", n)
		}
		// Nor does a link of one organization work in another, or a made-up one.
		other, _ := f.newOrg()
		if _, err := f.svc.SetupLink(f.ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "rsu_", "rsu_" + randHex(16), "rsr_" + randHex(16), strings.Repeat("x", 500)} {
			_, _, err = f.svc.OpenSetupLink(f.ctx, bad)
			wantKind(t, err, directory.KindNotFound)
		}
	})
}

func TestSetupLinkNotForOrganizationWithUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		link, err := f.svc.SetupLink(f.ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Someone added a user another way (the command line) meanwhile.
		f.createUser(nil)
		_, err = f.svc.CompleteSetup(f.ctx, setupSecret(t, link), admin.OwnerInput{Email: "x-" + randHex(3) + "@example.org", Password: newPassword})
		wantKind(t, err, directory.KindNotFound)
		if link, err := f.svc.SetupLink(f.ctx, f.org.ID); err != nil || link != "" {
			t.Errorf("SetupLink with a pending user = %q, %v", link, err)
		}
	})
}
