package account

import (
	"net/http"

	"roster/internal/admin"
)

// passwordData is what the password forms show.
type passwordData struct {
	Criteria []string
	// MustChange says an administrator set a temporary password.
	MustChange bool
	// Emulated says the session acts as another user, whose password
	// cannot be changed from here.
	Emulated bool
}

// criteriaView is what the "criteria" template draws.
type criteriaView struct {
	ID   string
	List []string
}

func criteria(id string, list []string) criteriaView { return criteriaView{ID: id, List: list} }

// passwordFields maps admin's field names to the password form's.
var passwordFields = map[string]fieldRef{
	"current_password": {ID: "current_password", Label: "Your current password"},
	"password":         {ID: "password", Label: "The new password"},
}

// passwordForm shows the form to change one's own password, and says why
// when an administrator requires the change.
func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request) {
	h.showPassword(w, r, http.StatusOK, &page{Title: "Change your password", Next: nextParam(r)})
}

func (h *Handler) showPassword(w http.ResponseWriter, r *http.Request, status int, p *page) {
	st := StateFrom(r.Context())
	list, err := h.svc.PasswordCriteria(r.Context(), st.User.OrgID, st.User.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Data = passwordData{Criteria: list, MustChange: st.Gate == admin.GateChangePassword, Emulated: st.Target != nil}
	h.render(w, r, status, "password", p)
}

// changePassword checks the current password and sets the new one. The
// session gets a new secret and the user's other sessions end.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	next := nextParam(r)
	p := &page{Title: "Change your password", Next: next}
	current, password := r.PostFormValue("current_password"), r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		p.fieldError("password_confirm", "", "The two new passwords are not the same; type the new password twice")
		h.showPassword(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	gated := st.Gate != ""
	secret, err := h.svc.ChangeOwnPassword(r.Context(), st, current, password)
	if err != nil {
		status := p.explain(err, passwordFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.showPassword(w, r, status, p)
		return
	}
	h.setSession(w, secret)
	if !gated && next == "" {
		seeOther(w, r, "/account?done=password")
		return
	}
	h.goOnward(w, r, secret, next)
}
