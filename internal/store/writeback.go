package store

import (
	"sync"
	"time"
)

// writeBackEvery is how often WriteBack hands what a bulk load wrote to
// the operating system's disk writer.
const writeBackEvery = 50 * time.Millisecond

// WriteBack starts, for a bulk load on SQLite, handing the pages the load
// writes into the WAL and the database file to the disk as they come,
// without waiting for them, and returns the function that stops it.
//
// In WAL mode SQLite syncs nothing at commit; it syncs at each checkpoint,
// the WAL before copying its pages into the database file and the file
// after, and the connection that commits past the checkpoint threshold
// waits for both. Left alone, the operating system keeps hundreds of
// megabytes of a load's WAL in memory until then, and the load's writer
// waits for all of it at once. Handed over as they come, they are written
// while the load goes on, and the checkpoint's syncs find little left to
// do. What is durable, and when, does not change: SQLite still syncs as
// before.
//
// It does something on Linux only (sync_file_range); elsewhere, and on
// PostgreSQL, which writes its own files, it does nothing.
func (db *DB) WriteBack() (stop func()) {
	_, stop = db.startWriteBack()
	return stop
}

// startWriteBack is WriteBack, with what it flushes (nil when nothing).
func (db *DB) startWriteBack() (*writeBack, func()) {
	if db.d.engine != SQLite || db.path == "" {
		return nil, func() {}
	}
	w := newWriteBack([]string{db.path + "-wal", db.path})
	if w == nil {
		return nil, func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer w.close()
		t := time.NewTicker(writeBackEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				w.flush()
			}
		}
	}()
	var once sync.Once
	return w, func() {
		once.Do(func() {
			close(quit)
			<-done
		})
	}
}
