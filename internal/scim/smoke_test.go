package scim_test

import (
	"net/http"
	"testing"

	"roster/internal/store/storetest"
)

func TestUserRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		doc := f.createUser("bjensen", "Barbara", "Jensen", map[string]any{
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
				map[string]any{"value": "babs@jensen.org", "type": "home"}},
			"externalId": "bjensen-1",
		})
		id := doc["id"].(string)
		got := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK)
		if got["userName"] != "bjensen" || len(got["emails"].([]any)) != 2 {
			t.Fatalf("got %v", got)
		}
		list := f.must(f.do("GET", `/Users?filter=userName+eq+"BJENSEN"`, nil), http.StatusOK)
		if list["totalResults"].(float64) != 1 {
			t.Fatalf("list %v", list)
		}
		r := f.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"b@example.com"},{"op":"replace","value":{"active":"False"}}]}`)
		p := f.must(r, http.StatusOK)
		if p["active"] != false {
			t.Fatalf("patched %v", p)
		}
		f.must(f.do("DELETE", "/Users/"+id, nil), http.StatusNoContent)
	})
}
