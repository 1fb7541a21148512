// Package sheet writes spreadsheets one row at a time, as CSV or XLSX, so
// that an export of any size runs in flat memory. Every cell is written as
// text and guarded against formula injection (see Neutralise).
package sheet

import (
	"fmt"
	"strings"
)

// Writer receives the rows of one spreadsheet, the header first. Close
// finishes the file; a Writer is not usable afterwards. The writers of
// this package also have a method Format() Format, which says what they
// write.
type Writer interface {
	WriteRow(cells []string) error
	Close() error
}

// Format is a spreadsheet file format.
type Format string

// The formats Roster writes.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat reads a format name ("csv" or "xlsx", in any case; "" is
// CSV). Another name is an error that says which are known.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "csv":
		return CSV, nil
	case "xlsx":
		return XLSX, nil
	}
	return "", fmt.Errorf("format %q is not known; use csv or xlsx", s)
}

// ContentType is the media type of a file of the format.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Extension is the file name extension of the format, without the dot.
func (f Format) Extension() string {
	if f == XLSX {
		return "xlsx"
	}
	return "csv"
}

// Neutralise returns s made safe to open in a spreadsheet: a cell that
// begins with =, +, -, @, a tab or a carriage return is taken for a formula
// by Excel, LibreOffice and Google Sheets (and so can run commands or leak
// data when a user opens the file), so such a cell gets a leading single
// quote, which those programs show as text and do not evaluate.
func Neutralise(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
