package console

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"roster/internal/directory"
	"roster/internal/store"
)

// userProfileView is what the General, Position and Relationships tabs
// show of the people and units a profile points at, and of its custom
// fields.
type userProfileView struct {
	// Supervisor is the user's supervisor, nil when they have none or the
	// actor may not see them (SupervisorHidden then says they have one).
	Supervisor       *directory.User
	SupervisorHidden bool
	Department       userUnitRef
	Location         userUnitRef
	// Fields are the organization's custom fields with the user's values.
	Fields []userFieldValue
}

// userUnitRef names a unit a profile points at. Hidden says the profile
// points at a unit outside the actor's scope.
type userUnitRef struct {
	ID, Name string
	Hidden   bool
}

// userFieldValue is one custom field as people read it.
type userFieldValue struct {
	Key, Label, Value string
}

// userProfile resolves the supervisor, department and location of u and
// lists its custom fields by their labels: a few lookups by id, never a
// list of users.
func (h *Handler) userProfile(r *http.Request, u *directory.User) (userProfileView, error) {
	ctx, a := r.Context(), actorOf(r)
	var v userProfileView
	if u.SupervisorID != "" {
		sup, err := h.svc.User(ctx, a, u.SupervisorID)
		switch {
		case directory.KindOf(err) == directory.KindNotFound:
			v.SupervisorHidden = true
		case err != nil:
			return v, err
		default:
			v.Supervisor = sup
		}
	}
	var err error
	if v.Department, err = h.userUnit(r, u.DepartmentID); err != nil {
		return v, err
	}
	if v.Location, err = h.userUnit(r, u.LocationID); err != nil {
		return v, err
	}
	fields, err := h.svc.Fields(ctx, a)
	if err != nil {
		return v, err
	}
	for _, f := range fields {
		v.Fields = append(v.Fields, userFieldValue{Key: f.Key, Label: f.Label, Value: userFieldText(f, u.CustomFields[f.Key])})
	}
	return v, nil
}

// userUnit names the unit with id ("" = none).
func (h *Handler) userUnit(r *http.Request, id string) (userUnitRef, error) {
	if id == "" {
		return userUnitRef{}, nil
	}
	unit, err := h.svc.Unit(r.Context(), actorOf(r), id)
	switch {
	case directory.KindOf(err) == directory.KindNotFound:
		return userUnitRef{ID: id, Hidden: true}, nil
	case err != nil:
		return userUnitRef{}, err
	}
	name := unit.Name
	if unit.Archived() {
		name += " (archived)"
	}
	return userUnitRef{ID: id, Name: name}, nil
}

// userFieldText shows a stored custom field value for people.
func userFieldText(f *directory.CustomField, val string) string {
	if f.Type == directory.FieldBool {
		switch val {
		case "true":
			return "Yes"
		case "false":
			return "No"
		}
	}
	return val
}

// userTeamPage lists one page of the users whose supervisor u is, from
// the cursor after ("" = the first page), with the cursor of the next.
func (h *Handler) userTeamPage(r *http.Request, u *directory.User, limit int, after string) (*store.UserPage, string, error) {
	f := store.UserFilter{SupervisorID: u.ID, Limit: limit, Sort: store.SortLastName}
	if after != "" {
		var c store.Cursor
		if userDecodeCursor(after, &c) {
			f.After = &c
		}
	}
	pg, err := h.svc.ListUsers(r.Context(), actorOf(r), f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if pg.Next != nil {
		next = userEncodeCursor(pg.Next)
	}
	return pg, next, nil
}

// userEncodeCursor writes a keyset cursor for a link.
func userEncodeCursor(c any) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// userDecodeCursor reads a cursor written by userEncodeCursor into c; a
// damaged cursor reads as none.
func userDecodeCursor(s string, c any) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && json.Unmarshal(b, c) == nil
}

// userSelect is a labelled <select> as the "userselect" template of the
// user pages draws it.
type userSelect struct {
	ID, Label, Hint string
	Required        bool
	Errors          []string
	Options         []userOption
}

// userOption is one option of a userSelect.
type userOption struct {
	Value, Label string
	Selected     bool
}

// newUserSelect builds a select of p's form whose value is the submitted
// (or preset) value of id.
func newUserSelect(p *page, id, label string, required bool, options []userOption) userSelect {
	cur := p.Value(id)
	for i := range options {
		options[i].Selected = options[i].Value == cur
	}
	return userSelect{ID: id, Label: label, Required: required, Errors: p.Errors(id), Options: options}
}

// userMayEdit answers 403 and returns false when the actor may not edit
// users, so that nobody is asked to confirm what they may not do (admin
// refuses it anyway).
func (h *Handler) userMayEdit(w http.ResponseWriter, r *http.Request) bool {
	if actorOf(r).Can("users.edit") {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow editing users.")
	return false
}
