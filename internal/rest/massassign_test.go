package rest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// userRow is everything the database holds about a user, for comparing
// before and after a write.
type userRow struct {
	User   *directory.User
	Fields map[string]string
	Grants []*directory.Grant
	Hash   string
	Tokens []*directory.Token
}

func (w *world) userRow(id string) *userRow {
	w.t.Helper()
	ctx := context.Background()
	db := w.e.DB
	var r userRow
	var err error
	if r.User, err = db.User(ctx, w.org.ID, id); err != nil {
		w.t.Fatalf("User: %v", err)
	}
	if r.Fields, err = db.FieldValues(ctx, id); err != nil {
		w.t.Fatal(err)
	}
	if r.Grants, err = db.UserGrants(ctx, w.org.ID, id); err != nil {
		w.t.Fatal(err)
	}
	if r.Hash, err = db.PasswordHash(ctx, w.org.ID, id); err != nil {
		w.t.Fatal(err)
	}
	if r.Tokens, err = db.Tokens(ctx, w.org.ID, id); err != nil {
		w.t.Fatal(err)
	}
	return &r
}

// forbiddenUserFields are fields of a user, or of the rows about them, that
// no profile write may set: they change only through their own audited
// actions, or never.
var forbiddenUserFields = map[string]any{
	"level": 100, "org_id": "another-org", "organization": "another-org", "organization_id": "another-org",
	"status": "active", "deleted": true, "deleted_at": "2030-01-01T00:00:00Z", "locked": false, "locked_at": nil,
	"lock_reason": "", "failed_attempts": 0, "grants": []map[string]string{{"role_id": "x"}}, "role_id": "x",
	"roles": []string{"owner"}, "version": 99, "id": "chosen-id", "created_by": "someone", "created_at": "2020-01-01T00:00:00Z",
	"password": "a password long enough to pass", "password_hash": "$argon2id$", "has_password": true,
	"must_change_password": false, "last_sign_in_at": "2030-01-01T00:00:00Z", "expired": false, "name": "Shown Name",
}

