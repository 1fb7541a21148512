package scim_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestSecurityAuthentication(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		for _, h := range [][]string{
			{"Authorization", ""},
			{"Authorization", "Basic dXNlcjpwYXNz"},
			{"Authorization", "Bearer "},
			{"Authorization", "Bearer rst_not-a-token"},
			{"Authorization", "Bearer " + f.token + "x"},
		} {
			r := f.do("GET", "/Users", nil, h...)
			f.scimError(r, http.StatusUnauthorized, "")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%q: WWW-Authenticate = %q", h[1], r.Header.Get("WWW-Authenticate"))
			}
		}
		// Writes too, and nothing is made.
		r := f.do("POST", "/Users", map[string]any{"userName": "sneaky", "name": map[string]any{"givenName": "S", "familyName": "N"}}, "Authorization", "")
		f.scimError(r, http.StatusUnauthorized, "")
		if ids := f.filterIDs(`userName eq "sneaky"`); len(ids) != 0 {
			t.Errorf("an unauthenticated POST made a user: %v", ids)
		}
		// A revoked token no longer works.
		tok, secret, err := f.svc.CreateToken(ctx(), f.operator(), admin.TokenInput{UserID: f.owner.ID, Name: "revoked"})
		if err != nil {
			t.Fatal(err)
		}
		f.with(secret).must(f.with(secret).do("GET", "/Users", nil), http.StatusOK)
		if _, err := f.svc.RevokeToken(ctx(), f.operator(), tok.ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		f.scimError(f.with(secret).do("GET", "/Users", nil), http.StatusUnauthorized, "")
	})
}

// A token whose role lacks scim.provision is 403 on every endpoint but
// discovery.
func TestSecurityPermission(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("bjensen", "Barbara", "Jensen", nil)["id"].(string)
		admRole := f.role("administrator")
		if admRole.Has("scim.provision") {
			t.Fatal("the administrator role holds scim.provision")
		}
		_, secret := f.tokenUser(admRole.ID, "", admin.TokenInput{})
		g := f.with(secret)
		for _, c := range []struct{ method, path string }{
			{"GET", "/Users"}, {"GET", "/Users/" + id}, {"POST", "/Users"}, {"PATCH", "/Users/" + id},
			{"PUT", "/Users/" + id}, {"DELETE", "/Users/" + id}, {"GET", "/Groups"}, {"POST", "/Bulk"}, {"POST", "/Users/.search"},
		} {
			var body any
			if c.method != "GET" && c.method != "DELETE" {
				body = `{}`
			}
			m := g.scimError(g.do(c.method, c.path, body), http.StatusForbidden, "")
			if !strings.Contains(m["detail"].(string), "scim.provision") {
				t.Errorf("%s %s: detail %v", c.method, c.path, m["detail"])
			}
		}
		g.must(g.do("GET", "/ServiceProviderConfig", nil), http.StatusOK)
		if doc := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); doc["active"] != true {
			t.Errorf("a refused DELETE disabled the user: %v", doc)
		}

		// A role with scim.provision but without users.create provisions
		// nothing.
		viewer := f.newRole("SCIM reader", 50, "scim.provision", "users.view", "groups.manage")
		_, secret = f.tokenUser(viewer.ID, "", admin.TokenInput{})
		g = f.with(secret)
		g.must(g.do("GET", "/Users/"+id, nil), http.StatusOK)
		g.scimError(g.do("POST", "/Users", map[string]any{"userName": "x", "name": map[string]any{"givenName": "X", "familyName": "Y"}}), http.StatusForbidden, "")
		g.scimError(g.do("PATCH", "/Users/"+id, patch(op("replace", "title", "x"))), http.StatusForbidden, "")
	})
}

