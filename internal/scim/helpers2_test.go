package scim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/scim"
	"roster/internal/store/storetest"
)

// More test fixtures for SCIM: parallel runs on every engine, PATCH
// bodies, groups, lists, and the organization's people and tokens.

const patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// each runs fn on every engine, in parallel with the other tests.
func each(t *testing.T, fn func(t *testing.T, e *storetest.Engine)) {
	t.Parallel()
	storetest.Each(t, fn)
}

// sqliteEngine returns the SQLite engine.
func sqliteEngine(t testing.TB) *storetest.Engine {
	t.Helper()
	for _, e := range storetest.Engines(t) {
		if e.Name == "sqlite" {
			return e
		}
	}
	t.Fatal("no SQLite engine")
	return nil
}

// op is one PATCH operation; a nil value is left out.
func op(name, path string, value any) map[string]any {
	m := map[string]any{"op": name}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// patch is a PATCH body of ops.
func patch(ops ...map[string]any) map[string]any {
	l := make([]any, len(ops))
	for i, o := range ops {
		l[i] = o
	}
	return map[string]any{"schemas": []string{patchSchema}, "Operations": l}
}

// q escapes a filter or other query value.
func q(s string) string { return url.QueryEscape(s) }

// createGroup provisions a group with members (user ids).
func (f *fixture) createGroup(name string, members ...string) map[string]any {
	f.t.Helper()
	ms := make([]any, len(members))
	for i, id := range members {
		ms[i] = map[string]any{"value": id}
	}
	body := map[string]any{"schemas": []string{scim.SchemaGroup}, "displayName": name, "members": ms}
	return f.must(f.do("POST", "/Groups", body), http.StatusCreated)
}

// list reads a list answer: totalResults and the ids of the resources.
func (f *fixture) list(path string) (int, []string, map[string]any) {
	f.t.Helper()
	m := f.must(f.do("GET", path, nil), http.StatusOK)
	return listIDs(f.t, m)
}

func listIDs(t *testing.T, m map[string]any) (int, []string, map[string]any) {
	t.Helper()
	total, ok := m["totalResults"].(float64)
	if !ok {
		t.Fatalf("no totalResults in %v", m)
	}
	var ids []string
	res, _ := m["Resources"].([]any)
	for _, r := range res {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	return int(total), ids, m
}

// filterIDs lists the users a filter selects (up to the first page).
func (f *fixture) filterIDs(filter string) []string {
	f.t.Helper()
	_, ids, _ := f.list("/Users?count=1000&filter=" + q(filter))
	return ids
}

// memberIDs returns the ids of a group document's members.
func memberIDs(doc map[string]any) []string {
	var ids []string
	ms, _ := doc["members"].([]any)
	for _, m := range ms {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	return ids
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
		if seen[x] < 0 {
			return false
		}
	}
	return true
}

func ctx() context.Context { return context.Background() }

// operator is the command-line operator of the fixture's organization.
func (f *fixture) operator() *admin.Actor { return admin.Operator(f.org.ID) }

// setPolicy changes the organization's security policy.
func (f *fixture) setPolicy(edit func(p *directory.SecurityPolicy)) {
	f.t.Helper()
	p, err := f.svc.SecurityPolicy(ctx(), f.operator())
	if err != nil {
		f.t.Fatalf("SecurityPolicy: %v", err)
	}
	edit(&p)
	if _, err := f.svc.UpdateSecurityPolicy(ctx(), f.operator(), p); err != nil {
		f.t.Fatalf("UpdateSecurityPolicy: %v", err)
	}
}

// handUser adds a user by hand (through admin, not SCIM).
func (f *fixture) handUser(username, externalID string) *directory.User {
	f.t.Helper()
	no := false
	u, err := f.svc.CreateUser(ctx(), f.operator(), &admin.UserInput{Invite: &no, Profile: directory.Profile{
		Username: username, FirstName: "Hand", LastName: "Made", ExternalID: externalID}})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// role returns the organization's role with this key.
func (f *fixture) role(key string) *directory.Role {
	f.t.Helper()
	roles, err := f.svc.Roles(ctx(), f.operator())
	if err != nil {
		f.t.Fatalf("Roles: %v", err)
	}
	for _, r := range roles {
		if r.Key == key {
			return r
		}
	}
	f.t.Fatalf("no role %q", key)
	return nil
}

// newRole creates a role with these permissions.
func (f *fixture) newRole(name string, level int, perms ...directory.Permission) *directory.Role {
	f.t.Helper()
	r, err := f.svc.CreateRole(ctx(), f.operator(), admin.RoleInput{Name: name, Level: level, Permissions: perms})
	if err != nil {
		f.t.Fatalf("CreateRole: %v", err)
	}
	return r
}

// newUnit creates a unit.
func (f *fixture) newUnit(name string) *directory.Unit {
	f.t.Helper()
	u, err := f.svc.CreateUnit(ctx(), f.operator(), admin.UnitInput{Name: name, Kind: "site", Code: "U-" + randHex(3)})
	if err != nil {
		f.t.Fatalf("CreateUnit: %v", err)
	}
	return u
}

// grant gives a user a role over a unit ("" = the organization).
func (f *fixture) grant(userID, roleID, unitID string) {
	f.t.Helper()
	if _, err := f.svc.CreateGrant(ctx(), f.operator(), userID, admin.GrantInput{RoleID: roleID, UnitID: unitID}); err != nil {
		f.t.Fatalf("CreateGrant: %v", err)
	}
}

// tokenUser makes an active user added by hand holding role over unitID,
// and a token of theirs.
func (f *fixture) tokenUser(roleID, unitID string, in admin.TokenInput) (*directory.User, string) {
	f.t.Helper()
	u := f.handUser("tok-"+randHex(4), "")
	if _, err := f.svc.SetPasswordByOperator(ctx(), f.org.ID, u.Username, "a long pass phrase that will do"); err != nil {
		f.t.Fatalf("SetPasswordByOperator: %v", err)
	}
	f.grant(u.ID, roleID, unitID)
	in.UserID = u.ID
	if in.Name == "" {
		in.Name = "scoped"
	}
	_, secret, err := f.svc.CreateToken(ctx(), f.operator(), in)
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	return u, secret
}

// with returns a copy of the fixture that sends another token.
func (f *fixture) with(token string) *fixture {
	g := *f
	g.token = token
	return &g
}

// leaks reports SQL or driver text in a body.
func leaks(body []byte) string {
	low := strings.ToLower(string(body))
	for _, s := range []string{"sql", "syntax error", "sqlite", "pq:", "sqlstate", "pgx", "near \"", "database"} {
		if strings.Contains(low, s) {
			return s
		}
	}
	return ""
}
