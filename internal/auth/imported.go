package auth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-crypt/crypt"
	"github.com/go-crypt/crypt/algorithm"
	"github.com/go-crypt/crypt/algorithm/argon2"
	"github.com/go-crypt/crypt/algorithm/bcrypt"
	"github.com/go-crypt/crypt/algorithm/pbkdf2"
	"github.com/go-crypt/crypt/algorithm/scrypt"
	"github.com/go-crypt/crypt/algorithm/shacrypt"
)

// ErrInvalidImportedHash means a stored hash names an algorithm that
// VerifyAny supports (bcrypt, PBKDF2, scrypt, argon2, SHA-crypt) but is not
// well formed, or asks for more work than Roster is willing to spend on one
// sign-in.
var ErrInvalidImportedHash = errors.New("auth: invalid imported password hash")

// Ceilings on the cost of an imported hash. A hash can come from a CSV file
// or a provisioning client, and is run on every sign-in attempt; these keep
// one bcrypt, PBKDF2, scrypt or SHA-crypt attempt to a few seconds of CPU and
// 1 GiB of memory at worst, well above what real systems configure (bcrypt
// 10-14, PBKDF2 and SHA-crypt up to about a million rounds, scrypt N=2^14 to
// 2^20). Imported argon2 hashes get the bounds Roster's own parser applies.
const (
	maxImportedBcryptCost = 15         // 2^15 rounds
	maxImportedIterations = 10_000_000 // PBKDF2 iterations, SHA-crypt rounds
	maxImportedScryptWork = 1 << 25    // N*r*p
	maxImportedScryptMem  = 1 << 30    // 128*N*r bytes
)

// VerifyAny reports whether password matches encoded, which is either a hash
// made by Hash or one imported from another system:
//
//   - argon2id in Roster's own form goes through Verify, and rehash is
//     NeedsRehash(encoded);
//   - bcrypt ($2a$, $2b$, $2y$, $2x$, $2$ and passlib's $bcrypt-sha256$),
//     PBKDF2 with SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512 in the
//     go-crypt and passlib forms ($pbkdf2-sha256$…, also {PBKDF2-SHA256}…),
//     scrypt ($scrypt$ln=…,r=…,p=…$…), argon2i, argon2d and argon2id in
//     forms Hash does not write, and SHA-crypt ($5$, $6$), each optionally
//     behind an LDAP "{CRYPT}" or "{ARGON2}" prefix, are verified with
//     github.com/go-crypt/crypt, and rehash is true whenever they match.
//
// When ok and rehash are both true the caller should store Hash(password) in
// place of encoded; rehash is never true without ok. A wrong password yields
// false and a nil error. A hash of another kind (MD5-crypt, yescrypt,
// plain text, …) yields an error wrapping ErrUnsupportedHash; a malformed
// one, or one whose cost parameters exceed Roster's ceilings (for example
// bcrypt above cost 15), an error wrapping ErrInvalidImportedHash. VerifyAny
// never panics, whatever encoded holds.
//
// bcrypt reads only the first 72 bytes of a password, so a longer password
// matches an imported bcrypt hash when its first 72 bytes do; the argon2id
// hash that replaces it covers the whole password.
func (h *Hasher) VerifyAny(encoded, password string) (ok, rehash bool, err error) {
	if _, err := parsePHC(encoded); err == nil {
		ok, err := h.Verify(encoded, password)
		return ok, ok && h.NeedsRehash(encoded), err
	}
	digest, err := decodeImported(encoded)
	if err != nil {
		return false, false, err
	}
	ok, err = matchImported(digest, password)
	if err != nil {
		return false, false, err
	}
	return ok, ok, nil
}

// SupportedImportedHash reports whether VerifyAny can check passwords against
// encoded: whether it is a well-formed hash of a supported algorithm within
// Roster's cost ceilings. An import calls it to refuse unusable hashes up
// front instead of at the user's first sign-in. It does not trim white space.
func SupportedImportedHash(encoded string) bool {
	if _, err := parsePHC(encoded); err == nil {
		return true
	}
	_, err := decodeImported(encoded)
	return err == nil
}

// decodeImported checks encoded against the supported algorithms and the
// cost ceilings, then decodes it with go-crypt.
func decodeImported(encoded string) (digest algorithm.Digest, err error) {
	if len(encoded) > maxEncodedLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidImportedHash, maxEncodedLen)
	}
	// Normalize removes the LDAP prefixes and rewrites passlib's
	// {PBKDF2-…} form as $pbkdf2-…$, the form the decoders expect.
	normal := crypt.Normalize(encoded)
	parts := strings.Split(normal, "$")
	if len(parts) < 2 || parts[0] != "" {
		return nil, fmt.Errorf("%w: not a modular crypt or PHC string", ErrUnsupportedHash)
	}
	if err := checkImportedCost(parts[1], parts[2:]); err != nil {
		return nil, err
	}

	defer func() {
		// The decoders parse strings that came from outside; should one of
		// them have a bug, fail this hash rather than the whole server.
		if r := recover(); r != nil {
			digest, err = nil, fmt.Errorf("%w: decoder failed: %v", ErrInvalidImportedHash, r)
		}
	}()
	d, err := importDecoder()
	if err != nil {
		return nil, err
	}
	if digest, err = d.Decode(normal); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidImportedHash, truncate(err.Error(), 200))
	}
	return digest, nil
}

