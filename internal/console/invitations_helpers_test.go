package console_test

import (
	"regexp"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
)

// invitationsUninvited adds a pending user who was never sent an
// invitation.
func (f *fixture) invitationsUninvited(first string) *directory.User {
	f.t.Helper()
	no := false
	name := strings.ToLower(first) + "-" + randHex(3)
	u, err := f.svc.CreateUser(f.ctx, f.op(), &admin.UserInput{Invite: &no, Profile: directory.Profile{Username: name,
		Email: name + "@example.org", FirstName: first, LastName: "Uninvited"}})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// invitationsLinkPattern finds an invitation link in a mail body.
var invitationsLinkPattern = regexp.MustCompile(`http://roster\.test/invite/([A-Za-z0-9_\-]+)`)

// invitationsMails returns the newest messages of the outbox to address,
// newest first, with their bodies.
func (f *fixture) invitationsMails(to string) []*directory.Mail {
	f.t.Helper()
	all, err := f.e.DB.Mails(f.ctx, f.org.ID, 500)
	if err != nil {
		f.t.Fatalf("Mails: %v", err)
	}
	var out []*directory.Mail
	for _, m := range all {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// invitationsToken returns the secret of the newest invitation mailed to
// u, or "".
func (f *fixture) invitationsToken(u *directory.User) string {
	f.t.Helper()
	for _, m := range f.invitationsMails(u.Email) {
		if sub := invitationsLinkPattern.FindStringSubmatch(m.Text); sub != nil {
			return sub[1]
		}
	}
	return ""
}

// invitationsAudited reports whether the audit log holds action about
// targetID.
func (f *fixture) invitationsAudited(action, targetID string) bool {
	f.t.Helper()
	for _, e := range f.audit() {
		if e.Action == action && e.TargetID == targetID {
			return true
		}
	}
	return false
}
