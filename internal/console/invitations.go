package console

import (
	"net/http"
	"net/url"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// invitationsPerPage is the length of a page of the invitations list.
const invitationsPerPage = 50

// invitationRoutes adds the routes of this screen.
func (h *Handler) invitationRoutes(r router) {
	r.handle("GET /admin/invitations", h.invitations)
	r.handle("POST /admin/invitations/{user_id}/resend", h.resendPendingInvitation)
	r.handle("POST /admin/invitations/{user_id}/revoke", h.revokePendingInvitation)
	r.handle("GET /admin/invitations/bulk", h.bulkInviteForm)
	r.handle("POST /admin/invitations/bulk", h.bulkInvite)
}

// invitationStates are the filters of the list, in the order offered.
var invitationStates = []struct{ Value, Label string }{
	{"", "All pending"},
	{directory.InvitationSent, "Sent"},
	{directory.InvitationExpired, "Expired"},
	{directory.InvitationNever, "Never sent"},
}

// invitationsData is what the invitations list shows.
type invitationsData struct {
	Rows   []invitationRow
	State  string
	States []struct{ Value, Label string }
	Total  int
	Pager  pager
	// Back is this page with its filter and position, where the row
	// actions return.
	Back string
}

// invitationRow is one pending user of the list.
type invitationRow struct {
	ID, Name, Email, State, SentBy string
	// Label names the state for people; Badge is its badge class.
	Label, Badge      string
	SentAt, ExpiresAt time.Time
	// Live says a link still works (it can be revoked).
	Live bool
}

// invitations lists the pending users with their invitation state.
func (h *Handler) invitations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if !directory.ValidInvitationFilter(state) {
		state = ""
	}
	pg, err := h.svc.PendingInvitations(r.Context(), actorOf(r), state,
		keysetFrom[store.Cursor](q.Get("after")), invitationsPerPage)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := invitationsData{State: state, States: invitationStates, Total: pg.Total,
		Pager: pageLinks(r.URL.Path, url.Values{"state": {state}, "after": {q.Get("after")}}, keysetToken(pg.Next)),
		Back:  withQuery(r.URL.Path, cloneValues(url.Values{"state": {state}, "after": {q.Get("after")}}))}
	for _, row := range pg.Rows {
		u := row.User
		ir := invitationRow{ID: u.ID, Name: u.Name(), Email: u.Email, SentBy: row.SentBy, State: directory.InvitationNever}
		if inv := u.Invitation; inv != nil {
			ir.State, ir.SentAt, ir.ExpiresAt = inv.State, inv.SentAt, inv.ExpiresAt
			ir.Live = inv.State == directory.InvitationSent
		}
		ir.Label, ir.Badge = invitationStateLabel(ir.State)
		d.Rows = append(d.Rows, ir)
	}
	h.render(w, r, http.StatusOK, "invitations", &page{Title: "Invitations", Area: "invitations", Data: d})
}

