package console_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestUsersListShowsUsersAndPadlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ann := usersNamed(t, f, "Ann", "Lee", "staff", "")
		carl := usersLock(t, f, usersNamed(t, f, "Carl", "Moss", "manager", ""))
		dina := usersNamed(t, f, "Dina", "Roe", "staff", "")
		if _, err := f.svc.Disable(f.ctx, f.op(), dina.ID, 0); err != nil {
			t.Fatal(err)
		}
		b := f.ownerBrowser()
		r := b.get("/admin/users")
		want(t, r, http.StatusOK, "")
		says(t, r, "Users", "Ann Lee", ann.Username, ann.Email, "Staff – whole organization", "Carl Moss",
			"Manager – whole organization", "Dina Roe", "Disabled", "Locked", "4 users.")
		if !strings.Contains(r.Body, `<title>Users – `) {
			t.Error("the page title does not say Users")
		}
		// The padlock of the locked user posts to the user's unlock route
		// with the version and the way back to this list.
		padlock := firstMatch(t, r.Body, `(<button type="submit" class="padlock" id="unlock-`+carl.ID+`"[^>]*>)`)
		for _, part := range []string{`formaction="/admin/users/` + carl.ID + `/unlock"`, `name="version"`,
			`value="` + usersItoa(carl.Version) + `"`, `data-confirm="Unlock Carl Moss?"`} {
			if !strings.Contains(padlock, part) {
				t.Errorf("padlock %s lacks %s", padlock, part)
			}
		}
		if !strings.Contains(r.Body, `aria-label="Unlock Carl Moss"`) {
			t.Error("the padlock icon has no text alternative")
		}
		if strings.Contains(r.Body, `id="unlock-`+ann.ID+`"`) {
			t.Error("a padlock is shown for a user who is not locked")
		}
		if !strings.Contains(r.Body, `<input type="hidden" name="back" value="/admin/users">`) {
			t.Error("the list form does not carry the way back")
		}
		// Disabled rows are red.
		if !regexp.MustCompile(`<tr id="user-` + dina.ID + `" class="alert"`).MatchString(r.Body) {
			t.Error("the disabled user's row is not marked alert")
		}
		if regexp.MustCompile(`<tr id="user-` + ann.ID + `" class="alert"`).MatchString(r.Body) {
			t.Error("an active user's row is marked alert")
		}

		// When the user page's unlock route is there, the padlock works and
		// leads back to the list.
		back := "/admin/users?locked=true"
		res := b.post("/admin/users/"+carl.ID+"/unlock", url.Values{"version": {usersItoa(carl.Version)},
			"back": {back}, "confirmed": {"yes"}})
		if res.Code == http.StatusNotFound || res.Code == http.StatusMethodNotAllowed {
			t.Log("the unlock route is not there yet; only the padlock form was checked")
			return
		}
		want(t, res, http.StatusSeeOther, back)
		if f.reload(carl).Locked() {
			t.Error("Carl is still locked after the padlock")
		}
	})
}

func TestUsersSearchAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north := f.site("North")
		ann := usersNamed(t, f, "Ann", "Lee", "staff", "")
		bob := usersNamed(t, f, "Bob", "Stone", "manager", "")
		carl := usersLock(t, f, usersNamed(t, f, "Carl", "Moss", "staff", ""))
		dina := usersNamed(t, f, "Dina", "Roe", "staff", "")
		eve := usersNamed(t, f, "Eve", "North", "staff", north.ID)
		if _, err := f.svc.Disable(f.ctx, f.op(), dina.ID, 0); err != nil {
			t.Fatal(err)
		}
		never := usersUninvited(t, f, "Nora")
		sent := f.pending("Sid")
		if _, err := f.svc.ResendInvitation(f.ctx, f.op(), sent.ID); err != nil {
			t.Fatal(err)
		}
		manager, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "manager")
		if err != nil {
			t.Fatal(err)
		}
		all := []*directory.User{f.owner, ann, bob, carl, dina, eve, never, sent}
		b := f.ownerBrowser()
		for _, c := range []struct {
			query string
			want  []*directory.User
		}{
			{"q=lee", []*directory.User{ann}},
			{"q=" + url.QueryEscape("carl moss"), []*directory.User{carl}},
			{"status=inactive", []*directory.User{dina}},
			{"status=pending", []*directory.User{never, sent}},
			{"locked=true", []*directory.User{carl}},
			{"invitation=never", []*directory.User{never}},
			{"invitation=sent", []*directory.User{sent}},
			{"role=" + manager.ID, []*directory.User{bob}},
			{"unit=" + north.ID, []*directory.User{eve}},
			{"status=active&role=" + manager.ID, []*directory.User{bob}},
		} {
			r := b.get("/admin/users?" + c.query)
			want(t, r, http.StatusOK, "")
			for _, u := range all {
				if got, wanted := usersShows(r.Body, u), slices.Contains(c.want, u); got != wanted {
					t.Errorf("%s: shows %s = %v, want %v", c.query, u.Name(), got, wanted)
				}
			}
			if !hasLink(r.Body, "/admin/users") || !strings.Contains(r.Body, `id="clear-filters"`) {
				t.Errorf("%s: no Clear filters link", c.query)
			}
		}
		// The filters are kept in the form, so the view can be refined.
		r := b.get("/admin/users?locked=false&q=lee")
		if !strings.Contains(r.Body, `<option value="false" selected>`) || !strings.Contains(r.Body, `value="lee"`) {
			t.Error("the filter form does not show the filters of the URL")
		}
		if usersShows(r.Body, carl) || !usersShows(r.Body, ann) {
			t.Error("locked=false&q=lee shows the wrong users")
		}

		// Nothing found: the empty state with the way out.
		r = b.get("/admin/users?q=zzzzzz")
		want(t, r, http.StatusOK, "")
		says(t, r, "No users match these filters.", "Clear filters")

		// Values the list cannot read are explained beside the filter.
		r = b.get("/admin/users?status=bogus")
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "There is a problem", "Status must be pending, active or inactive")
		r = b.get("/admin/users?locked=maybe")
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Locked must be yes or no")
		r = b.get("/admin/users?role=nope&unit=nope")
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Role must name one of this organization", "Unit must name one of this organization")
	})
}

func TestUsersSortAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		for i := range 30 {
			f.pending("P" + string(rune('a'+i%26)) + usersItoa(int64(i)))
		}
		b := f.ownerBrowser()
		r := b.get("/admin/users?limit=25")
		want(t, r, http.StatusOK, "")
		says(t, r, "31 users.")
		first := usersRows(r.Body)
		if len(first) != 25 {
			t.Fatalf("first page holds %d rows, want 25", len(first))
		}
		next := firstMatch(t, r.Body, `<a href="([^"]+)" rel="next"`)
		if !strings.HasPrefix(next, "/admin/users?") || !strings.Contains(next, "limit=25") {
			t.Fatalf("next link %q", next)
		}
		r = b.get(next)
		want(t, r, http.StatusOK, "")
		rest := usersRows(r.Body)
		if len(rest) != 6 {
			t.Fatalf("second page holds %d rows, want 6", len(rest))
		}
		if strings.Contains(r.Body, `rel="next"`) {
			t.Error("the last page has a Next link")
		}
		if !strings.Contains(r.Body, `id="first-page"`) {
			t.Error("the second page has no First page link")
		}
		seen := map[string]bool{}
		for _, id := range append(first, rest...) {
			if seen[id] {
				t.Errorf("user %s on both pages", id)
			}
			seen[id] = true
		}

		// Sorting by name descending reverses the order.
		r = b.get("/admin/users?limit=100")
		asc := usersRows(r.Body)
		link := firstMatch(t, r.Body, `<a href="([^"]+)" id="sort-name"`)
		if !strings.Contains(r.Body, `<th scope="col" aria-sort="ascending"><a href="`) || !strings.Contains(link, "order=desc") {
			t.Fatalf("the name column is not marked sorted ascending, or its link %q does not reverse it", link)
		}
		r = b.get(link)
		want(t, r, http.StatusOK, "")
		desc := usersRows(r.Body)
		slices.Reverse(desc)
		if !slices.Equal(asc, desc) || len(asc) != 31 {
			t.Errorf("descending order is not the ascending order reversed:\n%v\n%v", asc, desc)
		}
		if !strings.Contains(r.Body, `aria-sort="descending"`) {
			t.Error("the name column is not marked sorted descending")
		}
		// A page size that is not offered is explained.
		r = b.get("/admin/users?limit=1000")
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Users per page must be 25, 50 or 100")
	})
}

