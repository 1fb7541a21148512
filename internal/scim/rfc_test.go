package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/scim"
	"roster/internal/store/storetest"
)

// The examples of RFC 7644, run against Roster.

const (
	schemaList     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError    = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaSearch   = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	schemaBulkReq  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	schemaBulkResp = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// §3.3: creating a resource answers 201 with the resource, its Location
// and its version.
func TestRFCCreate(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","externalId":"bjensen",
			"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara"}}`
		r := f.do("POST", "/Users", body)
		doc := f.must(r, http.StatusCreated)
		id, _ := doc["id"].(string)
		if id == "" {
			t.Fatalf("no id: %v", doc)
		}
		meta := doc["meta"].(map[string]any)
		if meta["resourceType"] != "User" || meta["created"] == nil || meta["lastModified"] == nil {
			t.Errorf("meta = %v", meta)
		}
		want := baseURL + scim.Prefix + "/Users/" + id
		if r.Header.Get("Location") != want || meta["location"] != want {
			t.Errorf("Location = %q, meta.location = %v, want %q", r.Header.Get("Location"), meta["location"], want)
		}
		if tag := r.Header.Get("ETag"); tag == "" || tag != meta["version"] {
			t.Errorf("ETag = %q, meta.version = %v", tag, meta["version"])
		}
		if r.Header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		}
		name := doc["name"].(map[string]any)
		if name["formatted"] != "Ms. Barbara J Jensen III" || name["familyName"] != "Jensen" || name["givenName"] != "Barbara" {
			t.Errorf("name = %v", name)
		}
		if doc["externalId"] != "bjensen" || doc["userName"] != "bjensen" || doc["active"] != true {
			t.Errorf("doc = %v", doc)
		}
		// Roster needs a person's names (or a displayName it can split):
		// a user with nothing but a userName is refused, naming them.
		m := f.scimError(f.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`),
			http.StatusBadRequest, "invalidValue")
		if d := fmt.Sprint(m["detail"]); !strings.Contains(d, "name.givenName") {
			t.Errorf("detail %q", d)
		}
		// The same userName again is a uniqueness conflict.
		f.scimError(f.do("POST", "/Users", body), http.StatusConflict, "uniqueness")

		// Groups too.
		g := f.do("POST", "/Groups", map[string]any{"schemas": []string{scim.SchemaGroup}, "displayName": "Tour Guides"})
		gd := f.must(g, http.StatusCreated)
		if g.Header.Get("Location") != baseURL+scim.Prefix+"/Groups/"+gd["id"].(string) || gd["displayName"] != "Tour Guides" {
			t.Errorf("group %s %v", g.Header.Get("Location"), gd)
		}
		if ms, ok := gd["members"].([]any); !ok || len(ms) != 0 {
			t.Errorf("members = %v", gd["members"])
		}
	})
}

// §3.4.1 and §3.14: GET carries the version as an ETag and answers 304 to
// If-None-Match naming it.
func TestRFCGetETag(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("bjensen", "Barbara", "Jensen", nil)["id"].(string)
		r := f.do("GET", "/Users/"+id, nil)
		doc := f.must(r, http.StatusOK)
		tag := r.Header.Get("ETag")
		if !strings.HasPrefix(tag, `W/"`) || tag != doc["meta"].(map[string]any)["version"] {
			t.Fatalf("ETag = %q, meta = %v", tag, doc["meta"])
		}
		nm := f.do("GET", "/Users/"+id, nil, "If-None-Match", tag)
		if nm.Code != http.StatusNotModified || len(nm.Body) != 0 || nm.Header.Get("ETag") != tag {
			t.Fatalf("If-None-Match current: %s, ETag %q", nm, nm.Header.Get("ETag"))
		}
		f.must(f.do("GET", "/Users/"+id, nil, "If-None-Match", `W/"999999"`), http.StatusOK)

		// After a change the old tag no longer matches.
		f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "title", "Tour Guide"))), http.StatusOK)
		r2 := f.do("GET", "/Users/"+id, nil, "If-None-Match", tag)
		f.must(r2, http.StatusOK)
		if r2.Header.Get("ETag") == tag {
			t.Errorf("version did not change: %q", tag)
		}

		// Groups carry versions too.
		gid := f.createGroup("Tour Guides")["id"].(string)
		g := f.do("GET", "/Groups/"+gid, nil)
		f.must(g, http.StatusOK)
		if g.Header.Get("ETag") == "" {
			t.Fatal("no ETag on a group")
		}
		if r := f.do("GET", "/Groups/"+gid, nil, "If-None-Match", g.Header.Get("ETag")); r.Code != http.StatusNotModified {
			t.Errorf("group If-None-Match: %s", r)
		}
	})
}

// filterWorld provisions the users of the filter examples.
type filterWorld struct {
	f                 *fixture
	bjensen, jomalley string
	jsmith            string
	modified          map[string]string // id → meta.lastModified
}

