package auth

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// builtinBlocklist is Roster's own list of common passwords and base words,
// one a line; see the comment at the top of blocklist.txt. It is only ever
// read.
//
//go:embed blocklist.txt
var builtinBlocklist string

// maxBlocklistLine bounds one line of an operator's extra list, so that a
// file without line breaks cannot make NewBlocklist buffer it whole.
const maxBlocklistLine = 64 << 10

// minEntryLen is the length, in characters, of the shortest folded entry.
const minEntryLen = 3

// Blocklist is a set of common, weak and breached passwords that new
// passwords are checked against: Roster's built-in list plus, optionally, an
// operator's own. Entries are stored folded (see fold), so one entry stands
// for its capitalisations, its look-alike spellings and its variants with
// digits or symbols tacked on at either end.
//
// Build one Blocklist when the server starts and share it: it is never
// modified after NewBlocklist returns, so it is safe for concurrent use.
type Blocklist struct {
	words  map[string]struct{}
	maxLen int // the length in bytes of the longest entry
}

// NewBlocklist returns a Blocklist holding the built-in list and, when extra
// is not nil, the lines of extra: one password a line, in UTF-8, such as a
// list of breached passwords. Leading and trailing white space is ignored, as
// are empty lines and lines that start with "#". Each line is folded like
// the built-in entries, so it also stands for its look-alike spellings and
// its variants with digits or symbols at the ends. NewBlocklist returns an
// error when extra cannot be read or has a line longer than 64 KiB.
//
// The whole list is held in memory, each line as up to eight folded forms;
// count on a few hundred bytes a line.
func NewBlocklist(extra io.Reader) (*Blocklist, error) {
	b := builtin()
	if extra == nil {
		return b, nil
	}
	sc := bufio.NewScanner(extra)
	sc.Buffer(make([]byte, 0, 4096), maxBlocklistLine)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a byte-order mark
		}
		b.add(text)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: reading the password blocklist after line %d: %w", line, err)
	}
	return b, nil
}

// builtin returns a Blocklist with only the embedded list. It cannot fail:
// the list is part of the binary.
func builtin() *Blocklist {
	b := &Blocklist{words: make(map[string]struct{}, 1024)}
	for line := range strings.Lines(builtinBlocklist) {
		b.add(line)
	}
	return b
}

// add folds one line of a list into b.
func (b *Blocklist) add(line string) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return
	}
	for _, f := range fold(line) {
		// Very short forms ("o2a" from "2024", say) would only make two
		// listed words run together match by accident.
		if utf8.RuneCountInString(f) >= minEntryLen {
			b.words[f] = struct{}{}
			b.maxLen = max(b.maxLen, len(f))
		}
	}
}

// has reports whether the folded string f is an entry.
func (b *Blocklist) has(f string) bool {
	if len(f) > b.maxLen {
		return false
	}
	_, ok := b.words[f]
	return ok
}

// common reports whether password is on the list: when one of its folded
// forms is an entry, an entry said more than once ("passwordpassword"), or
// two entries run together ("monkeydragon"). Digits and symbols at the ends
// ("…2024!") were already trimmed by folding. A long passphrase that merely
// contains a listed word ("correct horse battery staple") is not common.
func (b *Blocklist) common(password string) bool {
	for _, f := range fold(password) {
		if b.piece(f) {
			return true
		}
		for i := range f {
			if i > 0 && b.piece(f[:i]) && b.piece(f[i:]) {
				return true
			}
		}
	}
	return false
}

// piece reports whether s is an entry said once or several times over.
func (b *Blocklist) piece(s string) bool {
	if b.has(s) {
		return true
	}
	for p := range s {
		if p == 0 {
			continue
		}
		if p > len(s)/2 || p > b.maxLen {
			break
		}
		if len(s)%p == 0 && b.has(s[:p]) && s == strings.Repeat(s[:p], len(s)/p) {
			return true
		}
	}
	return false
}

