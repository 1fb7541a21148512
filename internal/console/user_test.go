package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// TestUserGeneralShowsTheProfile checks that the General tab shows every
// profile field, the custom fields by their labels, the supervisor and
// the units by name, and offers the email change.
func TestUserGeneralShowsTheProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		f.userField(admin.FieldInput{Key: "shoe_size", Label: "Shoe size", Type: directory.FieldNumber})
		f.userField(admin.FieldInput{Key: "trained", Label: "First-aid trained", Type: directory.FieldBool})
		site := f.site("Harbour School")
		boss := f.user("Bianca", "staff", "")
		u, err := f.svc.CreateUser(f.ctx, f.op(), &admin.UserInput{Profile: directory.Profile{
			Username: "jroe", Email: "jane.roe@example.org", FirstName: "Jane", LastName: "Roe",
			DisplayName: "Jane Roe, BCBA", Phone: "+1 555 0100", JobTitle: "Behaviour analyst", Position: "Lead",
			ExternalID: "EMP-0042", Address: directory.Address{Street: "1 Quay Road", Locality: "Portside",
				Region: "Westshire", PostalCode: "PS1 2AB", Country: "Freedonia"},
			SupervisorID: boss.ID, DepartmentID: site.ID, License: directory.LicensePremium,
			CustomFields: map[string]string{"shoe_size": "41", "trained": "true"}}})
		if err != nil {
			t.Fatal(err)
		}
		r := f.ownerBrowser().get("/admin/users/" + u.ID)
		want(t, r, http.StatusOK, "")
		says(t, r, "Jane Roe, BCBA", "jroe", "jane.roe@example.org", "+1 555 0100", "Behaviour analyst", "Lead",
			"EMP-0042", "1 Quay Road", "Portside", "Westshire", "PS1 2AB", "Freedonia", "Harbour School",
			"Bianca Tester", "Premium", "Shoe size 41", "First-aid trained Yes", "Added", "Last changed", "No photo yet")
		if !hasLink(r.Body, "/admin/users/"+u.ID+"/email") || !hasLink(r.Body, "/admin/users/"+u.ID+"/edit") {
			t.Errorf("the General tab lacks the Change email or Edit link")
		}
		if !hasLink(r.Body, "/admin/users/"+boss.ID) {
			t.Errorf("the supervisor is not linked")
		}
		if !strings.Contains(r.Body, `aria-current="page">General</a>`) {
			t.Errorf("the General tab is not marked current")
		}
	})
}

// TestUserPhotoUploadAndRemoval checks the photo: a PNG is stored and
// served with its type and no caching, a file that is no image is refused
// beside the field, and removal asks first.
func TestUserPhotoUploadAndRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Pia", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID

		r := b.userUpload(path+"/photo", "image/png", []byte("this is not an image"), nil)
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "There is a problem", "The photo")
		if !strings.Contains(r.Body, `id="photo-error"`) {
			t.Errorf("the error is not beside the photo field")
		}
		if _, err := f.svc.Photo(f.ctx, f.op(), u.ID); directory.KindOf(err) != directory.KindNotFound {
			t.Fatalf("a bad image was stored: %v", err)
		}

		r = b.userUpload(path+"/photo", "image/png", userPNG(t), nil)
		want(t, r, http.StatusSeeOther, path)
		r = b.get(path)
		says(t, r, "The photo of Pia Tester is saved.")
		src := firstMatch(t, r.Body, `<img id="user-photo" src="([^"]+)"`)
		if !strings.HasPrefix(src, path+"/photo?v=") {
			t.Fatalf("photo src %q", src)
		}
		img := b.get(src)
		want(t, img, http.StatusOK, "")
		if ct := img.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") {
			t.Errorf("photo Content-Type %q", ct)
		}
		if img.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("photo Cache-Control %q", img.Header.Get("Cache-Control"))
		}
		if len(f.userEvents("user.photo_set", u.ID)) != 1 {
			t.Errorf("the upload is not audited")
		}

		r = b.post(path+"/photo/delete", nil)
		want(t, r, http.StatusOK, "")
		says(t, r, "Remove the photo of Pia Tester?")
		if _, err := f.svc.Photo(f.ctx, f.op(), u.ID); err != nil {
			t.Fatalf("the photo went before confirmation: %v", err)
		}
		r = b.follow(path+"/photo/delete", url.Values{"confirmed": {"yes"}})
		says(t, r, "The photo of Pia Tester is removed.", "No photo yet")
		if _, err := f.svc.Photo(f.ctx, f.op(), u.ID); directory.KindOf(err) != directory.KindNotFound {
			t.Fatalf("the photo is still there: %v", err)
		}
		want(t, b.get(path+"/photo"), http.StatusNotFound, "")
		if len(f.userEvents("user.photo_remove", u.ID)) != 1 {
			t.Errorf("the removal is not audited")
		}
	})
}

