// Package csvfile reads CSV files that administrators upload for a bulk user
// import. It accepts what spreadsheet programs actually write — UTF-8 with or
// without a byte-order mark, comma, semicolon or tab delimiters, RFC 4180
// quoting with line breaks inside quoted cells, CRLF, LF or lone CR line
// endings — and refuses anything else (other encodings, binary files, ragged
// rows, stray quotes, files over the size limits) with an *Error whose message
// tells the administrator what is wrong and how to fix it.
//
// Blank lines, and rows whose cells are all empty or only spaces and tabs
// (spreadsheets write ",,," for formatted but empty rows), are skipped
// wherever they are. Header names are trimmed of surrounding white space and
// stray byte-order marks. Data cells are returned as written: they are not
// trimmed, and a cell that looks like a formula is left untouched
// (neutralising formulas is the exporter's job). The only changes are the
// ones CSV quoting itself implies: the quotes around a quoted cell are
// removed, a doubled quote inside it becomes one quote, and a line break
// inside it (CRLF, LF or CR) becomes a single LF, so that a cell reads the
// same whichever program saved the file.
package csvfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// The default limits that Read enforces.
const (
	MaxRows      = 100_000  // data rows, header excluded
	MaxBytes     = 50 << 20 // file size
	MaxColumns   = 200
	MaxCellBytes = 64 << 10 // one cell
)

// File is a parsed upload: a header row and data rows, every row as long as
// the header.
type File struct {
	Headers   []string   // trimmed of surrounding spaces; BOM removed
	Rows      [][]string // data rows; fully blank lines are skipped (not counted)
	Lines     []int      // Lines[i] = the 1-based physical line where Rows[i] starts (for messages)
	Delimiter rune       // ',', ';' or '\t'
	BOM       bool       // the file began with a UTF-8 byte-order mark
}

// Error is a refusal with the line it concerns (0 = the whole file). Its
// message is written for the administrator who uploaded the file.
type Error struct {
	Line    int
	Message string
}

// Error returns "line 12: ..." or just the message when Line is 0.
func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Message
	}
	return "line " + strconv.Itoa(e.Line) + ": " + e.Message
}

// Limits bounds what ReadWith accepts. A field that is zero or negative
// takes the default (MaxRows, MaxBytes, MaxColumns, MaxCellBytes).
type Limits struct {
	Rows      int // data rows, header excluded
	Bytes     int // the whole file
	Columns   int // cells in the header
	CellBytes int // one cell, as written in the file
}

// DefaultLimits returns the limits Read enforces.
func DefaultLimits() Limits {
	return Limits{Rows: MaxRows, Bytes: MaxBytes, Columns: MaxColumns, CellBytes: MaxCellBytes}
}

// withDefaults replaces unset fields by the defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Rows <= 0 {
		l.Rows = d.Rows
	}
	if l.Bytes <= 0 {
		l.Bytes = d.Bytes
	}
	if l.Columns <= 0 {
		l.Columns = d.Columns
	}
	if l.CellBytes <= 0 {
		l.CellBytes = d.CellBytes
	}
	return l
}

// Read parses r with the default limits. Anything that is not a well-formed
// CSV file within the limits is an *Error with a clear message, and nothing
// is returned. A failure of r itself is returned wrapped, not as an *Error.
func Read(r io.Reader) (*File, error) {
	return ReadWith(r, DefaultLimits())
}

// ReadWith parses r like Read, with the limits l. It never reads more than
// l.Bytes+1 bytes from r.
func ReadWith(r io.Reader, l Limits) (*File, error) {
	l = l.withDefaults()
	data, err := readLimited(r, l.Bytes)
	if err != nil {
		return nil, err
	}
	text, bom, err := decode(data)
	if err != nil {
		return nil, err
	}
	return parse(text, bom, l)
}

// sized is a reader that knows how much it has left, like strings.Reader and
// bytes.Reader.
type sized interface{ Len() int }

// readLimited reads all of r into one string, or refuses it when it holds
// more than limit bytes, reading at most limit+1 of them. The text is
// gathered straight into the string the cells will share, sized in advance
// when r can tell its length, because the copies a growing buffer makes cost
// more time than the parsing itself.
func readLimited(r io.Reader, limit int) (string, error) {
	var b strings.Builder
	hint := 0
	switch v := r.(type) {
	case sized:
		hint = v.Len()
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			hint = int(min(fi.Size(), int64(limit)))
		}
	}
	b.Grow(min(hint, limit) + 1)
	if _, err := io.Copy(&b, io.LimitReader(r, int64(limit)+1)); err != nil {
		return "", fmt.Errorf("csvfile: reading the upload: %w", err)
	}
	if b.Len() > limit {
		return "", &Error{Message: "the file is larger than " + sizeText(limit) + "; split it into smaller files"}
	}
	return b.String(), nil
}

// onlyBlank refuses a file with nothing in it but line breaks, spaces and
// delimiters.
const onlyBlank = "the file contains only blank lines or empty cells; it needs a header row and data rows"

