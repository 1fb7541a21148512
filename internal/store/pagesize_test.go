package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"roster/internal/store"
)

// pageSize reads the page size and journal mode of a SQLite file.
func pageSize(t *testing.T, path string) (int, string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int
	var mode string
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return size, mode
}

// openAndMigrate opens the SQLite file at path through the store, brings
// its schema up to date and closes it.
func openAndMigrate(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

// A new SQLite database gets 16 KiB pages; one that exists keeps its own.
func TestSQLitePageSize(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	openAndMigrate(t, fresh)
	if size, mode := pageSize(t, fresh); size != 16384 || mode != "wal" {
		t.Errorf("new database: page size %d, journal mode %s; want 16384 and wal", size, mode)
	}

	old := filepath.Join(dir, "old.db")
	plain, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec(`CREATE TABLE kept (x)`); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	openAndMigrate(t, old)
	if size, mode := pageSize(t, old); size != 4096 || mode != "wal" {
		t.Errorf("existing database: page size %d, journal mode %s; want 4096 kept, and wal", size, mode)
	}
}
