package console

import (
	"net/http"
	"strconv"
	"strings"

	"roster/internal/directory"
	"roster/internal/web"
)

// settingsRoutes adds the organization's settings: the security policy
// (with how long deleted users stay in the recycle bin), custom fields, unit kind labels, premium seats and the test mail, each
// section a form of its own on one page.
func (h *Handler) settingsRoutes(r router) {
	r.handle("GET /admin/settings", h.settingsShow)
	r.handle("POST /admin/settings/security", h.settingsSecurity)
	r.handle("POST /admin/settings/licenses", h.settingsLicenses)
	r.handle("POST /admin/settings/test-mail", h.settingsTestMail)
	r.handle("POST /admin/settings/fields", h.settingsFieldCreate)
	r.handle("GET /admin/settings/fields/{id}", h.settingsFieldEdit)
	r.handle("POST /admin/settings/fields/{id}", h.settingsFieldUpdate)
	r.handle("POST /admin/settings/fields/{id}/delete", h.settingsFieldDelete)
	r.handle("POST /admin/settings/unit-kinds", h.settingsUnitKind)
}

// settingsData is what the settings page shows.
type settingsData struct {
	// Groups are the fieldsets of the security policy form.
	Groups []policyGroup
	Fields []*directory.CustomField
	Kinds  []directory.UnitKind
	// SeatLimit is the premium seat cap (negative = none); SeatsUsed the
	// premium seats held.
	SeatLimit, SeatsUsed int
	// NextKind is the position a new unit kind takes.
	NextKind int
	// Types are the custom field types.
	Types []auditOption
}

// policyGroup is one fieldset of the security policy form.
type policyGroup struct {
	ID, Legend string
	Numbers    []policyNumber
	Flags      []policyFlag
	Choices    []policyChoice
}

// policyNumber is one number of the policy: its form name, label (with the
// unit) and range.
type policyNumber struct {
	Name, Label, Hint string
	Value             int
}

// policyFlag is one on/off choice of the policy, with an optional hint.
type policyFlag struct {
	Name, Label string
	On          bool
	Hint        string
}

// policyChoice is one choice among a few values of the policy, shown as
// radio buttons.
type policyChoice struct {
	Name, Legend string
	Options      []auditOption
	Value        string
}

