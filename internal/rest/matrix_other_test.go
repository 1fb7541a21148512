package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// matrixRoutes is the whole matrix.
func matrixRoutes(t *testing.T) []matrixRoute {
	routes := userMatrix(t)
	routes = append(routes, unitMatrix()...)
	routes = append(routes, settingsMatrix()...)
	routes = append(routes, roleMatrix()...)
	routes = append(routes, selfMatrix()...)
	routes = append(routes, sharingMatrix()...)
	routes = append(routes, invitationMatrix()...)
	routes = append(routes, mailMatrix()...)
	routes = append(routes, exportMatrix()...)
	routes = append(routes, importMatrix()...)
	return routes
}

// one is the column of routes without a target.
var one = []string{"it"}

// unitMatrix covers the units. The unit targets (columns) are departments
// under district D (inD), site A (inA), site B (inB) and district E (inE).
// Units take units.manage, which only the owner and the administrator hold.
func unitMatrix() []matrixRoute {
	return []matrixRoute{
		// A user added into a department: only inside one's scope.
		{route: "POST users", columns: unitColumns,
			build: func(c *cell) request {
				tag := newTag()
				return request{path: "users", body: map[string]string{"first_name": "New", "last_name": tag,
					"email": tag + "@example.org", "department_id": c.unitTarget(false).ID}}
			},
			want: `
			           inD inA inB inE
			owner      201 201 201 201
			admin      201 201 201 201
			district   201 201 201 422
			siteB      422 422 201 422
			supervisor 403 403 403 403
			staff      403 403 403 403
			svc        403 403 403 403
			otherAdmin 422 422 422 422
			revoked    401 401 401 401
			anonymous  401 401 401 401`},

		{route: "GET units", columns: unitColumns, observe: unitListed,
			build: func(c *cell) request { c.unitTarget(false); return request{path: "units"} },
			want: `
			           inD inA inB inE
			owner      200 200 200 200
			admin      200 200 200 200
			district   200 200 200 404
			siteB      404 404 200 404
			supervisor 404 200 404 404
			staff      404 200 404 404
			svc        403 403 403 403
			otherAdmin 404 404 404 404
			revoked    401 401 401 401
			anonymous  401 401 401 401`},

		{route: "GET units/{id}", columns: unitColumns,
			build: func(c *cell) request { return request{path: "units/" + c.unitTarget(false).ID} },
			want: `
			           inD inA inB inE
			owner      200 200 200 200
			admin      200 200 200 200
			district   200 200 200 404
			siteB      404 404 200 404
			supervisor 404 200 404 404
			staff      404 200 404 404
			svc        403 403 403 403
			otherAdmin 404 404 404 404
			revoked    401 401 401 401
			anonymous  401 401 401 401`},

		{route: "POST units", columns: unitColumns,
			build: func(c *cell) request {
				return request{path: "units", body: map[string]string{"name": "New " + newTag(), "kind": "department", "parent_id": c.unitTarget(false).ID}}
			},
			want: `
			           inD inA inB inE
			owner      201 201 201 201
			admin      201 201 201 201
			district   403 403 403 403
			siteB      403 403 403 403
			supervisor 403 403 403 403
			staff      403 403 403 403
			svc        403 403 403 403
			otherAdmin 422 422 422 422
			revoked    401 401 401 401
			anonymous  401 401 401 401`},

		{route: "PATCH units/{id}", columns: unitColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: "units/" + c.unitTarget(false).ID, body: map[string]string{"name": "Renamed " + newTag()}}
			},
			want: `
			           inD inA inB inE
			owner      200 200 200 200
			admin      200 200 200 200
			district   403 403 403 403
			siteB      403 403 403 403
			supervisor 403 403 403 403
			staff      403 403 403 403
			svc        403 403 403 403
			otherAdmin 404 404 404 404
			revoked    401 401 401 401
			anonymous  401 401 401 401`},

		{route: "POST units/{id}/archive", columns: unitColumns, mutates: true,
			build: func(c *cell) request { return request{path: "units/" + c.unitTarget(false).ID + "/archive"} },
			want: `
			           inD inA inB inE
			owner      200 200 200 200
			admin      200 200 200 200
			district   403 403 403 403
			siteB      403 403 403 403
			supervisor 403 403 403 403
			staff      403 403 403 403
			svc        403 403 403 403
			otherAdmin 404 404 404 404
			revoked    401 401 401 401
			anonymous  401 401 401 401`},

		{route: "POST units/{id}/unarchive", columns: unitColumns, mutates: true,
			build: func(c *cell) request { return request{path: "units/" + c.unitTarget(true).ID + "/unarchive"} },
			want: `
			           inD inA inB inE
			owner      200 200 200 200
			admin      200 200 200 200
			district   403 403 403 403
			siteB      403 403 403 403
			supervisor 403 403 403 403
			staff      403 403 403 403
			svc        403 403 403 403
			otherAdmin 404 404 404 404
			revoked    401 401 401 401
			anonymous  401 401 401 401`},
	}
}

