package rest_test

import (
	"context"
	"net/http"
	"testing"

	"roster/internal/admin"
	"roster/internal/store/storetest"
)

// TestOrganizationIsolation makes a second organization with
// admin.CreateOrganization, with its own owner, roles, units, fields, users,
// grants and tokens, and checks that nothing of one reaches the other: ids
// of the other organization answer 404, references to them are refused,
// lists and the audit log hold only one's own, and the same names may be
// used in both.
func TestOrganizationIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		one := newFixture(t, e)
		ctx := context.Background()
		org2, err := one.svc.CreateOrganization(ctx, "t-"+randHex(6), "Second")
		if err != nil {
			t.Fatal(err)
		}
		two := *one
		two.org = org2
		two.owner, two.token = two.newOwner(one.owner.Email) // the same email in both
		if two.owner.ID == one.owner.ID {
			t.Fatal("one owner for two organizations")
		}

		// The same things, by the same names, in each organization.
		type world1 struct {
			user, grantID, unit, field, role, token string
		}
		build := func(f *fixture) world1 {
			u := f.createUser(map[string]any{"email": "ada@example.org", "username": "ada", "first_name": "Ada", "last_name": "Lovelace"})
			un := f.createUnit("Central", "site", "")
			fd := must[field](t, f.do("POST", "settings/custom-fields", `{"key": "badge", "label": "Badge", "type": "text"}`), http.StatusCreated)
			role := must[roleJSON](t, f.do("POST", "roles", map[string]any{"name": "Helper", "level": 5, "permissions": []string{}}), http.StatusCreated)
			g := must[grantJSON](t, f.do("POST", "users/"+u.ID+"/grants", map[string]any{"role_id": role.ID, "unit_id": un.ID}), http.StatusCreated)
			f.activate(u)
			tk := must[token](t, f.do("POST", "tokens", map[string]any{"name": "for ada", "user_id": u.ID}), http.StatusCreated)
			return world1{user: u.ID, grantID: g.ID, unit: un.ID, field: fd.ID, role: role.ID, token: tk.ID}
		}
		w1, w2 := build(one), build(&two)

		for _, c := range []struct {
			f     *fixture
			other world1
			name  string
		}{{one, w2, "the first"}, {&two, w1, "the second"}} {
			f, o := c.f, c.other
			snapOther := func() string {
				var s string
				for _, p := range []string{"users/" + o.user, "users/" + o.user + "/grants", "units/" + o.unit, "roles/" + o.role} {
					other := two
					if f == &two {
						other = *one
					}
					r := other.do("GET", p, nil)
					s += string(r.Body)
				}
				return s
			}
			before := snapOther()
			for _, r := range []struct {
				method, path string
				body         any
				status       int
			}{
				{"GET", "users/" + o.user, nil, 404},
				{"PATCH", "users/" + o.user, `{"job_title": "Crossed"}`, 404},
				{"POST", "users/" + o.user + "/disable", nil, 404},
				{"DELETE", "users/" + o.user, nil, 404},
				{"POST", "users/" + o.user + "/email", `{"email": "crossed@example.org"}`, 404},
				{"GET", "users/" + o.user + "/grants", nil, 404},
				{"POST", "users/" + o.user + "/grants", map[string]any{"role_id": o.role}, 404},
				{"PUT", "users/" + o.user + "/grants/" + o.grantID, map[string]any{"role_id": o.role}, 404},
				{"DELETE", "users/" + o.user + "/grants/" + o.grantID, nil, 404},
				{"GET", "units/" + o.unit, nil, 404},
				{"PATCH", "units/" + o.unit, `{"name": "Crossed"}`, 404},
				{"POST", "units/" + o.unit + "/archive", nil, 404},
				{"GET", "roles/" + o.role, nil, 404},
				{"PUT", "roles/" + o.role, map[string]any{"name": "Crossed", "level": 5, "permissions": []string{}}, 404},
				{"DELETE", "roles/" + o.role, nil, 404},
				{"PUT", "settings/custom-fields/" + o.field, `{"label": "Crossed"}`, 404},
				{"DELETE", "settings/custom-fields/" + o.field, nil, 404},
				{"DELETE", "tokens/" + o.token, nil, 404},
				{"POST", "tokens", map[string]any{"name": "as them", "user_id": o.user}, 404},
				// References to the other organization's objects.
				{"POST", "users", map[string]any{"first_name": "X", "last_name": "Y", "department_id": o.unit}, 422},
				{"POST", "users", map[string]any{"first_name": "X", "last_name": "Y", "supervisor_id": o.user}, 422},
				{"POST", "units", map[string]any{"name": "Under", "kind": "site", "parent_id": o.unit}, 422},
				{"POST", "users/" + f.owner.ID + "/grants", map[string]any{"role_id": o.role}, 422},
				{"PUT", "me/active-grant", map[string]any{"grant_id": o.grantID}, 422},
			} {
				if got := f.do(r.method, r.path, r.body); got.Code != r.status {
					t.Errorf("%s organization: %s %s: %s, want %d", c.name, r.method, r.path, got, r.status)
				}
			}
			if after := snapOther(); after != before {
				t.Errorf("%s organization changed the other's objects", c.name)
			}
			// Lists hold only one's own.
			if l := must[userList](t, f.do("GET", "users?q=lovelace", nil), http.StatusOK); l.Total != 1 || l.Items[0].ID == o.user {
				t.Errorf("%s organization finds %d Lovelaces", c.name, l.Total)
			}
			if l := must[userList](t, f.do("GET", "users", nil), http.StatusOK); l.Total != 2 {
				t.Errorf("%s organization counts %d users, want its owner and Ada", c.name, l.Total)
			}
			for _, u := range must[unitList](t, f.do("GET", "units", nil), http.StatusOK).Items {
				if u.ID == o.unit {
					t.Errorf("%s organization lists the other's unit", c.name)
				}
			}
			for _, r := range must[roleList](t, f.do("GET", "roles", nil), http.StatusOK).Items {
				if r.ID == o.role {
					t.Errorf("%s organization lists the other's role", c.name)
				}
			}
			for _, tk := range must[tokenList](t, f.do("GET", "tokens", nil), http.StatusOK).Items {
				if tk.ID == o.token {
					t.Errorf("%s organization lists the other's token", c.name)
				}
			}
			for _, ev := range f.auditEvents() {
				if ev.TargetID == o.user || ev.TargetID == o.unit || ev.TargetID == o.role {
					t.Errorf("%s organization's audit log holds %s about the other's %s", c.name, ev.Action, ev.TargetID)
				}
			}
			if l := must[auditList](t, f.do("GET", "audit-events?target_id="+o.user, nil), http.StatusOK); len(l.Items) != 0 {
				t.Errorf("%s organization reads %d audit events about the other's user", c.name, len(l.Items))
			}
		}

		// A token acts in its own organization only, whatever the request says.
		ada2 := must[user](t, two.do("GET", "users/"+w2.user, nil), http.StatusOK)
		if ada2.Email != "ada@example.org" {
			t.Errorf("second Ada: %+v", ada2)
		}
		if _, _, err := one.svc.CreateToken(ctx, admin.Operator(one.org.ID), admin.TokenInput{UserID: w2.user, Name: "cross"}); err == nil {
			t.Error("the first organization's operator made a token for the second's user")
		}
	})
}
