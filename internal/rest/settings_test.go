package rest_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// fieldList is the answer of GET /settings/custom-fields.
type fieldList struct {
	Items []*field `json:"items"`
}

// licenses is the answer of /settings/licenses.
type licenses = rest.LicensesJSON

func TestCustomFieldSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ignore := cmpopts.IgnoreFields(rest.FieldJSON{}, "ID", "CreatedAt", "UpdatedAt")

		// One of each type.
		for _, c := range []struct {
			body string
			want field
		}{
			{`{"key": "nickname", "label": "Nickname", "type": "text"}`,
				field{Key: "nickname", Label: "Nickname", Type: "text", Choices: []string{}}},
			{`{"key": "shoe_size", "label": "Shoe size", "type": "number", "position": 2}`,
				field{Key: "shoe_size", Label: "Shoe size", Type: "number", Choices: []string{}, Position: 2}},
			{`{"key": "hired_on", "label": " Hired on ", "type": "date", "required": true, "position": 3}`,
				field{Key: "hired_on", Label: "Hired on", Type: "date", Required: true, Choices: []string{}, Position: 3}},
			{`{"key": "remote", "label": "Remote", "type": "bool", "position": 4}`,
				field{Key: "remote", Label: "Remote", Type: "bool", Choices: []string{}, Position: 4}},
			{`{"key": "team", "label": "Team", "type": "choice", "choices": ["red", " blue "], "position": 5}`,
				field{Key: "team", Label: "Team", Type: "choice", Choices: []string{"red", "blue"}, Position: 5}},
		} {
			got := must[field](t, f.do("POST", "settings/custom-fields", c.body), http.StatusCreated)
			if d := cmp.Diff(c.want, got, ignore); d != "" {
				t.Errorf("created field (-want +got):\n%s", d)
			}
			if c := changesOf(f.wantEvent("custom_field.create", got.ID)); c["key"].After != got.Key || c["type"].After != got.Type {
				t.Errorf("custom_field.create changes %+v", c)
			}
		}
		list := must[fieldList](t, f.do("GET", "settings/custom-fields", nil), http.StatusOK)
		var keys []string
		for _, it := range list.Items {
			keys = append(keys, it.Key)
		}
		if d := cmp.Diff([]string{"nickname", "shoe_size", "hired_on", "remote", "team"}, keys); d != "" {
			t.Errorf("fields in order (-want +got):\n%s", d)
		}

		// Refused definitions.
		events := len(f.auditEvents())
		for _, c := range []struct {
			name, body string
			status     int
			location   string
		}{
			{"duplicate key", `{"key": "team", "label": "Another team", "type": "text"}`, http.StatusConflict, "body.key"},
			{"key with capitals", `{"key": "Team2", "label": "T", "type": "text"}`, http.StatusUnprocessableEntity, "body.key"},
			{"key with a space", `{"key": "my field", "label": "T", "type": "text"}`, http.StatusUnprocessableEntity, "body.key"},
			{"key starting with a digit", `{"key": "2team", "label": "T", "type": "text"}`, http.StatusUnprocessableEntity, "body.key"},
			{"no key", `{"label": "T", "type": "text"}`, http.StatusUnprocessableEntity, "body.key"},
			{"unknown type", `{"key": "x", "label": "T", "type": "colour"}`, http.StatusUnprocessableEntity, "body.type"},
			{"no label", `{"key": "x", "label": "", "type": "text"}`, http.StatusUnprocessableEntity, "body.label"},
			{"choice without choices", `{"key": "x", "label": "T", "type": "choice"}`, http.StatusUnprocessableEntity, "body.choices"},
			{"repeated choices", `{"key": "x", "label": "T", "type": "choice", "choices": ["a", "a"]}`, http.StatusUnprocessableEntity, "body.choices"},
			{"choices for text", `{"key": "x", "label": "T", "type": "text", "choices": ["a"]}`, http.StatusUnprocessableEntity, "body.choices"},
		} {
			wantProblem(t, f.do("POST", "settings/custom-fields", c.body), c.status, c.location)
		}
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused definitions wrote %d audit events", n-events)
		}

		// Users hold values.
		u := f.createUser(map[string]any{"custom_fields": map[string]any{"hired_on": "2029-01-15", "team": "red", "nickname": "Nick"}})
		if _, ok := u.CustomFields["nickname"]; !ok {
			t.Fatalf("custom fields: %v", u.CustomFields)
		}

		// Update the label, required flag and choices, by key or id.
		team := list.Items[4]
		got := must[field](t, f.do("PUT", "settings/custom-fields/team", `{"label": "Squad", "required": true, "choices": ["red", "blue", "green"], "position": 5}`), http.StatusOK)
		want := *team
		want.Label, want.Required, want.Choices = "Squad", true, []string{"red", "blue", "green"}
		if d := cmp.Diff(want, got, cmpopts.IgnoreFields(rest.FieldJSON{}, "UpdatedAt")); d != "" {
			t.Errorf("updated field (-want +got):\n%s", d)
		}
		wantChanges := []directory.Change{
			{Field: "choices", Before: "red, blue", After: "red, blue, green"},
			{Field: "label", Before: "Team", After: "Squad"},
			{Field: "required", Before: false, After: true},
		}
		if d := cmp.Diff(wantChanges, f.wantEvent("custom_field.update", team.ID).Changes); d != "" {
			t.Errorf("custom_field.update changes (-want +got):\n%s", d)
		}
		must[field](t, f.do("PUT", "settings/custom-fields/"+team.ID, `{"label": "Squad", "required": false, "choices": ["red", "blue", "green"], "position": 5}`), http.StatusOK)
		// The new choice is usable; the key and type stay as they were.
		if got := must[user](t, f.do("PATCH", "users/"+u.ID, `{"custom_fields": {"team": "green"}}`), http.StatusOK); got.CustomFields["team"] != "green" {
			t.Errorf("team after the new choice: %v", got.CustomFields)
		}
		events = len(f.auditEvents())
		wantProblem(t, f.do("PUT", "settings/custom-fields/team", `{"label": "", "choices": ["red"]}`), http.StatusUnprocessableEntity, "body.label")
		wantProblem(t, f.do("PUT", "settings/custom-fields/team", `{"label": "Squad", "choices": []}`), http.StatusUnprocessableEntity, "body.choices")
		// Taking away a choice that a user holds would leave them with a
		// value the field no longer allows.
		wantProblem(t, f.do("PUT", "settings/custom-fields/team", `{"label": "Squad", "choices": ["red", "blue"]}`), http.StatusConflict)
		wantProblem(t, f.do("PUT", "settings/custom-fields/nope", `{"label": "X"}`), http.StatusNotFound)
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused updates wrote %d audit events", n-events)
		}
		// Unused choices can go.
		must[field](t, f.do("PUT", "settings/custom-fields/team", `{"label": "Squad", "choices": ["green", "red"], "position": 5}`), http.StatusOK)

		// Delete removes the field and every value of it.
		if r := f.do("DELETE", "settings/custom-fields/nickname", nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE field: %s", r)
		}
		f.wantEvent("custom_field.delete", list.Items[0].ID)
		got2 := f.getUser(u.ID)
		if d := cmp.Diff(map[string]string{"hired_on": "2029-01-15", "team": "green"}, got2.CustomFields); d != "" {
			t.Errorf("custom fields after the delete (-want +got):\n%s", d)
		}
		list = must[fieldList](t, f.do("GET", "settings/custom-fields", nil), http.StatusOK)
		if len(list.Items) != 4 || list.Items[0].Key != "shoe_size" {
			t.Errorf("fields after the delete: %+v", list.Items)
		}
		wantProblem(t, f.do("DELETE", "settings/custom-fields/nickname", nil), http.StatusNotFound)
		// A new field with the old key starts empty.
		must[field](t, f.do("POST", "settings/custom-fields", `{"key": "nickname", "label": "Nickname", "type": "text"}`), http.StatusCreated)
		if got := f.getUser(u.ID); got.CustomFields["nickname"] != "" {
			t.Errorf("old value came back: %v", got.CustomFields)
		}
	})
}

