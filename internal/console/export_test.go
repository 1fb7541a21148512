package console_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// downloaded checks that r is an attachment named filename and reads its
// CSV rows.
func downloaded(t *testing.T, r *response, filename string) [][]string {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("download: %s", r)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="`+filename+`"` {
		t.Errorf("Content-Disposition %q; want the file %s", cd, filename)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body, ok := strings.CutPrefix(r.Body, "\uFEFF")
	if !ok {
		t.Errorf("no byte-order mark: %.40q", r.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportUsersScreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		f.user("Ann", "", "")
		bob := f.pending("Bob")
		eve := f.pending("=HYPERLINK")

		// The list's Export link carries its search, filters and order.
		r := b.get("/admin/users?status=pending&sort=username&limit=25")
		want(t, r, http.StatusOK, "")
		if !hasLink(r.Body, "/admin/users/export?sort=username&status=pending") {
			t.Fatalf("no Export link carrying the filter on the users list:\n%s", r.Body)
		}
		r = b.get("/admin/users/export?sort=username&status=pending")
		want(t, r, http.StatusOK, "")
		says(t, r, "Export users", "all 2 users matching the search and filters", "User name", "Last sign-in", "Excel workbook (XLSX)")
		if strings.Contains(r.Body, `value="password_hash"`) {
			t.Error("the export offers the password hash")
		}
		if !strings.Contains(r.Body, `action="/admin/users/export?sort=username&amp;status=pending"`) {
			t.Errorf("the form does not post to the export with the filter:\n%s", r.Body)
		}

		// The download holds every matching user, not one page.
		r = b.post("/admin/users/export?sort=username&status=pending", url.Values{"columns": {"username", "first_name"}, "format": {"csv"}})
		rows := downloaded(t, r, "users-20300314.csv")
		wantRows := [][]string{{"User name", "First name"}, {bob.Username, "Bob"}, {"'" + eve.Username, "'=HYPERLINK"}}
		if bob.Username > "'"+eve.Username {
			wantRows[1], wantRows[2] = wantRows[2], wantRows[1]
		}
		if diff := cmp.Diff(wantRows, rows); diff != "" {
			t.Errorf("download (-want +got):\n%s", diff)
		}
		if ev := f.audit()[0]; ev.Action != "users.exported" || ev.ActorID != f.owner.ID {
			t.Errorf("newest event %s by %s; want users.exported by the owner", ev.Action, ev.ActorID)
		}

		// XLSX.
		r = b.post("/admin/users/export?q=bob", url.Values{"columns": {"username"}, "format": {"xlsx"}})
		if r.Code != http.StatusOK || r.Header.Get("Content-Disposition") != `attachment; filename="users-20300314.xlsx"` {
			t.Fatalf("xlsx download: %d %v", r.Code, r.Header)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.GetRows(x.GetSheetList()[0])
		x.Close()
		if err != nil || !cmp.Equal(got, [][]string{{"User name"}, {bob.Username}}) {
			t.Errorf("xlsx rows %q, %v", got, err)
		}

		// Mistakes show the form again.
		r = b.post("/admin/users/export?status=pending", url.Values{"format": {"csv"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "choose at least one column")
		r = b.post("/admin/users/export", url.Values{"columns": {"username", "shoe_size"}, "format": {"csv"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, `"shoe_size" is not a column of users`)
		r = b.post("/admin/users/export", url.Values{"columns": {"username"}, "format": {"ods"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "choose CSV or Excel workbook")
	})
}

func TestExportNeedsTheRight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		staff := f.user("Stan", "staff", "")
		b := f.signedIn(staff)
		r := b.get("/admin/users")
		want(t, r, http.StatusOK, "")
		if strings.Contains(r.Body, `id="export-users"`) {
			t.Error("the users list offers Export to staff")
		}
		want(t, b.get("/admin/users/export"), http.StatusForbidden, "")
		want(t, b.post("/admin/users/export", url.Values{"columns": {"username"}}), http.StatusForbidden, "")
		want(t, b.get("/admin/relationships/export"), http.StatusForbidden, "")
		want(t, b.get("/admin/audit/export"), http.StatusForbidden, "")
	})
}

func TestExportRelationshipsAndAuditScreens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		parent, child := f.pending("Pam"), f.pending("Kid")
		if err := f.e.DB.CreateRelationship(f.ctx, &directory.Relationship{ID: "rel-" + randHex(6), OrgID: f.org.ID, Kind: "parent_of",
			FromUserID: parent.ID, ToUserID: child.ID, CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		r := b.get("/admin/relationships")
		if !hasLink(r.Body, "/admin/relationships/export") {
			t.Fatal("no export link on the relationship kinds page")
		}
		rows := downloaded(t, b.get("/admin/relationships/export"), "relationships-20300314.csv")
		if diff := cmp.Diff([][]string{{"Kind", "Parent user name", "Parent user code", "Student user name", "Student user code"},
			{"parent_of", parent.Username, "", child.Username, ""}}, rows); diff != "" {
			t.Errorf("relationships (-want +got):\n%s", diff)
		}

		r = b.get("/admin/audit?action=user.create")
		if !hasLink(r.Body, "/admin/audit/export?action=user.create") {
			t.Fatalf("no export link carrying the filter on the audit log:\n%s", r.Body)
		}
		rows = downloaded(t, b.get("/admin/audit/export?action=user.create"), "audit-log-20300314.csv")
		if targets := len(rows); targets != 4 || rows[1][5] != "Kid Pending" || rows[2][5] != "Pam Pending" || rows[3][5] != "Olive Owner" {
			t.Errorf("audit export %q; want the three user.create events, newest first", rows)
		}
		want(t, b.get("/admin/audit/export?from=someday"), http.StatusUnprocessableEntity, "")
	})
}
