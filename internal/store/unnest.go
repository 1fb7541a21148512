package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// unnestRows is the most rows one INSERT … SELECT FROM unnest carries on
// PostgreSQL: an import batch's rows go in one statement.
const unnestRows = 5000

// insertUnnest inserts rows on PostgreSQL as one array per column:
// "insert SELECT * FROM unnest($1::text[], $2::int8[], …) suffix", where
// insert is "INSERT INTO table (columns)" and args holds width values per
// row, row after row. A multi-row VALUES list binds one parameter per
// value: the driver boxes and encodes each on its own, the server parses
// and plans a statement as long as the rows, and a statement of each
// length is prepared apart. Arrays bind width parameters whatever the
// number of rows, and the statement text never changes, so it is prepared
// once. With VALUES lists a 100,000-row import allocated 5.3 GB, 3 GB of
// it in the driver's encoding of parameters; with arrays, 4.6 GB.
//
// The values of a column are strings (NULL for nil), integers or booleans.
func (c *Conn) insertUnnest(ctx context.Context, insert, suffix string, width int, args []any) error {
	if c.raw != nil && suffix == "" {
		return c.copyRows(ctx, insert, width, args)
	}
	n := len(args) / width
	params := make([]any, width)
	var b strings.Builder
	b.WriteString(insert)
	b.WriteString(" SELECT * FROM unnest(")
	for j := range width {
		param, typ, err := unnestColumn(args, j, width, n)
		if err != nil {
			return err
		}
		params[j] = param
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(j+1) + "::" + typ + "[]")
	}
	b.WriteString(")")
	b.WriteString(suffix)
	// The statement holds no "?": rebind leaves it alone.
	_, err := c.exec(ctx, b.String(), params...)
	return err
}

// unnestColumn gathers column j of n rows of width values into a slice the
// driver sends as an array, and names the array's element type. Only a
// column of strings may hold NULLs (nil, as nullable gives).
func unnestColumn(args []any, j, width, n int) (any, string, error) {
	kind, nulls := byte(0), false // kind: 's' text, 'i' int8, 'b' bool
	for i := range n {
		var k byte
		switch args[i*width+j].(type) {
		case nil:
			nulls = true
			continue
		case string:
			k = 's'
		case int, int64:
			k = 'i'
		case bool:
			k = 'b'
		default:
			return nil, "", fmt.Errorf("insert: column %d holds a %T", j+1, args[i*width+j])
		}
		if kind != 0 && kind != k {
			return nil, "", fmt.Errorf("insert: column %d mixes kinds of values", j+1)
		}
		kind = k
	}
	switch {
	case kind == 'i' && !nulls:
		col := make([]int64, n)
		for i := range n {
			switch v := args[i*width+j].(type) {
			case int:
				col[i] = int64(v)
			case int64:
				col[i] = v
			}
		}
		return col, "int8", nil
	case kind == 'b' && !nulls:
		col := make([]bool, n)
		for i := range n {
			col[i] = args[i*width+j].(bool)
		}
		return col, "bool", nil
	case kind == 's' && !nulls:
		col := make([]string, n)
		for i := range n {
			col[i] = args[i*width+j].(string)
		}
		return col, "text", nil
	case kind == 's' || kind == 0:
		col := make([]*string, n)
		for i := range n {
			if v, ok := args[i*width+j].(string); ok {
				col[i] = &v
			}
		}
		return col, "text", nil
	}
	return nil, "", fmt.Errorf("insert: column %d holds NULLs among values that are not text", j+1)
}

// copyRows inserts rows on PostgreSQL with COPY, in a bulk transaction
// (see DB.InCopyTx): insert is "INSERT INTO table (columns)" and args
// holds width values per row, row after row, as for insertUnnest.
func (c *Conn) copyRows(ctx context.Context, insert string, width int, args []any) error {
	table, columns, err := insertTarget(insert)
	if err != nil {
		return err
	}
	if len(columns) != width {
		return fmt.Errorf("insert into %s: %d columns for rows of %d values", table, len(columns), width)
	}
	n := len(args) / width
	return c.raw.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("insert into %s: the connection is a %T, not PostgreSQL's", table, dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return args[i*width : (i+1)*width], nil
		}))
		return err
	})
}

// insertTarget reads the table and the columns out of "INSERT INTO table
// (columns)".
func insertTarget(insert string) (string, []string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(insert), "INSERT INTO ")
	open, end := strings.IndexByte(rest, '('), strings.LastIndexByte(rest, ')')
	if !ok || open < 0 || end < open {
		return "", nil, fmt.Errorf("insert: cannot read %q", insert)
	}
	columns := strings.Split(rest[open+1:end], ",")
	for i, col := range columns {
		columns[i] = strings.TrimSpace(col)
	}
	return strings.TrimSpace(rest[:open]), columns, nil
}