// policyGroups lays out the form of policy p.
func policyGroups(p directory.SecurityPolicy) []policyGroup {
	if p.ProvisioningDelete == "" {
		p.ProvisioningDelete = directory.ProvisioningDisable
	}
	return []policyGroup{
		{ID: "passwords", Legend: "Passwords", Numbers: []policyNumber{
			{"password_min_length", "Minimum password length (characters)", "From 15 to 256.", p.PasswordMinLength},
			{"password_min_length_mfa", "Minimum password length with MFA (characters)", "From 8 to 256; applies to users who sign in with a second factor.", p.PasswordMinLengthMFA},
		}, Flags: []policyFlag{
			{"require_upper", "Require an upper-case letter", p.RequireUpper, ""},
			{"require_lower", "Require a lower-case letter", p.RequireLower, ""},
			{"require_digit", "Require a digit", p.RequireDigit, ""},
			{"require_symbol", "Require a symbol", p.RequireSymbol, ""},
		}},
		{ID: "lockout", Legend: "Lockout", Numbers: []policyNumber{
			{"lockout_threshold", "Failed sign-ins before the account locks", "From 3 to 100.", p.LockoutThreshold},
			{"auto_unlock_minutes", "Unlock by itself after (minutes)", "From 0 to 10080; 0 keeps the account locked until an administrator unlocks it.", p.AutoUnlockMinutes},
		}},
		{ID: "sessions", Legend: "Sessions", Numbers: []policyNumber{
			{"session_idle_minutes", "Sign out after inactivity (minutes)", "From 5 to 1440, and not longer than the session lifetime.", p.SessionIdleMinutes},
			{"session_lifetime_hours", "Session lifetime (hours)", "From 1 to 720.", p.SessionLifetimeHours},
		}},
		{ID: "links", Legend: "Invitations and reset links", Numbers: []policyNumber{
			{"invitation_hours", "Invitation lifetime (hours)", "From 1 to 720.", p.InvitationHours},
			{"reset_link_minutes", "Password reset link lifetime (minutes)", "From 10 to 1440.", p.ResetLinkMinutes},
		}},
		{ID: "impersonation", Legend: "Emulating users", Numbers: []policyNumber{
			{"impersonation_minutes", "Emulation ends by itself after (minutes)", "From 5 to 480.", p.ImpersonationMinutes},
		}, Flags: []policyFlag{
			{"impersonation_enabled", "Administrators may emulate users", !p.ImpersonationDisabled, ""},
			{"impersonation_notice", "Mail users when an administrator starts emulating them", p.ImpersonationNotice, ""},
		}},
		{ID: "deletion", Legend: "Deleting users", Numbers: []policyNumber{
			{"recycle_bin_days", "Days deleted users stay in the recycle bin (0 = until purged by hand)",
				"From 0 to 3650. Users past it are purged for good within the hour. Only a user who has never signed in can be deleted; one who has signed in can only be disabled.",
				p.RecycleBinDays},
		}},
		{ID: "signin", Legend: "Sign-in", Flags: []policyFlag{
			{"mfa_required", "Require MFA of everyone", p.MFARequired,
				"Everyone without a second factor, you included, is asked to set one up before anything else."},
			{"security_questions", "Ask the security question after a reset link is opened", p.SecurityQuestions, ""},
		}},
		{ID: "provisioning", Legend: "Provisioning (SCIM)", Choices: []policyChoice{
			{"provisioning_delete", "When a SCIM client deletes a user", []auditOption{
				{directory.ProvisioningDisable, "Disable them (default)"},
				{directory.ProvisioningRecycleBin, "Move them to the recycle bin (users who have signed in are disabled instead)"},
			}, p.ProvisioningDelete},
			{"provisioning_link", "Users added by hand", []auditOption{
				{directory.LinkNone, "Keep them out of provisioning (default)"},
				{directory.LinkByUsername, "Link by user name"},
				{directory.LinkByExternalID, "Link by external id (user code)"},
			}, p.ProvisioningLink},
		}, Flags: []policyFlag{
			{"provisioning_invite", "Invite the users a SCIM client creates", p.ProvisioningInvite,
				"Mails an invitation to each active user with an email, so that they can set a password; the token's user needs the right to invite."},
		}},
	}
}

// policyFields ties admin's field names to the fields of the policy form.
var policyFields = func() map[string]web.FieldRef {
	m := map[string]web.FieldRef{}
	for _, g := range policyGroups(directory.SecurityPolicy{}) {
		for _, n := range g.Numbers {
			m[n.Name] = web.FieldRef{ID: "security-" + n.Name, Label: n.Label}
		}
		for _, c := range g.Choices {
			m[c.Name] = web.FieldRef{ID: "security-" + c.Name, Label: c.Legend}
		}
	}
	return m
}()