func TestLicenses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		one := 1
		if got := must[licenses](t, f.do("GET", "settings/licenses", nil), http.StatusOK); got.PremiumSeatLimit != nil || got.PremiumSeatsUsed != 0 {
			t.Errorf("initial licenses: %+v", got)
		}
		got := must[licenses](t, f.do("PUT", "settings/licenses", `{"premium_seat_limit": 1}`), http.StatusOK)
		if d := cmp.Diff(licenses{PremiumSeatLimit: &one}, got); d != "" {
			t.Errorf("after setting the limit (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]directory.Change{{Field: "premium_seat_limit", Before: float64(-1), After: float64(1)}}, f.wantEvent("organization.licenses", f.org.ID).Changes); d != "" {
			t.Errorf("organization.licenses changes (-want +got):\n%s", d)
		}

		premium := f.createUser(map[string]any{"license": "premium"})
		standard := f.createUser(nil)
		if got := must[licenses](t, f.do("GET", "settings/licenses", nil), http.StatusOK); got.PremiumSeatsUsed != 1 {
			t.Errorf("used = %d, want 1", got.PremiumSeatsUsed)
		}

		// Beyond the limit: creating, patching, lowering the limit.
		snap := f.snapshot(standard.ID)
		total := must[userList](t, f.do("GET", "users", nil), http.StatusOK).Total
		wantProblem(t, f.do("POST", "users", map[string]any{"first_name": "P", "last_name": "Two", "license": "premium"}), http.StatusConflict, "body.license")
		wantProblem(t, f.do("PATCH", "users/"+standard.ID, `{"license": "premium"}`), http.StatusConflict, "body.license")
		wantProblem(t, f.do("PUT", "settings/licenses", `{"premium_seat_limit": 0}`), http.StatusConflict)
		wantProblem(t, f.do("PUT", "settings/licenses", `{"premium_seat_limit": -1}`), http.StatusUnprocessableEntity, "body.premium_seat_limit")
		f.unchanged(snap, standard.ID)
		if n := must[userList](t, f.do("GET", "users", nil), http.StatusOK).Total; n != total {
			t.Errorf("users: %d before, %d after", total, n)
		}
		if got := must[licenses](t, f.do("GET", "settings/licenses", nil), http.StatusOK); *got.PremiumSeatLimit != 1 || got.PremiumSeatsUsed != 1 {
			t.Errorf("licenses after refusals: %+v", got)
		}
		// Editing the premium user keeps their seat.
		must[user](t, f.do("PATCH", "users/"+premium.ID, `{"license": "premium", "job_title": "Lead"}`), http.StatusOK)

		// A seat frees when its holder goes to the bin; restoring them
		// while the seat is taken would exceed the limit.
		must[user](t, f.do("DELETE", "users/"+premium.ID, nil), http.StatusOK)
		must[user](t, f.do("PATCH", "users/"+standard.ID, `{"license": "premium"}`), http.StatusOK)
		snap = f.snapshot(premium.ID)
		wantProblem(t, f.do("POST", "users/"+premium.ID+"/restore", nil), http.StatusConflict)
		f.unchanged(snap, premium.ID)

		// Without a limit anything goes.
		got = must[licenses](t, f.do("PUT", "settings/licenses", `{"premium_seat_limit": null}`), http.StatusOK)
		if got.PremiumSeatLimit != nil || got.PremiumSeatsUsed != 1 {
			t.Errorf("after removing the limit: %+v", got)
		}
		must[user](t, f.do("POST", "users/"+premium.ID+"/restore", nil), http.StatusOK)
		f.createUser(map[string]any{"license": "premium"})
		if got := must[licenses](t, f.do("GET", "settings/licenses", nil), http.StatusOK); got.PremiumSeatsUsed != 3 {
			t.Errorf("used = %d, want 3", got.PremiumSeatsUsed)
		}
		// And a limit equal to the seats used is fine.
		must[licenses](t, f.do("PUT", "settings/licenses", `{"premium_seat_limit": 3}`), http.StatusOK)
	})
}
