package rest_test

import (
	"net/http"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestGrants covers giving, changing and removing grants: required fields,
// dates, duplicates, unknown roles and units, and the audit log.
func TestGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		district := f.createUnit("North", "district", "")
		site := f.createUnit("North High", "site", district.ID)
		old := f.createUnit("Old site", "site", district.ID)
		must[unit](t, f.do("POST", "units/"+old.ID+"/archive", nil), http.StatusOK)
		u := f.createUser(nil)
		path := "users/" + u.ID + "/grants"
		svc, staff, manager := f.roleID("service_contact"), f.roleID("staff"), f.roleID("manager")

		// A Service Contact grant needs the description of the service.
		for _, c := range []struct {
			name     string
			body     map[string]any
			location string
		}{
			{"without fields", map[string]any{"role_id": svc, "unit_id": site.ID}, "body.fields.service_description"},
			{"with a blank description", map[string]any{"role_id": svc, "unit_id": site.ID,
				"fields": map[string]string{"service_description": "   "}}, "body.fields.service_description"},
			{"with a field the role does not ask for", map[string]any{"role_id": svc, "unit_id": site.ID,
				"fields": map[string]string{"service_description": "Speech", "shoe_size": "9"}}, "body.fields.shoe_size"},
			{"a field for a role without any", map[string]any{"role_id": staff, "fields": map[string]string{"note": "x"}}, "body.fields.note"},
			{"an unknown role", map[string]any{"role_id": "no-such-role"}, "body.role_id"},
			{"an unknown unit", map[string]any{"role_id": staff, "unit_id": "no-such-unit"}, "body.unit_id"},
			{"an archived unit", map[string]any{"role_id": staff, "unit_id": old.ID}, "body.unit_id"},
			{"an expiry before the start", map[string]any{"role_id": staff, "starts_at": "2030-06-01T00:00:00Z",
				"expires_at": "2030-05-01T00:00:00Z"}, "body.expires_at"},
			{"an expiry equal to the start", map[string]any{"role_id": staff, "starts_at": "2030-06-01T00:00:00Z",
				"expires_at": "2030-06-01T00:00:00Z"}, "body.expires_at"},
		} {
			snap := f.snapshot(u.ID)
			wantProblem(t, f.do("POST", path, c.body), http.StatusUnprocessableEntity, c.location)
			f.unchanged(snap, u.ID)
		}
		sc := must[grantJSON](t, f.do("POST", path, map[string]any{"role_id": svc, "unit_id": site.ID,
			"fields": map[string]string{"service_description": "  Speech therapy  "}}), http.StatusCreated)
		if sc.Fields["service_description"] != "Speech therapy" || sc.RoleName != "Service Contact" || sc.Level != 15 ||
			sc.UnitID == nil || *sc.UnitID != site.ID || sc.UnitName != "North High" || !sc.Current || sc.StartsAt != nil || sc.ExpiresAt != nil {
			t.Errorf("service contact grant: %+v", sc)
		}
		ev := f.wantEvent("grant.create", u.ID)
		if c := changesOf(ev); c["grant.role"].After != "Service Contact" || c["grant.scope"].After != "North High" ||
			c["grant.fields.service_description"].After != "Speech therapy" {
			t.Errorf("grant.create changes: %+v", ev.Changes)
		}

		// The same role over the same scope again is a conflict; over another
		// scope it is another grant.
		snap := f.snapshot(u.ID)
		wantProblem(t, f.do("POST", path, map[string]any{"role_id": svc, "unit_id": site.ID,
			"fields": map[string]string{"service_description": "Other"}}), http.StatusConflict)
		f.unchanged(snap, u.ID)
		must[grantJSON](t, f.do("POST", path, map[string]any{"role_id": svc, "unit_id": district.ID,
			"fields": map[string]string{"service_description": "Speech therapy"}}), http.StatusCreated)
		must[grantJSON](t, f.do("POST", path, map[string]any{"role_id": staff}), http.StatusCreated)
		wantProblem(t, f.do("POST", path, map[string]any{"role_id": staff}), http.StatusConflict)

		// A grant that starts later does not count yet.
		later := must[grantJSON](t, f.do("POST", path, map[string]any{"role_id": manager, "unit_id": site.ID,
			"starts_at": clockStart.Add(48 * time.Hour).Format(time.RFC3339), "expires_at": clockStart.Add(96 * time.Hour).Format(time.RFC3339)}),
			http.StatusCreated)
		if later.Current || later.StartsAt == nil || later.ExpiresAt == nil {
			t.Errorf("future grant: %+v", later)
		}
		list := must[grantList](t, f.do("GET", path, nil), http.StatusOK)
		if len(list.Items) != 4 {
			t.Errorf("%d grants listed, want 4", len(list.Items))
		}

		// Changing a grant: role, scope, dates, fields; the conflict rule
		// holds there too.
		changed := must[grantJSON](t, f.do("PUT", path+"/"+sc.ID, map[string]any{"role_id": svc, "unit_id": site.ID,
			"expires_at": clockStart.Add(24 * time.Hour).Format(time.RFC3339), "fields": map[string]string{"service_description": "Audiology"}}),
			http.StatusOK)
		if changed.Fields["service_description"] != "Audiology" || changed.ExpiresAt == nil || !changed.Current {
			t.Errorf("changed grant: %+v", changed)
		}
		ev = f.wantEvent("grant.update", u.ID)
		if c := changesOf(ev); c["grant.fields.service_description"].Before != "Speech therapy" || c["grant.expires_at"].After == nil {
			t.Errorf("grant.update changes: %+v", ev.Changes)
		}
		wantProblem(t, f.do("PUT", path+"/"+sc.ID, map[string]any{"role_id": svc, "unit_id": site.ID}),
			http.StatusUnprocessableEntity, "body.fields.service_description")
		wantProblem(t, f.do("PUT", path+"/"+sc.ID, map[string]any{"role_id": svc, "unit_id": district.ID,
			"fields": map[string]string{"service_description": "x"}}), http.StatusConflict)
		// A grant of another user through this user's path is not found.
		other := f.createUser(nil)
		og := must[grantJSON](t, f.do("POST", "users/"+other.ID+"/grants", map[string]any{"role_id": staff}), http.StatusCreated)
		wantProblem(t, f.do("PUT", path+"/"+og.ID, map[string]any{"role_id": staff}), http.StatusNotFound)
		wantProblem(t, f.do("DELETE", path+"/"+og.ID, nil), http.StatusNotFound)

		// Removing the last grant revokes the user's tokens.
		f.activate(other)
		tok := f.tokenFor(other.ID)
		must[user](t, f.do("GET", "me", nil, as(tok)...), http.StatusOK)
		must[struct{}](t, f.do("DELETE", "users/"+other.ID+"/grants/"+og.ID, nil), http.StatusNoContent)
		ev = f.wantEvent("grant.delete", other.ID)
		if c := changesOf(ev); c["grant.role"].Before != "Staff" || c["grant.role"].After != nil {
			t.Errorf("grant.delete changes: %+v", ev.Changes)
		}
		wantUnauthorized(t, f.do("GET", "me", nil, as(tok)...))

		// Binned users get no new grants.
		must[user](t, f.do("DELETE", "users/"+other.ID, nil), http.StatusOK)
		wantProblem(t, f.do("POST", "users/"+other.ID+"/grants", map[string]any{"role_id": staff}), http.StatusConflict)
	})
}

