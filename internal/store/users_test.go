package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestUserRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		dept := createUnit(t, db, o.ID, nil, "Finance", "")
		loc := createUnit(t, db, o.ID, nil, "Oslo", "")
		boss := createUser(t, db, o.ID, nil)

		u := &directory.User{
			ID:    newID(),
			OrgID: o.ID,
			Profile: directory.Profile{
				Username:     "Jane.Roe",
				Email:        "Jane.Roe@Example.com",
				FirstName:    "Jane",
				LastName:     "Roe",
				DisplayName:  "Janie Røe",
				Phone:        "+47 (22) 12-34.56",
				JobTitle:     "Controller",
				Position:     "Head of accounts",
				ExternalID:   "EMP-1001",
				Address:      directory.Address{Street: "Storgata 1", Locality: "Oslo", Region: "Oslo", PostalCode: "0155", Country: "NO"},
				SupervisorID: boss.ID,
				DepartmentID: dept.ID,
				LocationID:   loc.ID,
				License:      directory.LicensePremium,
				// Times keep microseconds; the nanoseconds are dropped.
				ExpiresAt: time.Date(2031, 1, 2, 3, 4, 5, 6_007_000, time.UTC),
			},
			Status:             directory.StatusPending,
			MustChangePassword: true,
			CreatedBy:          boss.ID,
			CreatedAt:          at(-time.Hour),
			UpdatedAt:          at(-time.Minute),
		}
		if err := db.CreateUser(ctx, u, "$argon2id$hash"); err != nil {
			t.Fatal(err)
		}
		if u.Version != 1 || !u.HasPassword {
			t.Errorf("CreateUser left version %d, HasPassword %v; want 1, true", u.Version, u.HasPassword)
		}
		got, err := db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("User (-created +read):\n%s", diff)
		}
		if got.ExpiresAt.Location() != time.UTC {
			t.Errorf("times come back in %v; want UTC", got.ExpiresAt.Location())
		}
		if h, err := db.PasswordHash(ctx, o.ID, u.ID); err != nil || h != "$argon2id$hash" {
			t.Errorf("PasswordHash = %q, %v", h, err)
		}

		// Every optional field left empty comes back empty.
		bare := createUser(t, db, o.ID, func(u *directory.User) { u.Email = "" })
		got, err = db.User(ctx, o.ID, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(bare, got); diff != "" {
			t.Errorf("a user with empty optional fields (-created +read):\n%s", diff)
		}
		if got.HasPassword {
			t.Error("a user created without a password hash has one")
		}
		if h, err := db.PasswordHash(ctx, o.ID, bare.ID); err != nil || h != "" {
			t.Errorf("PasswordHash of a user without one = %q, %v", h, err)
		}

		_, err = db.User(ctx, o.ID, newID())
		wantKind(t, err, directory.KindNotFound)
		other := createOrg(t, db)
		_, err = db.User(ctx, other.ID, u.ID)
		wantKind(t, err, directory.KindNotFound)
		_, err = db.PasswordHash(ctx, other.ID, u.ID)
		wantKind(t, err, directory.KindNotFound)

		// Two users without an email or an external id do not clash.
		createUser(t, db, o.ID, func(u *directory.User) { u.Email = "" })
	})
}