// TestUserEditChangesTheProfile checks the edit form: it is filled in,
// saving changes the user and is audited, a supervisor is found by user
// name, custom fields are offered (a select for choices), and the
// Activity tab then lists the edit with its before and after.
func TestUserEditChangesTheProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		site := f.site("Lakeside")
		u := f.user("Ed", "staff", "")
		boss := f.user("Bo", "staff", "")
		f.userField(admin.FieldInput{Key: "team_colour", Label: "Team colour", Type: directory.FieldChoice,
			Choices: []string{"red", "blue"}, Required: true})
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID

		r := b.get(path + "/edit")
		want(t, r, http.StatusOK, "")
		says(t, r, "Edit Ed Tester", "Team colour (required)", "Lakeside")
		if !strings.Contains(r.Body, `<select id="cf_team_colour" name="cf_team_colour"`) {
			t.Errorf("the choice field is not a select")
		}
		if !strings.Contains(r.Body, `name="first_name" type="text" autocomplete="off" value="Ed"`) {
			t.Errorf("the form is not filled in")
		}
		if strings.Contains(r.Body, `name="email"`) {
			t.Errorf("the edit form offers the email")
		}

		form := userEditForm(u)
		form.Set("first_name", "Edwin")
		form.Set("job_title", "Caretaker")
		form.Set("address_locality", "Lakeside Village")
		form.Set("supervisor", boss.Username)
		form.Set("department_id", site.ID)
		form.Set("cf_team_colour", "blue")
		form.Set("expires_at", "2031-01-31")
		r = b.post(path+"/edit", form)
		want(t, r, http.StatusSeeOther, path)
		got := f.reload(u)
		if got.FirstName != "Edwin" || got.JobTitle != "Caretaker" || got.Address.Locality != "Lakeside Village" ||
			got.SupervisorID != boss.ID || got.DepartmentID != site.ID || got.CustomFields["team_colour"] != "blue" ||
			got.ExpiresAt.Format("2006-01-02") != "2031-01-31" {
			t.Fatalf("the edit did not apply: %+v", got.Profile)
		}
		if len(f.userEvents("user.update", u.ID)) != 1 {
			t.Fatalf("the edit is not audited once")
		}
		says(t, b.get(path), "The profile of Edwin Tester is saved.", "Caretaker", "Bo Tester")

		// Saving the form again unchanged changes nothing.
		again := b.get(path + "/edit")
		if v := firstMatch(t, again.Body, `name="supervisor_was" value="([^"]*)"`); v != boss.Username {
			t.Errorf("supervisor_was %q", v)
		}
		form = userEditForm(got)
		form.Set("supervisor", boss.Username)
		form.Set("supervisor_was", boss.Username)
		form.Set("cf_team_colour", "blue")
		form.Set("expires_at", "2031-01-31")
		want(t, b.post(path+"/edit", form), http.StatusSeeOther, path)
		if after := f.reload(u); after.Version != got.Version {
			t.Errorf("an unchanged form changed the version %d → %d", got.Version, after.Version)
		}

		r = b.get(path + "/activity")
		want(t, r, http.StatusOK, "")
		says(t, r, "user.update", "Olive Owner", "first_name", "Ed", "Edwin", "job_title", "Caretaker")
		if !strings.Contains(r.Body, "<del>Ed</del>") || !strings.Contains(r.Body, "<ins>Edwin</ins>") {
			t.Errorf("the activity does not show before and after")
		}
	})
}

