package rest_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"roster/internal/store/storetest"
)

// csvRows reads an exported CSV body, checking its byte-order mark.
func csvRows(t *testing.T, r *response) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(r.Body, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("the CSV does not start with a byte-order mark: %.40q", r.Body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportUsersEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		jane := f.createUser(map[string]any{"username": "jane.roe", "first_name": "Jane", "last_name": "Roe"})
		evil := f.createUser(map[string]any{"username": "evil", "first_name": "Eve", "last_name": "=cmd|' /C calc'!A0"})
		f.activate(jane)

		r := f.do("GET", "users/export?columns=username,last_name&sort=username&q=", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("export: %s", r)
		}
		if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="users-20300314.csv"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !bytes.Contains(r.Body, []byte("\r\n")) {
			t.Error("the CSV lines do not end with CRLF")
		}
		want := [][]string{{"User name", "Last name"}, {"evil", "'=cmd|' /C calc'!A0"}, {"jane.roe", "Roe"}, {f.owner.Username, f.owner.LastName}}
		slices.SortFunc(want[1:], func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		if diff := cmp.Diff(want, csvRows(t, r)); diff != "" {
			t.Errorf("export (-want +got):\n%s", diff)
		}
		ev := f.wantEvent("users.exported", f.org.ID)
		if ev.ActorID != f.owner.ID {
			t.Errorf("event by %q", ev.ActorID)
		}

		// The list's filters apply; limit and cursor do not cut the export.
		r = f.do("GET", "users/export?status=pending&limit=1&columns=username", nil)
		if diff := cmp.Diff([][]string{{"User name"}, {evil.Username}}, csvRows(t, r)); diff != "" {
			t.Errorf("pending users (-want +got):\n%s", diff)
		}

		// XLSX.
		r = f.do("GET", "users/export?format=xlsx&q=roe&columns=username,email", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("xlsx export: %s", r)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("xlsx Content-Type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="users-20300314.xlsx"` {
			t.Errorf("xlsx Content-Disposition %q", cd)
		}
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows(x.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]string{{"User name", "Email"}, {"jane.roe", jane.Email}}, rows); diff != "" {
			t.Errorf("xlsx rows (-want +got):\n%s", diff)
		}

		// Problems come before the file.
		wantProblem(t, f.do("GET", "users/export?format=xls", nil), http.StatusUnprocessableEntity, "query.format")
		wantProblem(t, f.do("GET", "users/export?columns=username,shoe_size", nil), http.StatusUnprocessableEntity, "query.columns")
		wantProblem(t, f.do("GET", "users/export?status=gone", nil), http.StatusUnprocessableEntity, "query.status")
		_, staff := f.actingIn("staff", "")
		wantProblem(t, f.do("GET", "users/export", nil, as(staff)...), http.StatusForbidden)
		wantProblem(t, f.do("GET", "users/export", nil, as("nope")...), http.StatusUnauthorized)
	})
}

func TestExportRelationshipsAndAuditEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		parent := f.createUser(map[string]any{"username": "parent1", "external_id": "P-1"})
		child := f.createUser(map[string]any{"username": "child1", "external_id": "S-1"})
		must[struct{}](t, f.do("POST", "users/"+parent.ID+"/relationships", map[string]any{"kind": "parent_of", "to_user_id": child.ID}), http.StatusCreated)

		r := f.do("GET", "relationships/export?kind=parent_of", nil)
		if r.Code != http.StatusOK || r.Header.Get("Content-Disposition") != `attachment; filename="relationships-20300314.csv"` {
			t.Fatalf("relationships export: %s %v", r, r.Header)
		}
		want := [][]string{{"Kind", "Parent user name", "Parent user code", "Student user name", "Student user code"},
			{"parent_of", "parent1", "P-1", "child1", "S-1"}}
		if diff := cmp.Diff(want, csvRows(t, r)); diff != "" {
			t.Errorf("relationships (-want +got):\n%s", diff)
		}
		wantProblem(t, f.do("GET", "relationships/export?kind=cousin_of", nil), http.StatusUnprocessableEntity, "query.kind")

		r = f.do("GET", "audit-events/export?action=relationship.&format=csv", nil)
		if r.Code != http.StatusOK || r.Header.Get("Content-Disposition") != `attachment; filename="audit-events-20300314.csv"` {
			t.Fatalf("audit export: %s %v", r, r.Header)
		}
		rows := csvRows(t, r)
		if len(rows) != 2 || rows[0][0] != "When" || !strings.HasPrefix(rows[1][3], "relationship.") {
			t.Errorf("audit export rows %q", rows)
		}
		wantProblem(t, f.do("GET", "audit-events/export?from=yesterday", nil), http.StatusUnprocessableEntity, "query.from")
		_, staff := f.actingIn("staff", "")
		wantProblem(t, f.do("GET", "audit-events/export", nil, as(staff)...), http.StatusForbidden)
	})
}

// exportMatrix is the authorization matrix of the exports (matrix_test.go).
// An export that succeeds answers 200 whether or not the target is in it,
// and records its audit event either way, so its observe function answers
// 200 when the cell's target is the one user exported and 204 when the
// file holds none: 204 marks the users beyond the actor's view.
func exportMatrix() []matrixRoute {
	return []matrixRoute{
		{route: "GET users/export", columns: userColumns, observe: exported,
			build: func(c *cell) request {
				return request{path: "users/export?columns=id&q=" + c.user(stateNormal).tag}
			},
			want: `
			           bsA scA stA suA mgA adA ow2 bsB mgB adB tmB mix ngd bsE stO oth
			owner      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 204
			admin      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 204
			district   200 200 200 200 200 200 204 200 200 200 200 200 200 204 204 204
			siteB      204 204 204 204 204 204 204 200 200 200 200 204 204 204 204 204
			supervisor 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			staff      403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			svc        403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403
			otherAdmin 204 204 204 204 204 204 204 204 204 204 204 204 204 204 204 200
			revoked    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
			anonymous  401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401`},

		// Relationships take users.export, as users do; the audit log
		// audit.view. What a scoped actor finds in them is tested in admin.
		{route: "GET relationships/export", columns: one,
			build: func(c *cell) request { return request{path: "relationships/export"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 403
			staff      403
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "GET audit-events/export", columns: one,
			build: func(c *cell) request { return request{path: "audit-events/export"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 403
			staff      403
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
	}
}

// exported is the observe function of GET /users/export: 200 when the
// cell's target is the one user in the file, 204 when the file holds no
// user.
func exported(c *cell, r *response) (int, string) {
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\uFEFF")))).ReadAll()
	switch {
	case err != nil || len(rows) == 0:
		return 0, " (not an export)"
	case len(rows) == 2 && rows[1][0] == c.target.user.ID:
		return http.StatusOK, ""
	case len(rows) == 1:
		return http.StatusNoContent, " (not exported)"
	}
	return 0, fmt.Sprintf(" (%d users exported)", len(rows)-1)
}
