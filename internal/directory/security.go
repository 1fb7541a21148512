package directory

import (
	"encoding/json"
	"fmt"
	"time"
)

// SecurityPolicy is an organization's sign-in and credential policy. The
// zero value of each duration or count means the default; Defaults fills
// them in.
type SecurityPolicy struct {
	// SessionIdleMinutes ends a session after this long without a request.
	SessionIdleMinutes int `json:"session_idle_minutes"`
	// SessionLifetimeHours ends a session this long after sign-in, however
	// busy it is.
	SessionLifetimeHours int `json:"session_lifetime_hours"`
	// LockoutThreshold is the number of consecutive failed sign-ins (wrong
	// password, TOTP or recovery code) that locks an account.
	LockoutThreshold int `json:"lockout_threshold"`
	// AutoUnlockMinutes unlocks a locked account by itself after this long;
	// 0 leaves it locked until an administrator unlocks it.
	AutoUnlockMinutes int `json:"auto_unlock_minutes"`
	// PasswordMinLength applies where the password is the only factor;
	// PasswordMinLengthMFA where the user's role or settings require MFA.
	PasswordMinLength    int `json:"password_min_length"`
	PasswordMinLengthMFA int `json:"password_min_length_mfa"`
	// Composition criteria, off by default (NIST SP 800-63B advises against
	// them; some organizations must have them).
	RequireUpper  bool `json:"require_upper"`
	RequireLower  bool `json:"require_lower"`
	RequireDigit  bool `json:"require_digit"`
	RequireSymbol bool `json:"require_symbol"`
	// MFARequired requires MFA of every user of the organization.
	MFARequired bool `json:"mfa_required"`
	// SecurityQuestions asks the user's security question after a reset
	// link is opened. Off by default.
	SecurityQuestions bool `json:"security_questions"`
	// ImpersonationDisabled turns "emulate user" off for the organization.
	ImpersonationDisabled bool `json:"impersonation_disabled"`
	// ImpersonationNotice mails a user when an administrator starts
	// acting as them. Off by default.
	ImpersonationNotice bool `json:"impersonation_notice"`
	// ImpersonationMinutes ends an impersonation by itself.
	ImpersonationMinutes int `json:"impersonation_minutes"`
	// ResetLinkMinutes is how long a password reset link works.
	ResetLinkMinutes int `json:"reset_link_minutes"`
	// InvitationHours is how long an invitation link works.
	InvitationHours int `json:"invitation_hours"`
	// RecycleBinDays purges a deleted user this many days after they were
	// deleted; 0 keeps them in the recycle bin until purged by hand.
	RecycleBinDays int `json:"recycle_bin_days"`
	// ProvisioningDelete is what a SCIM DELETE does to a user:
	// ProvisioningDisable (the default) or ProvisioningRecycleBin.
	ProvisioningDelete string `json:"provisioning_delete"`
	// ProvisioningLink lets a SCIM client take over a user added by hand
	// when it creates one with the same user name (LinkByUsername) or
	// external id (LinkByExternalID); "" keeps such users out of its reach.
	ProvisioningLink string `json:"provisioning_link"`
	// ProvisioningInvite mails an invitation to each active user with an
	// email that a SCIM client creates, so that they can set a password.
	ProvisioningInvite bool `json:"provisioning_invite"`
}

// The choices of ProvisioningDelete and ProvisioningLink.
const (
	ProvisioningDisable    = "disable"
	ProvisioningRecycleBin = "recycle_bin"
	LinkNone               = ""
	LinkByUsername         = "username"
	LinkByExternalID       = "external_id"
)

// The policy defaults, after NIST SP 800-63B rev 4 where it speaks.
const (
	DefaultSessionIdleMinutes   = 60
	DefaultSessionLifetimeHours = 12
	DefaultLockoutThreshold     = 5
	DefaultPasswordMinLength    = 15
	DefaultPasswordMinLengthMFA = 8
	DefaultImpersonationMinutes = 30
	DefaultResetLinkMinutes     = 60
	DefaultInvitationHours      = 24
	// MaxRecycleBinDays is the longest recycle bin rule, ten years.
	MaxRecycleBinDays = 3650
)

// Defaults returns p with every unset duration and count at its default.
func (p SecurityPolicy) Defaults() SecurityPolicy {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&p.SessionIdleMinutes, DefaultSessionIdleMinutes)
	set(&p.SessionLifetimeHours, DefaultSessionLifetimeHours)
	set(&p.LockoutThreshold, DefaultLockoutThreshold)
	set(&p.PasswordMinLength, DefaultPasswordMinLength)
	set(&p.PasswordMinLengthMFA, DefaultPasswordMinLengthMFA)
	set(&p.ImpersonationMinutes, DefaultImpersonationMinutes)
	set(&p.ResetLinkMinutes, DefaultResetLinkMinutes)
	set(&p.InvitationHours, DefaultInvitationHours)
	if p.AutoUnlockMinutes < 0 {
		p.AutoUnlockMinutes = 0
	}
	if p.RecycleBinDays < 0 {
		p.RecycleBinDays = 0
	}
	if p.ProvisioningDelete == "" {
		p.ProvisioningDelete = ProvisioningDisable
	}
	return p
}

