package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// route is one operation of the API, with a request that passes schema
// validation, so that what answers is the rule under test.
type route struct {
	method, pattern string
	body            any
	header          []string
}

// ids fills the path parameters of the routes.
type ids struct {
	user, unit, field, timeOff, token, role, grant string
	resource, assignment                           string
	group, category, relationship                  string
	imp, mapping                                   string
}

// adminRoutes are the operations that take a permission; selfRoutes the
// ones any authenticated user may call for themself.
func adminRoutes(t *testing.T) []route {
	png := encodePNG(t, picture(4, 4))
	return []route{
		{"POST", "users", `{"first_name": "New", "last_name": "Person"}`, nil},
		{"GET", "users", nil, nil},
		{"GET", "users/{id}", nil, nil},
		{"PATCH", "users/{id}", `{"job_title": "Changed"}`, nil},
		{"DELETE", "users/{id}", nil, nil},
		{"POST", "users/{id}/disable", nil, nil},
		{"POST", "users/{id}/enable", nil, nil},
		{"POST", "users/{id}/restore", nil, nil},
		{"POST", "users/{id}/unlock", nil, nil},
		{"POST", "users/{id}/purge", nil, nil},
		{"POST", "users/{id}/email", `{"email": "changed@example.org"}`, nil},
		{"PUT", "users/{id}/photo", png, []string{"Content-Type", "image/png"}},
		{"GET", "users/{id}/photo", nil, nil},
		{"DELETE", "users/{id}/photo", nil, nil},
		{"GET", "users/{id}/time-off", nil, nil},
		{"POST", "users/{id}/time-off", `{"kind": "sick", "starts_on": "2030-01-01", "ends_on": "2030-01-02"}`, nil},
		{"DELETE", "users/{id}/time-off/{time_off_id}", nil, nil},
		{"POST", "units", `{"name": "New", "kind": "site"}`, nil},
		{"GET", "units", nil, nil},
		{"GET", "units/{id}", nil, nil},
		{"PATCH", "units/{id}", `{"name": "Renamed"}`, nil},
		{"POST", "units/{id}/archive", nil, nil},
		{"POST", "units/{id}/unarchive", nil, nil},
		{"GET", "settings/custom-fields", nil, nil},
		{"POST", "settings/custom-fields", `{"key": "new_field", "label": "New", "type": "text"}`, nil},
		{"PUT", "settings/custom-fields/{id}", `{"label": "Renamed"}`, nil},
		{"DELETE", "settings/custom-fields/{id}", nil, nil},
		{"GET", "settings/unit-kinds", nil, nil},
		{"PUT", "settings/unit-kinds/{key}", `{"label": "Campus"}`, nil},
		{"GET", "settings/licenses", nil, nil},
		{"PUT", "settings/licenses", `{"premium_seat_limit": 5}`, nil},
		{"GET", "audit-events", nil, nil},
		{"POST", "roles", `{"name": "Made here", "level": 5, "permissions": []}`, nil},
		{"PUT", "roles/{id}", `{"name": "Renamed role", "level": 5, "permissions": []}`, nil},
		{"DELETE", "roles/{id}", nil, nil},
		{"GET", "users/{id}/grants", nil, nil},
		{"POST", "users/{id}/grants", `{"role_id": "{role_id}"}`, nil},
		{"PUT", "users/{id}/grants/{grant_id}", `{"role_id": "{role_id}"}`, nil},
		{"DELETE", "users/{id}/grants/{grant_id}", nil, nil},
		{"GET", "resources", nil, nil},
		{"POST", "resources", `{"kind": "client", "name": "New"}`, nil},
		{"GET", "resources/{id}", nil, nil},
		{"PATCH", "resources/{id}", `{"name": "Renamed"}`, nil},
		{"GET", "resources/{id}/users", nil, nil},
		{"GET", "settings/resource-kinds", nil, nil},
		{"PUT", "settings/resource-kinds/{key}", `{"label": "Campus"}`, nil},
		{"GET", "users/{id}/resources", nil, nil},
		{"POST", "users/{id}/resources", `{"resource_id": "none"}`, nil},
		{"GET", "users/{id}/reachable-resources", nil, nil},
		{"GET", "access/check", nil, nil},
		{"DELETE", "users/{id}/resources/{assignment_id}", nil, nil},
		{"POST", "resources/{id}/archive", nil, nil},
		{"DELETE", "resources/{id}", nil, nil},
		{"GET", "group-categories", nil, nil},
		{"POST", "group-categories", `{"name": "New category"}`, nil},
		{"DELETE", "group-categories/{id}", nil, nil},
		{"GET", "groups", nil, nil},
		{"POST", "groups", `{"name": "New group"}`, nil},
		{"GET", "groups/{id}", nil, nil},
		{"PATCH", "groups/{id}", `{"name": "Renamed group"}`, nil},
		{"GET", "groups/{id}/members", nil, nil},
		{"POST", "groups/{id}/members", `{"user_id": "none"}`, nil},
		{"DELETE", "groups/{id}/members/{user_id}", nil, nil},
		{"POST", "groups/{id}/delete-members", nil, nil},
		{"DELETE", "groups/{id}", nil, nil},
		{"GET", "relationship-kinds", nil, nil},
		{"PUT", "relationship-kinds/{key}", `{"label": "Coach of", "inverse_label": "Athlete of"}`, nil},
		{"GET", "users/{id}/relationships", nil, nil},
		{"POST", "users/{id}/relationships", `{"kind": "parent_of", "to_user_id": "none"}`, nil},
		{"DELETE", "users/{id}/relationships/{relationship_id}", nil, nil},
		{"GET", "me/team", nil, nil},
		{"POST", "users/{id}/reset-password", `{"method": "link"}`, nil},
		{"POST", "users/unlock", `{"ids": ["none"]}`, nil},
		{"GET", "users/{id}/sessions", nil, nil},
		{"DELETE", "users/{id}/sessions", nil, nil},
		{"POST", "users/{id}/mfa/reset", nil, nil},
		{"POST", "users/{id}/require-mfa", `{"required": true}`, nil},
		{"PUT", "settings/security", defaultPolicyJSON, nil},
		{"POST", "users/{id}/resend-invitation", nil, nil},
		{"POST", "invitations/bulk", `{"emails": "bulk-invitee@example.org", "role_id": "{role_id}"}`, nil},
		{"GET", "mail", nil, nil},
		{"POST", "mail/{id}/retry", nil, nil},
		{"POST", "mail/test", nil, nil},
		{"GET", "users/export", nil, nil},
		{"GET", "relationships/export", nil, nil},
		{"GET", "audit-events/export", nil, nil},
		{"POST", "imports", authzImportFile, []string{"Content-Type", "text/csv"}},
		{"GET", "imports", nil, nil},
		{"GET", "imports/fields", nil, nil},
		{"GET", "imports/{id}", nil, nil},
		{"PATCH", "imports/{id}", `{"mode": "create"}`, nil},
		{"POST", "imports/{id}/preview", nil, nil},
		{"POST", "imports/{id}/start", nil, nil},
		{"GET", "imports/{id}/rows", nil, nil},
		{"GET", "imports/{id}/exceptions", nil, nil},
		{"POST", "imports/{id}/rollback", nil, nil},
		{"GET", "import-mappings", nil, nil},
		{"DELETE", "import-mappings/{id}", nil, nil},
	}
}

