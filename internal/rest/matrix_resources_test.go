package rest_test

import "net/url"

// resourceMatrix covers resources. They lie in their unit's scope: the
// resource targets (columns) are clients on district D, sites A and B,
// district E, and of the whole organization (rsD … rsO). Reading takes
// users.view (or resources.manage), changing and assigning
// resources.manage; a user cell assigns or asks about a client in the
// actor's own scope, so that what answers is the rule about the user.
func resourceMatrix() []matrixRoute {
	resourcePath := func(suffix string) func(c *cell) request {
		return func(c *cell) request { return request{path: "resources/" + c.resource().ID + suffix} }
	}
	return []matrixRoute{
		// 200: the resource is listed and counted; 404: it is not.
		{route: "GET resources", columns: resourceColumns,
			build: func(c *cell) request {
				return request{path: "resources?q=" + url.QueryEscape(c.resource().Name)}
			},
			observe: resourceListed(func(c *cell) string { return c.resource().ID }),
			want: `
			           rsD rsA rsB rsE rsO
			owner      200 200 200 200 200
			admin      200 200 200 200 200
			district   200 200 200 404 404
			siteB      404 404 200 404 404
			supervisor 404 200 404 404 404
			staff      404 200 404 404 404
			svc        403 403 403 403 403
			otherAdmin 404 404 404 404 404
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		// A new client on the column's unit (of the whole organization for rsO).
		{route: "POST resources", columns: resourceColumns,
			build: func(c *cell) request {
				b := map[string]string{"kind": "client", "name": "Client " + newTag()}
				if u := c.w.units[c.column[2:]]; u != nil {
					b["unit_id"] = u.ID
				}
				return request{path: "resources", body: b}
			},
			want: `
			           rsD rsA rsB rsE rsO
			owner      201 201 201 201 201
			admin      201 201 201 201 201
			district   201 201 201 422 422
			siteB      422 422 201 422 422
			supervisor 403 403 403 403 403
			staff      403 403 403 403 403
			svc        403 403 403 403 403
			otherAdmin 422 422 422 422 201
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		{route: "GET resources/{id}", columns: resourceColumns, build: resourcePath(""),
			want: `
			           rsD rsA rsB rsE rsO
			owner      200 200 200 200 200
			admin      200 200 200 200 200
			district   200 200 200 404 404
			siteB      404 404 200 404 404
			supervisor 404 200 404 404 404
			staff      404 200 404 404 404
			svc        403 403 403 403 403
			otherAdmin 404 404 404 404 404
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		{route: "PATCH resources/{id}", columns: resourceColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: "resources/" + c.resource().ID, body: map[string]string{"name": "Renamed " + newTag()}}
			},
			want: `
			           rsD rsA rsB rsE rsO
			owner      200 200 200 200 200
			admin      200 200 200 200 200
			district   200 200 200 404 404
			siteB      404 404 200 404 404
			supervisor 403 403 403 403 403
			staff      403 403 403 403 403
			svc        403 403 403 403 403
			otherAdmin 404 404 404 404 404
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		{route: "POST resources/{id}/archive", columns: resourceColumns, mutates: true, build: resourcePath("/archive"),
			want: `
			           rsD rsA rsB rsE rsO
			owner      200 200 200 200 200
			admin      200 200 200 200 200
			district   200 200 200 404 404
			siteB      404 404 200 404 404
			supervisor 403 403 403 403 403
			staff      403 403 403 403 403
			svc        403 403 403 403 403
			otherAdmin 404 404 404 404 404
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		{route: "DELETE resources/{id}", columns: resourceColumns, mutates: true, build: resourcePath(""),
			want: `
			           rsD rsA rsB rsE rsO
			owner      204 204 204 204 204
			admin      204 204 204 204 204
			district   204 204 204 404 404
			siteB      404 404 204 404 404
			supervisor 403 403 403 403 403
			staff      403 403 403 403 403
			svc        403 403 403 403 403
			otherAdmin 404 404 404 404 404
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		{route: "GET resources/{id}/users", columns: resourceColumns, build: resourcePath("/users"),
			want: `
			           rsD rsA rsB rsE rsO
			owner      200 200 200 200 200
			admin      200 200 200 200 200
			district   200 200 200 404 404
			siteB      404 404 200 404 404
			supervisor 404 200 404 404 404
			staff      404 200 404 404 404
			svc        403 403 403 403 403
			otherAdmin 404 404 404 404 404
			revoked    401 401 401 401 401
			anonymous  401 401 401 401 401`},
		{route: "GET settings/resource-kinds", columns: one,
			build: func(c *cell) request { return request{path: "settings/resource-kinds"} },
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
		{route: "PUT settings/resource-kinds/{key}", columns: one,
			build: func(c *cell) request {
				return request{path: "settings/resource-kinds/client", body: `{"label": "Client"}`}
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
		{route: "GET users/{id}/resources", columns: userColumns,
			build: func(c *cell) request { return request{path: c.userPath(stateNormal, "/resources")} },
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 200 404 200 200 200 200 200 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 200 200 404 404 404 404 404
			supervisor 200 200 200 200 200 200 404 404 404 404 200 200 404 404 404 404
			staff      200 200 200 200 200 200 404 404 404 404 404 200 404 404 404 404
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
		// The target gets a client in the actor's scope.
		{route: "POST users/{id}/resources", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/resources"), body: map[string]string{"resource_id": c.actorResource().ID}}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 404
			admin      201 201 201 201 201 201 403 201 201 201 201 201 201 201 201 404
			district   201 201 201 201 201 403 404 201 201 403 201 403 201 404 404 404
			siteB      404 404 404 404 404 404 404 201 201 403 201 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 201
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
		// The target's assignment of a client in the actor's scope goes.
		{route: "DELETE users/{id}/resources/{assignment_id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				res := c.actorResource()
				id := c.get("assignment:"+tg.user.ID+":"+res.ID, func() any { return c.w.assign(tg.user, res) }).(string)
				return request{path: "users/" + tg.user.ID + "/resources/" + id}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      204 204 204 204 204 204 204 204 204 204 204 204 204 204 204 404
			admin      204 204 204 204 204 204 403 204 204 204 204 204 204 204 204 404
			district   204 204 204 204 204 403 404 204 204 403 204 403 204 404 404 404
			siteB      404 404 404 404 404 404 404 204 204 403 204 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 204
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
		{route: "GET users/{id}/reachable-resources", columns: userColumns,
			build: func(c *cell) request { return request{path: c.userPath(stateNormal, "/reachable-resources")} },
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 200 404 200 200 200 200 200 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 200 200 404 404 404 404 404
			supervisor 200 200 200 200 200 200 404 404 404 404 200 200 404 404 404 404
			staff      200 200 200 200 200 200 404 404 404 404 404 200 404 404 404 404
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
		// May the target view users, on a client in the actor's scope?
		{route: "GET access/check", columns: userColumns,
			build: func(c *cell) request {
				return request{path: "access/check?permission=users.view&user_id=" + c.user(stateNormal).user.ID +
					"&resource_id=" + c.actorResource().ID}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 200 404 200 200 200 200 200 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 200 200 404 404 404 404 404
			supervisor 200 200 200 200 200 200 404 404 404 404 200 200 404 404 404 404
			staff      200 200 200 200 200 200 404 404 404 404 404 200 404 404 404 404
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
	}
}
