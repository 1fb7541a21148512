package admin_test

import (
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestDashboard checks who may open the dashboard, that the sign-in days
// cover 30 days ending today, and that the recent activity needs
// audit.view and leaves out sign-ins.
func TestDashboard(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		staff := f.activeUser(nil)
		f.grant(staff, "staff")
		basic := f.activeUser(nil)
		f.grant(basic, "basic")
		f.createUser(nil)

		d, err := f.svc.Dashboard(f.ctx, f.op)
		if err != nil {
			t.Fatal(err)
		}
		if d.Users.Active != 2 || d.Users.Pending != 1 {
			t.Errorf("tally %+v; want 2 active and 1 pending", d.Users)
		}
		if len(d.SignIns) != admin.DashboardDays {
			t.Fatalf("%d days of sign-ins; want %d", len(d.SignIns), admin.DashboardDays)
		}
		today := f.clock.Now().UTC().Format("2006-01-02")
		if last := d.SignIns[len(d.SignIns)-1].Day.Format("2006-01-02"); last != today {
			t.Errorf("the last day is %s; want today, %s", last, today)
		}
		if !d.ShowActivity || len(d.Activity) == 0 || d.Activity[0].Action != "user.create" {
			t.Errorf("the operator's activity %v (shown: %v); want the newest user.create first", d.Activity, d.ShowActivity)
		}

		st := signInActor(t, f, staff)
		sd, err := f.svc.Dashboard(f.ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if sd.ShowActivity || sd.Activity != nil {
			t.Error("a staff user without audit.view gets the recent activity")
		}
		wantKind(t, func() error { _, err := f.svc.Dashboard(f.ctx, signInActor(t, f, basic)); return err }(), directory.KindForbidden)
	})
}

// signInActor is the actor of a token of u, acting through u's grant.
func signInActor(t *testing.T, f *fixture, u *directory.User) *admin.Actor {
	t.Helper()
	a, _ := f.tokenActor(u, "192.0.2.9", "dashboard")
	return a
}
