package account

import (
	"net/http"
	"net/url"

	"roster/internal/admin"
	"roster/internal/directory"
)

// setupData is what the set-up form shows.
type setupData struct {
	Org      *directory.Organization
	Criteria []string
}

var setupFields = map[string]fieldRef{
	"email":      {ID: "email", Label: "The email address"},
	"first_name": {ID: "first_name", Label: "The first name"},
	"last_name":  {ID: "last_name", Label: "The last name"},
	"password":   {ID: "password", Label: "The password"},
}

// badSetupLink answers a set-up link that cannot be used.
func (h *Handler) badSetupLink(w http.ResponseWriter, r *http.Request, err error) {
	h.linkError(w, r, err, errorData{Message: "The set-up link may have expired or been used already. " +
		"Restart Roster to have it print a new one, or create the first owner with the roster admin create command.",
		Link: "/login", LinkText: "Go to sign in"})
}

// setupForm shows the form of an organization's set-up link: the first
// owner's email, name and password.
func (h *Handler) setupForm(w http.ResponseWriter, r *http.Request) {
	linkHeaders(w)
	org, list, err := h.svc.OpenSetupLink(r.Context(), r.PathValue("token"))
	if err != nil {
		h.badSetupLink(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "setup", &page{Title: "Set up " + org.Name, Data: setupData{Org: org, Criteria: list}})
}

// setup creates the first owner through the link, signs them in and
// sends them to their account.
func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	linkHeaders(w)
	ctx := r.Context()
	token := r.PathValue("token")
	org, list, err := h.svc.OpenSetupLink(ctx, token)
	if err != nil {
		h.badSetupLink(w, r, err)
		return
	}
	p := &page{Title: "Set up " + org.Name, Data: setupData{Org: org, Criteria: list}}
	p.keep(r, "email", "first_name", "last_name")
	in := admin.OwnerInput{Email: r.PostFormValue("email"), Password: r.PostFormValue("password"),
		FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name")}
	if in.Password != r.PostFormValue("password_confirm") {
		p.fieldError("password_confirm", "", "The two passwords are not the same; type the password twice")
		h.render(w, r, http.StatusUnprocessableEntity, "setup", p)
		return
	}
	u, err := h.svc.CompleteSetup(ctx, token, in)
	if directory.KindOf(err) == directory.KindNotFound {
		h.badSetupLink(w, r, err)
		return
	}
	if err != nil {
		status := p.explain(err, setupFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, status, "setup", p)
		return
	}
	start, err := h.svc.SignIn(ctx, admin.SignInInput{OrgID: org.ID, Login: u.Email, Password: in.Password, Client: client(r)})
	if err != nil {
		// The owner exists; they can sign in by hand.
		h.log.WarnContext(ctx, "cannot sign the new owner in", "error", err)
		to := "/login"
		if org.ID != h.defaultOrg {
			to += "?org=" + url.QueryEscape(org.Slug)
		}
		seeOther(w, r, to)
		return
	}
	h.replaceSession(w, r, start.Secret)
	h.goOnward(w, r, start.Secret, "")
}
