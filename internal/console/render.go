package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"roster/internal/account"
	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

//go:embed templates/*.html templates/pages/*.html
var templateFiles embed.FS

// views holds one parsed template set per page, each made of the shared
// partials, the console layout and the page's own template (which
// defines "content").
type views struct {
	sets map[string]*template.Template
}

func mustParseViews() *views {
	v := &views{sets: map[string]*template.Template{}}
	names, err := fs.Glob(templateFiles, "templates/pages/*.html")
	if err != nil {
		panic(err)
	}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		t := template.New(name).Funcs(funcs)
		t = template.Must(t.ParseFS(web.Partials(), "templates/*.html"))
		v.sets[name] = template.Must(t.ParseFS(templateFiles, "templates/*.html", file))
	}
	return v
}

// funcs are the template functions every console page may use.
var funcs = template.FuncMap{
	"field": func(p *page, name, label, typ, autocomplete string, opts ...string) web.FieldView {
		return web.Field(&p.Form, name, label, typ, autocomplete, append([]string{"marked"}, opts...)...)
	},
	"when":  web.When,
	"day":   web.Day,
	"clock": web.ClockTime,
	"date": func(t time.Time) string { // the value of an <input type="date">
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	},
	"join":     strings.Join,
	"contains": func(list []string, s string) bool { return contains(list, s) },
	"status":   statusLabel,
	"number":   number,
	"add":      func(a, b int) int { return a + b },
}

// page is what every console template receives.
type page struct {
	// Title says where the user is; the document title repeats it.
	Title string
	// Area is the navigation entry the page belongs to.
	Area string
	// Crumbs lead back up from the page (the last is the page itself and
	// is not a link).
	Crumbs []crumb
	// Form holds the submitted values and the error messages.
	web.Form
	// Flash is the message left by the action that led here.
	Flash string
	// Data is the page's own content.
	Data any

	State *admin.SessionState
	Nav   []navItem
	// SwitchGrant says the user holds several current grants and may
	// change the one they act through.
	SwitchGrant bool
	// Path is the path of the page, for links that come back to it.
	Path string
}

// crumb is one step of the breadcrumb trail.
type crumb struct {
	Text, Href string
}

// Actor is the actor the page acts for.
func (p *page) Actor() *admin.Actor {
	if p.State == nil {
		return nil
	}
	return p.State.Actor
}

// Can reports whether the actor holds permission perm, for templates
// that show a button only to those who may use it.
func (p *page) Can(perm string) bool {
	a := p.Actor()
	return a != nil && a.Can(directory.Permission(perm))
}

// OrgName is the organization's name, shown in the header.
func (p *page) OrgName() string {
	if p.State == nil || p.State.Org == nil {
		return ""
	}
	return p.State.Org.Name
}

// SignedInAs is the name of the signed-in person.
func (p *page) SignedInAs() string {
	if p.State == nil || p.State.User == nil {
		return ""
	}
	return p.State.User.Name()
}

// RoleName is the role of the active grant, shown beside the name.
func (p *page) RoleName() string {
	a := p.Actor()
	if a == nil || a.Role == nil {
		return ""
	}
	return a.Role.Name
}

// Banner returns the emulation banner, or nil.
func (p *page) Banner() *web.Banner { return web.EmulationBanner(p.State) }

// render writes page name with status. The page is rendered into a buffer
// first, so that a template failure still gets a clean error page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.State == nil {
		p.State = account.StateFrom(r.Context())
	}
	if p.State != nil && p.State.Actor != nil {
		p.Nav = h.nav(p.State.Actor, p.Area)
		p.SwitchGrant = h.holdsSeveralGrants(r, p.State.Actor)
	}
	if p.Flash == "" {
		p.Flash = takeFlash(w, r)
	}
	p.Path = r.URL.Path
	set, ok := h.views.sets[name]
	if !ok {
		h.log.ErrorContext(r.Context(), "no such console page", "page", name)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.ErrorContext(r.Context(), "cannot render a console page", "page", name, "error", err)
		if name != "error" {
			h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
				"The page could not be shown. Try again in a moment.")
			return
		}
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// holdsSeveralGrants reports whether the actor's user holds more than one
// current grant (and so may change credentials). An impersonation acts
// through the emulated user's grant and offers no change.
func (h *Handler) holdsSeveralGrants(r *http.Request, a *admin.Actor) bool {
	if a.ImpersonatorID != "" {
		return false
	}
	grants, _, err := h.svc.MyGrants(r.Context(), a)
	if err != nil {
		return false
	}
	n := 0
	for _, g := range grants {
		if g.Current {
			n++
		}
	}
	return n > 1
}

// errorPage answers with the error page: a title, a sentence and the way
// on. It never shows internal details.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "error", &page{Title: title, Data: errorData{Message: msg, Status: status}})
}

// errorData is what the error page shows.
type errorData struct {
	Message string
	Status  int
}

// serverError logs err and answers 500.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "console page failed", "method", r.Method, "path", r.URL.Path, "error", err)
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"We could not complete this request. Try again in a moment; if it keeps happening, tell your administrator.")
}

// failure answers a domain error that is not about a form: 404, 403 and
// 409 get their own pages, an unauthorized session goes to sign in,
// anything else is a server error.
func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	switch directory.KindOf(err) {
	case directory.KindNotFound:
		h.errorPage(w, r, http.StatusNotFound, "Not found", "There is nothing here, or you may not see it.")
	case directory.KindForbidden:
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", web.Message(err))
	case directory.KindConflict, directory.KindPrecondition:
		h.errorPage(w, r, http.StatusConflict, "Not possible now", web.Message(err))
	case directory.KindInvalid:
		h.errorPage(w, r, http.StatusUnprocessableEntity, "Not possible", web.Message(err))
	case directory.KindUnauthorized:
		seeOther(w, r, "/login")
	default:
		h.serverError(w, r, err)
	}
}

// seeOther redirects with 303, the answer to a form post.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// done leaves a flash message and redirects to the page to show next.
func done(w http.ResponseWriter, r *http.Request, to, flash string) {
	setFlash(w, flash)
	seeOther(w, r, to)
}

// back is the safe "back" target of a form (a local path), or fallback.
func back(r *http.Request, fallback string) string {
	if b := r.FormValue("back"); web.LocalPath(b) && strings.HasPrefix(b, "/admin") {
		return b
	}
	return fallback
}

// version reads the "version" form field that carries the version a form
// was filled in against (the ETag of the API); 0 means "no check".
func version(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// statusLabel names a user status for people.
func statusLabel(s directory.Status) string {
	switch s {
	case directory.StatusActive:
		return "Active"
	case directory.StatusInactive:
		return "Disabled"
	case directory.StatusPending:
		return "Pending"
	}
	return string(s)
}

// number writes a count with its digits grouped (see web.Number).
func number(n int) string { return web.Number(n) }

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// urlQueryEscape escapes a query value.
func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// isMultipart reports whether a request carries a multipart form (a file
// upload), whose handler bounds the body itself.
func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}
