package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// token is an API token as the API shows it.
type token = rest.TokenJSON

// tokenList is the answer of GET /tokens.
type tokenList struct {
	Items []*token `json:"items"`
}

// wantUnauthorized checks a 401 answer: a problem with a Bearer challenge.
func wantUnauthorized(t *testing.T, r *response) {
	t.Helper()
	wantProblem(t, r, http.StatusUnauthorized)
	if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
	}
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()

		// Made: the secret once, with a prefix that recognises it.
		r := f.do("POST", "tokens", `{"name": " deploy bot "}`)
		made := must[token](t, r, http.StatusCreated)
		if !strings.HasPrefix(made.Secret, "rst_") || len(made.Secret) < 26 || made.Prefix == "" || !strings.HasPrefix(made.Secret, made.Prefix) {
			t.Errorf("secret %q prefix %q", made.Secret, made.Prefix)
		}
		if made.UserID != f.owner.ID || made.Name != "deploy bot" || made.Revoked || made.ExpiresAt != nil {
			t.Errorf("made token: %+v", made)
		}
		ev := f.wantEvent("token.create", made.ID)
		if js, _ := json.Marshal(ev); strings.Contains(string(js), made.Secret) {
			t.Errorf("token.create event holds the secret: %s", js)
		}
		if me := must[user](t, f.do("GET", "me", nil, as(made.Secret)...), http.StatusOK); me.ID != f.owner.ID {
			t.Errorf("GET /me with the new token: %s", me.ID)
		}

		// Listed without the secret.
		r = f.do("GET", "tokens", nil)
		list := must[tokenList](t, r, http.StatusOK)
		if strings.Contains(string(r.Body), made.Secret) || strings.Contains(string(r.Body), f.token) || strings.Contains(string(r.Body), `"secret"`) {
			t.Errorf("token list shows a secret: %s", r.Body)
		}
		i := slices.IndexFunc(list.Items, func(x *token) bool { return x.ID == made.ID })
		if i < 0 || list.Items[i].Prefix != made.Prefix || list.Items[i].LastUsedAt == nil {
			t.Fatalf("token list: %s", r.Body)
		}
		if len(list.Items) != 2 {
			t.Errorf("%d tokens listed, want 2 (the owner's two)", len(list.Items))
		}

		// Revoked: it stops working at once; revoking again is harmless.
		revoked := must[token](t, f.do("DELETE", "tokens/"+made.ID, nil), http.StatusOK)
		if !revoked.Revoked || revoked.RevokedAt == nil || revoked.Secret != "" {
			t.Errorf("revoked token: %+v", revoked)
		}
		if d := cmp.Diff([]directory.Change{{Field: "revoked", Before: false, After: true}}, f.wantEvent("token.revoke", made.ID).Changes); d != "" {
			t.Errorf("token.revoke changes (-want +got):\n%s", d)
		}
		wantUnauthorized(t, f.do("GET", "users", nil, as(made.Secret)...))
		events := len(f.auditEvents())
		must[token](t, f.do("DELETE", "tokens/"+made.ID, nil), http.StatusOK)
		if n := len(f.auditEvents()); n != events {
			t.Errorf("revoking twice wrote %d events", n-events)
		}
		wantProblem(t, f.do("DELETE", "tokens/no-such-token", nil), http.StatusNotFound)

		// Expiry: not in the past; a short one lapses with the clock.
		events = len(f.auditEvents())
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "old", "expires_at": f.clock.Now().Add(-time.Minute)}), http.StatusUnprocessableEntity, "body.expires_at")
		wantProblem(t, f.do("POST", "tokens", `{"name": "  "}`), http.StatusUnprocessableEntity, "body.name")
		wantProblem(t, f.do("POST", "tokens", `{"name": "x", "expires_at": "soon"}`), http.StatusUnprocessableEntity, "body.expires_at")
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused tokens wrote %d events", n-events)
		}
		short := must[token](t, f.do("POST", "tokens", map[string]any{"name": "short", "expires_at": f.clock.Now().Add(time.Hour)}), http.StatusCreated)
		if short.ExpiresAt == nil {
			t.Fatal("no expires_at on the short token")
		}
		must[userList](t, f.do("GET", "users", nil, as(short.Secret)...), http.StatusOK)
		f.clock.Advance(2 * time.Hour)
		wantUnauthorized(t, f.do("GET", "users", nil, as(short.Secret)...))
		must[userList](t, f.do("GET", "users", nil), http.StatusOK)

		// Tokens for others: only for active users.
		pending := f.createUser(nil)
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "p", "user_id": pending.ID}), http.StatusConflict)
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "p", "user_id": "no-such-user"}), http.StatusNotFound)

		// A user who is disabled, locked or deleted loses their tokens' use.
		second, secondToken := f.newOwner("second-" + randHex(3) + "@example.org")
		must[user](t, f.do("GET", "me", nil, as(secondToken)...), http.StatusOK)
		must[user](t, f.do("POST", "users/"+second.ID+"/disable", nil), http.StatusOK)
		wantUnauthorized(t, f.do("GET", "me", nil, as(secondToken)...))
		// Disabling revoked the token: enabling the user does not bring it back.
		must[user](t, f.do("POST", "users/"+second.ID+"/enable", nil), http.StatusOK)
		wantUnauthorized(t, f.do("GET", "me", nil, as(secondToken)...))

		lockedUser := f.createUser(nil)
		f.activate(lockedUser)
		lockedTok := must[token](t, f.do("POST", "tokens", map[string]any{"name": "l", "user_id": lockedUser.ID}), http.StatusCreated)
		must[user](t, f.do("GET", "me", nil, as(lockedTok.Secret)...), http.StatusOK)
		u, err := e.DB.User(ctx, f.org.ID, lockedUser.ID)
		if err != nil {
			t.Fatal(err)
		}
		u.LockedAt = f.clock.Now()
		if err := e.DB.UpdateUserState(ctx, u, u.Version); err != nil {
			t.Fatal(err)
		}
		wantUnauthorized(t, f.do("GET", "me", nil, as(lockedTok.Secret)...))
		must[user](t, f.do("POST", "users/"+lockedUser.ID+"/unlock", nil), http.StatusOK)
		must[user](t, f.do("GET", "me", nil, as(lockedTok.Secret)...), http.StatusOK)
		must[user](t, f.do("DELETE", "users/"+lockedUser.ID, nil), http.StatusOK)
		wantUnauthorized(t, f.do("GET", "me", nil, as(lockedTok.Secret)...))
		must[user](t, f.do("POST", "users/"+lockedUser.ID+"/restore", nil), http.StatusOK)
		// Deleting revoked the token for good.
		wantUnauthorized(t, f.do("GET", "me", nil, as(lockedTok.Secret)...))

		// Without a usable token nothing is answered but 401, the same
		// for every kind of bad token.
		var details []string
		for _, c := range []struct{ name, value string }{
			{"no Authorization", ""},
			{"empty bearer", "Bearer "},
			{"basic auth", "Basic dXNlcjpwYXNz"},
			{"garbage", "Bearer garbage"},
			{"unknown token", "Bearer rst_" + strings.Repeat("A", 43)},
			{"revoked token", "Bearer " + made.Secret},
			{"expired token", "bearer " + short.Secret},
		} {
			r := f.do("GET", "users/"+pending.ID, nil, "Authorization", c.value)
			wantUnauthorized(t, r)
			if strings.Contains(string(r.Body), pending.Email) {
				t.Errorf("%s: the answer shows the user", c.name)
			}
			var p problem
			_ = json.Unmarshal(r.Body, &p)
			if c.value != "" && c.value != "Bearer " && c.value != "Basic dXNlcjpwYXNz" {
				details = append(details, p.Detail)
			}
		}
		if len(slices.Compact(details)) != 1 {
			t.Errorf("bad tokens get different answers: %q", details)
		}
	})
}

