package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestAddUserFullForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		dept := f.site("Kitchen")
		boss := f.user("Bea", "staff", "")
		f.addUserField("badge", "Badge number", directory.FieldText, true)
		f.addUserField("shirt", "Shirt size", directory.FieldChoice, false, "S", "M", "L")
		b := f.ownerBrowser()

		r := b.get("/admin/users/new")
		want(t, r, 200, "")
		says(t, r, "Add user", "First name (required)", "Badge number (required)", "Shirt size", "Send an invitation",
			"Save and Next", "Save and Close", "Kitchen", "Account expires on", "Postal code")
		if !strings.Contains(r.Body, `name="invite" value="yes" checked`) {
			t.Errorf("the invitation is not asked for by default:\n%s", r.Body)
		}
		if !strings.Contains(r.Body, `data-check-url="/admin/users/check-email?email="`) ||
			!strings.Contains(r.Body, `id="email-owner" class="warning" aria-live="polite"`) {
			t.Errorf("the email input has no live check")
		}

		form := addUserForm("nadia@example.org", "then", "next", "display_name", "Nadia N.", "phone", "+1 555 0100",
			"job_title", "Cook", "position", "Head", "external_id", "X-77", "address_street", "1 Main St",
			"address_locality", "Springfield", "address_region", "North", "address_postal_code", "12345",
			"address_country", "Utopia", "supervisor", boss.Username, "department_id", dept.ID, "location_id", dept.ID,
			"license", "premium", "expires_on", "2031-06-30", "cf_badge", "B-12", "cf_shirt", "M", "username", "nadia.n")
		r = b.post("/admin/users/new", form)
		want(t, r, http.StatusSeeOther, "")
		u := f.addUserByEmail("nadia@example.org")
		if u == nil {
			t.Fatal("the user was not added")
		}
		if r.Location() != "/admin/users/"+u.ID+"/grants/new?next=close" {
			t.Errorf("Save and Next leads to %q", r.Location())
		}
		checks := map[string][2]string{
			"username": {u.Username, "nadia.n"}, "display": {u.DisplayName, "Nadia N."}, "phone": {u.Phone, "+1 555 0100"},
			"job": {u.JobTitle, "Cook"}, "position": {u.Position, "Head"}, "external": {u.ExternalID, "X-77"},
			"street": {u.Address.Street, "1 Main St"}, "locality": {u.Address.Locality, "Springfield"},
			"region": {u.Address.Region, "North"}, "postal": {u.Address.PostalCode, "12345"},
			"country": {u.Address.Country, "Utopia"}, "supervisor": {u.SupervisorID, boss.ID},
			"department": {u.DepartmentID, dept.ID}, "location": {u.LocationID, dept.ID},
			"license": {string(u.License), "premium"}, "expires": {u.ExpiresAt.Format("2006-01-02"), "2031-06-30"},
			"badge": {u.CustomFields["badge"], "B-12"}, "shirt": {u.CustomFields["shirt"], "M"},
		}
		for name, c := range checks {
			if c[0] != c[1] {
				t.Errorf("%s = %q, want %q", name, c[0], c[1])
			}
		}
		if n := f.addUserMailsTo("nadia@example.org"); n != 1 {
			t.Errorf("%d invitation mails queued, want 1", n)
		}
		if !f.addUserAudited("user.create", u.ID) {
			t.Error("adding the user was not audited")
		}
		r = b.get(r.Location())
		want(t, r, 200, "")
		says(t, r, "Nadia N. was added with the username nadia.n.", "An invitation was sent", "Grant access to Nadia N.",
			"Service Contact")
	})
}

func TestAddUserWithoutInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.post("/admin/users/new", addUserForm("quiet@example.org", "invite", ""))
		want(t, r, http.StatusSeeOther, "")
		u := f.addUserByEmail("quiet@example.org")
		if u == nil {
			t.Fatal("the user was not added")
		}
		want(t, r, http.StatusSeeOther, "/admin/users/"+u.ID)
		if n := f.addUserMailsTo("quiet@example.org"); n != 0 {
			t.Errorf("%d mails queued without an invitation asked for", n)
		}
		if u.Status != directory.StatusPending {
			t.Errorf("status %s, want pending", u.Status)
		}
	})
}

func TestAddUserDuplicateEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		old := f.user("Oscar", "staff", "")
		mails := f.addUserMailsTo(old.Email)
		b := f.ownerBrowser()
		r := b.post("/admin/users/new", addUserForm(strings.ToUpper(old.Email), "last_name", "Twice", "job_title", "Baker"))
		want(t, r, http.StatusConflict, "")
		says(t, r, "This email belongs to "+old.Name())
		if !hasLink(r.Body, "/admin/users/"+old.ID) {
			t.Errorf("no link to the user who holds the email:\n%s", r.Body)
		}
		if !strings.Contains(r.Body, `value="Baker"`) {
			t.Error("the job title was not kept")
		}
		local := strings.ToLower(old.Email[:strings.IndexByte(old.Email, '@')])
		if again, err := f.e.DB.UserByField(f.ctx, f.org.ID, "username", local+"2"); err == nil {
			t.Errorf("a user was created: %v", again.Username)
		}
		if f.addUserMailsTo(old.Email) != mails {
			t.Error("an invitation was queued")
		}
	})
}

func TestAddUserCheckEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		inside := f.user("Ivy", "staff", north.ID)
		outside := f.user("Otto", "staff", "")

		owner := f.ownerBrowser()
		r := owner.get("/admin/users/check-email?email=" + url.QueryEscape(inside.Email))
		want(t, r, 200, "")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		if strings.Contains(r.Body, "<html") {
			t.Error("the fragment comes inside the layout")
		}
		says(t, r, "This email already belongs to", inside.Name())
		if !hasLink(r.Body, "/admin/users/"+inside.ID) {
			t.Errorf("no link to the holder: %s", r.Body)
		}
		r = owner.get("/admin/users/check-email?email=free@example.org")
		want(t, r, 200, "")
		if strings.TrimSpace(r.Body) != "" {
			t.Errorf("a free email answers %q", r.Body)
		}

		siteAdmin := f.signedIn(f.user("Ada", "administrator", north.ID))
		r = siteAdmin.get("/admin/users/check-email?email=" + url.QueryEscape(inside.Email))
		want(t, r, 200, "")
		says(t, r, inside.Name())
		r = siteAdmin.get("/admin/users/check-email?email=" + url.QueryEscape(outside.Email))
		want(t, r, 200, "")
		says(t, r, "This email is already in use.")
		silent(t, r, outside.Name(), outside.FirstName)
		if strings.Contains(r.Body, outside.ID) {
			t.Error("the fragment leaks the id of a user outside the scope")
		}

		staff := f.signedIn(f.user("Sam", "staff", ""))
		r = staff.get("/admin/users/check-email?email=" + url.QueryEscape(inside.Email))
		want(t, r, http.StatusForbidden, "")
	})
}

func TestAddUserValidationKeepsValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		f.addUserField("badge", "Badge number", directory.FieldText, true)
		b := f.ownerBrowser()
		r := b.post("/admin/users/new", addUserForm("not-an-email", "last_name", "", "job_title", "Gardener",
			"address_country", "Utopia", "cf_badge", "B-9", "invite", ""))
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "There is a problem", "Last name is required")
		if !strings.Contains(r.Body, `id="email-error"`) || !strings.Contains(r.Body, `id="last_name-error"`) {
			t.Errorf("the messages are not beside the fields:\n%s", r.Body)
		}
		for _, kept := range []string{`value="not-an-email"`, `value="Nadia"`, `value="Gardener"`, `value="Utopia"`, `value="B-9"`} {
			if !strings.Contains(r.Body, kept) {
				t.Errorf("the form lost %s", kept)
			}
		}
		if strings.Contains(r.Body, `name="invite" value="yes" checked`) {
			t.Error("the unchecked invitation came back checked")
		}

		r = b.post("/admin/users/new", addUserForm("ok@example.org", "supervisor", "nobody-at-all", "expires_on", "soon"))
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Supervisor is nobody you can see", "Account expires on must be a date")
		if f.addUserByEmail("ok@example.org") != nil {
			t.Error("a user was added from a form with errors")
		}

		r = b.post("/admin/users/new", addUserForm("ok@example.org"))
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Badge number is required")
		if f.addUserByEmail("ok@example.org") != nil {
			t.Error("a user was added without a required custom field")
		}
	})
}

func TestAddUserNeedsPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		staff := f.signedIn(f.user("Sam", "supervisor", ""))
		if r := staff.get("/admin/users"); r.Code == 200 {
			if hasLink(r.Body, "/admin/users/new") || hasLink(r.Body, "/admin/users/quick") {
				t.Error("the users list offers adding users to a supervisor")
			}
		}
		want(t, staff.get("/admin/users/new"), http.StatusForbidden, "")
		want(t, staff.get("/admin/users/quick"), http.StatusForbidden, "")
		want(t, staff.post("/admin/users/new", addUserForm("no@example.org")), http.StatusForbidden, "")
		want(t, staff.post("/admin/users/quick", addUserForm("no@example.org")), http.StatusForbidden, "")
		if f.addUserByEmail("no@example.org") != nil {
			t.Error("a user was added by an actor without users.create")
		}
	})
}

func TestAddUserQuick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.get("/admin/users/quick")
		want(t, r, 200, "")
		says(t, r, "Quick add", "First name", "Last name", "Email")

		r = b.post("/admin/users/quick", url.Values{"first_name": {"Quinn"}, "last_name": {"Quick"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Email is required")
		if !strings.Contains(r.Body, `value="Quinn"`) {
			t.Error("the first name was not kept")
		}

		r = b.post("/admin/users/quick", url.Values{"first_name": {"Quinn"}, "last_name": {"Quick"}, "email": {"Quinn.Q@Example.org"}})
		want(t, r, http.StatusSeeOther, "")
		u := f.addUserByEmail("quinn.q@example.org")
		if u == nil {
			t.Fatal("the user was not added")
		}
		want(t, r, http.StatusSeeOther, "/admin/users/"+u.ID)
		if u.Username != "quinn.q" {
			t.Errorf("username %q, want quinn.q", u.Username)
		}
		r = b.get(r.Location())
		says(t, r, "Quinn Quick was added with the username quinn.q.")
		if f.addUserMailsTo("Quinn.Q@Example.org") != 1 {
			t.Error("no invitation was queued")
		}

		r = b.post("/admin/users/quick", url.Values{"first_name": {"Quinn"}, "last_name": {"Again"}, "email": {"quinn.q@example.org"}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "This email belongs to Quinn Quick")
	})
}