// mayManageSettings answers 403 to an actor without settings.manage.
func (h *Handler) mayManageSettings(w http.ResponseWriter, r *http.Request) bool {
	if actorOf(r).Can("settings.manage") {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow changing the organization's settings.")
	return false
}

// settingsShow shows the settings page.
func (h *Handler) settingsShow(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	h.renderSettings(w, r, http.StatusOK, &page{}, nil)
}

// renderSettings loads the settings and renders the page with p, which
// carries the errors and values of a failed section. policy, when not nil,
// is the policy to show instead of the stored one (a refused submission).
func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, p *page, policy *directory.SecurityPolicy) {
	ctx, a := r.Context(), actorOf(r)
	pol, err := h.svc.SecurityPolicy(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if policy != nil {
		pol = *policy
	}
	d := settingsData{Groups: policyGroups(pol), Types: fieldTypes}
	if d.Fields, err = h.svc.Fields(ctx, a); err != nil {
		h.failure(w, r, err)
		return
	}
	if d.Kinds, err = h.svc.UnitKinds(ctx, a); err != nil {
		h.failure(w, r, err)
		return
	}
	for _, k := range d.Kinds {
		d.NextKind = max(d.NextKind, k.Position+1)
	}
	if d.SeatLimit, d.SeatsUsed, err = h.svc.Licenses(ctx, a); err != nil {
		h.failure(w, r, err)
		return
	}
	p.Title, p.Area, p.Data = "Settings", "settings", d
	h.render(w, r, status, "settings", p)
}

// settingsSecurity saves the security policy.
func (h *Handler) settingsSecurity(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	p := &page{}
	p.FormID = "security"
	var names []string
	for _, ref := range policyFields {
		names = append(names, strings.TrimPrefix(ref.ID, "security-"))
	}
	p.Keep(r, names...)
	pol, ok := policyFromForm(r, p)
	if !ok {
		h.renderSettings(w, r, http.StatusUnprocessableEntity, p, &pol)
		return
	}
	if _, err := h.svc.UpdateSecurityPolicy(r.Context(), actorOf(r), pol); err != nil {
		status := p.Explain(err, policyFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.renderSettings(w, r, status, p, &pol)
		return
	}
	done(w, r, "/admin/settings#security", "The security settings were saved.")
}

// policyFromForm reads the policy form; numbers that are not whole
// numbers get a message beside their field and ok is false.
func policyFromForm(r *http.Request, p *page) (pol directory.SecurityPolicy, ok bool) {
	ok = true
	num := func(name string, dst *int) {
		raw := strings.TrimSpace(r.PostFormValue(name))
		n, err := strconv.Atoi(raw)
		if err != nil {
			ref := policyFields[name]
			p.FieldError(ref.ID, ref.Label, "must be a whole number")
			ok = false
			return
		}
		*dst = n
	}
	on := func(name string) bool { return r.PostFormValue(name) == "yes" }
	num("password_min_length", &pol.PasswordMinLength)
	num("password_min_length_mfa", &pol.PasswordMinLengthMFA)
	num("lockout_threshold", &pol.LockoutThreshold)
	num("auto_unlock_minutes", &pol.AutoUnlockMinutes)
	num("session_idle_minutes", &pol.SessionIdleMinutes)
	num("session_lifetime_hours", &pol.SessionLifetimeHours)
	num("invitation_hours", &pol.InvitationHours)
	num("reset_link_minutes", &pol.ResetLinkMinutes)
	num("impersonation_minutes", &pol.ImpersonationMinutes)
	num("recycle_bin_days", &pol.RecycleBinDays)
	pol.RequireUpper, pol.RequireLower = on("require_upper"), on("require_lower")
	pol.RequireDigit, pol.RequireSymbol = on("require_digit"), on("require_symbol")
	pol.ImpersonationDisabled, pol.ImpersonationNotice = !on("impersonation_enabled"), on("impersonation_notice")
	pol.MFARequired, pol.SecurityQuestions = on("mfa_required"), on("security_questions")
	// Provisioning: an empty choice of what a delete does means the default.
	pol.ProvisioningDelete, pol.ProvisioningLink = r.PostFormValue("provisioning_delete"), r.PostFormValue("provisioning_link")
	pol.ProvisioningInvite = on("provisioning_invite")
	return pol, ok
}

// settingsLicenses changes the premium seat limit; an empty limit means
// no limit.
func (h *Handler) settingsLicenses(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	p := &page{}
	p.FormID = "licenses"
	p.Keep(r, "premium_seat_limit")
	raw := strings.TrimSpace(r.PostFormValue("premium_seat_limit"))
	limit := -1
	if raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			p.FieldError("licenses-premium_seat_limit", "Premium seat limit", "must be a whole number, 0 or more")
			h.renderSettings(w, r, http.StatusUnprocessableEntity, p, nil)
			return
		}
		limit = n
	}
	if err := h.svc.SetPremiumSeatLimit(r.Context(), actorOf(r), limit); err != nil {
		status := p.Explain(err, nil)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		if status == http.StatusConflict {
			p.Summary = nil
			p.FieldError("licenses-premium_seat_limit", "", web.Message(err))
		}
		h.renderSettings(w, r, status, p, nil)
		return
	}
	msg := "Premium seats are no longer limited."
	if limit >= 0 {
		msg = "The premium seat limit is now " + strconv.Itoa(limit) + "."
	}
	done(w, r, "/admin/settings#licenses", msg)
}

// settingsTestMail queues a test message to the actor's own address.
func (h *Handler) settingsTestMail(w http.ResponseWriter, r *http.Request) {
	if !h.mayManageSettings(w, r) {
		return
	}
	m, err := h.svc.SendTestMail(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, "/admin/settings#mail", "A test mail to "+m.To+" is in the outbox.")
}