// TestExpiredGrants checks that grants past their expiry stop counting, and
// that a user whose every grant has expired shows as expired, alone and in
// lists.
func TestExpiredGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		site := f.createUnit("Site", "site", "")
		staff, manager := f.roleID("staff"), f.roleID("manager")
		soon := clockStart.Add(time.Hour).Format(time.RFC3339)
		later := clockStart.Add(72 * time.Hour).Format(time.RFC3339)
		tag := newTag()

		// gone: every grant expires within the hour; partly: one of two;
		// never: no grant at all (not expired by its grants).
		gone := f.createUser(map[string]any{"last_name": tag, "first_name": "Gone"})
		partly := f.createUser(map[string]any{"last_name": tag, "first_name": "Partly"})
		never := f.createUser(map[string]any{"last_name": tag, "first_name": "Never"})
		for _, g := range []struct {
			u    *user
			role string
			exp  string
		}{{gone, staff, soon}, {gone, manager, soon}, {partly, staff, soon}, {partly, manager, later}} {
			must[grantJSON](t, f.do("POST", "users/"+g.u.ID+"/grants", map[string]any{"role_id": g.role, "unit_id": site.ID,
				"expires_at": g.exp}), http.StatusCreated)
		}
		f.activate(gone)
		tok := f.tokenFor(gone.ID)
		must[user](t, f.do("GET", "me", nil, as(tok)...), http.StatusOK)

		expired := func(u *user) bool { return f.getUser(u.ID).Expired }
		listed := func(query string) map[string]bool {
			out := map[string]bool{}
			for _, u := range must[userList](t, f.do("GET", "users?q="+tag+query, nil), http.StatusOK).Items {
				out[u.FirstName] = u.Expired
			}
			return out
		}
		for _, u := range []*user{gone, partly, never} {
			if expired(u) {
				t.Errorf("%s shows as expired before any grant ended", u.FirstName)
			}
		}

		f.clock.Advance(2 * time.Hour)
		if !expired(gone) || expired(partly) || expired(never) {
			t.Errorf("after an hour: gone %v, partly %v, never %v; want only gone expired", expired(gone), expired(partly), expired(never))
		}
		if got := listed(""); !got["Gone"] || got["Partly"] || got["Never"] || len(got) != 3 {
			t.Errorf("list page shows expired as %v", got)
		}
		if got := listed("&expired=true"); len(got) != 1 || !got["Gone"] {
			t.Errorf("expired=true lists %v", got)
		}
		if got := listed("&expired=false"); len(got) != 2 || got["Gone"] {
			t.Errorf("expired=false lists %v", got)
		}
		for _, g := range must[grantList](t, f.do("GET", "users/"+gone.ID+"/grants", nil), http.StatusOK).Items {
			if g.Current {
				t.Errorf("expired grant %s still current", g.RoleName)
			}
		}
		// The write answers show it too.
		if u := must[user](t, f.do("PATCH", "users/"+gone.ID, map[string]string{"job_title": "Former"}), http.StatusOK); !u.Expired {
			t.Error("PATCH answers expired = false")
		}
		// Their token no longer works: they hold no grant that counts.
		wantUnauthorized(t, f.do("GET", "me", nil, as(tok)...))

		// A new grant brings them back.
		must[grantJSON](t, f.do("POST", "users/"+gone.ID+"/grants", map[string]any{"role_id": staff}), http.StatusCreated)
		if expired(gone) {
			t.Error("still expired after a new grant without expiry")
		}
		must[user](t, f.do("GET", "me", nil, as(tok)...), http.StatusOK)
	})
}

