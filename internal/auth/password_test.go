package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// newTestHasher returns a Hasher with the default (minimum) parameters; one
// hash costs tens of milliseconds, so the tests below hash sparingly.
func newTestHasher(t *testing.T) *Hasher {
	t.Helper()
	h, err := NewHasher(DefaultArgon2Params())
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func TestDefaultArgon2Params(t *testing.T) {
	p := DefaultArgon2Params()
	want := Argon2Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	if p != want {
		t.Fatalf("DefaultArgon2Params() = %+v, want %+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("default params do not validate: %v", err)
	}
}

func TestArgon2ParamsValidate(t *testing.T) {
	def := DefaultArgon2Params()
	with := func(f func(*Argon2Params)) Argon2Params {
		p := def
		f(&p)
		return p
	}
	tests := []struct {
		name    string
		p       Argon2Params
		wantErr string // substring; empty means valid
	}{
		{"default", def, ""},
		{"stronger", with(func(p *Argon2Params) { p.MemoryKiB, p.Time, p.Threads = 65536, 3, 4 }), ""},
		{"memory too low", with(func(p *Argon2Params) { p.MemoryKiB = 19455 }), "memory 19455 KiB is below the minimum"},
		{"memory zero", with(func(p *Argon2Params) { p.MemoryKiB = 0 }), "memory"},
		{"memory too high", with(func(p *Argon2Params) { p.MemoryKiB = 1<<20 + 1 }), "above the maximum"},
		{"time too low", with(func(p *Argon2Params) { p.Time = 1 }), "time 1 is below the minimum of 2"},
		{"time too high", with(func(p *Argon2Params) { p.Time = 101 }), "time 101 is above"},
		{"no threads", with(func(p *Argon2Params) { p.Threads = 0 }), "thread"},
		{"short salt", with(func(p *Argon2Params) { p.SaltLen = 8 }), "salt length"},
		{"short key", with(func(p *Argon2Params) { p.KeyLen = 8 }), "key length"},
		{"zero value", Argon2Params{}, "memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate() = nil, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Validate() = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewHasherRefusesWeakParams(t *testing.T) {
	p := DefaultArgon2Params()
	p.Time = 1
	if _, err := NewHasher(p); err == nil {
		t.Fatal("NewHasher accepted time 1")
	}
	// A Hasher built by hand must not hash with weak parameters either.
	h := &Hasher{Params: Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if got, err := h.Hash("secret"); err == nil {
		t.Fatalf("Hash with weak params = %q, want an error", got)
	}
}

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashVerifyRoundTrip(t *testing.T) {
	h := newTestHasher(t)
	for _, pw := range []string{
		"correct horse battery staple",
		"",                           // policy, not the hasher, refuses empty passwords
		"Pässwörd 密码 🔑\x00 trailing", // any Unicode, even NUL
	} {
		encoded, err := h.Hash(pw)
		if err != nil {
			t.Fatalf("Hash(%q): %v", pw, err)
		}
		if !phcPattern.MatchString(encoded) {
			t.Fatalf("Hash(%q) = %q, not in the expected PHC form", pw, encoded)
		}
		ok, err := h.Verify(encoded, pw)
		if err != nil || !ok {
			t.Fatalf("Verify(own hash, %q) = %v, %v; want true, nil", pw, ok, err)
		}
		if h.NeedsRehash(encoded) {
			t.Errorf("NeedsRehash(fresh hash) = true")
		}
	}
}

func TestHashIsSalted(t *testing.T) {
	h := newTestHasher(t)
	a, err := h.Hash("same password")
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash("same password")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two hashes of the same password are equal: %q", a)
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	h := newTestHasher(t)
	encoded, err := h.Hash("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"hunter3", "Hunter2", "hunter2 ", ""} {
		ok, err := h.Verify(encoded, pw)
		if err != nil || ok {
			t.Errorf("Verify(hash of hunter2, %q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

// TestVerifyTampered checks that a well-formed string whose salt, hash or
// parameters were altered no longer verifies, without being an error.
func TestVerifyTampered(t *testing.T) {
	h := newTestHasher(t)
	encoded, err := h.Hash("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	d, err := parsePHC(encoded)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte) []byte {
		c := append([]byte(nil), b...)
		c[0] ^= 1
		return c
	}
	tests := map[string]phc{
		"hash":   {params: d.params, salt: d.salt, key: flip(d.key)},
		"salt":   {params: d.params, salt: flip(d.salt), key: d.key},
		"time":   {params: withTime(d.params, 3), salt: d.salt, key: d.key},
		"prefix": {params: d.params, salt: d.salt, key: d.key[:16]},
	}
	for name, tampered := range tests {
		ok, err := h.Verify(formatPHC(tampered), "hunter2")
		if err != nil || ok {
			t.Errorf("Verify(tampered %s) = %v, %v; want false, nil", name, ok, err)
		}
	}
}

func withTime(p Argon2Params, t uint32) Argon2Params {
	p.Time = t
	return p
}

const (
	goodSalt = "c29tZXNhbHRzb21lc2FsdA"                      // 16 bytes
	goodKey  = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 32 bytes
)

// malformedHashes are stored strings Verify must refuse with an error. None
// of them may panic or make Verify allocate more than the bounds allow.
var malformedHashes = []struct {
	name    string
	encoded string
	want    error
}{
	{"empty", "", ErrUnsupportedHash},
	{"dollar only", "$", ErrUnsupportedHash},
	{"plain text", "hunter2", ErrUnsupportedHash},
	{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrUnsupportedHash},
	{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrUnsupportedHash},
	{"upper-case name", "$ARGON2ID$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrUnsupportedHash},
	{"no leading dollar", "argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrUnsupportedHash},
	{"name only", "$argon2id", ErrMalformedHash},
	{"missing version", "$argon2id$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"missing hash", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt, ErrMalformedHash},
	{"extra field", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey + "$", ErrMalformedHash},
	{"params reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"param missing", "$argon2id$v=19$m=19456,t=2$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"extra param", "$argon2id$v=19$m=19456,t=2,p=1,data=eA$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"empty value", "$argon2id$v=19$m=,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"non-numeric", "$argon2id$v=19$m=lots,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"negative", "$argon2id$v=19$m=-1,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"plus sign", "$argon2id$v=19$m=+19456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"memory overflows uint32", "$argon2id$v=19$m=4294967296,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"memory 4 GiB", "$argon2id$v=19$m=4294967295,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"time zero", "$argon2id$v=19$m=19456,t=0,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"time huge", "$argon2id$v=19$m=19456,t=4000000000,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"threads zero", "$argon2id$v=19$m=19456,t=2,p=0$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"threads 256", "$argon2id$v=19$m=19456,t=2,p=256$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"memory below 8 per lane", "$argon2id$v=19$m=15,t=2,p=2$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"padded salt", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "==$" + goodKey, ErrMalformedHash},
	{"url-safe base64", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + strings.Repeat("_", 43), ErrMalformedHash},
	{"non-canonical base64", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey[:42] + "B", ErrMalformedHash},
	{"line break in hash", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey[:20] + "\r\n" + goodKey[20:], ErrMalformedHash},
	{"empty salt", "$argon2id$v=19$m=19456,t=2,p=1$$" + goodKey, ErrMalformedHash},
	{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + goodKey, ErrMalformedHash},
	{"short hash", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$AAAAAAAA", ErrMalformedHash},
	{"hash too long", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + strings.Repeat("A", 1368), ErrMalformedHash},
	{"huge input", "$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + strings.Repeat("A", 1<<20), ErrMalformedHash},
	{"NUL byte", "$argon2id$v=19$m=19456\x00,t=2,p=1$" + goodSalt + "$" + goodKey, ErrMalformedHash},
	{"invalid UTF-8", "$argon2id$v=19$m=19456,t=2,p=1$\xff\xfe$" + goodKey, ErrMalformedHash},
}

func TestVerifyMalformed(t *testing.T) {
	h := &Hasher{Params: DefaultArgon2Params()} // Verify needs no dummy hash
	for _, tt := range malformedHashes {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(tt.encoded, "hunter2")
			if ok {
				t.Fatal("Verify(malformed) = true")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify(malformed) error = %v, want %v", err, tt.want)
			}
			if !h.NeedsRehash(tt.encoded) {
				t.Error("NeedsRehash(malformed) = false")
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := &Hasher{Params: DefaultArgon2Params()}
	salt16 := make([]byte, 16)
	key32 := make([]byte, 32)
	enc := func(m, tm uint32, p uint8, salt, key []byte) string {
		return formatPHC(phc{params: Argon2Params{MemoryKiB: m, Time: tm, Threads: p}, salt: salt, key: key})
	}
	tests := []struct {
		name    string
		encoded string
		want    bool
	}{
		{"same params", enc(19456, 2, 1, salt16, key32), false},
		{"more memory", enc(65536, 2, 1, salt16, key32), false},
		{"more time", enc(19456, 3, 1, salt16, key32), false},
		{"more threads", enc(19456, 2, 4, salt16, key32), false},
		{"longer key and salt", enc(19456, 2, 1, make([]byte, 32), make([]byte, 64)), false},
		{"less memory", enc(12288, 3, 1, salt16, key32), true},
		{"less time", enc(47104, 1, 1, salt16, key32), true},
		{"shorter key", enc(19456, 2, 1, salt16, key32[:16]), true},
		{"shorter salt", enc(19456, 2, 1, salt16[:8], key32), true},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", true},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey, true},
		{"garbage", "not a hash", true},
	}
	for _, tt := range tests {
		if got := h.NeedsRehash(tt.encoded); got != tt.want {
			t.Errorf("%s: NeedsRehash(%q) = %v, want %v", tt.name, tt.encoded, got, tt.want)
		}
	}

	stronger := &Hasher{Params: DefaultArgon2Params()}
	stronger.Params.MemoryKiB = 65536
	if !stronger.NeedsRehash(enc(19456, 2, 1, salt16, key32)) {
		t.Error("a hasher with more memory does not ask to rehash a 19 MiB hash")
	}
}

// TestVerifyOldParams checks that a hash made with weaker, older parameters
// still verifies (and asks to be rehashed).
func TestVerifyOldParams(t *testing.T) {
	old := Argon2Params{MemoryKiB: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}
	// Validate refuses these for new hashes, so build the string directly.
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("hunter2"), salt, old.Time, old.MemoryKiB, old.Threads, old.KeyLen)
	encoded := formatPHC(phc{params: old, salt: salt, key: key})

	h := &Hasher{Params: DefaultArgon2Params()}
	if ok, err := h.Verify(encoded, "hunter2"); err != nil || !ok {
		t.Fatalf("Verify(old hash) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := h.Verify(encoded, "hunter3"); err != nil || ok {
		t.Fatalf("Verify(old hash, wrong password) = %v, %v; want false, nil", ok, err)
	}
	if !h.NeedsRehash(encoded) {
		t.Fatal("NeedsRehash(old hash) = false")
	}
}

func TestDummyVerify(t *testing.T) {
	h := newTestHasher(t)
	// The dummy hash must cost what a fresh real hash costs, so that an
	// unknown user's sign-in takes as long as a known user's.
	d, err := parsePHC(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash %q does not parse: %v", h.dummy, err)
	}
	if d.params != h.Params {
		t.Fatalf("dummy hash params = %+v, want %+v", d.params, h.Params)
	}
	h.DummyVerify("anything")

	// A Hasher made without NewHasher still spends the time, and does not
	// panic even with unusable params.
	(&Hasher{Params: DefaultArgon2Params()}).DummyVerify("anything")
	(&Hasher{}).DummyVerify("anything")
}

// FuzzParsePHC checks that no input makes the parser panic, and that what it
// accepts is within bounds and survives a round trip.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$" + goodSalt + "$" + goodKey)
	for _, tt := range malformedHashes {
		if len(tt.encoded) < 2000 {
			f.Add(tt.encoded)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parsePHC(s)
		if err != nil {
			return
		}
		if d.params.MemoryKiB > maxMemoryKiB || d.params.Time > maxTime || d.params.Threads < 1 ||
			len(d.key) > maxKeyLen || len(d.salt) > maxSaltLen {
			t.Fatalf("parsePHC(%q) accepted out-of-bounds params %+v", s, d.params)
		}
		if got := formatPHC(d); got != s {
			t.Fatalf("parsePHC(%q) re-formats as %q", s, got)
		}
	})
}
