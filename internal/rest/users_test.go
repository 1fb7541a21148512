package rest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// ignoreStamps leaves out of a user comparison what the server chooses.
var ignoreStamps = cmpopts.IgnoreFields(rest.UserJSON{}, "ID", "CreatedAt", "UpdatedAt")

func TestUserCreateGetPatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		f.defineFields()
		dept := f.createUnit("Clinical", "department", "")
		loc := f.createUnit("North Office", "location", "")
		sup := f.createUser(map[string]any{"first_name": "Sam", "last_name": "Super"})
		tag := randHex(3)

		// A full profile: every field, custom fields of each type given
		// as the JSON type a client would naturally send.
		r := f.do("POST", "users", map[string]any{
			"username": "jroe-" + tag, "email": "Jane.Roe-" + tag + "@Example.org",
			"first_name": " Jane ", "last_name": "Roe", "display_name": "Jane Roe, BCBA",
			"phone": "+1 (555) 010-2030", "job_title": "Therapist", "position": "Senior",
			"external_id": "EMP-" + tag,
			"address": map[string]any{"street": "1 Main St", "locality": "Springfield", "region": "IL",
				"postal_code": "62701", "country": "US"},
			"supervisor_id": sup.ID, "department_id": dept.ID, "location_id": loc.ID,
			"license": "premium", "expires_at": "2031-06-30T23:59:59Z",
			"custom_fields": map[string]any{"nickname": "JR", "shoe_size": 38.5, "hired_on": "2029-09-01",
				"remote": true, "team": "blue"},
		})
		created := must[user](t, r, http.StatusCreated)
		if got, want := r.Header.Get("Location"), rest.Prefix+"/users/"+created.ID; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if got := r.Header.Get("ETag"); got != `"v1"` {
			t.Errorf("ETag = %q, want \"v1\"", got)
		}
		expires := time.Date(2031, 6, 30, 23, 59, 59, 0, time.UTC)
		want := user{
			Username: "jroe-" + tag, Email: "Jane.Roe-" + tag + "@Example.org", FirstName: "Jane", LastName: "Roe",
			DisplayName: "Jane Roe, BCBA", Name: "Jane Roe, BCBA", Phone: "+1 (555) 010-2030", JobTitle: "Therapist",
			Position: "Senior", ExternalID: "EMP-" + tag,
			Address:      rest.AddressJSON{Street: "1 Main St", Locality: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"},
			SupervisorID: &sup.ID, DepartmentID: &dept.ID, LocationID: &loc.ID, License: "premium", ExpiresAt: &expires,
			Status: "pending",
			CustomFields: map[string]string{"nickname": "JR", "shoe_size": "38.5", "hired_on": "2029-09-01",
				"remote": "true", "team": "blue"},
			Version: 1,
		}
		// A new user with an email is invited at once.
		if inv := created.Invitation; inv == nil || inv.State != "sent" || inv.SentAt == nil || inv.ExpiresAt == nil ||
			inv.ExpiresAt.Sub(*inv.SentAt) != 24*time.Hour {
			t.Errorf("invitation of the created user: %+v", inv)
		} else {
			want.Invitation = inv
		}
		if d := cmp.Diff(want, created, ignoreStamps); d != "" {
			t.Errorf("created user (-want +got):\n%s", d)
		}
		ev := f.wantEvent("user.create", created.ID)
		if c := changesOf(ev); c["email"].After != want.Email || c["custom_fields.team"].After != "blue" || c["license"].After != "premium" {
			t.Errorf("user.create changes = %+v", ev.Changes)
		}

		// GET shows the same, with the same ETag; so does the Location.
		r = f.do("GET", r.Header.Get("Location"), nil)
		got := must[user](t, r, http.StatusOK)
		if d := cmp.Diff(created, got); d != "" {
			t.Errorf("GET differs from the POST answer (-post +get):\n%s", d)
		}
		if r.Header.Get("ETag") != `"v1"` {
			t.Errorf("GET ETag = %q", r.Header.Get("ETag"))
		}

		// PATCH changes only what it names: a value sets, "" clears, null
		// and absence keep; custom field keys not named keep their values.
		before := f.snapshot(created.ID)
		r = f.do("PATCH", "users/"+created.ID, `{"job_title": "Lead therapist", "phone": "", "display_name": null,
			"supervisor_id": "", "custom_fields": {"nickname": null, "shoe_size": "40"}}`, "If-Match", `"v1"`)
		patched := must[user](t, r, http.StatusOK)
		if r.Header.Get("ETag") != `"v2"` {
			t.Errorf("PATCH ETag = %q, want \"v2\"", r.Header.Get("ETag"))
		}
		want = got
		want.JobTitle, want.Phone, want.SupervisorID, want.Version = "Lead therapist", "", nil, 2
		want.CustomFields = map[string]string{"shoe_size": "40", "hired_on": "2029-09-01", "remote": "true", "team": "blue"}
		if d := cmp.Diff(want, patched, cmpopts.IgnoreFields(rest.UserJSON{}, "UpdatedAt")); d != "" {
			t.Errorf("patched user (-want +got):\n%s", d)
		}
		if d := cmp.Diff(patched, *f.getUser(created.ID)); d != "" {
			t.Errorf("GET after PATCH (-patch +get):\n%s", d)
		}
		ev = f.wantEvent("user.update", created.ID)
		wantChanges := []directory.Change{
			{Field: "custom_fields.nickname", Before: "JR", After: nil},
			{Field: "custom_fields.shoe_size", Before: "38.5", After: "40"},
			{Field: "job_title", Before: "Therapist", After: "Lead therapist"},
			{Field: "phone", Before: "+1 (555) 010-2030", After: ""},
			{Field: "supervisor_id", Before: sup.ID, After: ""},
		}
		if d := cmp.Diff(wantChanges, ev.Changes); d != "" {
			t.Errorf("user.update changes (-want +got):\n%s", d)
		}
		if len(f.auditEvents()) != before.events+1 {
			t.Errorf("one PATCH wrote %d audit events", len(f.auditEvents())-before.events)
		}

		// A stale or foreign If-Match answers 412 and changes nothing.
		for _, tag := range []string{`"v1"`, `"v99"`, `W/"v1"`, `"abc"`} {
			before = f.snapshot(created.ID)
			r = f.do("PATCH", "users/"+created.ID, `{"job_title": "Stale"}`, "If-Match", tag)
			wantProblem(t, r, http.StatusPreconditionFailed)
			f.unchanged(before, created.ID)
		}
		// The current one, weak or strong, and * go through.
		r = f.do("PATCH", "users/"+created.ID, `{"expires_at": ""}`, "If-Match", `W/"v2"`)
		if got := must[user](t, r, http.StatusOK); got.ExpiresAt != nil || got.Version != 3 {
			t.Errorf("expires_at cleared: %v, version %d", got.ExpiresAt, got.Version)
		}
		r = f.do("PATCH", "users/"+created.ID, `{"address": {"street": "2 Elm St", "locality": "Springfield", "region": "IL", "postal_code": "62702", "country": "US"}}`, "If-Match", "*")
		if got := must[user](t, r, http.StatusOK); got.Address.Street != "2 Elm St" || got.Address.PostalCode != "62702" {
			t.Errorf("address = %+v", got.Address)
		}

		// The email is not part of an edit: PATCH refuses it as an
		// unknown field, and the email action changes it, audited.
		before = f.snapshot(created.ID)
		r = f.do("PATCH", "users/"+created.ID, `{"email": "other@example.org"}`)
		wantProblem(t, r, http.StatusUnprocessableEntity, "body.email")
		f.unchanged(before, created.ID)

		cur := f.getUser(created.ID)
		newEmail := "jane.roe.new-" + tag + "@example.org"
		r = f.do("POST", "users/"+created.ID+"/email", map[string]string{"email": newEmail}, "If-Match", etag(cur.Version))
		changed := must[user](t, r, http.StatusOK)
		if changed.Email != newEmail || changed.Version != cur.Version+1 || r.Header.Get("ETag") != etag(cur.Version+1) {
			t.Errorf("after email change: email %q version %d ETag %s", changed.Email, changed.Version, r.Header.Get("ETag"))
		}
		if changed.Username != cur.Username || changed.CustomFields["team"] != "blue" {
			t.Errorf("email change touched other fields: %+v", changed)
		}
		ev = f.wantEvent("user.email_change", created.ID)
		if d := cmp.Diff([]directory.Change{{Field: "email", Before: cur.Email, After: newEmail}}, ev.Changes); d != "" {
			t.Errorf("user.email_change changes (-want +got):\n%s", d)
		}

		// A bad email and a stale version are refused.
		before = f.snapshot(created.ID)
		wantProblem(t, f.do("POST", "users/"+created.ID+"/email", `{"email": "not an email"}`), http.StatusUnprocessableEntity, "body.email")
		wantProblem(t, f.do("POST", "users/"+created.ID+"/email", `{"email": ""}`), http.StatusUnprocessableEntity, "body.email")
		wantProblem(t, f.do("POST", "users/"+created.ID+"/email", `{"email": "x-`+tag+`@example.org"}`, "If-Match", `"v1"`), http.StatusPreconditionFailed)
		f.unchanged(before, created.ID)

		// Unknown users are 404 problems.
		wantProblem(t, f.do("GET", "users/01900000-0000-7000-8000-000000000000", nil), http.StatusNotFound)
		wantProblem(t, f.do("PATCH", "users/nope", `{"job_title": "x"}`), http.StatusNotFound)
	})
}

