package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// auditList is the answer of GET /audit-events.
type auditList struct {
	Items      []*rest.AuditEventJSON `json:"items"`
	NextCursor string                 `json:"next_cursor"`
}

// allEvents walks every page of GET /audit-events with the given query.
func (f *fixture) allEvents(query string) []*rest.AuditEventJSON {
	f.t.Helper()
	var out []*rest.AuditEventJSON
	cursor := ""
	for range 1000 {
		q := "audit-events?" + query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		page := must[auditList](f.t, f.do("GET", q, nil), http.StatusOK)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
	f.t.Fatal("audit paging does not end")
	return nil
}

func eventIDs(events []*rest.AuditEventJSON) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

// TestAuditLog checks what the log records of API writes and how it is
// read back: filters, paging, and never a secret.
func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()

		// Hour 0: a user is added.
		r := f.do("POST", "users", `{"first_name": "Aud", "last_name": "Ited", "email": "audited-`+randHex(3)+`@example.org", "job_title": "Clerk"}`)
		u := must[user](t, r, http.StatusCreated)
		createRequest := r.Header.Get("X-Request-ID")

		// Hour 1: they are edited and given time off.
		f.clock.Advance(time.Hour)
		from := f.clock.Now()
		must[user](t, f.do("PATCH", "users/"+u.ID, `{"job_title": "Head clerk", "display_name": "A. Ited", "phone": "555-0100"}`), http.StatusOK)
		must[timeOff](t, f.do("POST", "users/"+u.ID+"/time-off", `{"kind": "sick", "starts_on": "2030-03-14", "ends_on": "2030-03-15"}`), http.StatusCreated)

		// Hour 2: a unit, a token, a password set by the operator.
		f.clock.Advance(time.Hour)
		to := f.clock.Now()
		un := f.createUnit("Audit unit", "site", "")
		tok := must[token](t, f.do("POST", "tokens", `{"name": "audited"}`), http.StatusCreated)
		userPassword := "the user's own secret passphrase"
		if _, err := f.svc.SetPasswordByOperator(ctx, f.org.ID, u.Username, userPassword); err != nil {
			t.Fatal(err)
		}
		must[user](t, f.do("POST", "users/"+u.ID+"/disable", nil, as(tok.Secret)...), http.StatusOK)

		all := f.allEvents("limit=500")
		if len(all) < 10 {
			t.Fatalf("only %d events", len(all))
		}

		// Newest first.
		for i := 1; i < len(all); i++ {
			if all[i].At.After(all[i-1].At) {
				t.Errorf("event %d (%s) is newer than event %d (%s)", i, all[i].At, i-1, all[i-1].At)
			}
		}
		// The edit records exactly what changed, before and after.
		updates := f.allEvents("action=user.update&target_id=" + u.ID)
		if len(updates) != 1 {
			t.Fatalf("%d user.update events", len(updates))
		}
		up := updates[0]
		wantChanges := []directory.Change{
			{Field: "display_name", Before: "", After: "A. Ited"},
			{Field: "job_title", Before: "Clerk", After: "Head clerk"},
			{Field: "phone", Before: "", After: "555-0100"},
		}
		if d := cmp.Diff(wantChanges, up.Changes); d != "" {
			t.Errorf("user.update changes (-want +got):\n%s", d)
		}
		if up.ActorID != f.owner.ID || up.ActorName != "Owner Account" || up.TokenID == "" || up.TargetType != "user" ||
			up.TargetName != "A. Ited" || up.IP != "192.0.2.7" || up.RequestID == "" || !up.At.After(from.Add(-time.Second)) {
			t.Errorf("user.update event: %+v", up)
		}
		// The create carries the request id the answer gave.
		creates := f.allEvents("action=user.create&target_id=" + u.ID)
		if len(creates) != 1 || creates[0].RequestID != createRequest || createRequest == "" {
			t.Errorf("user.create request id %q, answer's X-Request-ID %q", creates[0].RequestID, createRequest)
		}
		// The disable through the second token names that token.
		disables := f.allEvents("action=user.disable")
		if len(disables) != 1 || disables[0].TokenID != tok.ID || disables[0].TargetID != u.ID {
			t.Errorf("user.disable events: %+v", disables)
		}
		if d := cmp.Diff([]directory.Change{{Field: "status", Before: "active", After: "inactive"}}, disables[0].Changes); d != "" {
			t.Errorf("user.disable changes (-want +got):\n%s", d)
		}
		// Every event names an actor (the operator has a name but no id),
		// an action and a target.
		for _, ev := range all {
			if ev.ActorName == "" || ev.Action == "" || ev.TargetType == "" || ev.TargetID == "" {
				t.Errorf("incomplete event: %+v", ev)
			}
		}

		// No secret anywhere: not through the API, not in the table.
		apiJSON, _ := json.Marshal(all)
		dbJSON, _ := json.Marshal(f.auditEvents())
		for name, secret := range map[string]string{"owner password": ownerPassword, "user password": userPassword,
			"owner token": f.token, "new token": tok.Secret, "token body": strings.TrimPrefix(tok.Secret, "rst_")} {
			if strings.Contains(string(apiJSON), secret) || strings.Contains(string(dbJSON), secret) {
				t.Errorf("the audit log holds the %s", name)
			}
		}
		setPw := f.allEvents("action=user.set_password")
		if len(setPw) != 1 || setPw[0].ActorID != "" || setPw[0].ActorName != "operator (command line)" {
			t.Fatalf("user.set_password events: %+v", setPw)
		}
		if d := cmp.Diff([]directory.Change{
			{Field: "password", Before: "(hidden)", After: "(changed)"},
			{Field: "status", Before: "pending", After: "active"},
			{Field: "invitation", Before: "sent", After: "void"},
		}, setPw[0].Changes); d != "" {
			t.Errorf("user.set_password changes (-want +got):\n%s", d)
		}

		// Filters.
		filter := func(keep func(*rest.AuditEventJSON) bool) []string {
			var out []string
			for _, ev := range all {
				if keep(ev) {
					out = append(out, ev.ID)
				}
			}
			return out
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"actor_id=" + f.owner.ID, filter(func(ev *rest.AuditEventJSON) bool { return ev.ActorID == f.owner.ID })},
			{"target_id=" + u.ID, filter(func(ev *rest.AuditEventJSON) bool { return ev.TargetID == u.ID })},
			{"target_type=unit", filter(func(ev *rest.AuditEventJSON) bool { return ev.TargetType == "unit" })},
			{"action=user.update", eventIDs(updates)},
			{"action=user.", filter(func(ev *rest.AuditEventJSON) bool { return strings.HasPrefix(ev.Action, "user.") })},
			{"action=user", nil},
			{"action=unit.create", filter(func(ev *rest.AuditEventJSON) bool { return ev.TargetID == un.ID })},
			{"from=" + url.QueryEscape(from.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339Nano)),
				filter(func(ev *rest.AuditEventJSON) bool { return !ev.At.Before(from) && ev.At.Before(to) })},
			{"from=" + url.QueryEscape(to.Format(time.RFC3339Nano)),
				filter(func(ev *rest.AuditEventJSON) bool { return !ev.At.Before(to) })},
			{"actor_id=" + f.owner.ID + "&action=user.&to=" + url.QueryEscape(to.Format(time.RFC3339Nano)),
				filter(func(ev *rest.AuditEventJSON) bool {
					return ev.ActorID == f.owner.ID && strings.HasPrefix(ev.Action, "user.") && ev.At.Before(to)
				})},
		} {
			t.Run("filter "+c.query, func(t *testing.T) {
				f := f.with(t)
				got := f.allEvents("limit=500&" + c.query)
				if d := cmp.Diff(c.want, eventIDs(got)); d != "" {
					t.Errorf("events (-want +got):\n%s", d)
				}
			})
		}
		if got := f.allEvents("action=user.update"); len(got) != 1 {
			t.Errorf("action=user.update: %d events", len(got))
		}
		if n := len(f.allEvents("from=" + url.QueryEscape(from.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339Nano)))); n != 2 {
			t.Errorf("hour 1 holds %d events, want 2 (the edit and the time off)", n)
		}

		// Paging two at a time gives the same events in the same order.
		paged := f.allEvents("limit=2")
		if d := cmp.Diff(eventIDs(all), eventIDs(paged)); d != "" {
			t.Errorf("paged events (-all +paged):\n%s", d)
		}
		first := must[auditList](t, f.do("GET", "audit-events?limit=2", nil), http.StatusOK)
		if len(first.Items) != 2 || first.NextCursor == "" {
			t.Errorf("first page: %d items, cursor %q", len(first.Items), first.NextCursor)
		}
		if slices.ContainsFunc(paged, func(ev *rest.AuditEventJSON) bool { return ev.Changes == nil }) {
			t.Error("an event without a changes list (want [] at least)")
		}

		// Reading the log is itself not logged, and needs a token.
		before := len(f.auditEvents())
		f.allEvents("")
		if after := len(f.auditEvents()); after != before {
			t.Errorf("reading the log wrote %d events", after-before)
		}
		wantUnauthorized(t, f.do("GET", "audit-events", nil, "Authorization", ""))
	})
}
