package console

import (
	"net/http"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// tokenRoutes adds the API tokens screen: the tokens the actor may see,
// making one (its secret shown once) and revoking one.
func (h *Handler) tokenRoutes(r router) {
	r.handle("GET /admin/tokens", h.tokenList)
	r.handle("POST /admin/tokens", h.tokenCreate)
	r.handle("POST /admin/tokens/{id}/revoke", h.tokenRevoke)
}

// tokenExpiries are the lifetimes a new token may be given; the value is
// a number of days, or "never".
var tokenExpiries = []auditOption{
	{"30", "30 days"}, {"90", "90 days"}, {"365", "1 year"}, {"never", "Never (until revoked)"},
}

// tokenDefaultExpiry is the lifetime the form proposes.
const tokenDefaultExpiry = "90"

// tokenData is what the tokens page shows.
type tokenData struct {
	Tokens   []tokenRow
	Expiries []auditOption
	// Expiry is the lifetime chosen in the form.
	Expiry string
	// All says the list holds other users' tokens too.
	All bool
	// ProvisionRole and ProvisionScope are the selects of the grant that
	// users the token creates through SCIM receive.
	ProvisionRole, ProvisionScope pickView
}

// tokenRow is one token as the list shows it.
type tokenRow struct {
	*directory.Token
	Owner string
	// OwnerHref leads to the owner's page, for tokens of other users.
	OwnerHref string
	Expired   bool
	// Provisioning names the role and scope SCIM users receive, such as
	// "Staff over North site"; "" when the token gives none.
	Provisioning string
}

// tokenNewData is what the page after making a token shows.
type tokenNewData struct {
	Token  *directory.Token
	Secret string
}

// mayUseTokens answers 403 to an actor who may not open the screen (the
// navigation's rule: users.view or settings.manage).
func (h *Handler) mayUseTokens(w http.ResponseWriter, r *http.Request) bool {
	if a := actorOf(r); a.Can("users.view") || a.Can("settings.manage") {
		return true
	}
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not give access to API tokens here.")
	return false
}

// tokenList shows the tokens and the form to make one.
func (h *Handler) tokenList(w http.ResponseWriter, r *http.Request) {
	if !h.mayUseTokens(w, r) {
		return
	}
	p := &page{}
	p.Set("expiry", tokenDefaultExpiry)
	h.renderTokens(w, r, http.StatusOK, p)
}

// renderTokens loads the tokens and renders the page with p.
func (h *Handler) renderTokens(w http.ResponseWriter, r *http.Request, status int, p *page) {
	ctx, a := r.Context(), actorOf(r)
	tokens, err := h.svc.Tokens(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	now := h.svc.Now()
	names := map[string]string{}
	if st := stateOf(r); st.Target != nil {
		names[a.UserID] = st.Target.Name()
	} else if st.User != nil {
		names[a.UserID] = st.User.Name()
	}
	d := tokenData{Expiries: tokenExpiries, Expiry: p.Value("expiry")}
	roles, units, err := h.provisionChoices(r, p, &d)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, t := range tokens {
		owner, known := names[t.UserID]
		if !known {
			// Tokens are few and most belong to a handful of people:
			// each owner is read once.
			owner = t.UserID
			if u, err := h.svc.User(ctx, a, t.UserID); err == nil {
				owner = u.Name()
			}
			names[t.UserID] = owner
		}
		row := tokenRow{Token: t, Owner: owner, Expired: !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt),
			Provisioning: h.provisionLabel(r, t, roles, units)}
		if t.UserID != a.UserID {
			row.OwnerHref = "/admin/users/" + t.UserID
			d.All = true
		}
		d.Tokens = append(d.Tokens, row)
	}
	p.Title, p.Area, p.Data = "API tokens", "tokens", d
	h.render(w, r, status, "tokens", p)
}

// provisionChoices fills the selects of the token's provisioning grant:
// the roles the actor may give (at or below their level, and asking for no
// values a SCIM client could supply), and the whole organization (for an
// organization-wide actor) or a unit in their scope. It returns every role
// and the units listed, by id, to name the tokens' grants.
func (h *Handler) provisionChoices(r *http.Request, p *page, d *tokenData) (map[string]string, map[string]string, error) {
	ctx, a := r.Context(), actorOf(r)
	all, err := h.svc.Roles(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	roles := map[string]string{}
	roleOpts := []pickOption{{Value: "", Label: "None: no role"}}
	for _, role := range all {
		roles[role.ID] = role.Name
		if role.Level <= a.Level() && len(role.RequiredFields) == 0 {
			roleOpts = append(roleOpts, pickOption{Value: role.ID, Label: role.Name})
		}
	}
	// Units take users.view; an actor without it offers the organization
	// only.
	var list []*directory.Unit
	if a.Can("users.view") {
		if list, err = h.svc.Units(ctx, a, store.UnitFilter{}); err != nil {
			return nil, nil, err
		}
	}
	units := map[string]string{}
	for _, u := range list {
		units[u.ID] = u.Name
	}
	none := "The whole organization"
	if !a.OrgWide() {
		none = "Choose a unit"
	}
	d.ProvisionRole = newPick(p, "provision_role_id", "Role", "", false, roleOpts)
	d.ProvisionScope = newPick(p, "provision_unit_id", "Scope", "", false, unitPicks(list, none))
	d.ProvisionScope.Hint = "The role applies to this unit and every unit under it."
	return roles, units, nil
}

// provisionLabel names a token's provisioning grant, such as "Staff over
// North site"; "" for a token that gives none.
func (h *Handler) provisionLabel(r *http.Request, t *directory.Token, roles, units map[string]string) string {
	if t.ProvisionRoleID == "" {
		return ""
	}
	role, ok := roles[t.ProvisionRoleID]
	if !ok {
		role = "a removed role"
	}
	if t.ProvisionUnitID == "" {
		return role + " over the whole organization"
	}
	unit, ok := units[t.ProvisionUnitID]
	if !ok {
		unit = "a unit outside your scope"
		if u, err := h.svc.Unit(r.Context(), actorOf(r), t.ProvisionUnitID); err == nil {
			unit = u.Name
		}
	}
	return role + " over " + unit
}

// tokenCreate makes a token for the actor and shows its secret, this
// once: the page is rendered, not redirected to, and is never cached.
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if !h.mayUseTokens(w, r) {
		return
	}
	p := &page{}
	p.Keep(r, "name", "expiry", "provision_role_id", "provision_unit_id")
	in := admin.TokenInput{Name: r.PostFormValue("name"), ProvisionRoleID: r.PostFormValue("provision_role_id"),
		ProvisionUnitID: r.PostFormValue("provision_unit_id")}
	switch e := r.PostFormValue("expiry"); e {
	case "never":
	case "30", "90", "365":
		days := map[string]int{"30": 30, "90": 90, "365": 365}[e]
		in.ExpiresAt = h.svc.Now().Add(time.Duration(days) * 24 * time.Hour)
	default:
		p.FieldError("expiry", "Expires", "must be one of the choices")
		h.renderTokens(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	t, secret, err := h.svc.CreateToken(r.Context(), actorOf(r), in)
	if err != nil {
		status := p.Explain(err, map[string]web.FieldRef{"name": {ID: "name", Label: "Name"},
			"expires_at": {ID: "expiry", Label: "Expires"}, "provision_role_id": {ID: "provision_role_id", Label: "Role"},
			"provision_unit_id": {ID: "provision_unit_id", Label: "Scope"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.renderTokens(w, r, status, p)
		return
	}
	h.render(w, r, http.StatusOK, "token_new", &page{Title: "Your new API token", Area: "tokens",
		Crumbs: []crumb{{Text: "API tokens", Href: "/admin/tokens"}, {Text: t.Name}},
		Flash:  "The token " + t.Name + " was made.", Data: tokenNewData{Token: t, Secret: secret}})
}

// tokenRevoke revokes a token, once confirmed.
func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	if !h.mayUseTokens(w, r) {
		return
	}
	ctx, a := r.Context(), actorOf(r)
	tokens, err := h.svc.Tokens(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	var t *directory.Token
	for _, x := range tokens {
		if x.ID == r.PathValue("id") {
			t = x
		}
	}
	if t == nil {
		h.failure(w, r, directory.NotFound("token"))
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Revoke the token " + t.Name,
		Question: "Revoke the API token " + t.Name + "? Programs using it lose access at once; this cannot be undone.",
		Button:   "Revoke the token", Danger: true, Back: "/admin/tokens", Area: "tokens"}) {
		return
	}
	if _, err := h.svc.RevokeToken(ctx, a, t.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, "/admin/tokens", "The token "+strings.TrimSpace(t.Name)+" was revoked.")
}