// TestTokenOrganizations checks that a token sees only its own
// organization.
func TestTokenOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ours := newFixture(t, e)
		theirs := newFixture(t, e)
		u := ours.createUser(map[string]any{"first_name": "Only", "last_name": "Ours"})
		dept := ours.createUnit("Our dept", "department", "")
		ourTokens := must[tokenList](t, ours.do("GET", "tokens", nil), http.StatusOK)
		snap := ours.snapshot(u.ID)

		for _, c := range []struct{ method, path, body string }{
			{"GET", "users/" + u.ID, ""},
			{"PATCH", "users/" + u.ID, `{"job_title": "Spy"}`},
			{"DELETE", "users/" + u.ID, ""},
			{"POST", "users/" + u.ID + "/disable", ""},
			{"POST", "users/" + u.ID + "/email", `{"email": "spy@example.org"}`},
			{"GET", "users/" + u.ID + "/time-off", ""},
			{"POST", "users/" + u.ID + "/time-off", `{"kind": "sick", "starts_on": "2030-01-01", "ends_on": "2030-01-02"}`},
			{"GET", "users/" + ours.owner.ID, ""},
			{"GET", "units/" + dept.ID, ""},
			{"PATCH", "units/" + dept.ID, `{"name": "Taken"}`},
			{"DELETE", "tokens/" + ourTokens.Items[0].ID, ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			wantProblem(t, theirs.do(c.method, c.path, body), http.StatusNotFound)
		}
		ours.unchanged(snap, u.ID)

		list := must[userList](t, theirs.do("GET", "users?limit=500", nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].ID != theirs.owner.ID || list.Total != 1 {
			t.Errorf("their list: %d items, total %d", len(list.Items), list.Total)
		}
		for _, q := range []string{"q=ours", "deleted=true", "department_id=" + dept.ID, "supervisor_id=" + u.ID} {
			if l := must[userList](t, theirs.do("GET", "users?"+q, nil), http.StatusOK); len(l.Items) != 0 || l.Total != 0 {
				t.Errorf("their list with %s: %d items, total %d", q, len(l.Items), l.Total)
			}
		}
		// Nor can they point their users at ours.
		wantProblem(t, theirs.do("POST", "users", map[string]any{"first_name": "A", "last_name": "B", "supervisor_id": u.ID}),
			http.StatusUnprocessableEntity, "body.supervisor_id")
		wantProblem(t, theirs.do("POST", "users", map[string]any{"first_name": "A", "last_name": "B", "department_id": dept.ID}),
			http.StatusUnprocessableEntity, "body.department_id")
		// The same email and username are free in another organization.
		mine := theirs.createUser(map[string]any{"username": u.Username, "email": u.Email})
		if mine.ID == u.ID {
			t.Error("same user across organizations")
		}
		units := must[unitList](t, theirs.do("GET", "units", nil), http.StatusOK)
		audit := must[auditList](t, theirs.do("GET", "audit-events?limit=500&target_id="+u.ID, nil), http.StatusOK)
		tokens := must[tokenList](t, theirs.do("GET", "tokens", nil), http.StatusOK)
		if len(units.Items) != 0 || len(audit.Items) != 0 || len(tokens.Items) != 1 {
			t.Errorf("they see %d units, %d events about our user, %d tokens", len(units.Items), len(audit.Items), len(tokens.Items))
		}
	})
}

