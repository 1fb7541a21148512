package account

import (
	"net/http"
	"net/url"

	"roster/internal/admin"
	"roster/internal/directory"
)

// forgotForm asks for the user name or email of an account whose
// password was forgotten.
func (h *Handler) forgotForm(w http.ResponseWriter, r *http.Request) {
	_, slug, ok := h.organization(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "forgot", &page{Title: "Forgot your password?", Org: slug})
}

// forgot mails a reset link when the form names an account that may have
// one, and answers the same page either way: the answer, like its timing
// (which admin keeps constant), says nothing about the account.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	org, slug, ok := h.organization(w, r)
	if !ok {
		return
	}
	if err := h.svc.ForgotPassword(r.Context(), org.ID, r.PostFormValue("username"), client(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "forgot_sent", &page{Title: "Check your email", Org: slug})
}

// resetData is what the reset form shows.
type resetData struct {
	State *admin.ResetState
}

var resetFields = map[string]fieldRef{
	"answer":   {ID: "answer", Label: "The answer"},
	"password": {ID: "password", Label: "The new password"},
}

// linkHeaders keeps a link's secret, which is in the page's address, out
// of the Referer of anything the page loads.
func linkHeaders(w http.ResponseWriter) {
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// badLink answers a reset link that cannot be used.
func (h *Handler) badLink(w http.ResponseWriter, r *http.Request, err error) {
	h.linkError(w, r, err, errorData{Message: "The link may have expired, been used already, or been replaced by a newer one.",
		Link: "/forgot", LinkText: "Ask for a new link"})
}

// linkError answers a link that cannot be used (KindNotFound) with 404 and
// what to do instead, or a server error.
func (h *Handler) linkError(w http.ResponseWriter, r *http.Request, err error, d errorData) {
	if directory.KindOf(err) != directory.KindNotFound {
		h.serverError(w, r, err)
		return
	}
	d.Status = http.StatusNotFound
	h.render(w, r, http.StatusNotFound, "error", &page{Title: "This link is not valid", Data: d})
}

// resetForm shows the form of a reset link: the security question when
// the user has one, and the new password twice.
func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request) {
	linkHeaders(w)
	st, err := h.svc.OpenResetLink(r.Context(), r.PathValue("token"))
	if err != nil {
		h.badLink(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "reset", &page{Title: "Choose a new password", Data: resetData{State: st}})
}

// reset sets the new password through the link and sends the user to
// sign in with it.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	linkHeaders(w)
	ctx := r.Context()
	token := r.PathValue("token")
	st, err := h.svc.OpenResetLink(ctx, token)
	if err != nil {
		h.badLink(w, r, err)
		return
	}
	p := &page{Title: "Choose a new password", Data: resetData{State: st}}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		p.fieldError("password_confirm", "", "The two new passwords are not the same; type the new password twice")
		h.render(w, r, http.StatusUnprocessableEntity, "reset", p)
		return
	}
	_, err = h.svc.CompleteReset(ctx, token, r.PostFormValue("answer"), password, client(r))
	if directory.KindOf(err) == directory.KindNotFound {
		h.badLink(w, r, err)
		return
	}
	if err != nil {
		status := p.explain(err, resetFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, status, "reset", p)
		return
	}
	to := "/login?done=reset"
	if st.OrgSlug != "" && st.User.OrgID != h.defaultOrg {
		to += "&org=" + url.QueryEscape(st.OrgSlug)
	}
	seeOther(w, r, to)
}
