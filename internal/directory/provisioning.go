package directory

import "time"

// Provisioning is what a SCIM client has said about a provisioned user
// beyond the columns of the user: which type (work, home, mobile, …) the
// one email address, phone number and postal address Roster keeps have,
// and the other SCIM attributes it sent (further emails, phone numbers and
// addresses, the enterprise employee number, organization, …), kept as
// JSON and returned as they were sent.
type Provisioning struct {
	UserID      string
	TokenID     string // the token that created or linked the user
	EmailType   string
	PhoneType   string
	AddressType string
	Extra       map[string]any
	// Linked reports that the user was added by hand and later taken over
	// by provisioning (see SecurityPolicy.ProvisioningLink).
	Linked    bool
	CreatedAt time.Time
}

// ProvisionedGroup marks a group a SCIM client created, with the client's
// own identifier of it.
type ProvisionedGroup struct {
	GroupID    string
	ExternalID string
}
