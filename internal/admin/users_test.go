package admin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// byField sorts field errors, whose order across custom fields is not fixed.
var byField = cmpopts.SortSlices(func(a, b directory.FieldError) bool {
	return a.Field < b.Field || a.Field == b.Field && a.Message < b.Message
})

// sameUser compares users as a read returns them.
var sameUser = cmpopts.EquateEmpty()

// createField defines a custom field as the operator.
func (f *fixture) createField(in admin.FieldInput) *directory.CustomField {
	f.t.Helper()
	fd, err := f.svc.CreateField(f.ctx, f.op, in)
	if err != nil {
		f.t.Fatalf("CreateField(%s): %v", in.Key, err)
	}
	return fd
}

// standardFields defines the custom fields most user tests use: one of
// each type, and a required text field "code".
func (f *fixture) standardFields() {
	f.t.Helper()
	f.createField(admin.FieldInput{Key: "badge", Label: "Badge number", Type: directory.FieldNumber, Position: 1})
	f.createField(admin.FieldInput{Key: "remote", Label: "Works remotely", Type: directory.FieldBool, Position: 2})
	f.createField(admin.FieldInput{Key: "start", Label: "Start date", Type: directory.FieldDate, Position: 3})
	f.createField(admin.FieldInput{Key: "team", Label: "Team", Type: directory.FieldChoice, Choices: []string{"red", "green"}, Position: 4})
	f.createField(admin.FieldInput{Key: "code", Label: "Service code", Type: directory.FieldText, Required: true, Position: 5})
	f.createField(admin.FieldInput{Key: "note", Label: "Note", Type: directory.FieldText, Position: 6})
}

// createUnit adds a unit as the operator.
func (f *fixture) createUnit(name, kind string, parent *directory.Unit) *directory.Unit {
	f.t.Helper()
	in := admin.UnitInput{Name: name, Kind: kind}
	if parent != nil {
		in.ParentID = parent.ID
	}
	u, err := f.svc.CreateUnit(f.ctx, f.op, in)
	if err != nil {
		f.t.Fatalf("CreateUnit(%s): %v", name, err)
	}
	return u
}

func (f *fixture) archiveUnit(u *directory.Unit) *directory.Unit {
	f.t.Helper()
	u, err := f.svc.UpdateUnit(f.ctx, f.op, u.ID, 0, admin.UnitPatch{Archived: ptr(true)})
	if err != nil {
		f.t.Fatalf("archive %s: %v", u.Name, err)
	}
	return u
}

func TestCreateUserValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		binned := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		f.standardFields()
		archived := f.archiveUnit(f.createUnit("Closed department", "department", nil))
		otherOrg, otherOp := f.newOrg()
		otherUnit, err := f.svc.CreateUnit(f.ctx, otherOp, admin.UnitInput{Name: "Elsewhere", Kind: "site"})
		if err != nil {
			t.Fatal(err)
		}
		otherUser, err := f.svc.CreateUser(f.ctx, otherOp, input())
		if err != nil || otherUser.OrgID != otherOrg.ID {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name string
			edit func(p *directory.Profile)
			want []directory.FieldError
		}{
			{"names missing", func(p *directory.Profile) { p.FirstName, p.LastName = " ", "" },
				fieldErrs("first_name", "is required", "last_name", "is required")},
			{"username with a space", func(p *directory.Profile) { p.Username = "jane roe" },
				fieldErrs("username", "must not contain spaces or control characters")},
			{"username too long", func(p *directory.Profile) { p.Username = strings.Repeat("u", 101) },
				fieldErrs("username", "must be at most 100 characters")},
			{"bad email", func(p *directory.Profile) { p.Email = "not-an-email" },
				fieldErrs("email", "is not a valid email address")},
			{"email with a name", func(p *directory.Profile) { p.Email = "Jane <jane@example.org>" },
				fieldErrs("email", "is not a valid email address")},
			{"first name too long", func(p *directory.Profile) { p.FirstName = strings.Repeat("é", 101) },
				fieldErrs("first_name", "must be at most 100 characters")},
			{"control character", func(p *directory.Profile) { p.DisplayName = "Jane\x07Roe" },
				fieldErrs("display_name", "must not contain control characters")},
			{"bad phone", func(p *directory.Profile) { p.Phone = "call me" },
				fieldErrs("phone", "must contain only digits, spaces and + ( ) - . characters")},
			{"long postal code", func(p *directory.Profile) { p.Address.PostalCode = strings.Repeat("9", 21) },
				fieldErrs("address.postal_code", "must be at most 20 characters")},
			{"bad license", func(p *directory.Profile) { p.License = "gold" },
				fieldErrs("license", "must be standard or premium")},
			{"unknown supervisor", func(p *directory.Profile) { p.SupervisorID = "no-such-user" },
				fieldErrs("supervisor_id", "no such user")},
			{"supervisor of another organization", func(p *directory.Profile) { p.SupervisorID = otherUser.ID },
				fieldErrs("supervisor_id", "no such user")},
			{"supervisor in the recycle bin", func(p *directory.Profile) { p.SupervisorID = binned.ID },
				fieldErrs("supervisor_id", "that user is in the recycle bin")},
			{"unknown department", func(p *directory.Profile) { p.DepartmentID = "no-such-unit" },
				fieldErrs("department_id", "no such unit")},
			{"department of another organization", func(p *directory.Profile) { p.DepartmentID = otherUnit.ID },
				fieldErrs("department_id", "no such unit")},
			{"archived department", func(p *directory.Profile) { p.DepartmentID = archived.ID },
				fieldErrs("department_id", "that unit is archived")},
			{"archived location", func(p *directory.Profile) { p.LocationID = archived.ID },
				fieldErrs("location_id", "that unit is archived")},
			{"unknown custom field", func(p *directory.Profile) { p.CustomFields["nope"] = "1" },
				fieldErrs("custom_fields.nope", "is not a custom field of this organization")},
			{"bad number", func(p *directory.Profile) { p.CustomFields["badge"] = "seven" },
				fieldErrs("custom_fields.badge", "must be a number")},
			{"bad yes/no", func(p *directory.Profile) { p.CustomFields["remote"] = "maybe" },
				fieldErrs("custom_fields.remote", "must be true or false")},
			{"bad date", func(p *directory.Profile) { p.CustomFields["start"] = "2026-02-30" },
				fieldErrs("custom_fields.start", "must be a date like 2026-09-01")},
			{"bad choice", func(p *directory.Profile) { p.CustomFields["team"] = "Red" },
				fieldErrs("custom_fields.team", "must be one of: red, green")},
			{"required field missing", func(p *directory.Profile) { delete(p.CustomFields, "code") },
				fieldErrs("custom_fields.code", "is required")},
			{"required field blank", func(p *directory.Profile) { p.CustomFields["code"] = "  " },
				fieldErrs("custom_fields.code", "is required")},
			{"several at once", func(p *directory.Profile) {
				p.LastName, p.Email, p.CustomFields["badge"], p.CustomFields["nope"] = "", "x@", "x", "y"
			}, fieldErrs("custom_fields.badge", "must be a number", "custom_fields.nope", "is not a custom field of this organization", "email", "is not a valid email address", "last_name", "is required")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := input()
				in.CustomFields = map[string]string{"code": "C-1"}
				tc.edit(&in.Profile)
				before := f.eventIDs()
				_, err := f.svc.CreateUser(f.ctx, f.op, in)
				wantKind(t, err, directory.KindInvalid)
				if diff := cmp.Diff(tc.want, fieldErrors(err), byField); diff != "" {
					t.Errorf("field errors (-want +got):\n%s", diff)
				}
				f.noEvent(before)
			})
		}
	})
}

func TestCreateUserDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		holder := f.createUser(func(in *admin.UserInput) { in.ExternalID = "EMP-1" })
		for _, tc := range []struct {
			field string
			edit  func(in *admin.UserInput)
		}{
			{"username", func(in *admin.UserInput) { in.Username = strings.ToUpper(holder.Username) }},
			{"email", func(in *admin.UserInput) { in.Email = strings.ToUpper(holder.Email) }},
			{"external_id", func(in *admin.UserInput) { in.ExternalID = "EMP-1" }},
		} {
			in := input()
			tc.edit(in)
			_, err := f.svc.CreateUser(f.ctx, f.op, in)
			wantKind(t, err, directory.KindConflict)
			var de *directory.Error
			errors.As(err, &de)
			if de.Existing == nil || de.Existing.ID != holder.ID {
				t.Errorf("%s: Existing = %+v, want %s", tc.field, de.Existing, holder.ID)
			}
			if diff := cmp.Diff([]directory.FieldError{{Field: tc.field, Message: "is already used by another user"}}, de.Fields); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", tc.field, diff)
			}
			if !strings.Contains(de.Message, holder.Name()) {
				t.Errorf("%s: message %q does not name %s", tc.field, de.Message, holder.Name())
			}
		}

		// A holder in the recycle bin still holds the value, and is named so.
		f.arrange(holder, func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		in := input()
		in.Email = holder.Email
		_, err := f.svc.CreateUser(f.ctx, f.op, in)
		wantKind(t, err, directory.KindConflict)
		var de *directory.Error
		errors.As(err, &de)
		if de.Existing == nil || !de.Existing.Deleted || !strings.Contains(de.Message, "recycle bin") {
			t.Errorf("conflict with a user in the bin: %q, Existing %+v", de.Message, de.Existing)
		}
	})
}

func TestCreateUserReturnsWhatIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.standardFields()
		in := input()
		in.FirstName, in.LastName, in.Phone = "  Jane ", "Roe  ", "+1 (555) 010-0000"
		in.CustomFields = map[string]string{"code": " X-1 ", "note": "  ", "badge": "007"}
		u, err := f.svc.CreateUser(f.ctx, f.op, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.FirstName != "Jane" || u.LastName != "Roe" || u.License != directory.LicenseStandard || u.Status != directory.StatusPending {
			t.Errorf("created: %q %q license %q status %q", u.FirstName, u.LastName, u.License, u.Status)
		}
		if diff := cmp.Diff(f.reload(u.ID), u, sameUser); diff != "" {
			t.Errorf("CreateUser returned another user than it stored (-stored +returned):\n%s", diff)
		}
		got, err := f.svc.User(f.ctx, f.op, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"code": "X-1", "badge": "7"}, got.CustomFields); diff != "" {
			t.Errorf("custom fields (-want +got):\n%s", diff)
		}
	})
}

func TestQuickAddAndUsernames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)

		_, err := f.svc.QuickAdd(f.ctx, f.op, "Jane", "Roe", "  ")
		wantKind(t, err, directory.KindInvalid)
		if diff := cmp.Diff(fieldErrs("email", "is required"), fieldErrors(err)); diff != "" {
			t.Errorf("QuickAdd without email (-want +got):\n%s", diff)
		}
		_, err = f.svc.QuickAdd(f.ctx, f.op, "", "Roe", "jane@example.org")
		wantKind(t, err, directory.KindInvalid)

		f.createUser(func(in *admin.UserInput) { in.Username, in.Email = "taken.name4", "" })
		f.arrange(f.createUser(func(in *admin.UserInput) { in.Username = "binned" }),
			func(u *directory.User) { u.DeletedAt = f.clock.Now() })

		quick := func(first, last, email string) string {
			t.Helper()
			u, err := f.svc.QuickAdd(f.ctx, f.op, first, last, email)
			if err != nil {
				t.Fatalf("QuickAdd(%s): %v", email, err)
			}
			if u.Status != directory.StatusPending {
				t.Errorf("QuickAdd: status %s, want pending", u.Status)
			}
			return u.Username
		}
		create := func(first, last, email string) string {
			t.Helper()
			return f.createUser(func(in *admin.UserInput) {
				in.Username, in.FirstName, in.LastName, in.Email = "", first, last, email
			}).Username
		}
		for i, tc := range []struct {
			add                func(first, last, email string) string
			first, last, email string
			want               string
		}{
			{quick, "Jane", "Roe", "Jane.Roe@example.org", "jane.roe"},
			{quick, "Jane", "Roe", "jane.roe@other.example", "jane.roe2"},
			{create, "Jane", "Roe", "JANE.ROE@third.example", "jane.roe3"},
			{quick, "Mixed", "Case", "  Mixed.Case+Tag@Example.org ", "mixed.casetag"},
			{create, "Ann", "O'Neil", "", "ann.oneil"},
			{create, "Ann", "O'Neil", "", "ann.oneil2"},
			{create, "Zoë", "Ünal", "", "zo.nal"},
			{quick, "Plus", "Only", "+++@example.org", "user"},
			{quick, "Plus", "Again", "++@example.org", "user2"},
			{quick, "Taken", "Name", "taken.name@example.org", "taken.name"},
			{quick, "Taken", "Name", "taken.name@b.example", "taken.name2"},
			{quick, "Taken", "Name", "taken.name@c.example", "taken.name3"},
			{quick, "Taken", "Name", "taken.name@d.example", "taken.name5"}, // 4 was given by hand
			{quick, "Bin", "Holder", "binned@example.org", "binned2"},       // the bin keeps its username
		} {
			if got := tc.add(tc.first, tc.last, tc.email); got != tc.want {
				t.Errorf("%d: username from %q %q %q = %q, want %q", i, tc.first, tc.last, tc.email, got, tc.want)
			}
		}
	})
}

func TestCustomFieldValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.standardFields()
		in := input()
		in.CustomFields = map[string]string{"badge": "007", "remote": "TRUE", "start": "2026-09-01", "team": "green", "code": "X-1"}
		u, err := f.svc.CreateUser(f.ctx, f.op, in)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"badge": "7", "remote": "true", "start": "2026-09-01", "team": "green", "code": "X-1"}
		if diff := cmp.Diff(want, u.CustomFields); diff != "" {
			t.Errorf("returned values (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, f.reload(u.ID).CustomFields); diff != "" {
			t.Errorf("stored values (-want +got):\n%s", diff)
		}

		// Canonical forms through an update.
		for _, tc := range []struct{ key, give, want string }{
			{"badge", "1.50", "1.5"},
			{"badge", "-0012.0", "-12"},
			{"badge", "1e3", "1000"},
			{"remote", "0", "false"},
			{"remote", "T", "true"},
			{"remote", "False", "false"},
			{"start", " 2027-01-31 ", "2027-01-31"},
			{"note", "  free text  ", "free text"},
		} {
			got, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, &admin.UserPatch{CustomFields: map[string]string{tc.key: tc.give}})
			if err != nil {
				t.Fatalf("%s = %q: %v", tc.key, tc.give, err)
			}
			if got.CustomFields[tc.key] != tc.want {
				t.Errorf("%s = %q: returned %q, want %q", tc.key, tc.give, got.CustomFields[tc.key], tc.want)
			}
			if stored := f.reload(u.ID).CustomFields[tc.key]; stored != tc.want {
				t.Errorf("%s = %q: stored %q, want %q", tc.key, tc.give, stored, tc.want)
			}
		}

		// Clearing an optional value removes it; a required one stays.
		got, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, &admin.UserPatch{CustomFields: map[string]string{"note": "", "team": ""}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got.CustomFields["note"]; ok {
			t.Errorf("cleared note still returned: %v", got.CustomFields)
		}
		stored := f.reload(u.ID)
		if diff := cmp.Diff(stored, got, sameUser); diff != "" {
			t.Errorf("UpdateUser returned another user than it stored (-stored +returned):\n%s", diff)
		}
		if _, ok := stored.CustomFields["team"]; ok {
			t.Errorf("cleared team still stored: %v", stored.CustomFields)
		}

		for _, tc := range []struct {
			name  string
			patch *admin.UserPatch
			want  []directory.FieldError
		}{
			{"clear required", &admin.UserPatch{CustomFields: map[string]string{"code": " "}},
				fieldErrs("custom_fields.code", "is required")},
			{"unknown key", &admin.UserPatch{CustomFields: map[string]string{"nope": "1"}},
				fieldErrs("custom_fields.nope", "is not a custom field of this organization")},
			{"bad value with a good one", &admin.UserPatch{FirstName: ptr("Changed"), CustomFields: map[string]string{"badge": "12", "start": "01/02/2027"}},
				fieldErrs("custom_fields.start", "must be a date like 2026-09-01")},
		} {
			before := f.eventIDs()
			_, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, tc.patch)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err), byField); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
			if diff := cmp.Diff(stored, f.reload(u.ID)); diff != "" {
				t.Errorf("%s changed the user (-before +after):\n%s", tc.name, diff)
			}
			f.noEvent(before)
		}

		// A field made required later does not block other edits of users
		// without a value, but can only be set, not left blank, on create.
		f.createField(admin.FieldInput{Key: "later", Label: "Added later", Type: directory.FieldText, Required: true, Position: 9})
		if _, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, &admin.UserPatch{JobTitle: ptr("Nurse")}); err != nil {
			t.Errorf("edit after a required field was added: %v", err)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)
		other := f.createUser(nil)

		before := f.eventIDs()
		got, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, u.Version, &admin.UserPatch{
			FirstName: ptr(" Janet "), Phone: ptr("555-0100"), Address: &directory.Address{Locality: "Springfield"},
			ExpiresAt: ptr("2032-06-30T23:59:59Z"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Janet" || got.Phone != "555-0100" || got.Address.Locality != "Springfield" ||
			got.ExpiresAt.Format("2006-01-02") != "2032-06-30" || got.Version != u.Version+1 || got.Email != u.Email {
			t.Errorf("updated: %+v", got)
		}
		if diff := cmp.Diff(f.reload(u.ID), got, sameUser); diff != "" {
			t.Errorf("UpdateUser returned another user than it stored (-stored +returned):\n%s", diff)
		}
		ev := f.oneEvent(before, "user.update")
		if diff := cmp.Diff([]string{"address.locality", "expires_at", "first_name", "phone"}, changedFields(ev)); diff != "" {
			t.Errorf("changed fields (-want +got):\n%s", diff)
		}

		for _, tc := range []struct {
			name  string
			patch *admin.UserPatch
			want  []directory.FieldError
		}{
			{"blank last name", &admin.UserPatch{LastName: ptr(" ")}, fieldErrs("last_name", "is required")},
			{"blank username", &admin.UserPatch{Username: ptr("")}, fieldErrs("username", "is required")},
			{"bad expiry", &admin.UserPatch{ExpiresAt: ptr("next year")}, fieldErrs("expires_at", "must be a date-time like 2027-06-30T23:59:59Z")},
			{"blank license", &admin.UserPatch{License: ptr(directory.License(""))}, fieldErrs("license", "must be standard or premium")},
			{"own supervisor", &admin.UserPatch{SupervisorID: &u.ID}, fieldErrs("supervisor_id", "a user cannot be their own supervisor")},
		} {
			stored := f.reload(u.ID)
			before := f.eventIDs()
			_, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, tc.patch)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err), byField); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
			if diff := cmp.Diff(stored, f.reload(u.ID)); diff != "" {
				t.Errorf("%s changed the user (-before +after):\n%s", tc.name, diff)
			}
			f.noEvent(before)
		}

		// A stale version changes nothing.
		stored := f.reload(u.ID)
		before = f.eventIDs()
		_, err = f.svc.UpdateUser(f.ctx, f.op, u.ID, u.Version, &admin.UserPatch{JobTitle: ptr("Stale")})
		wantKind(t, err, directory.KindPrecondition)
		if diff := cmp.Diff(stored, f.reload(u.ID)); diff != "" {
			t.Errorf("a stale update changed the user (-before +after):\n%s", diff)
		}
		f.noEvent(before)

		// Taking another user's username is a conflict naming them.
		_, err = f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, &admin.UserPatch{Username: ptr(strings.ToUpper(other.Username))})
		wantKind(t, err, directory.KindConflict)
		var de *directory.Error
		if errors.As(err, &de); de.Existing == nil || de.Existing.ID != other.ID {
			t.Errorf("username conflict Existing = %+v, want %s", de.Existing, other.ID)
		}

		// Users of another organization and users in the bin cannot be edited.
		_, otherOp := f.newOrg()
		_, err = f.svc.UpdateUser(f.ctx, otherOp, u.ID, 0, &admin.UserPatch{JobTitle: ptr("x")})
		wantKind(t, err, directory.KindNotFound)
		f.arrange(other, func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		_, err = f.svc.UpdateUser(f.ctx, f.op, other.ID, 0, &admin.UserPatch{JobTitle: ptr("x")})
		wantKind(t, err, directory.KindConflict)
	})
}

func TestChangeEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)
		other := f.createUser(nil)

		for _, tc := range []struct {
			email string
			want  []directory.FieldError
		}{
			{" ", fieldErrs("email", "is required")},
			{"no-at-sign", fieldErrs("email", "is not a valid email address")},
			{"a@b", fieldErrs("email", "is not a valid email address")},
		} {
			_, err := f.svc.ChangeEmail(f.ctx, f.op, u.ID, 0, tc.email)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("ChangeEmail(%q) (-want +got):\n%s", tc.email, diff)
			}
		}

		before := f.eventIDs()
		_, err := f.svc.ChangeEmail(f.ctx, f.op, u.ID, 0, strings.ToUpper(other.Email))
		wantKind(t, err, directory.KindConflict)
		var de *directory.Error
		if errors.As(err, &de); de.Existing == nil || de.Existing.ID != other.ID {
			t.Errorf("email conflict Existing = %+v, want %s", de.Existing, other.ID)
		}
		_, err = f.svc.ChangeEmail(f.ctx, f.op, u.ID, u.Version+1, "new-"+u.Email)
		wantKind(t, err, directory.KindPrecondition)
		f.noEvent(before)
		if diff := cmp.Diff(u, f.reload(u.ID), sameUser); diff != "" {
			t.Errorf("refused changes changed the user (-before +after):\n%s", diff)
		}

		// The same address again is no change and no event.
		same, err := f.svc.ChangeEmail(f.ctx, f.op, u.ID, u.Version, u.Email)
		if err != nil || same.Version != u.Version {
			t.Errorf("ChangeEmail to the same address: version %d, %v", same.Version, err)
		}
		f.noEvent(before)

		newEmail := "changed-" + randHex(3) + "@example.org"
		got, err := f.svc.ChangeEmail(f.ctx, f.op, u.ID, u.Version, " "+newEmail+" ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != newEmail || got.Version != u.Version+1 {
			t.Errorf("after: email %q version %d", got.Email, got.Version)
		}
		if diff := cmp.Diff(f.reload(u.ID), got, sameUser); diff != "" {
			t.Errorf("ChangeEmail returned another user than it stored (-stored +returned):\n%s", diff)
		}
		ev := f.oneEvent(before, "user.email_change")
		if diff := cmp.Diff([]directory.Change{{Field: "email", Before: u.Email, After: newEmail}}, ev.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		if found, err := f.svc.UserByLogin(f.ctx, f.org.ID, strings.ToUpper(newEmail)); err != nil || found.ID != u.ID {
			t.Errorf("UserByLogin(new email) = %v, %v", found, err)
		}

		f.arrange(other, func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		_, err = f.svc.ChangeEmail(f.ctx, f.op, other.ID, 0, "x-"+other.Email)
		wantKind(t, err, directory.KindConflict)
	})
}

// TestUpdateUserNoChange checks that a patch that changes nothing keeps the
// version (and so the ETag) and records no event.
func TestUpdateUserNoChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)
		before := f.eventIDs()
		got, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, u.Version, &admin.UserPatch{FirstName: ptr(u.FirstName), JobTitle: ptr(u.JobTitle)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != u.Version || f.reload(u.ID).Version != u.Version {
			t.Errorf("version went from %d to %d; a patch without changes keeps it", u.Version, got.Version)
		}
		f.noEvent(before)
	})
}
