package scim_test

import (
	"fmt"
	"net/http"
	"testing"

	"roster/internal/scim"
	"roster/internal/store/storetest"
)

// Filters are served by the database: counts, windows and case rules hold
// over more users than one page.

// sqlWorld provisions 300 users user0 … user299 in one Bulk request; every
// tenth has an email, User<i>@Example.com, and an externalId Ext-<i>.
type sqlWorld struct {
	f   *fixture
	ids []string
}

func newSQLWorld(t *testing.T, e *storetest.Engine) *sqlWorld {
	f := newFixture(t, e)
	ops := make([]map[string]any, 300)
	for i := range ops {
		data := map[string]any{"schemas": []string{scim.SchemaUser}, "userName": fmt.Sprintf("user%d", i),
			"name": map[string]any{"givenName": "Given", "familyName": fmt.Sprintf("Family%03d", i)}}
		if i%10 == 0 {
			data["emails"] = []any{map[string]any{"value": fmt.Sprintf("User%d@Example.com", i), "type": "work"}}
			data["externalId"] = fmt.Sprintf("Ext-%d", i)
		}
		ops[i] = map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint(i), "data": data}
	}
	res := f.bulk(0, ops...)
	w := &sqlWorld{f: f}
	for i, r := range res {
		if r["status"] != "201" {
			t.Fatalf("bulk %d: %v", i, r)
		}
		w.ids = append(w.ids, idOf(r["location"]))
	}
	return w
}

// walk pages through a list count at a time and returns every id, failing
// on a duplicate or a page that disagrees with the total.
func (w *sqlWorld) walk(t *testing.T, query string, count int) []string {
	t.Helper()
	seen := map[string]bool{}
	var all []string
	for start := 1; ; start += count {
		total, ids, m := w.f.list(fmt.Sprintf("/Users?%s&startIndex=%d&count=%d", query, start, count))
		if m["startIndex"] != float64(start) {
			t.Fatalf("startIndex %v, want %d", m["startIndex"], start)
		}
		if want := min(count, max(total-start+1, 0)); len(ids) != want {
			t.Fatalf("page at %d: %d resources, want %d of %d", start, len(ids), want, total)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("page at %d repeats %s", start, id)
			}
			seen[id] = true
			all = append(all, id)
		}
		if start+count > total {
			if len(all) != total {
				t.Fatalf("walked %d of %d", len(all), total)
			}
			return all
		}
	}
}

func TestFilterSQLPaging(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		w := newSQLWorld(t, e)
		f := w.f
		// user1, user10…19, user100…199.
		var want []string
		for i, id := range w.ids {
			if s := fmt.Sprint(i); s == "1" || (len(s) >= 2 && s[0] == '1') {
				want = append(want, id)
			}
		}
		if len(want) != 111 {
			t.Fatalf("expected 111, have %d", len(want))
		}
		got := w.walk(t, "filter="+q(`userName sw "user1"`), 25)
		if !sameSet(got, want) {
			t.Errorf("sw: %d users, want %d", len(got), len(want))
		}
		// The count comes without the rows.
		if total, ids, _ := f.list("/Users?count=0&filter=" + q(`userName sw "USER1"`)); total != 111 || len(ids) != 0 {
			t.Errorf("count=0: %d %v", total, ids)
		}
		// Every user, in the default order (creation), without duplicates.
		all := w.walk(t, "", 37)
		if len(all) != 300 {
			t.Fatalf("walked %d", len(all))
		}
		for i := range all {
			if all[i] != w.ids[i] {
				t.Fatalf("default order differs at %d", i)
				break
			}
		}
		// Sorted by family name, descending, paged.
		sorted := w.walk(t, "sortBy=name.familyName&sortOrder=descending", 64)
		for i := range sorted {
			if sorted[i] != w.ids[299-i] {
				t.Fatalf("descending order differs at %d", i)
			}
		}
		// Other operators over the whole set.
		for _, c := range []struct {
			filter string
			n      int
		}{
			{`userName ew "9"`, 30}, {`userName co "99"`, 3}, {`userName gt "user5"`, 54}, {`userName le "user1"`, 2},
			{`name.familyName sw "family2"`, 100}, {`userName sw "user1" and not (userName sw "user10")`, 100},
			{`userName eq "user7" or userName eq "user8" or userName eq "nobody"`, 2},
		} {
			if total, _, _ := f.list("/Users?count=0&filter=" + q(c.filter)); total != c.n {
				t.Errorf("%s: %d, want %d", c.filter, total, c.n)
			}
		}
	})
}

func TestFilterSQLCaseAndPresence(t *testing.T) {
	each(t, func(t *testing.T, e *storetest.Engine) {
		w := newSQLWorld(t, e)
		f := w.f
		count := func(filter string) int {
			t.Helper()
			total, _, _ := f.list("/Users?count=0&filter=" + q(filter))
			return total
		}
		for _, c := range []struct {
			filter string
			n      int
		}{
			// userName is compared without regard to case.
			{`userName eq "USER150"`, 1}, {`userName eq "user150"`, 1}, {`UserName Eq "User150"`, 1},
			// externalId exactly.
			{`externalId eq "Ext-150"`, 1}, {`externalId eq "ext-150"`, 0}, {`externalId eq "EXT-150"`, 0},
			{`externalId sw "Ext-1"`, 11}, {`externalId pr`, 30},
			// emails without regard to case.
			{`emails.value eq "user150@example.com"`, 1}, {`emails eq "USER150@EXAMPLE.COM"`, 1}, {`emails co "EXAMPLE"`, 30},
			{`emails[type eq "WORK" and value sw "user15"]`, 1},
			// Users without an email.
			{`emails pr`, 30}, {`not (emails pr)`, 270}, {`emails eq null`, 270}, {`emails ne null`, 30},
			{`not (emails co "example.com")`, 270}, {`emails ne "user150@example.com"`, 299},
			{`not (emails.value eq "user150@example.com")`, 299},
			{`emails.type eq "work"`, 30}, {`emails.type ne "work"`, 270},
		} {
			if got := count(c.filter); got != c.n {
				t.Errorf("%s: %d, want %d", c.filter, got, c.n)
			}
		}
		// meta.lastModified: each user was written after the one before.
		docs := map[int]map[string]any{}
		for _, i := range []int{0, 150, 299} {
			docs[i] = f.must(f.do("GET", "/Users/"+w.ids[i], nil), http.StatusOK)
		}
		at := docs[150]["meta"].(map[string]any)["lastModified"].(string)
		for _, c := range []struct {
			op string
			n  int
		}{{"gt", 149}, {"ge", 150}, {"lt", 150}, {"le", 151}, {"eq", 1}, {"ne", 299}} {
			if got := count(`meta.lastModified ` + c.op + ` "` + at + `"`); got != c.n {
				t.Errorf("meta.lastModified %s %s: %d, want %d", c.op, at, got, c.n)
			}
		}
		// A change moves a user past the others.
		f.must(f.do("PATCH", "/Users/"+w.ids[0], patch(op("replace", "title", "Moved"))), http.StatusOK)
		last := docs[299]["meta"].(map[string]any)["lastModified"].(string)
		ids := f.filterIDs(`meta.lastModified gt "` + last + `"`)
		if len(ids) != 1 || ids[0] != w.ids[0] {
			t.Errorf("after a change: %v", ids)
		}
		// Created does not move.
		created := docs[0]["meta"].(map[string]any)["created"].(string)
		if got := count(`meta.created gt "` + created + `"`); got != 299 {
			t.Errorf("meta.created gt: %d", got)
		}
	})
}
