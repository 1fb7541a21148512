package scim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// The errors of RFC 7644 §3.12, each from a request that earns it.
func TestErrorTypes(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		doc := f.createUser("bjensen", "Barbara", "Jensen", map[string]any{"externalId": "ext-1"})
		id := doc["id"].(string)
		gid := f.createGroup("Tour Guides")["id"].(string)
		user := func(userName string) map[string]any {
			return map[string]any{"userName": userName, "name": map[string]any{"givenName": "A", "familyName": "B"}}
		}

		// invalidSyntax: bodies that are not JSON objects.
		for _, body := range []string{`{`, `[]`, `"user"`, `{"userName":"a"} {"userName":"b"}`, `null`, ``} {
			f.scimError(f.do("POST", "/Users", body), http.StatusBadRequest, "invalidSyntax")
		}
		f.scimError(f.do("PATCH", "/Users/"+id, `{"Operations":`), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("PATCH", "/Users/"+id, `{"schemas":["urn:x"],"Operations":[{"op":"add","path":"title","value":"x"}]}`), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("PATCH", "/Users/"+id, patch()), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("move", "title", "x"))), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("POST", "/Bulk", `{"schemas":`), http.StatusBadRequest, "invalidSyntax")

		// invalidFilter: unreadable filters and attributes that cannot be
		// filtered on.
		for _, flt := range []string{`userName eq`, `userName eq "a`, `(userName eq "a"`, `userName zz "a"`, `userName eq "a" and`,
			`nickName eq "x"`, `emails[type eq "work"`, `urn:x:y eq "1"`, `   `} {
			m := f.scimError(f.do("GET", "/Users?filter="+q(flt), nil), http.StatusBadRequest, "invalidFilter")
			if d, _ := m["detail"].(string); d == "" {
				t.Errorf("filter %q: no detail", flt)
			}
		}
		f.scimError(f.do("GET", "/Groups?filter="+q(`members.display eq "x"`), nil), http.StatusBadRequest, "invalidFilter")
		m := f.scimError(f.do("GET", "/Users?filter="+q(`nickName eq "x"`), nil), http.StatusBadRequest, "invalidFilter")
		if !strings.Contains(m["detail"].(string), "nickName") {
			t.Errorf("detail does not name the attribute: %v", m["detail"])
		}
		f.scimError(f.do("GET", "/Users?filter="+q(strings.Repeat(`userName eq "a" or `, 400)+`userName eq "b"`), nil),
			http.StatusBadRequest, "invalidFilter")

		// invalidPath: PATCH paths that name nothing.
		for _, p := range []string{"nosuch", "name.nosuch", "emails[type eq \"work\"", "title.sub", "title[value eq \"x\"]",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:x:y:z", "emails[type eq \"work\"].nosuch"} {
			f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", p, "x"))), http.StatusBadRequest, "invalidPath")
		}
		f.scimError(f.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": 7, "value": "x"})), http.StatusBadRequest, "invalidPath")

		// invalidValue: wrong types and missing required attributes.
		f.scimError(f.do("POST", "/Users", map[string]any{"name": map[string]any{"givenName": "A", "familyName": "B"}}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Users", map[string]any{"userName": 7}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Users", map[string]any{"userName": "x", "name": "Barbara"}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Users", map[string]any{"userName": "x", "active": "yes", "name": map[string]any{"givenName": "A", "familyName": "B"}}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Users", map[string]any{"userName": "x", "emails": []any{"a@b.c", 7}}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Users", map[string]any{"userName": "x", "favouriteColour": "blue"}), http.StatusBadRequest, "invalidValue")
		m = f.scimError(f.do("POST", "/Users", map[string]any{"userName": "x", "password": "secret", "name": map[string]any{"givenName": "A", "familyName": "B"}}), http.StatusBadRequest, "invalidValue")
		if strings.Contains(m["detail"].(string), "secret") {
			t.Errorf("the password is echoed: %v", m)
		}
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "title", 7))), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "", "not an object"))), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("add", "title", nil))), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "userName", ""))), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Groups", map[string]any{"members": []any{}}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Groups", map[string]any{"displayName": "G", "members": []any{map[string]any{"value": id, "type": "Group"}}}), http.StatusBadRequest, "invalidValue")

		// mutability: read-only attributes.
		for _, p := range []string{"id", "meta", "meta.created", "groups"} {
			f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", p, "x"))), http.StatusBadRequest, "mutability")
		}
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "", map[string]any{"id": "other"}))), http.StatusBadRequest, "mutability")
		f.scimError(f.do("PATCH", "/Groups/"+gid, patch(op("replace", "id", "x"))), http.StatusBadRequest, "mutability")

		// uniqueness: userName without regard to case; group names.
		f.scimError(f.do("POST", "/Users", user("BJensen")), http.StatusConflict, "uniqueness")
		f.scimError(f.do("POST", "/Users", user(" bjensen ")), http.StatusConflict, "uniqueness")
		other := f.createUser("other", "O", "T", nil)["id"].(string)
		f.scimError(f.do("PATCH", "/Users/"+other, patch(op("replace", "userName", "BJENSEN"))), http.StatusConflict, "uniqueness")
		f.scimError(f.do("POST", "/Groups", map[string]any{"displayName": "Tour Guides"}), http.StatusConflict, "uniqueness")
		g2 := f.createGroup("Drivers")["id"].(string)
		f.scimError(f.do("PATCH", "/Groups/"+g2, patch(op("replace", "displayName", "Tour Guides"))), http.StatusConflict, "uniqueness")

		// noTarget: remove without a path.
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("remove", "", nil))), http.StatusBadRequest, "noTarget")
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("remove", "", map[string]any{"title": "x"}))), http.StatusBadRequest, "noTarget")

		// 415 for other media types.
		r := f.do("POST", "/Users", `userName=x`, "Content-Type", "text/plain")
		f.scimError(r, http.StatusUnsupportedMediaType, "")
		f.scimError(f.do("PATCH", "/Users/"+id, `{}`, "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType, "")
		// application/json with parameters is taken.
		f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "title", "ok")), "Content-Type", "application/json; charset=utf-8"), http.StatusOK)

		// 404 for unknown resources and endpoints.
		for _, p := range []string{"/Users/no-such-id", "/Groups/no-such-id", "/Users/" + id + "/extra", "/Nothing"} {
			f.scimError(f.do("GET", p, nil), http.StatusNotFound, "")
		}
		f.scimError(f.do("PATCH", "/Groups/no-such-id", patch(op("replace", "displayName", "x"))), http.StatusNotFound, "")
		f.scimError(f.do("DELETE", "/Groups/no-such-id", nil), http.StatusNotFound, "")
		// A user id is not a group id.
		f.scimError(f.do("GET", "/Groups/"+id, nil), http.StatusNotFound, "")

		// 405 for methods an endpoint does not take.
		for _, c := range [][2]string{{"DELETE", "/Users"}, {"PUT", "/Users"}, {"PATCH", "/Groups"}, {"POST", "/Users/" + id}} {
			f.scimError(f.do(c[0], c[1], nil), http.StatusMethodNotAllowed, "")
		}
		f.scimError(f.do("GET", "/Bulk", nil), http.StatusNotFound, "")

		// 501 for /Me.
		f.must(f.do("GET", "/Me", nil), http.StatusNotImplemented)

		// Bodies above the limit are 413.
		f.must(f.do("POST", "/Users", `{"userName":"`+strings.Repeat("x", 300<<10)+`"}`), http.StatusRequestEntityTooLarge)
	})
}

