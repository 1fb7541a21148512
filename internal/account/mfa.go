package account

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/web"
)

// mfaData is what the authenticator page shows: the set-up (QR code, key
// and code field) for a user without an authenticator, or the recovery
// codes left and the forms to replace them or remove the authenticator.
type mfaData struct {
	Emulated bool
	Enrolled bool
	Required bool // the enrolment gate: MFA is required of the user
	// Mandatory says MFA is required of the user, so it cannot be removed.
	Mandatory bool
	Enrolment *admin.TOTPEnrolment
	CodesLeft int
}

// codesData is what the recovery codes page shows.
type codesData struct {
	Codes    []string
	Continue string
}

// mfaPage shows the set-up of an authenticator app, or its management.
// The set-up keeps an unconfirmed key across visits, so that a key already
// scanned stays valid.
func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) {
	h.showMFA(w, r, http.StatusOK, &page{Title: "Authenticator app", Next: nextParam(r)})
}

func (h *Handler) showMFA(w http.ResponseWriter, r *http.Request, status int, p *page) {
	ctx := r.Context()
	st := StateFrom(ctx)
	d := mfaData{Emulated: st.Target != nil, Enrolled: !st.User.MFAEnrolledAt.IsZero(), Required: st.Gate == admin.GateEnrolMFA}
	switch {
	case d.Emulated:
	case d.Enrolled:
		n, err := h.svc.RecoveryCodesLeft(ctx, st)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		d.CodesLeft = n
		if d.Mandatory, err = h.svc.MFARequiredOf(ctx, st); err != nil {
			h.failure(w, r, err)
			return
		}
	default:
		p.Title = "Set up an authenticator app"
		e, err := h.svc.PendingTOTP(ctx, st)
		if err == nil && e == nil {
			e, err = h.svc.StartTOTP(ctx, st)
		}
		if err != nil {
			h.failure(w, r, err)
			return
		}
		d.Enrolment = e
	}
	p.Data = d
	h.render(w, r, status, "mfa", p)
}

// confirmMFA finishes the set-up with a code from the app and shows the
// recovery codes, this once. The session gets a new secret.
func (h *Handler) confirmMFA(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := StateFrom(ctx)
	next := nextParam(r)
	codes, secret, err := h.svc.ConfirmTOTP(ctx, st, r.PostFormValue("code"))
	if err != nil {
		p := &page{Title: "Set up an authenticator app", Next: next}
		status := p.explain(err, map[string]fieldRef{"code": {ID: "code", Label: "The code"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.showMFA(w, r, status, p)
		return
	}
	h.setSession(w, secret)
	to, err := h.onward(ctx, secret, client(r), next)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	st.Gate = ""
	h.render(w, r, http.StatusOK, "codes", &page{Title: "Save your recovery codes", State: st,
		Data: codesData{Codes: codes, Continue: to}})
}

// regenerateCodes replaces the recovery codes after checking the password
// and shows the new ones.
func (h *Handler) regenerateCodes(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	codes, err := h.svc.RegenerateRecoveryCodes(r.Context(), st, r.PostFormValue("current_password"))
	if err != nil {
		h.mfaFormError(w, r, "regen", err)
		return
	}
	h.render(w, r, http.StatusOK, "codes", &page{Title: "Save your new recovery codes",
		Data: codesData{Codes: codes, Continue: "/account"}})
}

// removeMFA removes the authenticator and recovery codes after checking
// the password.
func (h *Handler) removeMFA(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	if err := h.svc.RemoveOwnMFA(r.Context(), st, r.PostFormValue("current_password")); err != nil {
		h.mfaFormError(w, r, "remove", err)
		return
	}
	seeOther(w, r, "/account?done=mfa-removed")
}

// mfaFormError shows the authenticator page again with the error of one
// of its password forms.
func (h *Handler) mfaFormError(w http.ResponseWriter, r *http.Request, form string, err error) {
	p := &page{Title: "Authenticator app", Form: web.Form{FormID: form}}
	status := p.explain(err, map[string]fieldRef{"current_password": {ID: form + "-current_password", Label: "Your password"}})
	if status == 0 {
		h.serverError(w, r, err)
		return
	}
	h.showMFA(w, r, status, p)
}
