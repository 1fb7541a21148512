package console_test

import (
	"net/url"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// addUserForm is a filled-in Add user form; more are name/value pairs
// that replace or add to its values.
func addUserForm(email string, more ...string) url.Values {
	v := url.Values{
		"invite_offered": {"yes"}, "invite": {"yes"}, "then": {"close"},
		"first_name": {"Nadia"}, "last_name": {"Newman"}, "email": {email},
		"license": {"standard"},
	}
	for i := 0; i+1 < len(more); i += 2 {
		if more[i+1] == "" {
			v.Del(more[i])
			continue
		}
		v.Set(more[i], more[i+1])
	}
	return v
}

// addUserField defines a custom field of the organization.
func (f *fixture) addUserField(key, label string, typ directory.FieldType, required bool, choices ...string) {
	f.t.Helper()
	if _, err := f.svc.CreateField(f.ctx, f.op(), admin.FieldInput{Key: key, Label: label, Type: typ,
		Required: required, Choices: choices}); err != nil {
		f.t.Fatalf("CreateField: %v", err)
	}
}

// addUserByEmail returns the user holding email, or nil.
func (f *fixture) addUserByEmail(email string) *directory.User {
	f.t.Helper()
	u, err := f.e.DB.UserByField(f.ctx, f.org.ID, "email", email)
	if directory.KindOf(err) == directory.KindNotFound {
		return nil
	}
	if err != nil {
		f.t.Fatalf("UserByField: %v", err)
	}
	return f.reload(u)
}

// addUserMailsTo counts the mail in the outbox for to.
func (f *fixture) addUserMailsTo(to string) int {
	f.t.Helper()
	list, err := f.e.DB.MailList(f.ctx, f.org.ID, store.MailQueued, 500)
	if err != nil {
		f.t.Fatalf("MailList: %v", err)
	}
	n := 0
	for _, m := range list {
		if strings.Contains(m.To, to) {
			n++
		}
	}
	return n
}

// addUserAudited reports whether the audit log holds an event of action
// about target.
func (f *fixture) addUserAudited(action, targetID string) bool {
	f.t.Helper()
	for _, e := range f.audit() {
		if e.Action == action && e.TargetID == targetID {
			return true
		}
	}
	return false
}

// addUserRole returns a built-in role.
func (f *fixture) addUserRole(key string) *directory.Role {
	f.t.Helper()
	r, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, key)
	if err != nil {
		f.t.Fatalf("role %s: %v", key, err)
	}
	return r
}
