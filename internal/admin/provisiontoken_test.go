package admin_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// A token's provisioning role and scope must be a grant its maker may give:
// a known role at or below their level, without required fields, over a
// live unit inside their scope.
func TestCreateTokenProvisionGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		s := newSiteSetup(setup(t, e))
		roleID := func(key string) string {
			t.Helper()
			r, err := s.db.RoleByKey(s.ctx, s.org.ID, key)
			okOrFatal(t, err)
			return r.ID
		}
		staff, admins, contact := roleID("staff"), roleID("administrator"), roleID("service_contact")
		inA := s.createUnit("Ward A1", "department", s.siteA)
		archived := s.createUnit("Ward A2", "department", s.siteA)
		_, err := s.svc.UpdateUnit(s.ctx, s.op, archived.ID, 0, admin.UnitPatch{Archived: ptr(true)})
		okOrFatal(t, err)

		before := s.eventIDs()
		for name, tc := range map[string]struct {
			role, unit string
			want       []directory.FieldError
		}{
			"unit without role": {"", s.siteA.ID, fieldErrs("provision_unit_id", "needs a provisioning role")},
			"unknown role":      {"nope", s.siteA.ID, fieldErrs("provision_role_id", "no such role")},
			"unknown unit":      {staff, "nope", fieldErrs("provision_unit_id", "no such unit")},
			"unit out of scope": {staff, s.siteB.ID, fieldErrs("provision_unit_id", "no such unit")},
			"archived unit":     {staff, archived.ID, fieldErrs("provision_unit_id", "that unit is archived")},
			"whole organization": {staff, "", fieldErrs("provision_unit_id",
				"you may give access only inside your own scope")},
			"role above the maker": {admins, s.siteA.ID, fieldErrs("provision_role_id",
				"you may give roles only at or below your own level (60); Administrator is 80")},
			"role with required fields": {contact, s.siteA.ID, fieldErrs("provision_role_id",
				"the role asks for values that provisioning cannot supply")},
		} {
			_, _, err := s.svc.CreateToken(s.ctx, s.mgr, admin.TokenInput{Name: "scim", ProvisionRoleID: tc.role, ProvisionUnitID: tc.unit})
			if directory.KindOf(err) != directory.KindInvalid {
				t.Errorf("%s: error %v, want KindInvalid", name, err)
				continue
			}
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
		s.noEvent(before)
		if tokens, err := s.svc.Tokens(s.ctx, s.mgr); err != nil || len(tokens) != 1 {
			t.Fatalf("tokens after refusals: %d, %v; want only the manager's first", len(tokens), err)
		}

		// A role the manager may give over a unit of their site is kept and
		// audited.
		tok, _, err := s.svc.CreateToken(s.ctx, s.mgr, admin.TokenInput{Name: "scim", ProvisionRoleID: staff, ProvisionUnitID: inA.ID})
		okOrFatal(t, err)
		if tok.ProvisionRoleID != staff || tok.ProvisionUnitID != inA.ID {
			t.Errorf("token provisioning %q/%q, want %q/%q", tok.ProvisionRoleID, tok.ProvisionUnitID, staff, inA.ID)
		}
		ev := s.oneEvent(before, "token.create")
		want := []directory.Change{{Field: "name", After: "scim"}, {Field: "provision_role_id", After: staff},
			{Field: "provision_unit_id", After: inA.ID}, {Field: "user_id", After: s.manager.ID}}
		if diff := cmp.Diff(want, ev.Changes); diff != "" {
			t.Errorf("token.create changes (-want +got):\n%s", diff)
		}
		stored, err := s.db.Token(s.ctx, s.org.ID, tok.ID)
		okOrFatal(t, err)
		if stored.ProvisionRoleID != staff || stored.ProvisionUnitID != inA.ID {
			t.Errorf("stored provisioning %q/%q, want %q/%q", stored.ProvisionRoleID, stored.ProvisionUnitID, staff, inA.ID)
		}

		// The operator may give any role over the whole organization.
		orgWide, _, err := s.svc.CreateToken(s.ctx, s.op, admin.TokenInput{UserID: s.manager.ID, Name: "org", ProvisionRoleID: admins})
		okOrFatal(t, err)
		if orgWide.ProvisionRoleID != admins || orgWide.ProvisionUnitID != "" {
			t.Errorf("organization-wide token provisioning %q/%q", orgWide.ProvisionRoleID, orgWide.ProvisionUnitID)
		}
	})
}
