// Package store keeps Roster's data in SQLite or PostgreSQL through
// database/sql. SQL is written once in the subset both engines accept;
// dialect.go and the two migration folders hold the differences.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// DB is an open database.
type DB struct {
	Conn
	sql *sql.DB
}

// Open connects to the database named by dsn: "sqlite:PATH" (a file,
// created when missing; "sqlite::memory:" is not supported because every
// connection would see its own database) or a "postgres://" URL.
// It does not run migrations; see Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	engine, driver, source, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if engine == SQLite {
		// One writer at a time is SQLite's rule; readers share the WAL.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	} else {
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{Conn: Conn{q: db, d: dialect{engine: engine}}, sql: db}, nil
}

func parseDSN(dsn string) (engine Engine, driver, source string, err error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, "pgx", dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" || strings.Contains(path, ":memory:") {
			return "", "", "", fmt.Errorf("database %q: give the SQLite database a file path, as in sqlite:roster.db", dsn)
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		q := url.Values{}
		// mmap_size lets reads come straight from the operating system's
		// page cache instead of a read call per page: searching a million
		// users is about twice as fast with it. SQLite caps it just under
		// 2 GiB; beyond that the file is read as usual.
		for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)",
			"mmap_size(2147418112)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return SQLite, "sqlite", "file:" + path + "?" + q.Encode(), nil
	}
	return "", "", "", fmt.Errorf("database %q: use sqlite:PATH or a postgres:// URL", dsn)
}

// Engine returns the engine behind db.
func (db *DB) Engine() Engine { return db.d.engine }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SQL returns the underlying handle, for benchmarks and tests.
func (db *DB) SQL() *sql.DB { return db.sql }

// Migrate brings the schema up to date. On PostgreSQL it holds an advisory
// lock while it runs, so that instances starting together do not race.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrateDownTo undoes the migrations above version, newest first. Tests
// use it to run a migration again on a database that holds data.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

func (db *DB) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.d.engine))
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if db.d.engine == Postgres {
		dialect = goose.DialectPostgres
		// Probe the lock every second (for up to five minutes) rather than
		// goose's default of every five, so that instances waiting for
		// another's migrations start promptly.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.sql, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// MigrationFiles lists the migration files of engine, for the test that
// checks both engines carry the same numbering.
func MigrationFiles(engine Engine) ([]string, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+string(engine))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// Conn runs queries on the database or inside a transaction.
type Conn struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	d dialect
}

func (c *Conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.d.rebind(query), args...)
}

func (c *Conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.d.rebind(query), args...)
}

func (c *Conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.d.rebind(query), args...)
}

// Tx is a transaction.
type Tx struct {
	Conn
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Conn{q: sqlTx, d: db.d}}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// micros turns t into Unix microseconds; the zero time is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros turns Unix microseconds back into a UTC time; 0 is the zero time.
func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
