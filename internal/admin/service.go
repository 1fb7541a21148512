// Package admin holds Roster's use cases and every business rule. Each
// exported method is one operation: it checks the actor's right to act,
// runs in one transaction and writes one audit record. The console, the
// REST API, SCIM, the CLI and imports all call these methods.
package admin

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/mail"
	"roster/internal/store"
)

// PasswordHasher hashes new passwords and verifies stored ones.
// *auth.Hasher is the one Roster uses.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// VerifyAny checks a password against a stored hash of any supported
	// algorithm and says whether the hash should be replaced.
	VerifyAny(encoded, password string) (ok, rehash bool, err error)
	// DummyVerify spends the time of a verification and fails.
	DummyVerify(password string)
}

// Options configure a Service.
type Options struct {
	// Clock returns the current time; tests replace it. Defaults to time.Now.
	Clock func() time.Time
	// Hasher hashes passwords with argon2id and verifies imported hashes.
	Hasher PasswordHasher
	// Blocklist holds the common passwords refused as new passwords;
	// nil = the built-in list alone.
	Blocklist *auth.Blocklist
	// BaseURL is the public URL links in mail are built from.
	BaseURL string
	// LogLinks prints the link of every mail put in the outbox to the log,
	// for installations that deliver no mail yet.
	LogLinks bool
	// ForgotPasswordTime is how long every "forgot password" request takes,
	// whether or not the account exists, so that its timing tells nothing.
	// Defaults to 400 ms.
	ForgotPasswordTime time.Duration
	// FailedSignInTime is the least time a refused sign-in (or second
	// factor) takes, so that its timing tells nothing about the account.
	// It should exceed the time of a password hash with room to spare.
	// Defaults to 300 ms.
	FailedSignInTime time.Duration
	// Logger receives operational messages. Defaults to slog.Default().
	Logger *slog.Logger
}

// Service runs the use cases against a database.
type Service struct {
	db        *store.DB
	clock     func() time.Time
	hasher    PasswordHasher
	blocklist *auth.Blocklist
	baseURL   string
	forgotFor time.Duration
	failFor   time.Duration
	logLinks  bool
	templates *mail.Templates
	log       *slog.Logger
	// importCrash, set by tests, stops import workers as a crash would.
	importCrash importCrash
	// importBeforeWrite, set by tests, runs between planning a batch of an
	// import and writing it, to act as another writer would.
	importBeforeWrite func(ctx context.Context, tx *store.Tx) error
	// importAhead, set by tests, is told the first line of each batch that
	// planAhead has read and planned.
	importAhead func(from int)
	// importBatchRows, set by tests, replaces the rows per import batch.
	importBatchRows int
}

// New returns a Service on db.
func New(db *store.DB, o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Blocklist == nil {
		o.Blocklist, _ = auth.NewBlocklist(nil) // the built-in list alone cannot fail
	}
	if o.ForgotPasswordTime <= 0 {
		o.ForgotPasswordTime = 400 * time.Millisecond
	}
	if o.FailedSignInTime <= 0 {
		o.FailedSignInTime = 300 * time.Millisecond
	}
	templates, err := mail.LoadTemplates()
	if err != nil {
		// The templates are embedded; one that does not parse is a bug the
		// tests catch, not a condition to handle at run time.
		panic(err)
	}
	return &Service{db: db, templates: templates, clock: o.Clock, hasher: o.Hasher, blocklist: o.Blocklist,
		baseURL: strings.TrimRight(o.BaseURL, "/"), forgotFor: o.ForgotPasswordTime, failFor: o.FailedSignInTime, logLinks: o.LogLinks, log: o.Logger}
}