// authzImportFile is a small CSV file whose header maps on its own.
const authzImportFile = "First,Last,Login\r\nNew,Person,new.person\r\n"

// selfRoutes need no permission: one's own record and tokens.
var selfRoutes = []route{
	{"GET", "me", nil, nil},
	{"POST", "tokens", `{"name": "mine"}`, nil},
	{"GET", "tokens", nil, nil},
	{"DELETE", "tokens/{id}", nil, nil},
	{"GET", "permissions", nil, nil},
	{"GET", "roles", nil, nil},
	{"GET", "roles/{id}", nil, nil},
	{"GET", "me/grants", nil, nil},
	{"GET", "me/active-grant", nil, nil},
	{"PUT", "me/active-grant", `{"grant_id": "none"}`, nil},
	{"GET", "me/sessions", nil, nil},
	{"DELETE", "me/sessions/{id}", nil, nil},
	{"GET", "settings/security", nil, nil},
}

// fill puts a role id into a route's body.
func (r route) fill(roleID string) any {
	if b, ok := r.body.(string); ok {
		return strings.ReplaceAll(b, "{role_id}", roleID)
	}
	return r.body
}

// path fills in the parameters of a route's pattern.
func (r route) path(id ids) string {
	p := r.pattern
	switch {
	case strings.HasPrefix(p, "users/"):
		p = strings.Replace(p, "{id}", id.user, 1)
	case strings.HasPrefix(p, "units/"):
		p = strings.Replace(p, "{id}", id.unit, 1)
	case strings.HasPrefix(p, "settings/custom-fields/"):
		p = strings.Replace(p, "{id}", id.field, 1)
	case strings.HasPrefix(p, "tokens/"):
		p = strings.Replace(p, "{id}", id.token, 1)
	case strings.HasPrefix(p, "roles/"):
		p = strings.Replace(p, "{id}", id.role, 1)
	case strings.HasPrefix(p, "resources/"):
		p = strings.Replace(p, "{id}", id.resource, 1)
	case p == "access/check":
		p += "?user_id=" + id.user + "&permission=users.view&resource_id=" + id.resource
	case strings.HasPrefix(p, "groups/"):
		p = strings.Replace(p, "{id}", id.group, 1)
	case strings.HasPrefix(p, "group-categories/"):
		p = strings.Replace(p, "{id}", id.category, 1)
	case strings.HasPrefix(p, "imports/"):
		p = strings.Replace(p, "{id}", id.imp, 1)
	case strings.HasPrefix(p, "import-mappings/"):
		p = strings.Replace(p, "{id}", id.mapping, 1)
	}
	p = strings.Replace(p, "{grant_id}", id.grant, 1)
	p = strings.Replace(p, "{time_off_id}", id.timeOff, 1)
	p = strings.Replace(p, "{assignment_id}", id.assignment, 1)
	p = strings.Replace(p, "{user_id}", id.user, 1)
	p = strings.Replace(p, "{relationship_id}", id.relationship, 1)
	return strings.Replace(p, "{key}", "site", 1)
}

