package account

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"roster/internal/admin"
	"roster/internal/directory"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/account.css
var stylesheet []byte

// pageNames are the page templates; each defines "content" and is
// rendered inside "layout".
var pageNames = []string{
	"login", "second_factor", "grant", "account", "password", "mfa", "codes", "question",
	"forgot", "forgot_sent", "reset", "setup", "emulate", "error", "invite",
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
		p.sets[name] = template.Must(t.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

// serveStylesheet serves the one stylesheet of the pages.
func serveStylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(stylesheet)
}

// page is what every template receives.
type page struct {
	Title string
	// State is the signed-in session, nil on the public pages.
	State  *admin.SessionState
	Notice string
	// Summary lists every problem, shown at the top of the page.
	Summary []problem
	// FormID names the form on the page the field errors belong to, when
	// a page has several.
	FormID string
	Next   string
	// Org is the slug of the organization a public form acts on ("" for
	// the default one).
	Org  string
	Data any

	errs map[string][]string // field id → messages
	form url.Values          // values to show again; never passwords
}

// problem is one entry of the error summary; Href points at its field,
// and ID lets fields be described by it.
type problem struct {
	ID   string
	Href string
	Text string
}

// Value returns the submitted value of a field to show again.
func (p *page) Value(name string) string { return p.form.Get(name) }

// Banner returns the emulation banner, or nil.
func (p *page) Banner() *banner {
	if p.State == nil || p.State.Target == nil || p.State.Session == nil {
		return nil
	}
	return &banner{Name: p.State.Target.Name(), Reason: p.State.Session.ImpersonationReason,
		Ends: clockTime(p.State.Session.ImpersonationEndsAt)}
}

// banner says whom a session is acting as.
type banner struct {
	Name, Reason, Ends string
}

// SignedInAs is the name shown beside the sign-out button.
func (p *page) SignedInAs() string {
	if p.State == nil || p.State.User == nil {
		return ""
	}
	return p.State.User.Name()
}

// fieldError adds a message beside the field with the given id, and to the
// summary.
func (p *page) fieldError(id, label, msg string) {
	if p.errs == nil {
		p.errs = map[string][]string{}
	}
	text := label + " " + msg
	if label == "" {
		text = msg
	}
	text = sentence(text)
	p.errs[id] = append(p.errs[id], text)
	p.Summary = append(p.Summary, problem{Href: "#" + id, Text: text})
}

// generalError adds a message that concerns no one field.
func (p *page) generalError(msg string) {
	p.Summary = append(p.Summary, problem{Text: sentence(msg)})
}

// formError adds a message about a whole form, which its fields can name
// in aria-describedby by id.
func (p *page) formError(id, msg string) {
	p.Summary = append(p.Summary, problem{ID: id, Text: sentence(msg)})
}

// fieldRef names the form field an admin field error belongs to.
type fieldRef struct {
	ID    string
	Label string
}

// explain puts the messages of a domain error on p: each field message
// beside its field when fields names it (by admin's field name), in the
// summary otherwise. It returns the status to answer with, or 0 when err
// is not a domain error a person can act on (the caller answers 500).
func (p *page) explain(err error, fields map[string]fieldRef) int {
	var e *directory.Error
	if !errors.As(err, &e) {
		return 0
	}
	for _, f := range e.Fields {
		if ref, ok := fields[f.Field]; ok {
			p.fieldError(ref.ID, ref.Label, f.Message)
		} else {
			p.generalError(strings.ReplaceAll(f.Field, "_", " ") + " " + f.Message)
		}
	}
	if len(e.Fields) == 0 {
		p.generalError(e.Message)
	}
	switch e.Kind {
	case directory.KindInvalid:
		return http.StatusUnprocessableEntity
	case directory.KindConflict, directory.KindPrecondition:
		return http.StatusConflict
	case directory.KindForbidden:
		return http.StatusForbidden
	case directory.KindUnauthorized:
		return http.StatusUnauthorized
	case directory.KindNotFound:
		return http.StatusNotFound
	case directory.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return 0
}

// keep remembers the submitted values of the named fields, to fill the
// form in again.
func (p *page) keep(r *http.Request, names ...string) {
	if p.form == nil {
		p.form = url.Values{}
	}
	for _, n := range names {
		p.form.Set(n, r.PostFormValue(n))
	}
}

// fieldView is one labelled input as the "input" template draws it.
type fieldView struct {
	ID, Name, Label, Type, Autocomplete, Value, InputMode, Hint string
	Errors                                                      []string
	Required, NoCheck, Multiline                                bool
	MaxLength                                                   int
}

// Described is the input's aria-describedby: its hint and its errors.
func (f fieldView) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Hint)
	}
	if len(f.Errors) > 0 {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// field builds the view of an input for the templates:
//
//	{{template "input" (field . "password" "New password" "password" "new-password" "hint=criteria")}}
//
// Options: "form=X" (the field belongs to form X: its id is prefixed with
// "X-" and it shows errors only when X failed), "hint=ID" (a hint the
// input is described by), "mode=M" (inputmode), "max=N" (maxlength),
// "optional", "plain" (no spelling or capitalisation help, for names and
// codes), "multiline" (a textarea).
func field(p *page, name, label, typ, autocomplete string, opts ...string) fieldView {
	f := fieldView{ID: name, Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Required: true}
	form := ""
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "form":
			form = v
			f.ID = v + "-" + name
		case "hint":
			f.Hint = v
		case "mode":
			f.InputMode = v
		case "max":
			for _, c := range v {
				f.MaxLength = f.MaxLength*10 + int(c-'0')
			}
		case "optional":
			f.Required = false
		case "plain":
			f.NoCheck = true
		case "multiline":
			f.Multiline = true
		}
	}
	if form == p.FormID {
		f.Errors = p.errs[f.ID]
		if typ != "password" && p.form != nil {
			f.Value = p.form.Get(name)
		}
	}
	return f
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
func messageOf(err error) string {
	var e *directory.Error
	if errors.As(err, &e) {
		return sentence(e.Message)
	}
	return "This is not allowed."
}

// redact hides the secret of link paths in log lines.
func redact(path string) string {
	for _, p := range []string{"/reset/", "/setup/", "/invite/"} {
		if strings.HasPrefix(path, p) {
			return p + "[redacted]"
		}
	}
	return path
}

// sentence makes a message start with a capital and end with a stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// when shows a moment for people: the date and time in UTC, or "never".
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC")
}

// clockTime shows the time of day of a moment, in UTC.
func clockTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04") + " UTC"
}

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