func TestUserDuplicates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		first := createUser(t, db, o.ID, func(u *directory.User) {
			u.Username, u.Email, u.ExternalID = "Mary", "Mary@Example.com", "X-1"
		})

		for _, tc := range []struct {
			field string
			edit  func(u *directory.User)
		}{
			{"username", func(u *directory.User) { u.Username = "mARY" }},
			{"username", func(u *directory.User) { u.Username = "mary" }},
			{"email", func(u *directory.User) { u.Email = "mary@example.COM" }},
			{"external_id", func(u *directory.User) { u.ExternalID = "X-1" }},
		} {
			u := newUser(o.ID, tc.edit)
			wantDuplicate(t, db.CreateUser(ctx, u, ""), tc.field)
			if _, err := db.User(ctx, o.ID, u.ID); directory.KindOf(err) != directory.KindNotFound {
				t.Errorf("a duplicate %s was stored", tc.field)
			}
		}

		// External ids are compared exactly.
		createUser(t, db, o.ID, func(u *directory.User) { u.ExternalID = "x-1" })

		// Another organization may use the same values.
		other := createOrg(t, db)
		createUser(t, db, other.ID, func(u *directory.User) {
			u.Username, u.Email, u.ExternalID = "MARY", "mary@example.com", "X-1"
		})

		// The holder of each value is found by it.
		for _, tc := range []struct{ field, value string }{
			{"username", "MARY"}, {"email", "MARY@example.com"}, {"external_id", "X-1"},
		} {
			got, err := db.UserByField(ctx, o.ID, tc.field, tc.value)
			if err != nil {
				t.Errorf("UserByField(%s, %q): %v", tc.field, tc.value, err)
				continue
			}
			if got.ID != first.ID {
				t.Errorf("UserByField(%s, %q) = %s; want %s", tc.field, tc.value, got.Username, first.Username)
			}
		}
		_, err := db.UserByField(ctx, o.ID, "external_id", "x-2")
		wantKind(t, err, directory.KindNotFound)
		_, err = db.UserByField(ctx, o.ID, "first_name", "First")
		wantKind(t, err, directory.KindNotFound)

		// Updates meet the same rules.
		second := createUser(t, db, o.ID, nil)
		second.Username = "MARY"
		wantDuplicate(t, db.UpdateUserProfile(ctx, second, 1), "username")
		second.Username = "second-" + randHex(3)
		second.ExternalID = "X-1"
		wantDuplicate(t, db.UpdateUserProfile(ctx, second, 1), "external_id")
		second.Email = "MARY@EXAMPLE.COM"
		wantDuplicate(t, db.UpdateUserEmail(ctx, second, 1), "email")
		if got, _ := db.User(ctx, o.ID, second.ID); got.Version != 1 {
			t.Errorf("failed updates bumped the version to %d", got.Version)
		}
	})
}

func TestUserByLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		ann := createUser(t, db, o.ID, func(u *directory.User) { u.Username, u.Email = "Ann", "ann.lee@example.com" })
		noMail := createUser(t, db, o.ID, func(u *directory.User) { u.Username, u.Email = "nomail", "" })
		// A username that looks like another user's email: the username wins.
		tricky := createUser(t, db, o.ID, func(u *directory.User) { u.Username = "bob@example.com" })
		createUser(t, db, o.ID, func(u *directory.User) { u.Username, u.Email = "bobby", "BOB@example.com" })
		other := createOrg(t, db)
		createUser(t, db, other.ID, func(u *directory.User) { u.Username, u.Email = "carl", "carl@example.com" })

		for _, tc := range []struct {
			login string
			want  string
		}{
			{"Ann", ann.ID}, {"ann", ann.ID}, {"ANN", ann.ID}, {" ann ", ann.ID},
			{"ann.lee@example.com", ann.ID}, {"Ann.Lee@EXAMPLE.com", ann.ID},
			{"NOMAIL", noMail.ID},
			{"Bob@Example.com", tricky.ID},
		} {
			got, err := db.UserByLogin(ctx, o.ID, tc.login)
			if err != nil {
				t.Errorf("UserByLogin(%q): %v", tc.login, err)
				continue
			}
			if got.ID != tc.want {
				t.Errorf("UserByLogin(%q) = %s", tc.login, got.Username)
			}
		}
		for _, login := range []string{"", "  ", "an", "carl", "carl@example.com", "lee"} {
			_, err := db.UserByLogin(ctx, o.ID, login)
			if directory.KindOf(err) != directory.KindNotFound {
				t.Errorf("UserByLogin(%q) = %v; want not found", login, err)
			}
		}
	})
}

