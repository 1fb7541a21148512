package mail_test

import (
	"strings"
	"testing"

	"roster/internal/mail"
)

func TestNewSMTP(t *testing.T) {
	for url, want := range map[string]string{
		"smtp://mx.example.org":                        "smtp://mx.example.org:25 (STARTTLS opportunistic, no authentication)",
		"smtp://u:p@mx.example.org":                    "smtp://mx.example.org:587 (STARTTLS opportunistic, authenticated)",
		"smtp://mx.example.org:2525?starttls=required": "smtp://mx.example.org:2525 (STARTTLS required, no authentication)",
		"smtp://u:p@mx.example.org:25?starttls=off":    "smtp://mx.example.org:25 (STARTTLS off, authenticated)",
		"smtps://u:p@mx.example.org":                   "smtps://mx.example.org:465 (implicit TLS, authenticated)",
		"smtps://mx.example.org:10465":                 "smtps://mx.example.org:10465 (implicit TLS, no authentication)",
	} {
		s, err := mail.NewSMTP(url, mail.SMTPOptions{From: "roster@example.org"})
		if err != nil {
			t.Errorf("NewSMTP(%q): %v", url, err)
			continue
		}
		if got := s.String(); got != want {
			t.Errorf("NewSMTP(%q) = %s, want %s", url, got, want)
		}
	}
	for _, url := range []string{
		"http://u:Hunter2@mx.example.org",
		"smtp://u:Hunter2@",
		"smtp://u:Hunter2@mx.example.org?starttls=maybe",
		"smtp://u:Hunter2@mx.example.org?tls=1",
		"smtps://u:Hunter2@mx.example.org?starttls=required",
		"smtp://u:Hunter2@mx.example.org:99999",
		"smtp://u:Hunter2@mx example.org",
	} {
		_, err := mail.NewSMTP(url, mail.SMTPOptions{From: "roster@example.org"})
		if err == nil {
			t.Errorf("NewSMTP(%q) accepted it", url)
		} else if strings.Contains(err.Error(), "Hunter2") {
			t.Errorf("NewSMTP(%q) = %v: the error shows the password", url, err)
		}
	}
	if _, err := mail.NewSMTP("smtp://mx.example.org", mail.SMTPOptions{From: "not an address"}); err == nil {
		t.Error("a bad From address was accepted")
	}
}
