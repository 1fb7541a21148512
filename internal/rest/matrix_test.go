package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// The authorization matrix sends every route of the API as every actor of
// the world (matrix_world_test.go) to every target of the route's kind, and
// compares each answer with the status written in the route's table.
//
// A table's first line names its columns (the targets); each other line
// names an actor and gives one status per column. For the list routes
// (GET /users, GET /units) a cell searches for its target: 200 means the
// target is listed and counted, 404 that it is neither.
//
// Cells expected to succeed, or to be refused by the target's state (409,
// 422), act on a target of their own, made for the cell; cells expected to
// be refused by the rule (401, 403, 404) share targets, and must leave the
// audit log as it was.

// matrixRoute is one route of the API, or one variant of it, in the matrix.
type matrixRoute struct {
	route   string // "METHOD pattern", as adminRoutes and selfRoutes name it
	variant string // tells several entries of one route apart
	columns []string
	// mutates says that the route changes its target, so that a cell that
	// may succeed needs a target of its own.
	mutates bool
	build   func(c *cell) request
	// observe turns a 200 answer into the cell's status (list routes).
	observe func(c *cell, r *response) (int, string)
	want    string
}

// request is what a cell sends.
type request struct {
	path   string
	body   any
	header []string
}

// cell is one actor acting on one target of one route.
type cell struct {
	w      *world
	actor  *actor
	column string
	fresh  bool
	keys   []string // the shared objects the cell used
	target *target  // the user target, once chosen
	unit   *directory.Unit
}

// get returns the cell's object under key: a new one when the cell acts
// on a target of its own, else the shared one.
func (c *cell) get(key string, make func() any) any {
	if c.fresh {
		return make()
	}
	c.keys = append(c.keys, key)
	if v, ok := c.w.shared[key]; ok {
		return v
	}
	v := make()
	c.w.shared[key] = v
	return v
}

// user returns the cell's user target in the given state.
func (c *cell) user(state string) *target {
	c.target = c.get("user:"+c.column+"/"+state, func() any { return c.w.newTarget(c.column, state) }).(*target)
	return c.target
}

// userPath is the path of the cell's user target followed by suffix.
func (c *cell) userPath(state, suffix string) string {
	return "users/" + c.user(state).user.ID + suffix
}

// unitTarget returns the cell's unit target.
func (c *cell) unitTarget(archived bool) *directory.Unit {
	key := "unit:" + c.column + "/" + strconv.FormatBool(archived)
	c.unit = c.get(key, func() any { return c.w.newUnit(c.column, archived) }).(*directory.Unit)
	return c.unit
}

// role returns the cell's role target.
func (c *cell) role() *directory.Role {
	return c.get("role:"+c.column, func() any { return c.w.newRole(c.column) }).(*directory.Role)
}

// field returns the cell's custom field.
func (c *cell) field() *directory.CustomField {
	return c.get("field", func() any { return c.w.newField() }).(*directory.CustomField)
}

// token returns the cell's token target: one of the actor's own (mine) or
// one of a bystander (theirs).
func (c *cell) token() *directory.Token {
	owner := c.w.bystander
	if c.column == "mine" {
		owner = c.actor.user
		if owner == nil {
			owner = c.w.owner
		}
	}
	return c.get("token:"+c.column+":"+owner.ID, func() any { return c.w.newToken(owner) }).(*directory.Token)
}

// role returns the built-in role of the target's organization.
func (c *cell) builtin(key string) *directory.Role {
	return c.w.roles[c.target.user.OrgID][key]
}

// parseGrid reads a route's table into statuses by actor.
func parseGrid(r *matrixRoute) (map[string][]int, error) {
	var lines []string
	for l := range strings.Lines(r.want) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("no table")
	}
	if head := strings.Fields(lines[0]); !slices.Equal(head, r.columns) {
		return nil, fmt.Errorf("columns %v, want %v", head, r.columns)
	}
	out := map[string][]int{}
	for _, l := range lines[1:] {
		fs := strings.Fields(l)
		if !slices.Contains(actorNames, fs[0]) || out[fs[0]] != nil {
			return nil, fmt.Errorf("row %q: unknown or repeated actor", fs[0])
		}
		if len(fs)-1 != len(r.columns) {
			return nil, fmt.Errorf("row %s has %d statuses for %d columns", fs[0], len(fs)-1, len(r.columns))
		}
		for _, s := range fs[1:] {
			n, err := strconv.Atoi(s)
			if err != nil || http.StatusText(n) == "" {
				return nil, fmt.Errorf("row %s: %q is not a status", fs[0], s)
			}
			out[fs[0]] = append(out[fs[0]], n)
		}
	}
	for _, a := range actorNames {
		if out[a] == nil {
			return nil, fmt.Errorf("no row for %s", a)
		}
	}
	return out, nil
}

// refusedByRule reports whether a status says the rule refused the request,
// before anything about the target's state was looked at.
func refusedByRule(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusNotFound
}

// TestAuthorizationMatrix runs the matrix on every engine.
func TestAuthorizationMatrix(t *testing.T) {
	routes := matrixRoutes(t)
	checkMatrixCoverage(t, routes)
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		w := newWorld(t, e)
		cells := 0
		for i := range routes {
			cells += runRoute(t, w, &routes[i])
		}
		t.Logf("%s: %d cells (%d routes × %d actors × their targets)", e.Name, cells, len(routes), len(actorNames))
	})
}