// resendPendingInvitation mails a pending user a new link, voiding the old ones.
func (h *Handler) resendPendingInvitation(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.ResendInvitation(r.Context(), actorOf(r), r.PathValue("user_id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, "/admin/invitations"), "A new invitation was sent to "+u.Name()+"; the earlier link no longer works.")
}

// revokePendingInvitation voids a pending user's invitation link, after asking.
func (h *Handler) revokePendingInvitation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Revoke the invitation",
		Question: "The invitation link stops working at once. The user stays pending; you can send a new invitation later.",
		Button:   "Revoke invitation", Danger: true, Back: back(r, "/admin/invitations"), Area: "invitations"}) {
		return
	}
	u, err := h.svc.RevokeInvitation(r.Context(), actorOf(r), r.PathValue("user_id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, "/admin/invitations"), "The invitation of "+u.Name()+" was revoked.")
}

// invitationStateLabel names an invitation state for people, with the
// class of its badge.
func invitationStateLabel(s string) (string, string) {
	switch s {
	case directory.InvitationSent:
		return "Sent", "ok"
	case directory.InvitationExpired:
		return "Expired", "bad"
	case directory.InvitationNever:
		return "Never sent", "wait"
	case directory.InvitationAccepted:
		return "Accepted", "info"
	}
	return s, "info"
}

// bulkInviteData is what the bulk invitation form shows: the choices, and
// after a post the result of each address.
type bulkInviteData struct {
	Roles   []*directory.Role
	Units   []*directory.Unit
	Max     int
	Results []bulkResult
	Counts  []bulkCount
}

// bulkResult is the outcome of one address.
type bulkResult struct {
	Email, Outcome, Label, Detail, UserID string
	OK                                    bool
}

// bulkCount is how many addresses had one outcome.
type bulkCount struct {
	Label string
	N     int
}

// bulkOutcomes names the outcomes of a bulk invitation for people, in the
// order the counts are shown.
var bulkOutcomes = []struct{ Key, Label string }{
	{admin.InviteInvited, "Invited"},
	{admin.InviteAlreadyAUser, "Already a user"},
	{admin.InviteInvalidAddress, "Invalid address"},
	{admin.InviteRepeated, "Repeated in the list"},
	{admin.InviteNotAllowed, "Not allowed"},
}

// bulkInviteChoices loads the roles and units the form offers: the roles
// an actor may give in a bulk invitation (at or below their level, without
// grant fields) and the live units of their scope.
func (h *Handler) bulkInviteChoices(r *http.Request) (bulkInviteData, error) {
	a := actorOf(r)
	d := bulkInviteData{Max: admin.MaxBulkInvitations}
	roles, err := h.svc.Roles(r.Context(), a)
	if err != nil {
		return d, err
	}
	for _, role := range roles {
		if role.Level <= a.Level() && len(role.RequiredFields) == 0 {
			d.Roles = append(d.Roles, role)
		}
	}
	units, err := h.svc.Units(r.Context(), a, store.UnitFilter{})
	if err != nil {
		return d, err
	}
	d.Units = units
	return d, nil
}

// bulkInviteForm shows the bulk invitation form.
func (h *Handler) bulkInviteForm(w http.ResponseWriter, r *http.Request) {
	if !actorOf(r).Can("users.invite") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow inviting users.")
		return
	}
	d, err := h.bulkInviteChoices(r)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "invitations_bulk", bulkPage(d))
}

func bulkPage(d bulkInviteData) *page {
	return &page{Title: "Invite many people", Area: "invitations",
		Crumbs: []crumb{{"Invitations", "/admin/invitations"}, {"Invite many people", ""}}, Data: d}
}

// bulkInvite invites every pasted address and shows what became of each.
func (h *Handler) bulkInvite(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	in := admin.BulkInviteInput{Emails: r.PostFormValue("emails"), RoleID: r.PostFormValue("role_id"),
		UnitIDs: r.PostForm["unit_ids"], RequireMFA: r.PostFormValue("require_mfa") == "yes"}
	results, err := h.svc.BulkInvite(r.Context(), actorOf(r), in)
	d, cerr := h.bulkInviteChoices(r)
	if cerr != nil {
		h.failure(w, r, cerr)
		return
	}
	p := bulkPage(d)
	if err != nil {
		status := p.Explain(err, map[string]web.FieldRef{
			"emails":   {ID: "emails", Label: "Addresses"},
			"role_id":  {ID: "role_id", Label: "Role"},
			"unit_ids": {ID: "unit_ids", Label: "Units"},
		})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		if status == http.StatusForbidden || status == http.StatusUnauthorized {
			h.failure(w, r, err)
			return
		}
		p.Keep(r, "emails", "role_id", "unit_ids", "require_mfa")
		h.render(w, r, status, "invitations_bulk", p)
		return
	}
	counts := map[string]int{}
	for _, res := range results {
		counts[res.Outcome]++
		br := bulkResult{Email: res.Email, Outcome: res.Outcome, Detail: res.Detail, UserID: res.UserID,
			OK: res.Outcome == admin.InviteInvited, Label: res.Outcome}
		for _, o := range bulkOutcomes {
			if o.Key == res.Outcome {
				br.Label = o.Label
			}
		}
		d.Results = append(d.Results, br)
	}
	for _, o := range bulkOutcomes {
		if counts[o.Key] > 0 {
			d.Counts = append(d.Counts, bulkCount{Label: o.Label, N: counts[o.Key]})
		}
	}
	p.Data = d
	p.Flash = number(counts[admin.InviteInvited]) + " of " + number(len(results)) + " addresses invited."
	h.render(w, r, http.StatusOK, "invitations_bulk", p)
}