func newFilterWorld(t *testing.T, e *storetest.Engine) *filterWorld {
	f := newFixture(t, e)
	w := &filterWorld{f: f, modified: map[string]string{}}
	add := func(userName, given, family string, more map[string]any) string {
		d := f.createUser(userName, given, family, more)
		id := d["id"].(string)
		w.modified[id] = d["meta"].(map[string]any)["lastModified"].(string)
		return id
	}
	w.bjensen = add("bjensen", "Barbara", "Jensen", map[string]any{"title": "Tour Guide", "userType": "Employee",
		"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true}}})
	w.jomalley = add("jomalley", "Jim", "O'Malley", map[string]any{"userType": "Intern",
		"emails": []any{map[string]any{"value": "jim@example.org", "type": "work"}}})
	w.jsmith = add("jsmith", "John", "Smith", map[string]any{"title": "Driver", "userType": "Contractor", "active": false})
	return w
}

// expect checks that a filter selects exactly these users.
func (w *filterWorld) expect(t *testing.T, filter string, want ...string) {
	t.Helper()
	got := w.f.filterIDs(filter)
	if !sameSet(got, want) {
		t.Errorf("filter %s: got %v, want %v", filter, got, want)
	}
}

// invalid checks that a filter is refused as invalidFilter with a detail
// that names what is wrong.
func (w *filterWorld) invalid(t *testing.T, filter, mention string) {
	t.Helper()
	m := w.f.scimError(w.f.do("GET", "/Users?filter="+q(filter), nil), http.StatusBadRequest, "invalidFilter")
	if d, _ := m["detail"].(string); !strings.Contains(d, mention) {
		t.Errorf("filter %s: detail %q does not mention %q", filter, d, mention)
	}
}

// §3.4.2.2: the example filters. userType and ims are kept as the client
// sent them, not in columns, so they cannot be filtered on: those
// examples are refused with invalidFilter naming the attribute, and run
// again with an attribute Roster filters on in its place.
func TestRFCFilterExamples(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		w := newFilterWorld(t, e)
		b, j, s := w.bjensen, w.jomalley, w.jsmith
		w.expect(t, `userName eq "bjensen"`, b)
		w.expect(t, `name.familyName co "O'Malley"`, j)
		w.expect(t, `userName sw "J"`, j, s)
		w.expect(t, `title pr`, b, s)
		w.expect(t, `meta.lastModified gt "2011-05-13T04:42:34Z"`, b, j, s)
		w.expect(t, `meta.lastModified ge "2011-05-13T04:42:34Z"`, b, j, s)
		w.expect(t, `meta.lastModified lt "2011-05-13T04:42:34Z"`)
		w.expect(t, `meta.lastModified le "2011-05-13T04:42:34Z"`)
		// The same operators around the middle user's own instant.
		mid := w.modified[j]
		w.expect(t, `meta.lastModified gt "`+mid+`"`, s)
		w.expect(t, `meta.lastModified ge "`+mid+`"`, j, s)
		w.expect(t, `meta.lastModified lt "`+mid+`"`, b)
		w.expect(t, `meta.lastModified le "`+mid+`"`, b, j)

		w.invalid(t, `title pr and userType eq "Employee"`, "userType")
		w.expect(t, `title pr and active eq true`, b)
		w.invalid(t, `title pr or userType eq "Intern"`, "userType")
		w.expect(t, `title pr or name.givenName eq "Jim"`, b, j, s)
		w.invalid(t, `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, "schemas")
		w.invalid(t, `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, "userType")
		w.expect(t, `active eq true and (emails co "example.com" or emails.value co "example.org")`, b, j)
		w.invalid(t, `userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`, "userType")
		w.expect(t, `active ne false and not (emails co "example.com" or emails.value co "example.org")`)
		w.expect(t, `title ne "Tour Guide" and not (emails co "example.com" or emails.value co "example.org")`, s)
		w.expect(t, `title ne "Tour Guide"`, j, s)
		w.invalid(t, `userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`, "userType")
		w.expect(t, `title eq "Tour Guide" and emails[type eq "work" and value co "@example.com"]`, b)
		w.expect(t, `emails[type eq "work" and value co "@example.com"]`, b)
		w.invalid(t, `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`, "ims")
		w.expect(t, `emails[type eq "work" and value co "@example.com"] or emails[type eq "work" and value co "@example.org"]`, b, j)
	})
}

// §3.4.2.3 and §3.4.2.4: sorting and paging.
func TestRFCSortAndPage(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		w := newFilterWorld(t, e)
		f := w.f
		_, ids, _ := f.list("/Users?sortBy=userName")
		if !slices.Equal(ids, []string{w.bjensen, w.jomalley, w.jsmith}) {
			t.Errorf("ascending by userName: %v", ids)
		}
		_, ids, _ = f.list("/Users?sortBy=userName&sortOrder=descending")
		if !slices.Equal(ids, []string{w.jsmith, w.jomalley, w.bjensen}) {
			t.Errorf("descending by userName: %v", ids)
		}
		_, ids, _ = f.list("/Users?sortBy=name.familyName")
		if !slices.Equal(ids, []string{w.bjensen, w.jomalley, w.jsmith}) {
			t.Errorf("by familyName: %v", ids)
		}
		f.scimError(f.do("GET", "/Users?sortBy=title", nil), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("GET", "/Users?sortBy=userName&sortOrder=sideways", nil), http.StatusBadRequest, "invalidValue")

		total, ids, m := f.list("/Users?sortBy=userName&startIndex=1&count=2")
		if total != 3 || !slices.Equal(ids, []string{w.bjensen, w.jomalley}) || m["startIndex"] != 1.0 || m["itemsPerPage"] != 2.0 {
			t.Errorf("page 1: %v", m)
		}
		if !slices.Contains(m["schemas"].([]any), any(schemaList)) {
			t.Errorf("schemas = %v", m["schemas"])
		}
		total, ids, m = f.list("/Users?sortBy=userName&startIndex=3&count=2")
		if total != 3 || !slices.Equal(ids, []string{w.jsmith}) || m["startIndex"] != 3.0 || m["itemsPerPage"] != 1.0 {
			t.Errorf("page 2: %v", m)
		}
		total, ids, _ = f.list("/Users?startIndex=10")
		if total != 3 || len(ids) != 0 {
			t.Errorf("past the end: %d %v", total, ids)
		}
		total, ids, m = f.list("/Users?count=0")
		if total != 3 || len(ids) != 0 || m["itemsPerPage"] != 0.0 {
			t.Errorf("count=0: %v", m)
		}
		// Below 1, startIndex is 1; a negative count is 0 (§3.4.2.4).
		_, _, m = f.list("/Users?startIndex=-4&count=-1")
		if m["startIndex"] != 1.0 || m["itemsPerPage"] != 0.0 {
			t.Errorf("out of range: %v", m)
		}
		f.scimError(f.do("GET", "/Users?count=ten", nil), http.StatusBadRequest, "invalidValue")

		// Groups sort by displayName.
		f.createGroup("b-group")
		f.createGroup("a-group")
		_, _, gm := f.list("/Groups?sortBy=displayName")
		var names []string
		for _, r := range gm["Resources"].([]any) {
			names = append(names, r.(map[string]any)["displayName"].(string))
		}
		if !slices.Equal(names, []string{"a-group", "b-group"}) {
			t.Errorf("groups by displayName: %v", names)
		}
	})
}

