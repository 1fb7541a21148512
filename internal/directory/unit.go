package directory

import "time"

// Unit is a node of an organization's tree (district, site, business unit…).
type Unit struct {
	ID         string
	OrgID      string
	ParentID   string // "" for a root unit
	Path       string // "/rootID/…/ID/": the ids from the root down to this unit
	Kind       string
	Name       string
	Code       string
	ArchivedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Archived reports whether the unit is archived.
func (u *Unit) Archived() bool { return !u.ArchivedAt.IsZero() }

// UnitKind is a kind of unit with the label the organization gives it.
type UnitKind struct {
	Key      string
	Label    string
	Position int
}

// DefaultUnitKinds are the kinds every new organization starts with.
var DefaultUnitKinds = []UnitKind{
	{Key: "district", Label: "District", Position: 1},
	{Key: "site", Label: "Site", Position: 2},
	{Key: "business_unit", Label: "Business Unit", Position: 3},
	{Key: "department", Label: "Department", Position: 4},
	{Key: "location", Label: "Location", Position: 5},
}

// Organization is a tenant.
type Organization struct {
	ID   string
	Slug string
	Name string
	// PremiumSeatLimit caps the users with a premium license; negative = no cap.
	PremiumSeatLimit int
	// Policy is the sign-in and credential policy, defaults filled in.
	Policy    SecurityPolicy
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefaultOrgSlug is the slug of the organization created on first start.
const DefaultOrgSlug = "default"
