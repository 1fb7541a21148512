package auth

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// rfcSecret is the SHA1 key of the RFC 6238 test vectors, the ASCII string
// "12345678901234567890", in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestTOTPCodeRFC6238(t *testing.T) {
	// RFC 6238 appendix B, SHA1 column; the six-digit code is the last six
	// digits of the eight the RFC lists.
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := TOTPCode(rfcSecret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("TOTPCode(t=%d) = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
		step, ok := CheckTOTP(rfcSecret, tt.want, time.Unix(tt.unix, 0))
		if !ok || step != tt.unix/30 {
			t.Errorf("CheckTOTP(t=%d, %s) = %d, %v; want %d, true", tt.unix, tt.want, step, ok, tt.unix/30)
		}
	}
	// Lower case and padding in the secret do not matter.
	if got, err := TOTPCode(strings.ToLower(rfcSecret)+"====", time.Unix(59, 0)); err != nil || got != "287082" {
		t.Errorf("TOTPCode(lower-case, padded secret) = %q, %v", got, err)
	}
}

func TestCheckTOTPWindow(t *testing.T) {
	key, err := NewTOTP("Roster", "jane@example.org")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	step := now.Unix() / 30
	code := func(s int64) string {
		c, err := TOTPCode(key.Secret, time.Unix(s*30, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		wantStep int64
		wantOK   bool
	}{
		{"current", code(step), step, true},
		{"previous", code(step - 1), step - 1, true},
		{"next", code(step + 1), step + 1, true},
		{"two back", code(step - 2), 0, false},
		{"two ahead", code(step + 2), 0, false},
		{"spaced", code(step)[:3] + " " + code(step)[3:], step, true},
		{"padded", "  " + code(step) + "\n", step, true},
		{"five digits", code(step)[:5], 0, false},
		{"seven digits", code(step) + "0", 0, false},
		{"letters", "abcdef", 0, false},
		{"sign", "+" + code(step)[1:], 0, false},
		{"full-width digits", strings.Map(func(r rune) rune { return r - '0' + '０' }, code(step)), 0, false},
		{"hyphen", code(step)[:3] + "-" + code(step)[3:], 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A code one-in-a-million may be valid at a neighbouring step
			// as well; such a collision is no failure of the window.
			if !tt.wantOK && tt.code != "" && len(strings.TrimSpace(tt.code)) == 6 {
				for s := step - 1; s <= step+1; s++ {
					if code(s) == tt.code {
						t.Skip("random collision between steps")
					}
				}
			}
			gotStep, ok := CheckTOTP(key.Secret, tt.code, now)
			if ok != tt.wantOK || gotStep != tt.wantStep {
				t.Errorf("CheckTOTP(%q) = %d, %v; want %d, %v", tt.code, gotStep, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestCheckTOTPBoundaries(t *testing.T) {
	// The last second of a step and the first of the next.
	end := time.Unix(59, 999_999_999)
	if step, ok := CheckTOTP(rfcSecret, "287082", end); !ok || step != 1 {
		t.Errorf("CheckTOTP at 59.999s = %d, %v; want 1, true", step, ok)
	}
	if step, ok := CheckTOTP(rfcSecret, "287082", time.Unix(60, 0)); !ok || step != 1 {
		t.Errorf("CheckTOTP at 60s (previous step) = %d, %v; want 1, true", step, ok)
	}
	if _, ok := CheckTOTP(rfcSecret, "287082", time.Unix(90, 0)); ok {
		t.Error("CheckTOTP accepted a code two steps old")
	}
	// Step 0 has no previous step; nothing before 1970 has a code.
	c0, err := TOTPCode(rfcSecret, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if step, ok := CheckTOTP(rfcSecret, c0, time.Unix(5, 0)); !ok || step != 0 {
		t.Errorf("CheckTOTP at step 0 = %d, %v", step, ok)
	}
	if _, err := TOTPCode(rfcSecret, time.Unix(-1, 0)); err == nil {
		t.Error("TOTPCode before 1970 gave no error")
	}
}

func TestCheckTOTPRefusesWeakSecrets(t *testing.T) {
	for _, secret := range []string{
		"",                 // HMAC takes an empty key; the codes would be public
		"GEZDGNBVGY3TQOJQ", // 80 bits
		"not base32!",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
	} {
		c, err := TOTPCode(rfcSecret, time.Unix(59, 0)) // any six digits will do
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := CheckTOTP(secret, c, time.Unix(59, 0)); ok {
			t.Errorf("CheckTOTP(secret %q) = true", secret)
		}
		if _, err := TOTPCode(secret, time.Unix(59, 0)); !errors.Is(err, ErrInvalidTOTPSecret) {
			t.Errorf("TOTPCode(secret %q) error = %v, want ErrInvalidTOTPSecret", secret, err)
		}
	}
}

func TestNewTOTP(t *testing.T) {
	key, err := NewTOTP("Acme: Schools", "jane.roe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := decodeTOTPSecret(key.Secret)
	if err != nil || len(raw) != 20 {
		t.Fatalf("secret %q decodes to %d bytes, %v; want 20", key.Secret, len(raw), err)
	}
	if strings.ToUpper(key.Secret) != key.Secret || strings.Contains(key.Secret, "=") {
		t.Errorf("secret %q is not upper-case unpadded base32", key.Secret)
	}

	u, err := url.Parse(key.URL)
	if err != nil {
		t.Fatalf("URL %q: %v", key.URL, err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("URL %q is not otpauth://totp/", key.URL)
	}
	if want := "/Acme  Schools:jane.roe@example.org"; u.Path != want {
		t.Errorf("URL label = %q, want %q", u.Path, want)
	}
	q := u.Query()
	for param, want := range map[string]string{
		"secret": key.Secret, "issuer": "Acme  Schools", "algorithm": "SHA1", "digits": "6", "period": "30",
	} {
		if got := q.Get(param); got != want {
			t.Errorf("URL %s = %q, want %q", param, got, want)
		}
	}

	// The app that scans the URL makes codes CheckTOTP accepts.
	k, err := otp.NewKeyFromURL(key.URL)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c, err := TOTPCode(k.Secret(), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := CheckTOTP(key.Secret, c, now); !ok {
		t.Error("CheckTOTP refused a code made from the URL's secret")
	}

	other, err := NewTOTP("Acme", "jane.roe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if other.Secret == key.Secret {
		t.Error("two keys share a secret")
	}

	for _, tt := range []struct{ issuer, account string }{{"", "jane"}, {"Acme", ""}, {" : ", "jane"}} {
		if k, err := NewTOTP(tt.issuer, tt.account); err == nil {
			t.Errorf("NewTOTP(%q, %q) = %+v, want an error", tt.issuer, tt.account, k)
		}
	}
}

func TestTOTPKeyFor(t *testing.T) {
	key, err := NewTOTP("Acme", "jane.roe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	again := TOTPKeyFor("Acme", "jane.roe@example.org", key.Secret)
	if *again != *key {
		t.Errorf("TOTPKeyFor = %+v, want %+v", again, key)
	}
	bad := TOTPKeyFor("Acme", "jane.roe@example.org", "short")
	if bad.URL != "" {
		t.Errorf("TOTPKeyFor(bad secret).URL = %q, want empty", bad.URL)
	}
	if _, err := bad.QRPNG(200); err == nil {
		t.Error("QRPNG of a key without URL gave no error")
	}
}

func TestQRPNG(t *testing.T) {
	key, err := NewTOTP("Roster", "jane.roe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{240, 241, 512} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			b, err := key.QRPNG(size)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
				t.Fatalf("image is %v, want %d×%d", r, size, size)
			}
			// The corners are quiet zone (white); the finder pattern in the
			// top left starts dark a little way in.
			white, dark := 0, 0
			for y := range size {
				for x := range size {
					if r, _, _, _ := img.At(x, y).RGBA(); r > 0x7fff {
						white++
					} else {
						dark++
					}
				}
			}
			if c, _, _, _ := img.At(0, 0).RGBA(); c < 0x7fff {
				t.Error("top-left corner is dark, want a white quiet zone")
			}
			if dark == 0 || white == 0 || dark > white {
				t.Errorf("%d dark and %d white pixels; not a QR code", dark, white)
			}
		})
	}
	for _, size := range []int{0, -5, 10, 4097} {
		if _, err := key.QRPNG(size); err == nil {
			t.Errorf("QRPNG(%d) gave no error", size)
		}
	}
}
