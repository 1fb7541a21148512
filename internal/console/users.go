package console

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// userListRoutes adds the routes of this screen: the users list with its
// search, filters, sorting and paging, and the action on a selection.
// The padlock of a locked user posts to the user's own unlock route.
func (h *Handler) userListRoutes(r router) {
	r.handle("GET /admin/users", h.users)
	r.handle("POST /admin/users/bulk", h.usersBulk)
}

// userPageSizes are the page sizes the list offers.
var userPageSizes = []int{25, 50, 100}

// defaultUserPageSize is the page size of a list that names none.
const defaultUserPageSize = 50

// userFilterKeys are the query parameters that filter the list (not the
// sort, the page size or the cursor).
var userFilterKeys = []string{"q", "status", "locked", "expired", "at_vacation", "role", "unit", "group", "license", "invitation"}

// userSorts are the sortable columns: the query value, the store's sort
// and the column's heading.
var userSorts = []struct {
	Key   string
	Sort  store.UserSort
	Label string
}{
	{"status", store.SortStatus, "Status"},
	{"name", store.SortLastName, "Name"},
	{"username", store.SortUsername, "User name"},
	{"email", store.SortEmail, "Email"},
	{"last_sign_in", store.SortLastSignIn, "Last sign-in"},
}

// userListData is what the users list shows.
type userListData struct {
	Rows  []userRow
	Total int
	Pager pager
	// Here is the list's own address (with its query), where actions on
	// it lead back to.
	Here string
	// Query is the list's query without the cursor, to keep in forms.
	Query url.Values
	// Filtered says some filter or search is on.
	Filtered bool
	// Filters are the choice filters, in order.
	Filters []choiceFilter
	Q       string
	Sorts   map[string]sortLink
	// SortedBy says the order of the list in words ("Name, ascending").
	SortedBy string
	Size     int
	Sizes    []int
	Groups   []*directory.Group
	// Actions are the bulk actions the actor may use.
	Actions []option
	// Invalid says the query could not be read; the list is empty.
	Invalid bool
}

// userRow is one row of the list.
type userRow struct {
	User    *directory.User
	Grants  []store.GrantSummary
	Expired bool
	// Alert marks disabled and expired users, drawn in red.
	Alert bool
}

// option is one choice of a select.
type option struct {
	Value, Label string
}

// choiceFilter is one select of the filter bar.
type choiceFilter struct {
	ID, Label, Any string
	Options        []option
	Selected       string
}

// sortLink is a sortable column heading: the link that sorts by it (or
// reverses the order) and its aria-sort value ("" = not sorted by it).
type sortLink struct {
	Label, Href, AriaSort string
}

// userCursorValue is what the "after" parameter holds: the sort and order
// the cursor belongs to and the position.
type userCursorValue struct {
	Sort string        `json:"s"`
	Desc bool          `json:"d"`
	At   *store.Cursor `json:"c"`
}

func encodeUserCursor(c userCursorValue) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeUserCursor(s string) (userCursorValue, bool) {
	var c userCursorValue
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.At == nil {
		return userCursorValue{}, false
	}
	return c, true
}

// users shows the users list.
func (h *Handler) users(w http.ResponseWriter, r *http.Request) {
	h.showUsers(w, r, r.URL.Query(), &page{}, http.StatusOK)
}