func TestUpdateUserProfile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		dept := createUnit(t, db, o.ID, nil, "Sales", "")
		boss := createUser(t, db, o.ID, nil)
		u := createUser(t, db, o.ID, func(u *directory.User) { u.Email = "keep@example.com" })

		edited := *u
		edited.Profile = directory.Profile{
			Username: "renamed", Email: "ignored@example.com", FirstName: "Newfirst", LastName: "Newlast",
			DisplayName: "Disp", Phone: "123", JobTitle: "Job", Position: "Pos", ExternalID: "E-9",
			Address:      directory.Address{Street: "S", Locality: "L", Region: "R", PostalCode: "P", Country: "C"},
			SupervisorID: boss.ID, DepartmentID: dept.ID, LocationID: dept.ID,
			License: directory.LicensePremium, ExpiresAt: at(24 * time.Hour),
		}
		edited.UpdatedAt = at(time.Minute)
		if err := db.UpdateUserProfile(ctx, &edited, 1); err != nil {
			t.Fatal(err)
		}
		if edited.Version != 2 {
			t.Errorf("version after update = %d; want 2", edited.Version)
		}
		got, err := db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := edited
		want.Email = "keep@example.com" // the email is its own action
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("after UpdateUserProfile (-want +got):\n%s", diff)
		}
		if byOld, err := db.UserByLogin(ctx, o.ID, u.Username); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("the old username still finds %v (%v)", byOld, err)
		}
		if byNew, err := db.UserByLogin(ctx, o.ID, "RENAMED"); err != nil || byNew.ID != u.ID {
			t.Errorf("the new username does not find the user: %v", err)
		}
		// The search follows the stored email, not the one the update ignored.
		for q, want := range map[string]int{"ignored": 0, "keep": 1, "newfirst newlast disp renamed e 9": 1} {
			if page := listAll(t, db, o.ID, store.UserFilter{Q: q}); len(page.Users) != want {
				t.Errorf("search %q after the update finds %v; want %d users", q, usernames(page.Users), want)
			}
		}

		// A stale version changes nothing.
		stale := *got
		stale.FirstName, stale.SupervisorID = "Stale", ""
		wantKind(t, db.UpdateUserProfile(ctx, &stale, 1), directory.KindPrecondition)
		again, err := db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Errorf("a stale update changed the user (-before +after):\n%s", diff)
		}

		// Clearing the links stores NULLs that read back as "".
		cleared := *again
		cleared.SupervisorID, cleared.DepartmentID, cleared.LocationID, cleared.ExpiresAt = "", "", "", time.Time{}
		if err := db.UpdateUserProfile(ctx, &cleared, again.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.User(ctx, o.ID, u.ID); got.SupervisorID != "" || got.DepartmentID != "" || !got.ExpiresAt.IsZero() {
			t.Errorf("links not cleared: %+v", got.Profile)
		}

		// Another organization's user cannot be updated through this one.
		other := createOrg(t, db)
		foreign := *again
		foreign.OrgID = other.ID
		wantKind(t, db.UpdateUserProfile(ctx, &foreign, cleared.Version), directory.KindPrecondition)
	})
}

