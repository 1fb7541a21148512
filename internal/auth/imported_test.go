package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-crypt/crypt/algorithm"
	"github.com/go-crypt/crypt/algorithm/argon2"
	"github.com/go-crypt/crypt/algorithm/bcrypt"
	"github.com/go-crypt/crypt/algorithm/md5crypt"
	"github.com/go-crypt/crypt/algorithm/pbkdf2"
	"github.com/go-crypt/crypt/algorithm/scrypt"
	"github.com/go-crypt/crypt/algorithm/shacrypt"
)

const importedPassword = "Imported pässword 42"

// hashWith returns a function that hashes importedPassword with the
// go-crypt hasher a constructor returns, as in hash(bcrypt.New(…)). The tests
// use the cheapest cost each hasher accepts, so that they stay fast.
func hashWith(t *testing.T) func(algorithm.Hash, error) string {
	return func(h algorithm.Hash, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("making the hasher: %v", err)
		}
		d, err := h.Hash(importedPassword)
		if err != nil {
			t.Fatalf("hashing: %v", err)
		}
		return d.Encode()
	}
}

// importedHashes returns one hash of importedPassword per supported family
// and spelling, each made in the test by go-crypt's own generators.
func importedHashes(t *testing.T) map[string]string {
	t.Helper()
	hash := hashWith(t)
	bc := hash(bcrypt.New(bcrypt.WithCost(10)))
	pb256 := hash(pbkdf2.NewSHA256(pbkdf2.WithIterations(100_000)))
	sha512 := hash(shacrypt.New(shacrypt.WithSHA512(), shacrypt.WithRounds(5000)))
	if !strings.HasPrefix(bc, "$2b$10$") || !strings.HasPrefix(pb256, "$pbkdf2-sha256$100000$") {
		t.Fatalf("unexpected generator output %q, %q", bc, pb256)
	}
	return map[string]string{
		"bcrypt 2b":       bc,
		"bcrypt 2a":       "$2a$" + strings.TrimPrefix(bc, "$2b$"), // the same algorithm for ASCII and UTF-8 input
		"bcrypt 2y":       "$2y$" + strings.TrimPrefix(bc, "$2b$"),
		"bcrypt-sha256":   hash(bcrypt.NewSHA256(bcrypt.WithCost(10))),
		"pbkdf2 sha1":     hash(pbkdf2.NewSHA1(pbkdf2.WithIterations(100_000))),
		"pbkdf2 sha256":   pb256,
		"pbkdf2 sha512":   hash(pbkdf2.NewSHA512(pbkdf2.WithIterations(100_000))),
		"pbkdf2 passlib":  "{PBKDF2-SHA256}" + strings.TrimPrefix(pb256, "$pbkdf2-sha256$"),
		"scrypt":          hash(scrypt.NewScrypt(scrypt.WithLN(10), scrypt.WithR(8), scrypt.WithP(1))),
		"argon2i":         hash(argon2.New(argon2.WithVariantI(), argon2.WithM(64), argon2.WithT(1), argon2.WithP(1))),
		"argon2d":         hash(argon2.New(argon2.WithVariantD(), argon2.WithM(64), argon2.WithT(2), argon2.WithP(2))),
		"argon2id short":  hash(argon2.New(argon2.WithVariantID(), argon2.WithM(64), argon2.WithT(1), argon2.WithP(1), argon2.WithK(8))),
		"argon2id ldap":   "{ARGON2}" + hash(argon2.New(argon2.WithVariantID(), argon2.WithM(64), argon2.WithT(1), argon2.WithP(1))),
		"sha256-crypt":    hash(shacrypt.New(shacrypt.WithSHA256(), shacrypt.WithRounds(1000))),
		"sha512-crypt":    sha512, // rounds=5000 is the default and left out
		"sha512-crypt ld": "{CRYPT}" + sha512,
	}
}

