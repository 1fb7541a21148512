package console

import (
	"errors"
	"net/http"

	"roster/internal/directory"
	"roster/internal/web"
)

// userEmailData is what the change-email form shows.
type userEmailData struct {
	User    *directory.User
	Version int64
	// Existing is the user who already has the address asked for, when
	// the actor may see them.
	Existing *directory.UserRef
}

// userEmailForm shows the form that changes a user's email, an action of
// its own (audited apart from ordinary edits).
func (h *Handler) userEmailForm(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "general", "Change email")
	if p == nil {
		return
	}
	p.Set("email", u.Email)
	h.showEmail(w, r, p, u, u.Version, nil, http.StatusOK)
}

// showEmail renders the change-email form of u with status.
func (h *Handler) showEmail(w http.ResponseWriter, r *http.Request, p *page, u *directory.User, ver int64, existing *directory.UserRef, status int) {
	p.Title = "Change the email of " + u.Name()
	p.Crumbs = []crumb{{Text: "Users", Href: "/admin/users"}, {Text: u.Name(), Href: userURL(u.ID)}, {Text: "Change email"}}
	p.Data = userEmailData{User: u, Version: ver, Existing: existing}
	h.render(w, r, status, "user_email", p)
}

// userEmail changes a user's email. An address that belongs to someone
// else is refused with a link to that person.
func (h *Handler) userEmail(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "general", "Change email")
	if p == nil {
		return
	}
	p.Keep(r, "email")
	ver := version(r)
	saved, err := h.svc.ChangeEmail(r.Context(), actorOf(r), u.ID, ver, r.PostFormValue("email"))
	if err != nil {
		switch directory.KindOf(err) {
		case directory.KindPrecondition:
			p.GeneralError("Someone changed this user since you opened the form. Check the address and save again")
			h.showEmail(w, r, p, u, u.Version, nil, http.StatusConflict)
			return
		case directory.KindNotFound, directory.KindForbidden, directory.KindUnauthorized:
			h.failure(w, r, err)
			return
		}
		status := p.Explain(err, map[string]web.FieldRef{"email": {ID: "email", Label: "Email"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		var e *directory.Error
		var existing *directory.UserRef
		if errors.As(err, &e) {
			existing = e.Existing
		}
		h.showEmail(w, r, p, u, ver, existing, status)
		return
	}
	done(w, r, userURL(u.ID), "The email of "+saved.Name()+" is now "+saved.Email+".")
}
