package console_test

import (
	"net/url"
	"strings"
	"testing"

	"roster/internal/directory"
)

// useractionsVersion is the form of an action on u: its version.
func useractionsVersion(u *directory.User) url.Values {
	return url.Values{"version": {usersItoa(u.Version)}}
}

// useractionsConfirmed is the form of a confirmed action on u.
func useractionsConfirmed(u *directory.User) url.Values {
	v := useractionsVersion(u)
	v.Set("confirmed", "yes")
	return v
}

// useractionsAudited checks that the newest audit event of u has action.
func useractionsAudited(t *testing.T, f *fixture, action string, u *directory.User) {
	t.Helper()
	for _, e := range f.audit() {
		if e.Action == action && e.TargetID == u.ID {
			return
		}
	}
	t.Errorf("no audit event %s for %s", action, u.Name())
}

// useractionsMails counts the outbox mails to addr.
func useractionsMails(t *testing.T, f *fixture, addr string) int {
	t.Helper()
	mails, err := f.e.DB.Mails(f.ctx, f.org.ID, 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range mails {
		if m.To == addr {
			n++
		}
	}
	return n
}

// useractionsHas reports whether body holds s as written.
func useractionsHas(body, s string) bool { return strings.Contains(body, s) }
