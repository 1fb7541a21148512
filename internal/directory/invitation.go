package directory

import "time"

// Invitation states, as user lists show and filter them.
const (
	// InvitationSent: a pending user holds an invitation link that still works.
	InvitationSent = "sent"
	// InvitationExpired: a pending user was invited, but no link of theirs
	// works any more (it ran out, or a status change voided it).
	InvitationExpired = "expired"
	// InvitationNever: a pending user was never sent an invitation.
	InvitationNever = "never"
	// InvitationAccepted: the user set their password through an invitation.
	InvitationAccepted = "accepted"
)

// ValidInvitationFilter reports whether s is a state user lists can be
// filtered by: sent, expired or never (which all concern pending users).
func ValidInvitationFilter(s string) bool {
	return s == InvitationSent || s == InvitationExpired || s == InvitationNever
}

// Invitation is what a user's newest invitation link says about them.
type Invitation struct {
	State     string
	SentAt    time.Time // zero for never
	ExpiresAt time.Time // zero for never
}

// InvitationOf works out the invitation state of u from the newest
// invitation link they were sent (nil = none) at now. Pending users always
// get a state; other users only "accepted", when they accepted one.
func InvitationOf(u *User, newest *Link, now time.Time) *Invitation {
	if u.Status != StatusPending {
		if newest != nil && !newest.UsedAt.IsZero() {
			return &Invitation{State: InvitationAccepted, SentAt: newest.CreatedAt, ExpiresAt: newest.ExpiresAt}
		}
		return nil
	}
	if newest == nil {
		return &Invitation{State: InvitationNever}
	}
	inv := &Invitation{State: InvitationExpired, SentAt: newest.CreatedAt, ExpiresAt: newest.ExpiresAt}
	if newest.Usable(now) {
		inv.State = InvitationSent
	}
	return inv
}
