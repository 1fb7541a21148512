package store

import (
	"strconv"
	"strings"
)

// sharedRows returns the source of a multi-row INSERT on SQLite of n rows
// of width parameters each (args holds them row after row) and the
// parameters to bind to it. SQLite takes each bound parameter in a call of
// its own, under the connection's mutex, and the driver copies each text
// into memory of SQLite's; in a bulk load that was about a tenth of the
// work of the connection that writes. Many columns of a batch hold the
// same value in every row (the organization, the one who imports, the
// time, empty addresses, the default licence), so a column whose value is
// the same in all n rows is bound once, in a one-row subquery, and the
// rows are read from a VALUES list of the other columns:
//
//	SELECT k.c1, v.column1, … FROM (SELECT ? AS c1, …) AS k, (VALUES (?, …), …) AS v
//
// Without such a column, or for one row, it is the plain VALUES list. The
// source is followed by "WHERE true" when it is a SELECT, so that an ON
// CONFLICT clause after it parses as the upsert it is. args is reused.
func sharedRows(n, width int, args []any) (string, []any) {
	shared := make([]bool, width)
	count := 0
	if n > 1 {
		for j := range width {
			shared[j] = sameInEveryRow(args, n, width, j)
			if shared[j] {
				count++
			}
		}
	}
	if count == 0 || count == width {
		return "VALUES " + rowPlaceholders(n, width), args
	}
	var b strings.Builder
	b.Grow(64 + width*16 + n*(width-count)*3)
	b.WriteString("SELECT ")
	own := 0
	for j := range width {
		if j > 0 {
			b.WriteString(", ")
		}
		if shared[j] {
			b.WriteString("k.c" + strconv.Itoa(j+1))
		} else {
			own++
			b.WriteString("v.column" + strconv.Itoa(own))
		}
	}
	b.WriteString(" FROM (SELECT ")
	out := make([]any, 0, count+n*(width-count))
	for j := range width {
		if shared[j] {
			if len(out) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("? AS c" + strconv.Itoa(j+1))
			out = append(out, args[j])
		}
	}
	b.WriteString(") AS k, (VALUES ")
	b.WriteString(rowPlaceholders(n, own))
	b.WriteString(") AS v WHERE true")
	// The shared values first, then each row's own: the order of the
	// placeholders in the text.
	for i := range n {
		for j := range width {
			if !shared[j] {
				out = append(out, args[i*width+j])
			}
		}
	}
	return b.String(), out
}

// sameInEveryRow reports whether column j of the n rows in args holds the
// same value in every row. Only the values a row is made of (text,
// integers, booleans, NULL) are compared, type and value; any other kind
// is taken as differing.
func sameInEveryRow(args []any, n, width, j int) bool {
	first := args[j]
	if !plainValue(first) {
		return false
	}
	for i := 1; i < n; i++ {
		if v := args[i*width+j]; !plainValue(v) || v != first {
			return false
		}
	}
	return true
}

// plainValue reports whether v is of a kind sameInEveryRow compares.
func plainValue(v any) bool {
	switch v.(type) {
	case string, int64, int, bool, nil:
		return true
	}
	return false
}
