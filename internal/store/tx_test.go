package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestInTx(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)

		// A failing function rolls everything back, the counters included.
		boom := errors.New("boom")
		rolledBack := newUser(o.ID, nil)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, rolledBack, ""); err != nil {
				return err
			}
			// The transaction sees its own writes.
			if _, err := tx.User(ctx, o.ID, rolledBack.ID); err != nil {
				t.Errorf("the transaction does not see its own user: %v", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx returned %v; want the function's error", err)
		}
		_, err = db.User(ctx, o.ID, rolledBack.ID)
		wantKind(t, err, directory.KindNotFound)
		if n, err := db.CountUsers(ctx, o.ID); err != nil || n != 0 {
			t.Errorf("CountUsers after a rollback = %d, %v; want 0", n, err)
		}

		committed := newUser(o.ID, nil)
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, committed, ""); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &directory.AuditEvent{ID: newID(), OrgID: o.ID, At: baseTime, Action: "user.create",
				TargetType: "user", TargetID: committed.ID})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.User(ctx, o.ID, committed.ID); err != nil {
			t.Errorf("the committed user is missing: %v", err)
		}
		page, err := db.ListAudit(ctx, o.ID, store.AuditFilter{})
		if err != nil || len(page.Events) != 1 {
			t.Errorf("the committed audit event is missing: %v", err)
		}

		// A duplicate inside a transaction is reported as such and undoes the rest.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, newUser(o.ID, nil), ""); err != nil {
				return err
			}
			return tx.CreateUser(ctx, newUser(o.ID, func(u *directory.User) { u.Username = committed.Username }), "")
		})
		wantDuplicate(t, err, "username")
		if n, _ := db.CountUsers(ctx, o.ID); n != 1 {
			t.Errorf("CountUsers after a failed transaction = %d; want 1", n)
		}
	})
}

// TestConcurrentUpdates checks the optimistic version check under real
// concurrency: of many writers holding the same version, exactly one wins.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, nil)

		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				edited := *u
				edited.FirstName = "Writer" + string(rune('A'+i))
				errs[i] = db.InTx(ctx, func(tx *store.Tx) error {
					return tx.UpdateUserProfile(ctx, &edited, 1)
				})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch directory.KindOf(err) {
			case 0:
				if err != nil {
					t.Errorf("a writer failed: %v", err)
				} else {
					won++
				}
			case directory.KindPrecondition:
			default:
				t.Errorf("a writer failed: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d writers won; want exactly 1", won)
		}
		got, err := db.User(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Errorf("version after the race = %d; want 2", got.Version)
		}
	})
}

// TestInBulkTx checks the transaction of bulk loads: it commits and rolls
// back as InTx does, and on SQLite it runs without foreign key checks and
// gives its connection back with them on again, whatever happened.
func TestInBulkTx(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		users := bulkUsers(o.ID, 5)
		if err := db.InBulkTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, users) }); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		gone := newUser(o.ID, nil)
		err := db.InBulkTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertUsersBulk(ctx, []*directory.User{gone}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InBulkTx returned %v; want the function's error", err)
		}
		if _, err := db.User(ctx, o.ID, gone.ID); err == nil {
			t.Error("the rolled-back user was stored")
		}
		if n, err := db.CountUsers(ctx, o.ID); err != nil || n != len(users) {
			t.Errorf("CountUsers = %d, %v; want %d", n, err, len(users))
		}
	})

	// One connection only, so that the next transaction gets the
	// connection the bulk one had.
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/bulk.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.SQL().SetMaxOpenConns(1)
	foreignKeys := func() int {
		t.Helper()
		var on int
		if err := db.SQL().QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
			t.Fatal(err)
		}
		return on
	}
	if foreignKeys() != 1 {
		t.Fatal("foreign keys are off on a new connection")
	}
	o := createOrg(t, db)
	// A user whose department does not exist: refused by InTx, stored by
	// InBulkTx (whose caller checks its references itself).
	orphan := func() *directory.User {
		return newUser(o.ID, func(u *directory.User) { u.DepartmentID = newID() })
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, []*directory.User{orphan()}) }); err == nil {
		t.Error("InTx stored a user whose department does not exist")
	}
	for _, fail := range []bool{false, true} {
		err := db.InBulkTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertUsersBulk(ctx, []*directory.User{orphan()}); err != nil {
				return err
			}
			if fail {
				return errors.New("boom")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Errorf("InBulkTx (failing: %v) = %v", fail, err)
		}
		if foreignKeys() != 1 {
			t.Errorf("foreign keys stay off after InBulkTx (failing: %v)", fail)
		}
	}
	// A cancelled context still gets the setting back.
	cctx, cancel := context.WithCancel(ctx)
	_ = db.InBulkTx(cctx, func(tx *store.Tx) error { cancel(); return cctx.Err() })
	if foreignKeys() != 1 {
		t.Error("foreign keys stay off after a cancelled InBulkTx")
	}
}
