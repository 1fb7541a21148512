package console

import (
	"net/http"
	"strconv"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// fieldTypes are the types a custom field may have, as the form offers
// them.
var fieldTypes = []auditOption{
	{string(directory.FieldText), "Text"}, {string(directory.FieldNumber), "Number"},
	{string(directory.FieldDate), "Date"}, {string(directory.FieldBool), "Yes or no"},
	{string(directory.FieldChoice), "Choice"},
}

// customFieldRefs ties admin's field names to the fields of a custom
// field form (form is "field-new" or "field-edit").
func customFieldRefs(form string) map[string]web.FieldRef {
	return map[string]web.FieldRef{
		"key":      {ID: form + "-key", Label: "Key"},
		"label":    {ID: form + "-label", Label: "Label"},
		"type":     {ID: form + "-type", Label: "Type"},
		"choices":  {ID: form + "-choices", Label: "Choices"},
		"position": {ID: form + "-position", Label: "Position"},
	}
}

// fieldInputOf reads a custom field form: choices one a line. A position
// that is not a whole number gets a message and ok is false.
func fieldInputOf(r *http.Request, p *page, form string) (in admin.FieldInput, ok bool) {
	in = admin.FieldInput{Key: strings.TrimSpace(r.PostFormValue("key")), Label: r.PostFormValue("label"),
		Type: directory.FieldType(r.PostFormValue("type")), Required: r.PostFormValue("required") == "yes"}
	for _, c := range strings.Split(r.PostFormValue("choices"), "\n") {
		if c = strings.TrimSpace(c); c != "" {
			in.Choices = append(in.Choices, c)
		}
	}
	if raw := strings.TrimSpace(r.PostFormValue("position")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			p.FieldError(form+"-position", "Position", "must be a whole number")
			return in, false
		}
		in.Position = n
	}
	return in, true
}

// settingsFieldCreate adds a custom field.
func (h *Handler) settingsFieldCreate(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	p := &page{}
	p.FormID = "field-new"
	p.Keep(r, "key", "label", "type", "required", "choices", "position")
	in, ok := fieldInputOf(r, p, "field-new")
	if !ok {
		h.renderSettings(w, r, http.StatusUnprocessableEntity, p, nil)
		return
	}
	f, err := h.svc.CreateField(r.Context(), actorOf(r), in)
	if err != nil {
		status := p.Explain(err, customFieldRefs("field-new"))
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.renderSettings(w, r, status, p, nil)
		return
	}
	done(w, r, "/admin/settings#fields", "The custom field "+f.Label+" was added.")
}

// fieldEditData is what the custom field form shows.
type fieldEditData struct {
	Field *directory.CustomField
}

// settingsField finds a custom field of the organization.
func (h *Handler) settingsField(r *http.Request, id string) (*directory.CustomField, error) {
	fields, err := h.svc.Fields(r.Context(), actorOf(r))
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if f.ID == id {
			return f, nil
		}
	}
	return nil, directory.NotFound("custom field")
}

// settingsFieldEdit shows the form of one custom field.
func (h *Handler) settingsFieldEdit(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	f, err := h.settingsField(r, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &page{}
	p.FormID = "field-edit"
	p.Set("label", f.Label)
	p.Set("choices", strings.Join(f.Choices, "\n"))
	p.Set("position", strconv.Itoa(f.Position))
	if f.Required {
		p.Set("required", "yes")
	}
	h.renderFieldEdit(w, r, http.StatusOK, p, f)
}

func (h *Handler) renderFieldEdit(w http.ResponseWriter, r *http.Request, status int, p *page, f *directory.CustomField) {
	p.Title, p.Area, p.Data = "Edit the field "+f.Label, "settings", fieldEditData{Field: f}
	p.Crumbs = []crumb{{Text: "Settings", Href: "/admin/settings#fields"}, {Text: f.Label}}
	h.render(w, r, status, "settings_field", p)
}

// settingsFieldUpdate saves a custom field's label, required flag,
// choices and position.
func (h *Handler) settingsFieldUpdate(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	f, err := h.settingsField(r, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &page{}
	p.FormID = "field-edit"
	p.Keep(r, "label", "required", "choices", "position")
	in, ok := fieldInputOf(r, p, "field-edit")
	if !ok {
		h.renderFieldEdit(w, r, http.StatusUnprocessableEntity, p, f)
		return
	}
	got, err := h.svc.UpdateField(r.Context(), actorOf(r), f.ID, in)
	if err != nil {
		status := p.Explain(err, customFieldRefs("field-edit"))
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.renderFieldEdit(w, r, status, p, f)
		return
	}
	done(w, r, "/admin/settings#fields", "The custom field "+got.Label+" was saved.")
}

// settingsFieldDelete removes a custom field and its values, once
// confirmed.
func (h *Handler) settingsFieldDelete(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	f, err := h.settingsField(r, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Delete the field " + f.Label,
		Question: "Delete the custom field " + f.Label + "? Every value users have for it is removed too.",
		Button:   "Delete the field", Danger: true, Back: "/admin/settings#fields", Area: "settings"}) {
		return
	}
	if err := h.svc.DeleteField(r.Context(), actorOf(r), f.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, "/admin/settings#fields", "The custom field "+f.Label+" was deleted.")
}

// settingsUnitKind adds a unit kind or changes the label of one.
func (h *Handler) settingsUnitKind(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	form := "kind-new"
	if r.PostFormValue("existing") == "yes" {
		form = "kind-of-" + key
	}
	p := &page{}
	p.FormID = form
	p.Keep(r, "key", "label")
	pos, _ := strconv.Atoi(r.PostFormValue("position"))
	k, err := h.svc.PutUnitKind(r.Context(), actorOf(r), directory.UnitKind{Key: key, Label: r.PostFormValue("label"), Position: pos})
	if err != nil {
		status := p.Explain(err, map[string]web.FieldRef{"key": {ID: form + "-key", Label: "Key"},
			"label": {ID: form + "-label", Label: "Label"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.renderSettings(w, r, status, p, nil)
		return
	}
	done(w, r, "/admin/settings#unit-kinds", "The unit kind "+k.Key+" is now labelled "+k.Label+".")
}
