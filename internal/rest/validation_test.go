package rest_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// TestBadInput sends malformed and invalid requests; each must answer a
// problem that names the offending input and change nothing.
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		f.defineFields()
		must[field](t, f.do("POST", "settings/custom-fields", `{"key": "badge", "label": "Badge", "type": "text", "required": true}`), http.StatusCreated)
		archived := f.createUnit("Old dept", "department", "")
		must[unit](t, f.do("POST", "units/"+archived.ID+"/archive", nil), http.StatusOK)

		// valid is a body POST /users accepts; each case changes one thing.
		valid := func(edit map[string]any) map[string]any {
			b := map[string]any{"first_name": "Val", "last_name": "Id", "email": "v" + randHex(4) + "@example.org",
				"custom_fields": map[string]any{"badge": "B-1"}}
			for k, v := range edit {
				if v == nil {
					delete(b, k)
				} else {
					b[k] = v
				}
			}
			return b
		}
		withField := func(key string, v any) map[string]any {
			return valid(map[string]any{"custom_fields": map[string]any{"badge": "B-1", key: v}})
		}
		target := f.createUser(valid(map[string]any{"first_name": "Target"}))
		boss := f.createUser(valid(map[string]any{"first_name": "Boss", "supervisor_id": nil}))
		// boss supervises middle, who supervises target: target may not
		// become boss's supervisor.
		middle := f.createUser(valid(map[string]any{"first_name": "Middle", "supervisor_id": boss.ID}))
		must[user](t, f.do("PATCH", "users/"+target.ID, map[string]any{"supervisor_id": middle.ID}), http.StatusOK)

		otherSort := must[userList](t, f.do("GET", "users?sort=username&limit=1", nil), http.StatusOK).NextCursor
		if otherSort == "" {
			t.Fatal("no cursor from a one-item page")
		}

		cases := []struct {
			name         string
			method, path string
			body         any
			header       []string
			status       int
			locations    []string
		}{
			{"malformed JSON", "POST", "users", `{"first_name": "A", `, nil, http.StatusBadRequest, []string{"body"}},
			{"malformed JSON on PATCH", "PATCH", "users/" + target.ID, `{"first_name" "A"}`, nil, http.StatusBadRequest, []string{"body"}},
			{"not an object", "POST", "users", `["first_name"]`, nil, http.StatusUnprocessableEntity, []string{"body"}},
			{"number for a string", "POST", "users", valid(map[string]any{"first_name": 12}), nil, http.StatusUnprocessableEntity, []string{"body.first_name"}},
			{"object for a string", "PATCH", "users/" + target.ID, `{"job_title": {"x": 1}}`, nil, http.StatusUnprocessableEntity, []string{"body.job_title"}},
			{"string for an address", "POST", "users", valid(map[string]any{"address": "1 Main St"}), nil, http.StatusUnprocessableEntity, []string{"body.address"}},
			{"unknown field", "POST", "users", valid(map[string]any{"nickname": "x"}), nil, http.StatusUnprocessableEntity, []string{"body.nickname"}},
			{"unknown field on PATCH", "PATCH", "users/" + target.ID, `{"status": "active"}`, nil, http.StatusUnprocessableEntity, []string{"body.status"}},
			{"oversized body", "POST", "users", `{"first_name": "` + strings.Repeat("a", 1<<20) + `", "last_name": "B"}`, nil, http.StatusRequestEntityTooLarge, nil},
			{"oversized PATCH", "PATCH", "users/" + target.ID, `{"job_title": "` + strings.Repeat("a", 1<<20) + `"}`, nil, http.StatusRequestEntityTooLarge, nil},
			{"invalid email", "POST", "users", valid(map[string]any{"email": "jane@@example"}), nil, http.StatusUnprocessableEntity, []string{"body.email"}},
			{"email with a name", "POST", "users", valid(map[string]any{"email": "Jane <jane@example.org>"}), nil, http.StatusUnprocessableEntity, []string{"body.email"}},
			{"missing names", "POST", "users", valid(map[string]any{"first_name": nil, "last_name": "  "}), nil, http.StatusUnprocessableEntity, []string{"body.first_name", "body.last_name"}},
			{"name cleared by PATCH", "PATCH", "users/" + target.ID, `{"first_name": ""}`, nil, http.StatusUnprocessableEntity, []string{"body.first_name"}},
			{"no email and no name", "POST", "users", `{}`, nil, http.StatusUnprocessableEntity, []string{"body.first_name", "body.last_name"}},
			{"username with a space", "POST", "users", valid(map[string]any{"username": "jane roe"}), nil, http.StatusUnprocessableEntity, []string{"body.username"}},
			{"name too long", "POST", "users", valid(map[string]any{"last_name": strings.Repeat("x", 101)}), nil, http.StatusUnprocessableEntity, []string{"body.last_name"}},
			{"bad phone", "POST", "users", valid(map[string]any{"phone": "call me maybe"}), nil, http.StatusUnprocessableEntity, []string{"body.phone"}},
			{"bad phone on PATCH", "PATCH", "users/" + target.ID, `{"phone": "12"}`, nil, http.StatusUnprocessableEntity, []string{"body.phone"}},
			{"bad license", "POST", "users", valid(map[string]any{"license": "gold"}), nil, http.StatusUnprocessableEntity, []string{"body.license"}},
			{"bad license on PATCH", "PATCH", "users/" + target.ID, `{"license": "gold"}`, nil, http.StatusUnprocessableEntity, []string{"body.license"}},
			{"license cleared by PATCH", "PATCH", "users/" + target.ID, `{"license": ""}`, nil, http.StatusUnprocessableEntity, []string{"body.license"}},
			{"bad expires_at", "POST", "users", valid(map[string]any{"expires_at": "next year"}), nil, http.StatusUnprocessableEntity, []string{"body.expires_at"}},
			{"bad expires_at on PATCH", "PATCH", "users/" + target.ID, `{"expires_at": "2030-02-30"}`, nil, http.StatusUnprocessableEntity, []string{"body.expires_at"}},
			{"unknown custom field", "POST", "users", withField("shirt", "L"), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.shirt"}},
			{"unknown custom field on PATCH", "PATCH", "users/" + target.ID, `{"custom_fields": {"shirt": "L"}}`, nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.shirt"}},
			{"number field given abc", "POST", "users", withField("shoe_size", "abc"), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.shoe_size"}},
			{"date field given month 13", "POST", "users", withField("hired_on", "2026-13-01"), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.hired_on"}},
			{"date field on PATCH", "PATCH", "users/" + target.ID, `{"custom_fields": {"hired_on": "01/02/2026"}}`, nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.hired_on"}},
			{"bool field given maybe", "POST", "users", withField("remote", "maybe"), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.remote"}},
			{"choice not in the list", "POST", "users", withField("team", "purple"), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.team"}},
			{"choice on PATCH", "PATCH", "users/" + target.ID, `{"custom_fields": {"team": "Red"}}`, nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.team"}},
			{"custom field given an object", "POST", "users", withField("nickname", map[string]any{"a": 1}), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.nickname"}},
			{"required field missing", "POST", "users", valid(map[string]any{"custom_fields": map[string]any{"nickname": "x"}}), nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.badge"}},
			{"required field cleared by PATCH", "PATCH", "users/" + target.ID, `{"custom_fields": {"badge": null}}`, nil, http.StatusUnprocessableEntity, []string{"body.custom_fields.badge"}},
			{"supervisor is self", "PATCH", "users/" + target.ID, map[string]any{"supervisor_id": target.ID}, nil, http.StatusUnprocessableEntity, []string{"body.supervisor_id"}},
			{"unknown supervisor", "POST", "users", valid(map[string]any{"supervisor_id": "01900000-0000-7000-8000-000000000000"}), nil, http.StatusUnprocessableEntity, []string{"body.supervisor_id"}},
			{"unknown supervisor on PATCH", "PATCH", "users/" + target.ID, `{"supervisor_id": "nobody"}`, nil, http.StatusUnprocessableEntity, []string{"body.supervisor_id"}},
			{"supervision cycle", "PATCH", "users/" + boss.ID, map[string]any{"supervisor_id": target.ID}, nil, http.StatusUnprocessableEntity, []string{"body.supervisor_id"}},
			{"direct supervision cycle", "PATCH", "users/" + middle.ID, map[string]any{"supervisor_id": target.ID}, nil, http.StatusUnprocessableEntity, []string{"body.supervisor_id"}},
			{"unknown department", "POST", "users", valid(map[string]any{"department_id": "no-such-unit"}), nil, http.StatusUnprocessableEntity, []string{"body.department_id"}},
			{"unknown location on PATCH", "PATCH", "users/" + target.ID, `{"location_id": "no-such-unit"}`, nil, http.StatusUnprocessableEntity, []string{"body.location_id"}},
			{"archived department", "PATCH", "users/" + target.ID, map[string]any{"department_id": archived.ID}, nil, http.StatusUnprocessableEntity, []string{"body.department_id"}},
			{"several problems at once", "POST", "users", valid(map[string]any{"email": "bad", "phone": "x", "department_id": "nope"}), nil,
				http.StatusUnprocessableEntity, []string{"body.email", "body.phone", "body.department_id"}},

			{"status=bogus", "GET", "users?status=active,bogus", nil, nil, http.StatusUnprocessableEntity, []string{"query.status"}},
			{"sort=bogus", "GET", "users?sort=bogus", nil, nil, http.StatusUnprocessableEntity, []string{"query.sort"}},
			{"order=up", "GET", "users?order=up", nil, nil, http.StatusUnprocessableEntity, []string{"query.order"}},
			{"limit=0", "GET", "users?limit=0", nil, nil, http.StatusUnprocessableEntity, []string{"query.limit"}},
			{"limit=501", "GET", "users?limit=501", nil, nil, http.StatusUnprocessableEntity, []string{"query.limit"}},
			{"limit=ten", "GET", "users?limit=ten", nil, nil, http.StatusUnprocessableEntity, []string{"query.limit"}},
			{"locked=maybe", "GET", "users?locked=maybe", nil, nil, http.StatusUnprocessableEntity, []string{"query.locked"}},
			{"expired=1x", "GET", "users?expired=1x", nil, nil, http.StatusUnprocessableEntity, []string{"query.expired"}},
			{"deleted=perhaps", "GET", "users?deleted=perhaps", nil, nil, http.StatusUnprocessableEntity, []string{"query.deleted"}},
			{"license=gold", "GET", "users?license=gold", nil, nil, http.StatusUnprocessableEntity, []string{"query.license"}},
			{"created_from not a time", "GET", "users?created_from=yesterday", nil, nil, http.StatusUnprocessableEntity, []string{"query.created_from"}},
			{"field_value without field", "GET", "users?field_value=red", nil, nil, http.StatusUnprocessableEntity, []string{"query.field"}},
			{"unknown custom field in a filter", "GET", "users?field=shirt&field_value=L", nil, nil, http.StatusUnprocessableEntity, []string{"query.field"}},
			{"field value of the wrong type", "GET", "users?field=shoe_size&field_value=big", nil, nil, http.StatusUnprocessableEntity, []string{"query.field_value"}},
			{"cursor=garbage", "GET", "users?cursor=garbage", nil, nil, http.StatusUnprocessableEntity, []string{"query.cursor"}},
			{"cursor of valid base64 but not ours", "GET", "users?cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"x":1}`)), nil, nil, http.StatusUnprocessableEntity, []string{"query.cursor"}},
			{"cursor from another sort", "GET", "users?cursor=" + otherSort, nil, nil, http.StatusUnprocessableEntity, []string{"query.cursor"}},
			{"cursor from another order", "GET", "users?sort=username&order=desc&cursor=" + otherSort, nil, nil, http.StatusUnprocessableEntity, []string{"query.cursor"}},
			{"unknown query parameter", "GET", "users?page=2", nil, nil, http.StatusUnprocessableEntity, []string{"query.page"}},
			{"audit cursor=garbage", "GET", "audit-events?cursor=!!!", nil, nil, http.StatusUnprocessableEntity, []string{"query.cursor"}},
			{"audit limit=0", "GET", "audit-events?limit=0", nil, nil, http.StatusUnprocessableEntity, []string{"query.limit"}},
			{"audit from not a time", "GET", "audit-events?from=today", nil, nil, http.StatusUnprocessableEntity, []string{"query.from"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := f.with(t)
				before := f.snapshot(target.ID)
				bossBefore := f.snapshot(boss.ID)
				total := must[userList](t, f.do("GET", "users?limit=1", nil), http.StatusOK).Total
				p := wantProblem(t, f.do(c.method, c.path, c.body, c.header...), c.status, c.locations...)
				if p.Detail == "" {
					t.Errorf("no detail: %+v", p)
				}
				f.unchanged(before, target.ID)
				f.unchanged(bossBefore, boss.ID)
				if got := must[userList](t, f.do("GET", "users?limit=1", nil), http.StatusOK).Total; got != total {
					t.Errorf("users: %d before, %d after", total, got)
				}
			})
		}
	})
}
