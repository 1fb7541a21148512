package directory

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is a user's lifecycle state.
type Status string

// The user statuses. Locked and expired are flags beside the status.
const (
	StatusPending  Status = "pending"  // added or invited, has never set a password
	StatusActive   Status = "active"   // may sign in
	StatusInactive Status = "inactive" // disabled
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusPending || s == StatusActive || s == StatusInactive
}

// License is a user's license type.
type License string

// The license types.
const (
	LicenseStandard License = "standard"
	LicensePremium  License = "premium"
)

// Valid reports whether l is a known license type.
func (l License) Valid() bool { return l == LicenseStandard || l == LicensePremium }

// Address is a postal address.
type Address struct {
	Street     string `json:"street"`
	Locality   string `json:"locality"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// Profile holds the fields of a user that an administrator edits. Email is
// part of the profile on creation only; changing it is its own action.
type Profile struct {
	Username     string
	Email        string
	FirstName    string
	LastName     string
	DisplayName  string
	Phone        string
	JobTitle     string
	Position     string
	ExternalID   string
	Address      Address
	SupervisorID string
	DepartmentID string
	LocationID   string
	License      License
	ExpiresAt    time.Time // account expiry; zero = none
	CustomFields map[string]string
}

// User is a person of an organization.
type User struct {
	ID    string
	OrgID string
	Profile
	Status             Status
	LockedAt           time.Time
	LockReason         string
	FailedAttempts     int
	HasPassword        bool
	MustChangePassword bool
	// MFARequired is the administrator's "require MFA" checkbox for this
	// user; MFAEnrolledAt is when they confirmed a TOTP authenticator.
	MFARequired       bool
	MFAEnrolledAt     time.Time
	HasSecurityAnswer bool
	PasswordChangedAt time.Time
	FirstSignInAt     time.Time
	LastSignInAt      time.Time
	DeletedAt         time.Time
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
	// AccessEndsAt is when the last of the user's grants ends, when every
	// one of them has an end; zero when one never ends or the user holds
	// none. It is not a column: admin works it out from the grants.
	AccessEndsAt time.Time
	// Invitation is the state of the user's newest invitation, nil when
	// there is nothing to show (see Invitation). Not a column either.
	Invitation *Invitation
	// Provisioned reports that a SCIM client manages the user (see
	// Provisioning): the fields it owns are changed through it only.
	Provisioned bool
}

// Locked reports whether the account is locked.
func (u *User) Locked() bool { return !u.LockedAt.IsZero() }

// Deleted reports whether the user is in the recycle bin.
func (u *User) Deleted() bool { return !u.DeletedAt.IsZero() }

// HasSignedIn reports whether the user has ever signed in.
func (u *User) HasSignedIn() bool { return !u.FirstSignInAt.IsZero() }

// AccountExpired reports whether the account's own expiry date has passed.
func (u *User) AccountExpired(now time.Time) bool {
	return !u.ExpiresAt.IsZero() && !now.Before(u.ExpiresAt)
}

// Expired reports whether the user counts as expired: the account's own
// expiry date has passed, or every one of their grants has ended (see
// AccessEndsAt).
func (u *User) Expired(now time.Time) bool {
	return u.AccountExpired(now) || (!u.AccessEndsAt.IsZero() && !now.Before(u.AccessEndsAt))
}

// Ref returns a reference to u.
func (u *User) Ref() *UserRef {
	return &UserRef{ID: u.ID, Username: u.Username, DisplayName: u.Name(), Deleted: u.Deleted()}
}

// Name is how the user is shown: the display name, or first and last name.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.Username
	}
	return n
}

// Limits on user fields.
const (
	MaxNameLen     = 100
	MaxUsernameLen = 100
	MaxEmailLen    = 254
	MaxTextLen     = 200
)

// FoldKey returns the case-folded form of s used for case-insensitive
// uniqueness of usernames and emails.
func FoldKey(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// NormalizeProfile trims the free-text fields of p in place.
func NormalizeProfile(p *Profile) {
	for _, f := range []*string{&p.Username, &p.Email, &p.FirstName, &p.LastName, &p.DisplayName,
		&p.Phone, &p.JobTitle, &p.Position, &p.ExternalID, &p.Address.Street, &p.Address.Locality,
		&p.Address.Region, &p.Address.PostalCode, &p.Address.Country} {
		*f = strings.TrimSpace(*f)
	}
	if p.License == "" {
		p.License = LicenseStandard
	}
}

// ValidateProfile checks p and adds a message per offending field to v.
func ValidateProfile(p *Profile, v *Validation) {
	if p.Username == "" {
		v.Add("username", "is required")
	} else if msg := UsernameProblem(p.Username); msg != "" {
		v.Add("username", "%s", msg)
	}
	if p.Email != "" {
		if msg := EmailProblem(p.Email); msg != "" {
			v.Add("email", "%s", msg)
		}
	}
	if p.FirstName == "" {
		v.Add("first_name", "is required")
	}
	if p.LastName == "" {
		v.Add("last_name", "is required")
	}
	for _, f := range []struct {
		name string
		val  string
		max  int
	}{
		{"first_name", p.FirstName, MaxNameLen}, {"last_name", p.LastName, MaxNameLen},
		{"display_name", p.DisplayName, MaxTextLen}, {"phone", p.Phone, 50},
		{"job_title", p.JobTitle, MaxTextLen}, {"position", p.Position, MaxTextLen},
		{"external_id", p.ExternalID, MaxTextLen}, {"address.street", p.Address.Street, MaxTextLen},
		{"address.locality", p.Address.Locality, MaxTextLen}, {"address.region", p.Address.Region, MaxTextLen},
		{"address.postal_code", p.Address.PostalCode, 20}, {"address.country", p.Address.Country, 100},
	} {
		if utf8.RuneCountInString(f.val) > f.max {
			v.Add(f.name, "must be at most %d characters", f.max)
		} else if hasControl(f.val) {
			v.Add(f.name, "must not contain control characters")
		}
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		v.Add("phone", "must contain only digits, spaces and + ( ) - . characters")
	}
	if !p.License.Valid() {
		v.Add("license", "must be standard or premium")
	}
}

// UsernameProblem describes what is wrong with a username, or returns "".
func UsernameProblem(s string) string {
	if utf8.RuneCountInString(s) > MaxUsernameLen {
		return "must be at most 100 characters"
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "must not contain spaces or control characters"
		}
	}
	return ""
}

// EmailProblem describes what is wrong with an email address, or returns "".
func EmailProblem(s string) string {
	if len(s) > MaxEmailLen {
		return "must be at most 254 characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "is not a valid email address"
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return "is not a valid email address"
	}
	return ""
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +()-.", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// SearchText returns the text indexed for searching a user: the lower-cased
// words of the names, username, email and external id, separated by spaces,
// so that both database engines split it into the same tokens.
func SearchText(p *Profile) string {
	var b strings.Builder
	for _, s := range []string{p.FirstName, p.LastName, p.DisplayName, p.Username, p.Email, p.ExternalID} {
		for _, w := range SearchWords(s) {
			b.WriteString(w)
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

// SearchWords splits s into lower-case runs of letters and digits.
func SearchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