// runRoute runs every cell of one route and returns how many there were.
func runRoute(t *testing.T, w *world, r *matrixRoute) int {
	t.Helper()
	want, err := parseGrid(r)
	if err != nil {
		t.Errorf("%s %s: bad table: %v", r.route, r.variant, err)
		return 0
	}
	method, _, _ := strings.Cut(r.route, " ")
	n := 0
	for _, an := range actorNames {
		a := w.actors[an]
		for i, col := range r.columns {
			n++
			exp := want[an][i]
			c := &cell{w: w, actor: a, column: col, fresh: r.mutates && !refusedByRule(exp)}
			req := r.build(c)
			auditOrg := a.orgID
			before := w.newestEvent(auditOrg)
			resp := w.send(a, method, req.path, req.body, req.header...)
			got, note := resp.Code, ""
			if r.observe != nil && resp.Code == http.StatusOK {
				got, note = r.observe(c, resp)
			}
			name := r.route
			if r.variant != "" {
				name += " (" + r.variant + ")"
			}
			name += " × " + an + " × " + col
			if got != exp {
				verdict := "unexpected deny"
				if okStatus(got) {
					verdict = "UNEXPECTED ALLOW"
				}
				t.Errorf("%s: %s: got %d, want %d%s; answer: %.300s", name, verdict, got, exp, note, resp)
				if r.mutates {
					for _, k := range c.keys {
						delete(w.shared, k)
					}
				}
			}
			if exp >= 400 {
				if after := w.newestEvent(auditOrg); after.ID != before.ID {
					t.Errorf("%s: refused with %d but the audit log gained %s on %s", name, got, after.Action, after.TargetID)
				}
			}
		}
	}
	return n
}

// checkMatrixCoverage fails unless every route the API publishes, and every
// route of the OpenAPI coverage test's list, has an entry in the matrix,
// and every entry names a published route.
func checkMatrixCoverage(t *testing.T, routes []matrixRoute) {
	t.Helper()
	inMatrix := map[string]bool{}
	for _, r := range routes {
		inMatrix[r.route] = true
	}
	for _, rt := range append(adminRoutes(t), selfRoutes...) {
		if key := rt.method + " " + rt.pattern; !inMatrix[key] {
			t.Errorf("%s is in the route list but has no entry in the authorization matrix", key)
		}
	}
	e := storetest.Engines(t)[0]
	f := newFixture(t, e)
	r := f.do("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	published := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			key := strings.ToUpper(m) + " " + strings.TrimPrefix(p, "/api/v1/")
			published[key] = true
			if !inMatrix[key] {
				t.Errorf("%s is published but has no entry in the authorization matrix: add one with the expected status of every cell", key)
			}
		}
	}
	for key := range inMatrix {
		if !published[key] {
			t.Errorf("the matrix has an entry for %s, which the API does not publish", key)
		}
	}
}

// listed is the observe function of GET /users: 200 when the cell's
// target is the one user listed and counted, 404 when nobody is.
func listed(c *cell, r *response) (int, string) {
	var l userList
	if err := json.Unmarshal(r.Body, &l); err != nil {
		return 0, " (not a user list)"
	}
	switch {
	case len(l.Items) == 1 && l.Items[0].ID == c.target.user.ID && l.Total == 1:
		return http.StatusOK, ""
	case len(l.Items) == 0 && l.Total == 0:
		return http.StatusNotFound, " (not listed)"
	}
	return 0, fmt.Sprintf(" (%d listed, total %d)", len(l.Items), l.Total)
}

// unitListed is the observe function of GET /units: 200 when the cell's
// unit is listed, 404 when it is not.
func unitListed(c *cell, r *response) (int, string) {
	var l struct {
		Items []*unit `json:"items"`
		Total int     `json:"total"`
	}
	if err := json.Unmarshal(r.Body, &l); err != nil {
		return 0, " (not a unit list)"
	}
	if l.Total != len(l.Items) {
		return 0, fmt.Sprintf(" (%d listed, total %d)", len(l.Items), l.Total)
	}
	for _, u := range l.Items {
		if u.ID == c.unit.ID {
			return http.StatusOK, ""
		}
	}
	return http.StatusNotFound, " (not listed)"
}

// grantBody is the body of a grant of role over the target's home unit
// (the whole organization when it has none).
func grantBody(c *cell, role *directory.Role, unit string, fields map[string]string) map[string]any {
	b := map[string]any{"role_id": role.ID}
	if unit != "" {
		b["unit_id"] = unit
	}
	if fields != nil {
		b["fields"] = fields
	}
	return b
}

// homeUnit is the id of the unit where a new grant of the cell's target goes.
func (c *cell) homeUnit() string {
	if h := archetypes[c.column].home; h != "" {
		return c.w.units[h].ID
	}
	return ""
}

// grantID is the id of the target's first grant (a random one for a
// target without grants).
func (c *cell) grantID() string {
	if c.target.grant == nil {
		return uuid.NewString()
	}
	return c.target.grant.ID
}
