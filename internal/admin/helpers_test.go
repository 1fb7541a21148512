package admin_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The tests share one database per engine with every other test of the
// package (and of other packages' runs), so each one makes its own
// organization and never counts rows outside it.

// hasher hashes the few passwords the tests set through the service; each
// hash costs about 50 ms, so most tests give users a password with
// setPassword instead, which stores one precomputed hash.
var hasher *auth.Hasher

// testPassword is the password behind storedHash.
const testPassword = "correct horse battery staple"

// storedHash is an argon2id hash of testPassword, made once.
var storedHash = sync.OnceValues(func() (string, error) { return hasher.Hash(testPassword) })

func TestMain(m *testing.M) {
	h, err := auth.NewHasher(auth.DefaultArgon2Params())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hasher = h
	os.Exit(storetest.Main(m))
}

// clock is the fake clock of a service: it stands still until advanced.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// startTime is where every fake clock starts.
var startTime = time.Date(2031, time.May, 4, 10, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newService returns a service on e's database with its own fake clock.
func newService(e *storetest.Engine) (*admin.Service, *clock) {
	c := &clock{now: startTime}
	svc := admin.New(e.DB, admin.Options{Hasher: hasher, Clock: c.Now, FailedSignInTime: time.Microsecond, Logger: slog.New(slog.DiscardHandler)})
	return svc, c
}

// randHex returns n random bytes in hex, for slugs and names that must not
// collide with those of other tests.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// fixture is one test's organization on one engine, with a service and the
// operator of the organization.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	svc   *admin.Service
	clock *clock
	org   *directory.Organization
	op    *admin.Actor
}

// setup creates an organization with a random slug on e.
func setup(t *testing.T, e *storetest.Engine) *fixture {
	t.Helper()
	ctx := t.Context()
	svc, c := newService(e)
	org, err := svc.CreateOrganization(ctx, "t-"+randHex(6), "Test "+t.Name())
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return &fixture{t: t, ctx: ctx, db: e.DB, svc: svc, clock: c, org: org, op: admin.Operator(org.ID)}
}

// newOrg creates another organization on the same database and service.
func (f *fixture) newOrg() (*directory.Organization, *admin.Actor) {
	f.t.Helper()
	org, err := f.svc.CreateOrganization(f.ctx, "t-"+randHex(6), "Other "+f.t.Name())
	if err != nil {
		f.t.Fatalf("CreateOrganization: %v", err)
	}
	return org, admin.Operator(org.ID)
}

// input returns a valid UserInput with a unique username and email.
func input() *admin.UserInput {
	tag := randHex(4)
	return &admin.UserInput{Profile: directory.Profile{
		Username: "user" + tag, Email: "user" + tag + "@example.org", FirstName: "Pat", LastName: "Doe" + tag,
	}}
}

