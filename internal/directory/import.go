package directory

import "time"

// ImportKind says what an import loads.
type ImportKind string

// The import kinds.
const (
	ImportUsers         ImportKind = "users"
	ImportRelationships ImportKind = "relationships"
)

// ImportMode says what an import of users does with each row.
type ImportMode string

// The import modes.
const (
	ImportCreate ImportMode = "create" // "Import Users": every row is a new user
	ImportUpdate ImportMode = "update" // "Update Users": every row matches an existing user
	ImportUpsert ImportMode = "upsert" // create the users that do not exist, update the others
)

// Valid reports whether m is a known mode.
func (m ImportMode) Valid() bool {
	return m == ImportCreate || m == ImportUpdate || m == ImportUpsert
}

// ImportState is where an import stands.
type ImportState string

// The import states. A draft is uploaded and being mapped and previewed;
// queued and running imports belong to the background worker; a rollback
// is queued as rolling_back and ends as rolled_back.
const (
	ImportDraft       ImportState = "draft"
	ImportQueued      ImportState = "queued"
	ImportRunning     ImportState = "running"
	ImportDone        ImportState = "done"
	ImportFailed      ImportState = "failed"
	ImportRollingBack ImportState = "rolling_back"
	ImportRolledBack  ImportState = "rolled_back"
)

// Busy reports whether the worker still has the import in hand.
func (s ImportState) Busy() bool {
	return s == ImportQueued || s == ImportRunning || s == ImportRollingBack
}

// The outcomes of an import row.
const (
	RowCreated   = "created"
	RowUpdated   = "updated"
	RowUnchanged = "unchanged"
	RowError     = "error"
)

// ImportCounts counts the rows of an import by outcome.
type ImportCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Errors    int `json:"errors"`
}

// Rows is the number of rows counted.
func (c ImportCounts) Rows() int { return c.Created + c.Updated + c.Unchanged + c.Errors }

// ImportMatch says how the rows of an update name existing users, and how
// a relationship import names both users: by user name or by user code
// (external id).
const (
	MatchUsername   = "username"
	MatchExternalID = "external_id"
)

// Import is one CSV import with its settings and progress.
type Import struct {
	ID               string
	OrgID            string
	Kind             ImportKind
	Mode             ImportMode
	MatchBy          string
	RelationshipKind string
	Invite           bool
	FileName         string
	Delimiter        rune
	Headers          []string
	// Mapping holds, for each column, the key of the field it fills
	// (see admin.Column) or "" for a column left out.
	Mapping []string
	State   ImportState
	Total   int // data rows in the file
	Done    int // rows processed so far
	Counts  ImportCounts
	// Preview is the last dry run's result, nil before one.
	Preview *ImportPreview
	// RollbackCounts counts what the rollback did, by outcome.
	RollbackCounts map[string]int
	// Failure says why a failed import stopped.
	Failure string
	// Owner is who asked for the import: the worker acts with their rights.
	Owner          ImportOwner
	CreatedAt      time.Time
	StartedAt      time.Time
	FinishedAt     time.Time
	RollbackBy     string
	RollbackByName string
	RollbackAt     time.Time // when the rollback was asked for
	RolledBackAt   time.Time
	// RollbackOwner is who asked for the rollback: the worker undoes the
	// import with their rights.
	RollbackOwner *ImportOwner
	Version       int64
}

// ImportOwner is who asked for an import or its rollback, kept so that the
// background worker acts with their rights (and no more) and audits in
// their name.
type ImportOwner struct {
	ActorID        string `json:"actor_id"`
	ActorName      string `json:"actor_name"`
	GrantID        string `json:"grant_id"`
	TokenID        string `json:"token_id"`
	ImpersonatorID string `json:"impersonator_id"`
	Operator       bool   `json:"operator"`
	IP             string `json:"ip"`
	RequestID      string `json:"request_id"`
}

// ImportPreview is the result of a dry run: the counts, and the first rows
// of each outcome.
type ImportPreview struct {
	At      time.Time              `json:"at"`
	Counts  ImportCounts           `json:"counts"`
	Samples map[string][]ImportRow `json:"samples"`
}

// ImportRow is one data row of an import and, once processed, what it did.
type ImportRow struct {
	Line     int      `json:"line"`      // 1 = the first row after the header
	FileLine int      `json:"file_line"` // the line of the file it starts on
	Cells    []string `json:"cells"`
	Outcome  string   `json:"outcome"` // "" while not processed
	Message  string   `json:"message"`
	UserID   string   `json:"user_id"`
	Name     string   `json:"name"`
	Changes  []Change `json:"changes,omitempty"`
	Rollback string   `json:"rollback,omitempty"`
}

// ImportMapping is a column mapping saved for reuse.
type ImportMapping struct {
	ID        string
	OrgID     string
	Kind      ImportKind
	Name      string
	Headers   []string
	Mapping   []string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}
