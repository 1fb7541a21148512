package rest_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// world is the organization the authorization matrix runs in:
//
//	district D ── site A
//	           └─ site B
//	district E
//
// with a department under each of the four units (the unit targets), the
// actors of the matrix acting through grants at several levels and scopes,
// users of every kind to act on (the user targets), and a second
// organization with its own administrator and user.
//
// Targets are made straight in the database (no audit events, no hashing)
// so that a cell can have one of its own cheaply.
type world struct {
	*fixture
	ctx    context.Context
	other  *directory.Organization
	units  map[string]*directory.Unit // D, A, B, E
	actors map[string]*actor
	// roles holds the built-in roles of each organization by key.
	roles map[string]map[string]*directory.Role

	// shared holds the targets that cells refused by the rule share, made
	// on first use, by key; a cell that changed one unexpectedly drops it,
	// so that the next cell gets a new one.
	shared map[string]any
	// bystander is a user of the first organization who is neither an actor
	// nor a target: the owner of "their" tokens.
	bystander *directory.User
}

// actor is who sends a cell's request.
type actor struct {
	name  string
	orgID string
	user  *directory.User // nil without credentials
	grant *directory.Grant
	token string // "" sends no Authorization header
}

// The actors of the matrix, in the order of the tables' rows.
var actorNames = []string{"owner", "admin", "district", "siteB", "supervisor", "staff", "svc", "otherAdmin", "revoked", "anonymous"}

// archetype describes a kind of user target: their grants (role key @ unit
// name, "" = the whole organization), the unit new grants go to, and how
// they relate to the actors.
type archetype struct {
	org       int // 1 or 2
	grants    []grantSpec
	home      string // unit of a grant given to them ("" = organization-wide)
	createdBy string // the actor who created them
	team      bool   // the supervisor actor supervises them
}

type grantSpec struct{ role, unit string }

// userColumns are the user targets, in the order of the tables' columns.
var userColumns = []string{"bsA", "scA", "stA", "suA", "mgA", "adA", "ow2", "bsB", "mgB", "adB", "tmB", "mix", "ngd", "bsE", "stO", "oth"}

var archetypes = map[string]archetype{
	"bsA": {org: 1, grants: []grantSpec{{"basic", "A"}}, home: "A"},                 // basic (10) on site A
	"scA": {org: 1, grants: []grantSpec{{"service_contact", "A"}}, home: "A"},       // service contact (15) on site A
	"stA": {org: 1, grants: []grantSpec{{"staff", "A"}}, home: "A"},                 // staff (20) on site A
	"suA": {org: 1, grants: []grantSpec{{"supervisor", "A"}}, home: "A"},            // supervisor (40) on site A
	"mgA": {org: 1, grants: []grantSpec{{"manager", "A"}}, home: "A"},               // manager (60) on site A
	"adA": {org: 1, grants: []grantSpec{{"administrator", "A"}}, home: "A"},         // administrator (80) on site A
	"ow2": {org: 1, grants: []grantSpec{{"owner", ""}}},                             // a second owner (100)
	"bsB": {org: 1, grants: []grantSpec{{"basic", "B"}}, home: "B"},                 // basic on site B
	"mgB": {org: 1, grants: []grantSpec{{"manager", "B"}}, home: "B"},               // manager on site B
	"adB": {org: 1, grants: []grantSpec{{"administrator", "B"}}, home: "B"},         // administrator on site B
	"tmB": {org: 1, grants: []grantSpec{{"basic", "B"}}, home: "B", team: true},     // the supervisor's team member, on site B
	"mix": {org: 1, grants: []grantSpec{{"basic", "A"}, {"basic", "E"}}, home: "A"}, // basic on site A and on district E
	"ngd": {org: 1, home: "A", createdBy: "district"},                               // no grant yet, added by the district administrator
	"bsE": {org: 1, grants: []grantSpec{{"basic", "E"}}, home: "E"},                 // basic on district E
	"stO": {org: 1, grants: []grantSpec{{"staff", ""}}},                             // staff over the whole organization
	"oth": {org: 2, grants: []grantSpec{{"basic", ""}}},                             // a user of the other organization
}

// target is one user target.
type target struct {
	user    *directory.User
	grant   *directory.Grant // the first grant; nil for ngd
	timeOff string
	tag     string // a word only this user's name holds, to search for
}

// The states a user target can be asked for.
const (
	stateNormal   = "normal" // active, with a photo and a time-off range
	stateInactive = "inactive"
	stateLocked   = "locked"
	stateBinned   = "binned"
)

