package store

import (
	"reflect"
	"strings"
	"testing"
)

// Each column of a PostgreSQL bulk insert goes as one typed array; a text
// column may hold NULLs, other kinds may not, and kinds do not mix.
func TestUnnestColumn(t *testing.T) {
	b := "b"
	rows := []any{
		"a", int64(1), true, nil, "x", nil,
		"b", 2, false, "b", 7, nil,
	}
	want := []struct {
		col any
		typ string
	}{
		{[]string{"a", "b"}, "text"},
		{[]int64{1, 2}, "int8"},
		{[]bool{true, false}, "bool"},
		{[]*string{nil, &b}, "text"},
		{nil, ""}, // a string and an int
		{[]*string{nil, nil}, "text"},
	}
	for j, w := range want {
		col, typ, err := unnestColumn(rows, j, 6, 2)
		if w.col == nil {
			if err == nil || !strings.Contains(err.Error(), "mixes") {
				t.Errorf("column %d: %v, want an error for mixed kinds", j+1, err)
			}
			continue
		}
		if err != nil || typ != w.typ || !reflect.DeepEqual(col, w.col) {
			t.Errorf("column %d: %#v %q %v, want %#v %q", j+1, col, typ, err, w.col, w.typ)
		}
	}
	if _, _, err := unnestColumn([]any{int64(1), nil}, 0, 1, 2); err == nil {
		t.Error("integers with a NULL were accepted")
	}
}

// A bulk transaction on PostgreSQL copies rows into the table and the
// columns its INSERT names.
func TestInsertTarget(t *testing.T) {
	table, cols, err := insertTarget(`INSERT INTO users (id, org_id,
		username)`)
	if err != nil || table != "users" || !reflect.DeepEqual(cols, []string{"id", "org_id", "username"}) {
		t.Errorf("insertTarget = %q, %q, %v; want users and its three columns", table, cols, err)
	}
	for _, bad := range []string{"UPDATE users SET a = 1", "INSERT INTO users", "INSERT INTO users id)"} {
		if _, _, err := insertTarget(bad); err == nil {
			t.Errorf("insertTarget(%q) succeeded; want an error", bad)
		}
	}
}
