package store

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// A column with the same value in every row is bound once; the rows read
// back are the rows given, values of every kind kept apart (NULL from the
// empty text, 0 from false), and an ON CONFLICT after the source still
// acts as an upsert.
func TestSharedRows(t *testing.T) {
	ctx := context.Background()
	db := tempSQLite(t, false)
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE t (a TEXT, b ANY, c ANY, d ANY, e ANY, UNIQUE (a, b)) STRICT`); err != nil {
		t.Fatal(err)
	}
	insert := func(n int, args []any) (string, int) {
		t.Helper()
		src, bound := sharedRows(n, 5, append([]any(nil), args...))
		if _, err := db.sql.ExecContext(ctx, "INSERT INTO t (a, b, c, d, e) "+src+" ON CONFLICT (a, b) DO NOTHING", bound...); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return src, len(bound)
	}
	// Columns b and e hold the same value in every row; c mixes NULL and
	// the empty text, d an integer and a boolean.
	src, bound := insert(3, []any{
		"x", "org", nil, int64(0), int64(7),
		"y", "org", "", false, int64(7),
		"z", "org", nil, int64(0), int64(7),
	})
	if !strings.HasPrefix(src, "SELECT ") || bound != 2+3*3 {
		t.Errorf("source %q with %d parameters, want a SELECT binding b and e once (11 parameters)", src, bound)
	}
	// Every column the same: the plain VALUES list, a row a duplicate.
	src, _ = insert(2, []any{"w", "org", "v", int64(1), int64(2), "w", "org", "v", int64(1), int64(2)})
	if !strings.HasPrefix(src, "VALUES ") {
		t.Errorf("source %q, want a VALUES list", src)
	}
	// One row, and a duplicate of an earlier row skipped by the upsert.
	insert(1, []any{"x", "org", "again", int64(9), int64(9)})
	rows, err := db.sql.QueryContext(ctx, `SELECT a, b, c, d, e FROM t ORDER BY a`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][]any
	for rows.Next() {
		r := make([]any, 5)
		ptrs := make([]any, 5)
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := [][]any{
		{"w", "org", "v", int64(1), int64(2)},
		{"x", "org", nil, int64(0), int64(7)},
		{"y", "org", "", int64(0), int64(7)},
		{"z", "org", nil, int64(0), int64(7)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}
