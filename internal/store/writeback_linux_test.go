package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// openFilesUnder counts the file descriptors of this process open on
// files of dir.
func openFilesUnder(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && filepath.Dir(target) == dir {
			n++
		}
	}
	return n
}

// TestWriteBack checks that WriteBack, on SQLite, opens the WAL once a
// write has made it and the database file, hands both over again and
// again, and closes them when stopped; on PostgreSQL it does nothing.
func TestWriteBack(t *testing.T) {
	ctx := context.Background()
	db := tempSQLite(t, false)
	dir := filepath.Dir(db.path)
	before := openFilesUnder(t, dir)
	w, stop := db.startWriteBack()
	if w == nil {
		t.Fatal("no write-back on SQLite")
	}
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE t (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO t VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.path + "-wal"); err != nil {
		t.Fatalf("the write made no WAL: %v", err)
	}
	// Two rounds over both files.
	deadline := time.Now().Add(10 * time.Second)
	for w.flushes.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := w.flushes.Load(); n < 4 {
		t.Fatalf("%d files handed over in 10 s, want both files twice", n)
	}
	if got := openFilesUnder(t, dir); got != before+2 {
		t.Errorf("%d files open under the database's directory while writing back, want %d", got, before+2)
	}
	stop()
	stop() // a second stop does nothing
	if got := openFilesUnder(t, dir); got != before {
		t.Errorf("%d files open under the database's directory after stop, want %d as before", got, before)
	}

	pg := &DB{Conn: Conn{d: dialect{engine: Postgres}}, path: db.path}
	if w, stop := pg.startWriteBack(); w != nil {
		stop()
		t.Error("write-back started on PostgreSQL")
	}
}
