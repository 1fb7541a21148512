package web

import "roster/internal/admin"

// Banner says whom a session is acting as, for the banner every page
// shows while a user emulates another.
type Banner struct {
	Name, Reason, Ends string
}

// EmulationBanner returns the banner of a session, or nil when it acts as
// nobody else.
func EmulationBanner(st *admin.SessionState) *Banner {
	if st == nil || st.Target == nil || st.Session == nil {
		return nil
	}
	return &Banner{Name: st.Target.Name(), Reason: st.Session.ImpersonationReason,
		Ends: ClockTime(st.Session.ImpersonationEndsAt)}
}
