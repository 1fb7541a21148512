package admin_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// lifecycleOps are the state changes of a user, each as a call that
// returns the user after it (nil for Purge).
var lifecycleOps = []struct {
	name, action string
	call         func(s *admin.Service, ctx context.Context, a *admin.Actor, id string, version int64) (*directory.User, error)
}{
	{"Disable", "user.disable", (*admin.Service).Disable},
	{"Enable", "user.enable", (*admin.Service).Enable},
	{"Unlock", "user.unlock", (*admin.Service).Unlock},
	{"Delete", "user.delete", (*admin.Service).Delete},
	{"Restore", "user.restore", (*admin.Service).Restore},
	{"Purge", "user.purge", func(s *admin.Service, ctx context.Context, a *admin.Actor, id string, version int64) (*directory.User, error) {
		return nil, s.Purge(ctx, a, id, version)
	}},
}

// state is what a user looks like after a transition.
type state struct {
	status  directory.Status
	locked  bool
	deleted bool
	purged  bool
}

func TestLifecycle(t *testing.T) {
	conflict := state{} // the zero state stands for "refused with KindConflict"
	var (
		pending  = state{status: directory.StatusPending}
		active   = state{status: directory.StatusActive}
		inactive = state{status: directory.StatusInactive}
		purged   = state{purged: true}
	)
	binned := func(s state) state { s.deleted = true; return s }
	locked := func(s state) state { s.locked = true; return s }

	starts := []struct {
		name    string
		arrange func(f *fixture) *directory.User
		want    map[string]state // by operation
	}{
		{"pending", func(f *fixture) *directory.User { return f.createUser(nil) }, map[string]state{
			"Disable": inactive, "Enable": conflict, "Unlock": conflict, "Delete": binned(pending), "Restore": conflict, "Purge": conflict}},
		{"active", func(f *fixture) *directory.User { return f.activeUser(nil) }, map[string]state{
			"Disable": inactive, "Enable": conflict, "Unlock": conflict, "Delete": binned(active), "Restore": conflict, "Purge": conflict}},
		{"inactive", func(f *fixture) *directory.User {
			return f.arrange(f.activeUser(nil), func(u *directory.User) { u.Status = directory.StatusInactive })
		}, map[string]state{
			"Disable": conflict, "Enable": active, "Unlock": conflict, "Delete": binned(inactive), "Restore": conflict, "Purge": conflict}},
		{"inactive without a password", func(f *fixture) *directory.User {
			return f.arrange(f.createUser(nil), func(u *directory.User) { u.Status = directory.StatusInactive })
		}, map[string]state{
			"Disable": conflict, "Enable": pending, "Unlock": conflict, "Delete": binned(inactive), "Restore": conflict, "Purge": conflict}},
		{"locked", func(f *fixture) *directory.User {
			return f.arrange(f.activeUser(nil), func(u *directory.User) {
				u.LockedAt, u.LockReason, u.FailedAttempts = f.clock.Now(), "too many failed sign-ins", 5
			})
		}, map[string]state{
			"Disable": locked(inactive), "Enable": conflict, "Unlock": active, "Delete": binned(locked(active)), "Restore": conflict, "Purge": conflict}},
		{"in the bin", func(f *fixture) *directory.User {
			return f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		}, map[string]state{
			"Disable": conflict, "Enable": conflict, "Unlock": conflict, "Delete": conflict, "Restore": pending, "Purge": purged}},
		{"has signed in", func(f *fixture) *directory.User {
			u := f.activeUser(nil)
			if err := f.db.RecordSignIn(f.ctx, u.OrgID, u.ID, f.clock.Now().UnixMicro()); err != nil {
				f.t.Fatal(err)
			}
			return f.reload(u.ID)
		}, map[string]state{
			"Disable": inactive, "Enable": conflict, "Unlock": conflict, "Delete": conflict, "Restore": conflict, "Purge": conflict}},
	}

	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		for _, start := range starts {
			for _, op := range lifecycleOps {
				t.Run(start.name+"/"+op.name, func(t *testing.T) {
					f := *f
					f.t = t
					u := start.arrange(&f)
					want := start.want[op.name]
					before := f.eventIDs()
					got, err := op.call(f.svc, f.ctx, f.op, u.ID, u.Version)

					if want == conflict {
						wantKind(t, err, directory.KindConflict)
						if diff := cmp.Diff(u, f.reload(u.ID)); diff != "" {
							t.Errorf("a refused %s changed the user (-before +after):\n%s", op.name, diff)
						}
						f.noEvent(before)
						return
					}
					if err != nil {
						t.Fatalf("%s: %v", op.name, err)
					}
					ev := f.oneEvent(before, op.action)
					if ev.TargetID != u.ID || ev.TargetType != "user" {
						t.Errorf("event target %s %s, want user %s", ev.TargetType, ev.TargetID, u.ID)
					}
					if want.purged {
						_, err := f.db.User(f.ctx, f.org.ID, u.ID)
						wantKind(t, err, directory.KindNotFound)
						return
					}
					stored := f.reload(u.ID)
					if diff := cmp.Diff(stored, got, sameUser); diff != "" {
						t.Errorf("%s returned another user than it stored (-stored +returned):\n%s", op.name, diff)
					}
					gotState := state{status: stored.Status, locked: stored.Locked(), deleted: stored.Deleted()}
					if gotState != want {
						t.Errorf("%s from %s: got %+v, want %+v", op.name, start.name, gotState, want)
					}
					if stored.Version != u.Version+1 {
						t.Errorf("version %d, want %d", stored.Version, u.Version+1)
					}
					if op.name == "Unlock" && (stored.FailedAttempts != 0 || stored.LockReason != "") {
						t.Errorf("unlocked user keeps %d failures, reason %q", stored.FailedAttempts, stored.LockReason)
					}
				})
			}
		}
	})
}

func TestLifecycleRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)
		_, otherOp := f.newOrg()
		for _, op := range lifecycleOps {
			before := f.eventIDs()
			_, err := op.call(f.svc, f.ctx, f.op, u.ID, u.Version+1)
			wantKind(t, err, directory.KindPrecondition)
			_, err = op.call(f.svc, f.ctx, f.op, "no-such-user", 0)
			wantKind(t, err, directory.KindNotFound)
			_, err = op.call(f.svc, f.ctx, otherOp, u.ID, 0)
			wantKind(t, err, directory.KindNotFound)
			f.noEvent(before)
		}
		if diff := cmp.Diff(u, f.reload(u.ID), sameUser); diff != "" {
			t.Errorf("refused changes changed the user (-before +after):\n%s", diff)
		}

		// Nobody disables or deletes their own account.
		self := f.activeUser(nil)
		f.grant(self, directory.OwnerRoleKey)
		a, _ := f.tokenActor(self, "", "")
		_, err := f.svc.Disable(f.ctx, a, self.ID, 0)
		wantKind(t, err, directory.KindConflict)
		_, err = f.svc.Delete(f.ctx, a, self.ID, 0)
		wantKind(t, err, directory.KindConflict)
	})
}

func TestDeleteRevokesTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.activeUser(nil)
		f.grant(u, directory.OwnerRoleKey)
		_, secret := f.tokenActor(u, "", "")
		_, secret2 := f.tokenActor(u, "", "")

		if _, err := f.svc.Delete(f.ctx, f.op, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{secret, secret2} {
			_, err := f.svc.AuthenticateToken(f.ctx, s, "", "")
			wantKind(t, err, directory.KindUnauthorized)
		}
		tokens, err := f.db.Tokens(f.ctx, f.org.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			if tok.RevokedAt.IsZero() {
				t.Errorf("token %s not revoked", tok.Name)
			}
		}
		// Restoring the user does not bring the tokens back.
		if _, err := f.svc.Restore(f.ctx, f.op, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AuthenticateToken(f.ctx, secret, "", "")
		wantKind(t, err, directory.KindUnauthorized)
	})
}

func TestPurgeRemovesEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.createField(admin.FieldInput{Key: "badge", Label: "Badge", Type: directory.FieldNumber})
		u := f.activeUser(func(in *admin.UserInput) { in.CustomFields = map[string]string{"badge": "12"} })
		report := f.createUser(func(in *admin.UserInput) { in.SupervisorID = u.ID })
		f.grant(u, "basic")
		f.tokenActor(u, "", "")
		if _, err := f.svc.AddTimeOff(f.ctx, f.op, u.ID, admin.TimeOffInput{Kind: directory.TimeOffVacation, StartsOn: "2031-07-01", EndsOn: "2031-07-14"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetPhoto(f.ctx, f.op, u.ID, pngBytes(t, 64, 64)); err != nil {
			t.Fatal(err)
		}
		deleted, err := f.svc.Delete(f.ctx, f.op, u.ID, 0)
		if err != nil {
			t.Fatal(err)
		}

		_, err = f.svc.User(f.ctx, f.op, u.ID)
		if err != nil {
			t.Fatalf("a user in the bin can still be read: %v", err)
		}
		err = f.svc.Purge(f.ctx, f.op, u.ID, deleted.Version+1)
		wantKind(t, err, directory.KindPrecondition)

		before := f.eventIDs()
		if err := f.svc.Purge(f.ctx, f.op, u.ID, deleted.Version); err != nil {
			t.Fatal(err)
		}
		ev := f.oneEvent(before, "user.purge")
		if ev.TargetName != u.Name() {
			t.Errorf("purge event names %q, want %q", ev.TargetName, u.Name())
		}

		_, err = f.svc.User(f.ctx, f.op, u.ID)
		wantKind(t, err, directory.KindNotFound)
		if grants, err := f.db.UserGrants(f.ctx, f.org.ID, u.ID); err != nil || len(grants) != 0 {
			t.Errorf("grants after purge: %v, %v", grants, err)
		}
		if tokens, err := f.db.Tokens(f.ctx, f.org.ID, u.ID); err != nil || len(tokens) != 0 {
			t.Errorf("tokens after purge: %v, %v", tokens, err)
		}
		if offs, err := f.db.TimeOffs(f.ctx, f.org.ID, u.ID); err != nil || len(offs) != 0 {
			t.Errorf("time off after purge: %v, %v", offs, err)
		}
		_, err = f.db.Photo(f.ctx, f.org.ID, u.ID)
		wantKind(t, err, directory.KindNotFound)
		if vals, err := f.db.FieldValues(f.ctx, u.ID); err != nil || len(vals) != 0 {
			t.Errorf("field values after purge: %v, %v", vals, err)
		}
		if got := f.reload(report.ID); got.SupervisorID != "" {
			t.Errorf("the purged user still supervises %s", got.Username)
		}

		// The audit log keeps everything that happened to them.
		page, err := f.svc.Audit(f.ctx, f.op, store.AuditFilter{TargetID: u.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Events {
			got = append(got, e.Action)
		}
		want := []string{"user.purge", "user.delete", "user.photo_set", "user.time_off_add", "user.create"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit events about the purged user (-want +got):\n%s", diff)
		}

		// Only users in the bin are purged.
		live := f.createUser(nil)
		err = f.svc.Purge(f.ctx, f.op, live.ID, 0)
		wantKind(t, err, directory.KindConflict)
		f.reload(live.ID)
	})
}