func TestUserQuickAddDerivesUsername(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		tag := randHex(3)

		first := f.createUser(map[string]any{"first_name": "Jane", "last_name": "Roe", "email": "Jane.Roe+" + tag + "@Example.org"})
		if first.Username != "jane.roe"+tag || first.Status != "pending" || first.License != "standard" || first.Name != "Jane Roe" {
			t.Errorf("quick add: username %q status %q license %q name %q", first.Username, first.Status, first.License, first.Name)
		}
		// The same local part at another domain gets the next number;
		// the comparison ignores case.
		second := f.createUser(map[string]any{"first_name": "Janet", "last_name": "Roe", "email": "JANE.ROE+" + tag + "@other.example"})
		if second.Username != "jane.roe"+tag+"2" {
			t.Errorf("derived username on collision = %q, want %q", second.Username, "jane.roe"+tag+"2")
		}
		third := f.createUser(map[string]any{"first_name": "Jan", "last_name": "Roe", "email": "jane.roe+" + tag + "@third.example"})
		if third.Username != "jane.roe"+tag+"3" {
			t.Errorf("third derived username = %q", third.Username)
		}
		// Without an email the name makes the username.
		named := f.createUser(map[string]any{"first_name": "Zed" + tag, "last_name": "Quux", "email": nil})
		if named.Username != "zed"+tag+".quux" || named.Email != "" {
			t.Errorf("username from the name = %q (email %q)", named.Username, named.Email)
		}
	})
}

func TestUserDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		tag := randHex(3)
		holder := f.createUser(map[string]any{"username": "Casey-" + tag, "email": "Casey-" + tag + "@Example.org",
			"first_name": "Casey", "last_name": "Holder", "display_name": "Casey H.", "external_id": "X-" + tag})
		other := f.createUser(map[string]any{"first_name": "Other", "last_name": "Person"})
		list := must[userList](t, f.do("GET", "users", nil), http.StatusOK)

		for _, c := range []struct {
			name, method, path, body, location string
		}{
			{"username differing in case", "POST", "users",
				`{"username": "casey-` + tag + `", "first_name": "A", "last_name": "B"}`, "body.username"},
			{"email differing in case", "POST", "users",
				`{"email": "CASEY-` + tag + `@example.ORG", "first_name": "A", "last_name": "B"}`, "body.email"},
			{"external id", "POST", "users",
				`{"email": "fresh-` + tag + `@example.org", "external_id": "X-` + tag + `", "first_name": "A", "last_name": "B"}`, "body.external_id"},
			{"username by PATCH", "PATCH", "users/" + other.ID, `{"username": "CASEY-` + tag + `"}`, "body.username"},
			{"external id by PATCH", "PATCH", "users/" + other.ID, `{"external_id": "X-` + tag + `"}`, "body.external_id"},
			{"email by the email action", "POST", "users/" + other.ID + "/email", `{"email": "casey-` + tag + `@example.org"}`, "body.email"},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.with(t)
				before := f.snapshot(other.ID)
				p := wantProblem(t, f.do(c.method, c.path, c.body), http.StatusConflict, c.location)
				if p.ExistingUser == nil || p.ExistingUser.ID != holder.ID || p.ExistingUser.DisplayName != "Casey H." {
					t.Errorf("existing_user = %+v, want %s (Casey H.)", p.ExistingUser, holder.ID)
				}
				if !strings.Contains(p.Detail, "Casey H.") {
					t.Errorf("detail %q does not name the holder", p.Detail)
				}
				f.unchanged(before, other.ID)
				if got := must[userList](t, f.do("GET", "users", nil), http.StatusOK); got.Total != list.Total {
					t.Errorf("total %d after a refused duplicate, was %d", got.Total, list.Total)
				}
			})
		}
	})
}
