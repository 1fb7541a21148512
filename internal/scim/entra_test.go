package scim_test

import (
	"net/http"
	"testing"

	"roster/internal/scim"
	"roster/internal/store/storetest"
)

// Microsoft Entra ID's provisioning service, as its documentation shows
// the requests: lookups before a create, capitalised operations, booleans
// as "True"/"False", PATCH without a path carrying dotted keys, and group
// members added and removed by PATCH.

const entraUser = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "Test_User_ab6490ee@testuser.com",
  "active": true,
  "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
  "meta": {"resourceType": "User"},
  "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
  "roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "department": "Tour Operations"}
}`

func TestEntraUserLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		// Entra looks the user up by userName and by externalId first.
		byName := "/Users?filter=" + q(`userName eq "Test_User_ab6490ee@testuser.com"`)
		byExt := "/Users?filter=" + q(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`)
		for _, p := range []string{byName, byExt} {
			if total, ids, m := f.list(p); total != 0 || len(ids) != 0 || m["Resources"] == nil {
				t.Fatalf("before create %s: %v", p, m)
			}
		}
		doc := f.must(f.do("POST", "/Users", entraUser), http.StatusCreated)
		id := doc["id"].(string)
		ent, _ := doc[scim.SchemaEnterprise].(map[string]any)
		if ent["employeeNumber"] != "701984" || ent["department"] != "Tour Operations" {
			t.Errorf("enterprise extension: %v", doc)
		}
		for _, p := range []string{byName, byExt} {
			if total, ids, _ := f.list(p); total != 1 || len(ids) != 1 || ids[0] != id {
				t.Fatalf("after create %s: %d %v", p, total, ids)
			}
		}

		// Capitalised operations; a filtered email path replaced.
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
			{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`
		doc = f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK)
		emails := doc["emails"].([]any)
		if len(emails) != 1 || emails[0].(map[string]any)["value"] != "updatedEmail@microsoft.com" || emails[0].(map[string]any)["type"] != "work" {
			t.Errorf("work email: %v", doc["emails"])
		}
		if doc["name"].(map[string]any)["familyName"] != "updatedFamilyName" {
			t.Errorf("familyName: %v", doc["name"])
		}
		// The new email is what filters find.
		if ids := f.filterIDs(`emails[type eq "work" and value eq "updatedEmail@microsoft.com"]`); len(ids) != 1 || ids[0] != id {
			t.Errorf("lookup by the new email: %v", ids)
		}

		// No path: dotted keys and the enterprise extension as an object.
		body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{
			"name.givenName":"Ryan","name.familyName":"Leenay","displayName":"Ryan Leenay","title":"Guide",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42","costCenter":"CC-7"}}}]}`
		doc = f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK)
		name := doc["name"].(map[string]any)
		if name["givenName"] != "Ryan" || name["familyName"] != "Leenay" || doc["displayName"] != "Ryan Leenay" || doc["title"] != "Guide" {
			t.Errorf("dotted keys: %v", doc)
		}
		ent, _ = doc[scim.SchemaEnterprise].(map[string]any)
		if ent["employeeNumber"] != "42" || ent["costCenter"] != "CC-7" || ent["department"] != "Tour Operations" {
			t.Errorf("enterprise object: %v", doc[scim.SchemaEnterprise])
		}
		// And an extension attribute named by its full path as the key.
		body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","value":{
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division":"North"}}]}`
		doc = f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK)
		if ent, _ := doc[scim.SchemaEnterprise].(map[string]any); ent["division"] != "North" {
			t.Errorf("full path key: %v", doc[scim.SchemaEnterprise])
		}

		// Disable with "False", enable with "True".
		body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
		if doc = f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK); doc["active"] != false {
			t.Fatalf("disable: %v", doc)
		}
		if doc = f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); doc["active"] != false {
			t.Fatalf("GET after disable: %v", doc)
		}
		for _, flt := range []string{`active eq false`, `active eq "False"`} {
			if ids := f.filterIDs(flt); len(ids) != 1 || ids[0] != id {
				t.Errorf("%s: %v", flt, ids)
			}
		}
		body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"active":"True"}}]}`
		if doc = f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK); doc["active"] != true {
			t.Fatalf("enable: %v", doc)
		}
		// A boolean that is neither is refused.
		body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"Maybe"}]}`
		f.scimError(f.do("PATCH", "/Users/"+id, body), http.StatusBadRequest, "invalidValue")

		// Entra removes an attribute with "Remove".
		body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"title"}]}`
		if doc = f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK); doc["title"] != nil {
			t.Errorf("remove title: %v", doc)
		}
	})
}

// A filtered email path adds the email when the user has none of that
// type.
func TestEntraAddWorkEmail(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("ryan@contoso.com", "Ryan", "Leenay", nil)["id"].(string)
		for _, o := range []string{"Add", "Replace"} {
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"` + o + `","path":"emails[type eq \"work\"].value","value":"ryan` + o + `@contoso.com"}]}`
			doc := f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK)
			emails, _ := doc["emails"].([]any)
			if len(emails) != 1 {
				t.Fatalf("%s: emails %v", o, doc["emails"])
			}
			em := emails[0].(map[string]any)
			if em["value"] != "ryan"+o+"@contoso.com" || em["type"] != "work" {
				t.Errorf("%s: email %v", o, em)
			}
		}
		// A home email is added beside the work one.
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Add","path":"emails[type eq \"home\"].value","value":"ryan@home.example"}]}`
		doc := f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK)
		if emails, _ := doc["emails"].([]any); len(emails) != 2 {
			t.Errorf("home email: %v", doc["emails"])
		}
		// Roster keeps the work email as the user's email.
		u, err := e.DB.User(ctx(), f.org.ID, id)
		if err != nil || u.Email != "ryanReplace@contoso.com" {
			t.Errorf("stored email: %v %v", u, err)
		}
	})
}

// Entra sends the manager as a plain id string in the path of the
// extension attribute.
func TestEntraManager(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		boss := f.createUser("boss@contoso.com", "Big", "Boss", nil)["id"].(string)
		id := f.createUser("ryan@contoso.com", "Ryan", "Leenay", nil)["id"].(string)
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"` + boss + `"}]}`
		doc := f.must(f.do("PATCH", "/Users/"+id, body), http.StatusOK)
		ent, _ := doc[scim.SchemaEnterprise].(map[string]any)
		m, _ := ent["manager"].(map[string]any)
		if m["value"] != boss {
			t.Errorf("manager: %v", doc[scim.SchemaEnterprise])
		}
	})
}

