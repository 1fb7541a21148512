// Package web holds what the server-rendered pages of Roster share: the
// one stylesheet with its design tokens, the form model that keeps
// submitted values and puts each error beside its field, the partial
// templates that draw fields and the error summary, and the wording of
// dates and messages. The account pages and the admin console both build
// on it; neither imports the other's templates.
package web

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

//go:embed static/roster.css
var stylesheet []byte

//go:embed templates/*.html
var partials embed.FS

// StylesheetPath is where ServeStylesheet is mounted.
const StylesheetPath = "/assets/roster.css"

// Partials returns the shared partial templates ("summary", "input",
// "flash"), to be parsed with a page's own templates.
func Partials() embed.FS { return partials }

// ServeStylesheet serves the stylesheet of every page.
func ServeStylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(stylesheet)
}

// Sentence makes a message start with a capital and end with a stop.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// When shows a moment for people: the date and time in UTC, or "never".
func When(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC")
}

// Day shows the date of a moment, or "" for the zero time.
func Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

// ClockTime shows the time of day of a moment, in UTC.
func ClockTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04") + " UTC"
}

// LocalPath reports whether next is a path on this site that is safe to
// redirect to: it starts with exactly one slash ("//host" and "/\host"
// would lead browsers to another site) and holds no control characters
// or backslashes.
func LocalPath(next string) bool {
	if len(next) == 0 || len(next) > 2000 || next[0] != '/' {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

// Number writes a count as people read it, its digits grouped by three
// with commas (12,345).
func Number(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Number(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
