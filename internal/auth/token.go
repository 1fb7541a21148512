package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
)

// APITokenPrefix is the prefix of API token secrets ("rst_…"). It lets people
// and secret scanners recognise a leaked Roster token.
const APITokenPrefix = "rst"

const (
	secretBytes      = 32 // 256 bits of entropy, well above the 128-bit floor
	maxPrefixLen     = 16
	secretDisplayLen = 12
)

// NewSecret returns a new random secret: prefix, an underscore, and 32 bytes
// from crypto/rand in lower-case base32 without padding (52 characters). The
// prefix must be 1 to 16 characters of a-z and 0-9, so that the underscore
// unambiguously ends it; otherwise NewSecret returns an error.
func NewSecret(prefix string) (string, error) {
	if err := validatePrefix(prefix); err != nil {
		return "", err
	}
	buf := make([]byte, secretBytes)
	// crypto/rand.Read never fails on supported platforms (it aborts the
	// program instead), so there is no error to handle.
	_, _ = rand.Read(buf)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(buf)
	return prefix + "_" + strings.ToLower(enc), nil
}

func validatePrefix(prefix string) error {
	if prefix == "" || len(prefix) > maxPrefixLen {
		return fmt.Errorf("auth: secret prefix must be 1 to %d characters", maxPrefixLen)
	}
	for _, c := range prefix {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return fmt.Errorf("auth: secret prefix %q may hold only a-z and 0-9", prefix)
		}
	}
	return nil
}

// HashSecret returns the lower-case hex SHA-256 of secret, the form in which
// token secrets are stored and looked up.
//
// A fast hash is right here, unlike for passwords: a secret from NewSecret
// carries 256 random bits, so even a stolen table of hashes cannot be brute
// forced, and no salt is needed since no two secrets are alike. A fast,
// unsalted hash also lets the database find a token by an indexed equality on
// the hash, instead of running a slow KDF against every stored token.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretPrefix returns the first 12 characters of secret (the type prefix
// and a few random characters), enough for people to tell their tokens apart
// in a list, and far too few to use. A shorter secret is returned whole.
func SecretPrefix(secret string) string {
	n := 0
	for i := range secret {
		if n == secretDisplayLen {
			return secret[:i]
		}
		n++
	}
	return secret
}
