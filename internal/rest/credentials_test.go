package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/store/storetest"
)

// The password every credential test user signs in with.
const knownPassword = "violet tractor under a quiet moon"

// defaultPolicyJSON is the default security policy as a PUT body.
const defaultPolicyJSON = `{"session_idle_minutes": 60, "session_lifetime_hours": 12, "lockout_threshold": 5,
	"auto_unlock_minutes": 0, "password_min_length": 15, "password_min_length_mfa": 8, "require_upper": false,
	"require_lower": false, "require_digit": false, "require_symbol": false, "mfa_required": false,
	"security_questions": false, "impersonation_disabled": false, "impersonation_notice": false, "impersonation_minutes": 30, "reset_link_minutes": 60,
	"invitation_hours": 24, "provisioning_delete": "disable"}`

// resetAnswer is the answer of POST /users/{id}/reset-password.
type resetAnswer = rest.ResetPasswordJSON

// sessionList is the answer of the session lists.
type sessionList struct {
	Items []*rest.SessionJSON `json:"items"`
}

// policy is the security policy as the API shows it.
type policy = rest.SecurityPolicyJSON

// activeUser adds a user through the API and gives them knownPassword,
// which makes them active.
func (f *fixture) activeUser(first, last string) *user {
	f.t.Helper()
	u := f.createUser(map[string]any{"first_name": first, "last_name": last})
	if _, err := f.svc.SetPasswordByOperator(context.Background(), f.org.ID, u.Username, knownPassword); err != nil {
		f.t.Fatalf("SetPasswordByOperator: %v", err)
	}
	return f.getUser(u.ID)
}

// signIn signs a user in with a password and returns the new session.
func (f *fixture) signIn(u *user, password, agent string) *admin.SessionStart {
	f.t.Helper()
	st, err := f.svc.SignIn(context.Background(), admin.SignInInput{OrgID: f.org.ID, Login: u.Username, Password: password,
		Client: admin.Client{IP: "198.51.100.4", UserAgent: agent}})
	if err != nil {
		f.t.Fatalf("SignIn %s: %v", u.Username, err)
	}
	return st
}

// signedIn reports whether a session cookie value still resolves.
func (f *fixture) signedIn(secret string) bool {
	f.t.Helper()
	_, err := f.svc.ResolveSession(context.Background(), secret, admin.Client{})
	if err != nil && directory.KindOf(err) != directory.KindUnauthorized {
		f.t.Fatalf("ResolveSession: %v", err)
	}
	return err == nil
}

// mails returns the organization's outbox, newest first.
func (f *fixture) mails() []*directory.Mail {
	f.t.Helper()
	m, err := f.e.DB.Mails(context.Background(), f.org.ID, 100)
	if err != nil {
		f.t.Fatalf("Mails: %v", err)
	}
	return m
}

// lockUser locks a user straight in the database, as the lockout does.
func (f *fixture) lockUser(id string) {
	f.t.Helper()
	ctx := context.Background()
	u, err := f.e.DB.User(ctx, f.org.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	u.LockedAt, u.LockReason, u.FailedAttempts = f.clock.Now(), "too many failed sign-in attempts", 5
	if err := f.e.DB.UpdateUserState(ctx, u, u.Version); err != nil {
		f.t.Fatal(err)
	}
}

var resetLinkRE = regexp.MustCompile(`/reset/(rsr_[a-z2-7]+)`)

// resetSecret reads the secret of the reset link in a mail.
func resetSecret(t *testing.T, m *directory.Mail) string {
	t.Helper()
	s := resetLinkRE.FindStringSubmatch(m.Text)
	if s == nil {
		t.Fatalf("mail %q holds no reset link: %s", m.Subject, m.Text)
	}
	return s[1]
}

// noSecret fails when an answer holds any of the secrets.
func noSecret(t *testing.T, what string, body []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(string(body), s) {
			t.Errorf("%s holds the secret %q: %s", what, s, body)
		}
	}
}

func TestResetPasswordByLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		u := f.activeUser("Lin", "Kreset")
		before := f.mails()

		r := f.do("POST", "users/"+u.ID+"/reset-password", `{}`)
		got := must[resetAnswer](t, r, http.StatusOK)
		if got.Method != "link" || got.LinkSentTo != u.Email || got.User == nil || got.User.ID != u.ID {
			t.Fatalf("answer: %s", r.Body)
		}
		if got.User.Version != u.Version || r.Header.Get("ETag") != etag(u.Version) {
			t.Errorf("a mailed link changed the user: version %d → %d, ETag %q", u.Version, got.User.Version, r.Header.Get("ETag"))
		}
		if strings.Contains(string(r.Body), "/reset/") || strings.Contains(string(r.Body), "rsr_") {
			t.Errorf("the answer holds the link: %s", r.Body)
		}
		if c := changesOf(f.wantEvent("user.reset_password", u.ID)); c["method"].After != "link" || c["sent_to"].After != u.Email {
			t.Errorf("user.reset_password changes: %+v", c)
		}

		after := f.mails()
		if len(after) != len(before)+1 {
			t.Fatalf("%d mails after the reset, want %d", len(after), len(before)+1)
		}
		m := after[0]
		if m.To != u.Email || m.Kind != "password_reset" {
			t.Errorf("mail to %q of kind %q", m.To, m.Kind)
		}
		first := resetSecret(t, m)
		if st, err := f.svc.OpenResetLink(ctx, first); err != nil || st.User.ID != u.ID {
			t.Fatalf("OpenResetLink of the first link: %v", err)
		}

		// A second reset sends a new link and voids the first.
		must[resetAnswer](t, f.do("POST", "users/"+u.ID+"/reset-password", `{"method": "link"}`), http.StatusOK)
		after = f.mails()
		if len(after) != len(before)+2 {
			t.Fatalf("%d mails after the second reset, want %d", len(after), len(before)+2)
		}
		second := resetSecret(t, after[0])
		if second == first {
			t.Fatal("the second reset mailed the same link")
		}
		if _, err := f.svc.OpenResetLink(ctx, first); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("OpenResetLink of the replaced link: %v, want not found", err)
		}
		if _, err := f.svc.OpenResetLink(ctx, second); err != nil {
			t.Errorf("OpenResetLink of the new link: %v", err)
		}
		for _, ev := range f.auditEvents() {
			js, _ := json.Marshal(ev)
			noSecret(t, "audit event "+ev.Action, js, first, second)
		}

		// No email, no link; a temporary password works instead.
		noMail := f.createUser(map[string]any{"username": "no.mail." + randHex(3), "email": nil})
		if _, err := f.svc.SetPasswordByOperator(ctx, f.org.ID, noMail.Username, knownPassword); err != nil {
			t.Fatal(err)
		}
		snap := f.snapshot(noMail.ID)
		wantProblem(t, f.do("POST", "users/"+noMail.ID+"/reset-password", `{"method": "link"}`), http.StatusConflict)
		f.unchanged(snap, noMail.ID)

		// A password is not taken with a link.
		snap = f.snapshot(u.ID)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/reset-password", map[string]any{"password": "an unused long passphrase"}),
			http.StatusUnprocessableEntity, "body.password")
		f.unchanged(snap, u.ID)
		if n := len(f.mails()); n != len(before)+2 {
			t.Errorf("refused resets queued mail: %d, want %d", n, len(before)+2)
		}
	})
}

