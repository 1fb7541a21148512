package scim_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"roster/internal/store/storetest"
)

// Filters and PATCH paths from anyone: never a 500, never the database's
// words in the answer.

var filterSeeds = []string{
	`userName eq "bjensen"`, `name.familyName co "O'Malley"`, `userName sw "J"`, `title pr`,
	`meta.lastModified gt "2011-05-13T04:42:34Z"`, `title pr and userType eq "Employee"`,
	`emails[type eq "work" and value co "@example.com"]`, `not (active eq true)`, `active eq "False"`,
	`userName eq "a" or (userName eq "b" and not (title pr))`, `externalId eq null`, `meta.created ge "not a date"`,
	`userName eq "'; DROP TABLE users; --"`, `userName eq "\" OR 1=1 --"`, `userName co "%"`, `userName sw "_"`,
	`userName eq "\u0000"`, `userName eq 12`, `userName eq 1.5e400`, `userName gt true`, `active gt "x"`,
	`groups eq "x"`, `groups co "x"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"`,
	`emails[value sw "a"]`, `emails[emails[value eq "a"]]`, `((((((((((userName eq "a"))))))))))`,
	`userName eq "a" and`, `(`, `)`, `[`, `"`, `not`, `eq`, `userName`, `userName eq`, "userName eq \"\xff\"",
	`title ew ""`, `title co ""`, `title lt "\U0010FFFF"`, strings.Repeat("not (", 40) + `title pr` + strings.Repeat(")", 40),
	strings.Repeat(`title pr or `, 250) + `title pr`,
}