// matchImported runs the digest's own comparison, which is constant-time in
// the derived key.
func matchImported(digest algorithm.Digest, password string) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("%w: verifier failed: %v", ErrInvalidImportedHash, r)
		}
	}()
	ok, err = digest.MatchAdvanced(password)
	if err != nil {
		return false, fmt.Errorf("%w: %s", ErrInvalidImportedHash, truncate(err.Error(), 200))
	}
	return ok, nil
}

// importDecoder returns a go-crypt decoder for exactly the algorithms Roster
// accepts. It is built per call (a handful of map insertions, nothing next to
// the hash itself) rather than kept in a package variable; go-crypt's own
// default decoder is avoided because the set it loads may change.
func importDecoder() (*crypt.Decoder, error) {
	d := crypt.NewDecoder()
	for _, register := range [...]func(algorithm.DecoderRegister) error{
		argon2.RegisterDecoder,
		bcrypt.RegisterDecoder,
		pbkdf2.RegisterDecoder,
		scrypt.RegisterDecoderScrypt, // not yescrypt, which go-crypt supports only in part
		shacrypt.RegisterDecoder,
	} {
		if err := register(d); err != nil {
			return nil, fmt.Errorf("auth: setting up the imported hash decoder: %w", err)
		}
	}
	return d, nil
}

// checkImportedCost refuses algorithms Roster does not accept and cost
// parameters above the ceilings, before any of them can size an allocation
// or a loop. rest holds the $-separated fields after the identifier. A field
// that does not parse is refused here too; it must be read the same way the
// decoder reads it, so that no spelling slips a large value past the check.
func checkImportedCost(id string, rest []string) error {
	first := "" // the field after the identifier, which holds the costs
	if len(rest) > 0 {
		first = rest[0]
	}
	switch id {
	case "2", "2a", "2b", "2x", "2y":
		cost, err := strconv.Atoi(first)
		return checkCeiling("bcrypt cost", int64(cost), err, 1, maxImportedBcryptCost)

	case "bcrypt-sha256":
		return eachParam(first, func(key, value string) error {
			if key != "r" {
				return nil
			}
			cost, err := strconv.Atoi(value)
			return checkCeiling("bcrypt cost", int64(cost), err, 1, maxImportedBcryptCost)
		})

	case "pbkdf2", "pbkdf2-sha1", "pbkdf2-sha224", "pbkdf2-sha256", "pbkdf2-sha384", "pbkdf2-sha512":
		n, err := strconv.Atoi(first)
		return checkCeiling("PBKDF2 iterations", int64(n), err, 1, maxImportedIterations)

	case "scrypt":
		ln, r, p := int64(16), int64(8), int64(1) // go-crypt's defaults for absent parameters
		err := eachParam(first, func(key, value string) error {
			v, err := strconv.Atoi(value)
			switch key {
			case "ln":
				ln = int64(v)
				return checkCeiling("scrypt ln", ln, err, 1, 30)
			case "r":
				r = int64(v)
				return checkCeiling("scrypt r", r, err, 1, 1<<20)
			case "p":
				p = int64(v)
				return checkCeiling("scrypt p", p, err, 1, 1<<20)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// With ln ≤ 30 and r ≤ 2^20, 128*N*r stays below 2^57; once it is
		// at most 2^30, N*r*p stays below 2^43. Neither overflows.
		nr := r << ln
		if mem := 128 * nr; mem > maxImportedScryptMem {
			return fmt.Errorf("%w: scrypt needs %d bytes, above the ceiling of %d", ErrInvalidImportedHash, mem, maxImportedScryptMem)
		}
		if work := nr * p; work > maxImportedScryptWork {
			return fmt.Errorf("%w: scrypt work N*r*p = %d is above the ceiling of %d", ErrInvalidImportedHash, work, maxImportedScryptWork)
		}
		return nil

	case "argon2id", "argon2i", "argon2d":
		for _, field := range rest[:min(2, len(rest))] {
			err := eachParam(field, func(key, value string) error {
				if key == "v" {
					return nil
				}
				v, err := strconv.ParseUint(value, 10, 32)
				switch key {
				case "m":
					return checkCeiling("argon2 memory", int64(v), err, 1, maxMemoryKiB)
				case "t":
					return checkCeiling("argon2 time", int64(v), err, 1, maxTime)
				case "p":
					return checkCeiling("argon2 parallelism", int64(v), err, 1, 255)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil

	case "5", "6":
		if len(rest) < 3 { // rounds omitted: the default of 5000
			return nil
		}
		return eachParam(first, func(key, value string) error {
			if key != "rounds" {
				return nil
			}
			n, err := strconv.ParseUint(value, 10, 32)
			return checkCeiling("SHA-crypt rounds", int64(n), err, 1, maxImportedIterations)
		})
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedHash, truncate(id, 16))
}

// eachParam calls f for each "key=value" of a comma-separated parameter
// field, as the go-crypt decoders split it, and returns f's first error.
// Fields that are not parameters at all are left to the decoder to refuse.
func eachParam(field string, f func(key, value string) error) error {
	for item := range strings.SplitSeq(field, ",") {
		key, value, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		if err := f(key, value); err != nil {
			return err
		}
	}
	return nil
}

// checkCeiling returns an ErrInvalidImportedHash error when parsing a cost
// parameter failed or its value lies outside lo..hi.
func checkCeiling(name string, v int64, parseErr error, lo, hi int64) error {
	if parseErr != nil {
		return fmt.Errorf("%w: %s is not a number", ErrInvalidImportedHash, name)
	}
	if v < lo || v > hi {
		return fmt.Errorf("%w: %s %d is outside %d..%d", ErrInvalidImportedHash, name, v, lo, hi)
	}
	return nil
}
