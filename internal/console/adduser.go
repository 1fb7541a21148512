package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// addUserRoutes adds the routes of this screen: the full Add user form,
// the quick add, the live duplicate-email check and the Grant Access form
// that "Save and Next" leads to.
func (h *Handler) addUserRoutes(r router) {
	r.handle("GET /admin/users/new", h.newUserForm)
	r.handle("POST /admin/users/new", h.createUser)
	r.handle("GET /admin/users/quick", h.quickUserForm)
	r.handle("POST /admin/users/quick", h.quickAddUser)
	r.handle("GET /admin/users/check-email", h.checkEmail)
	h.grantAccessRoutes(r)
}

// profileFields are the inputs of the Add user form that hold text, by
// form name, with the name admin gives each in its field errors.
var profileFields = []struct{ Name, Admin, Label string }{
	{"first_name", "first_name", "First name"},
	{"last_name", "last_name", "Last name"},
	{"display_name", "display_name", "Display name"},
	{"email", "email", "Email"},
	{"username", "username", "Username"},
	{"phone", "phone", "Phone"},
	{"job_title", "job_title", "Job title"},
	{"position", "position", "Position"},
	{"external_id", "external_id", "External id"},
	{"address_street", "address.street", "Street"},
	{"address_locality", "address.locality", "Town or city"},
	{"address_region", "address.region", "Region"},
	{"address_postal_code", "address.postal_code", "Postal code"},
	{"address_country", "address.country", "Country"},
	{"supervisor", "supervisor_id", "Supervisor"},
	{"department_id", "department_id", "Department"},
	{"location_id", "location_id", "Location"},
	{"license", "license", "License"},
	{"expires_on", "expires_at", "Account expires on"},
}

// customFieldName is the form name of a custom field's input.
func customFieldName(key string) string { return "cf_" + key }

// userFieldRefs maps admin's field names to the inputs of the form.
func userFieldRefs(fields []*directory.CustomField) map[string]web.FieldRef {
	refs := map[string]web.FieldRef{}
	for _, f := range profileFields {
		refs[f.Admin] = web.FieldRef{ID: f.Name, Label: f.Label}
	}
	for _, f := range fields {
		refs["custom_fields."+f.Key] = web.FieldRef{ID: customFieldName(f.Key), Label: f.Label}
	}
	return refs
}

// newUserData is what the Add user form shows beside its plain text
// inputs (which the template draws with the "input" partial).
type newUserData struct {
	Username    hintedInput
	Supervisor  hintedInput
	ExpiresOn   hintedInput
	Custom      []customInput
	Department  pickView
	Location    pickView
	License     pickView
	MayInvite   bool
	Invite      bool
	EmailHolder *directory.UserRef
}

// customInput is one of the organization's custom fields on the form.
// Select is set for yes/no and choice fields, which are drawn as selects.
type customInput struct {
	Name, Label, Type string
	Required          bool
	Select            *pickView
}

// hintedInput is a labelled input with a hint under its label.
type hintedInput struct {
	web.FieldView
	Text string
	// ForRole is the role a Grant Access field belongs to: console.js
	// shows it only while that role is chosen.
	ForRole string
}

// hinted builds the view of an input of p's form with a hint text; the
// options are those of the "field" template function.
func hinted(p *page, text, name, label, typ, autocomplete string, opts ...string) hintedInput {
	opts = append([]string{"marked", "hint=" + name + "-hint"}, opts...)
	return hintedInput{FieldView: web.Field(&p.Form, name, label, typ, autocomplete, opts...), Text: text}
}

// pickView is one labelled select as the pages of this screen draw it.
type pickView struct {
	ID, Label, Hint string
	Required        bool
	Errors          []string
	Options         []pickOption
}

// pickOption is one option of a select.
type pickOption struct {
	Value, Label string
	Selected     bool
}