// passwordHash is one argon2id hash every matrix user gets.
var passwordHash = sync.OnceValues(func() (string, error) { return hasher.Hash("the matrix password, long enough") })

// newTag returns ten random lower-case letters, starting with "zq": a
// word no other user's name starts with.
func newTag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return "zq" + string(b)
}

// newWorld builds the world on e.
func newWorld(t *testing.T, e *storetest.Engine) *world {
	t.Helper()
	f := newFixture(t, e)
	w := &world{fixture: f, ctx: context.Background(), units: map[string]*directory.Unit{}, actors: map[string]*actor{},
		roles: map[string]map[string]*directory.Role{}, shared: map[string]any{}}
	op := admin.Operator(f.org.ID)
	mkUnit := func(name, kind, parent string) *directory.Unit {
		parentID := ""
		if parent != "" {
			parentID = w.units[parent].ID
		}
		u, err := f.svc.CreateUnit(w.ctx, op, admin.UnitInput{Name: name + " " + newTag(), Kind: kind, ParentID: parentID})
		if err != nil {
			t.Fatalf("CreateUnit %s: %v", name, err)
		}
		w.units[name] = u
		return u
	}
	mkUnit("D", "district", "")
	mkUnit("A", "site", "D")
	mkUnit("B", "site", "D")
	mkUnit("E", "district", "")

	other, err := f.svc.CreateOrganization(w.ctx, "t-"+randHex(6), "Other "+t.Name())
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	w.other = other
	for _, org := range []string{f.org.ID, other.ID} {
		roles, err := e.DB.Roles(w.ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		w.roles[org] = map[string]*directory.Role{}
		for _, r := range roles {
			w.roles[org][r.Key] = r
		}
	}

	w.actors["owner"] = &actor{name: "owner", orgID: f.org.ID, user: f.owner, token: f.token}
	if gs, err := e.DB.UserGrants(w.ctx, f.org.ID, f.owner.ID); err != nil || len(gs) != 1 {
		t.Fatalf("owner grants: %v %v", gs, err)
	} else {
		w.actors["owner"].grant = gs[0]
	}
	w.addActor("admin", f.org.ID, "administrator", "")
	w.addActor("district", f.org.ID, "manager", "D")
	w.addActor("siteB", f.org.ID, "manager", "B")
	w.addActor("supervisor", f.org.ID, "supervisor", "A")
	w.addActor("staff", f.org.ID, "staff", "A")
	w.addActor("svc", f.org.ID, "service_contact", "A")
	w.addActor("otherAdmin", other.ID, "administrator", "")
	// revoked acts for an administrator whose token was revoked.
	rv := w.addActor("revoked", f.org.ID, "administrator", "")
	tokens, err := e.DB.Tokens(w.ctx, f.org.ID, rv.user.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens of the revoked actor: %v %v", tokens, err)
	}
	if err := e.DB.RevokeToken(w.ctx, f.org.ID, tokens[0].ID, clockStart.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	w.actors["anonymous"] = &actor{name: "anonymous", orgID: f.org.ID}
	w.bystander = w.insertUser(f.org.ID, "Bystander", nil)
	return w
}

// addActor makes an active user holding one grant and a token for them.
func (w *world) addActor(name, orgID, roleKey, unit string) *actor {
	w.t.Helper()
	u := w.insertUser(orgID, strings.ToUpper(name[:1])+name[1:], nil)
	g := w.insertGrant(u, roleKey, unit)
	_, secret, err := w.svc.CreateToken(w.ctx, admin.Operator(orgID), admin.TokenInput{UserID: u.ID, Name: name})
	if err != nil {
		w.t.Fatalf("CreateToken %s: %v", name, err)
	}
	a := &actor{name: name, orgID: orgID, user: u, grant: g, token: secret}
	w.actors[name] = a
	return a
}

// insertUser stores an active user with a password straight in the
// database; edit may change them first.
func (w *world) insertUser(orgID, firstName string, edit func(u *directory.User)) *directory.User {
	w.t.Helper()
	hash, err := passwordHash()
	if err != nil {
		w.t.Fatal(err)
	}
	tag := newTag()
	now := w.clock.Now()
	u := &directory.User{ID: uuid.NewString(), OrgID: orgID, Status: directory.StatusActive, CreatedAt: now, UpdatedAt: now,
		Profile: directory.Profile{Username: tag, Email: tag + "@example.org", FirstName: firstName, LastName: tag,
			License: directory.LicenseStandard}}
	if edit != nil {
		edit(u)
	}
	if err := w.e.DB.CreateUser(w.ctx, u, hash); err != nil {
		w.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// insertGrant gives u the built-in role with the given key over the named
// unit ("" = the whole organization) straight in the database.
func (w *world) insertGrant(u *directory.User, roleKey, unit string) *directory.Grant {
	w.t.Helper()
	g := &directory.Grant{ID: uuid.NewString(), OrgID: u.OrgID, UserID: u.ID, RoleID: w.roles[u.OrgID][roleKey].ID, CreatedAt: w.clock.Now()}
	if unit != "" {
		g.UnitID = w.units[unit].ID
	}
	if roleKey == "service_contact" {
		g.Fields = map[string]string{"service_description": "Speech therapy"}
	}
	if err := w.e.DB.CreateGrant(w.ctx, g); err != nil {
		w.t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

// newTarget makes a user target of the given column in the given state.
func (w *world) newTarget(column, state string) *target {
	w.t.Helper()
	a, ok := archetypes[column]
	if !ok {
		w.t.Fatalf("no user target %q", column)
	}
	orgID := w.org.ID
	if a.org == 2 {
		orgID = w.other.ID
	}
	u := w.insertUser(orgID, "Target", func(u *directory.User) {
		if a.createdBy != "" {
			u.CreatedBy = w.actors[a.createdBy].user.ID
		}
		if a.team {
			u.SupervisorID = w.actors["supervisor"].user.ID
		}
	})
	tg := &target{user: u, tag: u.LastName}
	for _, gs := range a.grants {
		g := w.insertGrant(u, gs.role, gs.unit)
		if tg.grant == nil {
			tg.grant = g
		}
	}
	switch state {
	case stateNormal:
		if err := w.e.DB.PutPhoto(w.ctx, orgID, u.ID, &directory.Photo{ContentType: "image/jpeg", Data: []byte("not really a jpeg"),
			Width: 1, Height: 1, UpdatedAt: w.clock.Now()}); err != nil {
			w.t.Fatal(err)
		}
		off := &directory.TimeOff{ID: uuid.NewString(), OrgID: orgID, UserID: u.ID, Kind: "vacation",
			StartsOn: "2030-07-01", EndsOn: "2030-07-14", CreatedAt: w.clock.Now()}
		if err := w.e.DB.CreateTimeOff(w.ctx, off); err != nil {
			w.t.Fatal(err)
		}
		tg.timeOff = off.ID
	case stateInactive:
		u.Status = directory.StatusInactive
	case stateLocked:
		u.LockedAt, u.LockReason, u.FailedAttempts = w.clock.Now(), "too many failed sign-ins", 10
	case stateBinned:
		u.DeletedAt = w.clock.Now()
	default:
		w.t.Fatalf("unknown state %q", state)
	}
	if state != stateNormal {
		if err := w.e.DB.UpdateUserState(w.ctx, u, u.Version); err != nil {
			w.t.Fatalf("UpdateUserState: %v", err)
		}
	}
	return tg
}

// unitColumns are the unit targets: a department under each unit.
var unitColumns = []string{"inD", "inA", "inB", "inE"}

// newUnit makes a department under the unit a column names, archived when
// asked.
func (w *world) newUnit(column string, archived bool) *directory.Unit {
	w.t.Helper()
	parent := w.units[strings.TrimPrefix(column, "in")]
	if parent == nil {
		w.t.Fatalf("no unit target %q", column)
	}
	now := w.clock.Now()
	u := &directory.Unit{ID: uuid.NewString(), OrgID: w.org.ID, ParentID: parent.ID, Kind: "department",
		Name: "Dept " + newTag(), CreatedAt: now, UpdatedAt: now, Version: 1}
	u.Path = parent.Path + u.ID + "/"
	if err := w.e.DB.CreateUnit(w.ctx, u); err != nil {
		w.t.Fatalf("CreateUnit: %v", err)
	}
	if archived {
		u.ArchivedAt = now
		if err := w.e.DB.UpdateUnit(w.ctx, u, u.Version); err != nil {
			w.t.Fatalf("UpdateUnit: %v", err)
		}
		u.Version++
	}
	return u
}

// roleColumns are the role targets: a role below everyone's level, one
// above the administrator's, the owner role, the default role, and a role
// someone holds.
var roleColumns = []string{"low", "high", "own", "dft", "held"}

// newRole makes a role target; own and dft are the built-in roles.
func (w *world) newRole(column string) *directory.Role {
	w.t.Helper()
	switch column {
	case "own":
		return w.roles[w.org.ID]["owner"]
	case "dft":
		return w.roles[w.org.ID]["basic"]
	}
	level := map[string]int{"low": 5, "high": 90, "held": 5}[column]
	now := w.clock.Now()
	r := &directory.Role{ID: uuid.NewString(), OrgID: w.org.ID, Name: "Role " + newTag(), Level: level,
		Permissions: []directory.Permission{}, CreatedAt: now, UpdatedAt: now}
	if err := w.e.DB.CreateRole(w.ctx, r); err != nil {
		w.t.Fatalf("CreateRole: %v", err)
	}
	if column == "held" {
		u := w.insertUser(w.org.ID, "Holder", nil)
		g := &directory.Grant{ID: uuid.NewString(), OrgID: w.org.ID, UserID: u.ID, RoleID: r.ID, CreatedAt: now}
		if err := w.e.DB.CreateGrant(w.ctx, g); err != nil {
			w.t.Fatalf("CreateGrant: %v", err)
		}
	}
	return r
}

// newField defines a custom field of the first organization.
func (w *world) newField() *directory.CustomField {
	w.t.Helper()
	fd, err := w.svc.CreateField(w.ctx, admin.Operator(w.org.ID), admin.FieldInput{Key: "f_" + newTag(), Label: "Field", Type: directory.FieldText})
	if err != nil {
		w.t.Fatalf("CreateField: %v", err)
	}
	return fd
}

// newToken makes an API token of u straight in the database.
func (w *world) newToken(u *directory.User) *directory.Token {
	w.t.Helper()
	tk := &directory.Token{ID: uuid.NewString(), OrgID: u.OrgID, UserID: u.ID, Name: "spare", Prefix: "rst_spare",
		CreatedAt: w.clock.Now()}
	if err := w.e.DB.CreateToken(w.ctx, tk, "hash-"+tk.ID); err != nil {
		w.t.Fatalf("CreateToken: %v", err)
	}
	return tk
}

// newSession makes a signed-in session of u straight in the database.
func (w *world) newSession(u *directory.User) *directory.Session {
	w.t.Helper()
	now := w.clock.Now()
	s := &directory.Session{ID: uuid.NewString(), OrgID: u.OrgID, UserID: u.ID, Stage: directory.StageFull, IP: "192.0.2.9",
		UserAgent: "Matrix/1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := w.e.DB.CreateSession(w.ctx, s, "hash-"+s.ID); err != nil {
		w.t.Fatalf("CreateSession: %v", err)
	}
	return s
}

// session returns the cell's session: one of the actor's own (mine) or a
// bystander's (theirs).
func (c *cell) session() *directory.Session {
	owner := c.w.bystander
	if c.column == "mine" {
		owner = c.actor.user
		if owner == nil {
			owner = c.w.owner
		}
	}
	return c.get("session:"+c.column+":"+owner.ID, func() any { return c.w.newSession(owner) }).(*directory.Session)
}

// newestEvent returns the newest audit event of an organization (an empty
// one when there is none).
func (w *world) newestEvent(orgID string) *directory.AuditEvent {
	w.t.Helper()
	page, err := w.e.DB.ListAudit(w.ctx, orgID, store.AuditFilter{Limit: 1})
	if err != nil {
		w.t.Fatalf("ListAudit: %v", err)
	}
	if len(page.Events) == 0 {
		return &directory.AuditEvent{}
	}
	return page.Events[0]
}

// send sends a request as the actor.
func (w *world) send(a *actor, method, path string, body any, header ...string) *response {
	auth := []string{"Authorization", ""}
	if a.token != "" {
		auth = as(a.token)
	}
	return w.do(method, path, body, append(auth, header...)...)
}

// okStatus reports whether a status is a success.
func okStatus(code int) bool { return code >= 200 && code < 300 }

// with returns the world for a subtest.
func (w *world) with(t *testing.T) *world {
	c := *w
	c.fixture = w.fixture.with(t)
	return &c
}

// role returns a built-in role of the first organization.
func (w *world) role(key string) *directory.Role { return w.roles[w.org.ID][key] }

// newActor makes an active user of the first organization holding the
// given grants (made straight in the database) and a token for them.
func (w *world) newActor(name string, grants ...*directory.Grant) *actor {
	w.t.Helper()
	u := w.insertUser(w.org.ID, name, nil)
	a := &actor{name: name, orgID: w.org.ID, user: u}
	for _, g := range grants {
		g.ID, g.OrgID, g.UserID, g.CreatedAt = uuid.NewString(), w.org.ID, u.ID, w.clock.Now()
		if err := w.e.DB.CreateGrant(w.ctx, g); err != nil {
			w.t.Fatalf("CreateGrant: %v", err)
		}
		if a.grant == nil {
			a.grant = g
		}
	}
	a.token = w.tokenFor(u.ID)
	return a
}
