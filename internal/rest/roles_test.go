package rest_test

import (
	"net/http"
	"slices"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestBuiltinRoles checks the roles every new organization starts with and
// the permission catalog.
func TestBuiltinRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		roles := must[roleList](t, f.do("GET", "roles", nil), http.StatusOK).Items
		type brief struct {
			key     string
			level   int
			dflt    bool
			require []string
		}
		var got []brief
		for _, r := range roles {
			b := brief{key: r.Key, level: r.Level, dflt: r.IsDefault}
			for _, rf := range r.RequiredFields {
				b.require = append(b.require, rf.Key)
			}
			got = append(got, b)
		}
		want := []brief{{"owner", 100, false, nil}, {"administrator", 80, false, nil}, {"manager", 60, false, nil},
			{"supervisor", 40, false, nil}, {"staff", 20, false, nil}, {"service_contact", 15, false, []string{"service_description"}},
			{"basic", 10, true, nil}}
		if !slices.EqualFunc(got, want, func(a, b brief) bool {
			return a.key == b.key && a.level == b.level && a.dflt == b.dflt && slices.Equal(a.require, b.require)
		}) {
			t.Errorf("built-in roles, highest first:\n got %v\nwant %v", got, want)
		}
		if owner := roles[0]; len(owner.Permissions) != len(directory.Catalog) {
			t.Errorf("the owner holds %d permissions, want all %d", len(owner.Permissions), len(directory.Catalog))
		}
		// Each role below holds no permission that a role above it lacks,
		// so that the levels mean what they say.
		for i := 1; i < len(roles); i++ {
			for _, p := range roles[i].Permissions {
				if !slices.Contains(roles[i-1].Permissions, p) {
					t.Errorf("%s holds %s, which %s above it lacks", roles[i].Key, p, roles[i-1].Key)
				}
			}
		}
		cat := must[struct {
			Items []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			} `json:"items"`
		}](t, f.do("GET", "permissions", nil), http.StatusOK)
		if len(cat.Items) != len(directory.Catalog) {
			t.Fatalf("catalog lists %d permissions, want %d", len(cat.Items), len(directory.Catalog))
		}
		for _, want := range []string{"users.view", "users.create", "access.grant", "roles.manage", "units.manage",
			"resources.all_in_scope", "audit.view", "settings.manage", "team.view"} {
			if !slices.ContainsFunc(cat.Items, func(i struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			}) bool {
				return i.Name == want && i.Description != ""
			}) {
				t.Errorf("the catalog lacks %s or its description", want)
			}
		}
	})
}