// Validate checks the ranges of a policy an administrator sets.
func (p SecurityPolicy) Validate(v *Validation) {
	between := func(field string, n, lo, hi int) {
		if n < lo || n > hi {
			v.Add(field, "must be between %d and %d", lo, hi)
		}
	}
	between("session_idle_minutes", p.SessionIdleMinutes, 5, 24*60)
	between("session_lifetime_hours", p.SessionLifetimeHours, 1, 24*30)
	between("lockout_threshold", p.LockoutThreshold, 3, 100)
	between("auto_unlock_minutes", p.AutoUnlockMinutes, 0, 7*24*60)
	between("password_min_length", p.PasswordMinLength, 15, 256)
	between("password_min_length_mfa", p.PasswordMinLengthMFA, 8, 256)
	between("impersonation_minutes", p.ImpersonationMinutes, 5, 8*60)
	between("reset_link_minutes", p.ResetLinkMinutes, 10, 24*60)
	between("invitation_hours", p.InvitationHours, 1, 24*30)
	if p.RecycleBinDays < 0 || p.RecycleBinDays > MaxRecycleBinDays {
		v.Add("recycle_bin_days", "must be between 0 and %d days (0 keeps deleted users until purged by hand)", MaxRecycleBinDays)
	}
	if p.ProvisioningDelete != "" && p.ProvisioningDelete != ProvisioningDisable && p.ProvisioningDelete != ProvisioningRecycleBin {
		v.Add("provisioning_delete", "must be %q or %q", ProvisioningDisable, ProvisioningRecycleBin)
	}
	if p.ProvisioningLink != LinkNone && p.ProvisioningLink != LinkByUsername && p.ProvisioningLink != LinkByExternalID {
		v.Add("provisioning_link", "must be empty (no linking), %q or %q", LinkByUsername, LinkByExternalID)
	}
	if p.SessionIdleMinutes > p.SessionLifetimeHours*60 && p.SessionLifetimeHours > 0 {
		v.Add("session_idle_minutes", "must not be longer than the session lifetime")
	}
}

// SessionIdle is the idle timeout as a duration.
func (p SecurityPolicy) SessionIdle() time.Duration {
	return time.Duration(p.SessionIdleMinutes) * time.Minute
}

// SessionLifetime is the absolute lifetime as a duration.
func (p SecurityPolicy) SessionLifetime() time.Duration {
	return time.Duration(p.SessionLifetimeHours) * time.Hour
}

// EncodePolicy and DecodePolicy store a policy as JSON; keys missing from
// stored JSON take their defaults.
func EncodePolicy(p SecurityPolicy) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// DecodePolicy reads a policy stored by EncodePolicy.
func DecodePolicy(s string) (SecurityPolicy, error) {
	var p SecurityPolicy
	if s != "" {
		if err := json.Unmarshal([]byte(s), &p); err != nil {
			return SecurityPolicy{}.Defaults(), fmt.Errorf("security policy: %w", err)
		}
	}
	return p.Defaults(), nil
}

// Session stages.
const (
	// StagePassword: the password was right and a second factor is owed.
	StagePassword = "password"
	// StageFull: the user is signed in.
	StageFull = "full"
)

// Session is a signed-in browser. Its secret is in the cookie; the database
// keeps its hash.
type Session struct {
	ID     string
	OrgID  string
	UserID string
	Stage  string
	// GrantID is the active grant; GrantChosen says whether the user chose
	// it (a user with several grants chooses after signing in).
	GrantID     string
	GrantChosen bool
	// ImpersonatedID is the user being emulated, with the reason given and
	// when the emulation ends by itself.
	ImpersonatedID      string
	ImpersonationReason string
	ImpersonationEndsAt time.Time
	IP                  string
	UserAgent           string
	CreatedAt           time.Time
	LastSeenAt          time.Time
	ExpiresAt           time.Time
}

// Impersonating reports whether the session emulates another user at now.
func (s *Session) Impersonating(now time.Time) bool {
	return s.ImpersonatedID != "" && now.Before(s.ImpersonationEndsAt)
}

// Link purposes.
const (
	LinkReset  = "reset"
	LinkSetup  = "setup"
	LinkInvite = "invite"
)

// Link is a single-use link sent to a person: a password reset, or the
// first owner's set-up.
type Link struct {
	ID        string
	OrgID     string
	UserID    string
	Purpose   string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	VoidedAt  time.Time
}

// Usable reports whether the link may still be used at now.
func (l *Link) Usable(now time.Time) bool {
	return l.UsedAt.IsZero() && l.VoidedAt.IsZero() && now.Before(l.ExpiresAt)
}

// Mail is a message in the outbox.
type Mail struct {
	ID        string
	OrgID     string
	Kind      string
	To        string
	Subject   string
	Text      string
	HTML      string
	CreatedAt time.Time
	SentAt    time.Time
	DeadAt    time.Time
	Attempts  int
	LastError string
}
