package store_test

import (
	"context"
	"sync"
	"testing"

	"roster/internal/store"
	"roster/internal/store/storetest"
)

// TestConcurrentMigrateOnPostgres starts several instances' migrations at
// once on an empty database: the advisory lock makes one run them and the
// others find the schema up to date.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	ctx := context.Background()
	const instances = 6
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, _ := store.MigrationFiles(store.Postgres)
	if applied != len(files) {
		t.Errorf("goose recorded %d applied migrations; want %d (each applied once)", applied, len(files))
	}
}
