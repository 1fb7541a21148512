package storetest

import (
	"context"
	"os"
	"testing"
)

// FreshPostgres creates an empty PostgreSQL database, not migrated, that is
// dropped when the test ends, and returns its URL. It skips the test when
// no PostgreSQL server is configured.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		t.Skipf("%s is not set; skipping a PostgreSQL-only test", EnvPostgres)
	}
	dsn, drop, err := createPostgres(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dsn
}
