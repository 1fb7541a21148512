package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// dialect holds every difference between the engines that the store's SQL
// meets; the rest of the package writes SQL both accept.
type dialect struct {
	engine Engine
	// wordPaging makes a word search always merge or always read the
	// whole range (see searchByWords); tests set it to check both ways.
	// Zero lets the numbers choose.
	wordPaging wordPaging
}

// rebind rewrites the ? placeholders of q as $1, $2, … for PostgreSQL. The
// store's SQL never puts a question mark inside a string literal.
func (d dialect) rebind(q string) string {
	if d.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// searchClause returns a condition matching users whose search text has,
// for every word, a token starting with it, and the argument it binds.
// words must be non-empty and hold only letters and digits.
func (d dialect) searchClause(words []string) (string, any) {
	if d.engine == Postgres {
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = w + ":*"
		}
		return "u.search @@ to_tsquery('simple', ?)", strings.Join(parts, " & ")
	}
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + w + `"*`
	}
	return "u.num IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ?)", strings.Join(parts, " ")
}

// forUpdate is the clause that locks the rows a SELECT reads until the
// transaction ends. SQLite needs none: its write transactions begin
// IMMEDIATE and so run one at a time.
func (d dialect) forUpdate() string {
	if d.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked is the clause that locks the rows a subquery picks and skips
// rows another transaction holds, so that workers claiming jobs together
// each get different rows. SQLite needs none: a write transaction holds
// the whole database.
func (d dialect) skipLocked() string {
	if d.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// orFail is the conflict clause of SQLite's bulk INSERTs (see
// userInsertSQL); PostgreSQL has none.
func (d dialect) orFail() string {
	if d.engine == SQLite {
		return " OR FAIL"
	}
	return ""
}

// indexedBy names the index a SQLite query must use, for the few counts
// where SQLite without fresh statistics would pick a wider index; the
// PostgreSQL planner chooses well on its own.
func (d dialect) indexedBy(index string) string {
	if d.engine == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// uniqueViolation reports whether err breaks a unique index and, if so, a
// text naming the index or its columns, for the caller to tell which.
func (d dialect) uniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code == "23505" {
			return pgErr.ConstraintName, true
		}
		return "", false
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		if code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return sqErr.Error(), true
		}
	}
	return "", false
}

// foreignKeyViolation reports whether err breaks a foreign key.
func (d dialect) foreignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// relaxCommit is run first in a transaction whose commit need not wait
// for the disk: PostgreSQL then answers without the WAL flush (a crash may
// lose the last such commits, never corrupt anything). SQLite in WAL mode
// with synchronous=NORMAL does not wait for the disk at commit anyway.
func (d dialect) relaxCommit() string {
	if d.engine == Postgres {
		return `SET LOCAL synchronous_commit TO OFF`
	}
	return ""
}