// §3.4.2.5 and §3.9: attributes and excludedAttributes.
func TestRFCProjection(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		w := newFilterWorld(t, e)
		f := w.f
		doc := f.must(f.do("GET", "/Users/"+w.bjensen+"?attributes=userName,name.familyName", nil), http.StatusOK)
		if doc["id"] != w.bjensen || doc["userName"] != "bjensen" || doc["schemas"] == nil {
			t.Errorf("attributes: %v", doc)
		}
		if n, _ := doc["name"].(map[string]any); len(n) != 1 || n["familyName"] != "Jensen" {
			t.Errorf("attributes name: %v", doc["name"])
		}
		for _, k := range []string{"emails", "title", "meta", "active"} {
			if _, ok := doc[k]; ok {
				t.Errorf("attributes kept %s: %v", k, doc)
			}
		}
		doc = f.must(f.do("GET", "/Users/"+w.bjensen+"?excludedAttributes=emails,title", nil), http.StatusOK)
		if _, ok := doc["emails"]; ok {
			t.Errorf("excluded emails: %v", doc)
		}
		if _, ok := doc["title"]; ok {
			t.Errorf("excluded title: %v", doc)
		}
		if doc["userName"] != "bjensen" || doc["id"] != w.bjensen {
			t.Errorf("excludedAttributes dropped too much: %v", doc)
		}
		// id is returned always, even when excluded.
		doc = f.must(f.do("GET", "/Users/"+w.bjensen+"?excludedAttributes=id", nil), http.StatusOK)
		if doc["id"] != w.bjensen {
			t.Errorf("id excluded: %v", doc)
		}
		f.scimError(f.do("GET", "/Users/"+w.bjensen+"?attributes=userName&excludedAttributes=emails", nil), http.StatusBadRequest, "invalidSyntax")

		// On lists too.
		_, _, m := f.list("/Users?attributes=userName&filter=" + q(`userName eq "jsmith"`))
		r := m["Resources"].([]any)[0].(map[string]any)
		if len(r) != 3 || r["userName"] != "jsmith" {
			t.Errorf("list attributes: %v", r)
		}
		// Groups without members.
		gid := f.createGroup("Tour Guides", w.bjensen)["id"].(string)
		g := f.must(f.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil), http.StatusOK)
		if _, ok := g["members"]; ok || g["displayName"] != "Tour Guides" {
			t.Errorf("group without members: %v", g)
		}
	})
}

// §3.4.3: searching with POST /.search.
func TestRFCSearch(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		w := newFilterWorld(t, e)
		f := w.f
		body := map[string]any{"schemas": []string{schemaSearch}, "attributes": []string{"displayName", "userName"},
			"filter": `userName sw "j"`, "sortBy": "userName", "sortOrder": "descending", "startIndex": 1, "count": 10}
		m := f.must(f.do("POST", "/Users/.search", body), http.StatusOK)
		total, ids, _ := listIDs(t, m)
		if total != 2 || !slices.Equal(ids, []string{w.jsmith, w.jomalley}) {
			t.Errorf(".search: %v", m)
		}
		for _, r := range m["Resources"].([]any) {
			if _, ok := r.(map[string]any)["name"]; ok {
				t.Errorf(".search attributes not applied: %v", r)
			}
		}
		// A search reads nothing when count is 0 but still counts.
		m = f.must(f.do("POST", "/Users/.search", map[string]any{"schemas": []string{schemaSearch}, "count": 0}), http.StatusOK)
		if total, ids, _ := listIDs(t, m); total != 3 || len(ids) != 0 {
			t.Errorf("count 0: %v", m)
		}
		// Groups.
		f.createGroup("Tour Guides")
		m = f.must(f.do("POST", "/Groups/.search", map[string]any{"schemas": []string{schemaSearch}, "filter": `displayName eq "tour guides"`}), http.StatusOK)
		if total, _, _ := listIDs(t, m); total != 1 {
			t.Errorf("group search: %v", m)
		}
		// Bad search bodies.
		f.scimError(f.do("POST", "/Users/.search", map[string]any{"schemas": []string{"urn:x"}}), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("POST", "/Users/.search", map[string]any{"schemas": []string{schemaSearch}, "count": "ten"}), http.StatusBadRequest, "invalidValue")
		f.scimError(f.do("POST", "/Users/.search", map[string]any{"schemas": []string{schemaSearch}, "filter": `userName eq`}), http.StatusBadRequest, "invalidFilter")
		// Roster searches one resource type at a time.
		f.must(f.do("POST", "/.search", map[string]any{"schemas": []string{schemaSearch}}), http.StatusForbidden)
	})
}

