package auth

import (
	"encoding/base32"
	"regexp"
	"strings"
	"testing"
)

var apiSecretPattern = regexp.MustCompile(`^rst_[a-z2-7]{52}$`)

func TestNewSecretFormat(t *testing.T) {
	s, err := NewSecret(APITokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !apiSecretPattern.MatchString(s) {
		t.Fatalf("NewSecret(%q) = %q, want rst_ and 52 lower-case base32 characters", APITokenPrefix, s)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimPrefix(s, "rst_")))
	if err != nil {
		t.Fatalf("secret body does not decode as base32: %v", err)
	}
	if len(raw)*8 < 128 || len(raw) != 32 {
		t.Fatalf("secret carries %d bytes, want 32", len(raw))
	}
}

func TestNewSecretUnique(t *testing.T) {
	const n = 1000
	seen := make(map[string]bool, n)
	hashes := make(map[string]bool, n)
	for range n {
		s, err := NewSecret("inv")
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatalf("NewSecret repeated %q", s)
		}
		seen[s] = true
		hashes[HashSecret(s)] = true
	}
	if len(hashes) != n {
		t.Fatalf("%d distinct secrets gave %d distinct hashes", n, len(hashes))
	}
}

func TestNewSecretPrefix(t *testing.T) {
	for _, prefix := range []string{"rst", "a", "reset2", strings.Repeat("x", 16)} {
		s, err := NewSecret(prefix)
		if err != nil {
			t.Errorf("NewSecret(%q): %v", prefix, err)
			continue
		}
		if !strings.HasPrefix(s, prefix+"_") || len(s) != len(prefix)+1+52 {
			t.Errorf("NewSecret(%q) = %q", prefix, s)
		}
	}
	for _, prefix := range []string{"", "RST", "rs_t", "rst-", "r st", "é", strings.Repeat("x", 17)} {
		if s, err := NewSecret(prefix); err == nil {
			t.Errorf("NewSecret(%q) = %q, want an error", prefix, s)
		}
	}
}

func TestHashSecret(t *testing.T) {
	// The SHA-256 test vector of FIPS 180-2.
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := HashSecret("abc"); got != abc {
		t.Fatalf("HashSecret(abc) = %s, want %s", got, abc)
	}
	s, err := NewSecret(APITokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	a, b := HashSecret(s), HashSecret(s)
	if a != b {
		t.Fatalf("HashSecret is not deterministic: %s, %s", a, b)
	}
	if len(a) != 64 || strings.ToLower(a) != a {
		t.Fatalf("HashSecret = %q, want 64 lower-case hex digits", a)
	}
	if HashSecret(s+"x") == a {
		t.Fatal("different secrets hash alike")
	}
}

func TestSecretPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rst_abcdefghijklmnopqrstuvwxyz234567", "rst_abcdefgh"},
		{"rst_abcdefgh", "rst_abcdefgh"},
		{"rst_abc", "rst_abc"},
		{"", ""},
		{"ééééééééééééééé", "éééééééééééé"}, // counts characters, never splits one
	}
	for _, tt := range tests {
		if got := SecretPrefix(tt.in); got != tt.want {
			t.Errorf("SecretPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	s, err := NewSecret(APITokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if p := SecretPrefix(s); len(p) != 12 || !strings.HasPrefix(s, p) {
		t.Fatalf("SecretPrefix(%q) = %q", s, p)
	}
}
