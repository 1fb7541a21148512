package admin

import (
	"context"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// DashboardDays is the number of days the dashboard's sign-in chart
// covers, today included.
const DashboardDays = 30

// dashboardActivity is the number of recent audit events the dashboard
// lists.
const dashboardActivity = 10

// personalActions are the audit actions people cause by using their own
// account; the dashboard's recent activity leaves them out so that the
// administrative changes are not drowned by sign-ins.
var personalActions = []string{"session.sign_in", "session.sign_out", "session.active_grant"}

// Dashboard is the organization at a glance, as one actor may see it.
type Dashboard struct {
	// Users counts the users the actor may view, by state.
	Users store.UserTally
	// SeatLimit is the premium seat limit (negative = none); SeatsUsed
	// the premium seats in use across the organization.
	SeatLimit, SeatsUsed int
	// SignIns holds one entry per day for the last DashboardDays days
	// (UTC), oldest first, counting the sign-ins of the users the actor
	// may view.
	SignIns []store.DayCount
	// Activity lists the newest administrative audit events the actor
	// may read, newest first; ShowActivity is false (and Activity nil)
	// when the actor may not read the audit log.
	Activity     []*directory.AuditEvent
	ShowActivity bool
}

// Dashboard returns the counts, sign-ins and recent activity the console
// opens with. It takes users.view (KindForbidden); an actor limited to
// part of the organization gets the counts of that part. The recent
// activity needs audit.view as well and is left out without it.
func (s *Service) Dashboard(ctx context.Context, a *Actor) (*Dashboard, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	now := s.now()
	scope := a.listScope()
	tally, err := s.db.TallyUsers(ctx, a.OrgID, scope, now.UnixMicro())
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Users: *tally}
	o, err := s.db.Organization(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	d.SeatLimit = o.PremiumSeatLimit
	if d.SeatsUsed, err = s.db.PremiumSeatsUsed(ctx, a.OrgID); err != nil {
		return nil, err
	}
	today := now.UTC().Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, 1-DashboardDays)
	counts, err := s.db.SignInsPerDay(ctx, a.OrgID, from, today.AddDate(0, 0, 1), scope)
	if err != nil {
		return nil, err
	}
	d.SignIns = everyDay(from, DashboardDays, counts)
	if a.Can("audit.view") {
		d.ShowActivity = true
		var as *store.AuditScope
		if !a.OrgWide() {
			as = &store.AuditScope{Users: scope, UnitPath: a.scopePath, ActorID: a.UserID}
		}
		if d.Activity, err = s.db.RecentAudit(ctx, a.OrgID, personalActions, as, dashboardActivity); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// everyDay spreads counts (some days, oldest first) over n days from
// from, with zero for the days without any.
func everyDay(from time.Time, n int, counts []store.DayCount) []store.DayCount {
	out := make([]store.DayCount, n)
	byDay := make(map[time.Time]int, len(counts))
	for _, c := range counts {
		byDay[c.Day] = c.N
	}
	for i := range out {
		day := from.AddDate(0, 0, i)
		out[i] = store.DayCount{Day: day, N: byDay[day]}
	}
	return out
}
