// Package storetest gives tests throw-away databases: one SQLite file and,
// when ROSTER_TEST_POSTGRES names a server, one PostgreSQL database per test
// package run, migrated once and dropped afterwards. Tests share them and
// stay apart by creating their own organization.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"roster/internal/store"
)

// EnvPostgres names the environment variable holding the URL of a
// PostgreSQL server where tests may create databases.
const EnvPostgres = "ROSTER_TEST_POSTGRES"

// Engine is one migrated test database.
type Engine struct {
	Name string
	DSN  string
	DB   *store.DB
}

var engines []*Engine

// Main sets up the databases, runs the tests of a package and drops the
// databases. Call it from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "roster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	sqliteDSN := "sqlite:" + filepath.Join(dir, "test.db")
	db, err := open(ctx, sqliteDSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlite:", err)
		return 1
	}
	engines = append(engines, &Engine{Name: "sqlite", DSN: sqliteDSN, DB: db})
	defer db.Close()

	if server := os.Getenv(EnvPostgres); server != "" {
		dsn, drop, err := createPostgres(ctx, server)
		if err != nil {
			fmt.Fprintln(os.Stderr, "postgres:", err)
			return 1
		}
		defer drop()
		pdb, err := open(ctx, dsn)
		if err != nil {
			fmt.Fprintln(os.Stderr, "postgres:", err)
			return 1
		}
		defer pdb.Close()
		engines = append(engines, &Engine{Name: "postgres", DSN: dsn, DB: pdb})
	} else {
		fmt.Fprintf(os.Stderr, "storetest: %s is not set, so the PostgreSQL half of these tests is skipped\n", EnvPostgres)
	}
	return m.Run()
}

func open(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createPostgres creates a database with a random name on the server and
// returns its URL and a function that drops it.
func createPostgres(ctx context.Context, server string) (string, func(), error) {
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, err
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("cannot reach %s: %w", server, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "roster_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		_, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err != nil {
			fmt.Fprintln(os.Stderr, "drop test database:", err)
		}
		admin.Close()
	}
	return u.String(), drop, nil
}

// Engines returns the test databases; Main must have run.
func Engines(t testing.TB) []*Engine {
	t.Helper()
	if len(engines) == 0 {
		t.Fatal("storetest: call storetest.Main from TestMain")
	}
	return engines
}

// Each runs fn as a parallel subtest on every test database.
func Each(t *testing.T, fn func(t *testing.T, e *Engine)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}
