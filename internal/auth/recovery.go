package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// Recovery codes are 16 characters from a 32-letter alphabet, so each
// carries 80 random bits, shown in four groups of four: "k7q2-9xhd-m4pt-w8za".
// The alphabet is the lower-case letters and digits without 0, 1, l and o,
// which are easily mistaken for one another on paper.
const (
	recoveryAlphabet  = "23456789abcdefghijkmnpqrstuvwxyz"
	recoveryCodeBytes = 10 // 80 bits, 16 base32 characters
	recoveryGroupLen  = 4
	maxRecoveryCodes  = 100
)

// NewRecoveryCodes returns n distinct one-time recovery codes, each with 80
// random bits from crypto/rand, in groups like "k7q2-9xhd-m4pt-w8za". Show
// them to the user once and store only HashRecoveryCode of each. n must be
// 1 to 100; otherwise NewRecoveryCodes returns an error.
func NewRecoveryCodes(n int) ([]string, error) {
	if n < 1 || n > maxRecoveryCodes {
		return nil, fmt.Errorf("auth: %d recovery codes requested; want 1 to %d", n, maxRecoveryCodes)
	}
	enc := base32.NewEncoding(recoveryAlphabet).WithPadding(base32.NoPadding)
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	buf := make([]byte, recoveryCodeBytes)
	for len(codes) < n {
		// crypto/rand.Read never fails on supported platforms (it aborts
		// the program instead), so there is no error to handle.
		_, _ = rand.Read(buf)
		plain := enc.EncodeToString(buf)
		if seen[plain] {
			continue // 2^-80 per pair; cheap to rule out all the same
		}
		seen[plain] = true
		var b strings.Builder
		for i := 0; i < len(plain); i += recoveryGroupLen {
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteString(plain[i : i+recoveryGroupLen])
		}
		codes = append(codes, b.String())
	}
	return codes, nil
}

// NormalizeRecoveryCode returns s as recovery codes are compared: lower-case,
// without spaces or hyphens, so that "K7Q2 9XHD-m4pt w8za" and
// "k7q2-9xhd-m4pt-w8za" are the same code.
func NormalizeRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// HashRecoveryCode returns the lower-case hex SHA-256 of the normalized
// code, the form in which recovery codes are stored and looked up.
//
// A fast, unsalted hash is right here, as for API tokens: each code carries
// 80 random bits, too many to search even given the stored hashes, and a
// deterministic hash lets the database find a code by equality on an index.
func HashRecoveryCode(s string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(s)))
	return hex.EncodeToString(sum[:])
}
