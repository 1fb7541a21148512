package console

import (
	"net/http"

	"roster/internal/directory"
)

// userActionRoutes adds the single-user actions of the Actions menu on a
// user's page (and of the padlock of the users list): unlock, disable,
// enable, delete and resend invitation. Each is a form post carrying the
// version of the user it was shown with; a "back" field says where to go
// afterwards (the Security tab by default).
func (h *Handler) userActionRoutes(r router) {
	r.handle("POST /admin/users/{id}/unlock", h.unlockUser)
	r.handle("POST /admin/users/{id}/disable", h.disableUser)
	r.handle("POST /admin/users/{id}/enable", h.enableUser)
	r.handle("POST /admin/users/{id}/delete", h.deleteUser)
	r.handle("POST /admin/users/{id}/resend-invitation", h.resendInvitation)
}

// actionUser loads the user of an action after checking that the actor
// holds perm, so that someone without it gets 403 rather than a question.
// When the action cannot go on it has answered and returns nil.
func (h *Handler) actionUser(w http.ResponseWriter, r *http.Request, perm string) *directory.User {
	a := actorOf(r)
	if !a.Can(directory.Permission(perm)) {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your access does not include this action.")
		return nil
	}
	u, err := h.svc.User(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return nil
	}
	return u
}

// unlockUser clears the lock of a locked account, after confirmation.
func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.unlock")
	if u == nil {
		return
	}
	to := back(r, userURL(u.ID, "security"))
	if !h.confirmed(w, r, confirmation{Title: "Unlock " + u.Name(), Area: "users", Back: to, Button: "Unlock",
		Question: "Unlock " + u.Name() + "? They can sign in again at once, and their failed attempts are cleared."}) {
		return
	}
	if _, err := h.svc.Unlock(r.Context(), actorOf(r), u.ID, version(r)); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, to, u.Name()+" is unlocked.")
}

// disableUser makes a user inactive, after confirmation.
func (h *Handler) disableUser(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.disable")
	if u == nil {
		return
	}
	to := back(r, userURL(u.ID, "security"))
	if !h.confirmed(w, r, confirmation{Title: "Disable " + u.Name(), Area: "users", Back: to, Button: "Disable",
		Danger: true, Question: "Disable " + u.Name() + "? They will be signed out and cannot sign in until enabled again."}) {
		return
	}
	if _, err := h.svc.Disable(r.Context(), actorOf(r), u.ID, version(r)); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, to, u.Name()+" is disabled.")
}

// enableUser makes a disabled user active again (or pending when they never
// set a password). Enabling takes nothing away, so it asks no question.
func (h *Handler) enableUser(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.disable")
	if u == nil {
		return
	}
	out, err := h.svc.Enable(r.Context(), actorOf(r), u.ID, version(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, userURL(u.ID, "security")), u.Name()+" is enabled; their status is "+statusLabel(out.Status)+".")
}

// deleteUser moves a user who never signed in to the recycle bin, after
// confirmation, and goes on to the users list.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.delete")
	if u == nil {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Delete " + u.Name(), Area: "users", Back: back(r, userURL(u.ID, "security")),
		Button: "Move to the recycle bin", Danger: true,
		Question: "Move " + u.Name() + " to the recycle bin? They lose their access until someone restores them."}) {
		return
	}
	if _, err := h.svc.Delete(r.Context(), actorOf(r), u.ID, version(r)); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, "/admin/users"), u.Name()+" is in the recycle bin.")
}

// resendInvitation mails a pending user a new invitation link.
func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request) {
	u := h.actionUser(w, r, "users.invite")
	if u == nil {
		return
	}
	if _, err := h.svc.ResendInvitation(r.Context(), actorOf(r), u.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, userURL(u.ID, "security")), "A new invitation is on its way to "+u.Email+".")
}
