package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password length limits, in characters (Unicode code points), after NIST SP
// 800-63B rev 4: a password that is the only factor must be at least 15
// characters long, no minimum may be below 8, and at least 64 characters must
// be allowed.
const (
	// DefaultMinPasswordLength is the minimum PasswordRules apply when
	// MinLength is zero or negative.
	DefaultMinPasswordLength = 15
	// FloorMinPasswordLength is the smallest minimum PasswordRules apply,
	// whatever MinLength says.
	FloorMinPasswordLength = 8
	// MaxPasswordLength is the longest password accepted. It is generous
	// enough for passphrases and password managers, and bounds the work
	// that checking and hashing one password costs.
	MaxPasswordLength = 256
)

// PasswordRules is an organization's password policy. The zero value is
// Roster's default and what NIST SP 800-63B rev 4 recommends: at least 15
// characters, at most MaxPasswordLength, any Unicode, not a common or
// predictable password, not the user's own name or address, and no
// composition rules. An organization may turn composition rules on as an
// extra; they are off by default because they make passwords harder to
// remember without making them much harder to guess.
type PasswordRules struct {
	// MinLength is the minimum number of characters. Zero or less means
	// DefaultMinPasswordLength; values below FloorMinPasswordLength are
	// raised to it, and values above MaxPasswordLength lowered to it.
	MinLength int

	RequireUpper  bool // at least one upper-case letter
	RequireLower  bool // at least one lower-case letter
	RequireDigit  bool // at least one digit
	RequireSymbol bool // at least one character that is not a letter, digit or space
}

// EffectiveMinLength returns the minimum length r enforces, with MinLength's
// defaults and bounds applied; a form can use it for its minlength
// attribute.
func (r PasswordRules) EffectiveMinLength() int {
	switch {
	case r.MinLength <= 0:
		return DefaultMinPasswordLength
	case r.MinLength < FloorMinPasswordLength:
		return FloorMinPasswordLength
	case r.MinLength > MaxPasswordLength:
		return MaxPasswordLength
	}
	return r.MinLength
}

// Describe returns the criteria r enforces as short English sentences, in
// the order Check reports problems, for showing next to a password field.
func (r PasswordRules) Describe() []string {
	d := []string{
		fmt.Sprintf("At least %d characters.", r.EffectiveMinLength()),
		fmt.Sprintf("At most %d characters.", MaxPasswordLength),
		"Not a commonly used password, and not your name, user name or email.",
	}
	if r.RequireUpper {
		d = append(d, "At least one upper-case letter.")
	}
	if r.RequireLower {
		d = append(d, "At least one lower-case letter.")
	}
	if r.RequireDigit {
		d = append(d, "At least one digit.")
	}
	if r.RequireSymbol {
		d = append(d, "At least one symbol (a character that is not a letter, digit or space).")
	}
	return d
}

// PersonalInfo is what is known about the person choosing a password; Check
// refuses passwords built from it. Empty fields are ignored.
type PersonalInfo struct {
	Username    string
	Email       string
	FirstName   string
	LastName    string
	DisplayName string
}

// The problems Check reports that carry no number. Each reads after the word
// "password" ("Password is too common; …").
const (
	problemCommon      = "is too common; choose something less predictable"
	problemPredictable = "is too predictable; avoid repeated or sequential characters"
	problemPersonal    = "must not contain your name, user name or email"
	problemUpper       = "must contain an upper-case letter"
	problemLower       = "must contain a lower-case letter"
	problemDigit       = "must contain a digit"
	problemSymbol      = "must contain a symbol"
)

// Check returns what is wrong with password under r, checked against the
// built-in blocklist only, or nil when it is acceptable. It is
// (*Blocklist)(nil).Check(r, password, who); see Blocklist.Check.
func (r PasswordRules) Check(password string, who PersonalInfo) []string {
	var b *Blocklist
	return b.Check(r, password, who)
}

