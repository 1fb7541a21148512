package account

import (
	"net/http"

	"roster/internal/directory"
)

// emulateData is what the form to act as another user shows.
type emulateData struct {
	Target *directory.User
	// Already is the user the session acts as now, if any.
	Already *directory.User
}

var emulateFields = map[string]fieldRef{
	"current_password": {ID: "current_password", Label: "Your password"},
	"reason":           {ID: "reason", Label: "The reason"},
}

// emulateForm asks for the password again and a reason before acting as
// another user.
func (h *Handler) emulateForm(w http.ResponseWriter, r *http.Request) {
	h.showEmulate(w, r, http.StatusOK, &page{})
}

func (h *Handler) showEmulate(w http.ResponseWriter, r *http.Request, status int, p *page) {
	st := StateFrom(r.Context())
	if st.Target == nil && !st.Actor.Can("users.impersonate") {
		// admin refuses the post too; this spares the user a form that
		// cannot work.
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow acting as other users.")
		return
	}
	target, err := h.svc.User(r.Context(), st.Actor, r.PathValue("user_id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Title = "Act as " + target.Name()
	p.Data = emulateData{Target: target, Already: st.Target}
	h.render(w, r, status, "emulate", p)
}

// emulate starts acting as the user; the session gets a new secret.
func (h *Handler) emulate(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	secret, err := h.svc.StartImpersonation(r.Context(), st, r.PathValue("user_id"),
		r.PostFormValue("current_password"), r.PostFormValue("reason"))
	if err != nil {
		if directory.KindOf(err) == directory.KindNotFound {
			h.failure(w, r, err)
			return
		}
		p := &page{}
		status := p.explain(err, emulateFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		p.keep(r, "reason")
		h.showEmulate(w, r, status, p)
		return
	}
	h.setSession(w, secret)
	seeOther(w, r, "/account?done=emulating")
}

// stopEmulating ends acting as another user; the session gets a new
// secret.
func (h *Handler) stopEmulating(w http.ResponseWriter, r *http.Request) {
	secret, err := h.svc.StopImpersonation(r.Context(), StateFrom(r.Context()))
	if directory.KindOf(err) == directory.KindConflict {
		seeOther(w, r, "/account")
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.setSession(w, secret)
	seeOther(w, r, "/account?done=emulation-over")
}