// TestMassAssignment sends writes that carry fields the caller may not set;
// each is refused with the field named, and the database keeps every
// column as it was. An allowed write changes only its own columns.
func TestMassAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		w := newWorld(t, e)
		district := w.actors["district"]
		unitA := w.units["A"].ID

		t.Run("adding a user", func(t *testing.T) {
			w := w.with(t)
			for name, v := range forbiddenUserFields {
				tag := newTag()
				body := map[string]any{"first_name": "Mass", "last_name": tag, "email": tag + "@example.org", name: v}
				p := w.refuse("POST /users with "+name, district, http.StatusUnprocessableEntity, "POST", "users", body)
				wantLocation(t, p, "body."+name)
				if l := must[userList](t, w.do("GET", "users?q="+tag, nil), http.StatusOK); l.Total != 0 {
					t.Errorf("POST /users with %s added a user", name)
				}
			}
		})

		t.Run("editing a user", func(t *testing.T) {
			w := w.with(t)
			tg := w.newTarget("bsA", stateNormal)
			path := "users/" + tg.user.ID
			for name, v := range forbiddenUserFields {
				before := w.userRow(tg.user.ID)
				// Beside an allowed field, so that nothing is half applied.
				p := w.refuse("PATCH /users/{id} with "+name, district, http.StatusUnprocessableEntity, "PATCH", path,
					map[string]any{"job_title": "Changed", name: v}, path, path+"/grants")
				wantLocation(t, p, "body."+name)
				if d := cmp.Diff(before, w.userRow(tg.user.ID)); d != "" {
					t.Errorf("PATCH with %s changed the database (-before +after):\n%s", name, d)
				}
			}
			before := w.userRow(tg.user.ID)
			p := w.refuse("PATCH /users/{id} with email", district, http.StatusUnprocessableEntity, "PATCH", path,
				map[string]any{"email": "new@example.org"}, path)
			wantLocation(t, p, "body.email")

			// The allowed write changes the job title and the phone, and the
			// version and time of the change; nothing else.
			must[user](t, w.send(district, "PATCH", path, map[string]any{"job_title": "Changed", "phone": "+1 555 0100"}), http.StatusOK)
			after := w.userRow(tg.user.ID)
			want := *before.User
			want.JobTitle, want.Phone, want.UpdatedAt, want.Version = "Changed", "+1 555 0100", after.User.UpdatedAt, before.User.Version+1
			before.User = &want
			if d := cmp.Diff(before, after); d != "" {
				t.Errorf("the allowed PATCH changed more than its columns (-want +got):\n%s", d)
			}
		})

		t.Run("grants, roles, units, tokens and the active grant", func(t *testing.T) {
			w := w.with(t)
			tg := w.newTarget("bsA", stateNormal)
			victim := w.newTarget("bsB", stateNormal)
			grants := "users/" + tg.user.ID + "/grants"
			staff := w.role("staff")
			for _, c := range []struct {
				method, path string
				body         map[string]any
				field        string
			}{
				{"POST", grants, map[string]any{"role_id": staff.ID, "unit_id": unitA, "user_id": victim.user.ID}, "user_id"},
				{"POST", grants, map[string]any{"role_id": staff.ID, "unit_id": unitA, "level": 100}, "level"},
				{"POST", grants, map[string]any{"role_id": staff.ID, "unit_id": unitA, "org_id": w.other.ID}, "org_id"},
				{"POST", grants, map[string]any{"role_id": staff.ID, "unit_id": unitA, "created_by": w.owner.ID}, "created_by"},
				{"POST", grants, map[string]any{"role_id": staff.ID, "unit_id": unitA, "id": "chosen"}, "id"},
				{"POST", grants, map[string]any{"role_id": staff.ID, "unit_id": unitA, "current": true}, "current"},
				{"PUT", grants + "/" + tg.grant.ID, map[string]any{"role_id": staff.ID, "unit_id": unitA, "user_id": victim.user.ID}, "user_id"},
				{"PUT", grants + "/" + tg.grant.ID, map[string]any{"role_id": staff.ID, "unit_id": unitA, "level": 100}, "level"},
			} {
				p := w.refuse(c.method+" "+c.path+" with "+c.field, district, http.StatusUnprocessableEntity, c.method, c.path, c.body,
					"users/"+tg.user.ID+"/grants", "users/"+victim.user.ID+"/grants")
				wantLocation(t, p, "body."+c.field)
			}

			admin := w.actors["admin"]
			low := w.newRole("low")
			roleBody := func(extra string, v any) map[string]any {
				return map[string]any{"name": "Mass " + newTag(), "level": 5, "permissions": []string{}, extra: v}
			}
			for _, f := range []string{"key", "id", "org_id", "version", "created_at", "is_builtin"} {
				var v any = "owner"
				if f == "version" {
					v = 7
				}
				p := w.refuse("POST /roles with "+f, admin, http.StatusUnprocessableEntity, "POST", "roles", roleBody(f, v), "roles")
				wantLocation(t, p, "body."+f)
				p = w.refuse("PUT /roles/{id} with "+f, admin, http.StatusUnprocessableEntity, "PUT", "roles/"+low.ID, roleBody(f, v), "roles/"+low.ID)
				wantLocation(t, p, "body."+f)
			}

			dept := w.newUnit("inA", false)
			for _, f := range []string{"org_id", "path", "archived", "archived_at", "id", "version"} {
				var v any = "x"
				if f == "archived" {
					v = true
				}
				p := w.refuse("POST /units with "+f, admin, http.StatusUnprocessableEntity, "POST", "units",
					map[string]any{"name": "Mass", "kind": "department", "parent_id": unitA, f: v}, "units")
				wantLocation(t, p, "body."+f)
				p = w.refuse("PATCH /units/{id} with "+f, admin, http.StatusUnprocessableEntity, "PATCH", "units/"+dept.ID,
					map[string]any{"name": "Renamed", f: v}, "units/"+dept.ID)
				wantLocation(t, p, "body."+f)
			}

			for _, f := range []string{"org_id", "grant_id", "created_by", "secret", "prefix", "revoked", "level"} {
				p := w.refuse("POST /tokens with "+f, district, http.StatusUnprocessableEntity, "POST", "tokens",
					map[string]any{"name": "mass", f: "x"}, "users/"+district.user.ID)
				wantLocation(t, p, "body."+f)
			}
			for _, f := range []string{"user_id", "token_id", "role_id"} {
				p := w.refuse("PUT /me/active-grant with "+f, district, http.StatusUnprocessableEntity, "PUT", "me/active-grant",
					map[string]any{"grant_id": district.grant.ID, f: tg.grant.ID}, "users/"+district.user.ID+"/grants")
				wantLocation(t, p, "body."+f)
			}
		})
	})
}