// parse reads the header and the data rows of text, which is valid UTF-8
// without a byte-order mark.
func parse(text string, bom bool, l Limits) (*File, error) {
	if strings.TrimSpace(text) == "" {
		if text == "" {
			return nil, &Error{Message: "the file is empty"}
		}
		return nil, &Error{Message: onlyBlank}
	}
	delim, skip, err := chooseDelimiter(text, l)
	if err != nil {
		return nil, err
	}
	p := newParser(text, delim, l.CellBytes)
	if skip > 0 {
		p.skipLine()
	}

	var headers []string
	var headerLine int
	for {
		if p.skipBlank(); p.done() {
			return nil, &Error{Message: onlyBlank}
		}
		rec, err := p.record(nil, l.Columns, l.Columns)
		if err != nil {
			return nil, err
		}
		if rec.blank {
			continue
		}
		if rec.over {
			return nil, &Error{Line: rec.line, Message: fmt.Sprintf("the header has more than %s columns; "+
				"delete the columns the import does not need", formatCount(l.Columns))}
		}
		headers, headerLine = rec.fields, rec.line
		break
	}
	if err := checkHeaders(headers, headerLine); err != nil {
		return nil, err
	}

	// Size the row lists from the number of line breaks, and carve the rows
	// out of shared blocks: one allocation per row would cost more than
	// reading the cells.
	n := len(headers)
	lines := strings.Count(text, "\n")
	if lines == 0 {
		lines = strings.Count(text, "\r")
	}
	lines = min(lines+1, l.Rows+1)
	f := &File{Headers: headers, Delimiter: rune(delim), BOM: bom,
		Rows: make([][]string, 0, lines), Lines: make([]int, 0, lines)}
	var block []string
	p.names = headers
	for {
		if p.skipBlank(); p.done() {
			break
		}
		if cap(block)-len(block) < n {
			block = make([]string, 0, n*min(max(lines-len(f.Rows), 16), 1024))
		}
		rec, err := p.record(block[len(block):len(block):len(block)+n], n, max(n, l.Columns))
		if err != nil {
			return nil, err
		}
		if rec.blank {
			continue
		}
		if len(f.Rows) == l.Rows {
			return nil, &Error{Message: "the file has more than " + formatCount(l.Rows) +
				" rows; split it into smaller files"}
		}
		if rec.count != len(headers) {
			return nil, raggedError(rec, len(headers), delim)
		}
		block = block[:len(block)+n]
		f.Rows = append(f.Rows, rec.fields)
		f.Lines = append(f.Lines, rec.line)
	}
	if len(f.Rows) == 0 {
		return nil, &Error{Message: "the file has a header row but no data rows"}
	}
	return f, nil
}

// checkHeaders trims the header names in place and refuses blank and
// duplicate names, since the import maps columns by name.
func checkHeaders(headers []string, line int) error {
	seen := make(map[string]int, len(headers))
	for i, h := range headers {
		h = strings.TrimFunc(h, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
		headers[i] = h
		if h == "" {
			return &Error{Line: line, Message: fmt.Sprintf(
				"column %d has no name in the header; name it, or delete the column if it is empty", i+1)}
		}
		key := strings.ToLower(h)
		if j, ok := seen[key]; ok {
			msg := fmt.Sprintf("the header names %q twice (columns %d and %d)", headers[j], j+1, i+1)
			if headers[j] != h {
				msg = fmt.Sprintf("the header names %q twice (columns %d and %d, written %q and %q; names are compared ignoring case)",
					headers[j], j+1, i+1, headers[j], h)
			}
			return &Error{Line: line, Message: msg + "; rename or delete one of them"}
		}
		seen[key] = i
	}
	return nil
}

// raggedError describes a data row whose cell count differs from the header's.
func raggedError(rec record, want int, delim byte) error {
	cells := plural(rec.count, "cell")
	if rec.over {
		cells = "more than " + cells
	}
	msg := fmt.Sprintf("this row has %s but the header has %d", cells, want)
	if rec.count > want {
		msg += fmt.Sprintf("; a cell that contains a %s must be put in double quotes", delimiterName(delim))
	} else {
		msg += "; add the missing cells (they may be empty)"
	}
	return &Error{Line: rec.line, Message: msg}
}

// delimiterName names a delimiter in a message.
func delimiterName(d byte) string {
	switch d {
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	default:
		return "comma"
	}
}

// plural writes a count with its noun: "1 cell", "5 cells".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return formatCount(n) + " " + noun + "s"
}

// formatCount writes n with thousands separators: 100000 → "100,000".
func formatCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatCount(-n)
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

// sizeText writes a byte count the way people read file sizes: "50 MB",
// "64 KB", or "1,000 bytes" when it is not a round number.
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return formatCount(n>>20) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return formatCount(n>>10) + " KB"
	default:
		return plural(n, "byte")
	}
}

// IsError reports whether err is (or wraps) an *Error, that is, a refusal of
// the file's content rather than a failure to read it.
func IsError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
