package auth

import (
	"regexp"
	"strings"
	"testing"
)

var recoveryPattern = regexp.MustCompile(`^[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("NewRecoveryCodes(10) returned %d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryPattern.MatchString(c) {
			t.Errorf("code %q is not four groups of four unambiguous characters", c)
		}
		if strings.ContainsAny(c, "01lo") {
			t.Errorf("code %q has an ambiguous character", c)
		}
		if seen[c] {
			t.Errorf("code %q repeated", c)
		}
		seen[c] = true
		// 16 characters of a 32-letter alphabet: 80 bits.
		if n := len(NormalizeRecoveryCode(c)); n*5 < 80 {
			t.Errorf("code %q carries %d bits", c, n*5)
		}
	}
}

func TestNewRecoveryCodesSpread(t *testing.T) {
	// Every character of the alphabet turns up in every position, and
	// nothing else does: a cheap check that the bits are all used.
	codes, err := NewRecoveryCodes(100)
	if err != nil {
		t.Fatal(err)
	}
	more, err := NewRecoveryCodes(100)
	if err != nil {
		t.Fatal(err)
	}
	codes = append(codes, more...)
	used := map[byte]bool{}
	for _, c := range codes {
		for i := range len(c) {
			used[c[i]] = true
		}
	}
	for i := range len(recoveryAlphabet) {
		if !used[recoveryAlphabet[i]] {
			t.Errorf("character %q never used in 200 codes", recoveryAlphabet[i])
		}
	}
	if len(used) != len(recoveryAlphabet)+1 { // and the hyphen
		t.Errorf("codes use %d distinct characters, want %d", len(used), len(recoveryAlphabet)+1)
	}
}

func TestNewRecoveryCodesCount(t *testing.T) {
	for _, n := range []int{1, 100} {
		codes, err := NewRecoveryCodes(n)
		if err != nil || len(codes) != n {
			t.Errorf("NewRecoveryCodes(%d) = %d codes, %v", n, len(codes), err)
		}
	}
	for _, n := range []int{0, -1, 101} {
		if codes, err := NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d) = %q, want an error", n, codes)
		}
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"k7q2-9xhd-m4pt-w8za", "k7q29xhdm4ptw8za"},
		{"K7Q2-9XHD-M4PT-W8ZA", "k7q29xhdm4ptw8za"},
		{" k7q2 9xhd\tm4pt w8za\n", "k7q29xhdm4ptw8za"},
		{"k7q2--9xhd-m4pt-w8za", "k7q29xhdm4ptw8za"},
		{"k7q29xhdm4ptw8za", "k7q29xhdm4ptw8za"},
		{"", ""},
		{"123 456", "123456"},
	}
	for _, tt := range tests {
		if got := NormalizeRecoveryCode(tt.in); got != tt.want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	// HashSecret is SHA-256 in hex (its test checks a FIPS 180-2 vector).
	h := HashRecoveryCode("k7q2-9xhd-m4pt-w8za")
	if h != HashSecret("k7q29xhdm4ptw8za") {
		t.Fatalf("HashRecoveryCode = %s, want the SHA-256 of the normalized code", h)
	}
	if len(h) != 64 || strings.ToLower(h) != h {
		t.Fatalf("HashRecoveryCode = %q, want 64 lower-case hex digits", h)
	}
	for _, spelling := range []string{"K7Q2 9XHD M4PT W8ZA", "k7q29xhdm4ptw8za", " k7q2-9xhd-m4pt-w8za "} {
		if got := HashRecoveryCode(spelling); got != h {
			t.Errorf("HashRecoveryCode(%q) = %s, want %s", spelling, got, h)
		}
	}
	if HashRecoveryCode("k7q2-9xhd-m4pt-w8zb") == h {
		t.Error("different codes hash alike")
	}
}
