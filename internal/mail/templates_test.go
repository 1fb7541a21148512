package mail_test

import (
	"slices"
	"strings"
	"testing"

	"roster/internal/mail"
)

// TestTemplates renders every kind of mail and checks the subject, the
// text and the HTML carry the organization, the recipient and the kind's
// values, with HTML escaped in the HTML body.
func TestTemplates(t *testing.T) {
	tpl, err := mail.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]string{"link": "https://roster.example/x?a=1&b=2", "minutes": "60", "hours": "24",
		"inviter": "Olive <Owner>", "invitee": "Jane Roe", "invitee_email": "jane@example.org",
		"login": "https://roster.example/login", "actor": "Ada Admin", "reason": "ticket #42", "ends_at": "14 March 2030, 09:30 UTC"}
	kinds := tpl.Kinds()
	slices.Sort(kinds)
	want := []string{"account_locked", "impersonation", "invitation", "invitation_expired", "mfa_reset",
		"password_changed", "password_reset", "test", "welcome"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for _, kind := range kinds {
		subject, text, html, err := tpl.Render(kind, mail.Notice{Org: "Acme & Co", Name: "Jane Roe", Username: "jroe", Data: data})
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		if !strings.Contains(subject, "Acme & Co") || strings.Contains(subject, "\n") {
			t.Errorf("%s: subject %q", kind, subject)
		}
		if !strings.HasPrefix(text, "Hello Jane Roe,") || !strings.HasSuffix(text, "-- \nAcme & Co\n") {
			t.Errorf("%s: text does not greet and sign:\n%s", kind, text)
		}
		if !strings.Contains(html, "Acme &amp; Co") || strings.Contains(html, "Acme & Co") || !strings.Contains(html, `lang="en"`) {
			t.Errorf("%s: HTML does not escape the organization's name:\n%s", kind, html)
		}
		if strings.Contains(text, "<no value>") || strings.Contains(html, "<no value>") {
			t.Errorf("%s: a value is missing", kind)
		}
		if strings.Contains(text, "https://roster.example/x") != strings.Contains(html, "https://roster.example/x?a=1&amp;b=2") {
			t.Errorf("%s: the link is in one body and not the other", kind)
		}
	}
	// Locked: the automatic unlock is mentioned only when there is one.
	_, text, _, _ := tpl.Render("account_locked", mail.Notice{Org: "Acme", Name: "J", Username: "j", AutoUnlockMinutes: 15})
	if !strings.Contains(text, "after 15 minutes") {
		t.Errorf("locked notice with automatic unlock:\n%s", text)
	}
	// A kind's missing value is an error, not a blank.
	if _, _, _, err := tpl.Render("password_reset", mail.Notice{Org: "Acme", Name: "J", Username: "j"}); err == nil {
		t.Error("a reset mail without its link rendered")
	}
	if _, _, _, err := tpl.Render("nonsense", mail.Notice{}); err == nil {
		t.Error("an unknown kind rendered")
	}
}
