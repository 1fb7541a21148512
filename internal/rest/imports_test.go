package rest_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// importJSON is an import as the API shows it.
type importJSON struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Mode    string   `json:"mode"`
	MatchBy string   `json:"match_by"`
	State   string   `json:"state"`
	Headers []string `json:"headers"`
	Mapping []struct {
		Column int    `json:"column"`
		Header string `json:"header"`
		Field  string `json:"field"`
	} `json:"mapping"`
	Total  int            `json:"total"`
	Done   int            `json:"done"`
	Counts map[string]int `json:"counts"`
	Owner  string         `json:"owner"`
	// Preview is kept raw where the test only looks at the counts.
	Preview *struct {
		Counts  map[string]int                      `json:"counts"`
		Samples map[string][]map[string]interface{} `json:"samples"`
	} `json:"preview"`
	RollbackCounts map[string]int `json:"rollback_counts"`
}

func (im *importJSON) fields() []string {
	var out []string
	for _, m := range im.Mapping {
		out = append(out, m.Field)
	}
	return out
}

// upload posts a CSV file with the query q.
func (f *fixture) upload(csvText string, q url.Values) *response {
	f.t.Helper()
	return f.do(http.MethodPost, rest.Prefix+"/imports?"+q.Encode(), csvText, "Content-Type", "text/csv")
}

// runWorker runs the background worker until no import waits.
func (f *fixture) runWorker() {
	f.t.Helper()
	if _, err := f.svc.RunImports(context.Background(), "test"); err != nil {
		f.t.Fatalf("RunImports: %v", err)
	}
}

const importFile = "First,Last,Login,E-mail,Title\r\n" +
	"Ada,Lovelace,ada,ada@example.org,Analyst\r\n" +
	"Alan,Turing,alan,alan@example.org,Scientist\r\n" +
	"Grace,,grace,grace@example.org,=cmd|'/c calc'!A1\r\n"

func TestImportUploadPreviewRunRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		im := must[importJSON](t, f.upload(importFile, url.Values{"file_name": {"staff.csv"}}), http.StatusCreated)
		if im.State != "draft" || im.Total != 3 || im.Kind != "users" || im.Mode != "create" || im.Owner == "" {
			t.Fatalf("uploaded import = %+v", im)
		}
		if diff := cmp.Diff([]string{"first_name", "last_name", "username", "email", "job_title"}, im.fields()); diff != "" {
			t.Errorf("proposed mapping (-want +got):\n%s", diff)
		}

		// Leaving out the title is a settings change; the preview then
		// counts two rows to create and one in error.
		im = must[importJSON](t, f.do(http.MethodPatch, "imports/"+im.ID, map[string]any{
			"mapping": map[string]any{"Title": ""}, "save_as": "staff"}), http.StatusOK)
		if im.fields()[4] != "" {
			t.Fatalf("Title still mapped: %v", im.fields())
		}
		im = must[importJSON](t, f.do(http.MethodPost, "imports/"+im.ID+"/preview", nil), http.StatusOK)
		if im.Preview == nil || im.Preview.Counts["created"] != 2 || im.Preview.Counts["errors"] != 1 {
			t.Fatalf("preview = %+v", im.Preview)
		}
		if n := len(f.listUsernames()); n != 1 {
			t.Fatalf("the preview changed the users: %d of them", n)
		}

		// The title goes back in through the list form of the mapping.
		im = must[importJSON](t, f.do(http.MethodPatch, "imports/"+im.ID, map[string]any{
			"mapping": []string{"first_name", "last_name", "username", "email", "job_title"}}), http.StatusOK)
		if im.Preview != nil {
			t.Errorf("a settings change kept the preview")
		}
		im = must[importJSON](t, f.do(http.MethodPost, "imports/"+im.ID+"/start", nil), http.StatusAccepted)
		if im.State != "queued" {
			t.Fatalf("started import is %s", im.State)
		}
		f.runWorker()
		im = must[importJSON](t, f.do(http.MethodGet, "imports/"+im.ID, nil), http.StatusOK)
		want := map[string]int{"created": 2, "updated": 0, "unchanged": 0, "errors": 1}
		if im.State != "done" || im.Done != 3 || !cmp.Equal(im.Counts, want) {
			t.Fatalf("finished import = %+v", im)
		}

		rows := must[struct {
			Items []struct {
				Line    int    `json:"line"`
				Outcome string `json:"outcome"`
				Message string `json:"message"`
				UserID  string `json:"user_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}](t, f.do(http.MethodGet, "imports/"+im.ID+"/rows?limit=2", nil), http.StatusOK)
		if len(rows.Items) != 2 || rows.NextCursor != "2" || rows.Items[0].Outcome != "created" || rows.Items[0].UserID == "" {
			t.Fatalf("first page of rows = %+v", rows)
		}
		errs := must[struct {
			Items []struct {
				Line    int    `json:"line"`
				Message string `json:"message"`
			} `json:"items"`
		}](t, f.do(http.MethodGet, "imports/"+im.ID+"/rows?outcome=error", nil), http.StatusOK)
		if len(errs.Items) != 1 || errs.Items[0].Line != 3 || errs.Items[0].Message == "" {
			t.Fatalf("error rows = %+v", errs)
		}

		r := f.do(http.MethodGet, "imports/"+im.ID+"/exceptions", nil)
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("exceptions answered %s", r)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.Body), "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatalf("exceptions are not CSV: %v\n%s", err, r.Body)
		}
		if len(recs) != 2 || !slices.Equal(recs[0], []string{"First", "Last", "Login", "E-mail", "Title", "Line", "Reason"}) ||
			recs[1][0] != "Grace" || recs[1][4] != "'=cmd|'/c calc'!A1" || recs[1][5] != "4" || recs[1][6] == "" {
			t.Fatalf("exceptions = %q", recs)
		}

		list := must[importList](t, f.do(http.MethodGet, "imports?limit=1", nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].ID != im.ID {
			t.Fatalf("history = %+v", list)
		}

		im = must[importJSON](t, f.do(http.MethodPost, "imports/"+im.ID+"/rollback", nil), http.StatusAccepted)
		if im.State != "rolling_back" {
			t.Fatalf("rollback left the import %s", im.State)
		}
		f.runWorker()
		im = must[importJSON](t, f.do(http.MethodGet, "imports/"+im.ID, nil), http.StatusOK)
		if im.State != "rolled_back" || im.RollbackCounts["purged"] != 2 {
			t.Fatalf("rolled back import = %+v", im)
		}
		if n := len(f.listUsernames()); n != 1 {
			t.Errorf("after the rollback %d users are left, want the owner alone", n)
		}
		wantProblem(t, f.do(http.MethodPost, "imports/"+im.ID+"/rollback", nil), http.StatusConflict)

		maps := must[struct {
			Items []struct {
				ID      string `json:"id"`
				Name    string `json:"name"`
				Columns []struct {
					Field string `json:"field"`
				} `json:"columns"`
			} `json:"items"`
		}](t, f.do(http.MethodGet, "import-mappings?kind=users", nil), http.StatusOK)
		if len(maps.Items) != 1 || maps.Items[0].Name != "staff" || maps.Items[0].Columns[4].Field != "" {
			t.Fatalf("saved mappings = %+v", maps)
		}
		// The saved mapping is proposed for the next file with the header.
		again := must[importJSON](t, f.upload(importFile, nil), http.StatusCreated)
		if again.fields()[4] != "" {
			t.Errorf("saved mapping not proposed: %v", again.fields())
		}
		if r := f.do(http.MethodDelete, "import-mappings/"+maps.Items[0].ID, nil); r.Code != http.StatusNoContent {
			t.Fatalf("delete mapping answered %s", r)
		}
	})
}

type importList struct {
	Items      []importJSON `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

// listUsernames lists the usernames of the fixture's organization.
func (f *fixture) listUsernames() []string {
	f.t.Helper()
	page := must[struct {
		Items []struct {
			Username string `json:"username"`
		} `json:"items"`
	}](f.t, f.do(http.MethodGet, "users?limit=500", nil), http.StatusOK)
	var out []string
	for _, u := range page.Items {
		out = append(out, u.Username)
	}
	return out
}

func TestImportUploadWithSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		q := url.Values{"mode": {"upsert"}, "match_by": {"username"}, "map": {"Title=Job title, Login=username"}}
		im := must[importJSON](t, f.upload(importFile, q), http.StatusCreated)
		if im.Mode != "upsert" || im.fields()[4] != "job_title" {
			t.Fatalf("configured upload = %+v", im)
		}

		p := wantProblem(t, f.upload(importFile, url.Values{"map": {"Nickname=first_name"}}), http.StatusUnprocessableEntity, "query.map")
		if !strings.Contains(p.Errors[0].Message, `"Nickname"`) {
			t.Errorf("unknown column problem = %+v", p)
		}
		p = wantProblem(t, f.upload(importFile, url.Values{"map": {"Title=shoe_size"}}), http.StatusUnprocessableEntity, "query.map")
		if !strings.Contains(p.Errors[0].Message, "first_name (First name)") {
			t.Errorf("unknown field problem does not list the fields: %+v", p)
		}
		// A mapping that leaves out what create needs names the mapping.
		wantProblem(t, f.upload(importFile, url.Values{"map": {"First="}}), http.StatusUnprocessableEntity, "query.map")
		wantProblem(t, f.upload(importFile, url.Values{"mode": {"merge"}}), http.StatusUnprocessableEntity, "query.mode")
		// Refused settings refuse the upload: no draft is left behind.
		if list := must[importList](t, f.do(http.MethodGet, "imports", nil), http.StatusOK); len(list.Items) != 1 {
			t.Errorf("%d imports after one good and four refused uploads, want 1", len(list.Items))
		}

		// Uploads may pass the 1 MiB that bounds other bodies.
		var big strings.Builder
		big.WriteString("First,Last,Login,Notes\n")
		for i := 0; big.Len() < 2<<20; i++ {
			fmt.Fprintf(&big, "Name%d,Last%d,user%d,%s\n", i, i, i, strings.Repeat("x", 60))
		}
		if r := f.upload(big.String(), nil); r.Code != http.StatusCreated {
			t.Errorf("a 2 MB upload answered %.300s", r)
		}
		wantProblem(t, f.upload("", nil), http.StatusUnprocessableEntity, "body.file")
		wantProblem(t, f.upload("a,b\n\"open,1\n", nil), http.StatusUnprocessableEntity, "body.file")
		wantProblem(t, f.do(http.MethodPatch, "imports/"+im.ID, map[string]any{"mapping": 7}), http.StatusUnprocessableEntity, "body.mapping")
		wantProblem(t, f.do(http.MethodPatch, "imports/"+im.ID, map[string]any{"mapping": []string{"first_name"}}), http.StatusUnprocessableEntity, "body.mapping")
		wantProblem(t, f.do(http.MethodGet, "imports/nope", nil), http.StatusNotFound)
		wantProblem(t, f.do(http.MethodGet, "imports/nope/exceptions", nil), http.StatusNotFound)
		wantProblem(t, f.do(http.MethodGet, "imports?cursor=zzz", nil), http.StatusUnprocessableEntity, "query.cursor")

		// The history pages with an opaque cursor.
		must[importJSON](t, f.upload(importFile, nil), http.StatusCreated)
		first := must[importList](t, f.do(http.MethodGet, "imports?limit=2", nil), http.StatusOK)
		if len(first.Items) != 2 || first.NextCursor == "" {
			t.Fatalf("first page = %+v", first)
		}
		rest := must[importList](t, f.do(http.MethodGet, "imports?limit=200&cursor="+first.NextCursor, nil), http.StatusOK)
		for _, it := range rest.Items {
			if it.ID == first.Items[0].ID || it.ID == first.Items[1].ID {
				t.Errorf("import %s on two pages", it.ID)
			}
		}
	})
}

func TestImportFieldsAndRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		fields := must[struct {
			Items []struct {
				Key   string `json:"key"`
				Label string `json:"label"`
				Group string `json:"group"`
			} `json:"items"`
		}](t, f.do(http.MethodGet, "imports/fields?kind=users", nil), http.StatusOK)
		if len(fields.Items) < 10 || fields.Items[0].Key != "username" || fields.Items[0].Group != "general" {
			t.Fatalf("user fields = %+v", fields.Items)
		}
		rel := must[struct {
			Items []struct {
				Key string `json:"key"`
			} `json:"items"`
		}](t, f.do(http.MethodGet, "imports/fields?kind=relationships", nil), http.StatusOK)
		if len(rel.Items) != 2 || rel.Items[0].Key != "parent" || rel.Items[1].Key != "student" {
			t.Fatalf("relationship fields = %+v", rel.Items)
		}

		users := must[importJSON](t, f.upload("First,Last,Login\nPat,Parent,pat\nSam,Student,sam\n", nil), http.StatusCreated)
		must[importJSON](t, f.do(http.MethodPost, "imports/"+users.ID+"/start", nil), http.StatusAccepted)
		f.runWorker()

		q := url.Values{"kind": {"relationships"}, "match_by": {"username"}, "relationship_kind": {"parent_of"}}
		im := must[importJSON](t, f.upload("Parent,Student\npat,sam\npat,nobody\n", q), http.StatusCreated)
		if im.Kind != "relationships" || !slices.Equal(im.fields(), []string{"parent", "student"}) {
			t.Fatalf("relationship import = %+v", im)
		}
		must[importJSON](t, f.do(http.MethodPost, "imports/"+im.ID+"/start", nil), http.StatusAccepted)
		f.runWorker()
		im = must[importJSON](t, f.do(http.MethodGet, "imports/"+im.ID, nil), http.StatusOK)
		if im.State != "done" || im.Counts["created"] != 1 || im.Counts["errors"] != 1 {
			t.Fatalf("relationship import ran to %+v", im)
		}
		wantProblem(t, f.upload("Parent,Student\npat,sam\n", url.Values{"kind": {"groups"}}), http.StatusUnprocessableEntity, "query.kind")
	})
}
