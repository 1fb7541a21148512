package console_test

import (
	"strings"
	"testing"
	"time"

	"roster/internal/store/storetest"
)

// TestDashboardCounts checks the cards against a known set of users, the
// links behind them, the sign-in chart and its table, and the recent
// activity.
func TestDashboardCounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		day0 := dashboardDay(f, 0)

		// Day 0: the owner and Alice (twice) sign in.
		f.ownerBrowser()
		alice := f.user("Alice", "staff", "")
		f.signedIn(alice)
		f.signedIn(alice)
		expiring := f.pending("Expiring")
		if _, err := f.svc.ResendInvitation(f.ctx, f.op(), expiring.ID); err != nil {
			t.Fatal(err)
		}

		// Day 1: the first invitation has expired; a second is sent.
		f.clock.Advance(25 * time.Hour)
		day1 := dashboardDay(f, 0)
		waiting := f.pending("Waiting")
		if _, err := f.svc.ResendInvitation(f.ctx, f.op(), waiting.ID); err != nil {
			t.Fatal(err)
		}
		f.pending("Fresh") // invited as they are added
		dora := f.user("Dora", "staff", "")
		if _, err := f.svc.Disable(f.ctx, f.op(), dora.ID, 0); err != nil {
			t.Fatal(err)
		}
		lars := f.user("Lars", "staff", "")
		dashboardWrongPasswords(f, lars.Username, 5)
		if !f.reload(lars).Locked() {
			t.Fatal("Lars is not locked after five wrong passwords")
		}
		gone := f.pending("Gone")
		if _, err := f.svc.Delete(f.ctx, f.op(), gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		f.signedIn(alice)
		b := f.ownerBrowser()

		r := b.get("/admin")
		want(t, r, 200, "")
		for id, n := range map[string]string{
			"card-active":              "3", // the owner, Alice, Lars (locked, but active)
			"card-pending":             "3", // Expiring, Waiting, Fresh (Gone is in the bin)
			"card-disabled":            "1",
			"card-invitations-sent":    "2", // Waiting, Fresh
			"card-invitations-expired": "1",
			"card-locked":              "1",
			"card-recycle-bin":         "1",
		} {
			if got := dashboardFigure(t, r, id); got != n {
				t.Errorf("card %s says %q; want %q", id, got, n)
			}
		}
		for _, href := range []string{"/admin/users?status=active", "/admin/users?status=pending",
			"/admin/users?status=inactive", "/admin/users?status=pending&invitation=sent",
			"/admin/users?status=pending&invitation=expired", "/admin/users?locked=true",
			"/admin/users?license=premium", "/admin/recycle-bin", "/admin/audit"} {
			if !hasLink(r.Body, href) {
				t.Errorf("the dashboard has no link to %s", href)
			}
		}
		says(t, r, "Premium seats used", "Sign-ins per day, last 30 days")

		// Every link leads to a list of exactly the users counted.
		lists := b.get("/admin/users?status=pending&invitation=expired")
		if lists.Code == 200 {
			says(t, lists, "Expiring")
		}

		bars := dashboardBars(t, r)
		wantBars := map[string]int{day0: 3, day1: 2}
		if len(bars) != len(wantBars) {
			t.Errorf("bars %v; want %v", bars, wantBars)
		}
		for day, n := range wantBars {
			if bars[day] != n {
				t.Errorf("the bar of %s counts %d; want %d (bars %v)", day, bars[day], n, bars)
			}
		}
		table := dashboardTable(t, r)
		if len(table) != 30 {
			t.Errorf("the table has %d days; want 30", len(table))
		}
		for day, n := range table {
			if bars[day] != n {
				t.Errorf("the table says %d for %s; the chart %d", n, day, bars[day])
			}
		}
		if !strings.Contains(r.Body, `role="img"`) || !strings.Contains(r.Body, `<desc id="signins-desc">`) {
			t.Error("the chart has no role=img or description")
		}
		says(t, r, "5 sign-ins in all")

		says(t, r, "Recent administrative activity", "user.delete", "user.lock", "user.disable")
		silent(t, r, "session.sign_in")
	})
}

// TestDashboardScoped checks that a site administrator sees the figures of
// their site only, and that a staff user without audit.view sees no
// activity.
func TestDashboardScoped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		sam := f.user("Sam", "administrator", north.ID)
		nora := f.user("Nora", "staff", north.ID)
		stan := f.user("Stan", "staff", south.ID)
		sid := f.user("Sid", "staff", south.ID)
		if _, err := f.svc.Disable(f.ctx, f.op(), sid.ID, 0); err != nil {
			t.Fatal(err)
		}
		f.signedIn(stan)
		f.signedIn(stan)
		f.signedIn(nora)
		b := f.signedIn(sam)

		r := b.get("/admin")
		want(t, r, 200, "")
		if got := dashboardFigure(t, r, "card-active"); got != "2" { // Sam and Nora
			t.Errorf("Sam's dashboard counts %s active users; want 2", got)
		}
		if got := dashboardFigure(t, r, "card-disabled"); got != "0" {
			t.Errorf("Sam's dashboard counts %s disabled users; want 0 (Sid is in South)", got)
		}
		total := 0
		for _, n := range dashboardBars(t, r) {
			total += n
		}
		if total != 2 { // Nora and Sam, not Stan
			t.Errorf("Sam's chart counts %d sign-ins; want 2", total)
		}
		says(t, r, "Recent administrative activity")
		silent(t, r, "Stan", "Sid")

		// The owner sees the whole organization.
		o := f.ownerBrowser().get("/admin")
		if got := dashboardFigure(t, o, "card-active"); got != "4" {
			t.Errorf("the owner's dashboard counts %s active users; want 4", got)
		}

		// Staff may view users but not the audit log.
		staff := f.signedIn(nora).get("/admin")
		want(t, staff, 200, "")
		silent(t, staff, "Recent administrative activity")
		if hasLink(staff.Body, "/admin/audit") || hasLink(staff.Body, "/admin/recycle-bin") {
			t.Error("a staff user is offered the audit log or the recycle bin")
		}
	})
}

// TestDashboardNeedsAdministration checks that a basic user gets no
// dashboard.
func TestDashboardNeedsAdministration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		basic := f.user("Bea", "basic", "")
		r := f.signedIn(basic).get("/admin")
		want(t, r, 403, "")
		silent(t, r, "Active users")
	})
}
