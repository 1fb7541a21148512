package console_test

import (
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestUserActionsDisableEnable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		u := f.user("Dana", "staff", "")
		path := "/admin/users/" + u.ID + "/disable"

		// Without confirmation: the question, and nothing changes.
		r := b.post(path, useractionsVersion(u))
		want(t, r, 200, "")
		says(t, r, "Disable "+u.Name()+"?")
		if f.reload(u).Status != directory.StatusActive {
			t.Fatal("disabled without confirmation")
		}
		// A stale version: a clear message, nothing changed.
		stale := useractionsConfirmed(u)
		stale.Set("version", usersItoa(u.Version+5))
		r = b.post(path, stale)
		want(t, r, 409, "")
		says(t, r, "changed by someone else")
		if f.reload(u).Status != directory.StatusActive {
			t.Fatal("disabled with a stale version")
		}

		r = b.post(path, useractionsConfirmed(u))
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		u = f.reload(u)
		if u.Status != directory.StatusInactive {
			t.Fatalf("status %s after disable", u.Status)
		}
		useractionsAudited(t, f, "user.disable", u)
		r = b.get(r.Location())
		says(t, r, u.Name()+" is disabled.")

		// Enable, with a back field leading to the users list.
		form := useractionsVersion(u)
		form.Set("back", "/admin/users?status=inactive")
		r = b.post("/admin/users/"+u.ID+"/enable", form)
		want(t, r, 303, "/admin/users?status=inactive")
		if got := f.reload(u); got.Status != directory.StatusActive {
			t.Fatalf("status %s after enable", got.Status)
		}
		useractionsAudited(t, f, "user.enable", u)
	})
}

func TestUserActionsUnlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		u := usersLock(t, f, f.user("Lars", "staff", ""))
		r := b.get("/admin/users/" + u.ID + "/security")
		want(t, r, 200, "")
		says(t, r, "Locked since", "Failed sign-in attempts")
		path := "/admin/users/" + u.ID + "/unlock"
		r = b.post(path, useractionsVersion(u))
		want(t, r, 200, "")
		says(t, r, "Unlock "+u.Name()+"?")
		if !f.reload(u).Locked() {
			t.Fatal("unlocked without confirmation")
		}
		form := useractionsConfirmed(u)
		form.Set("back", "/admin/users")
		r = b.post(path, form)
		want(t, r, 303, "/admin/users")
		got := f.reload(u)
		if got.Locked() || got.FailedAttempts != 0 {
			t.Fatalf("still locked: %+v", got)
		}
		useractionsAudited(t, f, "user.unlock", u)
		f.signedIn(u) // signs in again
	})
}

func TestUserActionsDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		u := f.pending("Penny")
		path := "/admin/users/" + u.ID + "/delete"
		r := b.post(path, useractionsVersion(u))
		want(t, r, 200, "")
		says(t, r, "Move "+u.Name()+" to the recycle bin?")
		if f.reload(u).Deleted() {
			t.Fatal("deleted without confirmation")
		}
		r = b.post(path, useractionsConfirmed(u))
		want(t, r, 303, "/admin/users")
		if !f.reload(u).Deleted() {
			t.Fatal("not in the recycle bin")
		}
		useractionsAudited(t, f, "user.delete", u)

		// A user who has signed in cannot be deleted: a clear refusal.
		s := f.user("Sam", "staff", "")
		f.signedIn(s)
		s = f.reload(s)
		r = b.post("/admin/users/"+s.ID+"/delete", useractionsConfirmed(s))
		want(t, r, 409, "")
		says(t, r, "disable it instead")
		if f.reload(s).Deleted() {
			t.Fatal("a signed-in user was deleted")
		}
	})
}

func TestUserActionsResendInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		u := f.pending("Ivy")
		before := useractionsMails(t, f, u.Email)
		r := b.get("/admin/users/" + u.ID + "/security")
		want(t, r, 200, "")
		says(t, r, "Invitation")
		r = b.post("/admin/users/"+u.ID+"/resend-invitation", nil)
		want(t, r, 303, "/admin/users/"+u.ID+"/security")
		if got := useractionsMails(t, f, u.Email); got != before+1 {
			t.Fatalf("%d mails to %s, want %d", got, u.Email, before+1)
		}
		useractionsAudited(t, f, "invitation.resend", u)
		r = b.get(r.Location())
		says(t, r, "A new invitation is on its way to "+u.Email, "Invitation sent")
	})
}

func TestUserActionsPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		boss := f.user("Sue", "supervisor", "")
		u := f.user("Tom", "staff", "")
		b := f.signedIn(boss)
		r := b.get("/admin/users/" + u.ID + "/security")
		want(t, r, 200, "")
		if useractionsHas(r.Body, `action="/admin/users/`+u.ID+`/disable"`) {
			t.Error("a supervisor is offered Disable")
		}
		r = b.post("/admin/users/"+u.ID+"/disable", useractionsConfirmed(u))
		want(t, r, 403, "")
		r = b.post("/admin/users/"+u.ID+"/disable", useractionsVersion(u))
		want(t, r, 403, "")
		if f.reload(u).Status != directory.StatusActive {
			t.Fatal("a supervisor disabled someone")
		}

		// A site administrator does not reach users outside their site.
		north, south := f.site("North"), f.site("South")
		admin := f.user("Ada", "administrator", north.ID)
		outside := f.user("Oscar", "staff", south.ID)
		inside := f.user("Ian", "staff", north.ID)
		b = f.signedIn(admin)
		for _, p := range []string{"/security", "/access"} {
			want(t, b.get("/admin/users/"+outside.ID+p), 404, "")
			want(t, b.get("/admin/users/"+inside.ID+p), 200, "")
		}
		want(t, b.post("/admin/users/"+outside.ID+"/disable", useractionsConfirmed(outside)), 404, "")
		want(t, b.post("/admin/users/"+outside.ID+"/unlock", useractionsConfirmed(outside)), 404, "")
		if f.reload(outside).Status != directory.StatusActive {
			t.Fatal("a site administrator disabled a user outside the site")
		}
	})
}
