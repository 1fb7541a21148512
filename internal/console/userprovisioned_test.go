package console_test

import (
	"net/http"
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestUserProvisionedFieldsAreReadOnly checks that the pages of a user a
// SCIM client manages say so, show the fields the client owns without
// offering to edit them, refuse a crafted change of one beside its field,
// and still save the other fields.
func TestUserProvisionedFieldsAreReadOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		site := f.site("Hillside")
		u := f.user("Pat", "staff", "")
		plain := f.user("Sam", "staff", "")
		if err := e.DB.SaveProvisioning(f.ctx, f.org.ID, &directory.Provisioning{UserID: u.ID, CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID
		notice := "Managed by provisioning: name, user name, email, phone, job title, user code, address, supervisor and department come from the identity provider (SCIM)"

		r := b.get(path)
		want(t, r, http.StatusOK, "")
		says(t, r, notice)
		if strings.Contains(r.Body, `id="change-email"`) {
			t.Errorf("the profile offers to change a managed email")
		}
		r = b.get("/admin/users/" + plain.ID)
		silent(t, r, "Managed by provisioning")
		if !strings.Contains(r.Body, `id="change-email"`) {
			t.Errorf("a user added by hand is not offered the email change")
		}

		r = b.get(path + "/edit")
		want(t, r, http.StatusOK, "")
		says(t, r, notice)
		for _, s := range []string{`name="first_name" type="text" autocomplete="off" value="Pat" disabled`,
			`name="username" type="text" autocomplete="off" value="` + u.Username + `" disabled`,
			`name="address_street" type="text" autocomplete="off" disabled`,
			`name="external_id" type="text" autocomplete="off" disabled`,
			`name="supervisor" type="text" autocomplete="off" disabled`,
			`<select id="department_id" name="department_id" disabled`} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("the edit form does not show %s", s)
			}
		}
		for _, name := range []string{"position", "location_id", "license", "expires_at"} {
			if tag := firstMatch(t, r.Body, `(<(?:input|select) id="`+name+`"[^>]*>)`); strings.Contains(tag, "disabled") {
				t.Errorf("the edit form does not offer %s: %s", name, tag)
			}
		}
		silent(t, b.get("/admin/users/"+plain.ID+"/edit"), "Managed by provisioning")

		// A crafted post of a managed field: the message stands beside it,
		// the stored value is shown again and nothing changes.
		before := f.reload(u)
		form := userEditForm(before)
		form.Set("first_name", "Mallory")
		form.Set("department_id", site.ID)
		form.Set("position", "Lead")
		r = b.post(path+"/edit", form)
		want(t, r, http.StatusConflict, "")
		for _, id := range []string{"first_name", "department_id"} {
			msg := firstMatch(t, r.Body, `(?s)<p class="field-error" id="`+id+`-error">(.*?)</p>`)
			if !strings.Contains(msg, "is managed by provisioning") {
				t.Errorf("%s error %q", id, msg)
			}
		}
		if !strings.Contains(r.Body, `name="first_name" type="text" autocomplete="off" value="Pat" disabled`) {
			t.Errorf("the refused form does not show the stored first name")
		}
		if after := f.reload(u); after.Version != before.Version || after.FirstName != "Pat" || after.DepartmentID != "" || after.Position != "" {
			t.Fatalf("a refused edit changed the user: %+v", after.Profile)
		}

		// The form as a browser sends it (no disabled fields) saves the rest.
		form = userEditForm(before)
		for _, name := range []string{"username", "first_name", "last_name", "display_name", "phone", "job_title",
			"external_id", "address_street", "address_locality", "address_region", "address_postal_code",
			"address_country", "supervisor", "department_id"} {
			form.Del(name)
		}
		form.Set("position", "Lead")
		want(t, b.post(path+"/edit", form), http.StatusSeeOther, path)
		if after := f.reload(u); after.Position != "Lead" || after.FirstName != "Pat" {
			t.Fatalf("the edit of an unmanaged field: %+v", after.Profile)
		}
	})
}