// createUser adds a pending user as the operator; edit, when not nil,
// changes the input first.
func (f *fixture) createUser(edit func(in *admin.UserInput)) *directory.User {
	f.t.Helper()
	in := input()
	if edit != nil {
		edit(in)
	}
	u, err := f.svc.CreateUser(f.ctx, f.op, in)
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// setPassword gives u the stored test password and makes a pending user
// active, straight in the database (no hashing, no audit event).
func (f *fixture) setPassword(u *directory.User) *directory.User {
	f.t.Helper()
	h, err := storedHash()
	if err != nil {
		f.t.Fatal(err)
	}
	u = f.get(u.OrgID, u.ID)
	if u.Status == directory.StatusPending {
		u.Status = directory.StatusActive
	}
	if err := f.db.SetPassword(f.ctx, u, h); err != nil {
		f.t.Fatalf("SetPassword: %v", err)
	}
	return f.get(u.OrgID, u.ID)
}

// activeUser adds a user and makes them active with a password.
func (f *fixture) activeUser(edit func(in *admin.UserInput)) *directory.User {
	f.t.Helper()
	return f.setPassword(f.createUser(edit))
}

// arrange changes the state columns of a user straight in the database.
func (f *fixture) arrange(u *directory.User, edit func(u *directory.User)) *directory.User {
	f.t.Helper()
	u = f.get(u.OrgID, u.ID)
	edit(u)
	if err := f.db.UpdateUserState(f.ctx, u, u.Version); err != nil {
		f.t.Fatalf("UpdateUserState: %v", err)
	}
	return f.get(u.OrgID, u.ID)
}

// grant gives u the built-in role with the given key over the whole
// organization, straight in the database.
func (f *fixture) grant(u *directory.User, roleKey string) *directory.Grant {
	f.t.Helper()
	return f.grantUntil(u, roleKey, time.Time{})
}

// grantUntil is grant with an expiry (zero = none).
func (f *fixture) grantUntil(u *directory.User, roleKey string, expires time.Time) *directory.Grant {
	f.t.Helper()
	r, err := f.db.RoleByKey(f.ctx, u.OrgID, roleKey)
	if err != nil {
		f.t.Fatalf("RoleByKey(%s): %v", roleKey, err)
	}
	g := &directory.Grant{ID: "g-" + randHex(8), OrgID: u.OrgID, UserID: u.ID, RoleID: r.ID, ExpiresAt: expires, CreatedAt: f.clock.Now()}
	if err := f.db.CreateGrant(f.ctx, g); err != nil {
		f.t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

// tokenActor issues a token for u (as the operator of u's organization) and
// authenticates with it, returning the actor and the secret.
func (f *fixture) tokenActor(u *directory.User, ip, requestID string) (*admin.Actor, string) {
	f.t.Helper()
	_, secret, err := f.svc.CreateToken(f.ctx, admin.Operator(u.OrgID), admin.TokenInput{UserID: u.ID, Name: "test token"})
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	a, err := f.svc.AuthenticateToken(f.ctx, secret, ip, requestID)
	if err != nil {
		f.t.Fatalf("AuthenticateToken: %v", err)
	}
	return a, secret
}

// reload reads a user of the fixture's organization back from the
// database, with custom field values.
func (f *fixture) reload(id string) *directory.User {
	f.t.Helper()
	return f.get(f.org.ID, id)
}

// get reads a user of any organization back from the database.
func (f *fixture) get(orgID, id string) *directory.User {
	f.t.Helper()
	u, err := f.db.User(f.ctx, orgID, id)
	if err != nil {
		f.t.Fatalf("User(%s): %v", id, err)
	}
	if u.CustomFields, err = f.db.FieldValues(f.ctx, id); err != nil {
		f.t.Fatalf("FieldValues: %v", err)
	}
	// The invitation state is worked out from the links, as the service
	// does for every user it returns.
	newest, err := f.db.NewestInvitations(f.ctx, orgID, []string{id})
	if err != nil {
		f.t.Fatalf("NewestInvitations: %v", err)
	}
	u.Invitation = directory.InvitationOf(u, newest[id], f.clock.Now())
	return u
}

// eventIDs returns the ids of the organization's audit events so far.
func (f *fixture) eventIDs() map[string]bool {
	f.t.Helper()
	seen := map[string]bool{}
	for _, e := range f.events() {
		seen[e.ID] = true
	}
	return seen
}

// events returns every audit event of the organization, newest first.
func (f *fixture) events() []*directory.AuditEvent {
	f.t.Helper()
	var out []*directory.AuditEvent
	filter := store.AuditFilter{Limit: 500}
	for {
		page, err := f.db.ListAudit(f.ctx, f.org.ID, filter)
		if err != nil {
			f.t.Fatalf("ListAudit: %v", err)
		}
		out = append(out, page.Events...)
		if page.Next == nil {
			return out
		}
		filter.After = page.Next
	}
}

// eventsSince returns the events not in before.
func (f *fixture) eventsSince(before map[string]bool) []*directory.AuditEvent {
	f.t.Helper()
	var out []*directory.AuditEvent
	for _, e := range f.events() {
		if !before[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// oneEvent asserts that exactly one event was written since before, with
// the given action, and returns it.
func (f *fixture) oneEvent(before map[string]bool, action string) *directory.AuditEvent {
	f.t.Helper()
	evs := f.eventsSince(before)
	if len(evs) != 1 {
		f.t.Fatalf("%d new audit events (%v), want one %s", len(evs), actions(evs), action)
	}
	if evs[0].Action != action {
		f.t.Fatalf("audit action = %q, want %q", evs[0].Action, action)
	}
	return evs[0]
}

// noEvent asserts that no event was written since before.
func (f *fixture) noEvent(before map[string]bool) {
	f.t.Helper()
	if evs := f.eventsSince(before); len(evs) != 0 {
		f.t.Fatalf("%d new audit events (%v), want none", len(evs), actions(evs))
	}
}

func actions(evs []*directory.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Action
	}
	return out
}

// changedFields lists the field names of an event's changes, in order.
func changedFields(e *directory.AuditEvent) []string {
	out := []string{}
	for _, c := range e.Changes {
		out = append(out, c.Field)
	}
	return out
}

// wantKind fails the test unless err is a domain error of kind k.
func wantKind(t *testing.T, err error, k directory.Kind) {
	t.Helper()
	if got := directory.KindOf(err); got != k {
		t.Fatalf("error = %v (kind %v), want kind %v", err, got, k)
	}
}

// fieldErrors returns the per-field messages of a domain error.
func fieldErrors(err error) []directory.FieldError {
	var e *directory.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// fieldErrs builds field errors from field, message pairs.
func fieldErrs(pairs ...string) []directory.FieldError {
	var out []directory.FieldError
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, directory.FieldError{Field: pairs[i], Message: pairs[i+1]})
	}
	return out
}
