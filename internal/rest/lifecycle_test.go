package rest_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// TestStatusLifecycle walks users through the status actions, one step
// after another; refused steps must change nothing.
func TestStatusLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		pending := f.createUser(map[string]any{"first_name": "Pat", "last_name": "Pending"})
		active := f.createUser(map[string]any{"first_name": "Ace", "last_name": "Active"})
		f.activate(active)
		locked := f.createUser(map[string]any{"first_name": "Lou", "last_name": "Locked"})

		lock := func() {
			u, err := e.DB.User(ctx, f.org.ID, locked.ID)
			if err != nil {
				t.Fatal(err)
			}
			u.LockedAt, u.LockReason, u.FailedAttempts = f.clock.Now(), "too many failed sign-ins", 5
			if err := e.DB.UpdateUserState(ctx, u, u.Version); err != nil {
				t.Fatal(err)
			}
		}

		steps := []struct {
			name       string
			setup      func()
			user       *user
			action     string
			status     int
			wantStatus string // the user's status afterwards
			wantLocked bool
		}{
			{name: "pending user disabled", user: pending, action: "disable", status: http.StatusOK, wantStatus: "inactive"},
			{name: "disable an inactive user", user: pending, action: "disable", status: http.StatusConflict, wantStatus: "inactive"},
			{name: "inactive user without password enabled goes back to pending", user: pending, action: "enable", status: http.StatusOK, wantStatus: "pending"},
			{name: "enable a pending user", user: pending, action: "enable", status: http.StatusConflict, wantStatus: "pending"},
			{name: "enable an active user", user: active, action: "enable", status: http.StatusConflict, wantStatus: "active"},
			{name: "active user disabled", user: active, action: "disable", status: http.StatusOK, wantStatus: "inactive"},
			{name: "inactive user with password enabled becomes active", user: active, action: "enable", status: http.StatusOK, wantStatus: "active"},
			{name: "unlock a user who is not locked", user: active, action: "unlock", status: http.StatusConflict, wantStatus: "active"},
			{name: "unlock a locked user", setup: lock, user: locked, action: "unlock", status: http.StatusOK, wantStatus: "pending"},
			{name: "unlock again", user: locked, action: "unlock", status: http.StatusConflict, wantStatus: "pending"},
			{name: "owner disables themself", user: &user{ID: f.owner.ID}, action: "disable", status: http.StatusConflict, wantStatus: "active"},
		}
		for _, s := range steps {
			if s.setup != nil {
				s.setup()
			}
			before := f.getUser(s.user.ID)
			snap := f.snapshot(s.user.ID)
			r := f.do("POST", "users/"+s.user.ID+"/"+s.action, nil)
			if s.status != http.StatusOK {
				p := wantProblem(t, r, s.status)
				if !strings.Contains(p.Detail, before.Name) && !strings.Contains(p.Detail, "your own") {
					t.Errorf("%s: detail %q does not say who", s.name, p.Detail)
				}
				f.unchanged(snap, s.user.ID)
				continue
			}
			got := must[user](t, r, http.StatusOK)
			if got.Status != s.wantStatus || got.Locked != s.wantLocked || got.Version != before.Version+1 {
				t.Errorf("%s: status %q locked %v version %d, want %q %v %d", s.name, got.Status, got.Locked, got.Version,
					s.wantStatus, s.wantLocked, before.Version+1)
			}
			if r.Header.Get("ETag") != etag(got.Version) {
				t.Errorf("%s: ETag %q", s.name, r.Header.Get("ETag"))
			}
			ev := f.wantEvent("user."+s.action, s.user.ID)
			c := changesOf(ev)
			if s.action == "unlock" {
				if c["locked"].Before != true || c["locked"].After != false || c["lock_reason"].Before != "too many failed sign-ins" {
					t.Errorf("%s: changes %+v", s.name, ev.Changes)
				}
				if got.LockedAt != nil || got.LockReason != "" {
					t.Errorf("%s: still shows a lock: %v %q", s.name, got.LockedAt, got.LockReason)
				}
			} else if n := len(ev.Changes); c["status"].Before != before.Status || c["status"].After != s.wantStatus ||
				(n != 1 && !(n == 2 && c["invitation"].After == "void")) {
				// Disabling a pending user also voids their invitation.
				t.Errorf("%s: changes %+v", s.name, ev.Changes)
			}
		}

		// A locked user shows as locked before the unlock, through GET and
		// the locked filter.
		lock()
		if u := f.getUser(locked.ID); !u.Locked || u.LockReason == "" {
			t.Errorf("locked user shows locked=%v reason=%q", u.Locked, u.LockReason)
		}

		// Actions honour If-Match too.
		cur := f.getUser(active.ID)
		snap := f.snapshot(active.ID)
		wantProblem(t, f.do("POST", "users/"+active.ID+"/disable", nil, "If-Match", etag(cur.Version-1)), http.StatusPreconditionFailed)
		f.unchanged(snap, active.ID)
		must[user](t, f.do("POST", "users/"+active.ID+"/disable", nil, "If-Match", etag(cur.Version)), http.StatusOK)

		wantProblem(t, f.do("POST", "users/no-such-user/disable", nil), http.StatusNotFound)
	})
}

