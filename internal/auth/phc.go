package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Errors returned by Hasher.Verify for stored hashes it cannot use.
var (
	// ErrMalformedHash means the stored string claims to be argon2id but is
	// not a well-formed, reasonable PHC string.
	ErrMalformedHash = errors.New("auth: malformed argon2id hash")
	// ErrUnsupportedHash means the stored string is not argon2id at all (for
	// example an imported bcrypt hash), so another verifier must handle it.
	ErrUnsupportedHash = errors.New("auth: unsupported password hash algorithm")
)

// Limits on what parsePHC accepts. A stored hash may come from an import, so
// its parameters are bounded before they size an allocation or a loop.
const (
	maxEncodedLen = 4096 // far above the ~1.4 KiB that maxSaltLen+maxKeyLen need
	minParseSalt  = 8    // RFC 9106 allows 8-byte salts; Hash itself uses 16+
)

// phc is a decoded argon2id PHC string.
type phc struct {
	params Argon2Params // SaltLen and KeyLen are those of salt and key
	salt   []byte
	key    []byte
}

// phcBase64 is the PHC string's base64: the standard alphabet, no padding,
// and strict about unused trailing bits so that each value has one spelling.
func phcBase64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

// formatPHC encodes d as "$argon2id$v=19$m=…,t=…,p=…$salt$key".
func formatPHC(d phc) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, d.params.MemoryKiB, d.params.Time, d.params.Threads,
		phcBase64().EncodeToString(d.salt), phcBase64().EncodeToString(d.key))
}

// parsePHC decodes an argon2id PHC string. It returns ErrUnsupportedHash for
// any other algorithm and ErrMalformedHash (wrapped, with a reason) for a
// string that is not exactly in the form formatPHC writes or whose parameters
// are out of bounds.
func parsePHC(s string) (phc, error) {
	if len(s) > maxEncodedLen {
		return phc{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxEncodedLen)
	}
	parts := strings.Split(s, "$")
	if len(parts) < 2 || parts[0] != "" {
		return phc{}, fmt.Errorf("%w: not a PHC string", ErrUnsupportedHash)
	}
	if parts[1] != "argon2id" {
		return phc{}, fmt.Errorf("%w: %q", ErrUnsupportedHash, truncate(parts[1], 16))
	}
	if len(parts) != 6 {
		return phc{}, fmt.Errorf("%w: want 5 fields, have %d", ErrMalformedHash, len(parts)-1)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("%w: unsupported version field %q", ErrMalformedHash, truncate(parts[2], 16))
	}

	var d phc
	var err error
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return phc{}, fmt.Errorf("%w: want parameters m, t and p", ErrMalformedHash)
	}
	if d.params.MemoryKiB, err = parseParam(params[0], "m", 1, maxMemoryKiB); err != nil {
		return phc{}, err
	}
	if d.params.Time, err = parseParam(params[1], "t", 1, maxTime); err != nil {
		return phc{}, err
	}
	threads, err := parseParam(params[2], "p", 1, 255)
	if err != nil {
		return phc{}, err
	}
	d.params.Threads = uint8(threads)
	// RFC 9106: the memory must be at least 8 KiB per lane.
	if uint64(d.params.MemoryKiB) < 8*uint64(threads) {
		return phc{}, fmt.Errorf("%w: m is less than 8*p", ErrMalformedHash)
	}

	if d.salt, err = decodeB64(parts[4]); err != nil {
		return phc{}, fmt.Errorf("%w: salt is not unpadded base64", ErrMalformedHash)
	}
	if len(d.salt) < minParseSalt || len(d.salt) > maxSaltLen {
		return phc{}, fmt.Errorf("%w: salt length %d is outside %d..%d bytes", ErrMalformedHash, len(d.salt), minParseSalt, maxSaltLen)
	}
	if d.key, err = decodeB64(parts[5]); err != nil {
		return phc{}, fmt.Errorf("%w: hash is not unpadded base64", ErrMalformedHash)
	}
	if len(d.key) < minKeyLen || len(d.key) > maxKeyLen {
		return phc{}, fmt.Errorf("%w: hash length %d is outside %d..%d bytes", ErrMalformedHash, len(d.key), minKeyLen, maxKeyLen)
	}
	d.params.SaltLen = uint32(len(d.salt))
	d.params.KeyLen = uint32(len(d.key))
	return d, nil
}

// parseParam parses "name=value" where value is a canonical decimal (no sign,
// no leading zeros) within lo..hi.
func parseParam(field, name string, lo, hi uint32) (uint32, error) {
	v, ok := strings.CutPrefix(field, name+"=")
	if !ok {
		return 0, fmt.Errorf("%w: want parameter %s", ErrMalformedHash, name)
	}
	if v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, fmt.Errorf("%w: parameter %s is not a canonical number", ErrMalformedHash, name)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: parameter %s is not a number", ErrMalformedHash, name)
	}
	if n < uint64(lo) || n > uint64(hi) {
		return 0, fmt.Errorf("%w: parameter %s=%d is outside %d..%d", ErrMalformedHash, name, n, lo, hi)
	}
	return uint32(n), nil
}

// decodeB64 decodes s, refusing any spelling other than the one
// phcBase64 would write (the decoder alone skips line breaks, for one).
func decodeB64(s string) ([]byte, error) {
	b, err := phcBase64().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if phcBase64().EncodeToString(b) != s {
		return nil, errors.New("non-canonical base64")
	}
	return b, nil
}

// truncate shortens s for an error message, so that a long or hostile stored
// value is not echoed in full into logs.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