// newPick builds the view of a select of p's form: the option whose
// value was submitted (or else initial) is selected.
func newPick(p *page, id, label, initial string, required bool, opts []pickOption) pickView {
	chosen := initial
	if p.Submitted() {
		chosen = p.Value(id)
	}
	out := make([]pickOption, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == chosen
		out[i] = o
	}
	return pickView{ID: id, Label: label, Required: required, Errors: p.Errors(id), Options: out}
}

// unitPicks lists units as options, indented by their depth under the
// shallowest unit shown, after a first option that chooses none.
func unitPicks(units []*directory.Unit, none string) []pickOption {
	out := []pickOption{{Value: "", Label: none}}
	top := -1
	for _, u := range units {
		if d := strings.Count(u.Path, "/"); top < 0 || d < top {
			top = d
		}
	}
	for _, u := range units {
		label := strings.Repeat("\u00a0\u00a0\u00a0", strings.Count(u.Path, "/")-top) + u.Name
		if u.Code != "" {
			label += " (" + u.Code + ")"
		}
		out = append(out, pickOption{Value: u.ID, Label: label})
	}
	return out
}

// newUserPage builds the Add user page for p, whose errors and kept
// values are already set.
func (h *Handler) newUserPage(r *http.Request, p *page, fields []*directory.CustomField, holder *directory.UserRef) error {
	a := actorOf(r)
	units, err := h.svc.Units(r.Context(), a, store.UnitFilter{})
	if err != nil {
		return err
	}
	d := newUserData{MayInvite: a.Can("users.invite"), Invite: true, EmailHolder: holder,
		Username: hinted(p, "Leave empty to make one from the email address.", "username", "Username", "text", "off",
			"optional", "plain", "max=100"),
		Supervisor: hinted(p, "The supervisor’s username or email.", "supervisor", "Supervisor", "text", "off",
			"optional", "plain"),
		ExpiresOn: hinted(p, "The account stops working at the end of this day. Leave empty for no end.", "expires_on",
			"Account expires on", "date", "off", "optional"),
	}
	if p.Submitted() {
		d.Invite = p.Value("invite") == "yes"
	}
	d.Department = newPick(p, "department_id", "Department", "", false, unitPicks(units, "No department"))
	d.Location = newPick(p, "location_id", "Location", "", false, unitPicks(units, "No location"))
	d.License = newPick(p, "license", "License", string(directory.LicenseStandard), true, []pickOption{
		{Value: string(directory.LicenseStandard), Label: "Standard"}, {Value: string(directory.LicensePremium), Label: "Premium"}})
	for _, f := range fields {
		in := customInput{Name: customFieldName(f.Key), Label: f.Label, Required: f.Required, Type: "text"}
		var opts []pickOption
		switch f.Type {
		case directory.FieldNumber:
			in.Type = "number"
		case directory.FieldDate:
			in.Type = "date"
		case directory.FieldBool:
			opts = []pickOption{{Value: "", Label: "Not given"}, {Value: "true", Label: "Yes"}, {Value: "false", Label: "No"}}
		case directory.FieldChoice:
			opts = []pickOption{{Value: "", Label: "Not given"}}
			for _, c := range f.Choices {
				opts = append(opts, pickOption{Value: c, Label: c})
			}
		}
		if opts != nil {
			s := newPick(p, in.Name, f.Label, "", f.Required, opts)
			in.Select = &s
		}
		d.Custom = append(d.Custom, in)
	}
	p.Data = d
	return nil
}

// addUserPage is a new page of the Add user form.
func addUserPage() *page {
	return &page{Title: "Add user", Area: "users",
		Crumbs: []crumb{{Text: "Users", Href: "/admin/users"}, {Text: "Add user"}}}
}

// mayCreate answers 403 and returns false when the actor may not add
// users (admin refuses them anyway; this spares them a form they cannot
// send).
func (h *Handler) mayCreate(w http.ResponseWriter, r *http.Request) bool {
	if !actorOf(r).Can("users.create") {
		h.failure(w, r, directory.Errorf(directory.KindForbidden, "Your role does not allow adding users."))
		return false
	}
	return true
}