// TestDeleteRestorePurge covers the recycle bin.
func TestDeleteRestorePurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		ctx := context.Background()
		f.defineFields()
		u := f.createUser(map[string]any{"first_name": "Del", "last_name": "Etable",
			"custom_fields": map[string]any{"team": "red", "shoe_size": 41}})
		must[timeOff](t, f.do("POST", "users/"+u.ID+"/time-off", `{"kind": "vacation", "starts_on": "2030-07-01", "ends_on": "2030-07-14"}`), http.StatusCreated)
		ids := func(query string) []string {
			var out []string
			for _, it := range must[userList](t, f.do("GET", "users"+query, nil), http.StatusOK).Items {
				out = append(out, it.ID)
			}
			return out
		}

		// Purge needs the user in the bin first.
		snap := f.snapshot(u.ID)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/purge", nil), http.StatusConflict)
		f.unchanged(snap, u.ID)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/restore", nil), http.StatusConflict)
		f.unchanged(snap, u.ID)

		// Delete: into the bin, out of the default list.
		r := f.do("DELETE", "users/"+u.ID, nil)
		deleted := must[user](t, r, http.StatusOK)
		if !deleted.Deleted || deleted.DeletedAt == nil || deleted.Status != "pending" {
			t.Errorf("deleted user: deleted=%v at %v status %q", deleted.Deleted, deleted.DeletedAt, deleted.Status)
		}
		if ev := f.wantEvent("user.delete", u.ID); changesOf(ev)["deleted_at"].After == nil {
			t.Errorf("user.delete changes %+v", ev.Changes)
		}
		if slices.Contains(ids(""), u.ID) || !slices.Contains(ids("?deleted=true"), u.ID) {
			t.Errorf("deleted user: in default list %v, in bin %v", slices.Contains(ids(""), u.ID), slices.Contains(ids("?deleted=true"), u.ID))
		}
		if got := f.getUser(u.ID); !got.Deleted {
			t.Error("GET of a user in the bin does not say deleted")
		}
		// Users in the bin cannot be edited or deleted again.
		snap = f.snapshot(u.ID)
		wantProblem(t, f.do("PATCH", "users/"+u.ID, `{"job_title": "x"}`), http.StatusConflict)
		wantProblem(t, f.do("DELETE", "users/"+u.ID, nil), http.StatusConflict)
		wantProblem(t, f.do("POST", "users/"+u.ID+"/disable", nil), http.StatusConflict)
		f.unchanged(snap, u.ID)

		// Restore: back with custom fields and time off.
		restored := must[user](t, f.do("POST", "users/"+u.ID+"/restore", nil), http.StatusOK)
		if restored.Deleted || restored.DeletedAt != nil || restored.CustomFields["team"] != "red" || restored.CustomFields["shoe_size"] != "41" {
			t.Errorf("restored user: deleted=%v fields %v", restored.Deleted, restored.CustomFields)
		}
		f.wantEvent("user.restore", u.ID)
		if list := must[timeOffList](t, f.do("GET", "users/"+u.ID+"/time-off", nil), http.StatusOK); len(list.Items) != 1 || list.Items[0].StartsOn != "2030-07-01" {
			t.Errorf("time off after restore: %+v", list.Items)
		}
		if !slices.Contains(ids(""), u.ID) || slices.Contains(ids("?deleted=true"), u.ID) {
			t.Error("restored user is not back in the default list")
		}

		// Purge: for good, and whom they supervised are left without a
		// supervisor rather than pointing at nobody.
		report := f.createUser(map[string]any{"first_name": "Re", "last_name": "Port", "supervisor_id": u.ID})
		must[user](t, f.do("DELETE", "users/"+u.ID, nil), http.StatusOK)
		r = f.do("POST", "users/"+u.ID+"/purge", nil)
		if r.Code != http.StatusNoContent || len(r.Body) != 0 {
			t.Fatalf("purge: %s", r)
		}
		ev := f.wantEvent("user.purge", u.ID)
		if c := changesOf(ev); c["custom_fields.team"].Before != "red" || c["username"].Before != u.Username {
			t.Errorf("user.purge changes %+v", ev.Changes)
		}
		wantProblem(t, f.do("GET", "users/"+u.ID, nil), http.StatusNotFound)
		wantProblem(t, f.do("GET", "users/"+u.ID+"/time-off", nil), http.StatusNotFound)
		if got := f.getUser(report.ID); got.SupervisorID != nil {
			t.Errorf("report still names the purged supervisor %s", *got.SupervisorID)
		}
		wantProblem(t, f.do("POST", "users/"+u.ID+"/purge", nil), http.StatusNotFound)
		if slices.Contains(ids("?deleted=true"), u.ID) {
			t.Error("purged user still in the bin")
		}

		// A user who has signed in cannot be deleted: disable instead.
		signed := f.createUser(map[string]any{"first_name": "Sig", "last_name": "Nedin"})
		f.activate(signed)
		if err := e.DB.RecordSignIn(ctx, f.org.ID, signed.ID, f.clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		snap = f.snapshot(signed.ID)
		p := wantProblem(t, f.do("DELETE", "users/"+signed.ID, nil), http.StatusConflict)
		if !strings.Contains(p.Detail, "disable") {
			t.Errorf("detail %q does not say to disable instead", p.Detail)
		}
		f.unchanged(snap, signed.ID)
		if got := must[user](t, f.do("POST", "users/"+signed.ID+"/disable", nil), http.StatusOK); got.Status != "inactive" {
			t.Errorf("disable instead: status %q", got.Status)
		}

		// The owner cannot delete themself.
		snap = f.snapshot(f.owner.ID)
		p = wantProblem(t, f.do("DELETE", "users/"+f.owner.ID, nil), http.StatusConflict)
		if !strings.Contains(p.Detail, "own account") {
			t.Errorf("detail %q", p.Detail)
		}
		f.unchanged(snap, f.owner.ID)

		// A stale If-Match refuses delete and purge.
		v := f.createUser(nil)
		snap = f.snapshot(v.ID)
		wantProblem(t, f.do("DELETE", "users/"+v.ID, nil, "If-Match", `"v7"`), http.StatusPreconditionFailed)
		f.unchanged(snap, v.ID)
		d := must[user](t, f.do("DELETE", "users/"+v.ID, nil, "If-Match", `"v1"`), http.StatusOK)
		snap = f.snapshot(v.ID)
		wantProblem(t, f.do("POST", "users/"+v.ID+"/purge", nil, "If-Match", etag(d.Version-1)), http.StatusPreconditionFailed)
		f.unchanged(snap, v.ID)
		if r := f.do("POST", "users/"+v.ID+"/purge", nil, "If-Match", etag(d.Version)); r.Code != http.StatusNoContent {
			t.Errorf("purge with the current ETag: %s", r)
		}
	})
}
