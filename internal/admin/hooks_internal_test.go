package admin

import (
	"context"

	"roster/internal/store"
)

// SetImportCrash makes the service's import workers stop dead after each
// batch for which crash returns an error, as a crash would.
func SetImportCrash(s *Service, crash func(done int) error) { s.importCrash = crash }

// SetImportBatch sets the rows per import batch of the service.
func SetImportBatch(s *Service, n int) { s.importBatchRows = n }

// SetImportBeforeWrite runs f between planning and writing each batch of
// an import, as another writer would.
func SetImportBeforeWrite(s *Service, f func(ctx context.Context, tx *store.Tx) error) {
	s.importBeforeWrite = f
}

// SetImportAhead calls f with the first line of each batch of an import of
// users once it is planned ahead of its writing.
func SetImportAhead(s *Service, f func(from int)) { s.importAhead = f }
