package console

import (
	"net/http"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// userTextFields are the plain text inputs of the edit form: form name,
// admin's field name and label.
var userTextFields = []struct{ Name, Field, Label string }{
	{"username", "username", "User name"},
	{"first_name", "first_name", "First name"},
	{"last_name", "last_name", "Last name"},
	{"display_name", "display_name", "Display name"},
	{"phone", "phone", "Phone"},
	{"job_title", "job_title", "Job title"},
	{"position", "position", "Position"},
	{"external_id", "external_id", "User code (external id)"},
	{"address_street", "address.street", "Street"},
	{"address_locality", "address.locality", "Town or city"},
	{"address_region", "address.region", "Region"},
	{"address_postal_code", "address.postal_code", "Postal code"},
	{"address_country", "address.country", "Country"},
}

// userEditData is what the edit form shows beside the fields the page's
// form holds.
type userEditData struct {
	User    *directory.User
	Version int64
	// SupervisorWas is the supervisor as the form showed it, so that an
	// unchanged field changes nothing (even a supervisor the actor may
	// not see, shown empty).
	SupervisorWas    string
	SupervisorHidden bool
	Department       userSelect
	Location         userSelect
	License          userSelect
	Custom           []userCustomInput
	// Managed holds, for a provisioned user, the form names of the fields
	// a SCIM client owns: they are shown but not offered for editing.
	Managed map[string]bool
}

// userCustomInput is one custom field of the edit form: a select for
// choices and yes/no, an input for the others.
type userCustomInput struct {
	Select *userSelect
	Input  *web.FieldView
}

// userEditForm shows the form that edits a user's profile (every field
// but the email, which has its own action).
func (h *Handler) userEditForm(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "general", "Edit")
	if p == nil {
		return
	}
	if u.Deleted() {
		h.errorPage(w, r, http.StatusConflict, "In the recycle bin", u.Name()+" is in the recycle bin; restore them before editing.")
		return
	}
	fields, err := h.svc.Fields(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	prof, err := h.userProfile(r, u)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	supervisor := ""
	if prof.Supervisor != nil {
		supervisor = prof.Supervisor.Username
	}
	userFillForm(p, u, supervisor, fields)
	h.showEdit(w, r, p, u, fields, u.Version, supervisor, http.StatusOK)
}

// userFormValues is u's profile as the edit form's fields hold it.
func userFormValues(u *directory.User, supervisor string) map[string]string {
	a := u.Address
	return map[string]string{
		"username": u.Username, "first_name": u.FirstName, "last_name": u.LastName, "display_name": u.DisplayName,
		"phone": u.Phone, "job_title": u.JobTitle, "position": u.Position, "external_id": u.ExternalID,
		"address_street": a.Street, "address_locality": a.Locality, "address_region": a.Region,
		"address_postal_code": a.PostalCode, "address_country": a.Country, "supervisor": supervisor,
		"department_id": u.DepartmentID, "location_id": u.LocationID, "license": string(u.License),
		"expires_at": userDate(u.ExpiresAt),
	}
}

// userManagedFields returns the form names of the edit form's fields that
// a SCIM client owns, for a provisioned user; nil for others.
func userManagedFields(u *directory.User) map[string]bool {
	if !u.Provisioned {
		return nil
	}
	out := map[string]bool{}
	for _, t := range userTextFields {
		if admin.OwnedByProvisioning(t.Field) {
			out[t.Name] = true
		}
	}
	for name, field := range map[string]string{"supervisor": "supervisor_id", "department_id": "department_id"} {
		if admin.OwnedByProvisioning(field) {
			out[name] = true
		}
	}
	return out
}

// userFillForm puts u's profile into the edit form.
func userFillForm(p *page, u *directory.User, supervisor string, fields []*directory.CustomField) {
	for name, val := range userFormValues(u, supervisor) {
		p.Set(name, val)
	}
	for _, f := range fields {
		p.Set("cf_"+f.Key, u.CustomFields[f.Key])
	}
}

// userDate is the value of a date input for t.
func userDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// showEdit renders the edit form of u with status.
func (h *Handler) showEdit(w http.ResponseWriter, r *http.Request, p *page, u *directory.User, fields []*directory.CustomField,
	ver int64, supervisorWas string, status int) {
	units, err := h.svc.Units(r.Context(), actorOf(r), store.UnitFilter{})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	// Managed fields show what is stored, whatever was posted.
	managed := userManagedFields(u)
	stored := userFormValues(u, supervisorWas)
	for name := range managed {
		p.Set(name, stored[name])
	}
	p.Title = "Edit " + u.Name()
	p.Crumbs = []crumb{{Text: "Users", Href: "/admin/users"}, {Text: u.Name(), Href: userURL(u.ID)}, {Text: "Edit"}}
	d := userEditData{User: u, Version: ver, SupervisorWas: supervisorWas,
		SupervisorHidden: u.SupervisorID != "" && supervisorWas == "",
		Department:       newUserSelect(p, "department_id", "Department", false, userUnitOptions(units, u.DepartmentID)),
		Location:         newUserSelect(p, "location_id", "Default location", false, userUnitOptions(units, u.LocationID)),
		License: newUserSelect(p, "license", "License", true, []userOption{
			{Value: string(directory.LicenseStandard), Label: "Standard"}, {Value: string(directory.LicensePremium), Label: "Premium"}}),
	}
	for _, f := range fields {
		d.Custom = append(d.Custom, userCustomField(p, f))
	}
	d.Managed = managed
	p.Data = d
	h.render(w, r, status, "user_edit", p)
}

// userUnitOptions lists the units the actor may choose, with "None"
// first; the current unit stays among them even when it is outside the
// actor's scope, so that saving the form keeps it.
func userUnitOptions(units []*directory.Unit, current string) []userOption {
	out := []userOption{{Value: "", Label: "None"}}
	found := current == ""
	for _, unit := range units {
		if unit.ID == current {
			found = true
		} else if unit.Archived() {
			continue
		}
		label := unit.Name
		if unit.Kind != "" {
			label += " (" + unit.Kind + ")"
		}
		out = append(out, userOption{Value: unit.ID, Label: label})
	}
	if !found {
		out = append(out, userOption{Value: current, Label: "The current unit (outside your scope)"})
	}
	return out
}

// userCustomField is the input of one custom field.
func userCustomField(p *page, f *directory.CustomField) userCustomInput {
	name := "cf_" + f.Key
	switch f.Type {
	case directory.FieldChoice, directory.FieldBool:
		opts := []userOption{{Value: "", Label: "Not set"}}
		if f.Type == directory.FieldBool {
			opts = append(opts, userOption{Value: "true", Label: "Yes"}, userOption{Value: "false", Label: "No"})
		}
		for _, c := range f.Choices {
			opts = append(opts, userOption{Value: c, Label: c})
		}
		s := newUserSelect(p, name, f.Label, f.Required, opts)
		return userCustomInput{Select: &s}
	}
	typ, opts := "text", []string{"marked", "max=1000"}
	switch f.Type {
	case directory.FieldNumber:
		typ, opts = "text", append(opts, "mode=decimal")
	case directory.FieldDate:
		typ = "date"
	}
	if !f.Required {
		opts = append(opts, "optional")
	}
	v := web.Field(&p.Form, name, f.Label, typ, "off", opts...)
	return userCustomInput{Input: &v}
}

// userEditRefs maps admin's field names to the edit form's fields.
func userEditRefs(fields []*directory.CustomField) map[string]web.FieldRef {
	refs := map[string]web.FieldRef{
		"supervisor_id": {ID: "supervisor", Label: "Supervisor"},
		"department_id": {ID: "department_id", Label: "Department"},
		"location_id":   {ID: "location_id", Label: "Default location"},
		"license":       {ID: "license", Label: "License"},
		"expires_at":    {ID: "expires_at", Label: "Account expiry date"},
	}
	for _, t := range userTextFields {
		refs[t.Field] = web.FieldRef{ID: t.Name, Label: t.Label}
	}
	for _, f := range fields {
		refs["custom_fields."+f.Key] = web.FieldRef{ID: "cf_" + f.Key, Label: f.Label}
	}
	return refs
}

// userEdit saves the edit form. A version older than the user's is
// refused with the form kept as submitted; bad values are shown beside
// their fields and nothing changes.
func (h *Handler) userEdit(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "general", "Edit")
	if p == nil {
		return
	}
	ctx, a := r.Context(), actorOf(r)
	fields, err := h.svc.Fields(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	names := []string{"supervisor", "department_id", "location_id", "license", "expires_at"}
	for _, t := range userTextFields {
		names = append(names, t.Name)
	}
	for _, f := range fields {
		names = append(names, "cf_"+f.Key)
	}
	p.Keep(r, names...)
	patch := userPatchFrom(r, u, fields)
	supervisorWas := strings.TrimSpace(r.PostFormValue("supervisor_was"))
	ver := version(r)
	if login := strings.TrimSpace(r.PostFormValue("supervisor")); login != supervisorWas {
		id := ""
		if login != "" {
			sup, err := h.svc.FindUser(ctx, a, login)
			switch {
			case directory.KindOf(err) == directory.KindNotFound:
				p.FieldError("supervisor", "Supervisor", "must be the user name or email of someone you can see")
				h.showEdit(w, r, p, u, fields, ver, supervisorWas, http.StatusUnprocessableEntity)
				return
			case err != nil:
				h.failure(w, r, err)
				return
			}
			id = sup.ID
		}
		patch.SupervisorID = &id
	}
	saved, err := h.svc.UpdateUser(ctx, a, u.ID, ver, patch)
	if err != nil {
		switch directory.KindOf(err) {
		case directory.KindPrecondition:
			// The form now carries the current version: saving again
			// replaces the other change, knowingly.
			p.GeneralError("Someone changed this user since you opened the form. Your values are kept below; " +
				"check the profile on the General tab and save again to replace their changes")
			h.showEdit(w, r, p, u, fields, u.Version, supervisorWas, http.StatusConflict)
			return
		case directory.KindNotFound, directory.KindForbidden, directory.KindUnauthorized:
			h.failure(w, r, err)
			return
		}
		status := p.Explain(err, userEditRefs(fields))
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.showEdit(w, r, p, u, fields, ver, supervisorWas, status)
		return
	}
	done(w, r, userURL(u.ID), "The profile of "+saved.Name()+" is saved.")
}

// userPatchFrom decodes the edit form into a patch. Custom fields and the
// expiry date go into the patch only when the form changes them, so that
// a required field left empty before it became required does not block
// other edits, and an expiry with a time of day survives a save.
func userPatchFrom(r *http.Request, u *directory.User, fields []*directory.CustomField) *admin.UserPatch {
	// A field the form did not send stays as it is.
	sent := func(name string) (string, bool) {
		v, ok := r.PostForm[name]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	val := func(name string) *string {
		if s, ok := sent(name); ok {
			return &s
		}
		return nil
	}
	patch := &admin.UserPatch{
		Username: val("username"), FirstName: val("first_name"), LastName: val("last_name"),
		DisplayName: val("display_name"), Phone: val("phone"), JobTitle: val("job_title"),
		Position: val("position"), ExternalID: val("external_id"),
		DepartmentID: val("department_id"), LocationID: val("location_id"),
	}
	addr, changed := u.Address, false
	for _, f := range []struct {
		name string
		dst  *string
	}{{"address_street", &addr.Street}, {"address_locality", &addr.Locality}, {"address_region", &addr.Region},
		{"address_postal_code", &addr.PostalCode}, {"address_country", &addr.Country}} {
		if v, ok := sent(f.name); ok {
			*f.dst, changed = v, true
		}
	}
	if changed {
		patch.Address = &addr
	}
	if l, ok := sent("license"); ok && directory.License(l) != u.License {
		lic := directory.License(l)
		patch.License = &lic
	}
	if d, ok := sent("expires_at"); ok && strings.TrimSpace(d) != userDate(u.ExpiresAt) {
		exp := strings.TrimSpace(d)
		if t, err := time.Parse(time.DateOnly, exp); err == nil {
			exp = t.UTC().Format(time.RFC3339)
		}
		patch.ExpiresAt = &exp
	}
	for _, f := range fields {
		if v, ok := sent("cf_" + f.Key); ok && strings.TrimSpace(v) != u.CustomFields[f.Key] {
			if patch.CustomFields == nil {
				patch.CustomFields = map[string]string{}
			}
			patch.CustomFields[f.Key] = strings.TrimSpace(v)
		}
	}
	return patch
}
