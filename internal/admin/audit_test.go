package admin_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// auditCase is one use case whose audit event is checked: prepare sets the
// stage as the operator and returns the call to audit, which answers the
// id of the event's target.
type auditCase struct {
	action     string
	targetType string
	prepare    func(f *fixture, a *admin.Actor) func() (string, error)
	fields     []string           // the changed fields, in the event's order
	changes    []directory.Change // when set, the exact changes
}

var auditCases = []auditCase{
	{action: "user.create", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			in := input()
			in.Phone = "555-0100"
			return func() (string, error) { u, err := f.svc.CreateUser(f.ctx, a, in); return id(u, err) }
		},
		fields: []string{"email", "first_name", "last_name", "license", "phone", "status", "username",
			"invitation", "invitation.sent_to", "invitation.expires_at"}},
	{action: "user.update", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			return func() (string, error) {
				u, err := f.svc.UpdateUser(f.ctx, a, u.ID, 0, &admin.UserPatch{JobTitle: ptr("Nurse"), Phone: ptr("555-0101"), LastName: &u.LastName})
				return id(u, err)
			}
		},
		fields:  []string{"job_title", "phone"},
		changes: []directory.Change{{Field: "job_title", Before: "", After: "Nurse"}, {Field: "phone", Before: "", After: "555-0101"}}},
	{action: "user.email_change", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			return func() (string, error) {
				u, err := f.svc.ChangeEmail(f.ctx, a, u.ID, 0, "changed-"+u.Email)
				return id(u, err)
			}
		},
		fields: []string{"email"}},
	{action: "user.disable", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			return func() (string, error) { u, err := f.svc.Disable(f.ctx, a, u.ID, 0); return id(u, err) }
		},
		fields: []string{"status", "invitation"},
		changes: []directory.Change{{Field: "status", Before: "pending", After: "inactive"},
			{Field: "invitation", Before: "sent", After: "void"}}},
	{action: "invitation.resend", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			return func() (string, error) { u, err := f.svc.ResendInvitation(f.ctx, a, u.ID); return id(u, err) }
		},
		fields: []string{"invitation.sent_to", "invitation.expires_at", "invitation.voided_links"}},
	{action: "user.enable", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.arrange(f.activeUser(nil), func(u *directory.User) { u.Status = directory.StatusInactive })
			return func() (string, error) { u, err := f.svc.Enable(f.ctx, a, u.ID, 0); return id(u, err) }
		},
		fields:  []string{"status"},
		changes: []directory.Change{{Field: "status", Before: "inactive", After: "active"}}},
	{action: "user.unlock", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.arrange(f.activeUser(nil), func(u *directory.User) {
				u.LockedAt, u.LockReason, u.FailedAttempts = f.clock.Now(), "too many failed sign-ins", 5
			})
			return func() (string, error) { u, err := f.svc.Unlock(f.ctx, a, u.ID, 0); return id(u, err) }
		},
		fields: []string{"lock_reason", "locked"},
		changes: []directory.Change{
			{Field: "lock_reason", Before: "too many failed sign-ins", After: ""}, {Field: "locked", Before: true, After: false}}},
	{action: "user.delete", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			return func() (string, error) { u, err := f.svc.Delete(f.ctx, a, u.ID, 0); return id(u, err) }
		},
		fields: []string{"deleted_at", "invitation"}},
	{action: "user.restore", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
			return func() (string, error) { u, err := f.svc.Restore(f.ctx, a, u.ID, 0); return id(u, err) }
		},
		fields: []string{"deleted_at"}},
	{action: "user.purge", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
			return func() (string, error) { return u.ID, f.svc.Purge(f.ctx, a, u.ID, 0) }
		},
		fields: []string{"deleted_at", "email", "first_name", "last_name", "license", "status", "username"}},
	{action: "user.photo_set", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			data := pngBytes(f.t, 16, 16)
			return func() (string, error) { _, err := f.svc.SetPhoto(f.ctx, a, u.ID, data); return u.ID, err }
		},
		fields: []string{"photo"}},
	{action: "user.photo_remove", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			if _, err := f.svc.SetPhoto(f.ctx, f.op, u.ID, pngBytes(f.t, 16, 16)); err != nil {
				f.t.Fatal(err)
			}
			return func() (string, error) { return u.ID, f.svc.DeletePhoto(f.ctx, a, u.ID) }
		},
		fields: []string{"photo"}},
	{action: "user.time_off_add", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			return func() (string, error) {
				_, err := f.svc.AddTimeOff(f.ctx, a, u.ID, admin.TimeOffInput{Kind: directory.TimeOffVacation, StartsOn: "2031-07-01", EndsOn: "2031-07-10", Note: "Summer"})
				return u.ID, err
			}
		},
		fields: []string{"time_off.ends_on", "time_off.kind", "time_off.note", "time_off.starts_on"},
		changes: []directory.Change{
			{Field: "time_off.ends_on", After: "2031-07-10"}, {Field: "time_off.kind", After: "vacation"},
			{Field: "time_off.note", After: "Summer"}, {Field: "time_off.starts_on", After: "2031-07-01"}}},
	{action: "user.time_off_remove", targetType: "user",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUser(nil)
			off, err := f.svc.AddTimeOff(f.ctx, f.op, u.ID, admin.TimeOffInput{Kind: directory.TimeOffSick, StartsOn: "2031-07-01", EndsOn: "2031-07-01"})
			if err != nil {
				f.t.Fatal(err)
			}
			return func() (string, error) { return u.ID, f.svc.DeleteTimeOff(f.ctx, a, u.ID, off.ID) }
		},
		fields: []string{"time_off.ends_on", "time_off.kind", "time_off.note", "time_off.starts_on"}},
	{action: "unit.create", targetType: "unit",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			return func() (string, error) {
				u, err := f.svc.CreateUnit(f.ctx, a, admin.UnitInput{Name: "Audited", Kind: "site", Code: "A-" + randHex(2)})
				return unitID(u, err)
			}
		},
		fields: []string{"code", "kind", "name"}},
	{action: "unit.update", targetType: "unit",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUnit("Before", "site", nil)
			return func() (string, error) {
				u, err := f.svc.UpdateUnit(f.ctx, a, u.ID, 0, admin.UnitPatch{Name: ptr("After"), Kind: &u.Kind})
				return unitID(u, err)
			}
		},
		fields:  []string{"name"},
		changes: []directory.Change{{Field: "name", Before: "Before", After: "After"}}},
	{action: "unit.move", targetType: "unit",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			parent := f.createUnit("Parent", "district", nil)
			u := f.createUnit("Child", "site", nil)
			return func() (string, error) {
				u, err := f.svc.UpdateUnit(f.ctx, a, u.ID, 0, admin.UnitPatch{ParentID: &parent.ID})
				return unitID(u, err)
			}
		},
		fields: []string{"parent_id"}},
	{action: "unit.archive", targetType: "unit",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.createUnit("To archive", "site", nil)
			return func() (string, error) {
				u, err := f.svc.UpdateUnit(f.ctx, a, u.ID, 0, admin.UnitPatch{Archived: ptr(true)})
				return unitID(u, err)
			}
		},
		fields: []string{"archived_at"}},
	{action: "unit.restore", targetType: "unit",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			u := f.archiveUnit(f.createUnit("To restore", "site", nil))
			return func() (string, error) {
				u, err := f.svc.UpdateUnit(f.ctx, a, u.ID, 0, admin.UnitPatch{Archived: ptr(false)})
				return unitID(u, err)
			}
		},
		fields: []string{"archived_at"}},
	{action: "custom_field.create", targetType: "custom_field",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			return func() (string, error) {
				fd, err := f.svc.CreateField(f.ctx, a, admin.FieldInput{Key: "c_" + randHex(3), Label: "Shirt size",
					Type: directory.FieldChoice, Choices: []string{"S", "M", "L"}, Position: 3})
				return fieldID(fd, err)
			}
		},
		fields: []string{"choices", "key", "label", "position", "type"}},
	{action: "custom_field.update", targetType: "custom_field",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			fd := f.createField(admin.FieldInput{Key: "u_" + randHex(3), Label: "Before", Type: directory.FieldText})
			return func() (string, error) {
				fd, err := f.svc.UpdateField(f.ctx, a, fd.ID, admin.FieldInput{Label: "After", Position: 4})
				return fieldID(fd, err)
			}
		},
		fields:  []string{"label", "position"},
		changes: []directory.Change{{Field: "label", Before: "Before", After: "After"}, {Field: "position", Before: float64(0), After: float64(4)}}},
	{action: "custom_field.delete", targetType: "custom_field",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			fd := f.createField(admin.FieldInput{Key: "d_" + randHex(3), Label: "Doomed", Type: directory.FieldDate})
			return func() (string, error) { return fd.ID, f.svc.DeleteField(f.ctx, a, fd.ID) }
		},
		fields: []string{"choices", "key", "label", "position", "required", "type"}},
	{action: "token.create", targetType: "token",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			return func() (string, error) {
				tok, _, err := f.svc.CreateToken(f.ctx, a, admin.TokenInput{Name: "automation"})
				if err != nil {
					return "", err
				}
				return tok.ID, nil
			}
		},
		fields: []string{"name", "user_id"}},
	{action: "token.revoke", targetType: "token",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			tok, _, err := f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: f.activeUser(nil).ID, Name: "to revoke"})
			if err != nil {
				f.t.Fatal(err)
			}
			return func() (string, error) { _, err := f.svc.RevokeToken(f.ctx, a, tok.ID); return tok.ID, err }
		},
		fields:  []string{"revoked"},
		changes: []directory.Change{{Field: "revoked", Before: false, After: true}}},
	{action: "organization.licenses", targetType: "organization",
		prepare: func(f *fixture, a *admin.Actor) func() (string, error) {
			return func() (string, error) { return f.org.ID, f.svc.SetPremiumSeatLimit(f.ctx, a, 25) }
		},
		fields:  []string{"premium_seat_limit"},
		changes: []directory.Change{{Field: "premium_seat_limit", Before: float64(-1), After: float64(25)}}},
}