// now returns the current time in UTC at the microsecond precision the
// database keeps, so that what a method returns equals what a read returns.
func (s *Service) now() time.Time {
	return s.clock().UTC().Truncate(time.Microsecond)
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// newID returns a time-ordered random id (UUIDv7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Actor is who performs an operation: a user acting through one grant
// (with a session or a token), or the operator at the command line.
type Actor struct {
	OrgID  string
	UserID string
	Name   string
	// TokenID is the API token the request came with, if any; SessionID
	// the browser session.
	TokenID   string
	SessionID string
	// ImpersonatorID is the real user when UserID is being impersonated.
	ImpersonatorID string
	// Grant and Role are the active grant and its role; nil when the user
	// holds no current grant.
	Grant *directory.Grant
	Role  *directory.Role
	// IP and RequestID say where the request came from, for the audit log.
	IP        string
	RequestID string

	operator bool
	// importID names the import the actor is running, for the audit log.
	importID string
	// gated marks the actor of a session that must still clear a gate
	// (second factor, password change, MFA enrolment): it may do nothing.
	gated bool
	// scopePath is the path of the active grant's unit ("/a/b/"), or ""
	// when the grant covers the whole organization.
	scopePath string
}

// Operator returns the actor of a command-line operator of the
// organization: someone with access to the server and its database, who may
// do anything there.
func Operator(orgID string) *Actor {
	return &Actor{OrgID: orgID, Name: "operator (command line)", operator: true}
}

// Can reports whether the actor holds permission p through the active grant.
func (a *Actor) Can(p directory.Permission) bool {
	if a.gated {
		return false
	}
	if a.operator {
		return true
	}
	if a.Role == nil {
		return false
	}
	return a.Role.Key == directory.OwnerRoleKey || a.Role.Has(p)
}

// signedIn refuses an absent actor (KindUnauthorized) and one whose session
// must still clear a gate (KindForbidden).
func signedIn(a *Actor) error {
	if a == nil || a.OrgID == "" {
		return directory.Errorf(directory.KindUnauthorized, "sign in or send an API token")
	}
	if a.gated {
		return directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	return nil
}

// signedInUser is signedIn for operations on the actor's own user, which
// the command-line operator does not have.
func signedInUser(a *Actor) error {
	if a == nil || a.UserID == "" {
		return directory.Errorf(directory.KindUnauthorized, "sign in or send an API token")
	}
	return signedIn(a)
}

// authorize is the one place that decides whether an actor may use a
// permission. It answers a KindForbidden error naming the permission.
func (s *Service) authorize(a *Actor, p directory.Permission) error {
	if a == nil || a.OrgID == "" {
		return directory.Errorf(directory.KindUnauthorized, "sign in or send an API token")
	}
	if a.gated {
		return directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	if !a.Can(p) {
		return directory.Errorf(directory.KindForbidden, "your role does not allow %s", p)
	}
	return nil
}

// record appends an audit event for an operation of a inside tx.
func (s *Service) record(ctx context.Context, tx *store.Tx, a *Actor, action, targetType, targetID, targetName string, changes []directory.Change) error {
	e := &directory.AuditEvent{
		ID: newID(), OrgID: a.OrgID, At: s.now(), ActorID: a.UserID, ActorName: a.Name,
		ImpersonatorID: a.ImpersonatorID, TokenID: a.TokenID, Action: action,
		TargetType: targetType, TargetID: targetID, TargetName: targetName,
		Changes: changes, IP: a.IP, RequestID: a.RequestID, ImportID: a.importID,
	}
	return tx.AppendAudit(ctx, e)
}

// inTx runs fn in one transaction.
func (s *Service) inTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.db.InTx(ctx, fn)
}

// checkVersion compares the version a client last saw (0 = not given) with
// the current one.
func checkVersion(expect, current int64, what string) error {
	if expect != 0 && expect != current {
		return directory.Errorf(directory.KindPrecondition, "the %s was changed by someone else since you loaded it; reload and try again", what)
	}
	return nil
}

func isKind(err error, k directory.Kind) bool { return directory.KindOf(err) == k }

var errStop = errors.New("stop")

// Now returns the service's current time, for front-ends that show
// time-dependent flags such as "expired".
func (s *Service) Now() time.Time { return s.now() }