// TestActiveGrant checks that a user with several grants lists them, acts
// through one, and switches: effective permissions and scope are the active
// grant's from the next request on.
func TestActiveGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		w := newWorld(t, e)
		unitA, unitB := w.units["A"].ID, w.units["B"].ID
		// Manager on site B and staff on site A.
		two := w.newActor("Two hats", &directory.Grant{RoleID: w.role("manager").ID, UnitID: unitB},
			&directory.Grant{RoleID: w.role("staff").ID, UnitID: unitA})
		mgrGrant := two.grant
		inA, inB := w.newTarget("bsA", stateNormal), w.newTarget("bsB", stateNormal)

		mine := must[myGrants](t, w.send(two, "GET", "me/grants", nil), http.StatusOK)
		if len(mine.Items) != 2 || mine.ActiveGrantID != mgrGrant.ID {
			t.Fatalf("me/grants: %d items, active %s; want 2, the manager grant", len(mine.Items), mine.ActiveGrantID)
		}
		var staffGrant string
		for _, g := range mine.Items {
			if g.RoleName == "Staff" {
				staffGrant = g.ID
			}
		}
		if a := must[grantJSON](t, w.send(two, "GET", "me/active-grant", nil), http.StatusOK); a.ID != mgrGrant.ID {
			t.Errorf("active grant %s (%s), want the manager grant", a.ID, a.RoleName)
		}
		// As manager on site B.
		must[user](t, w.send(two, "GET", "users/"+inB.user.ID, nil), http.StatusOK)
		wantProblem(t, w.send(two, "GET", "users/"+inA.user.ID, nil), http.StatusNotFound)
		must[user](t, w.send(two, "PATCH", "users/"+inB.user.ID, map[string]string{"job_title": "Edited"}), http.StatusOK)

		// Switch to staff on site A.
		sw := must[grantJSON](t, w.send(two, "PUT", "me/active-grant", map[string]string{"grant_id": staffGrant}), http.StatusOK)
		if sw.ID != staffGrant || sw.RoleName != "Staff" {
			t.Errorf("switched to %+v", sw)
		}
		ev := w.lastEvent()
		if ev.Action != "token.active_grant" || ev.ActorID != two.user.ID {
			t.Errorf("newest event %s by %s", ev.Action, ev.ActorID)
		}
		if m := must[myGrants](t, w.send(two, "GET", "me/grants", nil), http.StatusOK); m.ActiveGrantID != staffGrant {
			t.Errorf("active grant after switching: %s", m.ActiveGrantID)
		}
		must[user](t, w.send(two, "GET", "users/"+inA.user.ID, nil), http.StatusOK)
		wantProblem(t, w.send(two, "GET", "users/"+inB.user.ID, nil), http.StatusNotFound)
		wantProblem(t, w.send(two, "PATCH", "users/"+inA.user.ID, map[string]string{"job_title": "Edited"}), http.StatusForbidden)
		wantProblem(t, w.send(two, "POST", "users", map[string]string{"first_name": "A", "last_name": "B"}), http.StatusForbidden)
		l := must[userList](t, w.send(two, "GET", "users?q="+inB.tag, nil), http.StatusOK)
		if l.Total != 0 {
			t.Errorf("as staff on site A, site B's user is listed")
		}
		// Another token of the same user still acts through the highest grant.
		other := &actor{name: "Two hats, second token", orgID: w.org.ID, user: two.user, token: w.tokenFor(two.user.ID)}
		must[user](t, w.send(other, "GET", "users/"+inB.user.ID, nil), http.StatusOK)

		// Only one's own current grants.
		for _, id := range []string{w.actors["staff"].grant.ID, "no-such-grant", ""} {
			wantProblem(t, w.send(two, "PUT", "me/active-grant", map[string]string{"grant_id": id}), http.StatusUnprocessableEntity, "body.grant_id")
		}
		fg := &directory.Grant{ID: "g-" + randHex(8), OrgID: w.org.ID, UserID: two.user.ID, RoleID: w.role("administrator").ID,
			StartsAt: w.clock.Now().Add(time.Hour), CreatedAt: w.clock.Now()}
		if err := e.DB.CreateGrant(w.ctx, fg); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, w.send(two, "PUT", "me/active-grant", map[string]string{"grant_id": fg.ID}), http.StatusUnprocessableEntity, "body.grant_id")
		if a := must[grantJSON](t, w.send(two, "GET", "me/active-grant", nil), http.StatusOK); a.ID != staffGrant {
			t.Errorf("a refused switch changed the active grant to %s", a.ID)
		}
		// Back to manager.
		must[grantJSON](t, w.send(two, "PUT", "me/active-grant", map[string]string{"grant_id": mgrGrant.ID}), http.StatusOK)
		must[user](t, w.send(two, "GET", "users/"+inB.user.ID, nil), http.StatusOK)
		// Removing the bound grant falls back to the highest that counts.
		must[struct{}](t, w.do("DELETE", "users/"+two.user.ID+"/grants/"+mgrGrant.ID, nil), http.StatusNoContent)
		if a := must[grantJSON](t, w.send(two, "GET", "me/active-grant", nil), http.StatusOK); a.ID != staffGrant {
			t.Errorf("after the bound grant went, acting through %s (%s)", a.ID, a.RoleName)
		}
	})
}
