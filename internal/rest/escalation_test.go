package rest_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestEscalation tries the side paths by which an administrator could
// widen their own access or act beyond it; each must be refused and change
// nothing.
func TestEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		w := newWorld(t, e)
		district, siteB, supervisor := w.actors["district"], w.actors["siteB"], w.actors["supervisor"]
		admin := w.actors["admin"]
		unitA, unitB, unitD, unitE := w.units["A"].ID, w.units["B"].ID, w.units["D"].ID, w.units["E"].ID
		watchUser := func(id string) []string { return []string{"users/" + id, "users/" + id + "/grants"} }

		t.Run("granting a role above one's level", func(t *testing.T) {
			w := w.with(t)
			bsA := w.newTarget("bsA", stateNormal)
			for _, key := range []string{"administrator", "owner"} {
				w.refuse("the district administrator gives "+key, district, http.StatusForbidden,
					"POST", "users/"+bsA.user.ID+"/grants", grantTo(w.role(key), unitA), watchUser(bsA.user.ID)...)
				w.refuse("the district administrator raises a grant to "+key, district, http.StatusForbidden,
					"PUT", "users/"+bsA.user.ID+"/grants/"+bsA.grant.ID, grantTo(w.role(key), unitA), watchUser(bsA.user.ID)...)
			}
			// A custom role one level above the manager's.
			above := must[roleJSON](t, w.do("POST", "roles", map[string]any{"name": "Deputy " + newTag(), "level": 61,
				"permissions": []string{"users.view"}}), http.StatusCreated)
			w.refuse("the district administrator gives a role at level 61", district, http.StatusForbidden,
				"POST", "users/"+bsA.user.ID+"/grants", map[string]any{"role_id": above.ID, "unit_id": unitA}, watchUser(bsA.user.ID)...)
			w.refuse("a supervisor gives any grant", supervisor, http.StatusForbidden,
				"POST", "users/"+bsA.user.ID+"/grants", grantTo(w.role("basic"), unitA), watchUser(bsA.user.ID)...)
			// At their own level it works: the rule is "at or below".
			must[grantJSON](t, w.send(district, "POST", "users/"+bsA.user.ID+"/grants", grantTo(w.role("manager"), unitA)), http.StatusCreated)
		})

		t.Run("granting outside one's scope", func(t *testing.T) {
			w := w.with(t)
			bsA, bsB, bsE := w.newTarget("bsA", stateNormal), w.newTarget("bsB", stateNormal), w.newTarget("bsE", stateNormal)
			p := w.refuse("the district administrator grants on district E", district, http.StatusUnprocessableEntity,
				"POST", "users/"+bsA.user.ID+"/grants", grantTo(w.role("basic"), unitE), watchUser(bsA.user.ID)...)
			if !strings.Contains(string(p.Body), "body.unit_id") {
				t.Errorf("the refusal does not point at unit_id: %s", p)
			}
			w.refuse("the district administrator grants over the whole organization", district, http.StatusForbidden,
				"POST", "users/"+bsA.user.ID+"/grants", grantTo(w.role("basic"), ""), watchUser(bsA.user.ID)...)
			w.refuse("the site B administrator grants on site A", siteB, http.StatusUnprocessableEntity,
				"POST", "users/"+bsB.user.ID+"/grants", grantTo(w.role("basic"), unitA), watchUser(bsB.user.ID)...)
			w.refuse("the site B administrator moves a grant to site A", siteB, http.StatusUnprocessableEntity,
				"PUT", "users/"+bsB.user.ID+"/grants/"+bsB.grant.ID, grantTo(w.role("basic"), unitA), watchUser(bsB.user.ID)...)
			w.refuse("the site B administrator moves a grant to district D", siteB, http.StatusUnprocessableEntity,
				"PUT", "users/"+bsB.user.ID+"/grants/"+bsB.grant.ID, grantTo(w.role("basic"), unitD), watchUser(bsB.user.ID)...)
			w.refuse("the district administrator grants to a user of district E", district, http.StatusNotFound,
				"POST", "users/"+bsE.user.ID+"/grants", grantTo(w.role("basic"), unitA), watchUser(bsE.user.ID)...)
		})

		t.Run("raising one's own grants", func(t *testing.T) {
			w := w.with(t)
			self := "users/" + district.user.ID + "/grants"
			own := self + "/" + district.grant.ID
			watch := append(watchUser(district.user.ID), "users/"+district.user.ID+"/grants")
			for _, c := range []struct {
				what   string
				status int
				method string
				path   string
				body   any
			}{
				{"to the administrator role", http.StatusForbidden, "PUT", own, grantTo(w.role("administrator"), unitD)},
				{"to the owner role", http.StatusForbidden, "PUT", own, grantTo(w.role("owner"), unitD)},
				{"to the whole organization", http.StatusForbidden, "PUT", own, grantTo(w.role("manager"), "")},
				{"to district E", http.StatusUnprocessableEntity, "PUT", own, grantTo(w.role("manager"), unitE)},
				{"with a second grant as owner", http.StatusForbidden, "POST", self, grantTo(w.role("owner"), unitD)},
				{"with a second grant over the whole organization", http.StatusForbidden, "POST", self, grantTo(w.role("staff"), "")},
				{"with a second grant on district E", http.StatusUnprocessableEntity, "POST", self, grantTo(w.role("manager"), unitE)},
			} {
				w.refuse("the district administrator raises their own grant "+c.what, district, c.status, c.method, c.path, c.body, watch...)
			}
			w.refuse("a supervisor gives themself a grant", supervisor, http.StatusForbidden,
				"POST", "users/"+supervisor.user.ID+"/grants", grantTo(w.role("supervisor"), unitB), watchUser(supervisor.user.ID)...)
			// Someone whose other grant lies outside the scope they act
			// through may not touch their own grants at all.
			twoSites := w.newActor("Two sites", &directory.Grant{RoleID: w.role("manager").ID, UnitID: unitA},
				&directory.Grant{RoleID: w.role("staff").ID, UnitID: unitB})
			w.refuse("a site A manager with a grant on site B edits their own grants", twoSites, http.StatusForbidden,
				"PUT", "users/"+twoSites.user.ID+"/grants/"+twoSites.grant.ID, grantTo(w.role("manager"), unitD), watchUser(twoSites.user.ID)...)
			// The actor acts as before.
			if r := w.send(district, "GET", "users/"+w.newTarget("bsE", stateNormal).user.ID, nil); r.Code != http.StatusNotFound {
				t.Errorf("the district administrator now reads district E's users: %s", r)
			}
		})

		t.Run("roles above one's level or with permissions one lacks", func(t *testing.T) {
			w := w.with(t)
			watch := []string{"roles"}
			newRole := func(level int, perms ...string) map[string]any {
				return map[string]any{"name": "Made " + newTag(), "level": level, "permissions": append([]string{}, perms...)}
			}
			p := w.refuse("the administrator makes a role at level 90", admin, http.StatusUnprocessableEntity, "POST", "roles", newRole(90), watch...)
			if !strings.Contains(string(p.Body), "body.level") {
				t.Errorf("refusal does not point at level: %s", p)
			}
			p = w.refuse("the administrator makes a role with settings.manage", admin, http.StatusUnprocessableEntity,
				"POST", "roles", newRole(10, "users.view", "settings.manage"), watch...)
			if !strings.Contains(string(p.Body), "body.permissions") {
				t.Errorf("refusal does not point at permissions: %s", p)
			}
			manager := w.role("manager")
			perms := []string{"settings.manage"}
			for _, p := range manager.Permissions {
				perms = append(perms, string(p))
			}
			w.refuse("the administrator adds settings.manage to the manager role", admin, http.StatusUnprocessableEntity,
				"PUT", "roles/"+manager.ID, map[string]any{"name": manager.Name, "level": manager.Level, "permissions": perms}, "roles/"+manager.ID)
			adminRole := w.role("administrator")
			w.refuse("the administrator raises their own role to 90", admin, http.StatusUnprocessableEntity,
				"PUT", "roles/"+adminRole.ID, map[string]any{"name": adminRole.Name, "level": 90, "permissions": permNames(adminRole)}, "roles/"+adminRole.ID)
			high := w.newRole("high")
			w.refuse("the administrator edits a role at level 90", admin, http.StatusForbidden,
				"PUT", "roles/"+high.ID, newRole(10), "roles/"+high.ID)
			w.refuse("the administrator deletes a role at level 90", admin, http.StatusForbidden, "DELETE", "roles/"+high.ID, nil, "roles/"+high.ID)
			owner := w.role("owner")
			w.refuse("the administrator edits the owner role", admin, http.StatusForbidden,
				"PUT", "roles/"+owner.ID, map[string]any{"name": "Owner", "level": 80, "permissions": []string{}}, "roles/"+owner.ID)
			w.refuse("the district administrator makes a role", district, http.StatusForbidden, "POST", "roles", newRole(5), watch...)
			// roles.manage through a grant limited to a unit is not enough:
			// roles apply to the whole organization.
			scopedRole := must[roleJSON](t, w.do("POST", "roles", newRole(70, "roles.manage", "users.view")), http.StatusCreated)
			scoped := w.newActor("Scoped role manager", &directory.Grant{RoleID: scopedRole.ID, UnitID: unitD})
			w.refuse("a unit-scoped role manager makes a role", scoped, http.StatusForbidden, "POST", "roles", newRole(5), watch...)
			w.refuse("a unit-scoped role manager edits a role", scoped, http.StatusForbidden,
				"PUT", "roles/"+w.role("staff").ID, newRole(5), "roles/"+w.role("staff").ID)
		})

		t.Run("the owner role keeps every permission", func(t *testing.T) {
			w := w.with(t)
			owner := w.role("owner")
			all := permNames(owner)
			watch := "roles/" + owner.ID
			w.refuse("dropping settings.manage from the owner role", w.actors["owner"], http.StatusConflict,
				"PUT", watch, map[string]any{"name": owner.Name, "level": 100, "permissions": slices.DeleteFunc(slices.Clone(all),
					func(p string) bool { return p == "settings.manage" })}, watch)
			w.refuse("lowering the owner role", w.actors["owner"], http.StatusConflict,
				"PUT", watch, map[string]any{"name": owner.Name, "level": 99, "permissions": all}, watch)
			w.refuse("deleting the owner role", w.actors["owner"], http.StatusConflict, "DELETE", watch, nil, watch)
			// Its name and description may change.
			r := must[roleJSON](t, w.do("PUT", watch, map[string]any{"name": "Proprietor", "level": 100, "permissions": all}), http.StatusOK)
			if r.Name != "Proprietor" || r.Level != 100 || len(r.Permissions) != len(directory.Catalog) {
				t.Errorf("renamed owner role: %+v", r)
			}
		})

		t.Run("moving a unit into one's scope", func(t *testing.T) {
			w := w.with(t)
			withUnits := must[roleJSON](t, w.do("POST", "roles", map[string]any{"name": "Site lead " + newTag(), "level": 60,
				"permissions": []string{"users.view", "users.edit", "access.grant", "units.manage"}}), http.StatusCreated)
			lead := w.newActor("Site A lead", &directory.Grant{RoleID: withUnits.ID, UnitID: unitA})
			deptE := w.newUnit("inE", false)
			inE := w.insertUser(w.org.ID, "Far", nil)
			if err := e.DB.CreateGrant(w.ctx, &directory.Grant{ID: "g-" + randHex(8), OrgID: w.org.ID, UserID: inE.ID,
				RoleID: w.role("staff").ID, UnitID: deptE.ID, CreatedAt: w.clock.Now()}); err != nil {
				t.Fatal(err)
			}
			watch := []string{"units/" + deptE.ID, "units/" + unitA, "units/" + unitB, "users/" + inE.ID}
			w.refuse("the site A lead moves a department of district E into site A", lead, http.StatusNotFound,
				"PATCH", "units/"+deptE.ID, map[string]any{"parent_id": unitA}, watch...)
			w.refuse("the site A lead moves site B into site A", lead, http.StatusNotFound,
				"PATCH", "units/"+unitB, map[string]any{"parent_id": unitA}, watch...)
			w.refuse("the site A lead moves site A under district E", lead, http.StatusUnprocessableEntity,
				"PATCH", "units/"+unitA, map[string]any{"parent_id": unitE}, watch...)
			w.refuse("the site A lead moves site A to the root", lead, http.StatusUnprocessableEntity,
				"PATCH", "units/"+unitA, map[string]any{"parent_id": ""}, watch...)
			w.refuse("the district administrator, without units.manage, moves district E's department into site A", district,
				http.StatusForbidden, "PATCH", "units/"+deptE.ID, map[string]any{"parent_id": unitA}, watch...)
			if r := w.send(lead, "GET", "users/"+inE.ID, nil); r.Code != http.StatusNotFound {
				t.Errorf("the site A lead reads a user of district E: %s", r)
			}
			// Inside their site they may move units.
			sub, sub2 := w.newUnit("inA", false), w.newUnit("inA", false)
			must[unit](t, w.send(lead, "PATCH", "units/"+sub.ID, map[string]any{"parent_id": sub2.ID}), http.StatusOK)
		})

		t.Run("minting a token for a user above one's level", func(t *testing.T) {
			w := w.with(t)
			tokenRole := must[roleJSON](t, w.do("POST", "roles", map[string]any{"name": "Integrations " + newTag(), "level": 50,
				"permissions": []string{"users.view", "settings.manage"}}), http.StatusCreated)
			integrator := w.newActor("Integrator", &directory.Grant{RoleID: tokenRole.ID})
			scopedInt := w.newActor("Scoped integrator", &directory.Grant{RoleID: tokenRole.ID, UnitID: unitB})
			tokensOf := func(u *directory.User) int {
				list, err := e.DB.Tokens(context.Background(), u.OrgID, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				return len(list)
			}
			for _, c := range []struct {
				who    *actor
				column string
				status int
			}{
				{integrator, "adA", http.StatusForbidden}, {integrator, "mgA", http.StatusForbidden},
				{integrator, "ow2", http.StatusForbidden}, {scopedInt, "bsA", http.StatusNotFound},
				{scopedInt, "mgB", http.StatusForbidden}, {integrator, "oth", http.StatusNotFound},
			} {
				tg := w.newTarget(c.column, stateNormal)
				w.refuse(c.who.name+" mints a token for "+c.column, c.who, c.status, "POST", "tokens",
					map[string]any{"name": "as them", "user_id": tg.user.ID}, watchUser(tg.user.ID)...)
				if n := tokensOf(tg.user); n != 0 {
					t.Errorf("%s holds %d tokens", c.column, n)
				}
			}
			tg := w.newTarget("stA", stateNormal)
			must[token](t, w.send(integrator, "POST", "tokens", map[string]any{"name": "as them", "user_id": tg.user.ID}), http.StatusCreated)

			// Others' tokens: listed only for users one may see, revoked only
			// for users one may manage.
			ownerTokens := must[tokenList](t, w.do("GET", "tokens", nil), http.StatusOK).Items
			var ownerToken string
			for _, tk := range ownerTokens {
				if tk.UserID == w.owner.ID {
					ownerToken = tk.ID
				}
			}
			adA := w.newTarget("adA", stateNormal)
			adToken := w.newToken(adA.user)
			stToken := w.newToken(tg.user)
			bToken := w.newToken(w.newTarget("bsB", stateNormal).user)
			for _, c := range []struct {
				who    *actor
				token  string
				status int
			}{
				{integrator, ownerToken, http.StatusForbidden}, {integrator, adToken.ID, http.StatusForbidden},
				{scopedInt, ownerToken, http.StatusNotFound}, {scopedInt, adToken.ID, http.StatusNotFound},
				{scopedInt, stToken.ID, http.StatusNotFound},
			} {
				w.refuse(c.who.name+" revokes a token", c.who, c.status, "DELETE", "tokens/"+c.token, nil)
			}
			must[token](t, w.send(scopedInt, "DELETE", "tokens/"+bToken.ID, nil), http.StatusOK)
			must[token](t, w.send(integrator, "DELETE", "tokens/"+stToken.ID, nil), http.StatusOK)
			for _, who := range []*actor{integrator, scopedInt} {
				for _, tk := range must[tokenList](t, w.send(who, "GET", "tokens", nil), http.StatusOK).Items {
					if r := w.send(who, "GET", "users/"+tk.UserID, nil); tk.UserID != who.user.ID && r.Code != http.StatusOK {
						t.Errorf("%s lists a token of %s, whom they may not read", who.name, tk.UserID)
					}
				}
			}
		})

		t.Run("changing organization-wide settings through a unit", func(t *testing.T) {
			w := w.with(t)
			settingsRole := must[roleJSON](t, w.do("POST", "roles", map[string]any{"name": "Site settings " + newTag(), "level": 60,
				"permissions": []string{"users.view", "users.edit", "settings.manage"}}), http.StatusCreated)
			local := w.newActor("Site settings", &directory.Grant{RoleID: settingsRole.ID, UnitID: unitB})
			fd := w.newField()
			watch := []string{"settings/custom-fields", "settings/unit-kinds", "settings/licenses"}
			w.refuse("a site-scoped settings manager defines a custom field", local, http.StatusForbidden,
				"POST", "settings/custom-fields", map[string]string{"key": "k_" + newTag(), "label": "K", "type": "text"}, watch...)
			w.refuse("a site-scoped settings manager relabels a custom field", local, http.StatusForbidden,
				"PUT", "settings/custom-fields/"+fd.ID, map[string]string{"label": "Mine"}, watch...)
			w.refuse("a site-scoped settings manager removes a custom field and every user's value", local, http.StatusForbidden,
				"DELETE", "settings/custom-fields/"+fd.ID, nil, watch...)
			w.refuse("a site-scoped settings manager relabels a unit kind", local, http.StatusForbidden,
				"PUT", "settings/unit-kinds/site", map[string]string{"label": "Campus"}, watch...)
			w.refuse("a site-scoped settings manager caps the premium seats", local, http.StatusForbidden,
				"PUT", "settings/licenses", map[string]any{"premium_seat_limit": 0}, watch...)
		})

		t.Run("acting through a grant that has expired", func(t *testing.T) {
			w := w.with(t)
			until := w.clock.Now().Add(time.Hour)
			temp := w.newActor("Temp", &directory.Grant{RoleID: w.role("manager").ID, UnitID: unitA, ExpiresAt: until},
				&directory.Grant{RoleID: w.role("staff").ID, UnitID: unitA})
			managerGrant := temp.grant
			must[grantJSON](t, w.send(temp, "PUT", "me/active-grant", map[string]string{"grant_id": managerGrant.ID}), http.StatusOK)
			must[userList](t, w.send(temp, "GET", "users", nil), http.StatusOK)
			other := &actor{name: "Temp, second token", orgID: w.org.ID, user: temp.user, token: w.tokenFor(temp.user.ID)}
			w.clock.Advance(2 * time.Hour)
			w.refuse("a token bound to an expired grant", temp, http.StatusUnauthorized, "GET", "users", nil)
			w.refuse("a token bound to an expired grant creates a user", temp, http.StatusUnauthorized, "POST", "users",
				map[string]string{"first_name": "No", "last_name": "Body"})
			// Another token acts through the grant that still counts, and
			// cannot switch to the expired one.
			active := must[grantJSON](t, w.send(other, "GET", "me/active-grant", nil), http.StatusOK)
			if active.RoleName != "Staff" {
				t.Errorf("the second token acts as %s", active.RoleName)
			}
			p := w.refuse("switching to an expired grant", other, http.StatusUnprocessableEntity, "PUT", "me/active-grant",
				map[string]string{"grant_id": managerGrant.ID}, "users/"+temp.user.ID+"/grants")
			if !strings.Contains(string(p.Body), "body.grant_id") {
				t.Errorf("refusal does not point at grant_id: %s", p)
			}
			w.refuse("the staff grant creates a user", other, http.StatusForbidden, "POST", "users",
				map[string]string{"first_name": "No", "last_name": "Body"})
		})

		t.Run("a token of a disabled or locked user", func(t *testing.T) {
			w := w.with(t)
			staff := w.newActor("Soon disabled", &directory.Grant{RoleID: w.role("staff").ID, UnitID: unitA})
			must[user](t, w.send(staff, "GET", "me", nil), http.StatusOK)
			must[user](t, w.do("POST", "users/"+staff.user.ID+"/disable", nil), http.StatusOK)
			w.refuse("a disabled user's token", staff, http.StatusUnauthorized, "GET", "me", nil)
			w.refuse("a disabled user's token reads users", staff, http.StatusUnauthorized, "GET", "users", nil)
			w.refuse("a disabled user's token makes a token", staff, http.StatusUnauthorized, "POST", "tokens", map[string]string{"name": "again"})
			// Disabling revoked the token for good.
			must[user](t, w.do("POST", "users/"+staff.user.ID+"/enable", nil), http.StatusOK)
			w.refuse("a token revoked by disabling, after enabling", staff, http.StatusUnauthorized, "GET", "me", nil)
			staff = w.newActor("Soon locked", &directory.Grant{RoleID: w.role("staff").ID, UnitID: unitA})
			must[user](t, w.send(staff, "GET", "me", nil), http.StatusOK)
			u, err := e.DB.User(context.Background(), w.org.ID, staff.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			u.LockedAt, u.LockReason = w.clock.Now(), "too many failed sign-ins"
			if err := e.DB.UpdateUserState(context.Background(), u, u.Version); err != nil {
				t.Fatal(err)
			}
			w.refuse("a locked user's token", staff, http.StatusUnauthorized, "GET", "me", nil)
		})

		t.Run("linking oneself to users to see them", func(t *testing.T) {
			w := w.with(t)
			bsB, mgA := w.newTarget("bsB", stateNormal), w.newTarget("mgA", stateNormal)
			self := "users/" + supervisor.user.ID + "/relationships"
			watch := []string{self, "users/" + bsB.user.ID + "/relationships", "users/" + mgA.user.ID + "/relationships"}
			p := w.refuse("a supervisor makes themself supervisor of a user of site B", supervisor, http.StatusUnprocessableEntity,
				"POST", self, map[string]string{"kind": "supervisor_of", "to_user_id": bsB.user.ID}, watch...)
			wantLocation(t, p, "body.to_user_id")
			w.refuse("a supervisor links a user of site B to themself", supervisor, http.StatusNotFound,
				"POST", "users/"+bsB.user.ID+"/relationships", map[string]string{"kind": "supervisor_of", "from_user_id": supervisor.user.ID}, watch...)
			w.refuse("a supervisor makes themself supervisor of a manager", supervisor, http.StatusForbidden,
				"POST", self, map[string]string{"kind": "supervisor_of", "to_user_id": mgA.user.ID}, watch...)
			w.refuse("a supervisor makes a manager their own parent", supervisor, http.StatusForbidden,
				"POST", self, map[string]string{"kind": "parent_of", "from_user_id": mgA.user.ID}, watch...)
			w.refuse("the site B administrator makes themself supervisor of a user of site A", siteB, http.StatusUnprocessableEntity,
				"POST", "users/"+siteB.user.ID+"/relationships", map[string]string{"kind": "supervisor_of", "to_user_id": mgA.user.ID}, watch...)
			w.refuse("a supervisor becomes a far user's supervisor through the profile", supervisor, http.StatusNotFound,
				"PATCH", "users/"+bsB.user.ID, map[string]string{"supervisor_id": supervisor.user.ID}, "users/"+bsB.user.ID)
			for _, u := range []*target{bsB} {
				if r := w.send(supervisor, "GET", "users/"+u.user.ID, nil); r.Code != http.StatusNotFound {
					t.Errorf("the supervisor now reads a user of site B: %s", r)
				}
			}
			for _, u := range must[userList](t, w.send(supervisor, "GET", "me/team", nil), http.StatusOK).Items {
				if u.ID == bsB.user.ID || u.ID == mgA.user.ID {
					t.Errorf("the supervisor's team holds %s", u.Name)
				}
			}

			// Groups give no access: joining a group whose member lies
			// outside one's scope shows nothing more, and the group stays
			// someone else's to change.
			member := w.newTarget("bsA", stateNormal)
			g := w.newGroup(w.org.ID, member.user)
			must[user](t, w.send(siteB, "POST", "groups/"+g.ID+"/members", map[string]string{"user_id": siteB.user.ID}), http.StatusCreated)
			if l := must[userList](t, w.send(siteB, "GET", "groups/"+g.ID+"/members", nil), http.StatusOK); l.Total != 1 || l.Items[0].ID != siteB.user.ID {
				t.Errorf("after joining, the site B administrator sees %d members", l.Total)
			}
			w.refuse("the site B administrator reads the group's member", siteB, http.StatusNotFound, "GET", "users/"+member.user.ID, nil)
			w.refuse("the site B administrator renames a group with a member outside their scope", siteB, http.StatusForbidden,
				"PATCH", "groups/"+g.ID, map[string]string{"name": "Mine now"}, "groups/"+g.ID)
			w.refuse("the site B administrator takes the far member out", siteB, http.StatusNotFound,
				"DELETE", "groups/"+g.ID+"/members/"+member.user.ID, nil, "groups/"+g.ID+"/members")
			w.refuse("the site B administrator adds a user of site A", siteB, http.StatusNotFound,
				"POST", "groups/"+g.ID+"/members", map[string]string{"user_id": mgA.user.ID}, "groups/"+g.ID+"/members")
		})

		t.Run("reading users outside one's scope", func(t *testing.T) {
			w := w.with(t)
			far := map[string]*target{}
			for _, col := range []string{"bsE", "stO", "ow2", "oth"} {
				far[col] = w.newTarget(col, stateNormal)
				if col != "oth" {
					// An event about them that the district must not read.
					must[user](t, w.do("PATCH", "users/"+far[col].user.ID, map[string]string{"job_title": "Far away"}), http.StatusOK)
				}
			}
			near := w.newTarget("bsB", stateNormal)
			for col, tg := range far {
				id := tg.user.ID
				for _, p := range []string{"users/" + id, "users/" + id + "/grants", "users/" + id + "/photo", "users/" + id + "/time-off"} {
					w.refuse("the district administrator reads "+p+" of "+col, district, http.StatusNotFound, "GET", p, nil)
				}
				for _, q := range []string{tg.tag, tg.user.Email, tg.user.Username, tg.tag + "&status=active", tg.tag + "&expired=false"} {
					l := must[userList](t, w.send(district, "GET", "users?q="+q, nil), http.StatusOK)
					if len(l.Items) != 0 || l.Total != 0 {
						t.Errorf("searching %q as the district administrator finds %d (total %d)", q, len(l.Items), l.Total)
					}
				}
				ev := must[struct {
					Items []map[string]any `json:"items"`
				}](t, w.send(district, "GET", "audit-events?target_id="+id, nil), http.StatusOK)
				if len(ev.Items) != 0 {
					t.Errorf("the district administrator reads %d audit events about %s", len(ev.Items), col)
				}
			}
			// The whole list: every user listed is one the district may
			// read, the total counts exactly those, and none of the far ones.
			seen := map[string]bool{}
			cursor, total := "", -1
			for {
				path := "users?limit=7"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				l := must[userList](t, w.send(district, "GET", path, nil), http.StatusOK)
				if total >= 0 && l.Total != total {
					t.Errorf("total changed between pages: %d, %d", total, l.Total)
				}
				total = l.Total
				for _, u := range l.Items {
					seen[u.ID] = true
				}
				if cursor = l.NextCursor; cursor == "" {
					break
				}
			}
			if total != len(seen) {
				t.Errorf("the district administrator's list counts %d users but lists %d", total, len(seen))
			}
			for id := range seen {
				if r := w.send(district, "GET", "users/"+id, nil); r.Code != http.StatusOK {
					t.Errorf("listed user %s cannot be read: %s", id, r)
				}
			}
			for col, tg := range far {
				if seen[tg.user.ID] {
					t.Errorf("the district administrator's list holds %s", col)
				}
			}
			if !seen[near.user.ID] || !seen[district.user.ID] {
				t.Errorf("the district administrator's list lacks site B's user or themself")
			}
			// The whole audit log as the district reads it names only users
			// they may read, units in their scope, and their own actions.
			all := must[struct {
				Items []*auditEvent `json:"items"`
			}](t, w.send(district, "GET", "audit-events?limit=500", nil), http.StatusOK)
			for _, ev := range all.Items {
				switch {
				case ev.ActorID == district.user.ID:
				case ev.TargetType == "user":
					if r := w.send(district, "GET", "users/"+ev.TargetID, nil); r.Code != http.StatusOK {
						t.Errorf("the district administrator reads %s about a user they may not read", ev.Action)
					}
				case ev.TargetType == "unit":
					if r := w.send(district, "GET", "units/"+ev.TargetID, nil); r.Code != http.StatusOK {
						t.Errorf("the district administrator reads %s about a unit outside their scope", ev.Action)
					}
				default:
					t.Errorf("the district administrator reads %s on a %s", ev.Action, ev.TargetType)
				}
			}
		})
	})
}
