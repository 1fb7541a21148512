package admin_test

import (
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestFindUser checks that a user is found by username or email in any
// case, and that nobody outside the actor's view, of another
// organization, or without users.view is told more than "not found".
func TestFindUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		inA, inB := s.user("staff", s.siteA), s.user("staff", s.siteB)

		for _, login := range []string{inA.Username, strings.ToUpper(inA.Email), " " + inA.Email + " "} {
			u, err := f.svc.FindUser(f.ctx, s.mgr, login)
			if err != nil || u.ID != inA.ID {
				t.Errorf("FindUser(%q) = %v, %v", login, u, err)
			}
		}
		for _, login := range []string{inB.Username, inB.Email, "nobody@example.org", ""} {
			if _, err := f.svc.FindUser(f.ctx, s.mgr, login); directory.KindOf(err) != directory.KindNotFound {
				t.Errorf("FindUser(%q) by a site manager: %v, want not found", login, err)
			}
		}
		if u, err := f.svc.FindUser(f.ctx, f.op, inB.Email); err != nil || u.ID != inB.ID {
			t.Errorf("the operator finds %v, %v", u, err)
		}
		_, other := f.newOrg()
		if _, err := f.svc.FindUser(f.ctx, other, inA.Email); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("another organization: %v", err)
		}
		_, basic := s.actor("basic", nil)
		if _, err := f.svc.FindUser(f.ctx, basic, inA.Email); directory.KindOf(err) != directory.KindForbidden {
			t.Errorf("without users.view: %v", err)
		}
	})
}