// settingsMatrix covers the organization's settings and its audit log:
// reading takes users.view (audit.view for the log), changing takes
// settings.manage, which only the owner holds.
func settingsMatrix() []matrixRoute {
	fieldPath := func(c *cell) string { return "settings/custom-fields/" + c.field().ID }
	return []matrixRoute{
		{route: "GET settings/custom-fields", columns: one,
			build: func(c *cell) request { return request{path: "settings/custom-fields"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "POST settings/custom-fields", columns: one,
			build: func(c *cell) request {
				return request{path: "settings/custom-fields", body: map[string]string{"key": "k_" + newTag(), "label": "New", "type": "text"}}
			},
			want: `
			           it
			owner      201
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "PUT settings/custom-fields/{id}", columns: one, mutates: true,
			build: func(c *cell) request { return request{path: fieldPath(c), body: `{"label": "Renamed"}`} },
			want: `
			           it
			owner      200
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "DELETE settings/custom-fields/{id}", columns: one, mutates: true,
			build: func(c *cell) request { return request{path: fieldPath(c)} },
			want: `
			           it
			owner      204
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "GET settings/unit-kinds", columns: one,
			build: func(c *cell) request { return request{path: "settings/unit-kinds"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "PUT settings/unit-kinds/{key}", columns: one,
			build: func(c *cell) request {
				return request{path: "settings/unit-kinds/department", body: `{"label": "Department"}`}
			},
			want: `
			           it
			owner      200
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "GET settings/licenses", columns: one,
			build: func(c *cell) request { return request{path: "settings/licenses"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "PUT settings/licenses", columns: one,
			build: func(c *cell) request { return request{path: "settings/licenses", body: `{"premium_seat_limit": null}`} },
			want: `
			           it
			owner      200
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "GET audit-events", columns: one,
			build: func(c *cell) request { return request{path: "audit-events"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 403
			staff      403
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
		// Anyone signed in reads the security policy (it says which password
		// rules apply to them); replacing it takes settings.manage.
		{route: "GET settings/security", columns: one,
			build: func(c *cell) request { return request{path: "settings/security"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "PUT settings/security", columns: one,
			build: func(c *cell) request { return request{path: "settings/security", body: defaultPolicyJSON} },
			want: `
			           it
			owner      200
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
	}
}

// roleMatrix covers roles and the permission catalog. The role targets
// (columns) are a role at level 5 (low), one at level 90 (high), the owner
// role (own), the default role (dft, basic) and a role at level 5 that
// someone holds (held). Changing roles takes roles.manage through an
// organization-wide grant, never above one's level; the owner role keeps
// every permission; the default role stays the default until another is.
func roleMatrix() []matrixRoute {
	rolePath := func(c *cell) string { return "roles/" + c.role().ID }
	return []matrixRoute{
		{route: "GET permissions", columns: one,
			build: func(c *cell) request { return request{path: "permissions"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "GET roles", columns: one,
			build: func(c *cell) request { return request{path: "roles"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "POST roles", columns: one,
			build: func(c *cell) request {
				return request{path: "roles", body: map[string]any{"name": "Made " + newTag(), "level": 5, "permissions": []string{}}}
			},
			want: `
			           it
			owner      201
			admin      201
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 201
			revoked    401
			anonymous  401`},
		{route: "GET roles/{id}", columns: roleColumns,
			build: func(c *cell) request { return request{path: rolePath(c)} },
			want: `
			           low high own dft held
			owner      200 200  200 200 200
			admin      200 200  200 200 200
			district   200 200  200 200 200
			siteB      200 200  200 200 200
			supervisor 200 200  200 200 200
			staff      200 200  200 200 200
			svc        200 200  200 200 200
			otherAdmin 404 404  404 404 404
			revoked    401 401  401 401 401
			anonymous  401 401  401 401 401`},
		{route: "PUT roles/{id}", columns: roleColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: rolePath(c), body: map[string]any{"name": "Renamed " + newTag(), "level": 5, "permissions": []string{}}}
			},
			want: `
			           low high own dft held
			owner      200 200  409 422 200
			admin      200 403  403 422 200
			district   403 403  403 403 403
			siteB      403 403  403 403 403
			supervisor 403 403  403 403 403
			staff      403 403  403 403 403
			svc        403 403  403 403 403
			otherAdmin 404 404  404 404 404
			revoked    401 401  401 401 401
			anonymous  401 401  401 401 401`},
		{route: "DELETE roles/{id}", columns: roleColumns, mutates: true,
			build: func(c *cell) request { return request{path: rolePath(c)} },
			want: `
			           low high own dft held
			owner      204 204  409 409 409
			admin      204 403  403 409 409
			district   403 403  403 403 403
			siteB      403 403  403 403 403
			supervisor 403 403  403 403 403
			staff      403 403  403 403 403
			svc        403 403  403 403 403
			otherAdmin 404 404  404 404 404
			revoked    401 401  401 401 401
			anonymous  401 401  401 401 401`},
	}
}

// selfMatrix covers what every signed-in user may do for themself: their
// record, their grants and active grant, their tokens (and, with
// settings.manage, everyone's).
func selfMatrix() []matrixRoute {
	return []matrixRoute{
		{route: "GET me", columns: one,
			build: func(c *cell) request { return request{path: "me"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "GET me/grants", columns: one,
			build: func(c *cell) request { return request{path: "me/grants"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "GET me/active-grant", columns: one,
			build: func(c *cell) request { return request{path: "me/active-grant"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		// One's own grant (own) or somebody else's (foreign).
		{route: "PUT me/active-grant", columns: []string{"own", "foreign"},
			build: func(c *cell) request {
				g := c.w.actors["owner"].grant
				if c.column == "own" && c.actor.grant != nil {
					g = c.actor.grant
				} else if c.column == "foreign" {
					g = c.w.actors["staff"].grant
					if c.actor.name == "staff" {
						g = c.w.actors["supervisor"].grant
					}
				}
				return request{path: "me/active-grant", body: map[string]string{"grant_id": g.ID}}
			},
			want: `
			           own foreign
			owner      200 422
			admin      200 422
			district   200 422
			siteB      200 422
			supervisor 200 422
			staff      200 422
			svc        200 422
			otherAdmin 200 422
			revoked    401 401
			anonymous  401 401`},
		{route: "GET tokens", columns: one,
			build: func(c *cell) request { return request{path: "tokens"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 200
			staff      200
			svc        200
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "POST tokens", variant: "for oneself", columns: one,
			build: func(c *cell) request { return request{path: "tokens", body: `{"name": "mine"}`} },
			want: `
			           it
			owner      201
			admin      201
			district   201
			siteB      201
			supervisor 201
			staff      201
			svc        201
			otherAdmin 201
			revoked    401
			anonymous  401`},
		// One of the actor's own tokens (mine) or a bystander's (theirs).
		{route: "DELETE tokens/{id}", columns: []string{"mine", "theirs"}, mutates: true,
			build: func(c *cell) request { return request{path: "tokens/" + c.token().ID} },
			want: `
			           mine theirs
			owner      200  200
			admin      200  404
			district   200  404
			siteB      200  404
			supervisor 200  404
			staff      200  404
			svc        200  404
			otherAdmin 200  404
			revoked    401  401
			anonymous  401  401`},
		// A session of the actor's own (mine) or of a bystander (theirs): the
		// list shows only one's own, and only one's own can be ended.
		{route: "GET me/sessions", columns: []string{"mine", "theirs"}, observe: sessionListed,
			build: func(c *cell) request { c.session(); return request{path: "me/sessions"} },
			want: `
			           mine theirs
			owner      200  404
			admin      200  404
			district   200  404
			siteB      200  404
			supervisor 200  404
			staff      200  404
			svc        200  404
			otherAdmin 200  404
			revoked    401  401
			anonymous  401  401`},
		{route: "DELETE me/sessions/{id}", columns: []string{"mine", "theirs"}, mutates: true,
			build: func(c *cell) request { return request{path: "me/sessions/" + c.session().ID} },
			want: `
			           mine theirs
			owner      204  404
			admin      204  404
			district   204  404
			siteB      204  404
			supervisor 204  404
			staff      204  404
			svc        204  404
			otherAdmin 204  404
			revoked    401  401
			anonymous  401  401`},
	}
}

// sessionListed is the observe function of GET /me/sessions: 200 when the
// cell's session is listed, 404 when it is not.
func sessionListed(c *cell, r *response) (int, string) {
	var l sessionList
	if err := json.Unmarshal(r.Body, &l); err != nil {
		return 0, " (not a session list)"
	}
	want := c.session().ID
	for _, s := range l.Items {
		if s.ID == want {
			return http.StatusOK, ""
		}
	}
	return http.StatusNotFound, " (not listed)"
}
