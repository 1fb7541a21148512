package csvfile

import (
	"fmt"
	"strings"
)

// candidates are the delimiters spreadsheet programs write: comma, semicolon
// (Excel where the decimal separator is a comma) and tab.
var candidates = []byte{',', ';', '\t'}

// sampleRows is how many data rows after the header the delimiter must fit.
const sampleRows = 20

// chooseDelimiter picks the delimiter of text. An Excel "sep=X" first line
// names it outright; skip is then 1, the number of lines to pass over before
// the header. Otherwise the delimiter is the candidate that splits the header
// into the most columns while also splitting the next rows into as many; a
// header that no candidate splits is a legal one-column file.
func chooseDelimiter(text string, l Limits) (delim byte, skip int, err error) {
	if d, ok, err := sepLine(text); ok || err != nil {
		return d, 1, err
	}
	type score struct {
		columns    int  // cells in the header
		matching   int  // sampled rows with as many cells
		consistent bool // every sampled row matched
	}
	better := func(a, b score) bool {
		if a.consistent != b.consistent {
			return a.consistent
		}
		if a.matching != b.matching {
			return a.matching > b.matching
		}
		return a.columns > b.columns
	}
	best, bestScore := byte(','), score{}
	for _, d := range candidates {
		p := newParser(text, d, l.CellBytes)
		header, ok := nextRecord(p, l.Columns+1)
		if !ok || header.count < 2 {
			continue
		}
		s := score{columns: header.count, consistent: !header.over}
		for i := 0; i < sampleRows && !header.over; i++ {
			rec, ok := nextRecord(p, header.count+1)
			if !ok {
				// A parse error here is reported by the real reading, with
				// its line; for choosing it only counts as a mismatch.
				s.consistent = s.consistent && p.done()
				break
			}
			if rec.count == header.count {
				s.matching++
				continue
			}
			s.consistent = false
			if rec.over {
				break // the rest of the text is no longer in step
			}
		}
		if bestScore.columns == 0 || better(s, bestScore) {
			best, bestScore = d, s
		}
	}
	return best, 0, nil
}

// nextRecord counts the cells of the next record that is not blank, up to
// limit+1. It returns false at the end of the text or on a parse error.
func nextRecord(p *parser, limit int) (record, bool) {
	for {
		if p.skipBlank(); p.done() {
			return record{}, false
		}
		rec, err := p.record(nil, 0, limit)
		if err != nil {
			return record{}, false
		}
		if !rec.blank {
			return rec, true
		}
	}
}

// sepLine recognises the "sep=;" first line with which Excel files may name
// their delimiter. It returns ok false when the first line is not one.
func sepLine(text string) (delim byte, ok bool, err error) {
	end := strings.IndexAny(text, "\r\n")
	if end < 0 {
		end = len(text)
	}
	first := text[:end]
	if len(first) < 4 || !strings.EqualFold(first[:4], "sep=") {
		return 0, false, nil
	}
	value := first[4:]
	if len(value) != 1 {
		// Not Excel's form; perhaps a one-column file whose header starts
		// with "sep=".
		return 0, false, nil
	}
	if strings.IndexByte(string(candidates), value[0]) >= 0 {
		return value[0], true, nil
	}
	return 0, false, &Error{Line: 1, Message: fmt.Sprintf(
		"the first line asks for the delimiter %q; only comma, semicolon and tab are supported", value)}
}
