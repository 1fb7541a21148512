package console

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// userSecurityRoutes adds the Security tab of a user's page (status, lock,
// password, MFA, sessions, invitation) with its actions, and the
// single-user actions of the Actions menu.
func (h *Handler) userSecurityRoutes(r router) {
	r.handle("GET /admin/users/{id}/security", h.userSecurity)
	r.handle("POST /admin/users/{id}/password", h.resetUserPassword)
	r.handle("POST /admin/users/{id}/mfa-required", h.setUserMFARequired)
	r.handle("POST /admin/users/{id}/reset-mfa", h.resetUserMFA)
	r.handle("POST /admin/users/{id}/end-sessions", h.endUserSessions)
	h.userActionRoutes(r)
}

// securityData is what the Security tab shows.
type securityData struct {
	Head userHead
	User *directory.User
	// Criteria are the password rules in force for the user.
	Criteria []string
	// Sessions are the user's open sessions; SessionsShown says the actor
	// may see them (users.edit).
	Sessions      []*admin.SessionView
	SessionsShown bool
	// MFABy says who requires MFA of the user: the organization, the
	// administrator's checkbox, or roles of current grants.
	MFABy []string
	// Emulate says the actor may emulate the user.
	Emulate bool
	// Self says the page is the actor's own (passwords and MFA are then
	// managed from the account pages).
	Self bool
}

// userSecurity shows the Security tab.
func (h *Handler) userSecurity(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "security", "Security")
	if p == nil {
		return
	}
	h.renderSecurity(w, r, http.StatusOK, p, u)
}

// renderSecurity fills in and renders the Security tab of u with status
// (a re-rendered form after an error keeps p's values and messages).
func (h *Handler) renderSecurity(w http.ResponseWriter, r *http.Request, status int, p *page, u *directory.User) {
	ctx, a := r.Context(), actorOf(r)
	d := securityData{Head: h.head(u, "security"), User: u, Self: u.ID == a.UserID}
	var err error
	if d.Criteria, err = h.svc.PasswordCriteria(ctx, a.OrgID, u.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	if a.Can("users.edit") && !u.Deleted() {
		d.Sessions, err = h.svc.UserSessions(ctx, a, u.ID)
		switch {
		case err == nil:
			d.SessionsShown = true
		case directory.KindOf(err) == directory.KindForbidden:
			// A user above the actor's level: their sessions stay hidden.
		default:
			h.serverError(w, r, err)
			return
		}
	}
	if org := stateOf(r).Org; org != nil && org.Policy.MFARequired {
		d.MFABy = append(d.MFABy, "the organization's security policy")
	}
	if u.MFARequired {
		d.MFABy = append(d.MFABy, "an administrator (the checkbox below)")
	}
	grants, err := h.svc.Grants(ctx, a, u.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, g := range grants {
		if g.Current && g.Role != nil && g.Role.MFARequired {
			d.MFABy = append(d.MFABy, "the role "+g.Role.Name)
		}
	}
	d.Emulate = a.Can("users.impersonate") && u.Status == directory.StatusActive && !u.Deleted() && !d.Self &&
		a.ImpersonatorID == ""
	p.Data = d
	h.render(w, r, status, "user_security", p)
}

// resetUserPassword runs one of the password actions of the Security tab:
// method "link" mails a reset link, "temporary" sets a password the user
// changes at the next sign-in (unless the box is cleared), "create" sets
// the password of a pending user and activates them. A password that
// breaks the policy is shown beside its field and nothing changes.
func (h *Handler) resetUserPassword(w http.ResponseWriter, r *http.Request) {
	if !actorOf(r).Can("users.reset_password") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your access does not include resetting passwords.")
		return
	}
	method := r.PostFormValue("method")
	in := admin.ResetInput{Method: method}
	switch method {
	case admin.ResetByTemporary:
		in.Password = r.PostFormValue("password")
		must := r.PostFormValue("must_change") == "yes"
		in.RequireChange = &must
	case admin.ResetByCreate:
		in.Password = r.PostFormValue("password")
	default:
		in.Method = admin.ResetByLink
	}
	res, err := h.svc.ResetPassword(r.Context(), actorOf(r), r.PathValue("id"), in)
	if err == nil {
		msg := "The password of " + res.User.Name() + " is set."
		switch in.Method {
		case admin.ResetByLink:
			msg = "A password reset link is on its way to " + res.LinkSentTo + "."
		case admin.ResetByTemporary:
			msg = "A temporary password is set for " + res.User.Name() + "; give it to them in person or by phone."
		case admin.ResetByCreate:
			msg = "The password of " + res.User.Name() + " is set and the account is active."
		}
		done(w, r, userURL(r.PathValue("id"), "security"), msg)
		return
	}
	if directory.KindOf(err) != directory.KindInvalid {
		h.failure(w, r, err)
		return
	}
	p, u := h.userPage(w, r, "security", "Security")
	if p == nil {
		return
	}
	p.FormID = in.Method
	label := "Temporary password"
	if in.Method == admin.ResetByCreate {
		label = "Password"
	}
	status := p.Explain(err, map[string]web.FieldRef{"password": {ID: in.Method + "-password", Label: label}})
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	p.Keep(r, "must_change", "method")
	h.renderSecurity(w, r, status, p, u)
}

// setUserMFARequired ticks or clears the user's "require MFA" checkbox.
func (h *Handler) setUserMFARequired(w http.ResponseWriter, r *http.Request) {
	required := r.PostFormValue("mfa_required") == "yes"
	u, err := h.svc.SetMFARequired(r.Context(), actorOf(r), r.PathValue("id"), required, version(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	msg := "MFA is no longer required of " + u.Name() + " by the checkbox."
	if required {
		msg = "MFA is now required of " + u.Name() + "; they set it up at their next sign-in if they have not yet."
	}
	done(w, r, userURL(u.ID, "security"), msg)
}

// resetUserMFA removes the user's authenticator and recovery codes, after
// confirmation.
func (h *Handler) resetUserMFA(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.reset_password")
	if u == nil {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Reset MFA of " + u.Name(), Area: "users", Back: userURL(u.ID, "security"),
		Button: "Reset MFA", Danger: true, Question: "Remove the authenticator and recovery codes of " + u.Name() +
			"? They are signed out, and set MFA up again at their next sign-in if it is required of them."}) {
		return
	}
	if _, err := h.svc.ResetMFA(r.Context(), actorOf(r), u.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, userURL(u.ID, "security"), "The MFA of "+u.Name()+" is reset.")
}

// endUserSessions signs the user out everywhere, after confirmation.
func (h *Handler) endUserSessions(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.edit")
	if u == nil {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "End the sessions of " + u.Name(), Area: "users", Back: userURL(u.ID, "security"),
		Button: "End sessions", Danger: true, Question: "Sign " + u.Name() + " out everywhere? Their API tokens keep working."}) {
		return
	}
	n, err := h.svc.EndUserSessions(r.Context(), actorOf(r), u.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	msg := "Ended " + number(n) + " sessions of " + u.Name() + "."
	if n == 1 {
		msg = "Ended 1 session of " + u.Name() + "."
	}
	done(w, r, userURL(u.ID, "security"), msg)
}