// checkFilterAnswer checks one answer to GET /Users?filter=.
func checkFilterAnswer(t *testing.T, filter string, r *response) {
	t.Helper()
	if r.Code != http.StatusOK && r.Code != http.StatusBadRequest {
		t.Fatalf("filter %q: %s", filter, r)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("filter %q: body is not JSON: %s", filter, r.Body)
	}
	if r.Code == http.StatusOK {
		if _, ok := m["totalResults"]; !ok {
			t.Fatalf("filter %q: 200 without a list: %s", filter, r.Body)
		}
	} else if m["status"] != "400" || m["detail"] == nil {
		t.Fatalf("filter %q: 400 without a SCIM error: %s", filter, r.Body)
	}
	if w := leaks(r.Body); w != "" && r.Code != http.StatusOK {
		t.Fatalf("filter %q: the answer leaks %q: %s", filter, w, r.Body)
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	e := sqliteEngine(f)
	fixtureOnce := onceFixture(func(t *testing.T) (*fixture, string) {
		fx := newFixture(t, e)
		fx.createUser("bjensen", "Barbara", "Jensen", map[string]any{"title": "Tour Guide",
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work"}}})
		return fx, ""
	})
	f.Fuzz(func(t *testing.T, filter string) {
		g, _ := fixtureOnce(t)
		r := g.do("GET", "/Users?filter="+url.QueryEscape(filter), nil)
		checkFilterAnswer(t, filter, r)
	})
}

var pathSeeds = []string{
	"title", "name.givenName", `emails[type eq "work"].value`, `emails[type eq "work"]`, `addresses[type eq "work"].streetAddress`,
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
	"urn:ietf:params:scim:schemas:core:2.0:User:userName", "id", "meta.version", "groups", `members[value eq "x"]`,
	"", " ", ".", "..", "[", "]", `emails[`, `emails[type eq "work"`, `emails[type eq "work"].`, `emails[not (type eq "x")].value`,
	`emails[type eq "a" or type eq "b"].primary`, "emails.value", "name.", ":", "urn:", "a:b:c:d", "\x00", "\xff\xfe",
	strings.Repeat("a.", 200), `emails[value co "'; DROP TABLE users; --"]`,
}

func FuzzPatchPath(f *testing.F) {
	for _, s := range pathSeeds {
		for _, o := range []string{"add", "replace", "remove"} {
			f.Add(o, s, `"x"`)
		}
	}
	f.Add("replace", `emails[type eq "work"]`, `{"value":"a@b.c"}`)
	f.Add("add", "emails", `[{"value":"a@b.c","primary":true}]`)
	f.Add("replace", "active", `"False"`)
	f.Add("replace", "name", `{"givenName":null}`)
	e := sqliteEngine(f)
	fixtureOnce := onceFixture(func(t *testing.T) (*fixture, string) {
		fx := newFixture(t, e)
		return fx, fx.createUser("bjensen", "Barbara", "Jensen", nil)["id"].(string)
	})
	f.Fuzz(func(t *testing.T, opName, path, value string) {
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			v = value
		}
		g, id := fixtureOnce(t)
		r := g.do("PATCH", "/Users/"+id, patch(map[string]any{"op": opName, "path": path, "value": v}))
		if r.Code != http.StatusOK && r.Code != http.StatusBadRequest && r.Code != http.StatusConflict {
			t.Fatalf("%s %q %s: %s", opName, path, value, r)
		}
		if w := leaks(r.Body); w != "" && r.Code != http.StatusOK {
			t.Fatalf("%s %q: the answer leaks %q: %s", opName, path, w, r.Body)
		}
	})
}

// onceFixture makes one fixture for a whole fuzz run (made with the first
// input's test, since a fuzz target has no *testing.T of its own) and hands
// each input a copy that reports to that input's test.
func onceFixture(build func(t *testing.T) (*fixture, string)) func(t *testing.T) (*fixture, string) {
	var once sync.Once
	var fx *fixture
	var id string
	return func(t *testing.T) (*fixture, string) {
		once.Do(func() { fx, id = build(t) })
		if fx == nil {
			t.Fatal("the fuzz fixture could not be made")
		}
		g := *fx
		g.t = t
		return &g, id
	}
}

// filterGrammar builds random filters, valid and not.
type filterGrammar struct{ r *rand.Rand }

func (g filterGrammar) pick(l ...string) string { return l[g.r.IntN(len(l))] }

func (g filterGrammar) attr() string {
	return g.pick("userName", "USERNAME", "name.givenName", "name.familyName", "name.formatted", "displayName", "title", "active",
		"externalId", "id", "emails", "emails.value", "emails.type", "emails.primary", "phoneNumbers", "phoneNumbers.type",
		"addresses.locality", "addresses.type", "meta.created", "meta.lastModified", "groups", "groups.value",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "urn:ietf:params:scim:schemas:core:2.0:User:userName",
		"nickName", "userType", "ims", "meta", "name", "x", "")
}

func (g filterGrammar) value() string {
	return g.pick(`"bjensen"`, `"B"`, `""`, `"%"`, `"_"`, `"\\"`, `"'"`, `"\""`, `"2011-05-13T04:42:34Z"`, `"2030-03-14T09:00:00.000001Z"`,
		`"not a date"`, `true`, `false`, `null`, `7`, `-1.5`, `1e999`, `"é"`, `"\u0000"`, `"True"`, `"\U0010FFFF"`, `"a' OR '1'='1"`)
}

func (g filterGrammar) expr(depth int) string {
	if depth > 4 {
		return g.attr() + " pr"
	}
	switch g.r.IntN(9) {
	case 0, 1, 2:
		return g.attr() + " " + g.pick("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw", "zz") + " " + g.value()
	case 3:
		return g.attr() + " pr"
	case 4:
		return g.expr(depth+1) + " " + g.pick("and", "or", "AND", "Or") + " " + g.expr(depth+1)
	case 5:
		return "not (" + g.expr(depth+1) + ")"
	case 6:
		return "(" + g.expr(depth+1) + ")"
	case 7:
		return g.pick("emails", "phoneNumbers", "addresses", "groups", "members", "name") + "[" + g.expr(depth+1) + "]"
	}
	// Damage: cut or splice.
	s := g.expr(depth + 1)
	if len(s) > 1 {
		i := g.r.IntN(len(s))
		return s[:i] + g.pick("", "(", ")", "[", "]", `"`, " ", "and", "\x00") + s[i:]
	}
	return s
}

// TestFilterGrammar sends 2,000 random filters on every engine: each is
// answered 200 or 400, never 500.
func TestFilterGrammar(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		f.createUser("bjensen", "Barbara", "Jensen", map[string]any{"title": "Tour Guide", "externalId": "b-1",
			"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work"}}})
		f.createUser("jsmith", "John", "Smith", map[string]any{"active": false})
		g := filterGrammar{r: rand.New(rand.NewPCG(7, uint64(len(e.Name))))}
		ok, bad := 0, 0
		for range 2000 {
			flt := g.expr(0)
			path := "/Users?count=5&filter=" + url.QueryEscape(flt)
			if g.r.IntN(4) == 0 {
				path = "/Groups?count=5&filter=" + url.QueryEscape(flt)
			}
			r := f.do("GET", path, nil)
			checkFilterAnswer(t, flt, r)
			if r.Code == http.StatusOK {
				ok++
			} else {
				bad++
			}
		}
		// The grammar exercises both outcomes.
		if ok < 200 || bad < 200 {
			t.Errorf("%d answered, %d refused", ok, bad)
		}
	})
}
