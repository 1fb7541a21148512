package account

import (
	"net/http"
	"net/url"

	"roster/internal/admin"
	"roster/internal/directory"
)

// inviteData is what the invitation form shows.
type inviteData struct {
	State *admin.InvitationState
}

var inviteFields = map[string]fieldRef{
	"password": {ID: "password", Label: "The password"},
}

// badInvitation answers an invitation link that cannot be used, with the
// page reset links get.
func (h *Handler) badInvitation(w http.ResponseWriter, r *http.Request, err error) {
	h.linkError(w, r, err, errorData{Message: "The invitation may have expired, been accepted already, or been replaced by a newer one. " +
		"Ask the person who invited you to send a new invitation.", Link: "/login", LinkText: "Go to sign in"})
}

// inviteForm shows an invitation: the organization, the user it is for,
// and the password form with the rules in force. Opening it changes
// nothing, so the link works as often as it is opened until accepted.
func (h *Handler) inviteForm(w http.ResponseWriter, r *http.Request) {
	linkHeaders(w)
	st, err := h.svc.OpenInvitation(r.Context(), r.PathValue("token"))
	if err != nil {
		h.badInvitation(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "invite", &page{Title: "Join " + st.OrgName, Data: inviteData{State: st}})
}

// acceptInvite sets the user's first password through the link, which
// activates them, signs them in and sends them on: to set up MFA first
// when it is required of them, else to their account.
func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request) {
	linkHeaders(w)
	ctx := r.Context()
	token := r.PathValue("token")
	st, err := h.svc.OpenInvitation(ctx, token)
	if err != nil {
		h.badInvitation(w, r, err)
		return
	}
	p := &page{Title: "Join " + st.OrgName, Data: inviteData{State: st}}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		p.fieldError("password_confirm", "", "The two passwords are not the same; type the password twice")
		h.render(w, r, http.StatusUnprocessableEntity, "invite", p)
		return
	}
	u, err := h.svc.AcceptInvitation(ctx, token, password, client(r))
	if directory.KindOf(err) == directory.KindNotFound {
		h.badInvitation(w, r, err)
		return
	}
	if err != nil {
		status := p.explain(err, inviteFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, status, "invite", p)
		return
	}
	start, err := h.svc.SignIn(ctx, admin.SignInInput{OrgID: st.OrgID, Login: u.Username, Password: password, Client: client(r)})
	if err != nil {
		// The account is active; the user can sign in by hand.
		h.log.WarnContext(ctx, "cannot sign an invited user in", "error", err)
		to := "/login?done=invite"
		if st.OrgID != h.defaultOrg {
			to += "&org=" + url.QueryEscape(st.OrgSlug)
		}
		seeOther(w, r, to)
		return
	}
	h.replaceSession(w, r, start.Secret)
	h.goOnward(w, r, start.Secret, "")
}
