package account

import (
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
)

// accountNotices are the messages other pages send people to /account
// with.
var accountNotices = map[string]string{
	"password":       "Your password has been changed. Your other sessions have been signed out.",
	"mfa-removed":    "Your authenticator app and recovery codes have been removed.",
	"question":       "Your security question has been saved.",
	"session-ended":  "The session has been ended.",
	"others-ended":   "Your other sessions have been ended.",
	"grant":          "Your credentials have been changed.",
	"emulation-over": "You are acting as yourself again.",
	"emulating":      "You are now acting as another user.",
}

// accountData is what the account page shows.
type accountData struct {
	// Person is whose profile is shown: the signed-in user, or the user
	// they act as.
	Person *directory.User
	// Self is false while acting as another user: the credential links
	// and sessions then do not apply.
	Self              bool
	MFAEnrolled       bool
	CodesLeft         int
	SecurityQuestions bool
	HasQuestion       bool
	SeveralGrants     bool
	ActiveGrant       *admin.GrantView
	Sessions          []*admin.SessionView
}

// accountPage shows the signed-in person's account: who they are, their
// sign-in settings with links to change them, and their sessions.
func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := StateFrom(ctx)
	d := accountData{Person: st.User, Self: st.Target == nil}
	if st.Target != nil {
		d.Person = st.Target
	}
	if d.Self {
		d.MFAEnrolled = !st.User.MFAEnrolledAt.IsZero()
		d.SecurityQuestions = st.Org.Policy.SecurityQuestions
		d.HasQuestion = st.User.HasSecurityAnswer
		if d.MFAEnrolled {
			n, err := h.svc.RecoveryCodesLeft(ctx, st)
			if err != nil {
				h.failure(w, r, err)
				return
			}
			d.CodesLeft = n
		}
		grants, active, err := h.svc.MyGrants(ctx, st.Actor)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		current := 0
		for _, g := range grants {
			if g.Current {
				current++
			}
			if g.ID == active {
				d.ActiveGrant = g
			}
		}
		d.SeveralGrants = current > 1
		if d.Sessions, err = h.svc.MySessions(ctx, st.Actor); err != nil {
			h.failure(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "account", &page{Title: "Your account", Notice: accountNotices[r.FormValue("done")], Data: d})
}

// endSession ends one of the user's own sessions.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	if err := h.svc.EndMySession(r.Context(), st.Actor, r.PathValue("id")); err != nil {
		h.failure(w, r, err)
		return
	}
	if r.PathValue("id") == st.Session.ID {
		h.clearSession(w)
		seeOther(w, r, "/login?done=signed-out")
		return
	}
	seeOther(w, r, "/account?done=session-ended")
}

// endOtherSessions ends every session of the user but this one.
func (h *Handler) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	if _, err := h.svc.EndMyOtherSessions(r.Context(), st.Actor); err != nil {
		h.failure(w, r, err)
		return
	}
	seeOther(w, r, "/account?done=others-ended")
}