// §3.5.1: PUT replaces the resource: what it leaves out is gone.
func TestRFCPut(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		created := f.createUser("bjensen", "Barbara", "Jensen", map[string]any{"title": "Tour Guide", "nickName": "Babs",
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
				map[string]any{"value": "babs@jensen.org", "type": "home"}}})
		id := created["id"].(string)
		oldTag := created["meta"].(map[string]any)["version"].(string)
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":%q,"userName":"bjensen",
			"externalId":"bjensen","name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara","middleName":"Jane"},
			"roles":[],"userType":"Employee","emails":[{"value":"bjensen@example.com"},{"value":"babs@jensen.org"}]}`, id)
		r := f.do("PUT", "/Users/"+id, body, "If-Match", oldTag)
		doc := f.must(r, http.StatusOK)
		if r.Header.Get("ETag") == oldTag || r.Header.Get("ETag") != doc["meta"].(map[string]any)["version"] {
			t.Errorf("ETag after PUT: %q (before %q)", r.Header.Get("ETag"), oldTag)
		}
		if _, ok := doc["title"]; ok {
			t.Errorf("PUT kept title: %v", doc)
		}
		if _, ok := doc["nickName"]; ok {
			t.Errorf("PUT kept nickName: %v", doc)
		}
		if doc["externalId"] != "bjensen" || doc["userType"] != "Employee" {
			t.Errorf("PUT: %v", doc)
		}
		if n := doc["name"].(map[string]any); n["middleName"] != "Jane" || n["formatted"] != "Ms. Barbara J Jensen III" {
			t.Errorf("name: %v", n)
		}
		emails, _ := doc["emails"].([]any)
		if len(emails) != 2 {
			t.Fatalf("emails: %v", doc["emails"])
		}
		got := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK)
		if _, ok := got["title"]; ok || got["userType"] != "Employee" {
			t.Errorf("GET after PUT: %v", got)
		}
		// The old version no longer matches.
		f.must(f.do("PUT", "/Users/"+id, body, "If-Match", oldTag), http.StatusPreconditionFailed)
		// A PUT naming another id is refused.
		other := strings.Replace(body, id, "not-"+id, 1)
		f.scimError(f.do("PUT", "/Users/"+id, other), http.StatusBadRequest, "mutability")
		// PUT of an unknown user.
		f.must(f.do("PUT", "/Users/no-such-id", `{"userName":"x"}`), http.StatusNotFound)
	})
}

// §3.5.2: the PATCH examples of the RFC.
func TestRFCPatchGroupMembers(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		var users []string
		for _, n := range []string{"bjensen", "jsmith", "jdoe", "amiller"} {
			users = append(users, f.createUser(n, n, "Test", nil)["id"].(string))
		}
		b, s, d, a := users[0], users[1], users[2], users[3]
		gid := f.createGroup("Tour Guides")["id"].(string)
		members := func() []string {
			return memberIDs(f.must(f.do("GET", "/Groups/"+gid, nil), http.StatusOK))
		}
		ref := func(id string) map[string]any {
			return map[string]any{"display": "Someone", "$ref": baseURL + scim.Prefix + "/Users/" + id, "value": id}
		}
		// §3.5.2.1: add a member.
		doc := f.must(f.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{ref(b)}))), http.StatusOK)
		if !sameSet(memberIDs(doc), []string{b}) {
			t.Fatalf("add member: %v", doc)
		}
		// Adding one already there changes nothing.
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{ref(b), ref(s), ref(d)}))), http.StatusOK)
		if got := members(); !sameSet(got, []string{b, s, d}) {
			t.Fatalf("add more: %v", got)
		}
		// §3.5.2.2: remove one member.
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "`+s+`"]`, nil))), http.StatusOK)
		if got := members(); !sameSet(got, []string{b, d}) {
			t.Fatalf("remove one: %v", got)
		}
		// Remove several.
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("remove", `members[value eq "`+b+`"]`, nil),
			op("remove", `members[value eq "`+d+`"]`, nil))), http.StatusOK)
		if got := members(); len(got) != 0 {
			t.Fatalf("remove several: %v", got)
		}
		// Remove all, then add in the same request (§3.5.2.2 last example).
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{ref(b), ref(s)}))), http.StatusOK)
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("remove", "members", nil), op("add", "members", []any{ref(a)}))), http.StatusOK)
		if got := members(); !sameSet(got, []string{a}) {
			t.Fatalf("remove all and add: %v", got)
		}
		// Remove all members.
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("remove", "members", nil))), http.StatusOK)
		if got := members(); len(got) != 0 {
			t.Fatalf("remove all: %v", got)
		}
		// §3.5.2.3: replace all members.
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{ref(b)}))), http.StatusOK)
		f.must(f.do("PATCH", "/Groups/"+gid, patch(op("replace", "members", []any{ref(s), ref(d)}))), http.StatusOK)
		if got := members(); !sameSet(got, []string{s, d}) {
			t.Fatalf("replace members: %v", got)
		}
		// The user's groups follow.
		u := f.must(f.do("GET", "/Users/"+s, nil), http.StatusOK)
		gs, _ := u["groups"].([]any)
		if len(gs) != 1 || gs[0].(map[string]any)["value"] != gid || gs[0].(map[string]any)["display"] != "Tour Guides" {
			t.Errorf("user groups: %v", u["groups"])
		}
		// A member who is not a user of the organization is refused.
		f.scimError(f.do("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": "no-such-user"}}))),
			http.StatusBadRequest, "invalidValue")
		// Replace the name without a path.
		doc = f.must(f.do("PATCH", "/Groups/"+gid, patch(op("replace", "", map[string]any{"displayName": "Guides"}))), http.StatusOK)
		if doc["displayName"] != "Guides" || !sameSet(memberIDs(doc), []string{s, d}) {
			t.Errorf("rename: %v", doc)
		}
	})
}

