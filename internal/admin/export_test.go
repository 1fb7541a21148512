package admin_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// exportCSV runs export into a CSV and reads the rows back, the header
// first.
func exportCSV(t *testing.T, export func(w sheet.Writer) (int, error)) ([][]string, int, error) {
	t.Helper()
	var buf bytes.Buffer
	w := sheet.NewCSV(&buf)
	n, err := export(w)
	if cerr := w.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		return nil, n, err
	}
	rows, rerr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if rerr != nil {
		t.Fatal(rerr)
	}
	return rows, n, nil
}

// column returns the cells of the column labelled label, header left out.
func column(t *testing.T, rows [][]string, label string) []string {
	t.Helper()
	i := slices.Index(rows[0], label)
	if i < 0 {
		t.Fatalf("no column %q in %q", label, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// change returns the value after of the change of field in e.
func change(e *directory.AuditEvent, field string) any {
	for _, c := range e.Changes {
		if c.Field == field {
			return c.After
		}
	}
	return nil
}

func TestExportUsersValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		s.createField(admin.FieldInput{Key: "grade", Label: "Grade", Type: directory.FieldText, Position: 1})
		dept, err := s.svc.CreateUnit(s.ctx, s.op, admin.UnitInput{Name: "Science", Kind: "department", Code: "SCI", ParentID: s.siteA.ID})
		if err != nil {
			t.Fatal(err)
		}
		boss := s.createUser(func(in *admin.UserInput) { in.Username, in.LastName = "boss", "Aaron" })
		jane := s.createUser(func(in *admin.UserInput) {
			in.Username, in.FirstName, in.LastName, in.Email = "jane.roe", "Jane", "Roe", "jane@example.org"
			in.DisplayName, in.Phone, in.JobTitle, in.ExternalID = "Jane Roe, BCBA", "+1 555 0100", "Analyst", "E-1"
			in.SupervisorID, in.DepartmentID, in.LocationID = boss.ID, dept.ID, s.siteB.ID
			in.License, in.ExpiresAt = directory.LicensePremium, time.Date(2032, 1, 2, 3, 4, 5, 0, time.UTC)
			in.CustomFields = map[string]string{"grade": "7"}
		})
		s.grantOn(jane, "staff", s.siteA)
		s.grantOn(jane, "manager", dept)
		evil := s.createUser(func(in *admin.UserInput) { in.Username, in.LastName = "evil", "=cmd|' /C calc'!A0" })
		for _, name := range []string{"Teachers", "Bus drivers"} {
			g := &directory.Group{ID: "grp-" + randHex(6), OrgID: s.org.ID, Name: name, CreatedAt: s.clock.Now(), UpdatedAt: s.clock.Now()}
			if err := s.db.CreateGroup(s.ctx, g); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.AddGroupMember(s.ctx, s.org.ID, g.ID, jane.ID, "", s.clock.Now().UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}

		before := s.eventIDs()
		rows, n, err := exportCSV(t, func(w sheet.Writer) (int, error) {
			return s.svc.ExportUsers(s.ctx, s.op, store.UserFilter{Q: "roe"}, nil, w)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(rows) != 2 {
			t.Fatalf("a search for roe exported %d users: %q", n, rows)
		}
		got := map[string]string{}
		for i, label := range rows[0] {
			got[label] = rows[1][i]
		}
		want := map[string]string{
			"User name": "jane.roe", "First name": "Jane", "Last name": "Roe", "Email": "jane@example.org",
			"Display name": "Jane Roe, BCBA", "Role": "Manager", "Scope": "SCI", "Phone": "'+1 555 0100",
			"Job title": "Analyst", "Position": "", "User code": "E-1", "Status": "pending", "Supervisor": "boss",
			"Department": "SCI", "Location": "Site B", "Groups": "Bus drivers; Teachers", "License": "premium",
			"Account expires": "2032-01-02T03:04:05Z", "Street": "", "City": "", "Region": "", "Postal code": "",
			"Country": "", "Roster id": jane.ID, "Locked": "no", "Created": s.clock.Now().Format(time.RFC3339),
			"Last sign-in": "", "Grade": "7",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("exported values (-want +got):\n%s", diff)
		}
		if slices.Contains(rows[0], "Password hash") {
			t.Error("the export has a password hash column")
		}
		ev := s.oneEvent(before, "users.exported")
		if ev.TargetType != "organization" || ev.TargetID != s.org.ID {
			t.Errorf("event target %s %s", ev.TargetType, ev.TargetID)
		}
		for field, want := range map[string]any{"count": float64(1), "format": "csv", "filter": `search "roe"`} {
			if got := change(ev, field); got != want {
				t.Errorf("event %s = %#v; want %#v", field, got, want)
			}
		}

		// Columns come in the order asked; a formula is neutralised.
		rows, _, err = exportCSV(t, func(w sheet.Writer) (int, error) {
			return s.svc.ExportUsers(s.ctx, s.op, store.UserFilter{Sort: store.SortUsername}, []string{"last_name", "username", "custom:grade", "username"}, w)
		})
		if err != nil {
			t.Fatal(err)
		}
		wantRows := [][]string{{"Last name", "User name", "Grade"}, {"Aaron", "boss", ""},
			{"'=cmd|' /C calc'!A0", "evil", ""}, {"Roe", "jane.roe", "7"}}
		// The site manager is in the list too, sorted by username.
		rows = slices.DeleteFunc(rows, func(r []string) bool { return r[1] == s.manager.Username })
		if diff := cmp.Diff(wantRows, rows); diff != "" {
			t.Errorf("chosen columns (-want +got):\n%s", diff)
		}
		_ = evil

		// Unknown and secret columns are refused before anything is written.
		for _, cols := range [][]string{{"username", "shoe_size"}, {"password_hash"}, {" "}} {
			var buf bytes.Buffer
			w := sheet.NewCSV(&buf)
			_, err := s.svc.ExportUsers(s.ctx, s.op, store.UserFilter{}, cols, w)
			wantKind(t, err, directory.KindInvalid)
			if de, ok := err.(*directory.Error); !ok || len(de.Fields) == 0 || de.Fields[0].Field != "columns" {
				t.Errorf("columns %q: %v; want a field error on columns", cols, err)
			}
			_ = w.Close()
			if buf.Len() != 0 {
				t.Errorf("columns %q: %d bytes written", cols, buf.Len())
			}
		}
	})
}

func TestExportUsersPagesScopeAndRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		// 2,500 users make three pages of the export; every other one is
		// active, and those whose number ends in 7 are named "Walker".
		var bulk []*directory.User
		for i := range 2500 {
			u := &directory.User{ID: fmt.Sprintf("bulk-%s-%05d", randHex(4), i), OrgID: s.org.ID, Status: directory.StatusPending,
				Profile: directory.Profile{Username: fmt.Sprintf("bulk%05d", i), FirstName: "Bulk", LastName: fmt.Sprintf("Person%05d", i),
					License: directory.LicenseStandard}, CreatedAt: s.clock.Now(), UpdatedAt: s.clock.Now()}
			if i%2 == 0 {
				u.Status = directory.StatusActive
			}
			if i%10 == 7 {
				u.LastName = fmt.Sprintf("Walker%05d", i)
			}
			bulk = append(bulk, u)
		}
		if err := s.db.InTx(s.ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(s.ctx, bulk) }); err != nil {
			t.Fatal(err)
		}
		inA := s.user("staff", s.siteA)
		inB := s.user("staff", s.siteB)

		usernames := func(a *admin.Actor, f store.UserFilter) []string {
			t.Helper()
			rows, n, err := exportCSV(t, func(w sheet.Writer) (int, error) {
				return s.svc.ExportUsers(s.ctx, a, f, []string{"username"}, w)
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(rows)-1 {
				t.Errorf("ExportUsers says %d users for %d rows", n, len(rows)-1)
			}
			return column(t, rows, "User name")
		}
		// Every page, in order, once each.
		all := usernames(s.op, store.UserFilter{Sort: store.SortUsername, Statuses: []directory.Status{directory.StatusActive, directory.StatusPending}})
		var want []string
		for _, u := range bulk {
			want = append(want, u.Username)
		}
		want = append(want, inA.Username, inB.Username, s.manager.Username)
		slices.Sort(want)
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("export of everyone (-want +got):\n%s", diff)
		}
		// A filter and a search hold across pages too; an export in
		// descending order is the same list reversed.
		active := usernames(s.op, store.UserFilter{Statuses: []directory.Status{directory.StatusActive}, Sort: store.SortUsername, Desc: true})
		want = nil
		for i, u := range bulk {
			if i%2 == 0 {
				want = append(want, u.Username)
			}
		}
		want = append(want, s.manager.Username) // active through setup
		slices.Sort(want)
		slices.Reverse(want)
		if diff := cmp.Diff(want, active); diff != "" {
			t.Errorf("export of active users (-want +got):\n%s", diff)
		}
		walkers := usernames(s.op, store.UserFilter{Q: "walker"})
		if len(walkers) != 250 || walkers[0] != "bulk00007" || walkers[249] != "bulk02497" {
			t.Errorf("search walker exported %d users: %v…", len(walkers), walkers[:min(3, len(walkers))])
		}

		// The manager of site A sees only site A's people and themselves.
		scoped := usernames(s.mgr, store.UserFilter{})
		wantScoped := []string{inA.Username, s.manager.Username}
		slices.Sort(scoped)
		slices.Sort(wantScoped)
		if diff := cmp.Diff(wantScoped, scoped); diff != "" {
			t.Errorf("scoped export (-want +got):\n%s", diff)
		}

		// Without users.export, or with a bad filter, nothing happens.
		_, staff := s.actor("staff", s.siteA)
		before := s.eventIDs()
		_, err := s.svc.ExportUsers(s.ctx, staff, store.UserFilter{}, nil, sheet.NewCSV(&bytes.Buffer{}))
		wantKind(t, err, directory.KindForbidden)
		_, err = s.svc.ExportUsers(s.ctx, s.op, store.UserFilter{Sort: "shoe_size"}, nil, sheet.NewCSV(&bytes.Buffer{}))
		wantKind(t, err, directory.KindInvalid)
		_, err = s.svc.ExportUsers(s.ctx, s.op, store.UserFilter{GroupID: "no-such-group"}, nil, sheet.NewCSV(&bytes.Buffer{}))
		wantKind(t, err, directory.KindInvalid)
		s.noEvent(before)
	})
}

func TestExportUsersXLSXAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.createUser(nil)
		var buf bytes.Buffer
		w, err := sheet.NewXLSX(&buf, "Users")
		if err != nil {
			t.Fatal(err)
		}
		locked := true
		before := f.eventIDs()
		if _, err := f.svc.ExportUsers(f.ctx, f.op, store.UserFilter{Locked: &locked, License: directory.LicensePremium}, nil, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		ev := f.oneEvent(before, "users.exported")
		if change(ev, "format") != "xlsx" || change(ev, "count") != float64(0) || change(ev, "filter") != "locked; license premium" {
			t.Errorf("event changes %+v", ev.Changes)
		}
	})
}

func TestExportRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		parentA := s.user("basic", s.siteA)
		childA := s.user("basic", s.siteA)
		childB := s.user("basic", s.siteB)
		link := func(kind string, from, to *directory.User) {
			t.Helper()
			r := &directory.Relationship{ID: "rel-" + randHex(8), OrgID: s.org.ID, Kind: kind, FromUserID: from.ID, ToUserID: to.ID, CreatedAt: s.clock.Now()}
			if err := s.db.CreateRelationship(s.ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		link("parent_of", parentA, childA)
		link("parent_of", parentA, childB)
		link("supervisor_of", s.manager, childA)

		export := func(a *admin.Actor, kind string) [][]string {
			t.Helper()
			rows, _, err := exportCSV(t, func(w sheet.Writer) (int, error) { return s.svc.ExportRelationships(s.ctx, a, kind, w) })
			if err != nil {
				t.Fatal(err)
			}
			sortRows(rows[1:])
			return rows
		}
		header := []string{"Kind", "Parent user name", "Parent user code", "Student user name", "Student user code"}
		want := [][]string{header,
			{"parent_of", parentA.Username, "", childA.Username, ""},
			{"parent_of", parentA.Username, "", childB.Username, ""}}
		sortRows(want[1:])
		before := s.eventIDs()
		if diff := cmp.Diff(want, export(s.op, "parent_of")); diff != "" {
			t.Errorf("parent_of export (-want +got):\n%s", diff)
		}
		if ev := s.oneEvent(before, "relationships.exported"); change(ev, "count") != float64(2) {
			t.Errorf("event %+v", ev.Changes)
		}
		// The manager of site A does not see the child of site B.
		want = [][]string{header,
			{"parent_of", parentA.Username, "", childA.Username, ""},
			{"supervisor_of", s.manager.Username, "", childA.Username, ""}}
		sortRows(want[1:])
		if diff := cmp.Diff(want, export(s.mgr, "")); diff != "" {
			t.Errorf("scoped export (-want +got):\n%s", diff)
		}
		_, err := s.svc.ExportRelationships(s.ctx, s.op, "cousin_of", sheet.NewCSV(&bytes.Buffer{}))
		wantKind(t, err, directory.KindInvalid)
	})
}