// TestTokenProvisioning checks the provisioning role and scope of a token:
// kept and shown when they are a grant the maker may give, refused beside
// the field otherwise.
func TestTokenProvisioning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		site := f.createUnit("Site "+randHex(3), "site", "")
		other := f.createUnit("Other "+randHex(3), "site", "")
		staff := f.roleID("staff")

		made := must[token](t, f.do("POST", "tokens", map[string]any{"name": "scim",
			"provision_role_id": staff, "provision_unit_id": site.ID}), http.StatusCreated)
		if made.ProvisionRoleID != staff || made.ProvisionUnitID != site.ID {
			t.Errorf("made token provisioning %q/%q, want %q/%q", made.ProvisionRoleID, made.ProvisionUnitID, staff, site.ID)
		}
		ch := changesOf(f.wantEvent("token.create", made.ID))
		if ch["provision_role_id"].After != staff || ch["provision_unit_id"].After != site.ID {
			t.Errorf("token.create changes: %+v", ch)
		}
		list := must[tokenList](t, f.do("GET", "tokens", nil), http.StatusOK)
		i := slices.IndexFunc(list.Items, func(x *token) bool { return x.ID == made.ID })
		if i < 0 || list.Items[i].ProvisionRoleID != staff || list.Items[i].ProvisionUnitID != site.ID {
			t.Errorf("listed token: %+v", list.Items)
		}
		plain := must[token](t, f.do("POST", "tokens", `{"name": "plain"}`), http.StatusCreated)
		if plain.ProvisionRoleID != "" || plain.ProvisionUnitID != "" {
			t.Errorf("plain token provisioning %q/%q, want none", plain.ProvisionRoleID, plain.ProvisionUnitID)
		}

		events := len(f.auditEvents())
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "x", "provision_role_id": "no-such-role"}),
			http.StatusUnprocessableEntity, "body.provision_role_id")
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "x", "provision_unit_id": site.ID}),
			http.StatusUnprocessableEntity, "body.provision_unit_id")
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "x", "provision_role_id": staff, "provision_unit_id": "no-such-unit"}),
			http.StatusUnprocessableEntity, "body.provision_unit_id")
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused tokens wrote %d events", n-events)
		}
		// A manager of one site may not hand out the administrator role, nor
		// any role over another site.
		_, mgrToken := f.actingIn("manager", site.ID)
		events = len(f.auditEvents())
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "x", "provision_role_id": f.roleID("administrator"),
			"provision_unit_id": site.ID}, as(mgrToken)...), http.StatusUnprocessableEntity, "body.provision_role_id")
		wantProblem(t, f.do("POST", "tokens", map[string]any{"name": "x", "provision_role_id": staff,
			"provision_unit_id": other.ID}, as(mgrToken)...), http.StatusUnprocessableEntity, "body.provision_unit_id")
		if n := len(f.auditEvents()); n != events {
			t.Errorf("refused tokens wrote %d events", n-events)
		}
		mine := must[token](t, f.do("POST", "tokens", map[string]any{"name": "site scim", "provision_role_id": staff,
			"provision_unit_id": site.ID}, as(mgrToken)...), http.StatusCreated)
		if mine.ProvisionRoleID != staff || mine.ProvisionUnitID != site.ID {
			t.Errorf("manager's token provisioning %q/%q", mine.ProvisionRoleID, mine.ProvisionUnitID)
		}
	})
}