// authzImportIDs uploads a draft import as the owner, saving its mapping,
// and returns the ids of both.
func (f *fixture) authzImportIDs() (imp, mapping string) {
	f.t.Helper()
	im := must[importJSON](f.t, f.upload(authzImportFile, url.Values{"save_as": {"Authorization"}}), http.StatusCreated)
	saved := must[struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}](f.t, f.do("GET", "import-mappings", nil), http.StatusOK)
	if len(saved.Items) != 1 || saved.Items[0].Name != "Authorization" {
		f.t.Fatalf("saved mappings: %+v", saved.Items)
	}
	return im.ID, saved.Items[0].ID
}

// TestAuthorization checks that only the permissions of the active grant
// count: an active user without any grant may reach only their own record
// and tokens; the owner gets through everywhere.
func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		target := f.createUser(map[string]any{"first_name": "Tar", "last_name": "Get"})
		f.do("PUT", "users/"+target.ID+"/photo", encodePNG(t, picture(8, 8)), "Content-Type", "image/png")
		to := must[timeOff](t, f.do("POST", "users/"+target.ID+"/time-off", `{"kind": "vacation", "starts_on": "2030-05-01", "ends_on": "2030-05-02"}`), http.StatusCreated)
		un := f.createUnit("Unit", "site", "")
		fd := must[field](t, f.do("POST", "settings/custom-fields", `{"key": "badge", "label": "Badge", "type": "text"}`), http.StatusCreated)
		ownerTokens := must[tokenList](t, f.do("GET", "tokens", nil), http.StatusOK)

		// An active user who holds no grant at all.
		nobody, err := f.svc.CreateUser(ctx, admin.Operator(f.org.ID), &admin.UserInput{Profile: directory.Profile{
			FirstName: "No", LastName: "Grant", Email: "nogrant-" + randHex(3) + "@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetPasswordByOperator(ctx, f.org.ID, nobody.Username, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		nobodyToken := f.tokenFor(nobody.ID)
		role := must[struct {
			ID string `json:"id"`
		}](t, f.do("POST", "roles", `{"name": "Spare", "level": 5, "permissions": []}`), http.StatusCreated)
		staff := f.roleID("staff")
		gr := must[struct {
			ID string `json:"id"`
		}](t, f.do("POST", "users/"+target.ID+"/grants", map[string]any{"role_id": staff}), http.StatusCreated)
		id := ids{user: target.ID, unit: un.ID, field: fd.Key, timeOff: to.ID, token: ownerTokens.Items[0].ID, role: role.ID, grant: gr.ID}
		id.resource = f.createResource("Guarded", un.ID).ID
		id.assignment = must[assignment](t, f.do("POST", "users/"+target.ID+"/resources", map[string]any{"resource_id": id.resource}), http.StatusCreated).ID
		id.group, id.category, id.relationship = f.authzGroupIDs(target.ID)
		id.imp, id.mapping = f.authzImportIDs()

		snap := f.snapshot(target.ID)
		for _, rt := range adminRoutes(t) {
			t.Run("403 "+rt.method+" "+rt.pattern, func(t *testing.T) {
				f := f.with(t)
				h := append(as(nobodyToken), rt.header...)
				p := wantProblem(t, f.do(rt.method, rt.path(id), rt.fill(staff), h...), http.StatusForbidden)
				if !strings.Contains(p.Detail, "your role does not allow ") {
					t.Errorf("detail %q does not name the permission", p.Detail)
				}
			})
		}
		f.unchanged(snap, target.ID)
		if r := f.do("GET", "users/"+target.ID+"/photo", nil); r.Code != http.StatusOK {
			t.Errorf("photo after refused requests: %d", r.Code)
		}

		// Their own record and tokens are theirs.
		if me := must[user](t, f.do("GET", "me", nil, as(nobodyToken)...), http.StatusOK); me.ID != nobody.ID {
			t.Errorf("GET /me = %s", me.ID)
		}
		own := must[token](t, f.do("POST", "tokens", `{"name": "mine"}`, as(nobodyToken)...), http.StatusCreated)
		if own.UserID != nobody.ID {
			t.Errorf("own token for %s", own.UserID)
		}
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "theirs", "user_id": f.owner.ID}, as(nobodyToken)...), http.StatusForbidden)
		list := must[tokenList](t, f.do("GET", "tokens", nil, as(nobodyToken)...), http.StatusOK)
		for _, tk := range list.Items {
			if tk.UserID != nobody.ID {
				t.Errorf("a user without settings.manage sees the token %s of %s", tk.ID, tk.UserID)
			}
		}
		if len(list.Items) != 2 {
			t.Errorf("%d own tokens listed, want 2", len(list.Items))
		}
		wantProblem(t, f.do("DELETE", "tokens/"+id.token, nil, as(nobodyToken)...), http.StatusNotFound)
		must[userList](t, f.do("GET", "users", nil), http.StatusOK) // the owner's token was not revoked
		must[token](t, f.do("DELETE", "tokens/"+own.ID, nil, as(nobodyToken)...), http.StatusOK)

		// The owner sees every token and gets through every route.
		if all := must[tokenList](t, f.do("GET", "tokens", nil), http.StatusOK); len(all.Items) != 3 {
			t.Errorf("the owner sees %d tokens, want 3", len(all.Items))
		}
		for _, rt := range adminRoutes(t) {
			r := f.do(rt.method, rt.path(id), rt.fill(staff), rt.header...)
			if r.Code == http.StatusUnauthorized || r.Code == http.StatusForbidden || r.Code >= 500 {
				t.Errorf("owner %s %s: %s", rt.method, rt.pattern, r)
			}
		}
	})
}