func TestResetPasswordTemporary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		u := f.activeUser("Tem", "Porary")
		f.grantRole(u.ID, "staff", "", nil)
		u = f.getUser(u.ID)
		tok := f.tokenFor(u.ID)
		sess := f.signIn(u, knownPassword, "Browser/1")

		const temp = "lantern orchard fifteen keys"
		r := f.do("POST", "users/"+u.ID+"/reset-password", map[string]any{"method": "temporary", "password": temp})
		noSecret(t, "the reset answer", r.Body, temp)
		got := must[resetAnswer](t, r, http.StatusOK)
		if got.Method != "temporary" || got.LinkSentTo != "" || !got.User.MustChangePassword || got.User.Version != u.Version+1 {
			t.Errorf("answer: %s", r.Body)
		}
		if got.User.PasswordChangedAt == nil || (u.PasswordChangedAt != nil && !got.User.PasswordChangedAt.After(*u.PasswordChangedAt)) {
			t.Errorf("password_changed_at %v, before %v", got.User.PasswordChangedAt, u.PasswordChangedAt)
		}
		if r.Header.Get("ETag") != etag(got.User.Version) {
			t.Errorf("ETag %q for version %d", r.Header.Get("ETag"), got.User.Version)
		}
		ev := f.wantEvent("user.reset_password", u.ID)
		js, _ := json.Marshal(ev)
		noSecret(t, "the audit event", js, temp)
		if c := changesOf(ev); c["method"].After != "temporary" || c["must_change_password"].After != true {
			t.Errorf("changes %+v", ev.Changes)
		}
		if !strings.Contains(f.mails()[0].Subject, "password was changed") {
			t.Errorf("newest mail %q, want the password-changed notice", f.mails()[0].Subject)
		}

		// The new password ended the sessions and tokens; it signs in.
		if f.signedIn(sess.Secret) {
			t.Error("the session survived the reset")
		}
		wantUnauthorized(t, f.do("GET", "me", nil, as(tok)...))
		if _, err := f.svc.SignIn(ctx, admin.SignInInput{OrgID: f.org.ID, Login: u.Username, Password: knownPassword}); err == nil {
			t.Error("the old password still signs in")
		}
		f.signIn(u, temp, "Browser/2")

		// require_change false leaves the user free to keep it.
		const kept = "granite harbour seventeen gulls"
		r = f.do("POST", "users/"+u.ID+"/reset-password", map[string]any{"method": "temporary", "password": kept, "require_change": false},
			"If-Match", etag(got.User.Version))
		noSecret(t, "the reset answer", r.Body, kept)
		if got := must[resetAnswer](t, r, http.StatusOK); got.User.MustChangePassword {
			t.Errorf("require_change false still requires a change: %s", r.Body)
		}
		if f.getUser(u.ID).MustChangePassword {
			t.Error("GET shows must_change_password after require_change false")
		}
	})
}

func TestResetPasswordCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		pending := f.createUser(map[string]any{"first_name": "Pen", "last_name": "Ding"})
		if pending.Status != "pending" || pending.HasPassword {
			t.Fatalf("new user: %+v", pending)
		}
		const pw = "copper kettle whistling at dawn"
		r := f.do("POST", "users/"+pending.ID+"/reset-password", map[string]any{"method": "create", "password": pw})
		noSecret(t, "the reset answer", r.Body, pw)
		got := must[resetAnswer](t, r, http.StatusOK)
		if got.Method != "create" || got.User.Status != "active" || !got.User.HasPassword || got.User.MustChangePassword {
			t.Errorf("answer: %s", r.Body)
		}
		if c := changesOf(f.wantEvent("user.reset_password", pending.ID)); c["status"].Before != "pending" || c["status"].After != "active" {
			t.Errorf("changes %+v", c)
		}
		f.signIn(got.User, pw, "Browser/1")

		// The user is active now: create is for pending users only.
		snap := f.snapshot(pending.ID)
		mails := len(f.mails())
		wantProblem(t, f.do("POST", "users/"+pending.ID+"/reset-password", map[string]any{"method": "create", "password": "another fine passphrase here"}),
			http.StatusConflict)
		f.unchanged(snap, pending.ID)
		if len(f.mails()) != mails {
			t.Error("a refused create queued mail")
		}
	})
}

func TestResetPasswordRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.activeUser("Ref", "Used")
		mails := len(f.mails())

		for _, c := range []struct {
			name   string
			body   any
			status int
			loc    string
		}{
			{"a common password", map[string]any{"method": "temporary", "password": "passwordpassword1"}, http.StatusUnprocessableEntity, "body.password"},
			{"a short password", map[string]any{"method": "temporary", "password": "short pw"}, http.StatusUnprocessableEntity, "body.password"},
			{"the user's own name", map[string]any{"method": "temporary", "password": u.Username + " forever and ever"}, http.StatusUnprocessableEntity, "body.password"},
			{"no password", map[string]any{"method": "temporary"}, http.StatusUnprocessableEntity, "body.password"},
			{"an unknown method", map[string]any{"method": "carrier-pigeon"}, http.StatusUnprocessableEntity, "body.method"},
			{"create for an active user", map[string]any{"method": "create", "password": "another fine passphrase here"}, http.StatusConflict, ""},
		} {
			snap := f.snapshot(u.ID)
			r := f.do("POST", "users/"+u.ID+"/reset-password", c.body)
			var locs []string
			if c.loc != "" {
				locs = append(locs, c.loc)
			}
			p := wantProblem(t, r, c.status, locs...)
			if c.loc != "" && (len(p.Errors) == 0 || p.Errors[0].Location != c.loc) {
				t.Errorf("%s: errors %v, want the first at %s", c.name, p.locations(), c.loc)
			}
			if b, ok := c.body.(map[string]any); ok {
				if pw, _ := b["password"].(string); pw != "" {
					noSecret(t, c.name, r.Body, pw)
				}
			}
			f.unchanged(snap, u.ID)
		}

		// A locked user must be unlocked before a link is mailed; one's own
		// password is changed from one's account page.
		f.lockUser(u.ID)
		snap := f.snapshot(u.ID)
		for _, body := range []string{`{}`, `{"method": "link"}`} {
			p := wantProblem(t, f.do("POST", "users/"+u.ID+"/reset-password", body), http.StatusConflict)
			if !strings.Contains(p.Detail, "unlock") {
				t.Errorf("%s on a locked user: detail %q does not say to unlock", body, p.Detail)
			}
		}
		f.unchanged(snap, u.ID)
		snap = f.snapshot(f.owner.ID)
		wantProblem(t, f.do("POST", "users/"+f.owner.ID+"/reset-password", `{}`), http.StatusConflict)
		f.unchanged(snap, f.owner.ID)
		wantProblem(t, f.do("POST", "users/"+uuid.NewString()+"/reset-password", `{}`), http.StatusNotFound)
		if len(f.mails()) != mails {
			t.Error("refused resets queued mail")
		}
	})
}

func TestUnlockMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		locked := f.activeUser("Loc", "Ked")
		free := f.activeUser("Fr", "Ee")
		f.lockUser(locked.ID)
		unseen := uuid.NewString()
		events := len(f.auditEvents())

		r := f.do("POST", "users/unlock", map[string]any{"ids": []string{locked.ID, free.ID, unseen, locked.ID}})
		got := must[struct {
			Results []rest.UnlockResultJSON `json:"results"`
		}](t, r, http.StatusOK)
		want := []rest.UnlockResultJSON{
			{UserID: locked.ID, Outcome: "unlocked", Status: http.StatusOK},
			{UserID: free.ID, Outcome: "refused", Status: http.StatusConflict},
			{UserID: unseen, Outcome: "refused", Status: http.StatusNotFound},
		}
		if d := cmp.Diff(want, got.Results, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Detail" }, cmp.Ignore())); d != "" {
			t.Errorf("results (-want +got):\n%s", d)
		}
		for _, res := range got.Results {
			if (res.Outcome == "refused") != (res.Detail != "") {
				t.Errorf("%s: outcome %s with detail %q", res.UserID, res.Outcome, res.Detail)
			}
		}
		if u := f.getUser(locked.ID); u.Locked || u.LockedAt != nil {
			t.Errorf("still locked after the bulk unlock: %+v", u)
		}
		if n := len(f.auditEvents()); n != events+1 {
			t.Errorf("%d audit events added, want 1 (the one unlock)", n-events)
		}
		f.wantEvent("user.unlock", locked.ID)

		snap := f.snapshot("")
		wantProblem(t, f.do("POST", "users/unlock", `{"ids": []}`), http.StatusUnprocessableEntity, "body.ids")
		ids := make([]string, 1001)
		for i := range ids {
			ids[i] = fmt.Sprintf("id-%d", i)
		}
		wantProblem(t, f.do("POST", "users/unlock", map[string]any{"ids": ids}), http.StatusUnprocessableEntity, "body.ids")
		f.unchanged(snap, "")

		// users/unlock is not a user, and the single unlock still answers.
		wantProblem(t, f.do("GET", "users/unlock", nil), http.StatusNotFound)
		f.lockUser(free.ID)
		if u := must[user](t, f.do("POST", "users/"+free.ID+"/unlock", nil), http.StatusOK); u.Locked {
			t.Error("POST /users/{id}/unlock did not unlock")
		}

		// Without users.unlock the whole request is refused.
		staff := f.activeUser("Sta", "Ff")
		f.grantRole(staff.ID, "staff", "", nil)
		staffToken := f.tokenFor(staff.ID)
		f.lockUser(locked.ID)
		snap = f.snapshot(locked.ID)
		wantProblem(t, f.do("POST", "users/unlock", map[string]any{"ids": []string{locked.ID}}, as(staffToken)...), http.StatusForbidden)
		f.unchanged(snap, locked.ID)
	})
}

func TestUserSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.activeUser("Ses", "Sions")
		tok := f.tokenFor(u.ID)
		one := f.signIn(u, knownPassword, "Browser/1")
		two := f.signIn(u, knownPassword, "Browser/2")
		other := f.activeUser("Oth", "Er")
		f.signIn(other, knownPassword, "Browser/3")

		r := f.do("GET", "users/"+u.ID+"/sessions", nil)
		noSecret(t, "the session list", r.Body, one.Secret, two.Secret)
		list := must[sessionList](t, r, http.StatusOK)
		var got []string
		for _, s := range list.Items {
			got = append(got, s.ID)
			if s.Current || s.IP != "198.51.100.4" || !strings.HasPrefix(s.UserAgent, "Browser/") || !s.ExpiresAt.After(s.CreatedAt) ||
				s.LastSeenAt.IsZero() || s.ImpersonatingUserID != "" {
				t.Errorf("session %+v", s)
			}
		}
		slices.Sort(got)
		want := []string{one.Session.ID, two.Session.ID}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("sessions %v, want %v", got, want)
		}

		r = f.do("DELETE", "users/"+u.ID+"/sessions", nil)
		if got := must[struct {
			Ended int `json:"ended"`
		}](t, r, http.StatusOK); got.Ended != 2 {
			t.Errorf("ended %d sessions, want 2", got.Ended)
		}
		if c := changesOf(f.wantEvent("user.end_sessions", u.ID)); c["sessions_ended"].After != float64(2) && c["sessions_ended"].After != 2 {
			t.Errorf("changes %+v", c)
		}
		if f.signedIn(one.Secret) || f.signedIn(two.Secret) {
			t.Error("a session survived DELETE /users/{id}/sessions")
		}
		if l := must[sessionList](t, f.do("GET", "users/"+u.ID+"/sessions", nil), http.StatusOK); len(l.Items) != 0 {
			t.Errorf("%d sessions listed after ending them all", len(l.Items))
		}
		// API tokens are not sessions: they stay.
		must[user](t, f.do("GET", "me", nil, as(tok)...), http.StatusOK)
		if l := must[sessionList](t, f.do("GET", "users/"+other.ID+"/sessions", nil), http.StatusOK); len(l.Items) != 1 {
			t.Errorf("the other user has %d sessions, want 1", len(l.Items))
		}

		// A session that emulates another user names them while the
		// emulation lasts, and no longer once it has run out.
		now := f.clock.Now()
		emulating := map[string]string{}
		for i, ends := range []time.Time{now.Add(time.Hour), now.Add(-time.Minute)} {
			s := &directory.Session{ID: uuid.NewString(), OrgID: f.org.ID, UserID: u.ID, Stage: directory.StageFull,
				ImpersonatedID: other.ID, ImpersonationReason: "support call", ImpersonationEndsAt: ends,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := e.DB.CreateSession(context.Background(), s, fmt.Sprintf("hash-%d-%s", i, s.ID)); err != nil {
				t.Fatal(err)
			}
			emulating[s.ID] = map[bool]string{true: other.ID}[i == 0]
		}
		list = must[sessionList](t, f.do("GET", "users/"+u.ID+"/sessions", nil), http.StatusOK)
		if len(list.Items) != 2 {
			t.Errorf("%d sessions listed, want the 2 emulating ones", len(list.Items))
		}
		for _, s := range list.Items {
			if want, ok := emulating[s.ID]; !ok || s.ImpersonatingUserID != want {
				t.Errorf("session %s: impersonating_user_id %q, want %q", s.ID, s.ImpersonatingUserID, want)
			}
		}

		wantProblem(t, f.do("GET", "users/"+uuid.NewString()+"/sessions", nil), http.StatusNotFound)
		snap := f.snapshot("")
		wantProblem(t, f.do("DELETE", "users/"+uuid.NewString()+"/sessions", nil), http.StatusNotFound)
		f.unchanged(snap, "")
	})
}

func TestMySessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.activeUser("My", "Self")
		tok := f.tokenFor(u.ID)
		one := f.signIn(u, knownPassword, "Browser/1")
		two := f.signIn(u, knownPassword, "Browser/2")
		owner := f.signIn(&user{Username: f.owner.Username}, ownerPassword, "Browser/owner")

		list := must[sessionList](t, f.do("GET", "me/sessions", nil, as(tok)...), http.StatusOK)
		if len(list.Items) != 2 {
			t.Fatalf("%d sessions, want 2: %+v", len(list.Items), list.Items)
		}
		for _, s := range list.Items {
			if s.Current {
				t.Errorf("session %s is current for a request with a token", s.ID)
			}
			if s.ID != one.Session.ID && s.ID != two.Session.ID {
				t.Errorf("session %s is not the user's", s.ID)
			}
		}

		// Another user's session is not theirs to end.
		events := len(f.auditEvents())
		wantProblem(t, f.do("DELETE", "me/sessions/"+owner.Session.ID, nil, as(tok)...), http.StatusNotFound)
		if !f.signedIn(owner.Secret) || len(f.auditEvents()) != events {
			t.Error("a refused DELETE /me/sessions/{id} changed something")
		}

		r := f.do("DELETE", "me/sessions/"+one.Session.ID, nil, as(tok)...)
		if r.Code != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("DELETE own session: %s", r)
		}
		if f.signedIn(one.Secret) || !f.signedIn(two.Secret) {
			t.Error("DELETE /me/sessions/{id} ended the wrong session")
		}
		if ev := f.lastEvent(); ev.Action != "session.end" || ev.TargetID != one.Session.ID || ev.ActorID != u.ID {
			t.Errorf("newest event %s on %s by %s", ev.Action, ev.TargetID, ev.ActorID)
		}
		list = must[sessionList](t, f.do("GET", "me/sessions", nil, as(tok)...), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].ID != two.Session.ID {
			t.Errorf("sessions after ending one: %+v", list.Items)
		}
		wantProblem(t, f.do("DELETE", "me/sessions/"+one.Session.ID, nil, as(tok)...), http.StatusNotFound)
	})
}

func TestDisableEndsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		u := f.activeUser("Dis", "Abled")
		f.grantRole(u.ID, "staff", "", nil)
		tok := f.tokenFor(u.ID)
		sess := f.signIn(u, knownPassword, "Browser/1")
		must[user](t, f.do("GET", "me", nil, as(tok)...), http.StatusOK)

		must[user](t, f.do("POST", "users/"+u.ID+"/disable", nil), http.StatusOK)
		if f.signedIn(sess.Secret) {
			t.Error("the session survived the disable")
		}
		if left, err := e.DB.Sessions(ctx, f.org.ID, u.ID); err != nil || len(left) != 0 {
			t.Errorf("sessions left after the disable: %d %v", len(left), err)
		}
		wantUnauthorized(t, f.do("GET", "me", nil, as(tok)...))

		// Enabling again does not bring the token back: it was revoked, not
		// merely refused while the user was inactive.
		must[user](t, f.do("POST", "users/"+u.ID+"/enable", nil), http.StatusOK)
		wantUnauthorized(t, f.do("GET", "me", nil, as(tok)...))
		tokens, err := e.DB.Tokens(ctx, f.org.ID, u.ID)
		if err != nil || len(tokens) != 1 || tokens[0].RevokedAt.IsZero() {
			t.Errorf("tokens after the disable: %+v %v", tokens, err)
		}
		f.signIn(u, knownPassword, "Browser/2")
	})
}

func TestMFAByAdministrator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		u := f.activeUser("Mf", "Auser")
		if u.MFAEnrolled || u.MFARequired {
			t.Fatalf("new user: mfa_enrolled %v mfa_required %v", u.MFAEnrolled, u.MFARequired)
		}
		// Nothing to reset yet.
		snap := f.snapshot(u.ID)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/mfa/reset", nil), http.StatusConflict)
		f.unchanged(snap, u.ID)

		if err := e.DB.SetTOTP(ctx, f.org.ID, u.ID, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", f.clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if err := e.DB.ReplaceRecoveryCodes(ctx, f.org.ID, u.ID, []string{"h1", "h2"}, f.clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if !f.getUser(u.ID).MFAEnrolled {
			t.Fatal("mfa_enrolled is false for an enrolled user")
		}
		sess := f.signIn(u, knownPassword, "Browser/1")
		if !sess.NeedsSecondFactor {
			t.Error("an enrolled user's sign-in owes no second factor")
		}
		mails := len(f.mails())

		r := f.do("POST", "users/"+u.ID+"/mfa/reset", nil)
		got := must[user](t, r, http.StatusOK)
		if got.MFAEnrolled || got.ID != u.ID || r.Header.Get("ETag") != etag(got.Version) {
			t.Errorf("answer: %s, ETag %q", r.Body, r.Header.Get("ETag"))
		}
		if f.getUser(u.ID).MFAEnrolled {
			t.Error("GET still shows mfa_enrolled")
		}
		f.wantEvent("user.mfa_reset", u.ID)
		if m := f.mails(); len(m) != mails+1 || m[0].Kind != "mfa_reset" || m[0].To != u.Email {
			t.Errorf("%d mails (want %d), newest %+v", len(m), mails+1, m[0])
		}
		if left, err := e.DB.RecoveryCodesLeft(ctx, f.org.ID, u.ID); err != nil || left != 0 {
			t.Errorf("%d recovery codes left: %v", left, err)
		}
		if left, err := e.DB.Sessions(ctx, f.org.ID, u.ID); err != nil || len(left) != 0 {
			t.Errorf("%d sessions left after the MFA reset: %v", len(left), err)
		}
		if st := f.signIn(u, knownPassword, "Browser/2"); st.NeedsSecondFactor {
			t.Error("a sign-in after the reset still owes a second factor")
		}

		// Requiring MFA: If-Match, the audit log, the flag on the user.
		cur := f.getUser(u.ID)
		snap = f.snapshot(u.ID)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/require-mfa", `{"required": true}`, "If-Match", etag(cur.Version-1)), http.StatusPreconditionFailed)
		if p := wantProblem(t, f.do("POST", "users/"+u.ID+"/require-mfa", `{}`), http.StatusUnprocessableEntity); !strings.Contains(p.Errors[0].Message, "required") {
			t.Errorf("a body without required: %+v", p.Errors)
		}
		f.unchanged(snap, u.ID)
		r = f.do("POST", "users/"+u.ID+"/require-mfa", `{"required": true}`, "If-Match", etag(cur.Version))
		got = must[user](t, r, http.StatusOK)
		if !got.MFARequired || got.Version != cur.Version+1 || r.Header.Get("ETag") != etag(got.Version) {
			t.Errorf("answer: %s", r.Body)
		}
		if c := changesOf(f.wantEvent("user.mfa_required", u.ID)); c["mfa_required"].Before != false || c["mfa_required"].After != true {
			t.Errorf("changes %+v", c)
		}
		if !f.getUser(u.ID).MFARequired {
			t.Error("GET does not show mfa_required")
		}
		if got := must[user](t, f.do("POST", "users/"+u.ID+"/require-mfa", `{"required": false}`), http.StatusOK); got.MFARequired {
			t.Error("required false left mfa_required on")
		}
	})
}

func TestSecurityPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.activeUser("Pol", "Icy")
		adm := f.activeUser("Ad", "Min")
		f.grantRole(adm.ID, "administrator", "", nil)
		admTok := f.tokenFor(adm.ID)
		defaults := policy(directory.SecurityPolicy{}.Defaults())
		var asSent policy
		if err := json.Unmarshal([]byte(defaultPolicyJSON), &asSent); err != nil || asSent != defaults {
			t.Fatalf("defaultPolicyJSON is not the default policy: %v (-want +got):\n%s", err, cmp.Diff(defaults, asSent))
		}
		if got := must[policy](t, f.do("GET", "settings/security", nil), http.StatusOK); got != defaults {
			t.Errorf("GET (-want +got):\n%s", cmp.Diff(defaults, got))
		}

		changed := defaults
		changed.LockoutThreshold, changed.SessionIdleMinutes, changed.RequireDigit, changed.PasswordMinLength = 7, 30, true, 20
		if got := must[policy](t, f.do("PUT", "settings/security", changed), http.StatusOK); got != changed {
			t.Errorf("PUT answer (-want +got):\n%s", cmp.Diff(changed, got))
		}
		if got := must[policy](t, f.do("GET", "settings/security", nil), http.StatusOK); got != changed {
			t.Errorf("GET after PUT (-want +got):\n%s", cmp.Diff(changed, got))
		}
		ev := f.wantEvent("settings.security", f.org.ID)
		if c := changesOf(ev); len(c) != 4 || c["lockout_threshold"].After != float64(7) && c["lockout_threshold"].After != 7 {
			t.Errorf("changes %+v", ev.Changes)
		}

		// The policy applies: a 16-character password is now too short.
		wantProblem(t, f.do("POST", "users/"+u.ID+"/reset-password", map[string]any{"method": "temporary", "password": "sixteen chars 42"}),
			http.StatusUnprocessableEntity, "body.password")

		// Out of range: each field named, nothing changed.
		snap := f.snapshot("")
		bad := changed
		bad.LockoutThreshold, bad.PasswordMinLength, bad.ResetLinkMinutes = 1, 8, 5
		p := wantProblem(t, f.do("PUT", "settings/security", bad), http.StatusUnprocessableEntity,
			"body.lockout_threshold", "body.password_min_length", "body.reset_link_minutes")
		if len(p.Errors) != 3 {
			t.Errorf("errors at %v, want exactly three", p.locations())
		}
		var partial map[string]any
		js, _ := json.Marshal(changed)
		_ = json.Unmarshal(js, &partial)
		delete(partial, "lockout_threshold")
		wantProblem(t, f.do("PUT", "settings/security", partial), http.StatusUnprocessableEntity)
		f.unchanged(snap, "")
		if got := must[policy](t, f.do("GET", "settings/security", nil), http.StatusOK); got != changed {
			t.Errorf("a refused PUT changed the policy (-want +got):\n%s", cmp.Diff(changed, got))
		}

		// Anyone signed in reads it; changing it takes settings.manage.
		must[policy](t, f.do("GET", "settings/security", nil, as(admTok)...), http.StatusOK)
		wantProblem(t, f.do("PUT", "settings/security", defaults, as(admTok)...), http.StatusForbidden)
		f.unchanged(snap, "")
	})
}
