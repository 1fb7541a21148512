package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// TestUserCounters checks that the counters behind unfiltered totals follow
// every change of status and every move in and out of the recycle bin.
func TestUserCounters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		statuses := []directory.Status{directory.StatusPending, directory.StatusActive, directory.StatusInactive}

		check := func(step string) {
			t.Helper()
			live := 0
			for _, inBin := range []bool{false, true} {
				for _, s := range statuses {
					var want int
					q := rawSQL(e, `SELECT COUNT(*) FROM users WHERE org_id = ? AND status = ? AND `+
						map[bool]string{false: "deleted_at = 0", true: "deleted_at <> 0"}[inBin])
					if err := db.SQL().QueryRowContext(ctx, q, o.ID, string(s)).Scan(&want); err != nil {
						t.Fatal(err)
					}
					if !inBin {
						live += want
					}
					// Statuses and Deleted alone take the total from the counters
					page, err := db.ListUsers(ctx, o.ID, store.UserFilter{Statuses: []directory.Status{s}, Deleted: inBin, Limit: 1})
					if err != nil {
						t.Fatal(err)
					}
					if page.Total != want {
						t.Errorf("%s: the counter of %s users (in the bin: %v) is %d; COUNT says %d", step, s, inBin, page.Total, want)
					}
					// An always-true condition forces the COUNT path.
					page, err = db.ListUsers(ctx, o.ID, store.UserFilter{Statuses: []directory.Status{s}, Deleted: inBin, Limit: 1,
						CreatedFrom: time.Unix(0, 1000)})
					if err != nil {
						t.Fatal(err)
					}
					if page.Total != want {
						t.Errorf("%s: the counted total of %s users (in the bin: %v) is %d; want %d", step, s, inBin, page.Total, want)
					}
				}
			}
			n, err := db.CountUsers(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n != live {
				t.Errorf("%s: CountUsers = %d; COUNT says %d", step, n, live)
			}
			page, err := db.ListUsers(ctx, o.ID, store.UserFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != live {
				t.Errorf("%s: the unfiltered total = %d; COUNT says %d", step, page.Total, live)
			}
		}
		check("empty organization")

		var users []*directory.User
		for i := range 9 {
			users = append(users, createUser(t, db, o.ID, func(u *directory.User) { u.Status = statuses[i%3] }))
		}
		check("after creating")

		save := func(u *directory.User) {
			t.Helper()
			u.UpdatedAt = u.UpdatedAt.Add(time.Second)
			if err := db.UpdateUserState(ctx, u, u.Version); err != nil {
				t.Fatal(err)
			}
		}
		users[0].Status = directory.StatusActive // pending → active
		save(users[0])
		users[2].Status = directory.StatusPending // inactive → pending
		save(users[2])
		users[1].FailedAttempts = 2 // a change that leaves the counters alone
		save(users[1])
		check("after status changes")

		users[3].DeletedAt = at(time.Minute) // to the bin
		save(users[3])
		users[4].DeletedAt, users[4].Status = at(time.Minute), directory.StatusInactive // to the bin and disabled at once
		save(users[4])
		check("after moves to the bin")

		users[4].Status = directory.StatusActive // a status change inside the bin
		save(users[4])
		users[4].DeletedAt = at(2 * time.Minute) // a new bin time only
		save(users[4])
		check("after changes inside the bin")

		users[3].DeletedAt = time.Time{} // restored
		save(users[3])
		check("after a restore")

		users[5].Status = directory.StatusActive
		if err := db.SetPassword(ctx, users[5], "hash"); err != nil {
			t.Fatal(err)
		}
		check("after SetPassword")

		for _, u := range []*directory.User{users[4], users[6]} { // one in the bin, one live
			if err := db.PurgeUser(ctx, o.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		check("after purges")

		// A bulk insert of mixed statuses, as an import writes it.
		var bulk []*directory.User
		for i := range 7 {
			bulk = append(bulk, newUser(o.ID, func(u *directory.User) { u.Status = statuses[i%3] }))
		}
		if err := db.InBulkTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, bulk) }); err != nil {
			t.Fatal(err)
		}
		check("after a bulk insert")
		// A bulk insert that fails half-way leaves the counters as they were.
		failing := []*directory.User{newUser(o.ID, nil), newUser(o.ID, nil), newUser(o.ID, func(u *directory.User) { u.Username = bulk[0].Username })}
		if err := db.InBulkTx(ctx, func(tx *store.Tx) error { return tx.InsertUsersBulk(ctx, failing) }); err == nil {
			t.Fatal("a bulk insert of a taken user name succeeded")
		}
		check("after a failed bulk insert")

		// A failed update inside a transaction leaves the counters as they were.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			users[7].Status = directory.StatusInactive
			if err := tx.UpdateUserState(ctx, users[7], users[7].Version); err != nil {
				return err
			}
			return fmt.Errorf("roll back")
		})
		if err == nil {
			t.Fatal("InTx did not return the error")
		}
		check("after a rolled-back change")
	})
}
