// Package console serves the administration console under /admin: every
// administration task in the browser, rendered on the server from
// embedded templates. Each screen has a file of its own (a handler file
// and a template under templates/pages); the pages work without
// JavaScript, and static/console.js adds a little comfort (confirmation
// dialogs, select-all, the live duplicate-email warning).
//
// Every rule lives in admin: a handler decodes a form or a query, calls
// one admin method and renders the outcome. Menus and buttons show only
// what the actor may do, and admin refuses the rest anyway. Sessions are
// the account package's: its middleware resolves the cookie and clears
// the sign-in gates before a console page is reached.
package console

import (
	"log/slog"
	"net/http"

	"roster/internal/account"
	"roster/internal/admin"
)

// maxFormBytes bounds the body of every form post but the photo upload,
// which sets its own bound.
const maxFormBytes = 1 << 20

// Options configure a Handler.
type Options struct {
	// Service runs every use case. Required.
	Service *admin.Service
	// Pages is the account pages' handler, whose session middleware the
	// console shares. Required.
	Pages *account.Handler
	// MailDelivery says mail is delivered (an SMTP server is configured).
	// Without it the console offers the development mailbox, which shows
	// the mail waiting in the outbox.
	MailDelivery bool
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
}

// Handler serves the console. Build it with New.
type Handler struct {
	svc     *admin.Service
	pages   *account.Handler
	mailbox bool
	log     *slog.Logger
	views   *views
}

// New returns a Handler for o. It panics when o lacks Service or Pages or
// the embedded templates do not parse, all mistakes of the program.
func New(o Options) *Handler {
	if o.Service == nil || o.Pages == nil {
		panic("console: Options.Service and Options.Pages are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: o.Service, pages: o.Pages, mailbox: !o.MailDelivery, log: o.Logger, views: mustParseViews()}
}

// router collects the console's routes; every screen adds its own.
type router struct {
	h      *Handler
	routes map[string]http.Handler
	wrap   func(http.HandlerFunc) http.Handler
}

// handle adds one page or action: pattern is an http.ServeMux pattern
// such as "GET /admin/users".
func (r router) handle(pattern string, fn http.HandlerFunc) {
	if _, dup := r.routes[pattern]; dup {
		panic("console: route registered twice: " + pattern)
	}
	r.routes[pattern] = r.wrap(fn)
}

// Routes returns the console's http.ServeMux patterns. Every route
// refuses cross-origin form posts (http.CrossOriginProtection), needs a
// signed-in session with no gate to clear and a chosen grant, and is sent
// with Cache-Control: no-store.
func (h *Handler) Routes() map[string]http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	r := router{h: h, routes: map[string]http.Handler{}, wrap: func(fn http.HandlerFunc) http.Handler {
		return cop.Handler(h.pageHeaders(h.pages.Middleware(h.entry(fn))))
	}}
	r.routes["GET /admin/assets/console.js"] = http.HandlerFunc(serveScript)
	for _, screen := range []func(router){
		h.dashboardRoutes,
		h.userListRoutes,
		h.exportRoutes,
		h.userRoutes,
		h.addUserRoutes,
		h.invitationRoutes,
		h.importRoutes,
		h.mailboxRoutes,
		h.roleRoutes,
		h.unitRoutes,
		h.groupRoutes,
		h.resourceRoutes,
		h.relationshipRoutes,
		h.auditRoutes,
		h.recycleBinRoutes,
		h.settingsRoutes,
		h.tokenRoutes,
	} {
		screen(r)
	}
	return r.routes
}

// pageHeaders sets what every console page is sent with: no caching (the
// pages show personal data), and a content security policy that allows
// the stylesheet, the console's own script and images from here or data:
// URLs, and nothing else.
func (h *Handler) pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy",
			"default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		// Uploads (multipart) are bounded by the screens that take them.
		if r.Method == http.MethodPost && r.Body != nil && !isMultipart(r) {
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

// entry lets a session into the console: it must have chosen the grant it
// acts through, and that grant must allow some administration.
func (h *Handler) entry(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := account.StateFrom(r.Context())
		if st.ChooseGrant {
			target := r.URL.Path
			if r.Method != http.MethodGet {
				target = "/admin"
			}
			seeOther(w, r, "/login/grant?next="+urlQueryEscape(target))
			return
		}
		if !administers(st.Actor) {
			h.errorPage(w, r, http.StatusForbidden, "No administration here",
				"Your access does not include administering users. Your own account is on the My account page.")
			return
		}
		next(w, r)
	}
}