func TestVerifyAnyImported(t *testing.T) {
	h := &Hasher{Params: DefaultArgon2Params()} // no dummy hash needed
	for name, encoded := range importedHashes(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !SupportedImportedHash(encoded) {
				t.Errorf("SupportedImportedHash(%q) = false", encoded)
			}
			ok, rehash, err := h.VerifyAny(encoded, importedPassword)
			if !ok || !rehash || err != nil {
				t.Errorf("VerifyAny(%q, right password) = %v, %v, %v; want true, true, nil", encoded, ok, rehash, err)
			}
			ok, rehash, err = h.VerifyAny(encoded, importedPassword+"!")
			if ok || rehash || err != nil {
				t.Errorf("VerifyAny(%q, wrong password) = %v, %v, %v; want false, false, nil", encoded, ok, rehash, err)
			}
		})
	}
}

func TestVerifyAnyOwnHashes(t *testing.T) {
	h := &Hasher{Params: DefaultArgon2Params()}
	current, err := h.Hash(importedPassword)
	if err != nil {
		t.Fatal(err)
	}
	hash := hashWith(t)
	// A go-crypt argon2id hash with a 16-byte salt and a 32-byte key is in
	// Roster's own form, with weaker parameters: it takes Verify's path and
	// asks to be rehashed because of them.
	weak := hash(argon2.New(argon2.WithVariantID(), argon2.WithM(64), argon2.WithT(1), argon2.WithP(1), argon2.WithS(16), argon2.WithK(32)))
	if _, err := parsePHC(weak); err != nil {
		t.Fatalf("go-crypt argon2id %q is not in Roster's form: %v", weak, err)
	}
	tests := []struct {
		name       string
		encoded    string
		password   string
		ok, rehash bool
	}{
		{"current, right", current, importedPassword, true, false},
		{"current, wrong", current, "Imported password 42", false, false},
		{"weak, right", weak, importedPassword, true, true},
		{"weak, wrong", weak, "", false, false},
	}
	for _, tt := range tests {
		ok, rehash, err := h.VerifyAny(tt.encoded, tt.password)
		if ok != tt.ok || rehash != tt.rehash || err != nil {
			t.Errorf("%s: VerifyAny = %v, %v, %v; want %v, %v, nil", tt.name, ok, rehash, err, tt.ok, tt.rehash)
		}
		if !SupportedImportedHash(tt.encoded) {
			t.Errorf("%s: SupportedImportedHash = false", tt.name)
		}
	}
}