// TestRoles covers adding, reading, changing and removing roles, their
// validation, the default role and the owner role.
func TestRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)

		// Create.
		r := f.do("POST", "roles", map[string]any{"name": "  Therapist  ", "description": "Sees their clients", "level": 30,
			"permissions": []string{"users.view", "team.view"}, "mfa_required": true,
			"required_fields": []map[string]string{{"key": "license_number", "label": "License number"}}})
		role := must[roleJSON](t, r, http.StatusCreated)
		if r.Header.Get("Location") != "/api/v1/roles/"+role.ID || r.Header.Get("ETag") != etag(role.Version) {
			t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if role.Name != "Therapist" || role.Key != "" || role.Level != 30 || !role.MFARequired || role.IsDefault ||
			!slices.Equal(role.Permissions, []string{"team.view", "users.view"}) || len(role.RequiredFields) != 1 {
			t.Errorf("created role: %+v", role)
		}
		ev := f.wantEvent("role.create", role.ID)
		if c := changesOf(ev); c["level"].After != float64(30) && c["level"].After != 30 {
			t.Errorf("role.create changes: %+v", ev.Changes)
		}
		if got := must[roleJSON](t, f.do("GET", "roles/"+role.ID, nil), http.StatusOK); got.Name != "Therapist" {
			t.Errorf("GET role: %+v", got)
		}

		// Validation and conflicts.
		for _, c := range []struct {
			name     string
			body     map[string]any
			status   int
			location string
		}{
			{"no name", map[string]any{"name": " ", "level": 5, "permissions": []string{}}, 422, "body.name"},
			{"level 0", map[string]any{"name": "Zero", "level": 0, "permissions": []string{}}, 422, "body.level"},
			{"level 101", map[string]any{"name": "Over", "level": 101, "permissions": []string{}}, 422, "body.level"},
			{"unknown permission", map[string]any{"name": "Odd", "level": 5, "permissions": []string{"users.fly"}}, 422, "body.permissions"},
			{"permission twice", map[string]any{"name": "Twice", "level": 5, "permissions": []string{"users.view", "users.view"}}, 422, "body.permissions"},
			{"bad required key", map[string]any{"name": "Req", "level": 5, "permissions": []string{},
				"required_fields": []map[string]string{{"key": "Bad Key", "label": "x"}}}, 422, "body.required_fields"},
			{"required key twice", map[string]any{"name": "Req2", "level": 5, "permissions": []string{},
				"required_fields": []map[string]string{{"key": "a", "label": "A"}, {"key": "a", "label": "B"}}}, 422, "body.required_fields"},
			{"required field without label", map[string]any{"name": "Req3", "level": 5, "permissions": []string{},
				"required_fields": []map[string]string{{"key": "a", "label": " "}}}, 422, "body.required_fields"},
			{"taken name", map[string]any{"name": "Therapist", "level": 5, "permissions": []string{}}, 409, ""},
			{"taken name of a built-in role", map[string]any{"name": "Manager", "level": 5, "permissions": []string{}}, 409, ""},
		} {
			snap := f.snapshot("")
			p := f.do("POST", "roles", c.body)
			if c.location != "" {
				wantProblem(t, p, c.status, c.location)
			} else {
				wantProblem(t, p, c.status)
			}
			f.unchanged(snap, "")
			_ = c.name
		}

		// Update, with If-Match.
		upd := map[string]any{"name": "Senior therapist", "level": 35, "permissions": []string{"users.view", "users.edit", "team.view"}}
		wantProblem(t, f.do("PUT", "roles/"+role.ID, upd, "If-Match", `"v99"`), http.StatusPreconditionFailed)
		r = f.do("PUT", "roles/"+role.ID, upd, "If-Match", etag(role.Version))
		role2 := must[roleJSON](t, r, http.StatusOK)
		if role2.Version != role.Version+1 || role2.Level != 35 || role2.MFARequired || len(role2.RequiredFields) != 0 ||
			r.Header.Get("ETag") != etag(role2.Version) {
			t.Errorf("updated role: %+v", role2)
		}
		ev = f.wantEvent("role.update", role.ID)
		if c := changesOf(ev); c["name"].Before != "Therapist" || c["name"].After != "Senior therapist" || c["required_fields"].Before == nil {
			t.Errorf("role.update changes: %+v", ev.Changes)
		}
		// Saving the same again changes nothing.
		snap := f.snapshot("")
		if again := must[roleJSON](t, f.do("PUT", "roles/"+role.ID, upd), http.StatusOK); again.Version != role2.Version {
			t.Errorf("an unchanged PUT moved the version to %d", again.Version)
		}
		f.unchanged(snap, "")
		wantProblem(t, f.do("PUT", "roles/"+role.ID, map[string]any{"name": "Manager", "level": 35, "permissions": []string{}}), http.StatusConflict)

		// The default role: making another the default takes it from basic;
		// the default cannot stop being it, nor be removed.
		basic := f.roleID("basic")
		wantProblem(t, f.do("PUT", "roles/"+basic, map[string]any{"name": "Basic", "level": 10, "permissions": []string{}}),
			http.StatusUnprocessableEntity, "body.is_default")
		wantProblem(t, f.do("DELETE", "roles/"+basic, nil), http.StatusConflict)
		newDefault := must[roleJSON](t, f.do("POST", "roles", map[string]any{"name": "Starter", "level": 5,
			"permissions": []string{}, "is_default": true}), http.StatusCreated)
		defaults := func() []string {
			var out []string
			for _, r := range must[roleList](t, f.do("GET", "roles", nil), http.StatusOK).Items {
				if r.IsDefault {
					out = append(out, r.ID)
				}
			}
			return out
		}
		if d := defaults(); !slices.Equal(d, []string{newDefault.ID}) {
			t.Errorf("default roles %v, want only Starter", d)
		}
		must[roleJSON](t, f.do("PUT", "roles/"+basic, map[string]any{"name": "Basic", "level": 10, "permissions": []string{}, "is_default": true}), http.StatusOK)
		if d := defaults(); !slices.Equal(d, []string{basic}) {
			t.Errorf("default roles %v, want only Basic again", d)
		}

		// Deletion: not while someone holds the role.
		u := f.createUser(nil)
		g := must[grantJSON](t, f.do("POST", "users/"+u.ID+"/grants", map[string]any{"role_id": role.ID}), http.StatusCreated)
		p := wantProblem(t, f.do("DELETE", "roles/"+role.ID, nil), http.StatusConflict)
		if p.Detail == "" {
			t.Error("no reason for the refusal")
		}
		must[struct{}](t, f.do("DELETE", "users/"+u.ID+"/grants/"+g.ID, nil), http.StatusNoContent)
		must[struct{}](t, f.do("DELETE", "roles/"+role.ID, nil), http.StatusNoContent)
		f.wantEvent("role.delete", role.ID)
		wantProblem(t, f.do("GET", "roles/"+role.ID, nil), http.StatusNotFound)
		wantProblem(t, f.do("DELETE", "roles/"+role.ID, nil), http.StatusNotFound)
		wantProblem(t, f.do("PUT", "roles/"+role.ID, upd), http.StatusNotFound)

		// The owner role keeps its level and every permission.
		owner := f.roleID("owner")
		all := []string{}
		for _, p := range directory.Catalog {
			all = append(all, string(p.Name))
		}
		wantProblem(t, f.do("PUT", "roles/"+owner, map[string]any{"name": "Owner", "level": 100, "permissions": all[1:]}), http.StatusConflict)
		wantProblem(t, f.do("PUT", "roles/"+owner, map[string]any{"name": "Owner", "level": 90, "permissions": all}), http.StatusConflict)
		wantProblem(t, f.do("DELETE", "roles/"+owner, nil), http.StatusConflict)
		o := must[roleJSON](t, f.do("PUT", "roles/"+owner, map[string]any{"name": "Owner", "description": "Runs it all", "level": 100,
			"permissions": all, "mfa_required": true}), http.StatusOK)
		if !o.MFARequired || o.Description != "Runs it all" || len(o.Permissions) != len(all) {
			t.Errorf("owner role after an allowed edit: %+v", o)
		}
	})
}