func TestUsersBulkDisable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		a1 := usersNamed(t, f, "Ann", "Lee", "staff", "")
		a2 := usersNamed(t, f, "Bob", "Stone", "staff", "")
		keep := usersNamed(t, f, "Cleo", "Kept", "staff", "")
		b := f.ownerBrowser()
		back := "/admin/users?status=active"
		form := url.Values{"action": {"disable"}, "ids": {a1.ID, a2.ID, f.owner.ID}, "back": {back}}

		// First the question, and nothing changes.
		r := b.post("/admin/users/bulk", form)
		want(t, r, http.StatusOK, "")
		says(t, r, "Disable the 3 selected users?")
		if f.reload(a1).Status != directory.StatusActive {
			t.Fatal("disabled before the confirmation")
		}

		form.Set("confirmed", "yes")
		r = b.post("/admin/users/bulk", form)
		want(t, r, http.StatusSeeOther, back)
		r = b.get(r.Location())
		says(t, r, "2 users disabled; 1 could not be: Olive Owner (you cannot disable your own account).")
		for _, u := range []*directory.User{a1, a2} {
			if f.reload(u).Status != directory.StatusInactive {
				t.Errorf("%s is not disabled", u.Name())
			}
		}
		if f.reload(keep).Status != directory.StatusActive || f.reload(f.owner).Status != directory.StatusActive {
			t.Error("a user who was not selected, or the actor, was disabled")
		}
		disabled := map[string]bool{}
		for _, ev := range f.audit() {
			if ev.Action == "user.disable" {
				disabled[ev.TargetID] = true
			}
		}
		if !disabled[a1.ID] || !disabled[a2.ID] || len(disabled) != 2 {
			t.Errorf("audit of the disabling: %v", disabled)
		}

		// No selection: the list again with the message, nothing done.
		r = b.post("/admin/users/bulk", url.Values{"action": {"enable"}, "back": {back}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Select at least one user")

		// Enabling needs no confirmation.
		r = b.post("/admin/users/bulk", url.Values{"action": {"enable"}, "ids": {a1.ID}, "back": {back}})
		want(t, r, http.StatusSeeOther, back)
		if f.reload(a1).Status != directory.StatusActive {
			t.Error("bulk enable did not enable")
		}
	})
}

func TestUsersBulkExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ann := usersNamed(t, f, "Ann", "Lee", "staff", "")
		phone, title := "+1 555 0100", "=HYPERLINK(\"http://evil\")"
		var err error
		ann, err = f.svc.UpdateUser(f.ctx, f.op(), ann.ID, 0, &admin.UserPatch{Phone: &phone, JobTitle: &title})
		if err != nil {
			t.Fatal(err)
		}
		bob := usersNamed(t, f, "Bob", "Stone", "staff", "")
		other := usersNamed(t, f, "Cleo", "Unselected", "staff", "")
		b := f.ownerBrowser()
		r := b.post("/admin/users/bulk", url.Values{"action": {"export"}, "ids": {ann.ID, bob.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusOK, "")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
			t.Errorf("Content-Disposition %q", cd)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, r.Body)
		}
		if len(rows) != 3 || !slices.Equal(rows[0], []string{"Name", "User name", "Email", "Status", "Phone", "Job title", "Last sign-in"}) {
			t.Fatalf("rows %q", rows)
		}
		if got := rows[1]; got[0] != "Ann Lee" || got[1] != ann.Username || got[3] != "Active" ||
			got[4] != "'"+phone || got[5] != "'"+title {
			t.Errorf("Ann's row %q (cells starting a formula must begin with a quote)", got)
		}
		if rows[2][0] != "Bob Stone" || strings.Contains(r.Body, other.Username) {
			t.Errorf("export holds the wrong users: %q", rows)
		}
		var exported *directory.AuditEvent
		for _, ev := range f.audit() {
			if ev.Action == "users.exported" {
				exported = ev
				break
			}
		}
		if exported == nil || exported.ActorID != f.owner.ID || len(exported.Changes) != 1 ||
			usersItoa(usersInt(exported.Changes[0].After)) != "2" {
			t.Errorf("audit of the export: %+v", exported)
		}
	})
}

func TestUsersWithoutUnlockPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		locked := usersLock(t, f, usersNamed(t, f, "Carl", "Moss", "staff", ""))
		viewer := usersNamed(t, f, "Vera", "Viewer", "staff", "")
		b := f.signedIn(viewer)
		r := b.get("/admin/users")
		want(t, r, http.StatusOK, "")
		says(t, r, "Carl Moss", "Locked")
		if strings.Contains(r.Body, `class="padlock" id="unlock-`) || strings.Contains(r.Body, "/unlock") {
			t.Error("a viewer without users.unlock sees the padlock button")
		}
		if strings.Contains(r.Body, `id="bulk-action"`) || strings.Contains(r.Body, `name="ids"`) {
			t.Error("a viewer without any bulk permission sees the bulk actions")
		}
		r = b.post("/admin/users/bulk", url.Values{"action": {"unlock"}, "ids": {locked.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusForbidden, "")
		if !f.reload(locked).Locked() {
			t.Error("the forbidden bulk unlock unlocked")
		}
		r = b.post("/admin/users/bulk", url.Values{"action": {"export"}, "ids": {locked.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusForbidden, "")
		r = b.post("/admin/users/bulk", url.Values{"action": {"unlock"}, "back": {"/admin/users"}})
		want(t, r, http.StatusForbidden, "")

		// An owner unlocks in bulk.
		o := f.ownerBrowser()
		r = o.post("/admin/users/bulk", url.Values{"action": {"unlock"}, "ids": {locked.ID, viewer.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusSeeOther, "/admin/users")
		says(t, o.get("/admin/users"), "1 user unlocked; 1 could not be: Vera Viewer (Vera Viewer is not locked).")
		if f.reload(locked).Locked() {
			t.Error("bulk unlock did not unlock")
		}
	})
}

func TestUsersSiteAdministrator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		north, south := f.site("North"), f.site("South")
		siteAdmin := usersNamed(t, f, "Sam", "Siteadmin", "administrator", north.ID)
		inside := usersNamed(t, f, "Ina", "Inside", "staff", north.ID)
		outside := usersNamed(t, f, "Otto", "Outside", "staff", south.ID)
		b := f.signedIn(siteAdmin)
		r := b.get("/admin/users")
		want(t, r, http.StatusOK, "")
		if !usersShows(r.Body, inside) || usersShows(r.Body, outside) {
			t.Errorf("a site administrator's list: inside %v, outside %v", usersShows(r.Body, inside), usersShows(r.Body, outside))
		}
		silent(t, r, "Otto Outside")
		r = b.get("/admin/users?q=otto")
		want(t, r, http.StatusOK, "")
		says(t, r, "No users match these filters.")
		r = b.get("/admin/users?unit=" + south.ID)
		if usersShows(r.Body, outside) {
			t.Error("the unit filter shows a user outside the site")
		}

		// Acting on a user outside the site changes nothing and names nobody.
		r = b.post("/admin/users/bulk", url.Values{"action": {"disable"}, "ids": {outside.ID}, "back": {"/admin/users"},
			"confirmed": {"yes"}})
		want(t, r, http.StatusSeeOther, "/admin/users")
		r = b.get("/admin/users")
		says(t, r, "0 users disabled; 1 could not be: a user you may not see")
		silent(t, r, "Otto")
		if f.reload(outside).Status != directory.StatusActive {
			t.Error("a site administrator disabled a user outside the site")
		}
		r = b.post("/admin/users/bulk", url.Values{"action": {"export"}, "ids": {outside.ID, inside.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusOK, "")
		if strings.Contains(r.Body, "Otto") || !strings.Contains(r.Body, "Ina Inside") {
			t.Errorf("a site administrator's export:\n%s", r.Body)
		}
	})
}

func TestUsersMoreFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		away := usersNamed(t, f, "Avery", "Away", "staff", "")
		if _, err := f.svc.AddTimeOff(f.ctx, f.op(), away.ID, admin.TimeOffInput{Kind: directory.TimeOffVacation,
			StartsOn: "2030-03-10", EndsOn: "2030-03-20"}); err != nil {
			t.Fatal(err)
		}
		gone := usersNamed(t, f, "Ezra", "Expired", "staff", "")
		past := "2030-03-01T00:00:00Z"
		if _, err := f.svc.UpdateUser(f.ctx, f.op(), gone.ID, 0, &admin.UserPatch{ExpiresAt: &past}); err != nil {
			t.Fatal(err)
		}
		member := usersNamed(t, f, "Gil", "Member", "staff", "")
		g, err := f.svc.CreateGroup(f.ctx, f.op(), admin.GroupInput{Name: "Night shift"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddGroupMember(f.ctx, f.op(), g.ID, member.ID); err != nil {
			t.Fatal(err)
		}
		all := []*directory.User{f.owner, away, gone, member}
		b := f.ownerBrowser()
		for _, c := range []struct {
			query string
			want  []*directory.User
		}{
			{"at_vacation=true", []*directory.User{away}},
			{"expired=true", []*directory.User{gone}},
			{"expired=false", []*directory.User{f.owner, away, member}},
			{"group=" + g.ID, []*directory.User{member}},
			{"license=premium", nil},
		} {
			r := b.get("/admin/users?" + c.query)
			want(t, r, http.StatusOK, "")
			for _, u := range all {
				if got, wanted := usersShows(r.Body, u), slices.Contains(c.want, u); got != wanted {
					t.Errorf("%s: shows %s = %v, want %v", c.query, u.Name(), got, wanted)
				}
			}
		}
		// Expired rows are red and say so.
		r := b.get("/admin/users")
		if !regexp.MustCompile(`<tr id="user-` + gone.ID + `" class="alert"`).MatchString(r.Body) {
			t.Error("the expired user's row is not marked alert")
		}
		says(t, r, "Expired")
		// The group select offers the organization's groups.
		if !strings.Contains(r.Body, `<option value="`+g.ID+`">Night shift</option>`) {
			t.Error("the group filter does not offer the group")
		}
	})
}

func TestUsersBulkGroupResendDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ann := usersNamed(t, f, "Ann", "Lee", "staff", "")
		pend := f.pending("Nora")
		g, err := f.svc.CreateGroup(f.ctx, f.op(), admin.GroupInput{Name: "Readers"})
		if err != nil {
			t.Fatal(err)
		}
		b := f.ownerBrowser()

		// Add to group needs a group.
		r := b.post("/admin/users/bulk", url.Values{"action": {"group"}, "ids": {ann.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Group must be chosen to add users to")
		if !strings.Contains(r.Body, `<input type="checkbox" name="ids" value="`+ann.ID+`" id="select-`+ann.ID+`" checked>`) {
			t.Error("the selection is lost after the error")
		}
		r = b.follow("/admin/users/bulk", url.Values{"action": {"group"}, "group": {g.ID}, "ids": {ann.ID, pend.ID},
			"back": {"/admin/users?group=" + g.ID}})
		want(t, r, http.StatusOK, "")
		says(t, r, "2 users added to the group.", "Ann Lee", "Nora Pending")

		// Resend invitations: the pending user gets one, the active user cannot.
		r = b.follow("/admin/users/bulk", url.Values{"action": {"resend"}, "ids": {pend.ID, ann.ID}, "back": {"/admin/users"}})
		says(t, r, "1 user invited again; 1 could not be: Ann Lee (")

		// Delete asks, then moves the never-signed-in user to the recycle bin.
		form := url.Values{"action": {"delete"}, "ids": {pend.ID, f.owner.ID}, "back": {"/admin/users"}}
		r = b.post("/admin/users/bulk", form)
		want(t, r, http.StatusOK, "")
		says(t, r, "Move the 2 selected users to the recycle bin?")
		if f.reload(pend).Deleted() {
			t.Fatal("deleted before the confirmation")
		}
		form.Set("confirmed", "yes")
		r = b.follow("/admin/users/bulk", form)
		says(t, r, "1 user moved to the recycle bin; 1 could not be: Olive Owner (")
		if !f.reload(pend).Deleted() || f.reload(f.owner).Deleted() {
			t.Error("bulk delete deleted the wrong users")
		}
		var deletes int
		for _, ev := range f.audit() {
			if ev.Action == "user.delete" && ev.TargetID == pend.ID {
				deletes++
			}
		}
		if deletes != 1 {
			t.Errorf("%d user.delete events, want 1", deletes)
		}
		// An unknown action is refused with a message.
		r = b.post("/admin/users/bulk", url.Values{"action": {"purge"}, "ids": {ann.ID}, "back": {"/admin/users"}})
		want(t, r, http.StatusUnprocessableEntity, "")
		says(t, r, "Action must be chosen")
	})
}