func TestRFCPatchUser(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("bjensen", "Barbara", "Jensen", map[string]any{
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true}},
			"addresses": []any{map[string]any{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
				"region": "CA", "postalCode": "91608", "country": "USA", "primary": true}},
		})["id"].(string)
		// §3.5.2.1: add without a path: an email and a nickName.
		doc := f.must(f.do("PATCH", "/Users/"+id, patch(op("add", "", map[string]any{
			"emails": []any{map[string]any{"value": "babs@jensen.org", "type": "home"}}, "nickName": "Babs"}))), http.StatusOK)
		emails, _ := doc["emails"].([]any)
		if len(emails) != 2 || doc["nickName"] != "Babs" {
			t.Fatalf("add emails: %v", doc)
		}
		first := emails[0].(map[string]any)
		if first["value"] != "bjensen@example.com" || first["primary"] != true {
			t.Errorf("primary email: %v", emails)
		}
		// §3.5.2.3: replace the work address.
		doc = f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", `addresses[type eq "work"]`, map[string]any{
			"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA",
			"postalCode": "91608", "country": "US", "primary": true}))), http.StatusOK)
		addr := doc["addresses"].([]any)[0].(map[string]any)
		if addr["streetAddress"] != "911 Universal City Plaza" || addr["country"] != "US" || addr["type"] != "work" {
			t.Fatalf("replace address: %v", doc["addresses"])
		}
		// Replace one sub-attribute.
		doc = f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", `addresses[type eq "work"].streetAddress`, "1010 Broadway Ave"))), http.StatusOK)
		addr = doc["addresses"].([]any)[0].(map[string]any)
		if addr["streetAddress"] != "1010 Broadway Ave" || addr["locality"] != "Hollywood" {
			t.Fatalf("replace streetAddress: %v", addr)
		}
		// Replace every email without a path (§3.5.2.3 last example).
		doc = f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "", map[string]any{
			"emails":   []any{map[string]any{"value": "bjensen@example.com", "type": "work", "display": "babs@jensen.org", "primary": true}},
			"nickName": "Babs"}))), http.StatusOK)
		if emails, _ := doc["emails"].([]any); len(emails) != 1 {
			t.Fatalf("replace emails: %v", doc["emails"])
		}
		// A single-valued sub-attribute.
		doc = f.must(f.do("PATCH", "/Users/"+id, patch(op("replace", "name.familyName", "Jensen-Smith"))), http.StatusOK)
		if doc["name"].(map[string]any)["familyName"] != "Jensen-Smith" || doc["name"].(map[string]any)["givenName"] != "Barbara" {
			t.Errorf("familyName: %v", doc["name"])
		}
		// Remove an attribute.
		doc = f.must(f.do("PATCH", "/Users/"+id, patch(op("remove", "nickName", nil))), http.StatusOK)
		if _, ok := doc["nickName"]; ok {
			t.Errorf("remove nickName: %v", doc)
		}
		// What a PATCH answers is what a GET reads.
		got := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK)
		delete(got, "meta")
		delete(doc, "meta")
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(doc)
		if string(a) != string(b) {
			t.Errorf("GET %s\nPATCH %s", a, b)
		}
	})
}

// §3.6: DELETE. With the default policy the user is disabled; with the
// recycle bin, gone.
func TestRFCDelete(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		id := f.createUser("bjensen", "Barbara", "Jensen", nil)["id"].(string)
		r := f.do("DELETE", "/Users/"+id, nil)
		if r.Code != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("DELETE: %s", r)
		}
		if doc := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); doc["active"] != false {
			t.Fatalf("after DELETE with the default policy: %v", doc)
		}

		f.setPolicy(func(p *directory.SecurityPolicy) { p.ProvisioningDelete = directory.ProvisioningRecycleBin })
		id2 := f.createUser("jsmith", "John", "Smith", nil)["id"].(string)
		f.must(f.do("DELETE", "/Users/"+id2, nil), http.StatusNoContent)
		f.scimError(f.do("GET", "/Users/"+id2, nil), http.StatusNotFound, "")
		f.scimError(f.do("DELETE", "/Users/"+id2, nil), http.StatusNotFound, "")
		if ids := f.filterIDs(`userName eq "jsmith"`); len(ids) != 0 {
			t.Errorf("deleted user still listed: %v", ids)
		}

		// Groups.
		gid := f.createGroup("Tour Guides", id)["id"].(string)
		f.must(f.do("DELETE", "/Groups/"+gid, nil), http.StatusNoContent)
		f.scimError(f.do("GET", "/Groups/"+gid, nil), http.StatusNotFound, "")
		if doc := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); doc["groups"] != nil {
			t.Errorf("user still in a deleted group: %v", doc["groups"])
		}
	})
}

