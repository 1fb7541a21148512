package console

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// userTimeOffKinds are the kinds of time off, in the order the form
// offers them.
var userTimeOffKinds = []userOption{
	{Value: string(directory.TimeOffVacation), Label: "Vacation"},
	{Value: string(directory.TimeOffDayOff), Label: "Day off"},
	{Value: string(directory.TimeOffSick), Label: "Sick leave"},
}

// userTimeOffData is what the Time off tab shows.
type userTimeOffData struct {
	Head    userHead
	User    *directory.User
	TimeOff []*directory.TimeOff
	Kind    userSelect
}

// KindLabel names a kind of time off for people.
func (userTimeOffData) KindLabel(k directory.TimeOffKind) string {
	for _, o := range userTimeOffKinds {
		if o.Value == string(k) {
			return o.Label
		}
	}
	return string(k)
}

// userTimeOff shows the Time off tab: the user's days off and vacations,
// and the form that adds one.
func (h *Handler) userTimeOff(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "time-off", "Time off")
	if p == nil {
		return
	}
	h.showTimeOff(w, r, p, u, http.StatusOK)
}

// showTimeOff renders the Time off tab of u with status.
func (h *Handler) showTimeOff(w http.ResponseWriter, r *http.Request, p *page, u *directory.User, status int) {
	list, err := h.svc.TimeOff(r.Context(), actorOf(r), u.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	opts := append([]userOption(nil), userTimeOffKinds...)
	p.Data = userTimeOffData{Head: h.head(u, "time-off"), User: u, TimeOff: list,
		Kind: newUserSelect(p, "kind", "Kind", true, opts)}
	h.render(w, r, status, "user_timeoff", p)
}

// userTimeOffAdd records days off or a vacation; bad dates are shown
// beside their fields with the form filled in again.
func (h *Handler) userTimeOffAdd(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "time-off", "Time off")
	if p == nil {
		return
	}
	p.Keep(r, "kind", "starts_on", "ends_on", "note")
	in := admin.TimeOffInput{Kind: directory.TimeOffKind(r.PostFormValue("kind")), StartsOn: r.PostFormValue("starts_on"),
		EndsOn: r.PostFormValue("ends_on"), Note: r.PostFormValue("note")}
	t, err := h.svc.AddTimeOff(r.Context(), actorOf(r), u.ID, in)
	if err != nil {
		if k := directory.KindOf(err); k != directory.KindInvalid {
			h.failure(w, r, err)
			return
		}
		status := p.Explain(err, map[string]web.FieldRef{
			"kind": {ID: "kind", Label: "Kind"}, "starts_on": {ID: "starts_on", Label: "First day"},
			"ends_on": {ID: "ends_on", Label: "Last day"}, "note": {ID: "note", Label: "Note"}})
		h.showTimeOff(w, r, p, u, status)
		return
	}
	done(w, r, userURL(u.ID, "time-off"), "Time off from "+t.StartsOn+" to "+t.EndsOn+" is recorded for "+u.Name()+".")
}

// userTimeOffDelete removes one range of time off, after confirmation.
func (h *Handler) userTimeOffDelete(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "time-off", "Time off")
	if p == nil {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Remove time off", Question: "Remove this time off of " + u.Name() + "?",
		Button: "Remove time off", Danger: true, Back: userURL(u.ID, "time-off"), Area: "users"}) {
		return
	}
	if err := h.svc.DeleteTimeOff(r.Context(), actorOf(r), u.ID, r.PathValue("off")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, userURL(u.ID, "time-off"), "The time off of "+u.Name()+" is removed.")
}
