package console_test

import (
	"net/url"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/directory"
)

// usersecuritySession resolves the session of browser b.
func usersecuritySession(t *testing.T, f *fixture, b *browser) *admin.SessionState {
	t.Helper()
	u, _ := url.Parse(f.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "roster_session" {
			st, err := f.svc.ResolveSession(f.ctx, c.Value, admin.Client{IP: "192.0.2.1"})
			if err != nil {
				t.Fatalf("ResolveSession: %v", err)
			}
			return st
		}
	}
	t.Fatal("the browser holds no session cookie")
	return nil
}

// usersecurityEnrol sets up an authenticator for u through a session of
// its own.
func usersecurityEnrol(t *testing.T, f *fixture, u *directory.User) {
	t.Helper()
	st := usersecuritySession(t, f, f.signedIn(u))
	en, err := f.svc.StartTOTP(f.ctx, st)
	if err != nil {
		t.Fatalf("StartTOTP: %v", err)
	}
	code, err := auth.TOTPCode(en.Secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ConfirmTOTP(f.ctx, st, code); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	f.clock.Advance(time.Minute)
}