// TestUserEditRefusesBadInput checks that a stale version, a missing last
// name, a too long field and an unknown supervisor are refused with the
// message beside the field (or at the top), the values kept, and nothing
// changed.
func TestUserEditRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Vera", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID

		stale := userEditForm(u)
		if _, err := f.svc.UpdateUser(f.ctx, f.op(), u.ID, 0, &admin.UserPatch{JobTitle: ptr("Nurse")}); err != nil {
			t.Fatal(err)
		}
		before := f.reload(u)
		stale.Set("first_name", "Veronica")
		r := b.post(path+"/edit", stale)
		want(t, r, http.StatusConflict, "")
		says(t, r, "Someone changed this user since you opened the form")
		if !strings.Contains(r.Body, `value="Veronica"`) {
			t.Errorf("the submitted value is lost")
		}
		if got := f.reload(u); got.FirstName != "Vera" || got.Version != before.Version {
			t.Fatalf("a stale form changed the user: %+v", got.Profile)
		}

		form := userEditForm(before)
		form.Set("last_name", "")
		form.Set("job_title", strings.Repeat("x", 201))
		form.Set("phone", "call me")
		r = b.post(path+"/edit", form)
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Last name is required.", "Job title must be at most 200 characters.")
		if !strings.Contains(r.Body, `id="last_name-error"`) || !strings.Contains(r.Body, `id="job_title-error"`) {
			t.Errorf("the errors are not beside their fields")
		}
		if !strings.Contains(r.Body, `value="call me"`) {
			t.Errorf("the submitted values are lost")
		}

		form = userEditForm(before)
		form.Set("supervisor", "nobody-here@example.org")
		r = b.post(path+"/edit", form)
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Supervisor must be the user name or email of someone you can see.")
		if !strings.Contains(r.Body, `id="supervisor-error"`) {
			t.Errorf("the supervisor error is not beside the field")
		}

		if got := f.reload(u); got.Version != before.Version || got.LastName != "Tester" || got.JobTitle != "Nurse" {
			t.Fatalf("bad input changed the user: %+v", got.Profile)
		}
		if n := len(f.userEvents("user.update", u.ID)); n != 1 {
			t.Errorf("%d update events, want only the set-up's", n)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestUserEmailChange checks the email action: it changes the address and
// is audited; an address of someone else is refused with a link to them.
func TestUserEmailChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Emma", "staff", "")
		other := f.user("Otto", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID

		r := b.get(path + "/email")
		want(t, r, http.StatusOK, "")
		says(t, r, "Change the email of Emma Tester", u.Email)

		r = b.post(path+"/email", url.Values{"version": {strconv.FormatInt(u.Version, 10)}, "email": {other.Email}})
		want(t, r, http.StatusConflict, "")
		says(t, r, "This address already belongs to Otto Tester")
		if !hasLink(r.Body, "/admin/users/"+other.ID) {
			t.Errorf("the duplicate warning does not link to the other user")
		}
		if got := f.reload(u); got.Email != u.Email {
			t.Fatalf("a duplicate changed the email")
		}

		r = b.post(path+"/email", url.Values{"version": {strconv.FormatInt(u.Version, 10)}, "email": {"not an email"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Email is not a valid email address.")

		r = b.post(path+"/email", url.Values{"version": {strconv.FormatInt(u.Version, 10)}, "email": {"emma.new@example.org"}})
		want(t, r, http.StatusSeeOther, path)
		if got := f.reload(u); got.Email != "emma.new@example.org" {
			t.Fatalf("email %q", got.Email)
		}
		ev := f.userEvents("user.email_change", u.ID)
		if len(ev) != 1 || ev[0].Changes[0].After != "emma.new@example.org" {
			t.Fatalf("the change is not audited: %+v", ev)
		}
	})
}

// TestUserPositionTab checks the Position tab: the position fields, the
// supervisor linked and the team.
func TestUserPositionTab(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		boss := f.user("Bruno", "staff", "")
		u := f.user("Paula", "staff", "")
		report := f.user("Rita", "staff", "")
		if _, err := f.svc.UpdateUser(f.ctx, f.op(), u.ID, 0, &admin.UserPatch{JobTitle: ptr("Head teacher"),
			Position: ptr("Principal"), SupervisorID: &boss.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateUser(f.ctx, f.op(), report.ID, 0, &admin.UserPatch{SupervisorID: &u.ID}); err != nil {
			t.Fatal(err)
		}
		r := f.ownerBrowser().get("/admin/users/" + u.ID + "/position")
		want(t, r, http.StatusOK, "")
		says(t, r, "Head teacher", "Principal", "Bruno Tester", "Rita Tester", "supervises 1 person")
		if !hasLink(r.Body, "/admin/users/"+boss.ID+"/position") || !hasLink(r.Body, "/admin/users/"+report.ID) {
			t.Errorf("the supervisor or the team member is not linked")
		}
	})
}

// TestUserTimeOff checks adding and removing time off, and that bad dates
// are refused beside their fields.
func TestUserTimeOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Tom", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + u.ID + "/time-off"

		r := b.get(path)
		want(t, r, http.StatusOK, "")
		says(t, r, "No days off or vacations are recorded.")

		r = b.post(path, url.Values{"kind": {"vacation"}, "starts_on": {"2030-07-10"}, "ends_on": {"2030-07-01"}, "note": {"Lake"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Last day must not be before starts_on.")
		if !strings.Contains(r.Body, `id="ends_on-error"`) || !strings.Contains(r.Body, `value="Lake"`) {
			t.Errorf("the error is not beside the field or the values are lost")
		}

		r = b.follow(path, url.Values{"kind": {"vacation"}, "starts_on": {"2030-07-01"}, "ends_on": {"2030-07-10"}, "note": {"Lake"}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Time off from 2030-07-01 to 2030-07-10 is recorded", "Vacation", "2030-07-01", "2030-07-10", "Lake")
		list, err := f.svc.TimeOff(f.ctx, f.op(), u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("time off %v %v", list, err)
		}
		if len(f.userEvents("user.time_off_add", u.ID)) != 1 {
			t.Errorf("the addition is not audited")
		}

		del := path + "/" + list[0].ID + "/delete"
		r = b.post(del, nil)
		want(t, r, http.StatusOK, "")
		says(t, r, "Remove this time off of Tom Tester?")
		r = b.follow(del, url.Values{"confirmed": {"yes"}})
		says(t, r, "The time off of Tom Tester is removed.", "No days off or vacations are recorded.")
		if list, _ := f.svc.TimeOff(f.ctx, f.op(), u.ID); len(list) != 0 {
			t.Fatalf("the time off is still there")
		}
		if len(f.userEvents("user.time_off_remove", u.ID)) != 1 {
			t.Errorf("the removal is not audited")
		}
	})
}

// TestUserRelationships checks adding a relationship by the other user's
// email, seeing it from both sides, removing it after confirmation, and
// the supervisor and team shown on the tab.
func TestUserRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		parent := f.user("Paul", "staff", "")
		child := f.user("Chloe", "staff", "")
		b := f.ownerBrowser()
		path := "/admin/users/" + parent.ID + "/relationships"

		r := b.post(path, url.Values{"relation": {"to:parent_of"}, "other": {"nobody@example.org"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "The other person must be the user name or email of someone you can see.")

		r = b.follow(path, url.Values{"relation": {"to:parent_of"}, "other": {child.Email}})
		want(t, r, http.StatusOK, "")
		says(t, r, "Paul Tester is now parent of Chloe Tester.", "Parent of", "Chloe Tester")
		says(t, b.get("/admin/users/"+child.ID+"/relationships"), "Student of", "Paul Tester")
		rels, err := f.svc.UserRelationships(f.ctx, f.op(), parent.ID, "")
		if err != nil || len(rels) != 1 || rels[0].Other.ID != child.ID || !rels[0].Outgoing {
			t.Fatalf("relationships %v %v", rels, err)
		}
		if len(f.userEvents("relationship.create", parent.ID)) != 1 {
			t.Errorf("the link is not audited")
		}

		r = b.post(path, url.Values{"relation": {"to:parent_of"}, "other": {child.Username}})
		if r.Code != http.StatusConflict && r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("the same link twice: %s", r)
		}

		del := path + "/" + rels[0].ID + "/delete"
		r = b.post(del, nil)
		says(t, r, "Remove this relationship of Paul Tester?")
		r = b.follow(del, url.Values{"confirmed": {"yes"}})
		says(t, r, "The relationship is removed.", "has no relationships")
		if rels, _ := f.svc.UserRelationships(f.ctx, f.op(), parent.ID, ""); len(rels) != 0 {
			t.Fatalf("the relationship is still there")
		}

		if _, err := f.svc.UpdateUser(f.ctx, f.op(), child.ID, 0, &admin.UserPatch{SupervisorID: &parent.ID}); err != nil {
			t.Fatal(err)
		}
		says(t, b.get(path), "Supervisor and team", "Chloe Tester")
		says(t, b.get("/admin/users/"+child.ID+"/relationships"), "Supervisor Paul Tester")
	})
}

// TestUserPagesFollowPermissions checks that an actor without users.edit
// sees no edit controls and is refused when posting anyway, and that a
// site administrator cannot open a user outside their site.
func TestUserPagesFollowPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Una", "staff", "")
		staff := f.signedIn(f.user("Stu", "staff", ""))
		path := "/admin/users/" + u.ID

		r := staff.get(path)
		want(t, r, http.StatusOK, "")
		says(t, r, "Una Tester")
		for _, href := range []string{path + "/edit", path + "/email"} {
			if hasLink(r.Body, href) {
				t.Errorf("staff see %s", href)
			}
		}
		if strings.Contains(r.Body, `id="photo-form"`) {
			t.Errorf("staff see the photo upload")
		}
		silent(t, staff.get(path+"/time-off"), "Add time off")
		silent(t, staff.get(path+"/relationships"), "Add a relationship")
		says(t, staff.get(path+"/activity"), "Your role does not include reading the audit log.")

		form := userEditForm(u)
		form.Set("first_name", "Hacked")
		want(t, staff.post(path+"/edit", form), http.StatusForbidden, "")
		want(t, staff.get(path+"/edit"), http.StatusForbidden, "")
		want(t, staff.post(path+"/email", url.Values{"email": {"x@example.org"}}), http.StatusForbidden, "")
		want(t, staff.post(path+"/time-off", url.Values{"kind": {"vacation"}, "starts_on": {"2030-01-01"},
			"ends_on": {"2030-01-02"}}), http.StatusForbidden, "")
		want(t, staff.userUpload(path+"/photo", "image/png", userPNG(t), nil), http.StatusForbidden, "")
		if got := f.reload(u); got.FirstName != "Una" || got.Email != u.Email {
			t.Fatalf("staff changed the user")
		}

		north, south := f.site("North"), f.site("South")
		admin := f.user("Ada", "administrator", north.ID)
		inside := f.user("Ines", "staff", north.ID)
		outside := f.user("Otis", "staff", south.ID)
		b := f.signedIn(admin)
		want(t, b.get("/admin/users/"+inside.ID), http.StatusOK, "")
		for _, tab := range []string{"", "/position", "/time-off", "/relationships", "/activity", "/edit", "/email", "/photo"} {
			want(t, b.get("/admin/users/"+outside.ID+tab), http.StatusNotFound, "")
		}
		want(t, b.post("/admin/users/"+outside.ID+"/edit", userEditForm(outside)), http.StatusNotFound, "")
		r = b.post("/admin/users/"+inside.ID+"/relationships", url.Values{"relation": {"to:parent_of"}, "other": {outside.Username}})
		want(t, r, http.StatusUnprocessableEntity, "")
	})
}

