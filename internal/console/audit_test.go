package console_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// auditRowIDs returns the ids of the events a page of the log lists, in
// order.
func auditRowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr id="event-([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// auditOwnerActor is the fixture's owner as an actor of the service (through
// an API token), for set-up whose audit records must name the owner.
func auditOwnerActor(f *fixture) *admin.Actor {
	f.t.Helper()
	_, secret, err := f.svc.CreateToken(f.ctx, f.op(), admin.TokenInput{UserID: f.owner.ID, Name: "set-up"})
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	a, err := f.svc.AuthenticateToken(f.ctx, secret, "192.0.2.7", "")
	if err != nil {
		f.t.Fatalf("AuthenticateToken: %v", err)
	}
	return a
}

// auditEdit changes a user's job title through the service.
func auditEdit(f *fixture, a *admin.Actor, u *directory.User, title string) {
	f.t.Helper()
	if _, err := f.svc.UpdateUser(f.ctx, a, u.ID, 0, &admin.UserPatch{JobTitle: &title}); err != nil {
		f.t.Fatalf("UpdateUser: %v", err)
	}
}

func TestAuditLogShowsEventsWithTheirChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		alice := f.user("Alice", "staff", "")
		owner := auditOwnerActor(f)
		auditEdit(f, f.op(), alice, "Nurse")
		auditEdit(f, owner, alice, "Head nurse")

		b := f.ownerBrowser()
		r := b.get("/admin/audit")
		want(t, r, 200, "")
		says(t, r, "Audit log", "user.update", "Alice Tester", "Olive Owner", "operator (command line)", "192.0.2.7")
		if !hasLink(r.Body, "/admin/users/"+alice.ID) {
			t.Errorf("the target is not a link to the user's page")
		}
		// Every event, newest first; the newest edit is the owner's, Nurse → Head nurse.
		events := f.audit()
		ids := auditRowIDs(r.Body)
		if len(ids) != len(events) || ids[0] != events[0].ID {
			t.Fatalf("rows %v, want the %d events newest first", ids, len(events))
		}
		var edit *directory.AuditEvent
		for _, ev := range events {
			if ev.Action == "user.update" && edit == nil {
				edit = ev
			}
		}
		if edit == nil || edit.ActorID != f.owner.ID {
			t.Fatalf("no edit by the owner in %v", events)
		}
		row := firstMatch(t, r.Body, `(?s)<tr id="event-`+edit.ID+`">(.*?)</details>`)
		for _, s := range []string{`class="data diff"`, `<del><span class="visually-hidden">Before: </span>Nurse</del>`,
			`<ins><span class="visually-hidden">After: </span>Head nurse</ins>`, "job title"} {
			if !strings.Contains(row, s) {
				t.Errorf("the row of the edit lacks %q:\n%s", s, row)
			}
		}
		says(t, r, "Before", "After")
	})
}

func TestAuditLogFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		alice := f.user("Alice", "staff", "")
		bob := f.user("Bob", "", "")
		owner := auditOwnerActor(f)
		auditEdit(f, owner, alice, "Nurse")
		auditEdit(f, f.op(), bob, "Porter")
		b := f.ownerBrowser()
		all := f.audit()

		count := func(keep func(*directory.AuditEvent) bool) int {
			n := 0
			for _, ev := range all {
				if keep(ev) {
					n++
				}
			}
			return n
		}
		check := func(query string, keep func(*directory.AuditEvent) bool) {
			t.Helper()
			r := b.get("/admin/audit?" + query)
			want(t, r, 200, "")
			got, wantN := len(auditRowIDs(r.Body)), count(keep)
			if got != wantN || wantN == 0 || wantN == len(all) {
				t.Errorf("%s: %d rows, want %d of %d", query, got, wantN, len(all))
			}
		}
		check("action=user.update", func(ev *directory.AuditEvent) bool { return ev.Action == "user.update" })
		check("action=grant.", func(ev *directory.AuditEvent) bool { return strings.HasPrefix(ev.Action, "grant.") })
		check("type=token", func(ev *directory.AuditEvent) bool { return ev.TargetType == "token" })
		check("target="+alice.ID, func(ev *directory.AuditEvent) bool { return ev.TargetID == alice.ID })
		check("actor="+owner.UserID, func(ev *directory.AuditEvent) bool { return ev.ActorID == owner.UserID })
		check("type=user&action=user.update&target="+bob.ID, func(ev *directory.AuditEvent) bool {
			return ev.TargetID == bob.ID && ev.Action == "user.update"
		})

		// People are named by user name or email too.
		check("actor="+url.QueryEscape(f.owner.Email), func(ev *directory.AuditEvent) bool { return ev.ActorID == owner.UserID })
		check("target="+alice.Username, func(ev *directory.AuditEvent) bool { return ev.TargetID == alice.ID })
		r := b.get("/admin/audit?actor=nobody%40example.org")
		want(t, r, 422, "")
		says(t, r, "Actor is no user you can see")
		if !strings.Contains(r.Body, `id="actor-error"`) || len(auditRowIDs(r.Body)) != 0 {
			t.Errorf("an unknown actor is not refused beside the field")
		}

		// The filters stay in the form and the URL.
		r = b.get("/admin/audit?action=user.update&target=" + alice.ID)
		if !strings.Contains(r.Body, `value="user.update"`) || !strings.Contains(r.Body, `value="`+alice.ID+`"`) {
			t.Errorf("the filter form does not show the filters")
		}

		// Dates: the fixture's clock is on 14 March 2030; "to" includes its day.
		r = b.get("/admin/audit?to=2030-03-14")
		if n := len(auditRowIDs(r.Body)); n != len(all) {
			t.Errorf("to=2030-03-14: %d rows, want %d", n, len(all))
		}
		r = b.get("/admin/audit?from=2030-03-15")
		want(t, r, 200, "")
		says(t, r, "No events match these filters.")
		r = b.get("/admin/audit?to=2030-03-13")
		if n := len(auditRowIDs(r.Body)); n != 0 {
			t.Errorf("to=2030-03-13: %d rows, want none", n)
		}
		r = b.get("/admin/audit?from=yesterday")
		want(t, r, 422, "")
		says(t, r, "From must be a date")
		if !strings.Contains(r.Body, `id="from-error"`) {
			t.Errorf("the date error is not beside the field")
		}
	})
}

func TestAuditLogPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		alice := f.user("Alice", "staff", "")
		for _, title := range []string{"One", "Two", "Three", "Four"} {
			auditEdit(f, f.op(), alice, title)
		}
		b := f.ownerBrowser()
		all := f.audit()
		var seen []string
		next := "/admin/audit?limit=3"
		for pages := 0; next != ""; pages++ {
			if pages > len(all) {
				t.Fatalf("the pages do not end")
			}
			r := b.get(next)
			want(t, r, 200, "")
			ids := auditRowIDs(r.Body)
			if len(ids) == 0 || len(ids) > 3 {
				t.Fatalf("%s: %d rows", next, len(ids))
			}
			seen = append(seen, ids...)
			if pages > 0 && !hasLink(r.Body, "/admin/audit?limit=3") {
				t.Errorf("page %d does not lead back to the first", pages+1)
			}
			next = ""
			if m := regexp.MustCompile(`<a href="([^"]+)" rel="next"`).FindStringSubmatch(r.Body); m != nil {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
				if u, _ := url.Parse(next); u.Query().Get("limit") != "3" || u.Query().Get("after") == "" {
					t.Fatalf("next link %s", next)
				}
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("paged through %d events, want %d", len(seen), len(all))
		}
		for i, ev := range all {
			if seen[i] != ev.ID {
				t.Fatalf("event %d is %s, want %s (newest first, no repeats)", i, seen[i], ev.ID)
			}
		}
		r := b.get("/admin/audit?after=nonsense")
		want(t, r, 400, "")
	})
}

func TestAuditLogRefusesThoseWithoutAuditView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		sup := f.user("Sam", "supervisor", "")
		b := f.signedIn(sup)
		r := b.get("/admin")
		if hasLink(r.Body, "/admin/audit") {
			t.Errorf("a supervisor is offered the audit log")
		}
		r = b.get("/admin/audit")
		want(t, r, 403, "")
		silent(t, r, "user.create")
	})
}

func TestAuditLogOfAScopedManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		mgr := f.user("Mona", "manager", north.ID)
		in := f.user("Nina", "staff", north.ID)
		out := f.user("Oscar", "staff", south.ID)
		auditEdit(f, f.op(), in, "Inside")
		auditEdit(f, f.op(), out, "Outside")
		r := f.signedIn(mgr).get("/admin/audit?action=user.update")
		want(t, r, 200, "")
		says(t, r, "Nina Tester")
		silent(t, r, "Oscar Tester", "Outside")
	})
}

func TestAuditLogNamesWhomAnActorEmulated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		sam := f.user("Sam", "administrator", "")
		nina := f.user("Nina", "staff", "")
		b := f.ownerBrowser()
		r := b.post("/emulate/"+sam.ID, url.Values{"current_password": {ownerPassword}, "reason": {"Checking a report"}})
		want(t, r, 303, "")
		// Act through the emulating session, as its requests would.
		var secret string
		for _, c := range b.jar.Cookies(auditURL(t, f.srv.URL)) {
			if c.Name == "roster_session" {
				secret = c.Value
			}
		}
		st, err := f.svc.ResolveSession(f.ctx, secret, admin.Client{IP: "192.0.2.9"})
		if err != nil || st.Actor == nil || st.Actor.ImpersonatorID != f.owner.ID {
			t.Fatalf("the session does not emulate Sam: %+v, %v", st, err)
		}
		auditEdit(f, st.Actor, nina, "Emulated edit")
		want(t, b.post("/emulate/stop", nil), 303, "")

		r = b.get("/admin/audit?action=user.update&target=" + nina.ID)
		want(t, r, 200, "")
		if n := len(auditRowIDs(r.Body)); n != 1 {
			t.Fatalf("%d rows, want the one edit", n)
		}
		says(t, r, "Olive Owner as Sam Tester", "Emulated edit")
	})
}

func auditURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