// sortRows sorts rows by their cells, for lists whose order is not told.
func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
}

func TestExportAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		inA := s.createUser(nil)
		s.grantOn(inA, "staff", s.siteA)
		inB := s.createUser(func(in *admin.UserInput) { in.DisplayName = "@SUM(A1)" })
		s.grantOn(inB, "staff", s.siteB)
		for _, u := range []*directory.User{inA, inB} {
			title := "Clerk"
			if _, err := s.svc.UpdateUser(s.ctx, s.op, u.ID, 0, &admin.UserPatch{JobTitle: &title}); err != nil {
				t.Fatal(err)
			}
		}
		rows, n, err := exportCSV(t, func(w sheet.Writer) (int, error) {
			return s.svc.ExportAudit(s.ctx, s.op, store.AuditFilter{Action: "user.update"}, w)
		})
		if err != nil {
			t.Fatal(err)
		}
		wantHeader := []string{"When", "Actor", "On behalf of", "Action", "Target type", "Target", "Changes", "IP", "Request", "Import"}
		if n != 2 || !slices.Equal(rows[0], wantHeader) {
			t.Fatalf("audit export: %d events, header %q", n, rows[0])
		}
		if got := rows[1]; got[1] != "operator (command line)" || got[3] != "user.update" || got[4] != "user" ||
			got[5] != "'"+inB.Name() || got[6] != "job_title: → Clerk" {
			t.Errorf("newest event %q", got)
		}
		// The manager of site A reads only what concerns site A.
		rows, _, err = exportCSV(t, func(w sheet.Writer) (int, error) {
			return s.svc.ExportAudit(s.ctx, s.mgr, store.AuditFilter{Action: "user.update"}, w)
		})
		if err != nil {
			t.Fatal(err)
		}
		if targets := column(t, rows, "Target"); !slices.Equal(targets, []string{inA.Name()}) {
			t.Errorf("scoped audit export targets %q; want only %q", targets, inA.Name())
		}
		_, staff := s.actor("staff", s.siteA)
		_, err = s.svc.ExportAudit(s.ctx, staff, store.AuditFilter{}, sheet.NewCSV(&bytes.Buffer{}))
		wantKind(t, err, directory.KindForbidden)
	})
}
