package scim_test

import (
	"net/http"
	"testing"

	"roster/internal/store/storetest"
)

// TestGroupVersionFollowsMembers: a member added or removed outside SCIM
// (the console, the REST API) changes the group's version, so a client
// holding the old ETag gets 412 rather than overwriting the change.
func TestGroupVersionFollowsMembers(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.createUser("member", "Mem", "Ber", nil)
		g := f.createGroup("Teachers")
		r := f.do("GET", "/Groups/"+g["id"].(string), nil)
		f.must(r, http.StatusOK)
		tag := r.Header.Get("ETag")
		if _, err := f.svc.AddGroupMember(ctx(), f.operator(), g["id"].(string), u["id"].(string)); err != nil {
			t.Fatal(err)
		}
		body := patch(op("add", "displayName", "Teachers 2"))
		f.scimError(f.do("PATCH", "/Groups/"+g["id"].(string), body, "If-Match", tag), http.StatusPreconditionFailed, "")
		r = f.do("GET", "/Groups/"+g["id"].(string), nil, "If-None-Match", tag)
		if r.Code != http.StatusOK {
			t.Fatalf("If-None-Match with the old tag: %d, want 200 with the new members", r.Code)
		}
		if ids := memberIDs(r.json(t)); len(ids) != 1 || ids[0] != u["id"] {
			t.Errorf("members %v", ids)
		}
		tag = r.Header.Get("ETag")
		if err := f.svc.RemoveGroupMember(ctx(), f.operator(), g["id"].(string), u["id"].(string)); err != nil {
			t.Fatal(err)
		}
		f.scimError(f.do("PATCH", "/Groups/"+g["id"].(string), body, "If-Match", tag), http.StatusPreconditionFailed, "")
	})
}
