package rest_test

import (
	"roster/internal/directory"
)

// sharingMatrix covers groups and relationships (and, through
// resourceMatrix, resources).
//
// Groups take users.view to read and groups.manage to change (owner,
// administrator, managers); a group with members the actor may not see may
// not be renamed or deleted by them. Members are added and taken away only
// when the actor may manage them. The group targets (columns) are a group
// without members (none), one whose member is on site A (memA), one whose
// member is on district E (memE).
//
// Relationships take users.edit and both users manageable; a cell links its
// target with the actor's partner, a user without grants the actor added.
func sharingMatrix() []matrixRoute {
	return append(groupMatrix(), resourceMatrix()...)
}

func groupMatrix() []matrixRoute {
	groupPath := func(suffix string) func(c *cell) request {
		return func(c *cell) request { return request{path: "groups/" + c.group().group.ID + suffix} }
	}
	return []matrixRoute{
		{route: "GET group-categories", columns: one,
			build: func(c *cell) request { return request{path: "group-categories"} },
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
		{route: "POST group-categories", columns: one,
			build: func(c *cell) request {
				return request{path: "group-categories", body: map[string]string{"name": "Category " + newTag()}}
			},
			want: `
			           it
			owner      201
			admin      201
			district   201
			siteB      201
			supervisor 403
			staff      403
			svc        403
			otherAdmin 201
			revoked    401
			anonymous  401`},
		{route: "DELETE group-categories/{id}", columns: one, mutates: true,
			build: func(c *cell) request {
				id := c.get("category", func() any { return c.w.newCategory() }).(*directory.GroupCategory).ID
				return request{path: "group-categories/" + id}
			},
			want: `
			           it
			owner      204
			admin      204
			district   204
			siteB      204
			supervisor 403
			staff      403
			svc        403
			otherAdmin 404
			revoked    401
			anonymous  401`},
		{route: "GET groups", columns: one,
			build: func(c *cell) request { return request{path: "groups"} },
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
		{route: "POST groups", columns: one,
			build: func(c *cell) request {
				return request{path: "groups", body: map[string]string{"name": "Group " + newTag()}}
			},
			want: `
			           it
			owner      201
			admin      201
			district   201
			siteB      201
			supervisor 403
			staff      403
			svc        403
			otherAdmin 201
			revoked    401
			anonymous  401`},
		{route: "GET groups/{id}", columns: groupColumns, build: groupPath(""),
			want: `
			           none memA memE
			owner      200  200  200
			admin      200  200  200
			district   200  200  200
			siteB      200  200  200
			supervisor 200  200  200
			staff      200  200  200
			svc        403  403  403
			otherAdmin 404  404  404
			revoked    401  401  401
			anonymous  401  401  401`},
		{route: "PATCH groups/{id}", columns: groupColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: "groups/" + c.group().group.ID, body: map[string]string{"name": "Renamed " + newTag()}}
			},
			want: `
			           none memA memE
			owner      200  200  200
			admin      200  200  200
			district   200  200  403
			siteB      200  403  403
			supervisor 403  403  403
			staff      403  403  403
			svc        403  403  403
			otherAdmin 404  404  404
			revoked    401  401  401
			anonymous  401  401  401`},
		{route: "DELETE groups/{id}", columns: groupColumns, mutates: true, build: groupPath(""),
			want: `
			           none memA memE
			owner      204  204  204
			admin      204  204  204
			district   204  204  403
			siteB      204  403  403
			supervisor 403  403  403
			staff      403  403  403
			svc        403  403  403
			otherAdmin 404  404  404
			revoked    401  401  401
			anonymous  401  401  401`},
		// 200: the group's member is listed and counted; 404: nobody is.
		{route: "GET groups/{id}/members", columns: groupColumns, build: groupPath("/members"),
			observe: resourceListed(func(c *cell) string {
				if m := c.group().member; m != nil {
					return m.ID
				}
				return "nobody"
			}),
			want: `
			           none memA memE
			owner      404  200  200
			admin      404  200  200
			district   404  200  404
			siteB      404  404  404
			supervisor 404  200  404
			staff      404  200  404
			svc        403  403  403
			otherAdmin 404  404  404
			revoked    401  401  401
			anonymous  401  401  401`},
		// Remove by group: the members the actor may delete go to the bin,
		// the rest are reported or, unseen, left alone; the answer is 200.
		{route: "POST groups/{id}/delete-members", columns: groupColumns, mutates: true, build: groupPath("/delete-members"),
			want: `
			           none memA memE
			owner      200  200  200
			admin      200  200  200
			district   200  200  200
			siteB      200  200  200
			supervisor 403  403  403
			staff      403  403  403
			svc        403  403  403
			otherAdmin 404  404  404
			revoked    401  401  401
			anonymous  401  401  401`},
		// The target joins a group of their organization.
		{route: "POST groups/{id}/members", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				return request{path: "groups/" + c.orgGroup("add").ID + "/members", body: map[string]string{"user_id": tg.user.ID}}
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
		// The target, a member, leaves a group of their organization.
		{route: "DELETE groups/{id}/members/{user_id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				g := c.orgGroup("remove")
				c.w.addMember(g, tg.user)
				return request{path: "groups/" + g.ID + "/members/" + tg.user.ID}
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

		{route: "GET relationship-kinds", columns: one,
			build: func(c *cell) request { return request{path: "relationship-kinds"} },
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
		{route: "PUT relationship-kinds/{key}", columns: one,
			build: func(c *cell) request {
				return request{path: "relationship-kinds/coach_of", body: `{"label": "Coach of", "inverse_label": "Athlete of"}`}
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
		{route: "GET users/{id}/relationships", columns: userColumns,
			build: func(c *cell) request { return request{path: c.userPath(stateNormal, "/relationships")} },
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
		// The target becomes the parent of the actor's partner.
		{route: "POST users/{id}/relationships", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/relationships"),
					body: map[string]string{"kind": "parent_of", "to_user_id": c.partner().ID}}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 404
			admin      201 201 201 201 201 201 403 201 201 201 201 201 201 201 201 404
			district   201 201 201 201 201 403 404 201 201 403 201 403 201 404 404 404
			siteB      404 404 404 404 404 404 404 201 201 403 201 404 404 404 404 404
			supervisor 201 201 201 201 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 201
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
		// The target's link with the actor's partner goes.
		{route: "DELETE users/{id}/relationships/{relationship_id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				p := c.partner()
				r := c.get("link:"+tg.user.ID+":"+p.ID, func() any { return c.w.newRelationship(tg.user, p) }).(*directory.Relationship)
				return request{path: "users/" + tg.user.ID + "/relationships/" + r.ID}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      204 204 204 204 204 204 204 204 204 204 204 204 204 204 204 404
			admin      204 204 204 204 204 204 403 204 204 204 204 204 204 204 204 404
			district   204 204 204 204 204 403 404 204 204 403 204 403 204 404 404 404
			siteB      404 404 404 404 404 404 404 204 204 403 204 404 404 404 404 404
			supervisor 204 204 204 204 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 204
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
		// 200: the target is in the actor's team (only tmB, the
		// supervisor's); 404: not.
		{route: "GET me/team", columns: userColumns,
			build:   func(c *cell) request { return request{path: "me/team?q=" + c.user(stateNormal).tag} },
			observe: resourceListed(func(c *cell) string { return c.target.user.ID }),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
			admin      404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
			district   404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
			siteB      404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
			supervisor 404 404 404 404 404 404 404 404 404 404 200 404 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
	}
}
