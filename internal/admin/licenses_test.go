package admin_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestPremiumSeatLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		licenses := func(wantLimit, wantUsed int) {
			t.Helper()
			limit, used, err := f.svc.Licenses(f.ctx, f.op)
			if err != nil || limit != wantLimit || used != wantUsed {
				t.Errorf("Licenses = %d, %d, %v; want %d, %d", limit, used, err, wantLimit, wantUsed)
			}
		}
		premium := func(in *admin.UserInput) { in.License = directory.LicensePremium }
		licenses(-1, 0)

		before := f.eventIDs()
		if err := f.svc.SetPremiumSeatLimit(f.ctx, f.op, 1); err != nil {
			t.Fatal(err)
		}
		ev := f.oneEvent(before, "organization.licenses")
		if diff := cmp.Diff([]directory.Change{{Field: "premium_seat_limit", Before: float64(-1), After: float64(1)}}, ev.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		licenses(1, 0)

		p1 := f.createUser(premium)
		licenses(1, 1)

		in := input()
		premium(in)
		_, err := f.svc.CreateUser(f.ctx, f.op, in)
		wantKind(t, err, directory.KindConflict)
		if diff := cmp.Diff(fieldErrs("license", "no premium seat is free"), fieldErrors(err)); diff != "" {
			t.Errorf("second premium user (-want +got):\n%s", diff)
		}

		std := f.createUser(nil)
		before = f.eventIDs()
		_, err = f.svc.UpdateUser(f.ctx, f.op, std.ID, 0, &admin.UserPatch{License: ptr(directory.LicensePremium)})
		wantKind(t, err, directory.KindConflict)
		if got := f.reload(std.ID); got.License != directory.LicenseStandard || got.Version != std.Version {
			t.Errorf("refused upgrade changed the user: %s v%d", got.License, got.Version)
		}
		f.noEvent(before)

		// A premium user keeps their seat through other edits.
		if _, err := f.svc.UpdateUser(f.ctx, f.op, p1.ID, 0, &admin.UserPatch{License: ptr(directory.LicensePremium), JobTitle: ptr("Lead")}); err != nil {
			t.Errorf("edit the premium user: %v", err)
		}

		// The limit cannot drop below the seats in use.
		err = f.svc.SetPremiumSeatLimit(f.ctx, f.op, 0)
		wantKind(t, err, directory.KindConflict)
		licenses(1, 1)

		// The recycle bin frees the seat; restoring needs it back.
		if _, err := f.svc.Delete(f.ctx, f.op, p1.ID, 0); err != nil {
			t.Fatal(err)
		}
		licenses(1, 0)
		if _, err := f.svc.UpdateUser(f.ctx, f.op, std.ID, 0, &admin.UserPatch{License: ptr(directory.LicensePremium)}); err != nil {
			t.Fatalf("upgrade after a seat was freed: %v", err)
		}
		licenses(1, 1)
		before = f.eventIDs()
		_, err = f.svc.Restore(f.ctx, f.op, p1.ID, 0)
		wantKind(t, err, directory.KindConflict)
		if !f.reload(p1.ID).Deleted() {
			t.Error("a refused restore took the user out of the bin")
		}
		f.noEvent(before)
		licenses(1, 1)

		// A negative limit means no cap.
		if err := f.svc.SetPremiumSeatLimit(f.ctx, f.op, -5); err != nil {
			t.Fatal(err)
		}
		licenses(-1, 1)
		if _, err := f.svc.Restore(f.ctx, f.op, p1.ID, 0); err != nil {
			t.Errorf("restore without a cap: %v", err)
		}
		f.createUser(premium)
		licenses(-1, 3)
	})
}

func TestPremiumSeatLimitConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		if err := f.svc.SetPremiumSeatLimit(f.ctx, f.op, 2); err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				in := input()
				in.License = directory.LicensePremium
				_, errs[i] = f.svc.CreateUser(f.ctx, f.op, in)
			})
		}
		wg.Wait()
		made := 0
		for _, err := range errs {
			switch directory.KindOf(err) {
			case 0:
				if err != nil {
					t.Fatal(err)
				}
				made++
			case directory.KindConflict:
			default:
				t.Errorf("concurrent premium user: %v", err)
			}
		}
		limit, used, err := f.svc.Licenses(f.ctx, f.op)
		if err != nil || made != 2 || used != 2 {
			t.Errorf("%d premium users made concurrently, %d seats used of %d (%v); want 2", made, used, limit, err)
		}
	})
}
