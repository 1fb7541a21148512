package account

import (
	"bytes"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageNames are the page templates; each defines "content" and is
// rendered inside "layout".
var pageNames = []string{
	"login", "second_factor", "grant", "account", "password", "mfa", "codes", "question",
	"forgot", "forgot_sent", "reset", "setup", "emulate", "error", "invite", "team",
}

// pages holds one parsed template set per page.
type pages struct {
	sets map[string]*template.Template
}

func mustParsePages() *pages {
	p := &pages{sets: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := template.New(name).Funcs(template.FuncMap{
			"field":     field,
			"when":      when,
			"clock":     clockTime,
			"grouped":   grouped,
			"dataImage": dataImage,
			"rules":     criteria,
		})
		p.sets[name] = template.Must(template.Must(t.ParseFS(web.Partials(), "templates/*.html")).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

// page is what every template receives.
type page struct {
	Title string
	// State is the signed-in session, nil on the public pages.
	State  *admin.SessionState
	Notice string
	// Form holds the submitted values and the error messages.
	web.Form
	Next string
	// Org is the slug of the organization a public form acts on ("" for
	// the default one).
	Org  string
	Data any
}

// Banner returns the emulation banner, or nil.
func (p *page) Banner() *web.Banner { return web.EmulationBanner(p.State) }

// SignedInAs is the name shown beside the sign-out button.
func (p *page) SignedInAs() string {
	if p.State == nil || p.State.User == nil {
		return ""
	}
	return p.State.User.Name()
}

// fieldRef names the form field an admin field error belongs to.
type fieldRef = web.FieldRef

// fieldError, generalError, formError, explain and keep are the form
// methods under the names the handlers use.
func (p *page) fieldError(id, label, msg string) { p.FieldError(id, label, msg) }
func (p *page) formError(id, msg string)         { p.FormError(id, msg) }
func (p *page) explain(err error, fields map[string]fieldRef) int {
	return p.Explain(err, fields)
}
func (p *page) keep(r *http.Request, names ...string) { p.Keep(r, names...) }

// field builds the view of an input of p's form (see web.Field).
func field(p *page, name, label, typ, autocomplete string, opts ...string) web.FieldView {
	return web.Field(&p.Form, name, label, typ, autocomplete, opts...)
}

// render writes page name with status. The page is rendered into a buffer
// first, so that a template failure still gets a clean error page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.State == nil {
		p.State = StateFrom(r.Context())
	}
	var buf bytes.Buffer
	if err := h.pages.sets[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.ErrorContext(r.Context(), "cannot render a page", "page", name, "error", err)
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

// errorPage answers with the error page: a title, a sentence and the way
// on. It never shows internal details.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "error", &page{Title: title, Data: errorData{Message: msg, Status: status}})
}

// errorData is what the error page shows: a sentence, and optionally the
// way on (the page offers the account or sign-in page otherwise).
type errorData struct {
	Message  string
	Status   int
	Link     string
	LinkText string
}

// serverError logs err and answers 500.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "account page failed", "method", r.Method, "path", redact(r.URL.Path), "error", err)
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"We could not complete this request. Try again in a moment; if it keeps happening, tell your administrator.")
}

// failure answers a domain error that is not about a form: 404 and 403
// get their own pages, an unauthorized session goes to sign in, anything
// else is a server error.
func (h *Handler) failure(w http.ResponseWriter, r *http.Request, err error) {
	switch directory.KindOf(err) {
	case directory.KindNotFound:
		h.errorPage(w, r, http.StatusNotFound, "Not found", "There is nothing here, or you may not see it.")
	case directory.KindForbidden:
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", messageOf(err))
	case directory.KindConflict:
		h.errorPage(w, r, http.StatusConflict, "Not possible now", messageOf(err))
	case directory.KindUnauthorized:
		h.clearSession(w)
		seeOther(w, r, "/login")
	default:
		h.serverError(w, r, err)
	}
}

// messageOf is the message of a domain error as a sentence.
func messageOf(err error) string { return web.Message(err) }

// redact hides the secret of link paths in log lines.
func redact(path string) string {
	for _, p := range []string{"/reset/", "/setup/", "/invite/"} {
		if strings.HasPrefix(path, p) {
			return p + "[redacted]"
		}
	}
	return path
}

// when and clockTime word moments (see web).
func when(t time.Time) string      { return web.When(t) }
func clockTime(t time.Time) string { return web.ClockTime(t) }

// grouped splits a key into groups of four characters, for reading it out
// or typing it in.
func grouped(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// dataImage makes a PNG into a data: URL for an img element. The bytes
// come from admin, never from a request, so the URL is safe to trust.
func dataImage(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}
