package account

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/logging"
	"roster/internal/web"
)

// Middleware resolves the session cookie of each request and passes the
// session on in the request context (see StateFrom). A request without a
// valid session is sent (303) to /login, with the page it asked for as
// "next". A session with a gate to clear (second factor, password change,
// MFA enrolment) reaches only the gate's page and /logout; any other page
// sends it (303) to the gate's page, so that going straight to another URL
// cannot skip the gate.
func (h *Handler) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := h.resolve(w, r)
		if !ok {
			return
		}
		if st.Gate != "" && !gateAllows(st.Gate, r.URL.Path) {
			seeOther(w, r, gatePage(st.Gate))
			return
		}
		logging.SetActor(r.Context(), st.User.OrgID, st.User.ID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// resolve returns the session of r's cookie. When there is none it has
// answered the request (a redirect to /login, or an error page) and
// reports false.
func (h *Handler) resolve(w http.ResponseWriter, r *http.Request) (*admin.SessionState, bool) {
	secret := h.sessionSecret(r)
	if secret == "" {
		seeOther(w, r, loginURL(r))
		return nil, false
	}
	st, err := h.svc.ResolveSession(r.Context(), secret, client(r))
	if directory.KindOf(err) == directory.KindUnauthorized {
		h.clearSession(w)
		seeOther(w, r, loginURL(r))
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return st, true
}

// loginURL is where a request without a session goes: the sign-in form,
// told to come back to the page asked for. The sign-in pages themselves
// are not worth coming back to.
func loginURL(r *http.Request) string {
	target := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	if strings.HasPrefix(target, "/login") || !localPath(target) {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(target)
}

// gatePage is the page where a gate is cleared.
func gatePage(gate string) string {
	switch gate {
	case admin.GateSecondFactor:
		return "/login/mfa"
	case admin.GateChangePassword:
		return "/account/password"
	case admin.GateEnrolMFA:
		return "/account/mfa"
	}
	return "/login"
}

// gateAllows reports whether a session held by gate may reach path.
func gateAllows(gate, path string) bool {
	return path == "/logout" || path == gatePage(gate)
}

// localPath reports whether next is safe to redirect to (web.LocalPath).
func localPath(next string) bool { return web.LocalPath(next) }

// nextParam returns the safe "next" of r (form or query), or "".
func nextParam(r *http.Request) string {
	n := r.FormValue("next")
	if !localPath(n) {
		return ""
	}
	return n
}

// withNext adds a "next" query parameter to path when next is set.
func withNext(path, next string) string {
	if next == "" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}

// onward resolves a session whose secret was just handed out and returns
// where its user goes next: the page of a gate still to clear, the choice
// of credentials, or next (the account page by default).
func (h *Handler) onward(ctx context.Context, secret string, c admin.Client, next string) (string, error) {
	st, err := h.svc.ResolveSession(ctx, secret, c)
	if err != nil {
		return "", err
	}
	switch {
	case st.Gate != "":
		return withNext(gatePage(st.Gate), next), nil
	case st.ChooseGrant:
		return withNext("/login/grant", next), nil
	case next != "":
		return next, nil
	}
	return "/account", nil
}

// goOnward redirects to where onward says, or answers the error.
func (h *Handler) goOnward(w http.ResponseWriter, r *http.Request, secret, next string) {
	to, err := h.onward(r.Context(), secret, client(r), next)
	if directory.KindOf(err) == directory.KindUnauthorized {
		h.clearSession(w)
		seeOther(w, r, "/login")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	seeOther(w, r, to)
}