// Users added by hand are out of SCIM's reach unless the organization
// lets a client take them over.
func TestSecurityHandUsers(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		carol := f.handUser("carol", "ext-carol")
		f.createUser("bjensen", "Barbara", "Jensen", nil)
		f.scimError(f.do("GET", "/Users/"+carol.ID, nil), http.StatusNotFound, "")
		f.scimError(f.do("PATCH", "/Users/"+carol.ID, patch(op("replace", "title", "x"))), http.StatusNotFound, "")
		f.scimError(f.do("PUT", "/Users/"+carol.ID, map[string]any{"userName": "carol", "name": map[string]any{"givenName": "C", "familyName": "D"}}), http.StatusNotFound, "")
		f.scimError(f.do("DELETE", "/Users/"+carol.ID, nil), http.StatusNotFound, "")
		total, ids, _ := f.list("/Users")
		if total != 1 || slices.Contains(ids, carol.ID) || slices.Contains(ids, f.owner.ID) {
			t.Errorf("list shows users added by hand: %d %v", total, ids)
		}
		if ids := f.filterIDs(`userName eq "carol"`); len(ids) != 0 {
			t.Errorf("filter finds a user added by hand: %v", ids)
		}
		if ids := f.filterIDs(`id eq "` + carol.ID + `"`); len(ids) != 0 {
			t.Errorf("filter by id finds a user added by hand: %v", ids)
		}
		f.scimError(f.do("POST", "/Groups", map[string]any{"displayName": "G", "members": []any{map[string]any{"value": carol.ID}}}),
			http.StatusBadRequest, "invalidValue")
		if u, err := e.DB.User(ctx(), f.org.ID, carol.ID); err != nil || u.Version != carol.Version {
			t.Errorf("the user added by hand changed: %v %v", u, err)
		}
		body := map[string]any{"userName": "CAROL", "externalId": "ext-carol", "name": map[string]any{"givenName": "Carol", "familyName": "Link"}}
		f.scimError(f.do("POST", "/Users", body), http.StatusConflict, "uniqueness")

		// Linking by user name takes the user over.
		f.setPolicy(func(p *directory.SecurityPolicy) { p.ProvisioningLink = directory.LinkByUsername })
		doc := f.must(f.do("POST", "/Users", body), http.StatusCreated)
		if doc["id"] != carol.ID || doc["name"].(map[string]any)["familyName"] != "Link" {
			t.Fatalf("link: %v", doc)
		}
		f.must(f.do("GET", "/Users/"+carol.ID, nil), http.StatusOK)
		if total, _, _ := f.list("/Users"); total != 2 {
			t.Errorf("after link: %d", total)
		}
		linked := false
		for _, ev := range f.auditEvents() {
			linked = linked || (ev.Action == "user.link" && ev.TargetID == carol.ID)
		}
		if !linked {
			t.Error("no user.link event")
		}
		// A provisioned user is never linked again: a second POST is a
		// duplicate.
		f.scimError(f.do("POST", "/Users", body), http.StatusConflict, "uniqueness")

		// Linking by external id.
		dave := f.handUser("dave", "ext-dave")
		f.setPolicy(func(p *directory.SecurityPolicy) { p.ProvisioningLink = directory.LinkByExternalID })
		doc = f.must(f.do("POST", "/Users", map[string]any{"userName": "dave", "externalId": "ext-dave",
			"name": map[string]any{"givenName": "Dave", "familyName": "D"}}), http.StatusCreated)
		if doc["id"] != dave.ID {
			t.Errorf("link by externalId: %v", doc)
		}
	})
}