// bulk sends a Bulk request and returns its operations' answers.
func (f *fixture) bulk(failOnErrors int, ops ...map[string]any) []map[string]any {
	f.t.Helper()
	l := make([]any, len(ops))
	for i, o := range ops {
		l[i] = o
	}
	body := map[string]any{"schemas": []string{schemaBulkReq}, "Operations": l}
	if failOnErrors > 0 {
		body["failOnErrors"] = failOnErrors
	}
	m := f.must(f.do("POST", "/Bulk", body), http.StatusOK)
	if !slices.Contains(m["schemas"].([]any), any(schemaBulkResp)) {
		f.t.Errorf("Bulk schemas = %v", m["schemas"])
	}
	var out []map[string]any
	for _, o := range m["Operations"].([]any) {
		out = append(out, o.(map[string]any))
	}
	return out
}

// named is the data of a user with a user name and a name.
func named(userName string) map[string]any {
	return map[string]any{"userName": userName, "name": map[string]any{"givenName": "Given", "familyName": "Family"}}
}

func idOf(location any) string {
	s, _ := location.(string)
	return s[strings.LastIndex(s, "/")+1:]
}

// §3.7: Bulk.
func TestRFCBulk(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		// §3.7.2: a Group whose member is a User of the same request, in
		// either order.
		res := f.bulk(1,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "qwerty",
				"data": map[string]any{"schemas": []string{scim.SchemaUser}, "userName": "Alice", "displayName": "Alice Liddell"}},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
				"data": map[string]any{"schemas": []string{scim.SchemaGroup}, "displayName": "Tour Guides",
					"members": []any{map[string]any{"type": "User", "value": "bulkId:qwerty"}}}})
		if len(res) != 2 || res[0]["status"] != "201" || res[1]["status"] != "201" || res[0]["bulkId"] != "qwerty" {
			t.Fatalf("bulk: %v", res)
		}
		alice, group := idOf(res[0]["location"]), idOf(res[1]["location"])
		if res[0]["version"] == nil {
			t.Errorf("no version: %v", res[0])
		}
		g := f.must(f.do("GET", "/Groups/"+group, nil), http.StatusOK)
		if !sameSet(memberIDs(g), []string{alice}) {
			t.Fatalf("members: %v", g)
		}
		res = f.bulk(0,
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g2",
				"data": map[string]any{"displayName": "Drivers", "members": []any{map[string]any{"value": "bulkId:u2"}}}},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u2", "data": map[string]any{"userName": "Bob", "displayName": "Bob Builder"}},
			map[string]any{"method": "PATCH", "path": "/Users/bulkId:u2", "data": patch(op("replace", "title", "Driver"))})
		if len(res) != 3 || res[0]["status"] != "201" || res[1]["status"] != "201" || res[2]["status"] != "200" {
			t.Fatalf("bulk out of order: %v", res)
		}
		bob := idOf(res[1]["location"])
		if g := f.must(f.do("GET", "/Groups/"+idOf(res[0]["location"]), nil), http.StatusOK); !sameSet(memberIDs(g), []string{bob}) {
			t.Errorf("members: %v", g)
		}
		if u := f.must(f.do("GET", "/Users/"+bob, nil), http.StatusOK); u["title"] != "Driver" {
			t.Errorf("patched in bulk: %v", u)
		}
		// PUT, PATCH and DELETE with versions.
		cur := f.do("GET", "/Users/"+bob, nil).Header.Get("ETag")
		res = f.bulk(0,
			map[string]any{"method": "PATCH", "path": "/Users/" + bob, "version": `W/"1"`, "data": patch(op("replace", "title", "Stale"))},
			map[string]any{"method": "PATCH", "path": "/Users/" + bob, "version": cur, "data": patch(op("replace", "title", "Fresh"))},
			map[string]any{"method": "DELETE", "path": "/Groups/" + group})
		if res[0]["status"] != "412" || res[1]["status"] != "200" || res[2]["status"] != "204" {
			t.Fatalf("versions: %v", res)
		}
		if resp, _ := res[0]["response"].(map[string]any); resp == nil || !slices.Contains(resp["schemas"].([]any), any(schemaError)) {
			t.Errorf("error response: %v", res[0])
		}
		// §3.7.3: failOnErrors stops after that many errors.
		res = f.bulk(1,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup", "data": named("alice")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "never", "data": named("never-made")})
		if len(res) != 1 || res[0]["status"] != "409" {
			t.Fatalf("failOnErrors: %v", res)
		}
		if ids := f.filterIDs(`userName eq "never-made"`); len(ids) != 0 {
			t.Errorf("ran past failOnErrors: %v", ids)
		}
		// Without failOnErrors every operation runs.
		res = f.bulk(0,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup", "data": named("alice")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "made", "data": named("made")})
		if len(res) != 2 || res[0]["status"] != "409" || res[1]["status"] != "201" {
			t.Fatalf("no failOnErrors: %v", res)
		}
		// §3.7.1: circular references are 409 on each operation.
		res = f.bulk(0,
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "a", "data": map[string]any{"displayName": "A",
				"members": []any{map[string]any{"value": "bulkId:b"}}}},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "b", "data": map[string]any{"displayName": "B",
				"members": []any{map[string]any{"value": "bulkId:a"}}}})
		if len(res) != 2 || res[0]["status"] != "409" || res[1]["status"] != "409" || res[0]["bulkId"] != "a" {
			t.Fatalf("circular: %v", res)
		}
		if total, _, _ := f.list("/Groups?filter=" + q(`displayName eq "A" or displayName eq "B"`)); total != 0 {
			t.Errorf("circular groups were made: %d", total)
		}
		// A reference to no bulkId of the request.
		res = f.bulk(0, map[string]any{"method": "PATCH", "path": "/Users/bulkId:nowhere", "data": patch(op("replace", "title", "x"))})
		if len(res) != 1 || res[0]["status"] != "409" {
			t.Errorf("unknown bulkId: %v", res)
		}
		// Malformed requests.
		f.scimError(f.do("POST", "/Bulk", map[string]any{"schemas": []string{"urn:x"}, "Operations": []any{}}), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("POST", "/Bulk", map[string]any{"schemas": []string{schemaBulkReq},
			"Operations": []any{map[string]any{"method": "POST", "path": "/Users", "data": map[string]any{"userName": "nobulkid"}}}}),
			http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("POST", "/Bulk", map[string]any{"schemas": []string{schemaBulkReq},
			"Operations": []any{map[string]any{"method": "GET", "path": "/Users"}}}), http.StatusBadRequest, "invalidSyntax")
		f.scimError(f.do("POST", "/Bulk", map[string]any{"schemas": []string{schemaBulkReq},
			"Operations": []any{map[string]any{"method": "DELETE", "path": "/Schemas/x"}}}), http.StatusBadRequest, "invalidPath")
		f.scimError(f.do("POST", "/Bulk", map[string]any{"schemas": []string{schemaBulkReq}, "Operations": []any{
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": map[string]any{"userName": "x1"}},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": map[string]any{"userName": "x2"}}}}),
			http.StatusBadRequest, "invalidSyntax")
	})
}

