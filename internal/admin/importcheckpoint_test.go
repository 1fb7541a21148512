package admin_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// On SQLite an import's batches let the WAL grow (store.InBulkTx); when
// the import ends, what the WAL holds is copied back into the database
// file, so that no later request pays for it. The import runs on a
// database of its own, which nothing else writes to: the file grows only
// if the import's checkpoint copies its pages back.
func TestImportCheckpointsTheWAL(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "import.db")
	db, err := store.Open(ctx, "sqlite:"+path)
	okOrFatal(t, err)
	t.Cleanup(func() { db.Close() })
	okOrFatal(t, db.Migrate(ctx))
	f := setup(t, &storetest.Engine{Name: "sqlite", DSN: "sqlite:" + path, DB: db})

	var b strings.Builder
	b.WriteString("First name,Last name,User name,Email\n")
	for i := range 300 {
		fmt.Fprintf(&b, "First%d,Last%d,user%d,user%d@example.org\n", i, i, i, i)
	}
	im := f.upload(f.op, directory.ImportUsers, b.String())
	_, err = f.svc.ConfigureImport(ctx, f.op, im.ID, admin.ImportSettings{Mode: directory.ImportCreate})
	okOrFatal(t, err)
	_, err = f.svc.StartImport(ctx, f.op, im.ID)
	okOrFatal(t, err)
	// Everything written so far goes into the file first.
	okOrFatal(t, db.Checkpoint(ctx))
	before := fileSize(t, path)
	f.work()
	done, err := f.svc.Import(ctx, f.op, im.ID)
	okOrFatal(t, err)
	if done.State != directory.ImportDone || done.Counts.Created != 300 {
		t.Fatalf("import %s %+v", done.State, done.Counts)
	}
	if after := fileSize(t, path); after <= before {
		t.Errorf("the database file stayed at %d bytes after importing 300 users: the WAL was not copied back", after)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	okOrFatal(t, err)
	return st.Size()
}