// A token whose user is scoped to a unit sees the users of that unit.
func TestSecurityScopedToken(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.newUnit("North"), f.newUnit("South")
		staff := f.role("staff")
		x := f.createUser("xavier", "Xavier", "North", nil)["id"].(string)
		y := f.createUser("yvonne", "Yvonne", "South", nil)["id"].(string)
		f.grant(x, staff.ID, north.ID)
		f.grant(y, staff.ID, south.ID)
		prov := f.newRole("Unit provisioner", 70, "scim.provision", "users.view", "users.create", "users.edit", "users.disable", "groups.manage")
		_, secret := f.tokenUser(prov.ID, north.ID, admin.TokenInput{})
		g := f.with(secret)
		total, ids, _ := g.list("/Users")
		if total != 1 || !slices.Equal(ids, []string{x}) {
			t.Fatalf("scoped list: %d %v", total, ids)
		}
		g.must(g.do("GET", "/Users/"+x, nil), http.StatusOK)
		g.scimError(g.do("GET", "/Users/"+y, nil), http.StatusNotFound, "")
		g.scimError(g.do("PATCH", "/Users/"+y, patch(op("replace", "title", "x"))), http.StatusNotFound, "")
		g.scimError(g.do("DELETE", "/Users/"+y, nil), http.StatusNotFound, "")
		if ids := g.filterIDs(`userName eq "yvonne"`); len(ids) != 0 {
			t.Errorf("filter crosses the scope: %v", ids)
		}
		if total, _, _ := g.list("/Users?filter=" + q(`userName sw "y" or userName sw "x"`)); total != 1 {
			t.Errorf("total crosses the scope: %d", total)
		}
		// What the scoped token creates, it sees.
		z := g.createUser("zoe", "Zoe", "Z", nil)["id"].(string)
		if total, ids, _ := g.list("/Users"); total != 2 || !sameSet(ids, []string{x, z}) {
			t.Errorf("after create: %d %v", total, ids)
		}
		// The organization-wide token sees everyone.
		if total, _, _ := f.list("/Users"); total != 3 {
			t.Errorf("owner: %d", total)
		}
		// A group with a member out of scope cannot be changed by the
		// scoped token, nor can it add one.
		gid := f.createGroup("Mixed", x, y)["id"].(string)
		if r := g.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "`+x+`"]`, nil))); r.Code < 400 {
			t.Errorf("scoped token changed a group with members out of its scope: %s", r)
		}
		g.scimError(g.do("POST", "/Groups", map[string]any{"displayName": "Out", "members": []any{map[string]any{"value": y}}}),
			http.StatusBadRequest, "invalidValue")
	})
}

// A token's provisioning role and scope become the grant of the users it
// creates.
func TestSecurityProvisionGrant(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.newUnit("North")
		staff := f.role("staff")
		_, secret, err := f.svc.CreateToken(ctx(), f.operator(), admin.TokenInput{UserID: f.owner.ID, Name: "granting",
			ProvisionRoleID: staff.ID, ProvisionUnitID: north.ID})
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		g := f.with(secret)
		id := g.createUser("granted", "Gran", "Ted", nil)["id"].(string)
		grants, err := e.DB.UserGrants(ctx(), f.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(grants) != 1 || grants[0].RoleID != staff.ID || grants[0].UnitID != north.ID {
			t.Fatalf("grants: %+v", grants)
		}
		// The default token gives none.
		plain := f.createUser("plain", "Pl", "Ain", nil)["id"].(string)
		if grants, err := e.DB.UserGrants(ctx(), f.org.ID, plain); err != nil || len(grants) != 0 {
			t.Errorf("plain grants: %+v %v", grants, err)
		}
		// A replace gives no second grant.
		g.must(g.do("PATCH", "/Users/"+id, patch(op("replace", "title", "x"))), http.StatusOK)
		if grants, _ := e.DB.UserGrants(ctx(), f.org.ID, id); len(grants) != 1 {
			t.Errorf("grants after PATCH: %+v", grants)
		}
	})
}

// The console and the REST API may not change what provisioning owns.
func TestSecurityOwnedFields(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("bjensen", "Barbara", "Jensen", nil)["id"].(string)
		owner, err := f.svc.AuthenticateToken(ctx(), f.token, "192.0.2.9", "")
		if err != nil {
			t.Fatal(err)
		}
		first := "Babs"
		_, err = f.svc.UpdateUser(ctx(), owner, id, 0, &admin.UserPatch{FirstName: &first})
		var de *directory.Error
		if !errors.As(err, &de) || de.Kind != directory.KindConflict || !strings.Contains(de.Error(), "managed by provisioning") {
			t.Fatalf("UpdateUser of a provisioned user: %v", err)
		}
		if doc := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); doc["name"].(map[string]any)["givenName"] != "Barbara" {
			t.Errorf("first name changed: %v", doc["name"])
		}
		// A user added by hand stays editable.
		hand := f.handUser("carol", "")
		if _, err := f.svc.UpdateUser(ctx(), owner, hand.ID, 0, &admin.UserPatch{FirstName: &first}); err != nil {
			t.Errorf("UpdateUser of a user added by hand: %v", err)
		}
	})
}

// Every SCIM write is audited, with the token that made it.
func TestSecurityAudit(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		a, err := f.svc.AuthenticateToken(ctx(), f.token, "192.0.2.9", "")
		if err != nil || a.TokenID == "" {
			t.Fatalf("AuthenticateToken: %v %v", a, err)
		}
		id := f.createUser("bjensen", "Barbara", "Jensen", nil)["id"].(string)
		f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "title", "Guide"))), http.StatusOK)
		f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "active", false))), http.StatusOK)
		f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "active", true))), http.StatusOK)
		gid := f.createGroup("Tour Guides", id)["id"].(string)
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("replace", "displayName", "Guides"))), http.StatusOK)
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("remove", "members", nil))), http.StatusOK)
		f.must(f.do("DELETE", "/Groups/"+gid, nil), http.StatusNoContent)
		f.must(f.do("DELETE", "/Users/"+id, nil), http.StatusNoContent)

		want := []struct{ action, target string }{
			{"user.create", id}, {"user.update", id}, {"user.disable", id}, {"user.enable", id},
			{"group.create", gid}, {"group.member_add", id}, {"group.update", gid}, {"group.member_remove", id},
			{"group.delete", gid}, {"user.disable", id},
		}
		events := f.auditEvents()
		slices.Reverse(events) // oldest first
		var got []string
		for _, ev := range events {
			if ev.TokenID == "" {
				continue // the fixture's own setup
			}
			got = append(got, ev.Action+" "+ev.TargetID)
			if ev.TokenID != a.TokenID || ev.ActorID != f.owner.ID {
				t.Errorf("%s: token %q actor %q, want %q %q", ev.Action, ev.TokenID, ev.ActorID, a.TokenID, f.owner.ID)
			}
			if ev.Action == "user.create" {
				provisioned := false
				for _, c := range ev.Changes {
					provisioned = provisioned || (c.Field == "provisioned" && c.After == true)
				}
				if !provisioned {
					t.Errorf("user.create without the provisioned field: %+v", ev.Changes)
				}
			}
		}
		var wantS []string
		for _, w := range want {
			wantS = append(wantS, w.action+" "+w.target)
		}
		if !slices.Equal(got, wantS) {
			t.Errorf("audit:\n got %v\nwant %v", got, wantS)
		}
		// Reads and refused writes record nothing.
		n := len(f.auditEvents())
		f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK)
		f.must(f.do("GET", "/Users", nil), http.StatusOK)
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "id", "x"))), http.StatusBadRequest, "mutability")
		if m := len(f.auditEvents()); m != n {
			t.Errorf("reads or refusals were audited: %d → %d", n, m)
		}
	})
}