// TestUserActivityIsPaged checks that the Activity tab pages the trail
// with a cursor: the next page holds the older events and no event twice.
func TestUserActivityIsPaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.user("Max", "staff", "")
		for i := range 30 {
			day := "2030-08-" + strconv.Itoa(10+i%20)
			if _, err := f.svc.AddTimeOff(f.ctx, f.op(), u.ID, admin.TimeOffInput{Kind: directory.TimeOffDayOff,
				StartsOn: day, EndsOn: day, Note: "note-" + strconv.Itoa(i) + "-end"}); err != nil {
				t.Fatal(err)
			}
		}
		b := f.ownerBrowser()
		r := b.get("/admin/users/" + u.ID + "/activity")
		want(t, r, http.StatusOK, "")
		says(t, r, "Time off added", "note-29-end")
		silent(t, r, "note-0-end")
		if n := strings.Count(r.Body, `<th scope="row" data-label="When">`); n != 25 {
			t.Fatalf("%d events on the first page, want 25", n)
		}
		next := firstMatch(t, r.Body, `<a href="([^"]+)" rel="next">`)
		r = b.get(next)
		want(t, r, http.StatusOK, "")
		says(t, r, "note-0-end", "note-4-end", "Added")
		silent(t, r, "note-5-end", "note-29-end")
	})
}
