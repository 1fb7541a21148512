package admin_test

import (
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// retentionRule sets the recycle bin rule of the organization of f as its
// operator.
func (f *fixture) retentionRule(days int) {
	f.t.Helper()
	p, err := f.svc.SecurityPolicy(f.ctx, f.op)
	if err != nil {
		f.t.Fatalf("SecurityPolicy: %v", err)
	}
	p.RecycleBinDays = days
	if _, err := f.svc.UpdateSecurityPolicy(f.ctx, f.op, p); err != nil {
		f.t.Fatalf("UpdateSecurityPolicy: %v", err)
	}
}

// binned adds a pending user and deletes them now.
func (f *fixture) binned() *directory.User {
	f.t.Helper()
	u := f.createUser(nil)
	if _, err := f.svc.Delete(f.ctx, f.op, u.ID, 0); err != nil {
		f.t.Fatalf("Delete: %v", err)
	}
	return u
}

func TestPurgeExpiredDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.retentionRule(30)
		old := f.binned()
		f.clock.Advance(2 * 24 * time.Hour)
		young := f.binned()
		kept := f.createUser(nil)

		// An organization whose rule is 0 keeps its recycle bin.
		other, otherOp := f.newOrg()
		in := input()
		ou, err := f.svc.CreateUser(f.ctx, otherOp, in)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if _, err := f.svc.Delete(f.ctx, otherOp, ou.ID, 0); err != nil {
			t.Fatalf("Delete: %v", err)
		}

		// 29 days after the first deletion nothing is due yet.
		f.clock.Advance(27*24*time.Hour + time.Hour)
		before := f.eventIDs()
		if n, err := f.svc.PurgeExpiredDeleted(f.ctx, f.org.ID); err != nil || n != 0 {
			t.Fatalf("PurgeExpiredDeleted after 29 days = %d, %v; want 0", n, err)
		}
		f.noEvent(before)

		// 31 days after it, the first user goes; the one deleted 29 days
		// ago stays, as does everything of the other organization.
		f.clock.Advance(2 * 24 * time.Hour)
		if n, err := f.svc.PurgeExpiredDeleted(f.ctx, ""); err != nil || n < 1 {
			t.Fatalf("PurgeExpiredDeleted = %d, %v; want at least 1", n, err)
		}
		if _, err := f.db.User(f.ctx, f.org.ID, old.ID); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("user deleted 31 days ago: err = %v, want not found", err)
		}
		if u := f.reload(young.ID); !u.Deleted() {
			t.Errorf("user deleted 29 days ago left the recycle bin")
		}
		if u := f.reload(kept.ID); u.Deleted() {
			t.Errorf("a user not deleted was touched")
		}
		if u := f.get(other.ID, ou.ID); !u.Deleted() {
			t.Errorf("the user of an organization without a rule left its recycle bin")
		}
		ev := f.oneEvent(before, "user.purge")
		if ev.TargetID != old.ID || ev.ActorID != "" || ev.ActorName != "system (recycle bin retention)" {
			t.Errorf("event %+v, want user.purge of %s by the system", ev, old.ID)
		}
		rule := false
		for _, c := range ev.Changes {
			if c.Field == "recycle_bin_days" && (c.After == 30 || c.After == float64(30)) {
				rule = true
			}
		}
		if !rule {
			t.Errorf("event changes %+v do not name the 30-day rule", ev.Changes)
		}

		// Running again does nothing more; the second user goes when due.
		before = f.eventIDs()
		if n, err := f.svc.PurgeExpiredDeleted(f.ctx, f.org.ID); err != nil || n != 0 {
			t.Fatalf("second run = %d, %v; want 0", n, err)
		}
		f.noEvent(before)
		f.clock.Advance(2 * 24 * time.Hour)
		if n, err := f.svc.PurgeExpiredDeleted(f.ctx, f.org.ID); err != nil || n != 1 {
			t.Fatalf("run after 31 days of the second = %d, %v; want 1", n, err)
		}
		if _, err := f.db.User(f.ctx, f.org.ID, young.ID); directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("second user: err = %v, want not found", err)
		}
		if u := f.get(other.ID, ou.ID); !u.Deleted() {
			t.Errorf("the other organization's user was purged")
		}
	})
}

func TestPurgeExpiredDeletedBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.retentionRule(1)
		const n = 55 // more than one batch
		for range n {
			f.binned()
		}
		f.clock.Advance(25 * time.Hour)
		before := f.eventIDs()
		if got, err := f.svc.PurgeExpiredDeleted(f.ctx, f.org.ID); err != nil || got != n {
			t.Fatalf("PurgeExpiredDeleted = %d, %v; want %d", got, err, n)
		}
		if evs := f.eventsSince(before); len(evs) != n {
			t.Errorf("%d events, want %d", len(evs), n)
		}
	})
}
