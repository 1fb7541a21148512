package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"roster/internal/directory"
	"roster/internal/rest"
)

// invitationMatrix covers the invitation routes. Resending takes
// users.invite (which the supervisor holds, and staff and svc do not) on a
// pending user the actor may manage, so its table is the one of the other
// actions on a user. A bulk invitation gives the basic role over a
// department (the unit targets): each cell sends one address and reads its
// outcome, invited as 200 and not_allowed as 403.
func invitationMatrix() []matrixRoute {
	return []matrixRoute{
		{route: "POST users/{id}/resend-invitation", columns: userColumns, mutates: true,
			build: func(c *cell) request {
				return request{path: "users/" + c.pendingUser().user.ID + "/resend-invitation"}
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

		{route: "POST invitations/bulk", columns: unitColumns, mutates: true, observe: inviteOutcome,
			build: func(c *cell) request {
				return request{path: "invitations/bulk", body: map[string]any{
					"emails": newTag() + "@example.org", "role_id": c.w.roles[c.w.org.ID]["basic"].ID,
					"unit_ids": []string{c.unitTarget(false).ID}}}
			},
			want: `
			           inD inA inB inE
			owner      200 200 200 200
			admin      200 200 200 200
			district   200 200 200 403
			siteB      403 403 200 403
			supervisor 403 200 403 403
			staff      403 403 403 403
			svc        403 403 403 403
			otherAdmin 422 422 422 422
			revoked    401 401 401 401
			anonymous  401 401 401 401`},
	}
}

// pendingUser returns the cell's user target as a pending user.
func (c *cell) pendingUser() *target {
	c.target = c.get("user:"+c.column+"/pending", func() any {
		tg := c.w.newTarget(c.column, stateInactive)
		tg.user.Status = directory.StatusPending
		if err := c.w.e.DB.UpdateUserState(c.w.ctx, tg.user, tg.user.Version); err != nil {
			c.w.t.Fatalf("UpdateUserState: %v", err)
		}
		return tg
	}).(*target)
	return c.target
}

// inviteOutcome is the observe function of a bulk invitation of one
// address: invited is 200, not_allowed 403.
func inviteOutcome(c *cell, r *response) (int, string) {
	var got struct {
		Results []rest.BulkInviteResultJSON `json:"results"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || len(got.Results) != 1 {
		return 0, " (not one result)"
	}
	switch res := got.Results[0]; res.Outcome {
	case "invited":
		return http.StatusOK, ""
	case "not_allowed":
		return http.StatusForbidden, " (" + res.Detail + ")"
	default:
		return 0, fmt.Sprintf(" (outcome %s: %s)", res.Outcome, res.Detail)
	}
}
