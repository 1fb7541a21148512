package console_test

import (
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

func TestImportsUploadPreviewRunRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		sfx := randHex(3)
		file := importsCSV("First name,Last name,User name,Email,Shoe size",
			"Ada,Lovelace,ada-"+sfx+",ada-"+sfx+"@example.org,38",
			"Alan,Turing,alan-"+sfx+",alan-"+sfx+"@example.org,44",
			"Bad,,bad-"+sfx+",=cmd|calc,40")

		r := b.get("/admin/imports/new")
		want(t, r, 200, "")
		says(t, r, "New import", "CSV file", "Users", "Family relationships", "Import Users", "Update Users")

		id := f.importsID(b.importsUpload("users", "create", "staff.csv", file))
		r = b.get("/admin/imports/" + id)
		want(t, r, 200, "")
		says(t, r, "staff.csv is uploaded: 3 rows in 5 columns", "Import: staff.csv", "Shoe size", "Lovelace", "38",
			"— not imported —", "Preview")
		for _, g := range []string{"General", "Advanced", "Other"} {
			if !strings.Contains(r.Body, `<optgroup label="`+g+`">`) {
				t.Errorf("no %s group of fields", g)
			}
		}
		silent(t, r, "Start import")
		if !strings.Contains(r.Body, `<option value="last_name" selected>`) {
			t.Errorf("the proposed mapping does not select Last name for its column")
		}

		r = b.post("/admin/imports/"+id, importsSettings("create", "first_name", "last_name", "username", "email", ""))
		want(t, r, 303, "/admin/imports/"+id+"#preview")
		r = b.get(r.Location())
		says(t, r, "Preview ready: 2 to create, 0 to update, 0 unchanged, 1 in error.", "To create", "In error",
			"Ada Lovelace", "Start import")

		r = b.post("/admin/imports/"+id+"/start", nil)
		want(t, r, 303, "/admin/imports/"+id)
		r = b.get(r.Location())
		says(t, r, "The import is queued", "Waiting to run", "0 of 3 rows", "Stop updating this page")
		if got := r.Header.Get("Refresh"); got != "2" {
			t.Errorf("a waiting import's page has Refresh %q, want 2", got)
		}
		if r = b.get("/admin/imports/" + id + "?live=off"); r.Header.Get("Refresh") != "" {
			t.Errorf("the page still reloads itself after Stop updating")
		}

		f.importsRun()
		r = b.get("/admin/imports/" + id)
		says(t, r, "Done", "3 of 3 rows", "Download exceptions (CSV)", "Roll back this import")
		if r.Header.Get("Refresh") != "" {
			t.Errorf("a finished import's page still reloads itself")
		}
		if !strings.Contains(r.Body, `<progress id="progress-bar" max="3" value="3"`) {
			t.Errorf("no full progress bar on the finished import")
		}
		if f.importsUser("ada-"+sfx) == nil || f.importsUser("alan-"+sfx) == nil {
			t.Fatalf("the imported users are not there")
		}
		if f.importsUser("bad-"+sfx) != nil {
			t.Errorf("the row in error was applied")
		}

		r = b.get("/admin/imports/" + id + "?outcome=error")
		says(t, r, "Bad, bad-"+sfx, "Last name: is required")
		silent(t, r, "Ada Lovelace")

		r = b.get("/admin/imports/" + id + "/exceptions.csv")
		want(t, r, 200, "")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("exceptions Content-Type %q", ct)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatalf("the exceptions file is not CSV: %v\n%s", err, r.Body)
		}
		if len(recs) != 2 || strings.Join(recs[0], "|") != "First name|Last name|User name|Email|Shoe size|Line|Reason" {
			t.Fatalf("exceptions file: %q", recs)
		}
		if got := recs[1]; got[2] != "bad-"+sfx || got[3] != "'=cmd|calc" || got[5] != "4" || got[6] == "" {
			t.Errorf("exception row %q: want the original cells (neutralised), line 4 and a reason", got)
		}

		r = b.post("/admin/imports/"+id+"/rollback", nil)
		want(t, r, 200, "")
		says(t, r, "Roll back this import", "Cancel")
		r = b.post("/admin/imports/"+id+"/rollback", url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/imports/"+id)
		r = b.get(r.Location())
		says(t, r, "The rollback is queued", "Rolling back")
		f.importsRun()
		r = b.get("/admin/imports/" + id)
		says(t, r, "Rolled back", "What the rollback did", "Removed for good")
		silent(t, r, "Roll back this import")
		if f.importsUser("ada-"+sfx) != nil || f.importsUser("alan-"+sfx) != nil {
			t.Errorf("the rollback left the imported users")
		}

		r = b.get("/admin/imports")
		want(t, r, 200, "")
		says(t, r, "staff.csv", "Users", "Import Users", "Rolled back", f.owner.Name())
	})
}

func TestImportsBadUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.importsUpload("users", "create", "ragged.csv", "First name,Last name\r\nAda,Lovelace,extra\r\n")
		want(t, r, 422, "")
		if !strings.Contains(r.Body, `id="file-error"`) || !strings.Contains(r.Body, `aria-invalid="true"`) {
			t.Errorf("the reason is not beside the file field:\n%s", r.Body)
		}
		says(t, r, "There is a problem", "Line 2: this row has 3 cells but the header has 2")

		r = b.importsUpload("users", "create", "", "")
		want(t, r, 422, "")
		says(t, r, "Choose a CSV file to import.")

		r = b.do("POST", "/admin/imports", strings.NewReader("kind=users"), "application/x-www-form-urlencoded")
		want(t, r, 400, "")
		says(t, r, "The upload could not be read")

		if n := len(f.importsHistory()); n != 0 {
			t.Errorf("%d imports stored after refused uploads", n)
		}
	})
}

func TestImportsMappingErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		sfx := randHex(3)
		id := f.importsID(b.importsUpload("users", "update", "upd.csv",
			importsCSV("Given,Family,Login", "Ada,Lovelace,ada-"+sfx)))
		r := b.get("/admin/imports/" + id + "?mode=update")
		if !strings.Contains(r.Body, `id="mode-update" name="mode" value="update" checked`) {
			t.Errorf("the mode chosen at upload is not selected")
		}

		r = b.post("/admin/imports/"+id, importsSettings("create", "first_name", "first_name", ""))
		want(t, r, 422, "")
		if !strings.Contains(r.Body, `id="column-1-error"`) {
			t.Errorf("the duplicate field is not explained beside its column")
		}
		if !strings.Contains(r.Body, `id="mapping-error"`) {
			t.Errorf("the missing fields are not explained above the mapping")
		}
		says(t, r, "Column 2 (Family):", "Last name")
		if !strings.Contains(r.Body, `<select id="column-1" name="mapping.1" aria-invalid="true"`) {
			t.Errorf("the refused select is not marked invalid")
		}
		silent(t, r, "Start import")

		r = b.post("/admin/imports/"+id+"/start", nil)
		want(t, r, 422, "")
		says(t, r, "There is a problem")
	})
}

func TestImportsSavedMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		sfx := randHex(3)
		content := importsCSV("Col A,Col B,Col C", "Ada,Lovelace,ada-"+sfx)
		id := f.importsID(b.importsUpload("users", "", "one.csv", content))
		form := importsSettings("create", "first_name", "last_name", "username")
		form.Set("save_as", "Staff export")
		r := b.post("/admin/imports/"+id, form)
		want(t, r, 303, "")
		r = b.get(r.Location())
		says(t, r, "The mapping is saved as Staff export.")

		other := f.importsID(b.importsUpload("users", "", "two.csv", importsCSV("Col C,Col A,Col B", "x-"+sfx+",X,Y")))
		r = b.get("/admin/imports/" + other)
		says(t, r, "Saved mapping", "Staff export")
		mid := firstMatch(t, r.Body, `<option value="([^"]+)"[^>]*>Staff export</option>`)
		r = b.get("/admin/imports/" + other + "?use_mapping=" + url.QueryEscape(mid))
		says(t, r, "The mapping Staff export is filled in below.")
		for col, key := range []string{"username", "first_name", "last_name"} {
			sel := firstMatch(t, r.Body, `(?s)<select id="column-`+strconv.Itoa(col)+`".*?<option value="([^"]+)" selected>`)
			if sel != key {
				t.Errorf("column %d: %q, want %q", col, sel, key)
			}
		}

		// Forgetting it asks first, then it is no longer offered.
		says(t, r, "Apply Forget")
		r = b.post("/admin/imports/"+other+"/forget-mapping", url.Values{"use_mapping": {mid}})
		want(t, r, 200, "")
		says(t, r, "Forget the mapping")
		r = b.post("/admin/imports/"+other+"/forget-mapping", url.Values{"use_mapping": {mid}, "confirmed": {"yes"}})
		want(t, r, 303, "")
		r = b.get(r.Location())
		says(t, r, "The saved mapping is forgotten.")
		silent(t, r, "Staff export")
	})
}

func TestImportsRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		parent, student := f.user("Paula", "", ""), f.user("Sid", "", "")
		b := f.ownerBrowser()
		id := f.importsID(b.importsUpload("relationships", "", "family.csv",
			importsCSV("Parent,Student", parent.Username+","+student.Username, "nobody,"+student.Username)))
		r := b.get("/admin/imports/" + id)
		says(t, r, "Relationship", "Parent of", "The identifiers in the file are", "User codes", "Parent identifier")
		form := url.Values{"relationship_kind": {"parent_of"}, "match_by": {"username"},
			"mapping.0": {"parent"}, "mapping.1": {"student"}}
		r = b.post("/admin/imports/"+id, form)
		want(t, r, 303, "")
		r = b.get(r.Location())
		says(t, r, "Preview ready: 1 to create, 0 to update, 0 unchanged, 1 in error.")
		want(t, b.post("/admin/imports/"+id+"/start", nil), 303, "")
		f.importsRun()
		r = b.get("/admin/imports/" + id)
		says(t, r, "Family relationships", "Done", "2 of 2 rows")
	})
}

func TestImportsRowPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		sfx := randHex(3)
		var rows []string
		for i := range 55 {
			rows = append(rows, "P"+strconv.Itoa(i)+",Person,p"+strconv.Itoa(i)+"-"+sfx)
		}
		id := f.importsID(b.importsUpload("users", "create", "many.csv", importsCSV("First name,Last name,User name", rows...)))
		want(t, b.post("/admin/imports/"+id, importsSettings("create", "first_name", "last_name", "username")), 303, "")
		want(t, b.post("/admin/imports/"+id+"/start", nil), 303, "")
		f.importsRun()
		r := b.get("/admin/imports/" + id)
		says(t, r, "55 of 55 rows", "Created (55)")
		next := firstMatch(t, r.Body, `<a href="([^"]+)" rel="next">`)
		r = b.get(next)
		want(t, r, 200, "")
		if n := strings.Count(r.Body, `<span class="badge ok">Created</span>`); n != 5 {
			t.Errorf("the second page has %d rows, want 5", n)
		}
	})
}

func TestImportsNeedPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		owner := f.ownerBrowser()
		id := f.importsID(owner.importsUpload("users", "", "x.csv", importsCSV("First name,Last name,User name", "A,B,c-"+randHex(3))))
		if r := owner.get("/admin/users"); !hasLink(r.Body, "/admin/imports") || !strings.Contains(r.Body, `id="import-users"`) {
			t.Errorf("the owner is not offered imports")
		}

		staff := f.signedIn(f.user("Stan", "staff", ""))
		r := staff.get("/admin/users")
		want(t, r, 200, "")
		if hasLink(r.Body, "/admin/imports") || strings.Contains(r.Body, `id="import-users"`) {
			t.Errorf("an actor without users.import is offered imports")
		}
		for _, path := range []string{"/admin/imports", "/admin/imports/new", "/admin/imports/" + id,
			"/admin/imports/" + id + "/exceptions.csv"} {
			if r := staff.get(path); r.Code != 403 && r.Code != 404 {
				t.Errorf("GET %s: %d, want 403 or 404", path, r.Code)
			}
		}
		if r := staff.importsUpload("users", "", "y.csv", "a,b\r\n1,2\r\n"); r.Code != 403 {
			t.Errorf("upload without users.import: %d", r.Code)
		}
		for _, path := range []string{"/admin/imports/" + id, "/admin/imports/" + id + "/start",
			"/admin/imports/" + id + "/rollback"} {
			if r := staff.post(path, url.Values{"confirmed": {"yes"}}); r.Code != 403 && r.Code != 404 {
				t.Errorf("POST %s: %d, want 403 or 404", path, r.Code)
			}
		}
		if n := len(f.importsHistory()); n != 1 {
			t.Errorf("%d imports, want only the owner's", n)
		}
	})
}
