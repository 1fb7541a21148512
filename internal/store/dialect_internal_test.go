package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"roster/internal/directory"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	pg, lite := dialect{engine: Postgres}, dialect{engine: SQLite}
	for _, tc := range []struct {
		in, want string
	}{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ?", "SELECT * FROM t WHERE a = $1"},
		{"UPDATE t SET a = ?, b = ? WHERE c = ? AND (? = 0 OR d = ?)", "UPDATE t SET a = $1, b = $2 WHERE c = $3 AND ($4 = 0 OR d = $5)"},
		{"? || SUBSTR(path, ?)", "$1 || SUBSTR(path, $2)"},
		{"(?,?)", "($1,$2)"},
		{`x LIKE ? ESCAPE '\'`, `x LIKE $1 ESCAPE '\'`},
		{"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"},
		{"é = ? AND ü = ?", "é = $1 AND ü = $2"},
	} {
		if got := pg.rebind(tc.in); got != tc.want {
			t.Errorf("postgres rebind(%q) = %q; want %q", tc.in, got, tc.want)
		}
		if got := lite.rebind(tc.in); got != tc.in {
			t.Errorf("sqlite rebind(%q) = %q; want it unchanged", tc.in, got)
		}
	}

	// A hundred placeholders number on.
	q := strings.TrimSuffix(strings.Repeat("?,", 100), ",")
	got := pg.rebind(q)
	var want strings.Builder
	for i := 1; i <= 100; i++ {
		if i > 1 {
			want.WriteByte(',')
		}
		fmt.Fprintf(&want, "$%d", i)
	}
	if got != want.String() {
		t.Errorf("postgres rebind of 100 placeholders = %q", got)
	}
}

func TestSearchClause(t *testing.T) {
	t.Parallel()
	words := directory.SearchWords("Jan roe-EXAMPLE")
	cond, arg := dialect{engine: Postgres}.searchClause(words)
	if !strings.Contains(cond, "to_tsquery('simple', ?)") || arg != "jan:* & roe:* & example:*" {
		t.Errorf("postgres searchClause = %q, %q", cond, arg)
	}
	cond, arg = dialect{engine: SQLite}.searchClause(words)
	if !strings.Contains(cond, "users_fts MATCH ?") || arg != `"jan"* "roe"* "example"*` {
		t.Errorf("sqlite searchClause = %q, %q", cond, arg)
	}
	if strings.Count(cond, "?") != 1 {
		t.Errorf("searchClause binds one argument, but %q has %d placeholders", cond, strings.Count(cond, "?"))
	}
}

func TestPostgresErrorCodes(t *testing.T) {
	t.Parallel()
	d := dialect{engine: Postgres}
	dup := fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23505", ConstraintName: "users_email"})
	if name, ok := d.uniqueViolation(dup); !ok || name != "users_email" {
		t.Errorf("uniqueViolation(23505) = %q, %v", name, ok)
	}
	fk := fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23503", ConstraintName: "users_org_id_fkey"})
	if _, ok := d.uniqueViolation(fk); ok {
		t.Error("uniqueViolation(23503) = true")
	}
	if !d.foreignKeyViolation(fk) {
		t.Error("foreignKeyViolation(23503) = false")
	}
	if d.foreignKeyViolation(dup) {
		t.Error("foreignKeyViolation(23505) = true")
	}
	for _, err := range []error{nil, errors.New("other"), context.Canceled} {
		if _, ok := d.uniqueViolation(err); ok {
			t.Errorf("uniqueViolation(%v) = true", err)
		}
		if d.foreignKeyViolation(err) {
			t.Errorf("foreignKeyViolation(%v) = true", err)
		}
	}
}

func TestParseDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn            string
		engine         Engine
		driver, prefix string
	}{
		{"sqlite:roster.db", SQLite, "sqlite", "file:roster.db?"},
		{"sqlite:///var/lib/roster/roster.db", SQLite, "sqlite", "file:/var/lib/roster/roster.db?"},
		{"sqlite:roster.db?cache=shared", SQLite, "sqlite", "file:roster.db?"},
		{"postgres://u@h/db?sslmode=disable", Postgres, "pgx", "postgres://u@h/db?sslmode=disable"},
		{"postgresql://u@h/db", Postgres, "pgx", "postgresql://u@h/db"},
	} {
		engine, driver, source, err := parseDSN(tc.dsn)
		if err != nil {
			t.Errorf("parseDSN(%q): %v", tc.dsn, err)
			continue
		}
		if engine != tc.engine || driver != tc.driver || !strings.HasPrefix(source, tc.prefix) {
			t.Errorf("parseDSN(%q) = %s, %s, %q", tc.dsn, engine, driver, source)
		}
		if engine == SQLite {
			for _, p := range []string{"foreign_keys", "journal_mode", "busy_timeout", "_txlock=immediate"} {
				if !strings.Contains(source, p) {
					t.Errorf("parseDSN(%q) = %q, without %s", tc.dsn, source, p)
				}
			}
			if strings.Contains(source, "cache=shared") {
				t.Errorf("parseDSN(%q) kept the caller's query: %q", tc.dsn, source)
			}
		}
	}
	for _, dsn := range []string{"", "sqlite:", "sqlite::memory:", "sqlite:file::memory:?cache=shared", "mysql://h/db", "roster.db"} {
		if _, _, _, err := parseDSN(dsn); err == nil {
			t.Errorf("parseDSN(%q) accepted it", dsn)
		}
	}
}
