package csvfile

import (
	"fmt"
	"strings"
)

// parser splits CSV text into records following RFC 4180, with CRLF, LF and
// lone CR all accepted as line endings. Cells that need no unquoting are
// substrings of the text, so a large file costs little more than its own
// size in memory.
type parser struct {
	s       string
	i       int      // offset of the next byte to read
	line    int      // 1-based physical line of s[i]
	delim   byte     // ',', ';' or '\t'
	cellMax int      // longest cell allowed, in bytes as written
	names   []string // header names, once known, to name columns in messages
}

// record is one logical row of the file.
type record struct {
	fields []string // at most the keep given to parser.record
	count  int      // cells read, including those beyond keep
	line   int      // physical line the row starts on
	blank  bool     // every cell is empty or only spaces and tabs
	over   bool     // the row has more cells than the limit given to parser.record
}

func newParser(s string, delim byte, cellMax int) *parser {
	return &parser{s: s, line: 1, delim: delim, cellMax: cellMax}
}

// done reports whether the whole text has been read.
func (p *parser) done() bool { return p.i >= len(p.s) }

// skipLine moves past the current physical line and its line break.
func (p *parser) skipLine() {
	for p.i < len(p.s) && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
		p.i++
	}
	p.lineBreak()
}

// lineBreak consumes a line break (CRLF, LF or CR) at the current offset, if
// there is one.
func (p *parser) lineBreak() {
	if p.i >= len(p.s) {
		return
	}
	switch p.s[p.i] {
	case '\r':
		p.i++
		if p.i < len(p.s) && p.s[p.i] == '\n' {
			p.i++
		}
		p.line++
	case '\n':
		p.i++
		p.line++
	}
}

// skipBlank moves past blank lines — empty, or holding only spaces, tabs,
// delimiters and empty quoted cells — without splitting them into cells,
// since a hostile file may hold millions of them. It stops at the start of
// the next line that has content.
func (p *parser) skipBlank() {
	for j := p.i; j < len(p.s); {
		switch c := p.s[j]; {
		case c == ' ' || c == '\t' || c == p.delim:
			j++
		case c == '"' && p.emptyQuoted(j):
			j += 2
		case c == '\n' || c == '\r':
			p.i = j
			p.lineBreak()
			j = p.i
		default:
			return
		}
	}
	p.i = len(p.s) // the text ends in a blank line
}

// emptyQuoted reports whether an empty quoted cell ("") starts at s[j]: at
// the start of a cell, and followed by the end of the cell.
func (p *parser) emptyQuoted(j int) bool {
	if j > 0 && p.s[j-1] != p.delim && p.s[j-1] != '\n' && p.s[j-1] != '\r' {
		return false
	}
	if j+1 >= len(p.s) || p.s[j+1] != '"' {
		return false
	}
	return j+2 == len(p.s) || p.s[j+2] == p.delim || p.s[j+2] == '\n' || p.s[j+2] == '\r'
}

// record reads the next row. Its cells are appended to dst while there are
// fewer than keep of them; further cells are only counted. Reading stops
// once the row has more than limit cells, with over set, so that a hostile
// row of millions of delimiters costs neither memory nor time; the rest of
// the text is then no longer in step and only an error may follow.
func (p *parser) record(dst []string, keep, limit int) (record, error) {
	rec := record{fields: dst, line: p.line, blank: true}
	for col := 0; ; col++ {
		if rec.count == limit {
			rec.over, rec.blank = true, false
			return rec, nil
		}
		cellLine := p.line
		var cell string
		var err error
		if p.i < len(p.s) && p.s[p.i] == '"' {
			cell, err = p.quoted(col, cellLine)
		} else {
			cell, err = p.unquoted(col, cellLine)
		}
		if err != nil {
			return record{}, err
		}
		rec.count++
		if len(rec.fields) < keep {
			rec.fields = append(rec.fields, cell)
		}
		if rec.blank && strings.Trim(cell, " \t") != "" {
			rec.blank = false
		}
		if p.i < len(p.s) && p.s[p.i] == p.delim {
			p.i++
			continue
		}
		p.lineBreak()
		return rec, nil
	}
}

// unquoted reads a cell that does not start with a quote, up to the next
// delimiter or line break.
func (p *parser) unquoted(col, line int) (string, error) {
	j := p.i
	end := min(len(p.s), p.i+p.cellMax+1)
	for j < end {
		c := p.s[j]
		if c == p.delim || c == '\n' || c == '\r' {
			break
		}
		if c == '"' {
			return "", &Error{Line: line, Message: fmt.Sprintf(
				"%s has a double quote (\") inside a cell that does not start with one; "+
					"put the whole cell in double quotes and write the quote twice (\"\")", p.column(col))}
		}
		j++
	}
	if j-p.i > p.cellMax {
		return "", p.tooLong(col, line)
	}
	cell := p.s[p.i:j]
	p.i = j
	return cell, nil
}

// quoted reads a cell that starts with a quote, up to its closing quote,
// undoing doubled quotes and turning every line break inside into LF. The
// text after the closing quote must be a delimiter, a line break or the end.
// It looks no further than the cell size limit for the closing quote, so
// that a stray quote costs no more than one long cell.
func (p *parser) quoted(col, line int) (string, error) {
	start := p.i + 1
	end := min(len(p.s), start+p.cellMax+1) // a closing quote past end makes the cell too long
	j := start
	plain := true // no doubled quote inside
	for {
		k := -1
		if j < end {
			k = strings.IndexByte(p.s[j:end], '"')
		}
		if k < 0 {
			if end < len(p.s) {
				return "", &Error{Line: line, Message: fmt.Sprintf(
					"%s: a cell is longer than %s bytes (it starts with a double quote on this line; "+
						"if its closing quote is missing, add it)", p.column(col), formatCount(p.cellMax))}
			}
			return "", &Error{Line: line, Message: fmt.Sprintf(
				"a quoted field is not closed: %s starts with a double quote on this line "+
					"and no closing quote follows; check the quotes in that cell", p.column(col))}
		}
		j += k
		if j+1 < len(p.s) && p.s[j+1] == '"' {
			plain = false
			j += 2
			continue
		}
		break
	}
	raw := p.s[start:j]
	p.i = j + 1
	p.line += lineCount(raw)
	if len(raw) > p.cellMax {
		return "", p.tooLong(col, line)
	}
	if p.i < len(p.s) {
		if c := p.s[p.i]; c != p.delim && c != '\n' && c != '\r' {
			return "", &Error{Line: line, Message: fmt.Sprintf(
				"%s has text after the closing quote of a quoted cell; "+
					"put the whole cell in double quotes and write each quote inside it twice (\"\")",
				p.column(col))}
		}
	}
	if !plain {
		raw = strings.ReplaceAll(raw, `""`, `"`)
	}
	if strings.IndexByte(raw, '\r') >= 0 {
		raw = strings.ReplaceAll(raw, "\r\n", "\n")
		raw = strings.ReplaceAll(raw, "\r", "\n")
	}
	return raw, nil
}

// tooLong is the refusal of a cell over the size limit.
func (p *parser) tooLong(col, line int) error {
	return &Error{Line: line, Message: fmt.Sprintf("%s: a cell is longer than %s bytes",
		p.column(col), formatCount(p.cellMax))}
}

// column names a column in a message: by its header name once the header is
// known, else by its 1-based position.
func (p *parser) column(col int) string {
	if col < len(p.names) {
		return fmt.Sprintf("column %q", p.names[col])
	}
	return fmt.Sprintf("column %d", col+1)
}