// newUserForm shows the Add user form.
func (h *Handler) newUserForm(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r) {
		return
	}
	fields, err := h.svc.Fields(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := addUserPage()
	if err := h.newUserPage(r, p, fields, nil); err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "user_new", p)
}

// createUser adds the user of the Add user form, then goes to the Grant
// Access form ("Save and Next") or to the user's page ("Save and Close").
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r) {
		return
	}
	ctx, a := r.Context(), actorOf(r)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
		return
	}
	fields, err := h.svc.Fields(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := addUserPage()
	keep := []string{"invite"}
	for _, f := range profileFields {
		keep = append(keep, f.Name)
	}
	for _, f := range fields {
		keep = append(keep, customFieldName(f.Key))
	}
	p.Keep(r, keep...)
	if r.PostFormValue("invite_offered") == "" {
		// The form was not sent from the page (an old bookmark or a
		// script): keep the default of inviting.
		p.Set("invite", "yes")
	}

	in, ok := h.userInput(r, p, fields)
	var holder *directory.UserRef
	status := http.StatusUnprocessableEntity
	if ok {
		u, err := h.svc.CreateUser(ctx, a, in)
		if err == nil {
			h.userAdded(w, r, u)
			return
		}
		if status, holder = explainUser(p, err, userFieldRefs(fields)); status == 0 {
			h.serverError(w, r, err)
			return
		}
	}
	if err := h.newUserPage(r, p, fields, holder); err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, status, "user_new", p)
}

// userInput decodes the Add user form. Problems the form itself can tell
// (a date that is not one, a supervisor nobody has) are put beside their
// fields, and ok is false.
func (h *Handler) userInput(r *http.Request, p *page, fields []*directory.CustomField) (in *admin.UserInput, ok bool) {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	in = &admin.UserInput{Profile: directory.Profile{
		Username: v("username"), Email: v("email"), FirstName: v("first_name"), LastName: v("last_name"),
		DisplayName: v("display_name"), Phone: v("phone"), JobTitle: v("job_title"), Position: v("position"),
		ExternalID: v("external_id"),
		Address: directory.Address{Street: v("address_street"), Locality: v("address_locality"),
			Region: v("address_region"), PostalCode: v("address_postal_code"), Country: v("address_country")},
		DepartmentID: v("department_id"), LocationID: v("location_id"),
		License:      directory.License(v("license")),
		CustomFields: map[string]string{},
	}}
	if in.License == "" {
		in.License = directory.LicenseStandard
	}
	for _, f := range fields {
		if val, sent := r.PostForm[customFieldName(f.Key)]; sent {
			in.CustomFields[f.Key] = strings.Join(val, "")
		}
	}
	ok = true
	if s := v("expires_on"); s != "" {
		// The account lasts to the end of the day given.
		end, err := formDay(s, true)
		if err != nil {
			p.FieldError("expires_on", "Account expires on", "must be a date like 2027-06-30")
			ok = false
		}
		in.ExpiresAt = end
	}
	if s := v("supervisor"); s != "" {
		sup, err := h.svc.FindUser(r.Context(), actorOf(r), s)
		switch {
		case err == nil:
			in.SupervisorID = sup.ID
		case directory.KindOf(err) == directory.KindNotFound:
			p.FieldError("supervisor", "Supervisor", "is nobody you can see with this username or email")
			ok = false
		default:
			p.GeneralError(web.Message(err))
			ok = false
		}
	}
	if actorOf(r).Can("users.invite") {
		invite := p.Value("invite") == "yes"
		if invite && in.Email == "" {
			// Checked by default: without an email there is no one to
			// mail, and admin leaves the invitation out.
			in.Invite = nil
		} else {
			in.Invite = &invite
		}
	} else {
		no := false
		in.Invite = &no
	}
	return in, ok
}