// showUsers renders the list for query q onto p (which may carry errors
// of a bulk action) with status.
func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, q url.Values, p *page, status int) {
	a := actorOf(r)
	ctx := r.Context()
	p.Title, p.Area, p.State = "Users", "users", stateOf(r)
	q = cloneValues(q)
	d := &userListData{Q: q.Get("q"), Sizes: userPageSizes, Here: withQuery("/admin/users", q)}
	for _, k := range userFilterKeys {
		if q.Get(k) != "" {
			d.Filtered = true
		}
	}
	f, ok := userFilterOf(q, p)
	d.Size = f.Limit
	sortKey, desc := sortKeyOf(f.Sort), f.Desc
	d.Sorts = sortLinks(q, sortKey, desc)
	d.SortedBy = d.Sorts[sortKey].Label + ", " + d.Sorts[sortKey].AriaSort

	roles, err := h.svc.Roles(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	units, err := h.svc.Units(ctx, a, store.UnitFilter{})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if d.Groups, err = h.svc.Groups(ctx, a, ""); err != nil {
		h.failure(w, r, err)
		return
	}
	d.Filters = userChoiceFilters(q, roles, units, d.Groups)
	d.Actions = bulkActionsFor(p)

	if ok {
		list, err := h.svc.ListUsers(ctx, a, f)
		if err != nil {
			st := p.Explain(err, map[string]web.FieldRef{
				"status": {ID: "status", Label: "Status"}, "invitation": {ID: "invitation", Label: "Invitation"},
				"license": {ID: "license", Label: "License"}, "group_id": {ID: "group", Label: "Group"},
				"role_id": {ID: "role", Label: "Role"}, "unit_id": {ID: "unit", Label: "Unit"},
				"limit": {ID: "limit", Label: "Users per page"},
			})
			if st == 0 {
				h.serverError(w, r, err)
				return
			}
			if st != http.StatusUnprocessableEntity {
				h.failure(w, r, err)
				return
			}
			d.Invalid, status = true, st
		} else {
			grants, err := h.svc.GrantSummaries(ctx, a, list.Users)
			if err != nil {
				h.failure(w, r, err)
				return
			}
			now := h.svc.Now()
			for _, u := range list.Users {
				exp := u.Expired(now)
				d.Rows = append(d.Rows, userRow{User: u, Grants: grants[u.ID], Expired: exp,
					Alert: exp || u.Status == directory.StatusInactive})
			}
			d.Total = list.Total
			next := ""
			if list.Next != nil {
				next = encodeUserCursor(userCursorValue{Sort: string(f.Sort), Desc: f.Desc, At: list.Next})
			}
			d.Pager = pageLinks("/admin/users", q, next)
		}
	} else {
		d.Invalid, status = true, http.StatusUnprocessableEntity
	}
	delete(q, "after")
	d.Query = q
	p.Data = d
	h.render(w, r, status, "users", p)
}

// userFilterOf reads the list's query into a store filter. Values it
// cannot read are put on p as field errors, and ok is false.
func userFilterOf(q url.Values, p *page) (store.UserFilter, bool) {
	f := store.UserFilter{Q: strings.TrimSpace(q.Get("q")), RoleID: q.Get("role"), UnitID: q.Get("unit"),
		GroupID: q.Get("group"), License: directory.License(q.Get("license")), Invitation: q.Get("invitation"),
		Limit: defaultUserPageSize}
	ok := true
	if s := q.Get("status"); s != "" {
		f.Statuses = []directory.Status{directory.Status(s)}
	}
	for _, t := range []struct {
		key, label string
		to         **bool
	}{{"locked", "Locked", &f.Locked}, {"expired", "Expired", &f.Expired}, {"at_vacation", "Away today", &f.AtVacation}} {
		switch q.Get(t.key) {
		case "":
		case "true":
			v := true
			*t.to = &v
		case "false":
			v := false
			*t.to = &v
		default:
			p.FieldError(t.key, t.label, "must be yes or no")
			ok = false
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			p.FieldError("limit", "Users per page", "must be 25, 50 or 100")
			ok = false
		} else {
			f.Limit = n
		}
	}
	sortKey := q.Get("sort")
	f.Sort = store.SortLastName
	for _, s := range userSorts {
		if s.Key == sortKey {
			f.Sort = s.Sort
		}
	}
	f.Desc = q.Get("order") == "desc"
	// A cursor of another order (an edited link) starts at the first page.
	if c, good := decodeUserCursor(q.Get("after")); good && c.Sort == string(f.Sort) && c.Desc == f.Desc {
		f.After = c.At
	}
	return f, ok
}

// sortKeyOf is the query value of a store sort.
func sortKeyOf(s store.UserSort) string {
	for _, x := range userSorts {
		if x.Sort == s {
			return x.Key
		}
	}
	return "name"
}

// sortLinks builds the column headings: a link sorting by the column
// ascending, or reversing the order of the column sorted by now.
func sortLinks(q url.Values, current string, desc bool) map[string]sortLink {
	out := map[string]sortLink{}
	for _, s := range userSorts {
		l := cloneValues(q)
		l.Del("after")
		l.Set("sort", s.Key)
		l.Del("order")
		link := sortLink{Label: s.Label}
		if s.Key == current {
			link.AriaSort = "ascending"
			if desc {
				link.AriaSort = "descending"
			} else {
				l.Set("order", "desc")
			}
		}
		if s.Key == "name" && l.Get("order") == "" {
			l.Del("sort") // the default order
		}
		link.Href = withQuery("/admin/users", l)
		out[s.Key] = link
	}
	return out
}

// userChoiceFilters lists the selects of the filter bar with the choices
// the query made.
func userChoiceFilters(q url.Values, roles []*directory.Role, units []*directory.Unit, groups []*directory.Group) []choiceFilter {
	yesNo := func(yes, no string) []option { return []option{{"true", yes}, {"false", no}} }
	roleOpts := make([]option, 0, len(roles))
	for _, r := range roles {
		roleOpts = append(roleOpts, option{r.ID, r.Name})
	}
	unitOpts := make([]option, 0, len(units))
	for _, u := range units {
		depth := strings.Count(u.Path, "/") - 2
		unitOpts = append(unitOpts, option{u.ID, strings.Repeat("– ", max(depth, 0)) + u.Name})
	}
	groupOpts := make([]option, 0, len(groups))
	for _, g := range groups {
		groupOpts = append(groupOpts, option{g.ID, g.Name})
	}
	list := []choiceFilter{
		{ID: "status", Label: "Status", Any: "Any status", Options: []option{
			{"active", "Active"}, {"pending", "Pending"}, {"inactive", "Disabled"}}},
		{ID: "locked", Label: "Locked", Any: "Locked or not", Options: yesNo("Locked", "Not locked")},
		{ID: "expired", Label: "Expired", Any: "Expired or not", Options: yesNo("Expired", "Not expired")},
		{ID: "at_vacation", Label: "Away today", Any: "Away or not", Options: yesNo("Away today (time off)", "Not away today")},
		{ID: "role", Label: "Role", Any: "Any role", Options: roleOpts},
		{ID: "unit", Label: "Unit", Any: "Any unit", Options: unitOpts},
		{ID: "group", Label: "Group", Any: "Any group", Options: groupOpts},
		{ID: "license", Label: "License", Any: "Any license", Options: []option{
			{"standard", "Standard"}, {"premium", "Premium"}}},
		{ID: "invitation", Label: "Invitation", Any: "Any invitation state", Options: []option{
			{directory.InvitationSent, "Sent, still valid"}, {directory.InvitationExpired, "Sent, expired"},
			{directory.InvitationNever, "Never sent"}}},
	}
	for i := range list {
		list[i].Selected = q.Get(list[i].ID)
	}
	return list
}

// bulkActions are the actions on a selection: the form value, the label
// and the permission each takes.
var bulkActions = []struct {
	Value, Label, Perm string
}{
	{"disable", "Disable", "users.disable"},
	{"enable", "Enable", "users.disable"},
	{"unlock", "Unlock", "users.unlock"},
	{"resend", "Resend invitations", "users.invite"},
	{"group", "Add to group", "groups.manage"},
	{"delete", "Delete (move to the recycle bin)", "users.delete"},
	{"export", "Export to a CSV file", "users.export"},
}

// bulkActionsFor lists the bulk actions the page's actor may use.
func bulkActionsFor(p *page) []option {
	var out []option
	for _, b := range bulkActions {
		if p.Can(b.Perm) {
			out = append(out, option{b.Value, b.Label})
		}
	}
	return out
}

// canAct reports whether the actor holds the permission of a bulk action.
func canAct(a *admin.Actor, action string) bool {
	for _, b := range bulkActions {
		if b.Value == action {
			return a.Can(directory.Permission(b.Perm))
		}
	}
	return false
}
