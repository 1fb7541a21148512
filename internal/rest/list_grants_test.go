package rest_test

import (
	"net/http"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"roster/internal/store/storetest"
)

// TestListUsersByRoleAndUnit checks the role_id and unit_id filters of
// GET /users and of the export, which take the holders of a grant of the
// role, and of a grant on the unit or a unit below it.
func TestListUsersByRoleAndUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		district := f.createUnit("North District", "district", "")
		site := f.createUnit("Hill School", "site", district.ID)
		other := f.createUnit("South District", "district", "")
		staffAtSite := f.personIn("staff", site.ID)
		staffEverywhere := f.personIn("staff", "")
		managerOfDistrict := f.personIn("manager", district.ID)
		managerElsewhere := f.personIn("manager", other.ID)
		f.createUser(nil) // holds nothing

		sorted := func(ids ...string) []string { out := append([]string{}, ids...); slices.Sort(out); return out }
		list := func(query string) []string {
			t.Helper()
			l := must[userList](t, f.do("GET", "users?"+query, nil), http.StatusOK)
			if l.Total != len(l.Items) {
				t.Errorf("users?%s: total %d for %d items", query, l.Total, len(l.Items))
			}
			return sorted(userListIDs(l)...)
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"role_id=" + f.roleID("staff"), sorted(staffAtSite.ID, staffEverywhere.ID)},
			{"unit_id=" + district.ID, sorted(staffAtSite.ID, managerOfDistrict.ID)},
			{"unit_id=" + site.ID, sorted(staffAtSite.ID)},
			{"role_id=" + f.roleID("manager") + "&unit_id=" + district.ID, sorted(managerOfDistrict.ID)},
			{"role_id=" + f.roleID("staff") + "&unit_id=" + other.ID, sorted()},
			{"role_id=" + f.roleID("manager"), sorted(managerOfDistrict.ID, managerElsewhere.ID)},
		} {
			if diff := gocmp.Diff(c.want, list(c.query)); diff != "" {
				t.Errorf("users?%s (-want +got):\n%s", c.query, diff)
			}
		}

		// The export takes the same filters.
		r := f.do("GET", "users/export?columns=username&unit_id="+district.ID, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("export: %s", r)
		}
		got := []string{}
		for _, row := range csvRows(t, r)[1:] {
			got = append(got, row[0])
		}
		if diff := gocmp.Diff(sorted(staffAtSite.Username, managerOfDistrict.Username), sorted(got...)); diff != "" {
			t.Errorf("export by unit (-want +got):\n%s", diff)
		}

		// A role or unit that does not exist (or is another organization's)
		// is a clear error, on the list and on the export.
		wantProblem(t, f.do("GET", "users?role_id=nope", nil), http.StatusUnprocessableEntity, "query.role_id")
		wantProblem(t, f.do("GET", "users?unit_id=nope", nil), http.StatusUnprocessableEntity, "query.unit_id")
		wantProblem(t, f.do("GET", "users/export?unit_id=nope", nil), http.StatusUnprocessableEntity, "query.unit_id")
	})
}