// Check returns what is wrong with password under r, or nil when it is
// acceptable. Each problem is a short lower-case phrase that reads after the
// word "password", for a field error: "must be at least 15 characters",
// "must be at most 256 characters", "is too common; choose something less
// predictable", "is too predictable; avoid repeated or sequential
// characters", "must not contain your name, user name or email", "must
// contain an upper-case letter", and so on. A password that is too long is
// reported as such and not examined further.
//
// Length is counted in characters (code points), without any normalization,
// and every character is allowed, spaces and emoji included. The password is
// common when one of its folded forms (lower-cased, look-alikes such as 0 or
// @ read as letters, digits and symbols at the ends dropped) is on b, or is
// an entry said twice or more, or two entries run together; it is
// predictable when it is one character repeated, a short unit repeated, or
// at most two runs such as "abcdef", "98765" or "qwerty". Personal
// information is the user name, the email address and its local part, and
// each word of three or more characters of the first, last and display
// names; the password may not contain any of them, compared without regard
// to case and after the same folding.
//
// A nil b checks against the built-in list, building it anew on each call
// (about half a millisecond); a server should build one with NewBlocklist
// and keep it.
func (b *Blocklist) Check(r PasswordRules, password string, who PersonalInfo) []string {
	minLen := r.EffectiveMinLength()
	n := utf8.RuneCountInString(password)
	if n > MaxPasswordLength {
		return []string{fmt.Sprintf("must be at most %d characters", MaxPasswordLength)}
	}
	if b == nil {
		b = builtin()
	}

	var problems []string
	if n < minLen {
		problems = append(problems, fmt.Sprintf("must be at least %d characters", minLen))
	}
	if n > 0 {
		switch {
		case b.common(password):
			problems = append(problems, problemCommon)
		case predictable(password, minLen):
			problems = append(problems, problemPredictable)
		}
		if containsPersonal(password, who) {
			problems = append(problems, problemPersonal)
		}
	}

	var upper, lower, digit, symbol bool
	for _, c := range password {
		switch {
		case unicode.IsUpper(c):
			upper = true
		case unicode.IsLower(c):
			lower = true
		case unicode.IsDigit(c):
			digit = true
		case !unicode.IsLetter(c) && !unicode.IsNumber(c) && !unicode.IsSpace(c):
			symbol = true
		}
	}
	if r.RequireUpper && !upper {
		problems = append(problems, problemUpper)
	}
	if r.RequireLower && !lower {
		problems = append(problems, problemLower)
	}
	if r.RequireDigit && !digit {
		problems = append(problems, problemDigit)
	}
	if r.RequireSymbol && !symbol {
		problems = append(problems, problemSymbol)
	}
	return problems
}

// minPersonalLen is the shortest piece of personal information Check looks
// for: shorter pieces ("Al", "Li") occur inside too many unrelated words.
const minPersonalLen = 3

// personalPieces returns the lower-cased pieces of who that a password may
// not contain: the user name, the email address and its local part, and the
// words of the names, each of at least minPersonalLen characters.
func personalPieces(who PersonalInfo) []string {
	var pieces []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if utf8.RuneCountInString(s) >= minPersonalLen {
			pieces = append(pieces, s)
		}
	}
	add(who.Username)
	add(who.Email)
	if at := strings.LastIndexByte(who.Email, '@'); at > 0 {
		add(who.Email[:at])
	}
	notWordChar := func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }
	for _, name := range [...]string{who.FirstName, who.LastName, who.DisplayName} {
		for _, word := range strings.FieldsFunc(name, notWordChar) {
			add(word)
		}
	}
	return pieces
}

// containsPersonal reports whether password contains a piece of who, as
// typed or folded, in any of the password's own forms.
func containsPersonal(password string, who PersonalInfo) bool {
	pieces := personalPieces(who)
	if len(pieces) == 0 {
		return false
	}
	lower := strings.ToLower(password)
	forms := append([]string{lower, alnumOnly(lower)}, fold(password)...)
	for _, piece := range pieces {
		needles := append([]string{piece}, fold(piece)...)
		for _, needle := range needles {
			if utf8.RuneCountInString(needle) < minPersonalLen {
				continue
			}
			for _, form := range forms {
				if strings.Contains(form, needle) {
					return true
				}
			}
		}
	}
	return false
}
