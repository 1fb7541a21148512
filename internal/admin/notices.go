package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// Kinds of mail about a user's credentials.
const (
	noticeResetLink       = "password_reset"
	noticePasswordChanged = "password_changed"
	noticeLocked          = "account_locked"
	noticeMFAReset        = "mfa_reset"
	// noticeInvitation carries an invitation link to a new user;
	// noticeInvitationExpired a fresh one to the administrator who invited
	// someone whose invitation ran out unused; noticeWelcome greets a user
	// who accepted their invitation.
	noticeInvitation        = "invitation"
	noticeInvitationExpired = "invitation_expired"
	noticeWelcome           = "welcome"
)

// notify puts a mail about u's credentials in the outbox, in tx, so that it
// goes out exactly when the change it reports is committed. A user without
// an email gets none.
func (s *Service) notify(ctx context.Context, tx *store.Tx, org *directory.Organization, u *directory.User, kind string, data map[string]string) error {
	if u.Email == "" {
		return nil
	}
	subject, body := noticeText(org, u, kind, data)
	m := &directory.Mail{ID: newID(), OrgID: org.ID, Kind: kind, To: u.Email, Subject: subject, Text: body, CreatedAt: s.now()}
	if err := tx.EnqueueMail(ctx, m); err != nil {
		return err
	}
	if link := data["link"]; link != "" && s.logLinks {
		// Without mail delivery the operator reads links in the log, so that
		// an embedded installation can still reset passwords.
		s.log.InfoContext(ctx, "mail queued with a link (no SMTP server configured)", "kind", kind, "to", u.Email, "link", link)
	}
	return nil
}

// noticeText writes the subject and plain-text body of a notice.
func noticeText(org *directory.Organization, u *directory.User, kind string, data map[string]string) (string, string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", u.Name())
	var subject string
	switch kind {
	case noticeResetLink:
		subject = "Reset your " + org.Name + " password"
		fmt.Fprintf(&b, "Someone asked to reset the password of your %s account (%s).\n\n", org.Name, u.Username)
		fmt.Fprintf(&b, "Open this link within %s minutes to choose a new password:\n\n%s\n\n", data["minutes"], data["link"])
		b.WriteString("The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n")
	case noticePasswordChanged:
		subject = "Your " + org.Name + " password was changed"
		fmt.Fprintf(&b, "The password of your %s account (%s) was just changed, and every other session signed out.\n\n", org.Name, u.Username)
		b.WriteString("If you did not do this, tell your administrator at once.\n")
	case noticeLocked:
		subject = "Your " + org.Name + " account is locked"
		fmt.Fprintf(&b, "Your %s account (%s) was locked after too many failed sign-in attempts.\n\n", org.Name, u.Username)
		if m := org.Policy.AutoUnlockMinutes; m > 0 {
			fmt.Fprintf(&b, "It unlocks by itself after %d minutes, or sooner when an administrator unlocks it.\n", m)
		} else {
			b.WriteString("An administrator of your organization can unlock it.\n")
		}
	case noticeMFAReset:
		subject = "Your " + org.Name + " two-step sign-in was reset"
		fmt.Fprintf(&b, "An administrator reset the two-step sign-in (authenticator app and recovery codes) of your %s account (%s).\n\n", org.Name, u.Username)
		b.WriteString("If MFA is required of you, you will set up an authenticator again at your next sign-in.\n")
	case noticeInvitation:
		subject = "You are invited to " + org.Name
		fmt.Fprintf(&b, "%s added you to %s, with the user name %s.\n\n", data["inviter"], org.Name, u.Username)
		fmt.Fprintf(&b, "Open this link within %s hours to choose your password and start:\n\n%s\n\n", data["hours"], data["link"])
		b.WriteString("You can open it as often as you need until you have set your password. " +
			"If you were not expecting this invitation, ignore this mail.\n")
	case noticeInvitationExpired:
		// u is the administrator who sent the invitation.
		subject = "An invitation to " + org.Name + " expired unused"
		fmt.Fprintf(&b, "The invitation you sent to %s (%s) expired before it was accepted.\n\n", data["invitee"], data["invitee_email"])
		fmt.Fprintf(&b, "This fresh link works for %s hours; forward it to them or send a new invitation from the user's page:\n\n%s\n", data["hours"], data["link"])
	case noticeWelcome:
		subject = "Welcome to " + org.Name
		fmt.Fprintf(&b, "Your %s account (%s) is ready: you accepted your invitation and set your password.\n\n", org.Name, u.Username)
		fmt.Fprintf(&b, "Sign in at %s with your user name or this email address.\n", data["login"])
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", org.Name)
	return subject, b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
