package rest_test

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"roster/internal/store/storetest"
)

// TestListUsers fills an organization with users that differ in every
// filtered attribute and checks each filter and each sort order.
func TestListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		f.defineFields()
		d1 := f.createUnit("Dept One", "department", "")
		d2 := f.createUnit("Dept Two", "department", "")
		tag := randHex(3)
		mk := func(first, last string, extra map[string]any) *user {
			b := map[string]any{"first_name": first, "last_name": last,
				"email": strings.ToLower(first+"."+last) + "-" + tag + "@example.org"}
			for k, v := range extra {
				b[k] = v
			}
			return f.createUser(b)
		}

		// Early users, then an hour later the rest.
		ada := mk("Ada", "Lovelace", map[string]any{"department_id": d1.ID, "license": "premium",
			"custom_fields": map[string]any{"team": "red"}})
		alan := mk("Alan", "Turing", map[string]any{"department_id": d1.ID, "supervisor_id": ada.ID,
			"custom_fields": map[string]any{"team": "blue"}})
		grace := mk("Grace", "Hopper", map[string]any{"department_id": d2.ID, "supervisor_id": ada.ID,
			"custom_fields": map[string]any{"team": "blue"}})
		edsger := mk("Edsger", "Dijkstra", nil)
		later := f.clock.Now().Add(30 * time.Minute)
		f.clock.Advance(time.Hour)
		barbara := mk("Barbara", "Liskov", map[string]any{"expires_at": clockStart.Add(-time.Hour).Format(time.RFC3339)})
		donald := mk("Donald", "Knuth", nil)
		ken := mk("Ken", "Thompson", nil)
		linus := mk("Linus", "Lovelace", nil)

		f.activate(alan)
		f.activate(edsger)
		f.activate(donald)
		must[user](t, f.do("POST", "users/"+grace.ID+"/disable", nil), http.StatusOK)
		must[user](t, f.do("DELETE", "users/"+ken.ID, nil), http.StatusOK)
		// Edsger is locked; Alan and Edsger have signed in.
		u, err := e.DB.User(ctx, f.org.ID, edsger.ID)
		if err != nil {
			t.Fatal(err)
		}
		u.LockedAt = f.clock.Now()
		if err := e.DB.UpdateUserState(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{edsger.ID, alan.ID} {
			if err := e.DB.RecordSignIn(ctx, f.org.ID, id, f.clock.Now().Add(time.Duration(i)*time.Minute).UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		// Donald is away today (the clock's day).
		today := f.clock.Now().Format("2006-01-02")
		must[timeOff](t, f.do("POST", "users/"+donald.ID+"/time-off", map[string]string{"kind": "vacation",
			"starts_on": today, "ends_on": f.clock.Now().AddDate(0, 0, 3).Format("2006-01-02")}), http.StatusCreated)
		must[timeOff](t, f.do("POST", "users/"+linus.ID+"/time-off", map[string]string{"kind": "day_off",
			"starts_on": "2031-01-01", "ends_on": "2031-01-01"}), http.StatusCreated)

		owner := f.getUser(f.owner.ID)
		live := []*user{owner}
		for _, x := range []*user{ada, alan, grace, edsger, barbara, donald, linus} {
			live = append(live, f.getUser(x.ID))
		}
		names := func(us []*user) []string {
			var out []string
			for _, u := range us {
				out = append(out, u.FirstName)
			}
			return out
		}

		filters := []struct {
			query string
			want  []*user
		}{
			{"", live},
			{"q=ada", []*user{ada}},
			{"q=lovelace", []*user{ada, linus}},
			{"q=Ada+Love", []*user{ada}},
			{"q=" + url.QueryEscape("grace.hopper-"+tag), []*user{grace}},
			{"q=nobody-at-all", nil},
			{"status=active", []*user{owner, alan, edsger, donald}},
			{"status=pending,inactive", []*user{ada, grace, barbara, linus}},
			{"status=inactive", []*user{grace}},
			{"locked=true", []*user{edsger}},
			{"locked=false", []*user{owner, ada, alan, grace, barbara, donald, linus}},
			{"expired=true", []*user{barbara}},
			{"expired=false", []*user{owner, ada, alan, grace, edsger, donald, linus}},
			{"at_vacation=true", []*user{donald}},
			{"at_vacation=false", []*user{owner, ada, alan, grace, edsger, barbara, linus}},
			{"deleted=true", []*user{ken}},
			{"deleted=false", live},
			{"department_id=" + d1.ID, []*user{ada, alan}},
			{"department_id=" + d2.ID, []*user{grace}},
			{"supervisor_id=" + ada.ID, []*user{alan, grace}},
			{"license=premium", []*user{ada}},
			{"license=standard", []*user{owner, alan, grace, edsger, barbara, donald, linus}},
			{"field=team&field_value=blue", []*user{alan, grace}},
			{"field=team&field_value=red", []*user{ada}},
			{"field=team&field_value=green", nil},
			{"created_from=" + url.QueryEscape(later.Format(time.RFC3339)), []*user{barbara, donald, linus}},
			{"created_to=" + url.QueryEscape(later.Format(time.RFC3339)), []*user{owner, ada, alan, grace, edsger}},
			{"status=active&department_id=" + d1.ID, []*user{alan}},
			{"q=lovelace&created_from=" + url.QueryEscape(later.Format(time.RFC3339)), []*user{linus}},
		}
		for _, c := range filters {
			t.Run("filter "+c.query, func(t *testing.T) {
				f := f.with(t)
				r := f.do("GET", "users?limit=500&"+c.query, nil)
				got := must[userList](t, r, http.StatusOK)
				want := names(c.want)
				slices.Sort(want)
				gotNames := names(got.Items)
				slices.Sort(gotNames)
				if d := gocmp.Diff(want, gotNames); d != "" {
					t.Errorf("users (-want +got):\n%s", d)
				}
				if got.Total != len(c.want) {
					t.Errorf("total = %d, want %d", got.Total, len(c.want))
				}
				if got.NextCursor != "" {
					t.Errorf("next_cursor on the only page: %q", got.NextCursor)
				}
			})
		}

		// Each sort, both ways, two to a page.
		micros := func(t *time.Time) int64 {
			if t == nil {
				return 0
			}
			return t.UnixMicro()
		}
		sorts := []struct {
			sort string
			cmp  func(a, b *user) int
		}{
			{"last_name", func(a, b *user) int { return strings.Compare(a.LastName, b.LastName) }},
			{"first_name", func(a, b *user) int { return strings.Compare(a.FirstName, b.FirstName) }},
			{"username", func(a, b *user) int { return strings.Compare(strings.ToLower(a.Username), strings.ToLower(b.Username)) }},
			{"email", func(a, b *user) int { return strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)) }},
			{"status", func(a, b *user) int { return strings.Compare(a.Status, b.Status) }},
			{"created_at", func(a, b *user) int { return a.CreatedAt.Compare(b.CreatedAt) }},
			{"last_sign_in_at", func(a, b *user) int { return cmp.Compare(micros(a.LastSignInAt), micros(b.LastSignInAt)) }},
		}
		for _, s := range sorts {
			for _, order := range []string{"asc", "desc"} {
				t.Run("sort "+s.sort+" "+order, func(t *testing.T) {
					f := f.with(t)
					want := slices.Clone(live)
					slices.SortFunc(want, func(a, b *user) int {
						if c := s.cmp(a, b); c != 0 {
							return c
						}
						return strings.Compare(a.ID, b.ID)
					})
					if order == "desc" {
						slices.Reverse(want)
					}
					var got []*user
					query := "users?limit=2&sort=" + s.sort + "&order=" + order
					cursor := ""
					for page := 0; ; page++ {
						if page > len(live) {
							t.Fatal("paging does not end")
						}
						q := query
						if cursor != "" {
							q += "&cursor=" + url.QueryEscape(cursor)
						}
						p := must[userList](t, f.do("GET", q, nil), http.StatusOK)
						if p.Total != len(live) {
							t.Errorf("page %d: total = %d, want %d", page, p.Total, len(live))
						}
						if len(p.Items) > 2 || (p.NextCursor != "" && len(p.Items) != 2) {
							t.Errorf("page %d: %d items with next_cursor %q", page, len(p.Items), p.NextCursor)
						}
						got = append(got, p.Items...)
						if p.NextCursor == "" {
							break
						}
						cursor = p.NextCursor
					}
					if d := gocmp.Diff(names(want), names(got)); d != "" {
						t.Errorf("order (-want +got):\n%s", d)
					}
				})
			}
		}

		// The default order is last name ascending.
		def := must[userList](t, f.do("GET", "users", nil), http.StatusOK)
		byLast := must[userList](t, f.do("GET", "users?sort=last_name&order=asc", nil), http.StatusOK)
		if d := gocmp.Diff(names(byLast.Items), names(def.Items)); d != "" {
			t.Errorf("default order (-last_name +default):\n%s", d)
		}
	})
}