func TestUpdateUserEmailAndState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, func(u *directory.User) { u.Email = "old@example.com" })

		u.Email, u.UpdatedAt = "New@Example.com", at(time.Second)
		if err := db.UpdateUserEmail(ctx, u, 1); err != nil {
			t.Fatal(err)
		}
		if u.Version != 2 {
			t.Errorf("version after the email change = %d", u.Version)
		}
		if got, err := db.UserByLogin(ctx, o.ID, "new@example.COM"); err != nil || got.ID != u.ID || got.Email != "New@Example.com" {
			t.Errorf("UserByLogin by the new email = %v, %v", got, err)
		}
		if _, err := db.UserByLogin(ctx, o.ID, "old@example.com"); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("the old email still signs in: %v", err)
		}
		// The old address is free again.
		createUser(t, db, o.ID, func(u *directory.User) { u.Email = "OLD@example.com" })
		wantKind(t, db.UpdateUserEmail(ctx, u, 1), directory.KindPrecondition)

		u.Status = directory.StatusInactive
		u.LockedAt, u.LockReason, u.FailedAttempts = at(2*time.Second), "too many attempts", 5
		u.MustChangePassword = true
		u.DeletedAt = at(3 * time.Second)
		u.UpdatedAt = at(4 * time.Second)
		if err := db.UpdateUserState(ctx, u, 2); err != nil {
			t.Fatal(err)
		}
		got, err := db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("after UpdateUserState (-want +got):\n%s", diff)
		}
		if !got.Locked() || !got.Deleted() {
			t.Errorf("Locked %v Deleted %v; want both", got.Locked(), got.Deleted())
		}
		stale := *got
		stale.Status = directory.StatusActive
		wantKind(t, db.UpdateUserState(ctx, &stale, 2), directory.KindPrecondition)
		if got, _ := db.User(ctx, o.ID, u.ID); got.Status != directory.StatusInactive {
			t.Errorf("a stale state change went through: %s", got.Status)
		}

		// Clear everything again.
		u.Status, u.LockedAt, u.LockReason, u.FailedAttempts = directory.StatusActive, time.Time{}, "", 0
		u.MustChangePassword, u.DeletedAt = false, time.Time{}
		if err := db.UpdateUserState(ctx, u, 3); err != nil {
			t.Fatal(err)
		}
		got, err = db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("after clearing the state (-want +got):\n%s", diff)
		}
	})
}

func TestSetPasswordAndSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, func(u *directory.User) { u.Status = directory.StatusPending })

		u.Status, u.MustChangePassword, u.UpdatedAt = directory.StatusActive, true, at(time.Second)
		if err := db.SetPassword(ctx, u, "hash-1"); err != nil {
			t.Fatal(err)
		}
		if u.Version != 2 || !u.HasPassword {
			t.Errorf("SetPassword left version %d, HasPassword %v", u.Version, u.HasPassword)
		}
		got, err := db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("after SetPassword (-want +got):\n%s", diff)
		}
		if h, _ := db.PasswordHash(ctx, o.ID, u.ID); h != "hash-1" {
			t.Errorf("PasswordHash = %q", h)
		}

		// A failure count, which recording a sign-in leaves alone (the
		// right credential's check clears it, see ClearAttempts) and a new
		// password clears.
		u.FailedAttempts = 3
		if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		first := at(time.Hour)
		if err := db.RecordSignIn(ctx, o.ID, u.ID, first.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		got, err = db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.FirstSignInAt.Equal(first) || !got.LastSignInAt.Equal(first) || got.FailedAttempts != 3 || !got.HasSignedIn() {
			t.Errorf("after the first sign-in: first %v last %v failures %d", got.FirstSignInAt, got.LastSignInAt, got.FailedAttempts)
		}
		second := at(2 * time.Hour)
		if err := db.RecordSignIn(ctx, o.ID, u.ID, second.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		got, err = db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.FirstSignInAt.Equal(first) || !got.LastSignInAt.Equal(second) {
			t.Errorf("after the second sign-in: first %v last %v; want %v and %v", got.FirstSignInAt, got.LastSignInAt, first, second)
		}
		got.UpdatedAt = at(3 * time.Hour)
		if err := db.SetPassword(ctx, got, "hash-2"); err != nil {
			t.Fatal(err)
		}
		if got, err = db.User(ctx, o.ID, u.ID); err != nil || got.FailedAttempts != 0 {
			t.Errorf("after a new password: failures %d, %v; want 0", got.FailedAttempts, err)
		}
	})
}

func TestPurgeUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		role := createRole(t, db, o.ID, "Viewer", 10)
		field := &directory.CustomField{ID: newID(), OrgID: o.ID, Key: "badge", Label: "Badge", Type: directory.FieldText,
			CreatedAt: baseTime, UpdatedAt: baseTime}
		if err := db.CreateField(ctx, field); err != nil {
			t.Fatal(err)
		}

		// gone is purged; keep has the same kinds of rows and must keep them.
		var gone, keep *directory.User
		var reports []*directory.User
		for i, p := range []**directory.User{&gone, &keep} {
			u := createUser(t, db, o.ID, nil)
			*p = u
			createGrant(t, db, u, role, time.Time{})
			tok := &directory.Token{ID: newID(), OrgID: o.ID, UserID: u.ID, Name: "ci", Prefix: "rst_", CreatedAt: baseTime}
			if err := db.CreateToken(ctx, tok, "hash-"+newID()); err != nil {
				t.Fatal(err)
			}
			to := &directory.TimeOff{ID: newID(), OrgID: o.ID, UserID: u.ID, Kind: directory.TimeOffSick,
				StartsOn: "2030-01-01", EndsOn: "2030-01-02", CreatedAt: baseTime}
			if err := db.CreateTimeOff(ctx, to); err != nil {
				t.Fatal(err)
			}
			if err := db.PutPhoto(ctx, o.ID, u.ID, &directory.Photo{ContentType: "image/png", Data: []byte{byte(i)}, Width: 1, Height: 1, UpdatedAt: baseTime}); err != nil {
				t.Fatal(err)
			}
			if err := db.SetFieldValue(ctx, o.ID, u.ID, field.ID, "B-1"); err != nil {
				t.Fatal(err)
			}
			reports = append(reports, createUser(t, db, o.ID, func(r *directory.User) { r.SupervisorID = u.ID }))
		}
		before, err := db.CountUsers(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}

		if err := db.PurgeUser(ctx, o.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.User(ctx, o.ID, gone.ID)
		wantKind(t, err, directory.KindNotFound)
		wantKind(t, db.PurgeUser(ctx, o.ID, gone.ID), directory.KindNotFound)

		check := func(u *directory.User, wantRows int) {
			t.Helper()
			grants, err := db.UserGrants(ctx, o.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			tokens, err := db.Tokens(ctx, o.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			offs, err := db.TimeOffs(ctx, o.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			values, err := db.FieldValues(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			photos := 0
			if _, err := db.Photo(ctx, o.ID, u.ID); err == nil {
				photos = 1
			} else {
				wantKind(t, err, directory.KindNotFound)
			}
			got := []int{len(grants), len(tokens), len(offs), len(values), photos}
			want := []int{wantRows, wantRows, wantRows, wantRows, wantRows}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("user %s: grants, tokens, time off, field values, photo (-want +got):\n%s", u.Username, diff)
			}
		}
		check(gone, 0)
		check(keep, 1)

		for i, r := range reports {
			got, err := db.User(ctx, o.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"", keep.ID}[i]
			if got.SupervisorID != want {
				t.Errorf("report %d has the supervisor %q; want %q", i, got.SupervisorID, want)
			}
		}
		after, err := db.CountUsers(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after != before-1 {
			t.Errorf("CountUsers went from %d to %d on a purge", before, after)
		}

		other := createOrg(t, db)
		wantKind(t, db.PurgeUser(ctx, other.ID, keep.ID), directory.KindNotFound)
		check(keep, 1)
	})
}

func TestPremiumSeatsUsed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		premium := func(u *directory.User) { u.License = directory.LicensePremium }
		createUser(t, db, o.ID, premium)
		binned := createUser(t, db, o.ID, premium)
		createUser(t, db, o.ID, nil)
		createUser(t, db, createOrg(t, db).ID, premium)
		binned.DeletedAt = at(time.Second)
		if err := db.UpdateUserState(ctx, binned, 1); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PremiumSeatsUsed(ctx, o.ID); err != nil || n != 1 {
			t.Errorf("PremiumSeatsUsed = %d, %v; want 1", n, err)
		}
	})
}
