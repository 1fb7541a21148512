package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The tests share one database per engine with every other test of the
// package, so each one makes its own organization and never counts rows
// outside it.

// newID returns a fresh time-ordered id, as the application makes them.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// randHex returns n random bytes in hex, for slugs and names that must not
// collide with those of other tests.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// baseTime is a fixed instant, in microseconds and UTC as the store keeps
// times, that tests offset from instead of reading the clock.
var baseTime = time.Date(2030, time.March, 14, 9, 26, 53, 589793000, time.UTC)

// at returns baseTime moved by d.
func at(d time.Duration) time.Time { return baseTime.Add(d) }

// createOrg makes a new organization with a random slug.
func createOrg(t *testing.T, db *store.DB) *directory.Organization {
	t.Helper()
	o := &directory.Organization{ID: newID(), Slug: "org-" + randHex(6), Name: "Test " + t.Name(),
		PremiumSeatLimit: -1, CreatedAt: baseTime, UpdatedAt: baseTime}
	if err := db.CreateOrganization(context.Background(), o); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return o
}

// newUser returns an active user of org with unique username and email;
// edit, when not nil, changes it before it is stored.
func newUser(orgID string, edit func(u *directory.User)) *directory.User {
	tag := randHex(4)
	u := &directory.User{
		ID:    newID(),
		OrgID: orgID,
		Profile: directory.Profile{
			Username:  "user" + tag,
			Email:     "user" + tag + "@example.org",
			FirstName: "First",
			LastName:  "Last",
			License:   directory.LicenseStandard,
		},
		Status:    directory.StatusActive,
		CreatedAt: baseTime,
		UpdatedAt: baseTime,
	}
	if edit != nil {
		edit(u)
	}
	return u
}

// createUser stores newUser(orgID, edit) and returns it.
func createUser(t *testing.T, db *store.DB, orgID string, edit func(u *directory.User)) *directory.User {
	t.Helper()
	u := newUser(orgID, edit)
	if err := db.CreateUser(context.Background(), u, ""); err != nil {
		t.Fatalf("CreateUser %s: %v", u.Username, err)
	}
	return u
}

// createUnit stores a unit of kind "department" under parent (nil = root).
func createUnit(t *testing.T, db *store.DB, orgID string, parent *directory.Unit, name, code string) *directory.Unit {
	t.Helper()
	u := &directory.Unit{ID: newID(), OrgID: orgID, Kind: "department", Name: name, Code: code,
		CreatedAt: baseTime, UpdatedAt: baseTime}
	if parent != nil {
		u.ParentID = parent.ID
		u.Path = parent.Path + u.ID + "/"
	} else {
		u.Path = "/" + u.ID + "/"
	}
	if err := db.CreateUnit(context.Background(), u); err != nil {
		t.Fatalf("CreateUnit %s: %v", name, err)
	}
	u.Version = 1
	return u
}

// createRole stores a role of org with the given level.
func createRole(t *testing.T, db *store.DB, orgID, name string, level int) *directory.Role {
	t.Helper()
	r := &directory.Role{ID: newID(), OrgID: orgID, Name: name, Level: level,
		Permissions: []directory.Permission{"users.view"}, CreatedAt: baseTime, UpdatedAt: baseTime}
	if err := db.CreateRole(context.Background(), r); err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return r
}

// createGrant gives user the role over the whole organization until expires
// (zero = never).
func createGrant(t *testing.T, db *store.DB, u *directory.User, r *directory.Role, expires time.Time) *directory.Grant {
	t.Helper()
	g := &directory.Grant{ID: newID(), OrgID: u.OrgID, UserID: u.ID, RoleID: r.ID, ExpiresAt: expires, CreatedAt: baseTime}
	if err := db.CreateGrant(context.Background(), g); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

// wantKind fails the test unless err is a domain error of kind k.
func wantKind(t *testing.T, err error, k directory.Kind) {
	t.Helper()
	if got := directory.KindOf(err); got != k {
		t.Fatalf("got error %v (kind %v); want kind %v", err, got, k)
	}
}

// wantDuplicate fails the test unless err is a *store.DuplicateError on field.
func wantDuplicate(t *testing.T, err error, field string) {
	t.Helper()
	var dup *store.DuplicateError
	if !errors.As(err, &dup) {
		t.Fatalf("got error %v; want a *store.DuplicateError on %s", err, field)
	}
	if dup.Field != field {
		t.Fatalf("got a duplicate on %q; want one on %q", dup.Field, field)
	}
}

// rawSQL writes q, whose placeholders are ?, for the engine of e, so that
// tests can reach the database underneath the store.
func rawSQL(e *storetest.Engine, q string) string {
	if e.DB.Engine() != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ids returns the ids of users in order.
func ids(users []*directory.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// listAll returns every user of org matching f, in one page.
func listAll(t *testing.T, db *store.DB, orgID string, f store.UserFilter) *store.UserPage {
	t.Helper()
	f.Limit = 1000
	page, err := db.ListUsers(context.Background(), orgID, f)
	if err != nil {
		t.Fatalf("ListUsers(%+v): %v", f, err)
	}
	if page.Next != nil {
		t.Fatalf("ListUsers(%+v): a second page of more than 1000 users", f)
	}
	return page
}

// usernames returns the usernames of users in order, for readable diffs.
func usernames(users []*directory.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Username
	}
	return out
}