// explainUser puts the errors of adding or editing a user on p. A value
// that already belongs to another user is said beside its field with the
// holder's name; the holder of a taken email is returned for the link to
// them. Status 0 means err is no domain error.
func explainUser(p *page, err error, refs map[string]web.FieldRef) (int, *directory.UserRef) {
	var e *directory.Error
	if errors.As(err, &e) && e.Existing != nil && len(e.Fields) == 1 {
		ref, ok := refs[e.Fields[0].Field]
		if ok {
			where := ""
			if e.Existing.Deleted {
				where = " (in the recycle bin)"
			}
			p.FieldError(ref.ID, "", fmt.Sprintf("This %s belongs to %s%s", strings.ToLower(ref.Label), e.Existing.DisplayName, where))
			if ref.ID == "email" {
				return http.StatusConflict, e.Existing
			}
			return http.StatusConflict, nil
		}
	}
	return p.Explain(err, refs), nil
}

// userAdded leads on from an added user: "Save and Next" to the Grant
// Access form, "Save and Close" to their page.
func (h *Handler) userAdded(w http.ResponseWriter, r *http.Request, u *directory.User) {
	msg := fmt.Sprintf("%s was added with the username %s.", u.Name(), u.Username)
	if u.Invitation != nil {
		msg += " An invitation was sent to " + u.Email + "."
	}
	if r.PostFormValue("then") == "next" {
		done(w, r, "/admin/users/"+u.ID+"/grants/new?next=close", msg+" Now give them access.")
		return
	}
	done(w, r, userURL(u.ID), msg)
}

// quickUserForm shows the quick add form: a name and an email.
func (h *Handler) quickUserForm(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r) {
		return
	}
	h.render(w, r, http.StatusOK, "user_quick", quickPage())
}

func quickPage() *page {
	return &page{Title: "Quick add", Area: "users",
		Crumbs: []crumb{{Text: "Users", Href: "/admin/users"}, {Text: "Quick add"}}}
}

// quickAddUser adds a user from a name and an email.
func (h *Handler) quickAddUser(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r) {
		return
	}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	u, err := h.svc.QuickAdd(r.Context(), actorOf(r), v("first_name"), v("last_name"), v("email"))
	if err == nil {
		msg := fmt.Sprintf("%s was added with the username %s.", u.Name(), u.Username)
		if u.Invitation != nil {
			msg += " An invitation was sent to " + u.Email + "."
		}
		done(w, r, userURL(u.ID), msg)
		return
	}
	p := quickPage()
	p.Keep(r, "first_name", "last_name", "email")
	status, holder := explainUser(p, err, map[string]web.FieldRef{
		"first_name": {ID: "first_name", Label: "First name"}, "last_name": {ID: "last_name", Label: "Last name"},
		"email": {ID: "email", Label: "Email"}})
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	p.Data = newUserData{EmailHolder: holder}
	h.render(w, r, status, "user_quick", p)
}

// emailCheck is the fragment the live duplicate-email check answers with;
// console.js puts it into the live region under the email input. It is no
// page, so it is parsed here rather than rendered inside the layout.
var emailCheck = template.Must(template.New("email-check").Parse(
	`{{if .Holder}}This email already belongs to <a href="/admin/users/{{.Holder.ID}}">{{.Holder.DisplayName}}</a>{{if .Holder.Deleted}} (in the recycle bin){{end}}.` +
		`{{else if .InUse}}This email is already in use.{{end}}`))

// checkEmail answers whether an email is taken, as a fragment of HTML:
// the holder's name and a link when the actor may see them, a bare
// warning when not, and nothing when the address is free.
func (h *Handler) checkEmail(w http.ResponseWriter, r *http.Request) {
	inUse, holder, err := h.svc.EmailInUse(r.Context(), actorOf(r), r.URL.Query().Get("email"))
	if err != nil {
		status := web.Status(directory.KindOf(err))
		if status == 0 {
			h.log.ErrorContext(r.Context(), "cannot check an email", "error", err)
			status = http.StatusInternalServerError
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	var buf bytes.Buffer
	if err := emailCheck.Execute(&buf, struct {
		InUse  bool
		Holder *directory.UserRef
	}{inUse, holder}); err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