// §3.7.4: the limits the service provider configuration states.
func TestRFCBulkLimits(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ops := make([]any, scim.MaxOperations+1)
		for i := range ops {
			ops[i] = map[string]any{"method": "DELETE", "path": fmt.Sprintf("/Users/u%d", i)}
		}
		r := f.do("POST", "/Bulk", map[string]any{"schemas": []string{schemaBulkReq}, "Operations": ops})
		m := f.must(r, http.StatusRequestEntityTooLarge)
		if !strings.Contains(fmt.Sprint(m["detail"]), "1000") {
			t.Errorf("maxOperations detail: %v", m)
		}
		// Exactly MaxOperations is taken (each one fails on its own).
		res := f.bulk(0, func() []map[string]any {
			out := make([]map[string]any, scim.MaxOperations)
			for i := range out {
				out[i] = map[string]any{"method": "DELETE", "path": fmt.Sprintf("/Users/u%d", i)}
			}
			return out
		}()...)
		if len(res) != scim.MaxOperations || res[0]["status"] != "404" {
			t.Errorf("1000 operations: %d answers, first %v", len(res), res[0])
		}

		big := strings.Repeat("x", scim.MaxPayloadSize)
		r = f.do("POST", "/Bulk", map[string]any{"schemas": []string{schemaBulkReq}, "Operations": []any{
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "big", "data": map[string]any{"userName": "big", "displayName": "Big One", "nickName": big}}}})
		f.must(r, http.StatusRequestEntityTooLarge)
		if ids := f.filterIDs(`userName eq "big"`); len(ids) != 0 {
			t.Errorf("an oversized Bulk request ran: %v", ids)
		}
	})
}

// §3.12: the shape of errors.
func TestRFCErrorShape(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		r := f.do("GET", "/Users/2819c223-7f76-453a-919d-413861904646", nil)
		m := f.scimError(r, http.StatusNotFound, "")
		if !slices.Contains(m["schemas"].([]any), any(schemaError)) || m["detail"] == "" {
			t.Errorf("404 body: %v", m)
		}
		if _, ok := m["scimType"]; ok {
			t.Errorf("a 404 has no scimType: %v", m)
		}
	})
}