func id(u *directory.User, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

func unitID(u *directory.Unit, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

func fieldID(fd *directory.CustomField, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return fd.ID, nil
}

func TestAuditEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		owner := f.activeUser(func(in *admin.UserInput) { in.DisplayName = "Olive Owner" })
		f.grant(owner, directory.OwnerRoleKey)
		a, _ := f.tokenActor(owner, "203.0.113.9", "req-"+randHex(4))
		f.clock.Advance(90 * time.Second) // events carry the clock's time, not the setup's

		for _, tc := range auditCases {
			t.Run(tc.action, func(t *testing.T) {
				f := *f
				f.t = t
				call := tc.prepare(&f, a)
				before := f.eventIDs()
				target, err := call()
				if err != nil {
					t.Fatalf("%s: %v", tc.action, err)
				}
				ev := f.oneEvent(before, tc.action)
				want := &directory.AuditEvent{ID: ev.ID, OrgID: f.org.ID, At: f.clock.Now(), ActorID: owner.ID,
					ActorName: "Olive Owner", TokenID: a.TokenID, Action: tc.action, TargetType: tc.targetType,
					TargetID: target, TargetName: ev.TargetName, Changes: ev.Changes, IP: "203.0.113.9", RequestID: a.RequestID}
				if diff := cmp.Diff(want, ev); diff != "" {
					t.Errorf("event (-want +got):\n%s", diff)
				}
				if ev.TargetName == "" {
					t.Error("the event names no target")
				}
				if diff := cmp.Diff(tc.fields, changedFields(ev)); diff != "" {
					t.Errorf("changed fields (-want +got):\n%s", diff)
				}
				for _, c := range ev.Changes {
					if fmt.Sprint(c.Before) == fmt.Sprint(c.After) {
						t.Errorf("change of %s is no change: %v → %v", c.Field, c.Before, c.After)
					}
				}
				if tc.changes != nil {
					if diff := cmp.Diff(tc.changes, ev.Changes); diff != "" {
						t.Errorf("changes (-want +got):\n%s", diff)
					}
				}
			})
		}

		// The audit log is readable through the service, filtered.
		page, err := f.svc.Audit(f.ctx, a, store.AuditFilter{Action: "unit.", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 11 { // the five calls of the table and six to prepare them
			t.Errorf("%d unit events, want 11: %v", len(page.Events), actions(page.Events))
		}
		_, err = f.svc.Audit(f.ctx, a, store.AuditFilter{Limit: 501})
		wantKind(t, err, directory.KindInvalid)
	})
}
