package admin_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestSupervisorCycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		a := f.createUser(nil)
		b := f.createUser(func(in *admin.UserInput) { in.SupervisorID = a.ID })
		c := f.createUser(func(in *admin.UserInput) { in.SupervisorID = b.ID })
		d := f.createUser(func(in *admin.UserInput) { in.SupervisorID = c.ID })

		for _, tc := range []struct {
			user, supervisor *directory.User
		}{
			{a, b}, // two levels
			{a, c}, // three levels
			{a, d}, // four levels
			{b, d},
		} {
			before := f.eventIDs()
			_, err := f.svc.UpdateUser(f.ctx, f.op, tc.user.ID, 0, &admin.UserPatch{SupervisorID: &tc.supervisor.ID})
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(fieldErrs("supervisor_id", "would make a supervision cycle"), fieldErrors(err)); diff != "" {
				t.Errorf("%s under %s (-want +got):\n%s", tc.user.Username, tc.supervisor.Username, diff)
			}
			if got := f.reload(tc.user.ID); got.SupervisorID != tc.user.SupervisorID {
				t.Errorf("%s: supervisor changed to %s", tc.user.Username, got.SupervisorID)
			}
			f.noEvent(before)
		}

		// Moving c under a (no cycle) and clearing a supervisor work.
		if got, err := f.svc.UpdateUser(f.ctx, f.op, c.ID, 0, &admin.UserPatch{SupervisorID: &a.ID}); err != nil || got.SupervisorID != a.ID {
			t.Errorf("c under a: %v", err)
		}
		if got, err := f.svc.UpdateUser(f.ctx, f.op, b.ID, 0, &admin.UserPatch{SupervisorID: ptr("")}); err != nil || got.SupervisorID != "" {
			t.Errorf("clear b's supervisor: %v", err)
		}
		// Now b has none, so a may report to b.
		if _, err := f.svc.UpdateUser(f.ctx, f.op, a.ID, 0, &admin.UserPatch{SupervisorID: &b.ID}); err != nil {
			t.Errorf("a under b: %v", err)
		}
	})
}

func TestArchivedUnitsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		dept := f.createUnit("Nursing", "department", nil)
		loc := f.createUnit("North clinic", "location", nil)
		member := f.createUser(func(in *admin.UserInput) { in.DepartmentID, in.LocationID = dept.ID, loc.ID })

		closed := f.archiveUnit(f.createUnit("Closed", "department", nil))
		_, err := f.svc.CreateUser(f.ctx, f.op, &admin.UserInput{Profile: directory.Profile{
			FirstName: "A", LastName: "B", Email: "ab-" + randHex(3) + "@example.org", DepartmentID: closed.ID}})
		wantKind(t, err, directory.KindInvalid)
		if diff := cmp.Diff(fieldErrs("department_id", "that unit is archived"), fieldErrors(err)); diff != "" {
			t.Errorf("create in an archived department (-want +got):\n%s", diff)
		}
		_, err = f.svc.UpdateUser(f.ctx, f.op, member.ID, 0, &admin.UserPatch{DepartmentID: &closed.ID})
		wantKind(t, err, directory.KindInvalid)
		_, err = f.svc.UpdateUser(f.ctx, f.op, member.ID, 0, &admin.UserPatch{LocationID: &closed.ID})
		wantKind(t, err, directory.KindInvalid)

		// Members of a unit archived after they joined it can still be
		// edited, and moved out of it.
		f.archiveUnit(dept)
		if _, err := f.svc.UpdateUser(f.ctx, f.op, member.ID, 0, &admin.UserPatch{JobTitle: ptr("Head nurse")}); err != nil {
			t.Errorf("edit a member of a unit archived since: %v", err)
		}
		if got, err := f.svc.UpdateUser(f.ctx, f.op, member.ID, 0, &admin.UserPatch{DepartmentID: ptr("")}); err != nil || got.DepartmentID != "" {
			t.Errorf("leave an archived department: %v", err)
		}
	})
}
