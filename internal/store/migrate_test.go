package store_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestMigrationNumbering checks that both engines carry the same migrations,
// numbered alike, so that a change never lands on one engine only.
func TestMigrationNumbering(t *testing.T) {
	lite, err := store.MigrationFiles(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.MigrationFiles(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations found")
	}
	if diff := cmp.Diff(lite, pg); diff != "" {
		t.Errorf("the migration folders differ (-sqlite +postgres):\n%s", diff)
	}
	for i, name := range lite {
		want := fmt.Sprintf("%05d_", i+1)
		if !strings.HasPrefix(name, want) {
			t.Errorf("migration %d is %q; want the prefix %q (numbers in sequence, no gaps)", i+1, name, want)
		}
	}
}
