package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"
	"unicode"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// The TOTP parameters every authenticator app understands (RFC 6238 with the
// defaults of the Key URI format): HMAC-SHA1, six digits, 30-second steps.
const (
	totpPeriod     = 30
	totpDigits     = 6
	totpSecretSize = 20 // 160 bits, the HMAC-SHA1 key length RFC 4226 recommends
	minTOTPSecret  = 16 // 128 bits, the least RFC 4226 allows
	totpQuietZone  = 4  // modules of white around a QR code, as ISO 18004 asks
	maxQRSize      = 4096
)

// ErrInvalidTOTPSecret means a TOTP secret is not base32 or is shorter than
// 128 bits.
var ErrInvalidTOTPSecret = errors.New("auth: invalid TOTP secret")

// TOTPKey is an authenticator-app key being set up: the shared secret and
// the otpauth:// URL that carries it, with the issuer and account name the
// app shows.
type TOTPKey struct {
	// Secret is the shared secret in upper-case base32 without padding,
	// for typing into an app by hand and for storing (encrypted or not,
	// it is a credential: anyone holding it can make codes).
	Secret string
	// URL is the otpauth://totp/… URL that QRPNG encodes.
	URL string
}

// NewTOTP returns a new TOTP key for account (usually the user's email)
// issued by issuer (the organization or service the app should show), with a
// 160-bit secret from crypto/rand. Colons, which the URL format reserves
// between issuer and account, are replaced by spaces in both. It returns an
// error when issuer or account is empty.
func NewTOTP(issuer, account string) (*TOTPKey, error) {
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer:      totpLabel(issuer),
		AccountName: totpLabel(account),
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: making a TOTP key: %w", err)
	}
	return &TOTPKey{Secret: k.Secret(), URL: k.URL()}, nil
}

// TOTPKeyFor rebuilds the key of a stored secret, as NewTOTP made it, so that
// an enrolment page shown again can show the same QR code. When secret is not
// valid (see CheckTOTP) or issuer or account is empty, the key's URL is empty
// and its QRPNG fails.
func TOTPKeyFor(issuer, account, secret string) *TOTPKey {
	raw, err := decodeTOTPSecret(secret)
	if err != nil {
		return &TOTPKey{Secret: secret}
	}
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer:      totpLabel(issuer),
		AccountName: totpLabel(account),
		Period:      totpPeriod,
		Secret:      raw,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return &TOTPKey{Secret: secret}
	}
	return &TOTPKey{Secret: k.Secret(), URL: k.URL()}
}

// totpLabel prepares an issuer or account name for the otpauth:// label.
func totpLabel(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, ":", " "))
}

// QRPNG returns k's URL as a QR code in a size×size PNG image, black on
// white with a quiet zone, for an authenticator app to scan. size is in
// pixels; QRPNG returns an error when it is above 4096 or too small to give
// each module of the code at least one pixel, or when k has no URL.
func (k *TOTPKey) QRPNG(size int) ([]byte, error) {
	if k.URL == "" {
		return nil, errors.New("auth: the TOTP key has no URL")
	}
	if size <= 0 || size > maxQRSize {
		return nil, fmt.Errorf("auth: QR code size %d is outside 1..%d pixels", size, maxQRSize)
	}
	code, err := qr.Encode(k.URL, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("auth: encoding the TOTP URL as a QR code: %w", err)
	}
	modules := code.Bounds().Dx()
	scale := size / (modules + 2*totpQuietZone)
	if scale < 1 {
		return nil, fmt.Errorf("auth: QR code size %d is too small for %d modules; use at least %d pixels",
			size, modules, modules+2*totpQuietZone)
	}

	// Draw the modules by hand rather than with barcode.Scale, to get the
	// quiet zone and a two-colour palette (a small PNG).
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	offset := (size - modules*scale) / 2
	for y := range modules {
		for x := range modules {
			if g := color.GrayModel.Convert(code.At(x, y)).(color.Gray); g.Y >= 128 {
				continue
			}
			for py := range scale {
				row := (offset+y*scale+py)*img.Stride + offset + x*scale
				for px := range scale {
					img.Pix[row+px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: encoding the QR code as PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// CheckTOTP reports whether code is the TOTP code of secret at now or one
// 30-second step either side of it (to allow for clock drift and typing
// time), and returns the time step it matched (Unix time / 30).
//
// REPLAY GUARD: a code stays valid for up to 90 seconds, so CheckTOTP alone
// would accept the same code again. The caller must store the step of each
// accepted code and refuse a code whose step is not greater than the last
// one it accepted for that user, atomically with the update.
//
// code may contain spaces ("123 456"), which are ignored; anything else but
// exactly six ASCII digits fails. secret is base32 (case and padding do not
// matter) of at least 128 bits; an invalid secret fails too.
func CheckTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != totpDigits {
		return 0, false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	if _, err := decodeTOTPSecret(secret); err != nil {
		return 0, false
	}
	current := totpStep(now)
	// Try the current step first, so that a code valid at two steps (a
	// one-in-a-million coincidence) is credited to the present one.
	for _, s := range [...]int64{current, current - 1, current + 1} {
		if s < 0 {
			continue
		}
		want, err := totpAt(secret, s)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode returns the six-digit TOTP code of secret at t, as an
// authenticator app would show it. It returns ErrInvalidTOTPSecret (wrapped)
// when secret is not base32 of at least 128 bits, and an error for a time
// before 1970.
func TOTPCode(secret string, t time.Time) (string, error) {
	if _, err := decodeTOTPSecret(secret); err != nil {
		return "", err
	}
	step := totpStep(t)
	if step < 0 {
		return "", fmt.Errorf("auth: no TOTP code for %v, before 1970", t)
	}
	return totpAt(secret, step)
}

// totpStep returns the RFC 6238 time step of t, rounding down.
func totpStep(t time.Time) int64 {
	u := t.Unix()
	step := u / totpPeriod
	if u < 0 && u%totpPeriod != 0 {
		step--
	}
	return step
}

// totpAt returns the code of secret at a time step; it is the HOTP code of
// the step used as the counter.
func totpAt(secret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(normalTOTPSecret(secret), uint64(step), hotp.ValidateOpts{
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
}

// normalTOTPSecret upper-cases secret and drops spaces and padding.
func normalTOTPSecret(secret string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '=' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, secret))
}

// decodeTOTPSecret decodes secret, refusing one that is not base32 or is
// shorter than 128 bits: HMAC accepts even an empty key, so a blank or
// truncated secret would otherwise yield codes anyone can compute.
func decodeTOTPSecret(secret string) ([]byte, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(normalTOTPSecret(secret))
	if err != nil {
		return nil, fmt.Errorf("%w: not base32", ErrInvalidTOTPSecret)
	}
	if len(raw) < minTOTPSecret {
		return nil, fmt.Errorf("%w: %d bits, want at least %d", ErrInvalidTOTPSecret, 8*len(raw), 8*minTOTPSecret)
	}
	return raw, nil
}
