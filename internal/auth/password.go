// Package auth holds Roster's credential primitives: password hashing with
// argon2id and the verification of imported hashes, the password policy and
// its blocklist, TOTP codes, recovery codes, and the generation and hashing
// of token, session and link secrets. It keeps no package-level mutable
// state; callers construct what they need and pass it along.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// The floors below come from OWASP's password storage guidance and ASVS 5.0
// (argon2id with at least 19 MiB of memory and two passes). The ceilings keep
// Hash from producing a string that Verify would refuse as unreasonable.
const (
	minMemoryKiB = 19456 // 19 MiB
	minTime      = 2
	minSaltLen   = 16
	minKeyLen    = 16

	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 100
	maxSaltLen   = 1024
	maxKeyLen    = 1024
)

// Argon2Params are the cost and size parameters of argon2id.
type Argon2Params struct {
	MemoryKiB uint32 // memory in KiB
	Time      uint32 // number of passes over the memory
	Threads   uint8  // degree of parallelism
	SaltLen   uint32 // salt length in bytes
	KeyLen    uint32 // derived key length in bytes
}

// DefaultArgon2Params returns the parameters Roster hashes new passwords
// with: 19 MiB of memory, two passes, one thread, a 16-byte salt and a 32-byte
// key, the minimum OWASP recommends for argon2id.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{
		MemoryKiB: minMemoryKiB,
		Time:      minTime,
		Threads:   1,
		SaltLen:   16,
		KeyLen:    32,
	}
}

// Validate reports whether p is strong enough to hash new passwords with and
// small enough to be verified later. It returns an error naming the first
// parameter that is out of range.
func (p Argon2Params) Validate() error {
	switch {
	case p.MemoryKiB < minMemoryKiB:
		return fmt.Errorf("auth: argon2id memory %d KiB is below the minimum of %d KiB (19 MiB)", p.MemoryKiB, minMemoryKiB)
	case p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("auth: argon2id memory %d KiB is above the maximum of %d KiB (1 GiB)", p.MemoryKiB, maxMemoryKiB)
	case p.Time < minTime:
		return fmt.Errorf("auth: argon2id time %d is below the minimum of %d passes", p.Time, minTime)
	case p.Time > maxTime:
		return fmt.Errorf("auth: argon2id time %d is above the maximum of %d passes", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("auth: argon2id needs at least 1 thread")
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("auth: argon2id salt length %d is outside %d..%d bytes", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("auth: argon2id key length %d is outside %d..%d bytes", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with argon2id. Construct it with
// NewHasher, and do not change Params afterwards: the dummy hash that
// DummyVerify checks against is derived from them once.
type Hasher struct {
	Params Argon2Params

	// dummy is a hash of a random password made with Params, so that
	// DummyVerify walks the same code path and spends the same time as a
	// Verify against a real user's hash.
	dummy string
}

// NewHasher returns a Hasher for p. It returns an error when p does not pass
// Validate. It spends the time of one hash to prepare DummyVerify.
func NewHasher(p Argon2Params) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	h := &Hasher{Params: p}
	dummy, err := h.Hash(rand.Text())
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns password hashed with argon2id under a fresh random salt, in
// the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// where salt and hash are unpadded standard base64. Any password is accepted,
// including the empty one and any Unicode; length and blocklist policy belong
// to the caller. Hash returns an error when the Hasher's Params are invalid.
func (h *Hasher) Hash(password string) (string, error) {
	p := h.Params
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	// crypto/rand.Read never fails on supported platforms (it aborts the
	// program instead), so there is no error to handle.
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return formatPHC(phc{params: p, salt: salt, key: key}), nil
}

// Verify reports whether password matches encoded, a PHC argon2id string as
// made by Hash. The parameters are taken from encoded, so hashes made with
// older, weaker parameters still verify; use NeedsRehash to upgrade them.
// A wrong password yields false and a nil error. A malformed or unsupported
// encoded string yields false and an error; Verify never panics, whatever the
// input. The derived keys are compared in constant time.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	d, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), d.salt, d.params.Time, d.params.MemoryKiB, d.params.Threads, d.params.KeyLen)
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}

// DummyVerify spends about the time of a Verify against a hash made by h, and
// always fails. Sign-in calls it when the account does not exist (or has no
// password) so that the answer takes as long as for a real account.
func (h *Hasher) DummyVerify(password string) {
	if h.dummy == "" {
		// A Hasher built without NewHasher has no dummy hash; derive a key
		// with the same cost instead so that the timing still matches.
		p := h.Params
		if p.Validate() != nil {
			p = DefaultArgon2Params()
		}
		_ = argon2.IDKey([]byte(password), make([]byte, p.SaltLen), p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
		return
	}
	_, _ = h.Verify(h.dummy, password)
}

// NeedsRehash reports whether encoded should be replaced by a fresh Hash the
// next time the password is known (at sign-in): when it is not a well-formed
// argon2id string, or when its memory, time, salt length or key length are
// below the Hasher's Params.
func (h *Hasher) NeedsRehash(encoded string) bool {
	d, err := parsePHC(encoded)
	if err != nil {
		return true
	}
	p := h.Params
	return d.params.MemoryKiB < p.MemoryKiB ||
		d.params.Time < p.Time ||
		d.params.SaltLen < p.SaltLen ||
		d.params.KeyLen < p.KeyLen
}