func TestEntraGroups(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		a := f.createUser("a@contoso.com", "Ann", "A", nil)["id"].(string)
		b := f.createUser("b@contoso.com", "Ben", "B", nil)["id"].(string)
		c := f.createUser("c@contoso.com", "Cat", "C", nil)["id"].(string)
		lookup := "/Groups?excludedAttributes=members&filter=" + q(`displayName eq "Sales Team"`)
		if total, _, _ := f.list(lookup); total != 0 {
			t.Fatalf("before create: %d", total)
		}
		g := f.must(f.do("POST", "/Groups", `{"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales Team",
			"meta":{"resourceType":"Group"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`), http.StatusCreated)
		gid := g["id"].(string)
		total, ids, m := f.list(lookup)
		if total != 1 || ids[0] != gid {
			t.Fatalf("after create: %v", m)
		}
		if _, ok := m["Resources"].([]any)[0].(map[string]any)["members"]; ok {
			t.Errorf("excludedAttributes=members: %v", m)
		}
		if total, _, _ := f.list("/Groups?filter=" + q(`externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"`)); total != 1 {
			t.Errorf("by externalId: %d", total)
		}
		members := func() []string { return memberIDs(f.must(f.do("GET", "/Groups/"+gid, nil), http.StatusOK)) }
		// Add, with a list of values.
		f.must(f.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Add","path":"members","value":[{"value":"`+a+`"},{"value":"`+b+`"},{"value":"`+c+`"}]}]}`), http.StatusOK)
		if got := members(); !sameSet(got, []string{a, b, c}) {
			t.Fatalf("add: %v", got)
		}
		// Remove with a value filter in the path.
		f.must(f.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Remove","path":"members[value eq \"`+a+`\"]"}]}`), http.StatusOK)
		if got := members(); !sameSet(got, []string{b, c}) {
			t.Fatalf("remove by filter: %v", got)
		}
		// Remove as Entra documents it: path members and the values to
		// remove. Only those go.
		f.must(f.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Remove","path":"members","value":[{"value":"`+b+`"}]}]}`), http.StatusOK)
		if got := members(); !sameSet(got, []string{c}) {
			t.Errorf("remove with a value list: members %v, want only %v", got, c)
		}
		// Rename.
		g = f.must(f.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Replace","path":"displayName","value":"Sales"}]}`), http.StatusOK)
		if g["displayName"] != "Sales" {
			t.Errorf("rename: %v", g)
		}
		f.must(f.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil), http.StatusOK)
		f.must(f.do("DELETE", "/Groups/"+gid, nil), http.StatusNoContent)
	})
}