func TestVerifyAnyRefuses(t *testing.T) {
	hash := hashWith(t)
	bc := hash(bcrypt.New(bcrypt.WithCost(10)))
	bcBody := strings.TrimPrefix(bc, "$2b$10$")
	bcSHA := hash(bcrypt.NewSHA256(bcrypt.WithCost(10)))
	pb := hash(pbkdf2.NewSHA256(pbkdf2.WithIterations(100_000)))
	pbBody := strings.TrimPrefix(pb, "$pbkdf2-sha256$100000$")
	sc := hash(scrypt.NewScrypt(scrypt.WithLN(10)))
	scBody := sc[strings.Index(sc, "$ln=10,r=8,p=1$")+len("$ln=10,r=8,p=1$"):]
	ar := hash(argon2.New(argon2.WithVariantI(), argon2.WithM(64), argon2.WithT(1), argon2.WithP(1)))
	arBody := strings.TrimPrefix(ar, "$argon2i$v=19$m=64,t=1,p=1$")
	sh := hash(shacrypt.New(shacrypt.WithSHA512(), shacrypt.WithRounds(1000)))
	shBody := strings.TrimPrefix(sh, "$6$rounds=1000$")
	md5 := hash(md5crypt.New())
	yes := hash(scrypt.NewYescrypt())
	if bcBody == bc || pbBody == pb || arBody == ar || shBody == sh || !strings.HasPrefix(sc, "$scrypt$ln=10,r=8,p=1$") {
		t.Fatalf("unexpected generator output: %q %q %q %q %q", bc, pb, sc, ar, sh)
	}

	tests := []struct {
		name    string
		encoded string
		want    error
	}{
		{"empty", "", ErrUnsupportedHash},
		{"plain text", importedPassword, ErrUnsupportedHash},
		{"md5-crypt", md5, ErrUnsupportedHash},
		{"yescrypt", yes, ErrUnsupportedHash},
		{"plaintext scheme", "$plaintext$" + importedPassword, ErrUnsupportedHash},
		{"ldap ssha", "{SSHA}c2FsdHlzYWx0eXNhbHR5", ErrUnsupportedHash},
		{"sha1-crypt", "$sha1$40000$jtNX3nZ2$hBNaIXkt4wBI2o5rsi8KejSjNqIq", ErrUnsupportedHash},
		{"unknown", "$whirlpool$abc$def", ErrUnsupportedHash},
		{"leading space", " " + bc, ErrUnsupportedHash},

		{"bcrypt cost 31", "$2b$31$" + bcBody, ErrInvalidImportedHash},
		{"bcrypt cost 16", "$2b$16$" + bcBody, ErrInvalidImportedHash},
		{"bcrypt cost 0", "$2b$00$" + bcBody, ErrInvalidImportedHash},
		{"bcrypt cost text", "$2b$xx$" + bcBody, ErrInvalidImportedHash},
		{"bcrypt cost missing", "$2b$", ErrInvalidImportedHash},
		{"bcrypt short", "$2b$10$" + bcBody[:40], ErrInvalidImportedHash},
		{"bcrypt extra field", bc + "$x", ErrInvalidImportedHash},
		{"bcrypt-sha256 cost 31", strings.Replace(bcSHA, "r=10", "r=31", 1), ErrInvalidImportedHash},
		{"bcrypt-sha256 twice", strings.Replace(bcSHA, "r=10", "r=10,r=31", 1), ErrInvalidImportedHash},
		{"pbkdf2 huge", "$pbkdf2-sha256$2147483647$" + pbBody, ErrInvalidImportedHash},
		{"pbkdf2 overflow", "$pbkdf2-sha256$99999999999999999999$" + pbBody, ErrInvalidImportedHash},
		{"pbkdf2 zero", "$pbkdf2-sha256$0$" + pbBody, ErrInvalidImportedHash},
		{"pbkdf2 negative", "$pbkdf2-sha256$-5$" + pbBody, ErrInvalidImportedHash},
		{"pbkdf2 bad base64", "$pbkdf2-sha256$100000$!!!$!!!", ErrInvalidImportedHash},
		{"pbkdf2 passlib huge", "{PBKDF2-SHA256}2147483647$" + pbBody, ErrInvalidImportedHash},
		{"scrypt ln 31", "$scrypt$ln=31,r=8,p=1$" + scBody, ErrInvalidImportedHash},
		{"scrypt 2 GiB", "$scrypt$ln=21,r=8,p=1$" + scBody, ErrInvalidImportedHash},
		{"scrypt p 64", "$scrypt$ln=20,r=8,p=64$" + scBody, ErrInvalidImportedHash},
		{"scrypt r huge", "$scrypt$ln=10,r=9999999999,p=1$" + scBody, ErrInvalidImportedHash},
		{"scrypt ln text", "$scrypt$ln=ten,r=8,p=1$" + scBody, ErrInvalidImportedHash},
		{"scrypt unknown param", "$scrypt$ln=10,r=8,p=1,q=2$" + scBody, ErrInvalidImportedHash},
		{"argon2 4 GiB", "$argon2i$v=19$m=4294967295,t=1,p=1$" + arBody, ErrInvalidImportedHash},
		{"argon2 memory twice", "$argon2i$v=19$m=64,t=1,p=1,m=4000000$" + arBody, ErrInvalidImportedHash},
		{"argon2 time 1000", "$argon2i$v=19$m=64,t=1000,p=1$" + arBody, ErrInvalidImportedHash},
		{"argon2 threads 1000", "$argon2i$v=19$m=65536,t=1,p=1000$" + arBody, ErrInvalidImportedHash},
		{"argon2 memory in version field", "$argon2i$m=4000000$m=64,t=1,p=1$" + arBody, ErrInvalidImportedHash},
		{"argon2 old version", "$argon2i$v=16$m=64,t=1,p=1$" + arBody, ErrInvalidImportedHash},
		{"argon2 no key", "$argon2i$v=19$m=64,t=1,p=1$" + strings.Split(arBody, "$")[0], ErrInvalidImportedHash},
		{"argon2id name only", "$argon2id", ErrInvalidImportedHash},
		{"argon2id malformed", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey + "==", ErrInvalidImportedHash},
		{"sha-crypt rounds huge", "$6$rounds=999999999$" + shBody, ErrInvalidImportedHash},
		{"sha-crypt rounds text", "$6$rounds=many$" + shBody, ErrInvalidImportedHash},
		{"sha-crypt rounds twice", "$6$rounds=1000,rounds=999999999$" + shBody, ErrInvalidImportedHash},
		{"sha-crypt no key", "$6$rounds=1000$", ErrInvalidImportedHash},
		{"huge input", "$2b$10$" + strings.Repeat("a", 1<<20), ErrInvalidImportedHash},
		{"NUL byte", "$2b$10\x00$" + bcBody, ErrInvalidImportedHash},
		{"invalid UTF-8", "$scrypt$ln=10,r=8,p=1$\xff\xfe$" + scBody, ErrInvalidImportedHash},
	}
	h := &Hasher{Params: DefaultArgon2Params()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ok, rehash, err := h.VerifyAny(tt.encoded, importedPassword)
			if ok || rehash {
				t.Errorf("VerifyAny(%q) = %v, %v; want false, false", tt.encoded, ok, rehash)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("VerifyAny(%q) error = %v, want %v", tt.encoded, err, tt.want)
			}
			// Refusing must not cost a hash computation at the refused cost.
			if d := time.Since(start); d > time.Second {
				t.Errorf("VerifyAny(%q) took %v", tt.encoded, d)
			}
			if SupportedImportedHash(tt.encoded) {
				t.Errorf("SupportedImportedHash(%q) = true", tt.encoded)
			}
		})
	}
}

