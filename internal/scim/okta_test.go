package scim_test

import (
	"fmt"
	"net/http"
	"testing"

	"roster/internal/store/storetest"
)

// Okta's SCIM 2.0 client, as Okta's reference shows its requests: a
// lookup by userName with paging, a create, profile updates and
// deactivation by PUT of the whole user, and groups pushed by PATCH and
// PUT.

const oktaUser = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName": "test.user@okta.local",
  "name": {"givenName": "Test", "familyName": "User"},
  "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
  "displayName": "Test User",
  "locale": "en-US",
  "externalId": "00ujl29u0le5T6Aj10h7",
  "groups": [],
  "active": true
}`

// oktaPut is the whole user as Okta sends it on an update.
func oktaPut(id, given string, active bool) string {
	return fmt.Sprintf(`{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": %q,
  "userName": "test.user@okta.local",
  "name": {"givenName": %q, "familyName": "User"},
  "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
  "displayName": "Test User",
  "locale": "en-US",
  "externalId": "00ujl29u0le5T6Aj10h7",
  "groups": [],
  "active": %t,
  "meta": {"resourceType": "User"}
}`, id, given, active)
}

func TestOktaUserLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		lookup := "/Users?filter=" + q(`userName eq "test.user@okta.local"`) + "&startIndex=1&count=100"
		byExt := "/Users?filter=" + q(`externalId eq "00ujl29u0le5T6Aj10h7"`)
		if total, ids, m := f.list(lookup); total != 0 || len(ids) != 0 || m["startIndex"] != 1.0 {
			t.Fatalf("before create: %v", m)
		}
		if total, _, _ := f.list(byExt); total != 0 {
			t.Fatalf("by externalId before create: %d", total)
		}
		doc := f.must(f.do("POST", "/Users", oktaUser), http.StatusCreated)
		id := doc["id"].(string)
		if doc["locale"] != "en-US" || doc["active"] != true || doc["displayName"] != "Test User" {
			t.Errorf("created: %v", doc)
		}
		if total, ids, _ := f.list(lookup); total != 1 || ids[0] != id {
			t.Fatalf("after create: %d %v", total, ids)
		}
		if total, ids, _ := f.list(byExt); total != 1 || ids[0] != id {
			t.Fatalf("by externalId after create: %d %v", total, ids)
		}
		// A profile update is a PUT of the whole user.
		doc = f.must(f.do("PUT", "/Users/"+id, oktaPut(id, "Tess", true)), http.StatusOK)
		if doc["name"].(map[string]any)["givenName"] != "Tess" || doc["active"] != true {
			t.Errorf("update: %v", doc)
		}
		// Deactivation: the same PUT with active false.
		doc = f.must(f.do("PUT", "/Users/"+id, oktaPut(id, "Tess", false)), http.StatusOK)
		if doc["active"] != false {
			t.Fatalf("deactivate: %v", doc)
		}
		if got := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); got["active"] != false {
			t.Fatalf("GET after deactivate: %v", got)
		}
		if u, err := e.DB.User(ctx(), f.org.ID, id); err != nil || u.Status != "inactive" {
			t.Errorf("stored status: %v %v", u, err)
		}
		// Reactivation.
		doc = f.must(f.do("PUT", "/Users/"+id, oktaPut(id, "Tess", true)), http.StatusOK)
		if doc["active"] != true {
			t.Fatalf("reactivate: %v", doc)
		}
		// Okta also deactivates with PATCH, without a path.
		doc = f.must(f.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"replace","value":{"active":false}}]}`), http.StatusOK)
		if doc["active"] != false {
			t.Fatalf("PATCH deactivate: %v", doc)
		}
		// Okta reads the user back by id.
		if got := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); got["userName"] != "test.user@okta.local" || got["externalId"] != "00ujl29u0le5T6Aj10h7" {
			t.Errorf("GET: %v", got)
		}
	})
}

func TestOktaGroups(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		a := f.createUser("a@okta.local", "Ann", "A", nil)["id"].(string)
		b := f.createUser("b@okta.local", "Ben", "B", nil)["id"].(string)
		c := f.createUser("c@okta.local", "Cat", "C", nil)["id"].(string)
		lookup := "/Groups?filter=" + q(`displayName eq "Test SCIMv2"`) + "&startIndex=1&count=100"
		if total, _, _ := f.list(lookup); total != 0 {
			t.Fatalf("before create: %d", total)
		}
		g := f.must(f.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`), http.StatusCreated)
		gid := g["id"].(string)
		if total, ids, _ := f.list(lookup); total != 1 || ids[0] != gid {
			t.Fatalf("after create: %d %v", total, ids)
		}
		members := func() []string { return memberIDs(f.must(f.do("GET", "/Groups/"+gid, nil), http.StatusOK)) }
		// Okta renames with replace, naming the group's id among the values.
		g = f.must(f.do("PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"replace","value":{"id":%q,"displayName":"Test SCIMv2 renamed"}}]}`, gid)), http.StatusOK)
		if g["displayName"] != "Test SCIMv2 renamed" {
			t.Errorf("rename: %v", g)
		}
		// Another id among the values is refused.
		f.scimError(f.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"replace","value":{"id":"not-this-group","displayName":"X"}}]}`), http.StatusBadRequest, "mutability")
		// Members: replaced as a list.
		f.must(f.do("PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"replace","path":"members","value":[{"value":%q,"display":"a@okta.local"},{"value":%q,"display":"b@okta.local"}]}]}`, a, b)), http.StatusOK)
		if got := members(); !sameSet(got, []string{a, b}) {
			t.Fatalf("replace members: %v", got)
		}
		// Added and removed one by one.
		f.must(f.do("PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"add","path":"members","value":[{"value":%q,"display":"c@okta.local"}]},
			{"op":"remove","path":"members[value eq \"%s\"]"}]}`, c, a)), http.StatusOK)
		if got := members(); !sameSet(got, []string{b, c}) {
			t.Fatalf("add and remove: %v", got)
		}
		// PUT of the whole group.
		g = f.must(f.do("PUT", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":%q,
			"displayName":"Test SCIMv2","members":[{"value":%q,"display":"a@okta.local"}]}`, gid, a)), http.StatusOK)
		if g["displayName"] != "Test SCIMv2" || !sameSet(memberIDs(g), []string{a}) {
			t.Fatalf("PUT group: %v", g)
		}
		// A PUT without members empties the group.
		g = f.must(f.do("PUT", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2"}`), http.StatusOK)
		if len(memberIDs(g)) != 0 {
			t.Errorf("PUT without members: %v", g)
		}
		f.must(f.do("DELETE", "/Groups/"+gid, nil), http.StatusNoContent)
		if total, _, _ := f.list(lookup); total != 0 {
			t.Errorf("after delete: %d", total)
		}
	})
}
