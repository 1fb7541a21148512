package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
)

// auditRoutes adds the audit log: every audited write, newest first,
// filtered by the query of the URL, each row opening on its changes.
func (h *Handler) auditRoutes(r router) {
	r.handle("GET /admin/audit", h.auditList)
}

// auditPageSize is the number of events a page of the log shows unless
// the URL asks for another (limit, 1 to 200).
const auditPageSize = 50

// auditTargetTypes are the kinds of thing an event may be about, as the
// target type filter offers them.
var auditTargetTypes = []auditOption{
	{"user", "User"}, {"group", "Group"}, {"group_category", "Group category"}, {"unit", "Unit"},
	{"unit_kind", "Unit kind"}, {"role", "Role"}, {"resource", "Resource"}, {"resource_kind", "Resource kind"},
	{"relationship_kind", "Relationship kind"}, {"custom_field", "Custom field"}, {"organization", "Organization"},
	{"session", "Session"}, {"token", "API token"}, {"mail", "Mail"},
}

// auditActions are the action prefixes and actions the action filter
// suggests; any other action may be typed.
var auditActions = []string{
	"user.", "user.create", "user.update", "user.email_change", "user.delete", "user.purge", "user.lock",
	"user.reset_password", "user.set_password", "user.impersonate_start", "user.impersonate_stop",
	"grant.", "group.", "unit.", "role.", "resource.", "relationship.", "invitation.", "session.",
	"session.sign_in", "token.", "custom_field.", "settings.security", "organization.licenses", "mail.",
}

// auditOption is one choice of a select.
type auditOption struct {
	Value, Label string
}

// auditData is what the audit log shows.
type auditData struct {
	Filter  auditQuery
	Types   []auditOption
	Actions []string
	Events  []auditRow
	Pager   pager
	// Filtered says some filter is on, so "no events" means "none match".
	Filtered bool
}

// auditQuery is the filter as the URL carries it.
type auditQuery struct {
	Actor, Action, Type, Target, From, To string
}

// auditRow is one event as the log shows it.
type auditRow struct {
	*directory.AuditEvent
	// Who is the actor's name; As the emulated user's when the actor was
	// acting as someone else.
	Who, As string
	// TargetHref leads to the target when it has a page of its own.
	TargetHref string
	Changes    []auditChange
}

// TypeLabel names the kind of the event's target for people.
func (row auditRow) TypeLabel() string {
	for _, o := range auditTargetTypes {
		if o.Value == row.TargetType {
			return o.Label
		}
	}
	return strings.ReplaceAll(row.TargetType, "_", " ")
}

// auditChange is one changed field: its name and the values before and
// after, written for people ("" = no value).
type auditChange struct {
	Field, Before, After string
}

// auditList shows one page of the audit log.
func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if !a.Can("audit.view") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow reading the audit log.")
		return
	}
	q := r.URL.Query()
	p := &page{Title: "Audit log", Area: "audit"}
	d := auditData{Types: auditTargetTypes, Actions: auditActions}
	d.Filter = auditQuery{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Type: q.Get("type"), Target: strings.TrimSpace(q.Get("target")), From: q.Get("from"), To: q.Get("to")}
	f := store.AuditFilter{ActorID: d.Filter.Actor, Action: d.Filter.Action, TargetType: d.Filter.Type,
		TargetID: d.Filter.Target, Limit: auditPageSize}
	d.Filtered = d.Filter != auditQuery{}
	for _, k := range []string{"actor", "target", "from", "to"} {
		p.Set(k, q.Get(k))
	}
	status := http.StatusOK
	var err error
	if f.From, err = auditDay(d.Filter.From); err != nil {
		p.FieldError("from", "From", "must be a date like 2026-09-01")
		status = http.StatusUnprocessableEntity
	}
	if f.To, err = auditDay(d.Filter.To); err != nil {
		p.FieldError("to", "To", "must be a date like 2026-09-01")
		status = http.StatusUnprocessableEntity
	} else if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the "to" day is included
	}
	if id, ok := h.auditUser(r, d.Filter.Actor); ok {
		f.ActorID = id
	} else {
		p.FieldError("actor", "Actor", "is no user you can see; give a user name, an email or an ID")
		status = http.StatusUnprocessableEntity
	}
	if id, ok := h.auditUser(r, d.Filter.Target); ok {
		f.TargetID = id
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = min(n, 200)
	}
	if c := q.Get("after"); c != "" {
		if f.After = auditCursor(c); f.After == nil {
			h.errorPage(w, r, http.StatusBadRequest, "Page not found", "This link to a page of the log is not valid. Start again from the first page.")
			return
		}
	}
	if status != http.StatusOK {
		p.Data = d
		h.render(w, r, status, "audit", p)
		return
	}
	res, err := h.svc.Audit(r.Context(), a, f)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, e := range res.Events {
		d.Events = append(d.Events, auditRowOf(e))
	}
	next := ""
	if res.Next != nil {
		next = strconv.FormatInt(res.Next.At, 10) + "." + res.Next.ID
	}
	d.Pager = pageLinks("/admin/audit", q, next)
	p.Data = d
	h.render(w, r, http.StatusOK, "audit", p)
}

// auditID matches the ids the service gives out.
var auditID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// auditUser reads a user filter: an id is kept as it is, a user name or
// email becomes the id of the user it names. Anything else is kept as it
// is (some targets, such as unit kinds, are named by a key) and ok is
// false.
func (h *Handler) auditUser(r *http.Request, v string) (id string, ok bool) {
	if v == "" || auditID.MatchString(v) {
		return v, true
	}
	u, err := h.svc.FindUser(r.Context(), actorOf(r), v)
	if err != nil {
		return v, false
	}
	return u.ID, true
}

// auditDay reads a date of the filter ("" = none), as midnight UTC.
func auditDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, s, time.UTC)
}

// auditCursor reads the cursor of the "after" parameter
// (microseconds "." id), or nil when it is not one.
func auditCursor(s string) *store.AuditCursor {
	at, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return nil
	}
	return &store.AuditCursor{At: n, ID: id}
}

// auditRowOf prepares an event for the log.
func auditRowOf(e *directory.AuditEvent) auditRow {
	row := auditRow{AuditEvent: e, Who: e.ActorName}
	if e.ImpersonatorID != "" {
		// The actor's name reads "Emulated (emulated by Real)".
		if as, real, ok := strings.Cut(e.ActorName, " (emulated by "); ok {
			row.Who, row.As = strings.TrimSuffix(real, ")"), as
		}
	}
	if e.TargetType == "user" && e.TargetID != "" {
		row.TargetHref = "/admin/users/" + url.PathEscape(e.TargetID)
	}
	for _, c := range e.Changes {
		row.Changes = append(row.Changes, auditChange{Field: strings.ReplaceAll(c.Field, "_", " "),
			Before: admin.AuditValue(c.Before), After: admin.AuditValue(c.After)})
	}
	return row
}