func TestVerifyAnyMalformedOwnForm(t *testing.T) {
	// Everything Verify refuses, VerifyAny refuses too, without panicking,
	// unless go-crypt reads it as a valid argon2id hash of other parameters.
	h := &Hasher{Params: DefaultArgon2Params()}
	for _, tt := range malformedHashes {
		ok, rehash, err := h.VerifyAny(tt.encoded, "hunter2")
		if ok || rehash {
			t.Errorf("%s: VerifyAny = %v, %v; want false", tt.name, ok, rehash)
		}
		if err == nil && !SupportedImportedHash(tt.encoded) {
			t.Errorf("%s: VerifyAny gave no error for an unsupported hash", tt.name)
		}
		if err != nil && !errors.Is(err, ErrUnsupportedHash) && !errors.Is(err, ErrInvalidImportedHash) {
			t.Errorf("%s: VerifyAny error = %v, want ErrUnsupportedHash or ErrInvalidImportedHash", tt.name, err)
		}
	}
}

// FuzzSupportedImportedHash checks that no stored string makes the import
// check panic or accept a cost above the ceilings. It does not hash, so it
// runs fast.
func FuzzSupportedImportedHash(f *testing.F) {
	for _, s := range []string{
		"$2b$10$abcdefghijklmnopqrstuu5fT3o8aOp2KMbMJ3ZpmEjMSFNP2fXIS",
		"$bcrypt-sha256$v=2,t=2b,r=10$abcdefghijklmnopqrstuu$5fT3o8aOp2KMbMJ3ZpmEjMSFNP2fXIS",
		"$pbkdf2-sha256$100000$c2FsdHNhbHQ$a2V5a2V5a2V5",
		"{PBKDF2-SHA1}1000$c2FsdHNhbHQ$a2V5a2V5a2V5",
		"$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5",
		"$6$rounds=1000$saltsalt$abcdefghijkl",
		"{CRYPT}$5$saltsalt$abcdefghijkl",
		"$y$j9T$saltsaltsalt$abcdefghijkl",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !SupportedImportedHash(s) {
			return
		}
		if _, err := parsePHC(s); err == nil {
			return
		}
		if _, err := decodeImported(s); err != nil {
			t.Fatalf("SupportedImportedHash(%q) = true, but decodeImported fails: %v", s, err)
		}
	})
}