// fold returns the forms of s that blocklist and personal-information checks
// compare, without duplicates or empty strings. Each form is s lower-cased,
// with look-alike characters read as the letters they stand for (0→o, 1→i or
// l, 3→e, 4→a, 5→s, 7→t, @→a, $→s, !→i, |→l), with everything but letters
// and digits removed, and with non-letters trimmed from both ends. The
// non-letters at either end may be decoration or look-alikes, so fold tries
// both readings: "password1" folds to "password" (the 1 is a suffix),
// "@dmin2024" to "admin" (the @ is a letter, the 2024 a suffix).
func fold(s string) []string {
	lower := strings.ToLower(s)
	isLetter := func(r rune) bool { return unicode.IsLetter(r) }
	// lower[start:end] runs from the first letter to the last.
	start, end := len(lower), len(lower)
	if last := strings.LastIndexFunc(lower, isLetter); last >= 0 {
		_, size := utf8.DecodeRuneInString(lower[last:])
		start, end = strings.IndexFunc(lower, isLetter), last+size
	}
	forms := make([]string, 0, 8)
	for _, one := range [...]rune{'i', 'l'} {
		for _, from := range [...]int{start, 0} {
			for _, to := range [...]int{end, len(lower)} {
				f := trimNonLetters(alnumOnly(unleet(lower[from:to], one)))
				if f != "" && !slices.Contains(forms, f) {
					forms = append(forms, f)
				}
			}
		}
	}
	return forms
}

// unleet reads the usual look-alike characters as letters, taking 1 as one.
func unleet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1':
			return one
		case '3':
			return 'e'
		case '4', '@':
			return 'a'
		case '5', '$':
			return 's'
		case '7':
			return 't'
		case '!':
			return 'i'
		case '|':
			return 'l'
		}
		return r
	}, s)
}

// trimNonLetters removes everything but letters from both ends of s.
func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// alnumOnly removes everything but letters and digits from s.
func alnumOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// sequences returns the runs of characters people type in order: the
// alphabet, the digits, and rows and columns of common keyboard layouts.
// They are matched in both directions and may wrap around ("7890123").
func sequences() [12]string {
	return [...]string{
		"abcdefghijklmnopqrstuvwxyz",
		"0123456789",
		"`1234567890-=",
		"~!@#$%^&*()_+",
		"qwertyuiopasdfghjklzxcvbnm",
		"qwertzuiopasdfghjklyxcvbnm",
		"azertyuiopqsdfghjklmwxcvbn",
		"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
		"zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
		"qazwsxedcrfvtgbyhnujmikolp",
		"1q2w3e4r5t6y7u8i9o0p",
		"q1w2e3r4t5y6u7i8o9p0",
	}
}

// predictable reports whether password is made of repeated or sequential
// characters: one character over and over, a unit shorter than minLen
// repeated ("abcabcabc…"), or at most two runs or repetitions
// ("abcdefgh12345678", "qwertyuiopasdfg", "aaaaaaaazzzzzzz"). It looks at the
// lower-cased password with and without its spaces and symbols.
func predictable(password string, minLen int) bool {
	lower := strings.ToLower(password)
	for _, s := range [...]string{lower, alnumOnly(lower)} {
		if s == "" {
			continue
		}
		if shortPeriod(s, minLen) || patterned(s) {
			return true
		}
		for i := range s {
			if i > 0 && patterned(s[:i]) && patterned(s[i:]) {
				return true
			}
		}
	}
	return false
}

// shortPeriod reports whether s is some unit of fewer than minLen characters
// said at least twice.
func shortPeriod(s string, minLen int) bool {
	n := 0
	for p := range s {
		if p > 0 && p <= len(s)/2 && len(s)%p == 0 && n < minLen &&
			s == strings.Repeat(s[:p], len(s)/p) {
			return true
		}
		n++
	}
	return false
}

// patterned reports whether s is one character repeated or a stretch of one
// of the sequences, forwards or backwards.
func patterned(s string) bool {
	if s == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	if strings.TrimLeft(s, string(first)) == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false // the sequences are all ASCII
		}
	}
	rev := reverseASCII(s)
	for _, seq := range sequences() {
		long := strings.Repeat(seq, len(s)/len(seq)+2)
		if strings.Contains(long, s) || strings.Contains(long, rev) {
			return true
		}
	}
	return false
}

func reverseASCII(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}
