package directory

import "time"

// RequiredField is a value a role asks of every grant of it, such as the
// service a Service Contact provides.
type RequiredField struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Relation says how a user holds a resource.
type Relation string

// The relations of a direct resource assignment.
const (
	RelationAccess   Relation = "access"
	RelationDirector Relation = "director"
	RelationEditor   Relation = "editor"
	RelationViewer   Relation = "viewer"
)

// Valid reports whether r is a known relation.
func (r Relation) Valid() bool {
	switch r {
	case RelationAccess, RelationDirector, RelationEditor, RelationViewer:
		return true
	}
	return false
}

// ResourceKind is a kind of resource and its label (client, student, channel…).
type ResourceKind struct {
	Key      string
	Label    string
	Position int
}

// DefaultResourceKinds are the kinds every new organization starts with.
var DefaultResourceKinds = []ResourceKind{
	{Key: "client", Label: "Client", Position: 1},
	{Key: "student", Label: "Student", Position: 2},
	{Key: "channel", Label: "Channel", Position: 3},
}

// Resource is something a host application owns that users reach one by
// one, or all at once through resources.all_in_scope.
type Resource struct {
	ID         string
	OrgID      string
	Kind       string
	Name       string
	ExternalID string
	UnitID     string // "" = belongs to the whole organization
	ArchivedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// ResourceGrant gives one user one resource with a relation.
type ResourceGrant struct {
	ID         string
	OrgID      string
	UserID     string
	ResourceID string
	Relation   Relation
	CreatedBy  string
	CreatedAt  time.Time
}

// GroupCategory sorts groups.
type GroupCategory struct {
	ID        string
	OrgID     string
	Name      string
	CreatedAt time.Time
}

// Group is a named collection of users.
type Group struct {
	ID          string
	OrgID       string
	CategoryID  string
	Name        string
	Description string
	Members     int // filled by lists
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Built-in relationship kinds.
const (
	RelParentOf     = "parent_of"
	RelSupervisorOf = "supervisor_of"
)

// RelationshipKind is a kind of link between two users, read from the
// first user ("Parent of") and from the second ("Student of").
type RelationshipKind struct {
	Key          string
	Label        string
	InverseLabel string
}

// DefaultRelationshipKinds are the kinds every organization starts with.
var DefaultRelationshipKinds = []RelationshipKind{
	{Key: RelParentOf, Label: "Parent of", InverseLabel: "Student of"},
	{Key: RelSupervisorOf, Label: "Supervisor of", InverseLabel: "Team member of"},
}

// Relationship links two users: From is Kind of To (a parent of a student).
type Relationship struct {
	ID         string
	OrgID      string
	Kind       string
	FromUserID string
	ToUserID   string
	CreatedBy  string
	CreatedAt  time.Time
}