// §3.14: If-Match on PUT, PATCH and DELETE.
func TestRFCVersions(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		doc := f.createUser("bjensen", "Barbara", "Jensen", nil)
		id := doc["id"].(string)
		v1 := doc["meta"].(map[string]any)["version"].(string)
		// PATCH with the current tag works and changes the tag.
		r := f.do("PATCH", "/Users/"+id, patch(op("replace", "title", "Guide")), "If-Match", v1)
		f.must(r, http.StatusOK)
		v2 := r.Header.Get("ETag")
		if v2 == "" || v2 == v1 {
			t.Fatalf("tag after PATCH: %q", v2)
		}
		// The old tag: 412 for PATCH, PUT and DELETE.
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "title", "X")), "If-Match", v1), http.StatusPreconditionFailed, "")
		f.scimError(f.do("PUT", "/Users/"+id, `{"userName":"bjensen"}`, "If-Match", v1), http.StatusPreconditionFailed, "")
		f.scimError(f.do("DELETE", "/Users/"+id, nil, "If-Match", v1), http.StatusPreconditionFailed, "")
		// A tag Roster never issued cannot match.
		f.scimError(f.do("PATCH", "/Users/"+id, patch(op("replace", "title", "X")), "If-Match", `"abc"`), http.StatusPreconditionFailed, "")
		if got := f.must(f.do("GET", "/Users/"+id, nil), http.StatusOK); got["title"] != "Guide" {
			t.Fatalf("a refused request changed the user: %v", got)
		}
		// "*" matches anything.
		r = f.do("PUT", "/Users/"+id, `{"userName":"bjensen","name":{"givenName":"B","familyName":"J"},"title":"Star"}`, "If-Match", "*")
		f.must(r, http.StatusOK)
		v3 := r.Header.Get("ETag")
		f.must(f.do("DELETE", "/Users/"+id, nil, "If-Match", v3), http.StatusNoContent)

		// Groups.
		g := f.createGroup("Tour Guides")
		gid, gv := g["id"].(string), g["meta"].(map[string]any)["version"].(string)
		r = f.do("PATCH", "/Groups/"+gid, patch(op("replace", "displayName", "Guides")), "If-Match", gv)
		f.must(r, http.StatusOK)
		f.scimError(f.do("PUT", "/Groups/"+gid, `{"displayName":"Again"}`, "If-Match", gv), http.StatusPreconditionFailed, "")
		f.scimError(f.do("DELETE", "/Groups/"+gid, nil, "If-Match", gv), http.StatusPreconditionFailed, "")
		r = f.do("PUT", "/Groups/"+gid, `{"displayName":"Again"}`, "If-Match", r.Header.Get("ETag"))
		f.must(r, http.StatusOK)
		f.must(f.do("DELETE", "/Groups/"+gid, nil, "If-Match", r.Header.Get("ETag")), http.StatusNoContent)
	})
}

// §4: discovery, without a token.
func TestRFCDiscovery(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e).with("")
		get := func(path string) map[string]any {
			t.Helper()
			return f.must(f.do("GET", path, nil, "Authorization", ""), http.StatusOK)
		}
		sp := get("/ServiceProviderConfig")
		sub := func(k string) map[string]any { return sp[k].(map[string]any) }
		if sub("patch")["supported"] != true || sub("sort")["supported"] != true || sub("etag")["supported"] != true ||
			sub("changePassword")["supported"] != false || sub("filter")["supported"] != true || sub("bulk")["supported"] != true {
			t.Errorf("ServiceProviderConfig: %v", sp)
		}
		if sub("bulk")["maxOperations"] != 1000.0 || sub("bulk")["maxPayloadSize"] != 1048576.0 || sub("filter")["maxResults"] != 1000.0 {
			t.Errorf("limits: %v %v", sp["bulk"], sp["filter"])
		}
		if schemes, _ := sp["authenticationSchemes"].([]any); len(schemes) == 0 {
			t.Errorf("no authenticationSchemes: %v", sp)
		}

		rt := get("/ResourceTypes")
		if rt["totalResults"] != 2.0 {
			t.Fatalf("ResourceTypes: %v", rt)
		}
		types := map[string]map[string]any{}
		for _, r := range rt["Resources"].([]any) {
			m := r.(map[string]any)
			types[m["name"].(string)] = m
		}
		user, group := types["User"], types["Group"]
		if user == nil || group == nil || user["endpoint"] != "/Users" || user["schema"] != scim.SchemaUser ||
			group["endpoint"] != "/Groups" || group["schema"] != scim.SchemaGroup {
			t.Fatalf("resource types: %v", types)
		}
		exts, _ := user["schemaExtensions"].([]any)
		if len(exts) != 1 || exts[0].(map[string]any)["schema"] != scim.SchemaEnterprise || exts[0].(map[string]any)["required"] != false {
			t.Errorf("User extensions: %v", user["schemaExtensions"])
		}
		if one := get("/ResourceTypes/User"); one["name"] != "User" {
			t.Errorf("/ResourceTypes/User: %v", one)
		}

		sc := get("/Schemas")
		ids := map[string]map[string]any{}
		for _, r := range sc["Resources"].([]any) {
			m := r.(map[string]any)
			ids[m["id"].(string)] = m
		}
		for _, urn := range []string{scim.SchemaUser, scim.SchemaEnterprise, scim.SchemaGroup} {
			s := ids[urn]
			if s == nil {
				t.Errorf("no schema %s", urn)
				continue
			}
			checkAttrs(t, urn, s["attributes"].([]any))
			if one := get("/Schemas/" + urn); one["id"] != urn {
				t.Errorf("/Schemas/%s: %v", urn, one)
			}
		}
		if len(ids) != 3 {
			t.Errorf("schemas: %v", len(ids))
		}
		for _, a := range ids[scim.SchemaUser]["attributes"].([]any) {
			m := a.(map[string]any)
			if m["name"] == "userName" && (m["uniqueness"] != "server" || m["required"] != true) {
				t.Errorf("userName: %v", m)
			}
		}
		f.scimError(f.do("GET", "/Schemas/urn:nothing", nil, "Authorization", ""), http.StatusNotFound, "")
		f.scimError(f.do("GET", "/ResourceTypes/Nothing", nil, "Authorization", ""), http.StatusNotFound, "")
	})
}

// checkAttrs checks that every attribute (and sub-attribute) states its
// characteristics.
func checkAttrs(t *testing.T, where string, attrs []any) {
	t.Helper()
	for _, a := range attrs {
		m := a.(map[string]any)
		for _, k := range []string{"name", "type", "multiValued", "required", "mutability", "returned"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: attribute %v has no %s", where, m["name"], k)
			}
		}
		if subs, ok := m["subAttributes"].([]any); ok {
			checkAttrs(t, where+"."+fmt.Sprint(m["name"]), subs)
		}
	}
}
