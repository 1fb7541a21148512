package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"roster/internal/rest"
)

// The user targets (columns), all active and never signed in:
//
//	bsA basic (10) on site A          bsB basic on site B
//	scA service contact (15) on A     mgB manager on site B
//	stA staff (20) on A               adB administrator on site B
//	suA supervisor (40) on A          tmB basic on site B, in the supervisor's team
//	mgA manager (60) on A             mix basic on site A and basic on district E
//	adA administrator (80) on A       ngd no grant, added by the district administrator
//	ow2 a second owner (100)          bsE basic on district E
//	                                  stO staff over the whole organization
//	                                  oth a user of the other organization
//
// The actors (rows): owner; admin (administrator, organization-wide);
// district (manager on district D, which holds sites A and B); siteB
// (manager on site B); supervisor (on site A); staff (on site A); svc
// (service contact on site A); otherAdmin (administrator of the other
// organization); revoked (a revoked token); anonymous (no credentials).

// userMatrix is the matrix of the routes about one user.
func userMatrix(t *testing.T) []matrixRoute {
	png := encodePNG(t, picture(4, 4))
	path := func(state, suffix string) func(c *cell) request {
		return func(c *cell) request { return request{path: c.userPath(state, suffix)} }
	}
	return []matrixRoute{
		{route: "GET users", columns: userColumns, observe: listed,
			build: func(c *cell) request { return request{path: "users?q=" + c.user(stateNormal).tag} },
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

		{route: "GET users/{id}", columns: userColumns, build: path(stateNormal, ""),
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

		{route: "PATCH users/{id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, ""), body: `{"job_title": "Changed"}`}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "DELETE users/{id}", columns: userColumns, mutates: true, build: path(stateNormal, ""),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "POST users/{id}/disable", columns: userColumns, mutates: true, build: path(stateNormal, "/disable"),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "POST users/{id}/enable", columns: userColumns, mutates: true, build: path(stateInactive, "/enable"),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "POST users/{id}/restore", columns: userColumns, mutates: true, build: path(stateBinned, "/restore"),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "POST users/{id}/unlock", columns: userColumns, mutates: true, build: path(stateLocked, "/unlock"),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "POST users/{id}/purge", columns: userColumns, mutates: true, build: path(stateBinned, "/purge"),
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

		{route: "POST users/{id}/email", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/email"), body: map[string]string{"email": newTag() + "@example.org"}}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "PUT users/{id}/photo", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/photo"), body: png, header: []string{"Content-Type", "image/png"}}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "GET users/{id}/photo", columns: userColumns, build: path(stateNormal, "/photo"),
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

		{route: "DELETE users/{id}/photo", columns: userColumns, mutates: true, build: path(stateNormal, "/photo"),
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

		{route: "GET users/{id}/time-off", columns: userColumns, build: path(stateNormal, "/time-off"),
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

		{route: "POST users/{id}/time-off", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/time-off"), body: `{"kind": "sick", "starts_on": "2030-01-01", "ends_on": "2030-01-02"}`}
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

		{route: "DELETE users/{id}/time-off/{time_off_id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				return request{path: "users/" + tg.user.ID + "/time-off/" + tg.timeOff}
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

		{route: "GET users/{id}/grants", columns: userColumns, build: path(stateNormal, "/grants"),
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

		// A service contact grant over the target's home unit (the whole
		// organization for ow2, stO and oth); scA holds one already.
		{route: "POST users/{id}/grants", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				p := c.userPath(stateNormal, "/grants")
				return request{path: p, body: grantBody(c, c.builtin("service_contact"), c.homeUnit(),
					map[string]string{"service_description": "Occupational therapy"})}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      201 409 201 201 201 201 201 201 201 201 201 201 201 201 201 404
			admin      201 409 201 201 201 201 403 201 201 201 201 201 201 201 201 404
			district   201 409 201 201 201 403 404 201 201 403 201 403 201 404 404 404
			siteB      404 404 404 404 404 404 404 201 201 403 201 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 201
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		// The target's first grant becomes a basic one over the same scope
		// (ngd has none: 404 once the user may be managed).
		{route: "PUT users/{id}/grants/{grant_id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				unit := ""
				if tg.grant != nil {
					unit = tg.grant.UnitID
				}
				return request{path: "users/" + tg.user.ID + "/grants/" + c.grantID(), body: grantBody(c, c.builtin("basic"), unit, nil)}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 404 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 404 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 404 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "DELETE users/{id}/grants/{grant_id}", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				tg := c.user(stateNormal)
				return request{path: "users/" + tg.user.ID + "/grants/" + c.grantID()}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      204 204 204 204 204 204 204 204 204 204 204 204 404 204 204 404
			admin      204 204 204 204 204 204 403 204 204 204 204 204 404 204 204 404
			district   204 204 204 204 204 403 404 204 204 403 204 403 404 404 404 404
			siteB      404 404 404 404 404 404 404 204 204 403 204 404 404 404 404 404
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 204
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		// Minting a token that acts as the target takes settings.manage,
		// which only the owner holds.
		{route: "POST tokens", variant: "for a user", columns: userColumns,
			build: func(c *cell) request {
				return request{path: "tokens", body: map[string]string{"name": "minted", "user_id": c.user(stateNormal).user.ID}}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 404
			admin      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			district   403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			siteB      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		// The credential actions follow the delegation rule like the other
		// actions on one user: users.reset_password (reset-password,
		// mfa/reset), users.unlock (users/unlock) and users.edit (sessions,
		// require-mfa), all of which the supervisor holds, on a user the
		// actor may manage.
		{route: "POST users/{id}/reset-password", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/reset-password"), body: `{"method": "link"}`}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		// A bulk unlock of the one target: the cell's status is the one the
		// answer gives for it (the whole request is refused without
		// users.unlock).
		{route: "POST users/unlock", columns: userColumns, mutates: true, observe: unlockOutcome,
			build: func(c *cell) request {
				return request{path: "users/unlock", body: map[string][]string{"ids": {c.user(stateLocked).user.ID}}}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "GET users/{id}/sessions", columns: userColumns, build: path(stateNormal, "/sessions"),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "DELETE users/{id}/sessions", columns: userColumns, mutates: true, build: path(stateNormal, "/sessions"),
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		// The target has an authenticator app to reset.
		{route: "POST users/{id}/mfa/reset", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				u := c.user(stateNormal).user
				if err := c.w.e.DB.SetTOTP(c.w.ctx, u.OrgID, u.ID, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", c.w.clock.Now().UnixMicro()); err != nil {
					c.w.t.Fatal(err)
				}
				return request{path: "users/" + u.ID + "/mfa/reset"}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		{route: "POST users/{id}/require-mfa", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: c.userPath(stateNormal, "/require-mfa"), body: `{"required": true}`}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 404
			admin      200 200 200 200 200 200 403 200 200 200 200 200 200 200 200 404
			district   200 200 200 200 200 403 404 200 200 403 200 403 200 404 404 404
			siteB      404 404 404 404 404 404 404 200 200 403 200 404 404 404 404 404
			supervisor 200 200 200 200 403 403 404 404 404 404 403 403 404 404 404 404
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},
	}
}

// unlockOutcome is the observe function of POST /users/unlock: the status
// the answer reports for the cell's target.
func unlockOutcome(c *cell, r *response) (int, string) {
	var got struct {
		Results []rest.UnlockResultJSON `json:"results"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || len(got.Results) != 1 || got.Results[0].UserID != c.target.user.ID {
		return 0, " (not one result for the target)"
	}
	res := got.Results[0]
	if (res.Status == http.StatusOK) != (res.Outcome == "unlocked") {
		return 0, fmt.Sprintf(" (outcome %s with status %d)", res.Outcome, res.Status)
	}
	return res.Status, " (" + res.Detail + ")"
}
