package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"roster/internal/directory"
)

// Problem is one entry of the error summary at the top of a page. Href
// points at the field it concerns; ID lets fields name it in
// aria-describedby.
type Problem struct {
	ID   string
	Href string
	Text string
}

// Form remembers what a page shows about a submitted form: the values to
// fill in again (never passwords), the messages beside each field and the
// summary of every problem. The zero Form is empty and ready.
type Form struct {
	// Summary lists every problem, shown at the top of the page.
	Summary []Problem
	// FormID names the form the field errors belong to, when a page has
	// several.
	FormID string

	errs   map[string][]string // field id → messages
	values url.Values
}

// Value returns the submitted value of a field to show again.
func (f *Form) Value(name string) string { return f.values.Get(name) }

// Values returns every submitted value of a field (checkboxes, multiple
// selects).
func (f *Form) Values(name string) []string { return f.values[name] }

// Submitted reports whether the form holds values kept from a submission.
func (f *Form) Submitted() bool { return f.values != nil }

// Set records a value to show in a field, as if it had been submitted.
func (f *Form) Set(name string, values ...string) {
	if f.values == nil {
		f.values = url.Values{}
	}
	f.values[name] = values
}

// Keep remembers the submitted values of the named fields, to fill the
// form in again.
func (f *Form) Keep(r *http.Request, names ...string) {
	if f.values == nil {
		f.values = url.Values{}
	}
	_ = r.ParseForm()
	for _, n := range names {
		f.values[n] = r.PostForm[n]
	}
}

// Errors returns the messages shown beside the field with id.
func (f *Form) Errors(id string) []string { return f.errs[id] }

// FieldError adds a message beside the field with the given id, and to the
// summary.
func (f *Form) FieldError(id, label, msg string) {
	if f.errs == nil {
		f.errs = map[string][]string{}
	}
	text := label + " " + msg
	if label == "" {
		text = msg
	}
	text = Sentence(text)
	f.errs[id] = append(f.errs[id], text)
	f.Summary = append(f.Summary, Problem{Href: "#" + id, Text: text})
}

// GeneralError adds a message that concerns no one field.
func (f *Form) GeneralError(msg string) {
	f.Summary = append(f.Summary, Problem{Text: Sentence(msg)})
}

// FormError adds a message about a whole form, which its fields can name
// in aria-describedby by id.
func (f *Form) FormError(id, msg string) {
	f.Summary = append(f.Summary, Problem{ID: id, Text: Sentence(msg)})
}

// FieldRef names the form field an admin field error belongs to.
type FieldRef struct {
	ID    string
	Label string
}

// Explain puts the messages of a domain error on f: each field message
// beside its field when fields names it (by admin's field name), in the
// summary otherwise. It returns the status to answer with, or 0 when err
// is not a domain error a person can act on (the caller answers 500).
func (f *Form) Explain(err error, fields map[string]FieldRef) int {
	var e *directory.Error
	if !errors.As(err, &e) {
		return 0
	}
	for _, fe := range e.Fields {
		if ref, ok := fields[fe.Field]; ok {
			f.FieldError(ref.ID, ref.Label, fe.Message)
		} else {
			f.GeneralError(strings.ReplaceAll(fe.Field, "_", " ") + " " + fe.Message)
		}
	}
	if len(e.Fields) == 0 {
		f.GeneralError(e.Message)
	}
	return Status(e.Kind)
}

// Status is the HTTP status a page answers a domain error of kind with,
// or 0 for a kind a person cannot act on.
func Status(kind directory.Kind) int {
	switch kind {
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

// Message is the message of a domain error as a sentence, or a general
// refusal for any other error.
func Message(err error) string {
	var e *directory.Error
	if errors.As(err, &e) {
		return Sentence(e.Message)
	}
	return "This is not allowed."
}

// FieldView is one labelled input as the "input" template draws it.
type FieldView struct {
	ID, Name, Label, Type, Autocomplete, Value, InputMode, Hint string
	Errors                                                      []string
	Required, NoCheck, Multiline                                bool
	// Marked shows "(required)" after the label of a required field, on
	// forms that mix required and optional fields.
	Marked    bool
	MaxLength int
}

// Described is the input's aria-describedby: its hint and its errors.
func (v FieldView) Described() string {
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.Hint)
	}
	if len(v.Errors) > 0 {
		ids = append(ids, v.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// Field builds the view of an input of f for the templates:
//
//	{{template "input" (field .Form "password" "New password" "password" "new-password" "hint=criteria")}}
//
// Options: "form=X" (the field belongs to form X: its id is prefixed with
// "X-" and it shows errors only when X failed), "hint=ID" (a hint the
// input is described by), "mode=M" (inputmode), "max=N" (maxlength),
// "optional", "plain" (no spelling or capitalisation help, for names and
// codes), "multiline" (a textarea), "marked" (say "(required)" beside
// the label of a required field), "value=V" (the value shown when the
// form was not submitted).
func Field(f *Form, name, label, typ, autocomplete string, opts ...string) FieldView {
	v := FieldView{ID: name, Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Required: true}
	form, initial := "", ""
	for _, o := range opts {
		k, val, _ := strings.Cut(o, "=")
		switch k {
		case "form":
			form = val
			v.ID = val + "-" + name
		case "hint":
			v.Hint = val
		case "mode":
			v.InputMode = val
		case "max":
			for _, c := range val {
				v.MaxLength = v.MaxLength*10 + int(c-'0')
			}
		case "optional":
			v.Required = false
		case "plain":
			v.NoCheck = true
		case "multiline":
			v.Multiline = true
		case "marked":
			v.Marked = true
		case "value":
			initial = val
		}
	}
	v.Value = initial
	if form == f.FormID {
		v.Errors = f.errs[v.ID]
		if typ != "password" && f.values != nil {
			if vals, ok := f.values[name]; ok {
				v.Value = strings.Join(vals, ",")
			}
		}
	}
	return v
}