// A list never answers more than MaxResults, whatever count asks.
func TestErrorCountCapped(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		f.createUser("bjensen", "Barbara", "Jensen", nil)
		for _, p := range []string{"/Users?count=5000", "/Groups?count=100000"} {
			m := f.must(f.do("GET", p, nil), http.StatusOK)
			if n := m["itemsPerPage"].(float64); n > 1000 {
				t.Errorf("%s: itemsPerPage %v", p, n)
			}
			if _, ok := m["scimType"]; ok {
				t.Errorf("%s: %v", p, m)
			}
		}
		m := f.must(f.do("POST", "/Users/.search", map[string]any{"count": 5000}), http.StatusOK)
		if m["itemsPerPage"].(float64) > 1000 || m["totalResults"] != 1.0 {
			t.Errorf(".search count: %v", m)
		}
	})
}

// A PATCH whose second operation fails changes nothing.
func TestErrorPatchAtomic(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("bjensen", "Barbara", "Jensen", map[string]any{"title": "Guide"})["id"].(string)
		before := f.do("GET", "/Users/"+id, nil)
		f.must(before, http.StatusOK)
		cases := []map[string]any{
			patch(op("replace", "title", "Changed"), op("replace", "nosuch", "x")),
			patch(op("replace", "title", "Changed"), op("replace", "id", "x")),
			patch(op("replace", "title", "Changed"), op("replace", "active", "perhaps")),
			patch(op("replace", "title", "Changed"), op("replace", "userName", "")),
			patch(op("replace", "title", "Changed"), op("remove", "", nil)),
		}
		other := f.createUser("other", "O", "T", nil)["id"].(string)
		cases = append(cases, patch(op("replace", "title", "Changed"), op("replace", "userName", "bjensen")))
		for i, c := range cases {
			target := id
			if i == len(cases)-1 {
				target = other
			}
			r := f.do("PATCH", "/Users/"+target, c)
			if r.Code < 400 || r.Code >= 500 {
				t.Errorf("case %d: %s", i, r)
			}
		}
		after := f.do("GET", "/Users/"+id, nil)
		f.must(after, http.StatusOK)
		if string(before.Body) != string(after.Body) || before.Header.Get("ETag") != after.Header.Get("ETag") {
			t.Errorf("a failed PATCH changed the user:\n%s\n%s", before.Body, after.Body)
		}
		if doc := f.must(f.do("GET", "/Users/"+other, nil), http.StatusOK); doc["title"] != nil {
			t.Errorf("a failed PATCH changed the other user: %v", doc)
		}
		// Groups: a rename and a member that does not exist.
		u := f.createUser("member", "M", "E", nil)["id"].(string)
		gid := f.createGroup("Tour Guides", u)["id"].(string)
		gb := f.do("GET", "/Groups/"+gid, nil)
		r := f.do("PATCH", "/Groups/"+gid, patch(op("replace", "displayName", "Renamed"), op("remove", "members", nil),
			op("add", "members", []any{map[string]any{"value": "no-such-user"}})))
		f.scimError(r, http.StatusBadRequest, "invalidValue")
		ga := f.do("GET", "/Groups/"+gid, nil)
		if string(gb.Body) != string(ga.Body) {
			t.Errorf("a failed group PATCH changed the group:\n%s\n%s", gb.Body, ga.Body)
		}
		// No audit event for any of it.
		for _, ev := range f.auditEvents() {
			for _, c := range ev.Changes {
				if b, _ := json.Marshal(c.After); strings.Contains(string(b), "Changed") || strings.Contains(string(b), "Renamed") {
					t.Errorf("a failed PATCH was audited: %+v", ev)
				}
			}
		}
	})
}
