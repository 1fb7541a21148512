package store

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// writeBack holds the files WriteBack hands to the disk writer, each
// opened once it exists (SQLite makes the WAL at the first write).
type writeBack struct {
	paths []string
	fds   []int
	// flushes counts the files handed over, for the tests.
	flushes atomic.Int64
}

func newWriteBack(paths []string) *writeBack {
	w := &writeBack{paths: paths, fds: make([]int, len(paths))}
	for i := range w.fds {
		w.fds[i] = -1
	}
	return w
}

// flush starts writing each file's dirty pages to disk and returns without
// waiting for them (SYNC_FILE_RANGE_WRITE).
func (w *writeBack) flush() {
	for i, fd := range w.fds {
		if fd < 0 {
			var err error
			if fd, err = unix.Open(w.paths[i], unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
				continue
			}
			w.fds[i] = fd
		}
		if unix.SyncFileRange(fd, 0, 0, unix.SYNC_FILE_RANGE_WRITE) == nil {
			w.flushes.Add(1)
		}
	}
}

func (w *writeBack) close() {
	for i, fd := range w.fds {
		if fd >= 0 {
			_ = unix.Close(fd)
			w.fds[i] = -1
		}
	}
}
