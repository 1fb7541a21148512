package admin_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestEnsureOrganizationCreatesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := t.Context()
		svc, _ := newService(e)
		slug := "ensure-" + randHex(5)
		first, created, err := svc.EnsureOrganization(ctx, slug, "Ensured")
		if err != nil || !created {
			t.Fatalf("first EnsureOrganization = created %v, %v; want created", created, err)
		}
		second, created, err := svc.EnsureOrganization(ctx, slug, "Another name")
		if err != nil || created {
			t.Fatalf("second EnsureOrganization = created %v, %v; want found", created, err)
		}
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("second call returned another organization (-first +second):\n%s", diff)
		}
	})
}

func TestEnsureOrganizationConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := t.Context()
		svc, _ := newService(e)
		slug := "race-" + randHex(5)
		const n = 8
		var (
			wg      sync.WaitGroup
			ids     [n]string
			created [n]bool
			errs    [n]error
		)
		for i := range n {
			wg.Go(func() {
				o, c, err := svc.EnsureOrganization(ctx, slug, "Raced")
				errs[i], created[i] = err, c
				if o != nil {
					ids[i] = o.ID
				}
			})
		}
		wg.Wait()
		creators := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Errorf("call %d returned organization %s, call 0 %s", i, ids[i], ids[0])
			}
			if created[i] {
				creators++
			}
		}
		if creators != 1 {
			t.Errorf("%d calls report creating the organization, want 1", creators)
		}
		orgs, err := e.DB.Organizations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, o := range orgs {
			if o.Slug == slug {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%d organizations with slug %s, want 1", found, slug)
		}
		roles, err := e.DB.Roles(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(roles) != 7 {
			t.Errorf("the organization has %d roles, want the 7 built-in ones", len(roles))
		}
	})
}

func TestCreateOrganizationValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := t.Context()
		svc, _ := newService(e)
		for _, tc := range []struct {
			slug, name string
			fields     []string
		}{
			{"", "Name", []string{"slug"}},
			{"Upper", "Name", []string{"slug"}},
			{"-lead", "Name", []string{"slug"}},
			{"has space", "Name", []string{"slug"}},
			{"under_score", "Name", []string{"slug"}},
			{strings.Repeat("a", 64), "Name", []string{"slug"}},
			{"fine-" + randHex(3), "   ", []string{"name"}},
			{"fine-" + randHex(3), strings.Repeat("n", directory.MaxTextLen+1), []string{"name"}},
			{"Bad!", "", []string{"slug", "name"}},
		} {
			_, err := svc.CreateOrganization(ctx, tc.slug, tc.name)
			wantKind(t, err, directory.KindInvalid)
			var got []string
			for _, fe := range fieldErrors(err) {
				got = append(got, fe.Field)
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("CreateOrganization(%q, %q) fields (-want +got):\n%s", tc.slug, tc.name, diff)
			}
		}

		slug := strings.Repeat("b", 58) + randHex(3)[:5] // 63 characters: the longest allowed
		if _, err := svc.CreateOrganization(ctx, slug, "Longest slug"); err != nil {
			t.Fatalf("CreateOrganization with a 63-character slug: %v", err)
		}
		_, err := svc.CreateOrganization(ctx, slug, "Again")
		wantKind(t, err, directory.KindConflict)
	})
}

func TestBuiltinRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		roles, err := f.db.Roles(f.ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]*directory.Role{}
		defaults := 0
		for _, r := range roles {
			byKey[r.Key] = r
			if r.IsDefault {
				defaults++
			}
		}
		owner, basic := byKey[directory.OwnerRoleKey], byKey["basic"]
		if owner == nil || basic == nil {
			t.Fatalf("roles %v: want owner and basic", roles)
		}
		if diff := cmp.Diff(directory.AllPermissions(), owner.Permissions); diff != "" {
			t.Errorf("owner permissions (-want +got):\n%s", diff)
		}
		if owner.IsDefault || owner.Level <= basic.Level {
			t.Errorf("owner: default %v, level %d; basic level %d", owner.IsDefault, owner.Level, basic.Level)
		}
		if !basic.IsDefault || defaults != 1 {
			t.Errorf("basic default = %v, %d default roles; want basic the only default", basic.IsDefault, defaults)
		}
		if len(basic.Permissions) != 0 {
			t.Errorf("basic permissions = %v, want none", basic.Permissions)
		}

		kinds, err := f.svc.UnitKinds(f.ctx, f.op)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(directory.DefaultUnitKinds, kinds); diff != "" {
			t.Errorf("unit kinds (-want +got):\n%s", diff)
		}
		evs := f.events()
		if len(evs) != 1 || evs[0].Action != "organization.create" {
			t.Errorf("audit events %v, want one organization.create", actions(evs))
		}
	})
}

func TestCreateOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		email := "owner-" + randHex(3) + "@example.org"
		const password = "exactly15chars!" // the shortest accepted
		before := f.eventIDs()
		owner, err := f.svc.CreateOwner(f.ctx, f.org.ID, admin.OwnerInput{Email: email, Password: password})
		if err != nil {
			t.Fatalf("CreateOwner: %v", err)
		}
		ev := f.oneEvent(before, "user.create")
		wantFields := []string{"email", "first_name", "last_name", "license", "status", "username", "grant.role", "grant.scope"}
		if diff := cmp.Diff(wantFields, changedFields(ev)); diff != "" {
			t.Errorf("CreateOwner event fields (-want +got):\n%s", diff)
		}
		if js, _ := json.Marshal(ev); strings.Contains(string(js), "argon2") || strings.Contains(string(js), password) {
			t.Errorf("the audit event holds the password or its hash: %s", js)
		}
		got := f.reload(owner.ID)
		if got.Status != directory.StatusActive || !got.HasPassword || got.Email != email {
			t.Errorf("owner: status %s, has password %v, email %q", got.Status, got.HasPassword, got.Email)
		}
		hash, err := f.db.PasswordHash(f.ctx, f.org.ID, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := hasher.Verify(hash, password); !ok || err != nil {
			t.Errorf("the stored hash does not verify the password: %v, %v", ok, err)
		}
		grants, err := f.db.UserGrants(f.ctx, f.org.ID, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		ownerRole, err := f.db.RoleByKey(f.ctx, f.org.ID, directory.OwnerRoleKey)
		if err != nil {
			t.Fatal(err)
		}
		if len(grants) != 1 || grants[0].RoleID != ownerRole.ID || grants[0].UnitID != "" ||
			!grants[0].StartsAt.IsZero() || !grants[0].ExpiresAt.IsZero() {
			t.Errorf("grants = %+v, want one owner grant over the whole organization without dates", grants)
		}

		// A weak password is refused before anything is stored. 14 runes
		// of two bytes each: the length counts characters, not bytes.
		for _, pw := range []string{"", "fourteen-chars", "éàüöñçøåîêôûëï"} {
			_, err := f.svc.CreateOwner(f.ctx, f.org.ID, admin.OwnerInput{Email: "weak-" + randHex(3) + "@example.org", Password: pw})
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff([]directory.FieldError{{Field: "password", Message: "must be at least 15 characters"}}, fieldErrors(err)); diff != "" {
				t.Errorf("password %q (-want +got):\n%s", pw, diff)
			}
		}
		_, err = f.svc.CreateOwner(f.ctx, f.org.ID, admin.OwnerInput{Email: "long@example.org", Password: strings.Repeat("x", 257)})
		wantKind(t, err, directory.KindInvalid)

		// The same email in another case belongs to the first owner.
		before = f.eventIDs()
		_, err = f.svc.CreateOwner(f.ctx, f.org.ID, admin.OwnerInput{Email: strings.ToUpper(email), Password: password})
		wantKind(t, err, directory.KindConflict)
		var de *directory.Error
		if !errors.As(err, &de) || de.Existing == nil || de.Existing.ID != owner.ID {
			t.Errorf("duplicate email error %#v, want Existing naming %s", err, owner.ID)
		}
		if diff := cmp.Diff([]directory.FieldError{{Field: "email", Message: "is already used by another user"}}, de.Fields); diff != "" {
			t.Errorf("duplicate email fields (-want +got):\n%s", diff)
		}
		f.noEvent(before)
	})
}

func TestSetPasswordByOperator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)
		if u.Status != directory.StatusPending || u.HasPassword {
			t.Fatalf("new user: status %s, has password %v", u.Status, u.HasPassword)
		}

		_, err := f.svc.SetPasswordByOperator(f.ctx, f.org.ID, u.Username, "too short")
		wantKind(t, err, directory.KindInvalid)

		before := f.eventIDs()
		const pw = "a brand new passphrase"
		got, err := f.svc.SetPasswordByOperator(f.ctx, f.org.ID, strings.ToUpper(u.Email), pw)
		if err != nil {
			t.Fatalf("SetPasswordByOperator: %v", err)
		}
		stored := f.reload(u.ID)
		if stored.Status != directory.StatusActive || !stored.HasPassword || stored.Version != u.Version+1 {
			t.Errorf("after: status %s, has password %v, version %d (was %d)", stored.Status, stored.HasPassword, stored.Version, u.Version)
		}
		if got.Status != stored.Status || got.Version != stored.Version {
			t.Errorf("returned status %s version %d, stored %s %d", got.Status, got.Version, stored.Status, stored.Version)
		}
		hash, err := f.db.PasswordHash(f.ctx, f.org.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := hasher.Verify(hash, pw); !ok {
			t.Error("the stored hash does not verify the new password")
		}
		ev := f.oneEvent(before, "user.set_password")
		if ev.TargetID != u.ID {
			t.Errorf("event target %s, want %s", ev.TargetID, u.ID)
		}
		want := []directory.Change{
			{Field: "password", Before: "(hidden)", After: "(changed)"},
			{Field: "status", Before: "pending", After: "active"},
			{Field: "invitation", Before: "sent", After: "void"},
		}
		if diff := cmp.Diff(want, ev.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		js, _ := json.Marshal(ev)
		if strings.Contains(string(js), hash) || strings.Contains(string(js), "argon2") || strings.Contains(string(js), pw) {
			t.Errorf("the audit event holds the password or its hash: %s", js)
		}

		// A user in the recycle bin cannot get a password.
		binned := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		_, err = f.svc.SetPasswordByOperator(f.ctx, f.org.ID, binned.Username, pw)
		wantKind(t, err, directory.KindConflict)
	})
}
