package console_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// settingsPolicyForm is the security form as a browser sends it for p.
func settingsPolicyForm(p directory.SecurityPolicy) url.Values {
	v := url.Values{}
	for name, n := range map[string]int{
		"password_min_length": p.PasswordMinLength, "password_min_length_mfa": p.PasswordMinLengthMFA,
		"lockout_threshold": p.LockoutThreshold, "auto_unlock_minutes": p.AutoUnlockMinutes,
		"session_idle_minutes": p.SessionIdleMinutes, "session_lifetime_hours": p.SessionLifetimeHours,
		"invitation_hours": p.InvitationHours, "reset_link_minutes": p.ResetLinkMinutes,
		"impersonation_minutes": p.ImpersonationMinutes, "recycle_bin_days": p.RecycleBinDays,
	} {
		v.Set(name, strconv.Itoa(n))
	}
	for name, on := range map[string]bool{
		"require_upper": p.RequireUpper, "require_lower": p.RequireLower, "require_digit": p.RequireDigit,
		"require_symbol": p.RequireSymbol, "impersonation_enabled": !p.ImpersonationDisabled,
		"impersonation_notice": p.ImpersonationNotice, "mfa_required": p.MFARequired,
		"security_questions": p.SecurityQuestions, "provisioning_invite": p.ProvisioningInvite,
	} {
		if on {
			v.Set(name, "yes")
		}
	}
	v.Set("provisioning_delete", p.ProvisioningDelete)
	v.Set("provisioning_link", p.ProvisioningLink)
	return v
}

// settingsPolicy reads the organization's policy through the service.
func settingsPolicy(f *fixture) directory.SecurityPolicy {
	f.t.Helper()
	p, err := f.svc.SecurityPolicy(f.ctx, f.op())
	if err != nil {
		f.t.Fatalf("SecurityPolicy: %v", err)
	}
	return p
}

// settingsLastAction is the action of the newest audit event.
func settingsLastAction(f *fixture) string {
	f.t.Helper()
	events := f.audit()
	if len(events) == 0 {
		return ""
	}
	return events[0].Action
}

func TestSettingsSavesTheSecurityPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.get("/admin/settings")
		want(t, r, 200, "")
		says(t, r, "Settings", "Failed sign-ins before the account locks", "Session lifetime (hours)",
			"Require MFA of everyone", "Custom fields", "Unit kinds", "Premium seats", "Send a test mail", "Deleting users")
		if !strings.Contains(r.Body, `id="security-lockout_threshold" name="lockout_threshold" type="number"`) ||
			!strings.Contains(r.Body, `value="5"`) {
			t.Fatalf("the lockout threshold is not a number field showing 5")
		}
		if !hasLink(r.Body, "/admin/mailbox") {
			t.Errorf("no link to the outgoing mail")
		}

		p := settingsPolicy(f)
		p.LockoutThreshold, p.PasswordMinLength, p.AutoUnlockMinutes = 7, 20, 30
		// MFA for everyone would send the owner to enrol before anything else.
		p.RequireDigit, p.SecurityQuestions, p.ImpersonationDisabled, p.ImpersonationMinutes = true, true, true, 15
		p.InvitationHours, p.ResetLinkMinutes, p.SessionIdleMinutes = 48, 30, 20
		r = b.post("/admin/settings/security", settingsPolicyForm(p))
		want(t, r, 303, "/admin/settings#security")
		if got := settingsPolicy(f); got != p {
			t.Fatalf("policy %+v, want %+v", got, p)
		}
		if a := settingsLastAction(f); a != "settings.security" {
			t.Errorf("last audit action %q", a)
		}
		r = b.get(r.Location())
		says(t, r, "The security settings were saved.")
		if !strings.Contains(r.Body, `id="security-security_questions" name="security_questions" value="yes" checked`) ||
			strings.Contains(r.Body, `id="security-impersonation_enabled" name="impersonation_enabled" value="yes" checked`) {
			t.Errorf("the check boxes do not show the saved policy")
		}

		// MFA for everyone, saved last: the owner must then enrol.
		p.MFARequired = true
		want(t, b.post("/admin/settings/security", settingsPolicyForm(p)), 303, "/admin/settings#security")
		if !settingsPolicy(f).MFARequired {
			t.Fatalf("MFA for everyone was not saved")
		}
	})
}

func TestSettingsRefusesABadPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		before := settingsPolicy(f)
		bad := before
		bad.LockoutThreshold, bad.PasswordMinLength, bad.MFARequired = -1, 3, true
		r := b.post("/admin/settings/security", settingsPolicyForm(bad))
		want(t, r, 422, "")
		says(t, r, "There is a problem", "Failed sign-ins before the account locks must be between 3 and 100",
			"Minimum password length (characters) must be between 15 and 256")
		for _, id := range []string{"security-lockout_threshold", "security-password_min_length"} {
			if !strings.Contains(r.Body, `<p class="field-error" id="`+id+`-error">`) {
				t.Errorf("no message beside %s", id)
			}
		}
		// The submitted values are shown again, check boxes included.
		for _, s := range []string{`name="lockout_threshold" type="number" autocomplete="off" value="-1"`,
			`name="password_min_length" type="number" autocomplete="off" value="3"`,
			`name="mfa_required" value="yes" checked`} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("the form does not show %s again", s)
			}
		}
		if got := settingsPolicy(f); got != before {
			t.Fatalf("a refused policy changed it: %+v", got)
		}

		form := settingsPolicyForm(before)
		form.Set("session_lifetime_hours", "twelve")
		r = b.post("/admin/settings/security", form)
		want(t, r, 422, "")
		says(t, r, "Session lifetime (hours) must be a whole number")
		if got := settingsPolicy(f); got != before {
			t.Fatalf("a refused policy changed it: %+v", got)
		}
	})
}

func TestSettingsCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.post("/admin/settings/fields", url.Values{"key": {"shirt"}, "label": {"Shirt size"}, "type": {"choice"},
			"choices": {"S\nM\nL"}, "required": {"yes"}})
		want(t, r, 303, "/admin/settings#fields")
		fields, err := f.svc.Fields(f.ctx, f.op())
		if err != nil || len(fields) != 1 {
			t.Fatalf("fields %v, %v", fields, err)
		}
		fd := fields[0]
		if fd.Key != "shirt" || fd.Label != "Shirt size" || !fd.Required || strings.Join(fd.Choices, ",") != "S,M,L" {
			t.Fatalf("field %+v", fd)
		}
		if a := settingsLastAction(f); a != "custom_field.create" {
			t.Errorf("last audit action %q", a)
		}
		r = b.get("/admin/settings")
		says(t, r, "The custom field Shirt size was added.", "Shirt size", "S, M, L")

		// A bad key: the message beside the field, the form filled in again.
		r = b.post("/admin/settings/fields", url.Values{"key": {"Bad Key"}, "label": {"Badge"}, "type": {"text"}})
		want(t, r, 422, "")
		says(t, r, "Key must start with a lower-case letter")
		if !strings.Contains(r.Body, `id="field-new-key-error"`) || !strings.Contains(r.Body, `value="Bad Key"`) {
			t.Errorf("the key error is not beside the field, or the value is lost")
		}
		// A duplicate key is a conflict.
		r = b.post("/admin/settings/fields", url.Values{"key": {"shirt"}, "label": {"Again"}, "type": {"text"}})
		want(t, r, 409, "")
		says(t, r, "Key is already used by another field")
		if !strings.Contains(r.Body, `id="field-new-key-error"`) {
			t.Errorf("the conflict is not beside the key")
		}

		// Edit.
		r = b.get("/admin/settings/fields/" + fd.ID)
		want(t, r, 200, "")
		says(t, r, "Edit the field Shirt size")
		r = b.post("/admin/settings/fields/"+fd.ID, url.Values{"label": {"T-shirt size"}, "choices": {"S\nM\nL\nXL"}})
		want(t, r, 303, "/admin/settings#fields")
		fields, _ = f.svc.Fields(f.ctx, f.op())
		if fields[0].Label != "T-shirt size" || fields[0].Required || len(fields[0].Choices) != 4 {
			t.Fatalf("edited field %+v", fields[0])
		}
		r = b.post("/admin/settings/fields/"+fd.ID, url.Values{"label": {""}, "choices": {"S"}})
		want(t, r, 422, "")
		says(t, r, "Label is required")

		// Delete asks first.
		r = b.post("/admin/settings/fields/"+fd.ID+"/delete", nil)
		want(t, r, 200, "")
		says(t, r, "Delete the custom field T-shirt size?")
		if fields, _ = f.svc.Fields(f.ctx, f.op()); len(fields) != 1 {
			t.Fatalf("deleted without confirmation")
		}
		r = b.post("/admin/settings/fields/"+fd.ID+"/delete", url.Values{"confirmed": {"yes"}})
		want(t, r, 303, "/admin/settings#fields")
		if fields, _ = f.svc.Fields(f.ctx, f.op()); len(fields) != 0 {
			t.Fatalf("fields left %v", fields)
		}
		if a := settingsLastAction(f); a != "custom_field.delete" {
			t.Errorf("last audit action %q", a)
		}
		r = b.get("/admin/settings/fields/" + fd.ID)
		want(t, r, 404, "")
	})
}

