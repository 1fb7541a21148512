package account

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
)

// signInRefused is the one message of every refused sign-in, whatever the
// reason, so that the page never tells whether an account exists.
const signInRefused = "The user name or password is not right. Check them and try again."

// loginNotices are the messages other pages send people to /login with.
var loginNotices = map[string]string{
	"signed-out": "You have signed out.",
	"reset":      "Your new password is set. Sign in with it.",
	"invite":     "Your password is set and your account is ready. Sign in with it.",
}

// loginData is what the sign-in form shows.
type loginData struct {
	Refused bool
}

// organization returns the organization a public form acts on: the one
// its "org" field names, or the default one. An unknown slug answers 404
// and reports false.
func (h *Handler) organization(w http.ResponseWriter, r *http.Request) (*directory.Organization, string, bool) {
	slug := r.FormValue("org")
	if slug == "" {
		return &directory.Organization{ID: h.defaultOrg}, "", true
	}
	org, err := h.orgBySlug(r.Context(), slug)
	if directory.KindOf(err) == directory.KindNotFound {
		h.errorPage(w, r, http.StatusNotFound, "Organization not found",
			"There is no organization with this name here. Check the address you were given.")
		return nil, "", false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, "", false
	}
	return org, slug, true
}

// loginForm shows the sign-in form. Someone already signed in goes on.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := nextParam(r)
	if secret := h.sessionSecret(r); secret != "" {
		st, err := h.svc.ResolveSession(r.Context(), secret, client(r))
		if err == nil && st.Gate == "" && !st.ChooseGrant {
			to := next
			if to == "" {
				to = "/account"
			}
			seeOther(w, r, to)
			return
		}
	}
	_, slug, ok := h.organization(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "login", &page{Title: "Sign in", Next: next, Org: slug,
		Notice: loginNotices[r.FormValue("done")], Data: loginData{}})
}

// login checks the form's user name and password. A refusal, for whatever
// reason, gets the same page (401) with the one message, so that nothing
// in the answer tells whether the account exists. Success replaces any
// earlier session, sets the cookie and goes on (303) to the second factor,
// a gate, the choice of credentials, or next.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	c := client(r)
	if wait := h.throttle.wait(c.IP); wait > 0 {
		h.tooMany(w, r, wait)
		return
	}
	org, slug, ok := h.organization(w, r)
	if !ok {
		return
	}
	next := nextParam(r)
	start, err := h.svc.SignIn(r.Context(), admin.SignInInput{OrgID: org.ID, Login: r.PostFormValue("username"),
		Password: r.PostFormValue("password"), Client: c})
	if directory.KindOf(err) == directory.KindUnauthorized {
		h.throttle.fail(c.IP)
		p := &page{Title: "Sign in", Next: next, Org: slug, Data: loginData{Refused: true}}
		p.formError("signin-error", signInRefused)
		p.keep(r, "username")
		h.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.replaceSession(w, r, start.Secret)
	if start.NeedsSecondFactor {
		seeOther(w, r, withNext("/login/mfa", next))
		return
	}
	h.goOnward(w, r, start.Secret, next)
}

// replaceSession ends the session the browser held before (if any) and
// sets the new one: a sign-in always starts a session with a new id.
func (h *Handler) replaceSession(w http.ResponseWriter, r *http.Request, secret string) {
	if old := h.sessionSecret(r); old != "" && old != secret {
		if err := h.svc.SignOut(r.Context(), old, client(r)); err != nil {
			h.log.WarnContext(r.Context(), "cannot end the previous session", "error", err)
		}
	}
	h.setSession(w, secret)
}

// tooMany answers a client address that failed to sign in too often.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	mins := (secs + 59) / 60
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	msg := "There have been too many failed sign-in attempts from your network. Try again in " + strconv.Itoa(mins) + " minute"
	if mins != 1 {
		msg += "s"
	}
	h.errorPage(w, r, http.StatusTooManyRequests, "Too many attempts", msg+".")
}

// secondFactorForm asks for the TOTP or recovery code a sign-in owes.
func (h *Handler) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	if st.Gate != admin.GateSecondFactor {
		seeOther(w, r, "/account")
		return
	}
	h.render(w, r, http.StatusOK, "second_factor", &page{Title: "Enter your code", Next: nextParam(r)})
}

// secondFactor checks the code. Success gives the session a new secret
// and goes on; a wrong code shows the form again (401).
func (h *Handler) secondFactor(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	if st.Gate != admin.GateSecondFactor {
		seeOther(w, r, "/account")
		return
	}
	c := client(r)
	if wait := h.throttle.wait(c.IP); wait > 0 {
		h.tooMany(w, r, wait)
		return
	}
	next := nextParam(r)
	start, err := h.svc.SecondFactor(r.Context(), h.sessionSecret(r), r.PostFormValue("code"), c)
	switch {
	case errors.Is(err, admin.ErrSignIn):
		// The session is gone (ended, lapsed, or the account locked).
		h.clearSession(w)
		seeOther(w, r, "/login")
		return
	case directory.KindOf(err) == directory.KindUnauthorized:
		h.throttle.fail(c.IP)
		p := &page{Title: "Enter your code", Next: next}
		p.fieldError("code", "", "The code is not right. Enter the code your app shows now, or an unused recovery code")
		h.render(w, r, http.StatusUnauthorized, "second_factor", p)
		return
	case directory.KindOf(err) == directory.KindConflict:
		seeOther(w, r, "/account")
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	h.setSession(w, start.Secret)
	h.goOnward(w, r, start.Secret, next)
}

// grantData is what the choice of credentials shows.
type grantData struct {
	Grants   []*admin.GrantView
	Active   string
	Checked  string
	Emulated bool
}

// grantForm lists the user's current grants to choose the active one
// from.
func (h *Handler) grantForm(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Choose your credentials", Next: nextParam(r)}
	h.showGrants(w, r, http.StatusOK, p)
}

func (h *Handler) showGrants(w http.ResponseWriter, r *http.Request, status int, p *page) {
	st := StateFrom(r.Context())
	d := grantData{Emulated: st.Target != nil}
	if !d.Emulated {
		all, active, err := h.svc.MyGrants(r.Context(), st.Actor)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		for _, g := range all {
			if g.Current {
				d.Grants = append(d.Grants, g)
			}
		}
		d.Active, d.Checked = active, active
		if p.Value("grant_id") != "" {
			d.Checked = p.Value("grant_id")
		}
	}
	p.Data = d
	h.render(w, r, status, "grant", p)
}

// chooseGrant makes the posted grant the active one; the session gets a
// new secret.
func (h *Handler) chooseGrant(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	next := nextParam(r)
	secret, err := h.svc.ChooseGrant(r.Context(), st, r.PostFormValue("grant_id"))
	if err != nil {
		p := &page{Title: "Choose your credentials", Next: next}
		status := p.explain(err, map[string]fieldRef{"grant_id": {ID: "grants", Label: "The credentials you chose"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		p.keep(r, "grant_id")
		h.showGrants(w, r, status, p)
		return
	}
	h.setSession(w, secret)
	if next == "" {
		next = "/account"
	}
	seeOther(w, r, next)
}

// logout ends the session of the cookie, if any, and clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	h.clearSession(w)
	if secret := h.sessionSecret(r); secret != "" {
		if err := h.svc.SignOut(r.Context(), secret, client(r)); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	seeOther(w, r, "/login?done=signed-out")
}
