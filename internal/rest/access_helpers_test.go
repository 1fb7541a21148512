package rest_test

import (
	"fmt"
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/rest"
)

// roleJSON, grantJSON and auditEvent are a role, a grant and an audit
// event as the API shows them.
type (
	roleJSON   = rest.RoleJSON
	grantJSON  = rest.GrantJSON
	auditEvent = rest.AuditEventJSON
)

// roleList is the answer of GET /roles.
type roleList struct {
	Items []*roleJSON `json:"items"`
}

// grantList is the answer of GET /users/{id}/grants.
type grantList struct {
	Items []*grantJSON `json:"items"`
}

// myGrants is the answer of GET /me/grants.
type myGrants struct {
	Items         []*grantJSON `json:"items"`
	ActiveGrantID string       `json:"active_grant_id"`
}

// look reads what the owner sees at each path, for comparing before and
// after a refused request.
func (w *world) look(paths []string) string {
	w.t.Helper()
	var b strings.Builder
	for _, p := range paths {
		r := w.do("GET", p, nil)
		fmt.Fprintf(&b, "GET %s: %d %s\n", p, r.Code, r.Body)
	}
	return b.String()
}

// refuse sends a request as a that must be refused with status, and checks
// that what the owner reads at watch, and the audit log of a's
// organization, are as they were.
func (w *world) refuse(what string, a *actor, status int, method, path string, body any, watch ...string) *response {
	w.t.Helper()
	before, event := w.look(watch), w.newestEvent(a.orgID)
	r := w.send(a, method, path, body)
	if r.Code != status {
		w.t.Errorf("%s: got %s, want %d", what, r, status)
	}
	if after := w.look(watch); after != before {
		w.t.Errorf("%s: refused, yet the owner now reads\n%s\ninstead of\n%s", what, after, before)
	}
	if after := w.newestEvent(a.orgID); after.ID != event.ID {
		w.t.Errorf("%s: refused, yet the audit log gained %s on %s", what, after.Action, after.TargetID)
	}
	return r
}

// grantTo is the body of a grant of a role over a unit ("" = the whole
// organization).
func grantTo(role *directory.Role, unitID string) map[string]any {
	b := map[string]any{"role_id": role.ID}
	if unitID != "" {
		b["unit_id"] = unitID
	}
	return b
}

// permNames lists a role's permissions as strings.
func permNames(r *directory.Role) []string {
	out := []string{}
	for _, p := range r.Permissions {
		out = append(out, string(p))
	}
	return out
}

// wantLocation checks that a problem names an error at location.
func wantLocation(t *testing.T, r *response, location string) {
	t.Helper()
	if r.Code < 400 {
		return
	}
	p := wantProblem(t, r, r.Code)
	for _, l := range p.locations() {
		if l == location {
			return
		}
	}
	t.Errorf("problem names %v, want %s: %s", p.locations(), location, r.Body)
}