func TestSettingsUnitKindsLicensesAndTestMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		kindLabel := func(key string) string {
			kinds, err := f.svc.UnitKinds(f.ctx, f.op())
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range kinds {
				if k.Key == key {
					return k.Label
				}
			}
			return ""
		}
		r := b.post("/admin/settings/unit-kinds", url.Values{"key": {"site"}, "existing": {"yes"}, "position": {"2"}, "label": {"Campus"}})
		want(t, r, 303, "/admin/settings#unit-kinds")
		if got := kindLabel("site"); got != "Campus" {
			t.Fatalf("site label %q", got)
		}
		r = b.get(r.Location())
		says(t, r, "The unit kind site is now labelled Campus.")
		r = b.post("/admin/settings/unit-kinds", url.Values{"key": {"site"}, "existing": {"yes"}, "position": {"2"}, "label": {" "}})
		want(t, r, 422, "")
		if !strings.Contains(r.Body, `id="kind-of-site-label-error"`) {
			t.Errorf("the label error is not beside the site's label")
		}
		if got := kindLabel("site"); got != "Campus" {
			t.Fatalf("a refused label changed it: %q", got)
		}
		r = b.post("/admin/settings/unit-kinds", url.Values{"key": {"region"}, "position": {"9"}, "label": {"Region"}})
		want(t, r, 303, "/admin/settings#unit-kinds")
		if got := kindLabel("region"); got != "Region" {
			t.Fatalf("new kind label %q", got)
		}

		// Premium seats.
		r = b.post("/admin/settings/licenses", url.Values{"premium_seat_limit": {"5"}})
		want(t, r, 303, "/admin/settings#licenses")
		if limit, _, _ := f.svc.Licenses(f.ctx, f.op()); limit != 5 {
			t.Fatalf("limit %d", limit)
		}
		r = b.get(r.Location())
		says(t, r, "0 premium seats are in use out of 5.")
		r = b.post("/admin/settings/licenses", url.Values{"premium_seat_limit": {"-3"}})
		want(t, r, 422, "")
		says(t, r, "Premium seat limit must be a whole number, 0 or more")
		r = b.post("/admin/settings/licenses", url.Values{"premium_seat_limit": {""}})
		want(t, r, 303, "/admin/settings#licenses")
		if limit, _, _ := f.svc.Licenses(f.ctx, f.op()); limit >= 0 {
			t.Fatalf("limit %d, want none", limit)
		}

		// The test mail goes to the owner.
		r = b.post("/admin/settings/test-mail", nil)
		want(t, r, 303, "/admin/settings#mail")
		r = b.get(r.Location())
		says(t, r, "A test mail to "+f.owner.Email+" is in the outbox.")
		mails, err := f.e.DB.MailList(f.ctx, f.org.ID, "", 20)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range mails {
			found = found || (m.To == f.owner.Email && m.Kind == "test")
		}
		if !found {
			t.Fatalf("no test mail to %s in %v", f.owner.Email, mails)
		}
		if a := settingsLastAction(f); a != "mail.test" {
			t.Errorf("last audit action %q", a)
		}
	})
}

func TestSettingsRefusesThoseWithoutSettingsManage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		before := settingsPolicy(f)
		for _, role := range []string{"supervisor", "administrator"} {
			u := f.user("Sam", role, "")
			b := f.signedIn(u)
			r := b.get("/admin")
			if hasLink(r.Body, "/admin/settings") {
				t.Errorf("%s is offered the settings", role)
			}
			want(t, b.get("/admin/settings"), 403, "")
			bad := before
			bad.LockoutThreshold = 50
			want(t, b.post("/admin/settings/security", settingsPolicyForm(bad)), 403, "")
			want(t, b.post("/admin/settings/fields", url.Values{"key": {"x"}, "label": {"X"}, "type": {"text"}}), 403, "")
			want(t, b.post("/admin/settings/test-mail", nil), 403, "")
			want(t, b.post("/admin/settings/licenses", url.Values{"premium_seat_limit": {"1"}}), 403, "")
		}
		if got := settingsPolicy(f); got != before {
			t.Fatalf("policy changed: %+v", got)
		}
		if fields, _ := f.svc.Fields(f.ctx, f.op()); len(fields) != 0 {
			t.Fatalf("fields %v", fields)
		}
	})
}

func TestSettingsRecycleBinDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.get("/admin/settings")
		want(t, r, 200, "")
		says(t, r, "Days deleted users stay in the recycle bin (0 = until purged by hand)")
		if !strings.Contains(r.Body, `id="security-recycle_bin_days" name="recycle_bin_days" type="number"`) {
			t.Fatalf("no number field for the recycle bin days")
		}
		if !hasLink(r.Body, "#security-deletion") {
			t.Errorf("the section list does not lead to the deletion rule")
		}
		r = b.get("/admin/recycle-bin")
		want(t, r, 200, "")
		says(t, r, "Deleted users stay until purged.")

		// A saved rule is stored, audited, shown again and told on the
		// recycle bin page.
		p := settingsPolicy(f)
		p.RecycleBinDays = 30
		want(t, b.post("/admin/settings/security", settingsPolicyForm(p)), 303, "/admin/settings#security")
		if got := settingsPolicy(f); got != p {
			t.Fatalf("policy %+v, want %+v", got, p)
		}
		ev := f.audit()[0]
		if ev.Action != "settings.security" || len(ev.Changes) != 1 || ev.Changes[0].Field != "recycle_bin_days" {
			t.Errorf("audit event %s %+v, want settings.security changing recycle_bin_days", ev.Action, ev.Changes)
		}
		r = b.get("/admin/settings")
		if !strings.Contains(r.Body, `name="recycle_bin_days" type="number" autocomplete="off" value="30"`) {
			t.Errorf("the form does not show the saved 30 days")
		}
		r = b.get("/admin/recycle-bin")
		says(t, r, "Deleted users are purged after 30 days.")
		if !hasLink(r.Body, "/admin/settings#security-deletion") {
			t.Errorf("the owner gets no link to change the rule")
		}

		// -1 is refused beside the field, kept in the form, and nothing
		// changes.
		before := settingsPolicy(f)
		events := len(f.audit())
		bad := before
		bad.RecycleBinDays = -1
		r = b.post("/admin/settings/security", settingsPolicyForm(bad))
		want(t, r, 422, "")
		says(t, r, "There is a problem",
			"Days deleted users stay in the recycle bin (0 = until purged by hand) must be between 0 and 3650 days")
		if !strings.Contains(r.Body, `<p class="field-error" id="security-recycle_bin_days-error">`) {
			t.Errorf("no message beside the recycle bin days")
		}
		if !strings.Contains(r.Body, `name="recycle_bin_days" type="number" autocomplete="off" value="-1"`) {
			t.Errorf("the form does not show -1 again")
		}
		if got := settingsPolicy(f); got != before {
			t.Fatalf("a refused rule changed the policy: %+v", got)
		}
		if n := len(f.audit()); n != events {
			t.Errorf("a refused rule was audited")
		}

		// 0 goes back to keeping deleted users until purged by hand.
		p.RecycleBinDays = 0
		want(t, b.post("/admin/settings/security", settingsPolicyForm(p)), 303, "/admin/settings#security")
		if got := settingsPolicy(f).RecycleBinDays; got != 0 {
			t.Fatalf("recycle bin days %d, want 0", got)
		}
		says(t, b.get("/admin/recycle-bin"), "Deleted users stay until purged.")
	})
}

func TestSettingsProvisioning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		b := f.ownerBrowser()
		r := b.get("/admin/settings")
		want(t, r, 200, "")
		says(t, r, "Provisioning (SCIM)", "When a SCIM client deletes a user", "Disable them (default)",
			"Move them to the recycle bin (users who have signed in are disabled instead)", "Users added by hand",
			"Keep them out of provisioning (default)", "Link by user name", "Link by external id (user code)")
		if !hasLink(r.Body, "#security-provisioning") {
			t.Errorf("no link to the provisioning settings")
		}
		// The defaults are chosen.
		for _, s := range []string{`name="provisioning_delete" value="disable" checked`, `name="provisioning_link" value="" checked`} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("the form does not show %s", s)
			}
		}

		p := settingsPolicy(f)
		p.ProvisioningDelete, p.ProvisioningLink, p.ProvisioningInvite = directory.ProvisioningRecycleBin, directory.LinkByExternalID, true
		r = b.post("/admin/settings/security", settingsPolicyForm(p))
		want(t, r, 303, "/admin/settings#security")
		if got := settingsPolicy(f); got != p {
			t.Fatalf("policy %+v, want %+v", got, p)
		}
		r = b.get("/admin/settings")
		for _, s := range []string{`name="provisioning_delete" value="recycle_bin" checked`,
			`name="provisioning_link" value="external_id" checked`, `name="provisioning_invite" value="yes" checked`} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("the form does not show the saved %s", s)
			}
		}

		// A value that is not one of the choices is refused beside its field.
		bad := settingsPolicyForm(p)
		bad.Set("provisioning_link", "email")
		r = b.post("/admin/settings/security", bad)
		want(t, r, 422, "")
		if !strings.Contains(r.Body, `<p class="field-error" id="security-provisioning_link-error">`) {
			t.Errorf("no message beside the linking choice")
		}
		if got := settingsPolicy(f); got != p {
			t.Fatalf("a refused policy changed it: %+v", got)
		}
	})
}
