// Package account serves the pages people use for their own account:
// signing in (with a second factor and a choice of credentials), signing
// out, the account page with its sessions, changing the password, setting
// up an authenticator app and recovery codes, the security question,
// "forgot password" and reset links, the first owner's set-up link, and
// acting as another user ("emulate"). The pages are rendered on the server
// from embedded templates and work without JavaScript.
//
// Every rule lives in admin; a handler here decodes a form, calls one
// admin method and renders the outcome. The package also exports the
// session middleware (Middleware, StateFrom) that the admin console reuses.
package account

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/logging"
	"roster/internal/web"
)

// Cookie names. The __Host- prefix makes browsers insist on Secure,
// Path=/ and no Domain, so that no other host can plant the cookie; it is
// only usable over https.
const (
	cookieSecure = "__Host-roster_session"
	cookiePlain  = "roster_session"
)

// Throttle defaults: failed sign-ins allowed from one client address
// within the window.
const (
	defaultThrottleFailures = 20
	defaultThrottleWindow   = 15 * time.Minute
)

// maxFormBytes bounds the body of every form post: the largest form here
// (the set-up form) is far below it.
const maxFormBytes = 64 << 10

// Options configure a Handler.
type Options struct {
	// Service runs every use case. Required.
	Service *admin.Service
	// DefaultOrgID is the organization people sign in to when the sign-in
	// form names none.
	DefaultOrgID string
	// OrgBySlug finds the organization a form names with its "org" field;
	// nil uses Service.Organization. It returns a KindNotFound error for an
	// unknown slug.
	OrgBySlug func(ctx context.Context, slug string) (*directory.Organization, error)
	// BaseURL is the public URL of the service. When it starts with
	// https:// the session cookie is Secure and named with the __Host-
	// prefix.
	BaseURL string
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
	// Clock returns the current time, for the sign-in throttle; nil uses
	// time.Now.
	Clock func() time.Time
	// ThrottleFailures failed sign-ins from one client address within
	// ThrottleWindow make that address wait (429) until the oldest of them
	// leaves the window. Defaults: 20 failures in 15 minutes.
	ThrottleFailures int
	ThrottleWindow   time.Duration
}

// Handler serves the sign-in and account pages. Build it with New.
type Handler struct {
	svc        *admin.Service
	defaultOrg string
	orgBySlug  func(ctx context.Context, slug string) (*directory.Organization, error)
	secure     bool
	cookieName string
	log        *slog.Logger
	clock      func() time.Time
	throttle   *throttle
	pages      *pages
}

// New returns a Handler for o. It panics when o has no Service or the
// embedded templates do not parse, both mistakes of the program.
func New(o Options) *Handler {
	if o.Service == nil {
		panic("account: Options.Service is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.OrgBySlug == nil {
		o.OrgBySlug = o.Service.Organization
	}
	if o.ThrottleFailures <= 0 {
		o.ThrottleFailures = defaultThrottleFailures
	}
	if o.ThrottleWindow <= 0 {
		o.ThrottleWindow = defaultThrottleWindow
	}
	h := &Handler{
		svc:        o.Service,
		defaultOrg: o.DefaultOrgID,
		orgBySlug:  o.OrgBySlug,
		secure:     strings.HasPrefix(o.BaseURL, "https://"),
		log:        o.Logger,
		clock:      o.Clock,
		throttle:   newThrottle(o.ThrottleFailures, o.ThrottleWindow, o.Clock),
		pages:      mustParsePages(),
	}
	h.cookieName = cookiePlain
	if h.secure {
		h.cookieName = cookieSecure
	}
	return h
}

// Routes returns the handler's http.ServeMux patterns. Every route refuses
// cross-origin form posts (http.CrossOriginProtection); every page is sent
// with Cache-Control: no-store.
func (h *Handler) Routes() map[string]http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	open := func(fn http.HandlerFunc) http.Handler { return cop.Handler(h.pageHeaders(fn)) }
	signed := func(fn http.HandlerFunc) http.Handler { return cop.Handler(h.pageHeaders(h.Middleware(fn))) }
	return map[string]http.Handler{
		"GET " + web.StylesheetPath: cop.Handler(http.HandlerFunc(web.ServeStylesheet)),

		"GET /login":        open(h.loginForm),
		"POST /login":       open(h.login),
		"GET /login/mfa":    signed(h.secondFactorForm),
		"POST /login/mfa":   signed(h.secondFactor),
		"GET /login/grant":  signed(h.grantForm),
		"POST /login/grant": signed(h.chooseGrant),
		"POST /logout":      open(h.logout),

		"GET /account":                      signed(h.accountPage),
		"POST /account/sessions/{id}/end":   signed(h.endSession),
		"POST /account/sessions/end-others": signed(h.endOtherSessions),
		"GET /account/password":             signed(h.passwordForm),
		"POST /account/password":            signed(h.changePassword),
		"GET /account/mfa":                  signed(h.mfaPage),
		"POST /account/mfa":                 signed(h.confirmMFA),
		"POST /account/mfa/recovery-codes":  signed(h.regenerateCodes),
		"POST /account/mfa/remove":          signed(h.removeMFA),
		"GET /account/security-question":    signed(h.questionForm),
		"POST /account/security-question":   signed(h.setQuestion),
		"GET /account/team":                 signed(h.teamPage),

		"GET /forgot":          open(h.forgotForm),
		"POST /forgot":         open(h.forgot),
		"GET /reset/{token}":   open(h.resetForm),
		"POST /reset/{token}":  open(h.reset),
		"GET /setup/{token}":   open(h.setupForm),
		"POST /setup/{token}":  open(h.setup),
		"GET /invite/{token}":  open(h.inviteForm),
		"POST /invite/{token}": open(h.acceptInvite),

		"GET /emulate/{user_id}":  signed(h.emulateForm),
		"POST /emulate/{user_id}": signed(h.emulate),
		"POST /emulate/stop":      signed(h.stopEmulating),
	}
}

// pageHeaders sets what every page of the package is sent with: no
// caching anywhere (pages show personal data and one-time secrets), and a
// content security policy that allows the stylesheet and the QR code's
// data: image and nothing else: no script, no frames, forms posting only
// here.
func (h *Handler) pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy",
			"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin answers a form post that came from another site.
func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h.errorPage(w, r, http.StatusForbidden, "Request refused",
		"This form was sent from another website, so it was refused. Open the page on this site and try again.")
}

// stateKey is the context key of the resolved session.
type stateKey struct{}

// StateFrom returns the session that Middleware resolved for the request
// of ctx, or nil outside Middleware.
func StateFrom(ctx context.Context) *admin.SessionState {
	st, _ := ctx.Value(stateKey{}).(*admin.SessionState)
	return st
}

// client describes where r comes from. The address is the peer's: headers
// such as X-Forwarded-For are not believed, since any client can send them.
func client(r *http.Request) admin.Client {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return admin.Client{IP: ip, UserAgent: r.UserAgent(), RequestID: logging.RequestID(r.Context())}
}

// sessionSecret returns the session cookie's value, or "".
func (h *Handler) sessionSecret(r *http.Request) string {
	c, err := r.Cookie(h.cookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// setSession puts a session secret in the cookie. It is called whenever an
// admin method hands out a new secret, so the browser always holds the
// current one. The cookie lasts as long as the browser session; the server
// ends sessions by itself.
func (h *Handler) setSession(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName, Value: secret, Path: "/", HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// clearSession tells the browser to drop the session cookie.
func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// seeOther redirects with 303, so that the browser follows with a GET.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
