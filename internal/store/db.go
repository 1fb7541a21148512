// Package store keeps Roster's data in SQLite or PostgreSQL through
// database/sql. SQL is written once in the subset both engines accept;
// dialect.go and the two migration folders hold the differences.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
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
	// path is the file of a SQLite database ("" on PostgreSQL).
	path string
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
	if engine == SQLite {
		if err := createSQLite(ctx, source); err != nil {
			return nil, err
		}
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
	out := &DB{Conn: Conn{q: db, d: dialect{engine: engine}}, sql: db}
	if engine == SQLite {
		out.path = sqlitePath(source)
	}
	return out, nil
}

// sqlitePageSize is the page size of new SQLite databases. Index pages of
// 16 KiB instead of SQLite's 4 KiB made a 100,000-user import about 10%
// faster (fewer pages written at each commit and fewer splits), with the
// list and search queries at a million users as fast as before (see
// docs/performance.md). An existing database keeps the size it has.
const sqlitePageSize = 16384

// createSQLite gives a SQLite database that does not exist yet (or is an
// empty file) its page size, which only a new database can take: once in
// WAL mode, as every connection then puts it, the size is fixed. The
// driver runs the DSN's pragmas in byte order, journal_mode before
// page_size, so it cannot be set there.
func createSQLite(ctx context.Context, source string) error {
	path := sqlitePath(source)
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	defer db.Close()
	for _, p := range []string{fmt.Sprintf("PRAGMA page_size = %d", sqlitePageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("create database: %w", err)
		}
	}
	return nil
}

// sqlitePath is the file a SQLite source (as parseDSN gives it) names.
func sqlitePath(source string) string {
	path := strings.TrimPrefix(source, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
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
		// cache_size gives each connection up to 64 MiB of page cache
		// instead of 2: a bulk load changes tens of megabytes of index
		// pages per transaction, and a load whose pages fall out of the
		// cache between its transactions runs at half the speed. Clean
		// pages read through mmap take little of it.
		for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)",
			"mmap_size(2147418112)", "cache_size(-65536)"} {
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
	// stmts keeps the statements a transaction prepared for bulk writes
	// (nil outside a transaction).
	stmts *stmtCache
	// raw is the connection of a bulk transaction on PostgreSQL, whose
	// inserts go through COPY (see copyRows); nil elsewhere.
	raw *sql.Conn
}

// stmtCache holds the prepared statements of one transaction, by text;
// they close with it.
type stmtCache struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

// prepared returns the statement query of the transaction, preparing it
// on first use; outside a transaction, or on PostgreSQL (whose driver
// keeps its own cache of prepared statements), it returns nil.
func (c *Conn) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if c.stmts == nil || c.d.engine != SQLite {
		return nil, nil
	}
	if st, ok := c.stmts.m[query]; ok {
		return st, nil
	}
	st, err := c.stmts.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts.m[query] = st
	return st, nil
}

// execBulk is exec for the multi-row INSERTs of bulk writes, which a
// transaction runs many times with the same text: on SQLite, parsing a
// statement of thousands of parameters costs as much as running it, so
// the transaction prepares it once.
func (c *Conn) execBulk(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.exec(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// queryBulk is query for bulk writes with a RETURNING clause, prepared as
// execBulk explains.
func (c *Conn) queryBulk(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.query(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
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
	// held is the transaction of BeginCopyTx, which its caller ends.
	held *sql.Tx
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return runTx(sqlTx, db.d, fn)
}

// InCopyTx is InTx for a transaction that inserts many rows at once: on
// PostgreSQL its multi-row inserts go through COPY (see copyRows), which
// costs the server about a fifth less than INSERT … SELECT FROM unnest
// and the driver a third less memory. On SQLite it is InTx.
func (db *DB) InCopyTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.d.engine != Postgres {
		return db.InTx(ctx, fn)
	}
	tx, err := db.BeginCopyTx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// BeginCopyTx begins on PostgreSQL the transaction of InCopyTx, for a
// caller that ends it with Commit or Rollback itself (an import writes a
// batch's first half in one while the batch before commits). On SQLite, whose
// writers take turns, there is none to begin.
func (db *DB) BeginCopyTx(ctx context.Context) (*Tx, error) {
	if db.d.engine != Postgres {
		return nil, fmt.Errorf("begin: a transaction held across calls is for PostgreSQL")
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{Conn: Conn{q: sqlTx, d: db.d, stmts: &stmtCache{tx: sqlTx, m: map[string]*sql.Stmt{}}, raw: conn}, held: sqlTx}, nil
}

// Commit ends a transaction of BeginCopyTx, keeping its writes.
func (tx *Tx) Commit() error {
	defer tx.raw.Close()
	if err := tx.held.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Rollback ends a transaction of BeginCopyTx, undoing its writes.
func (tx *Tx) Rollback() {
	_ = tx.held.Rollback()
	tx.raw.Close()
}

// bulkWALBytes is how large SQLite's WAL grows during a bulk load before
// it is checkpointed (see InBulkTx).
const bulkWALBytes = 256 << 20

// InBulkTx is InTx for a bulk load that checks, inside the transaction,
// every reference it writes (an import batch plans its rows in the
// transaction that writes them). On SQLite the transaction's connection is
// set for the load, and set back afterwards (or thrown away):
//   - no foreign key enforcement: with it, every multi-row INSERT into
//     users looks up each new row in every table that refers to users and
//     keeps a statement journal, which together more than double the cost
//     of a load. SQLite's write transactions run one at a time, so what fn
//     checked stays true until it commits;
//   - a checkpoint every 256 MiB of WAL instead of every 1,000 pages, so
//     that an index page that many batches change is copied back into the
//     database once rather than once per batch (Checkpoint, at the end of
//     the load, brings the WAL back down).
//
// PostgreSQL keeps its checks (they cost it little) and its settings; its
// bulk transaction is InCopyTx's.
func (db *DB) InBulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.d.engine == Postgres {
		return db.InCopyTx(ctx, fn)
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	defer func() {
		restore := context.WithoutCancel(ctx)
		for _, p := range []string{`PRAGMA foreign_keys = ON`, `PRAGMA wal_autocheckpoint = 1000`} {
			if _, err := conn.ExecContext(restore, p); err != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				return
			}
		}
	}()
	var pageSize int
	if err := conn.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if pageSize <= 0 {
		return fmt.Errorf("begin: page size %d", pageSize)
	}
	for _, p := range []string{`PRAGMA foreign_keys = OFF`, fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, bulkWALBytes/pageSize)} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return runTx(sqlTx, db.d, fn)
}

// Checkpoint copies what SQLite's WAL holds back into the database file,
// as far as readers allow, after a bulk load (see InBulkTx); on PostgreSQL
// it does nothing.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.d.engine != SQLite {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	return err
}

// runTx runs fn in the transaction sqlTx and ends it.
func runTx(sqlTx *sql.Tx, d dialect, fn func(tx *Tx) error) error {
	tx := &Tx{Conn: Conn{q: sqlTx, d: d, stmts: &stmtCache{tx: sqlTx, m: map[string]*sql.Stmt{}}}}
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