// TestOpenAPI checks the published description: OpenAPI 3.1 listing every
// route the tests exercise.
func TestOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		r := f.do("GET", "/api/v1/openapi.json", nil, "Authorization", "")
		if r.Code != http.StatusOK {
			t.Fatalf("GET openapi.json: %s", r)
		}
		var doc struct {
			OpenAPI string `json:"openapi"`
			Info    struct {
				Title string `json:"title"`
			} `json:"info"`
			Paths      map[string]map[string]json.RawMessage `json:"paths"`
			Components struct {
				SecuritySchemes map[string]any `json:"securitySchemes"`
			} `json:"components"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("openapi.json is not JSON: %v", err)
		}
		if doc.OpenAPI != "3.1.0" || doc.Info.Title == "" || doc.Components.SecuritySchemes["bearer"] == nil {
			t.Errorf("openapi %q, title %q, security schemes %v", doc.OpenAPI, doc.Info.Title, doc.Components.SecuritySchemes)
		}
		var listed []string
		for p, ops := range doc.Paths {
			for m := range ops {
				listed = append(listed, strings.ToUpper(m)+" "+p)
			}
		}
		var exercised []string
		for _, rt := range append(adminRoutes(t), selfRoutes...) {
			key := rt.method + " /api/v1/" + rt.pattern
			exercised = append(exercised, key)
			if !slices.Contains(listed, key) {
				t.Errorf("%s is not in the OpenAPI document", key)
			}
		}
		// And nothing is published that the tests do not know about.
		for _, key := range listed {
			if !slices.Contains(exercised, key) {
				t.Errorf("%s is published but not in the tests' route list", key)
			}
		}
	})
}
