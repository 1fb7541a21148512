package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"roster/internal/directory"
	"roster/internal/store"
)

// userActivityPageSize is how many events a page of the Activity tab
// lists.
const userActivityPageSize = 25

// userActivityData is what the Activity tab shows.
type userActivityData struct {
	Head   userHead
	User   *directory.User
	Events []userEvent
	Pager  pager
	// Hidden says the actor may not read the audit log.
	Hidden bool
}

// userEvent is one audit event as the Activity tab shows it.
type userEvent struct {
	*directory.AuditEvent
	Changes []userChange
}

// userChange is one changed field, its values written for people.
type userChange struct {
	Field, Before, After string
}

// userActivity shows the Activity tab: the audit trail of the user,
// newest first, keyset-paged.
func (h *Handler) userActivity(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "activity", "Activity")
	if p == nil {
		return
	}
	d := userActivityData{Head: h.head(u, "activity"), User: u}
	q := r.URL.Query()
	f := store.AuditFilter{TargetType: "user", TargetID: u.ID, Limit: userActivityPageSize}
	if after := q.Get("after"); after != "" {
		var c store.AuditCursor
		if userDecodeCursor(after, &c) {
			f.After = &c
		}
	}
	events, err := h.svc.Audit(r.Context(), actorOf(r), f)
	switch {
	case directory.KindOf(err) == directory.KindForbidden:
		d.Hidden = true
	case err != nil:
		h.failure(w, r, err)
		return
	default:
		for _, e := range events.Events {
			ev := userEvent{AuditEvent: e}
			for _, c := range e.Changes {
				ev.Changes = append(ev.Changes, userChange{Field: c.Field, Before: userChangeText(c.Before), After: userChangeText(c.After)})
			}
			d.Events = append(d.Events, ev)
		}
		next := ""
		if events.Next != nil {
			next = userEncodeCursor(events.Next)
		}
		d.Pager = pageLinks(r.URL.Path, q, next)
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "user_activity", p)
}

// userChangeText writes a value of an audit change for people: "" for
// none, text as it is, anything else as JSON.
func userChangeText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case float64, int, int64:
		return fmt.Sprint(v)
	}
	if m, ok := v.(map[string]any); ok {
		// A small record (a photo's size, a grant): its fields in order.
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+" "+userChangeText(m[k]))
		}
		return strings.Join(parts, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// userActionLabels name the audited actions about a user for people.
var userActionLabels = map[string]string{
	"user.create": "Added", "user.update": "Profile edited", "user.email_change": "Email changed",
	"user.delete": "Moved to the recycle bin", "user.restore": "Restored from the recycle bin", "user.purge": "Purged",
	"user.disable": "Disabled", "user.enable": "Enabled", "user.lock": "Locked", "user.unlock": "Unlocked",
	"user.set_password": "Password set", "user.reset_password": "Password reset", "user.change_password": "Password changed",
	"user.reset_password_by_link": "Password reset by link", "user.forgot_password": "Password reset asked for",
	"user.mfa_enrol": "Two-step sign-in set up", "user.mfa_remove": "Two-step sign-in removed",
	"user.mfa_reset": "Two-step sign-in reset", "user.mfa_required": "Two-step sign-in requirement changed",
	"user.recovery_codes": "Recovery codes renewed", "user.security_question": "Security question changed",
	"user.end_sessions": "Sessions ended", "session.end_others": "Other sessions ended",
	"user.impersonate_start": "Emulation started", "user.impersonate_stop": "Emulation stopped",
	"user.photo_set": "Photo uploaded", "user.photo_remove": "Photo removed",
	"user.time_off_add": "Time off added", "user.time_off_remove": "Time off removed",
	"grant.create": "Access granted", "grant.update": "Access changed", "grant.delete": "Access removed",
	"group.member_add": "Added to a group", "group.member_remove": "Removed from a group",
	"relationship.create": "Relationship added", "relationship.delete": "Relationship removed",
	"resource_grant.create": "Resource access granted", "resource_grant.delete": "Resource access removed",
	"invitation.accept": "Invitation accepted", "invitation.expire": "Invitation expired",
	"invitation.resend": "Invitation sent again",
}

// ActionLabel names the event's action for people ("" when there is no
// name for it, and the template shows the code alone).
func (e userEvent) ActionLabel() string { return userActionLabels[e.Action] }
