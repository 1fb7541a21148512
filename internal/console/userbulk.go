package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
)

// maxFlashLen keeps a flash message inside what the flash cookie carries.
const maxFlashLen = 450

// bulkVerb is what the flash says of users an action succeeded on:
// "3 users disabled".
var bulkVerb = map[string]string{
	"disable": "disabled", "enable": "enabled", "unlock": "unlocked", "resend": "invited again",
	"group": "added to the group", "delete": "moved to the recycle bin",
}

// usersBulk runs the action chosen on the users ticked in the list: each
// user is its own admin call (its own transaction and audit record), and
// the flash says what happened to how many, and who could not be acted on
// and why. Disabling and deleting ask first; the export answers with a
// CSV file.
func (h *Handler) usersBulk(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
		return
	}
	a := actorOf(r)
	to := back(r, "/admin/users")
	action := r.PostFormValue("action")
	ids := distinctIDs(r.PostForm["ids"])
	if validBulkAction(action) && !canAct(a, action) {
		h.failure(w, r, directory.Errorf(directory.KindForbidden, "your role does not allow this action"))
		return
	}
	if !validBulkAction(action) || len(ids) == 0 || len(ids) > 1000 || (action == "group" && r.PostFormValue("group") == "") {
		h.bulkInvalid(w, r, to, action, ids)
		return
	}
	n := strconv.Itoa(len(ids))
	switch action {
	case "export":
		h.exportSelection(w, r, ids)
		return
	case "disable":
		if !h.confirmed(w, r, confirmation{Title: "Disable users", Area: "users", Danger: true, Back: to,
			Question: "Disable the " + plural(len(ids), "selected user", "selected users") + "? They will be signed out and cannot sign in.",
			Button:   "Disable " + n}) {
			return
		}
	case "delete":
		if !h.confirmed(w, r, confirmation{Title: "Delete users", Area: "users", Danger: true, Back: to,
			Question: "Move the " + plural(len(ids), "selected user", "selected users") + " to the recycle bin? Only users who have never signed in can be deleted.",
			Button:   "Delete " + n}) {
			return
		}
	}
	ctx := r.Context()
	var failed []bulkFailure
	okCount := 0
	if action == "unlock" {
		results, err := h.svc.UnlockMany(ctx, a, ids)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		for _, res := range results {
			if res.Err != nil {
				failed = append(failed, bulkFailure{id: res.UserID, err: res.Err})
			} else {
				okCount++
			}
		}
	} else {
		for _, id := range ids {
			err := h.bulkOne(ctx, a, action, id, r.PostFormValue("group"))
			if err != nil && directory.KindOf(err) == 0 {
				h.serverError(w, r, err)
				return
			}
			if err != nil {
				failed = append(failed, bulkFailure{id: id, err: err})
				continue
			}
			okCount++
		}
	}
	done(w, r, to, h.bulkMessage(ctx, a, action, okCount, failed))
}

// bulkOne applies one action but unlock (which has its own bulk method)
// to one user.
func (h *Handler) bulkOne(ctx context.Context, a *admin.Actor, action, id, groupID string) error {
	var err error
	switch action {
	case "disable":
		_, err = h.svc.Disable(ctx, a, id, 0)
	case "enable":
		_, err = h.svc.Enable(ctx, a, id, 0)
	case "resend":
		_, err = h.svc.ResendInvitation(ctx, a, id)
	case "group":
		_, err = h.svc.AddGroupMember(ctx, a, groupID, id)
	case "delete":
		_, err = h.svc.Delete(ctx, a, id, 0)
	default:
		err = errors.New("console: unknown bulk action " + action)
	}
	return err
}

// bulkFailure is a user an action could not be applied to, and why.
type bulkFailure struct {
	id  string
	err error
}

// bulkMessage says what a bulk action did: "3 users disabled; 1 could not
// be: Ann Lee (she is already inactive)". It names at most five users who
// could not be acted on, reading their names (only of users the actor may
// see) for those only.
func (h *Handler) bulkMessage(ctx context.Context, a *admin.Actor, action string, ok int, failed []bulkFailure) string {
	msg := plural(ok, "user", "users") + " " + bulkVerb[action]
	if len(failed) == 0 {
		return msg + "."
	}
	var parts []string
	for i, f := range failed {
		if i == 5 {
			parts = append(parts, "and "+strconv.Itoa(len(failed)-5)+" more")
			break
		}
		name := "a user you may not see"
		if u, err := h.svc.User(ctx, a, f.id); err == nil {
			name = u.Name()
		}
		parts = append(parts, name+" ("+reasonOf(f.err)+")")
	}
	msg += "; " + strconv.Itoa(len(failed)) + " could not be: " + strings.Join(parts, ", ") + "."
	if len(msg) > maxFlashLen {
		msg = strings.ToValidUTF8(msg[:maxFlashLen], "") + "…"
	}
	return msg
}

// reasonOf is the reason of a refusal in a few words.
func reasonOf(err error) string {
	switch directory.KindOf(err) {
	case directory.KindNotFound:
		return "not found, or you may not see this user"
	case directory.KindForbidden:
		return "you may not manage this user"
	}
	var e *directory.Error
	if errors.As(err, &e) && e.Message != "" {
		return strings.TrimSuffix(e.Message, ".")
	}
	return "refused"
}

// bulkInvalid answers a bulk form that chose no users, no action or no
// group: the list again, with the message, and nothing done.
func (h *Handler) bulkInvalid(w http.ResponseWriter, r *http.Request, to, action string, ids []string) {
	p := &page{}
	switch {
	case len(ids) == 0:
		p.FieldError("select-all", "", "Select at least one user")
	case len(ids) > 1000:
		p.FieldError("select-all", "", "Select at most 1,000 users")
	case !validBulkAction(action):
		p.FieldError("bulk-action", "Action", "must be chosen")
	default:
		p.FieldError("bulk-group", "Group", "must be chosen to add users to")
	}
	p.Set("action", action)
	p.Set("group", r.PostFormValue("group"))
	p.Set("ids", ids...)
	q := url.Values{}
	if u, err := url.Parse(to); err == nil {
		q = u.Query()
	}
	h.showUsers(w, r, q, p, http.StatusUnprocessableEntity)
}

func validBulkAction(action string) bool {
	for _, b := range bulkActions {
		if b.Value == action {
			return true
		}
	}
	return false
}

// distinctIDs drops blanks and repeats.
func distinctIDs(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// plural says "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return number(n) + " " + many
}
