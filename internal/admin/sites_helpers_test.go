package admin_test

import (
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// siteSetup is an organization with two sites, A and B, and a manager of
// site A who acts through a token: the scoped actor of the group and
// relationship tests.
type siteSetup struct {
	*fixture
	siteA, siteB *directory.Unit
	manager      *directory.User
	mgr          *admin.Actor
}

func newSiteSetup(f *fixture) *siteSetup {
	f.t.Helper()
	s := &siteSetup{fixture: f, siteA: f.createUnit("Site A", "site", nil), siteB: f.createUnit("Site B", "site", nil)}
	s.manager, s.mgr = s.actor("manager", s.siteA)
	return s
}

// grantOn gives u the built-in role with the given key over unit (the whole
// organization when unit is nil), straight in the database.
func (s *siteSetup) grantOn(u *directory.User, roleKey string, unit *directory.Unit) {
	s.t.Helper()
	r, err := s.db.RoleByKey(s.ctx, u.OrgID, roleKey)
	if err != nil {
		s.t.Fatalf("RoleByKey(%s): %v", roleKey, err)
	}
	g := &directory.Grant{ID: "g-" + randHex(8), OrgID: u.OrgID, UserID: u.ID, RoleID: r.ID, CreatedAt: s.clock.Now()}
	if unit != nil {
		g.UnitID = unit.ID
	}
	if err := s.db.CreateGrant(s.ctx, g); err != nil {
		s.t.Fatalf("CreateGrant: %v", err)
	}
}

// user adds a pending user, created by the operator, who holds roleKey over
// unit.
func (s *siteSetup) user(roleKey string, unit *directory.Unit) *directory.User {
	s.t.Helper()
	u := s.createUser(nil)
	s.grantOn(u, roleKey, unit)
	return u
}

// actor adds an active user holding roleKey over unit and returns them with
// the actor of a token of theirs.
func (s *siteSetup) actor(roleKey string, unit *directory.Unit) (*directory.User, *admin.Actor) {
	s.t.Helper()
	u := s.activeUser(nil)
	s.grantOn(u, roleKey, unit)
	a, _ := s.tokenActor(u, "198.51.100.4", "req-"+randHex(4))
	return u, a
}

// signedIn records a sign-in of u, which makes them undeletable.
func (s *siteSetup) signedIn(u *directory.User) *directory.User {
	s.t.Helper()
	if err := s.db.RecordSignIn(s.ctx, u.OrgID, u.ID, s.clock.Now().UnixMicro()); err != nil {
		s.t.Fatal(err)
	}
	return s.reload(u.ID)
}

// visibleIDs lists the ids of every user a sees in the live user list.
func (s *siteSetup) visibleIDs(a *admin.Actor) map[string]bool {
	s.t.Helper()
	page, err := s.svc.ListUsers(s.ctx, a, store.UserFilter{Limit: 500})
	if err != nil {
		s.t.Fatalf("ListUsers: %v", err)
	}
	out := map[string]bool{}
	for _, u := range page.Users {
		out[u.ID] = true
	}
	if len(out) != page.Total {
		s.t.Fatalf("%d users listed, total %d", len(out), page.Total)
	}
	return out
}

// pageUserIDs lists the ids of a page of users, in order.
func pageUserIDs(page *store.UserPage) []string {
	out := []string{}
	for _, u := range page.Users {
		out = append(out, u.ID)
	}
	return out
}

// okOrFatal fails the test on an error.
func okOrFatal(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
