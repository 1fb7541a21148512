package directory

import "time"

// TimeOffKind says why a user is away.
type TimeOffKind string

// The kinds of time off.
const (
	TimeOffVacation TimeOffKind = "vacation"
	TimeOffDayOff   TimeOffKind = "day_off"
	TimeOffSick     TimeOffKind = "sick"
)

// Valid reports whether k is a known kind.
func (k TimeOffKind) Valid() bool {
	return k == TimeOffVacation || k == TimeOffDayOff || k == TimeOffSick
}

// DateLayout is how dates without a time are written (ISO 8601).
const DateLayout = "2006-01-02"

// TimeOff is a range of days, both ends included, when a user is away.
type TimeOff struct {
	ID        string
	OrgID     string
	UserID    string
	Kind      TimeOffKind
	StartsOn  string // YYYY-MM-DD
	EndsOn    string // YYYY-MM-DD
	Note      string
	CreatedAt time.Time
}

// FieldType is the type of an organization-defined custom field.
type FieldType string

// The custom field types.
const (
	FieldText   FieldType = "text"
	FieldNumber FieldType = "number"
	FieldDate   FieldType = "date"
	FieldBool   FieldType = "bool"
	FieldChoice FieldType = "choice"
)

// Valid reports whether t is a known field type.
func (t FieldType) Valid() bool {
	switch t {
	case FieldText, FieldNumber, FieldDate, FieldBool, FieldChoice:
		return true
	}
	return false
}

// CustomField is a field an organization adds to its users' profiles.
type CustomField struct {
	ID        string
	OrgID     string
	Key       string
	Label     string
	Type      FieldType
	Required  bool
	Choices   []string
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Token is an API bearer token. The secret itself is never stored.
type Token struct {
	ID      string
	OrgID   string
	UserID  string
	GrantID string // the grant the token acts through; "" = the user's highest current grant
	// ProvisionRoleID and ProvisionUnitID are the role and scope (""
	// = the whole organization) of the grant that users the token creates
	// through SCIM receive; no grant when ProvisionRoleID is "".
	ProvisionRoleID string
	ProvisionUnitID string
	Name            string
	Prefix          string // the first characters of the secret, to recognise it
	CreatedBy       string
	CreatedAt       time.Time
	ExpiresAt       time.Time // zero = never
	LastUsedAt      time.Time
	RevokedAt       time.Time
}

// Photo is a user's re-encoded profile picture.
type Photo struct {
	ContentType string
	Data        []byte
	Width       int
	Height      int
	UpdatedAt   time.Time
}

// Change is the before and after of one changed field in an audit event.
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// AuditEvent records one write: who, on whose behalf, what, which target,
// what changed, when and from where.
type AuditEvent struct {
	ID             string
	OrgID          string
	At             time.Time
	ActorID        string
	ActorName      string
	ImpersonatorID string
	TokenID        string
	Action         string
	TargetType     string
	TargetID       string
	TargetName     string
	Changes        []Change
	IP             string
	RequestID      string
	ImportID       string
}
