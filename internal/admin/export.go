package admin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/store"
)

// exportPageSize is how many rows an export reads per query: large enough
// that the queries cost little beside the writing, small enough that a
// page and its lookups stay a few megabytes whatever the export's size.
const exportPageSize = 1000

// formatOf names the format of w for the audit log: the writers of package
// sheet report it; another writer counts as "csv".
func formatOf(w sheet.Writer) string {
	if fw, ok := w.(interface{ Format() sheet.Format }); ok {
		return string(fw.Format())
	}
	return string(sheet.CSV)
}

// ExportUsers writes the users the actor may view that match f to w, every
// page of them in f's order, and returns how many it wrote. It takes
// users.export and users.view. The first row holds the labels of columns
// (keys of UserColumns; none = every exportable column), then one row per
// user, in the form an import reads back: role and scope are those of the
// user's highest current grant, units are named by code (or name when they
// have none), the supervisor by username, groups by name joined with "; ",
// dates in RFC 3339 UTC. f's Limit and After are ignored.
//
// It records one "users.exported" audit event with the count, the format,
// the columns and the filter in words, also when writing fails part-way.
// An unknown or unexportable column, or a bad filter value, is KindInvalid,
// and then nothing is written. w is not closed.
func (s *Service) ExportUsers(ctx context.Context, a *Actor, f store.UserFilter, columns []string, w sheet.Writer) (int, error) {
	if err := s.authorize(a, "users.export"); err != nil {
		return 0, err
	}
	if err := s.authorize(a, "users.view"); err != nil {
		return 0, err
	}
	fields, err := s.db.Fields(ctx, a.OrgID)
	if err != nil {
		return 0, err
	}
	cols, err := exportColumns(columnsWith(fields), columns)
	if err != nil {
		return 0, err
	}
	f.Limit, f.After = 0, nil
	if err := s.checkUserFilter(ctx, a, &f); err != nil {
		return 0, err
	}
	f.Scope, f.Limit = a.listScope(), exportPageSize
	words, err := s.filterWords(ctx, a, &f)
	if err != nil {
		return 0, err
	}
	n, werr := s.writeUsers(ctx, a, f, cols, w)
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = c.Key
	}
	// The event is written even when the request was cancelled part-way:
	// what left the server is on record either way.
	rerr := s.recordExport(context.WithoutCancel(ctx), a, "users.exported", []directory.Change{
		{Field: "count", After: n}, {Field: "format", After: formatOf(w)},
		{Field: "columns", After: strings.Join(keys, ", ")}, {Field: "filter", After: words}})
	if werr != nil {
		return n, werr
	}
	return n, rerr
}

// exportColumns picks the columns named by keys from the catalog, in the
// order given (all exportable ones, in catalog order, when keys is empty).
// A key named twice is written once.
func exportColumns(catalog []Column, keys []string) ([]Column, error) {
	var out []Column
	if len(keys) == 0 {
		for _, c := range catalog {
			if c.Exportable {
				out = append(out, c)
			}
		}
		return out, nil
	}
	var v directory.Validation
	seen := map[string]bool{}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		i := slices.IndexFunc(catalog, func(c Column) bool { return c.Key == k })
		switch {
		case i < 0:
			v.Add("columns", "%q is not a column of users; use keys such as username, email, role or custom:KEY", k)
		case !catalog[i].Exportable:
			v.Add("columns", "%q cannot be exported", k)
		default:
			out = append(out, catalog[i])
		}
	}
	if len(out) == 0 && v.Err() == nil {
		v.Add("columns", "choose at least one column")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// writeUsers writes the header and every page of f, returning the number
// of users written.
func (s *Service) writeUsers(ctx context.Context, a *Actor, f store.UserFilter, cols []Column, w sheet.Writer) (int, error) {
	header := make([]string, len(cols))
	needs := map[string]bool{}
	for i, c := range cols {
		header[i] = c.Label
		needs[c.Key] = true
		if strings.HasPrefix(c.Key, customPrefix) {
			needs[customPrefix] = true
		}
	}
	if err := w.WriteRow(header); err != nil {
		return 0, err
	}
	pv := &pageValues{units: map[string]string{}}
	row := make([]string, len(cols))
	n := 0
	pages, stop := s.fetchUsers(ctx, a.OrgID, f)
	defer stop()
	for p := range pages {
		if p.err != nil {
			return n, p.err
		}
		if err := s.loadPageValues(ctx, a.OrgID, p.users, needs, pv); err != nil {
			return n, err
		}
		for _, u := range p.users {
			for i, c := range cols {
				row[i] = pv.cell(u, c.Key)
			}
			if err := w.WriteRow(row); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// userPage is one page of an export's users, or the error that ended
// the reading.
type userPage struct {
	users []*directory.User
	err   error
}

// fetchUsers reads every page of f in a goroutine of its own, through a
// connection of its own (store.ExportReader), one page ahead of the caller, so that reading the database and writing the file
// overlap: on a large export each takes about as long as the other. The
// channel closes after the last page or an error. stop ends the reading
// early and waits for the goroutine; call it before returning.
func (s *Service) fetchUsers(ctx context.Context, orgID string, f store.UserFilter) (<-chan userPage, func()) {
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan userPage, 1)
	go func() {
		defer close(pages)
		conn, release, err := s.db.ExportReader(ctx)
		if err != nil {
			pages <- userPage{err: err}
			return
		}
		defer release()
		for {
			users, next, err := conn.UsersForExport(ctx, orgID, f)
			select {
			case pages <- userPage{users: users, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || next == nil {
				return
			}
			f.After = next
		}
	}()
	return pages, func() {
		cancel()
		for range pages {
		}
	}
}

// pageValues holds what the users of one page need beyond their rows,
// fetched with one query per kind of value. units outlives a page: an
// organization has few units and most pages name the same ones.
type pageValues struct {
	now         time.Time
	grants      map[string]store.PrimaryGrant
	groups      map[string][]string
	fields      map[string]map[string]string
	supervisors map[string]string
	units       map[string]string
}

// loadPageValues fills pv for users, fetching only what the columns need.
func (s *Service) loadPageValues(ctx context.Context, orgID string, users []*directory.User, needs map[string]bool, pv *pageValues) error {
	pv.now = s.now()
	ids := make([]string, len(users))
	var sups, units []string
	for i, u := range users {
		ids[i] = u.ID
		if needs["supervisor"] && u.SupervisorID != "" {
			sups = append(sups, u.SupervisorID)
		}
		for _, unit := range []struct {
			key, id string
		}{{"department", u.DepartmentID}, {"location", u.LocationID}} {
			if _, known := pv.units[unit.id]; needs[unit.key] && unit.id != "" && !known && !slices.Contains(units, unit.id) {
				units = append(units, unit.id)
			}
		}
	}
	var err error
	if needs["role"] || needs["scope_unit"] {
		if pv.grants, err = s.db.PrimaryGrantsOf(ctx, orgID, ids, pv.now); err != nil {
			return err
		}
	}
	if needs["groups"] {
		if pv.groups, err = s.db.GroupNamesOf(ctx, orgID, ids); err != nil {
			return err
		}
	}
	if needs[customPrefix] {
		if pv.fields, err = s.db.FieldValuesOf(ctx, orgID, ids); err != nil {
			return err
		}
	}
	if pv.supervisors, err = s.db.UsernamesOf(ctx, orgID, distinct(sups)); err != nil {
		return err
	}
	labels, err := s.db.UnitLabelsOf(ctx, orgID, units)
	if err != nil {
		return err
	}
	for _, id := range units {
		pv.units[id] = labels[id]
	}
	return nil
}

// cell is the text of column key for u.
func (pv *pageValues) cell(u *directory.User, key string) string {
	switch key {
	case "username":
		return u.Username
	case "first_name":
		return u.FirstName
	case "last_name":
		return u.LastName
	case "email":
		return u.Email
	case "display_name":
		return u.DisplayName
	case "role":
		return pv.grants[u.ID].RoleName
	case "scope_unit":
		g := pv.grants[u.ID]
		if g.UnitCode != "" {
			return g.UnitCode
		}
		return g.UnitName
	case "phone":
		return u.Phone
	case "job_title":
		return u.JobTitle
	case "position":
		return u.Position
	case "external_id":
		return u.ExternalID
	case "status":
		return string(u.Status)
	case "supervisor":
		return pv.supervisors[u.SupervisorID]
	case "department":
		return pv.units[u.DepartmentID]
	case "location":
		return pv.units[u.LocationID]
	case "groups":
		return strings.Join(pv.groups[u.ID], "; ")
	case "license":
		return string(u.License)
	case "expires_at":
		return exportTime(u.ExpiresAt)
	case "address_street":
		return u.Address.Street
	case "address_locality":
		return u.Address.Locality
	case "address_region":
		return u.Address.Region
	case "address_postal_code":
		return u.Address.PostalCode
	case "address_country":
		return u.Address.Country
	case "id":
		return u.ID
	case "locked":
		if u.Locked() {
			return "yes"
		}
		return "no"
	case "created_at":
		return exportTime(u.CreatedAt)
	case "last_sign_in_at":
		return exportTime(u.LastSignInAt)
	}
	if k, ok := strings.CutPrefix(key, customPrefix); ok {
		return pv.fields[u.ID][k]
	}
	return ""
}

// exportTime writes a moment in RFC 3339, UTC, or "" for none.
func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// recordExport records an export's audit event, about the organization.
func (s *Service) recordExport(ctx context.Context, a *Actor, action string, changes []directory.Change) error {
	return s.inTx(ctx, func(tx *store.Tx) error {
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, action, "organization", org.ID, org.Name, changes)
	})
}

// filterWords describes a checked user filter for the audit log
// ("search "roe"; status active; group Teachers"), or "all users".
func (s *Service) filterWords(ctx context.Context, a *Actor, f *store.UserFilter) (string, error) {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if f.Deleted {
		add("recycle bin")
	}
	if f.Q != "" {
		add("search %q", f.Q)
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		add("status %s", strings.Join(ss, " or "))
	}
	for _, b := range []struct {
		flag     *bool
		yes, not string
	}{{f.Locked, "locked", "not locked"}, {f.Expired, "expired", "not expired"}, {f.AtVacation, "away today", "not away today"}} {
		if b.flag != nil && *b.flag {
			add("%s", b.yes)
		} else if b.flag != nil {
			add("%s", b.not)
		}
	}
	if f.License != "" {
		add("license %s", f.License)
	}
	if f.Invitation != "" {
		add("invitation %s", f.Invitation)
	}
	named := []struct {
		what, id string
		name     func() (string, error)
	}{
		{"group", f.GroupID, func() (string, error) {
			g, err := s.db.Group(ctx, a.OrgID, f.GroupID)
			if err != nil {
				return "", err
			}
			return g.Name, nil
		}},
		{"role", f.RoleID, func() (string, error) {
			r, err := s.db.Role(ctx, a.OrgID, f.RoleID)
			if err != nil {
				return "", err
			}
			return r.Name, nil
		}},
		{"unit", f.UnitID, nil}, {"department", f.DepartmentID, nil}, {"location", f.LocationID, nil},
		{"supervisor", f.SupervisorID, func() (string, error) {
			names, err := s.db.UsernamesOf(ctx, a.OrgID, []string{f.SupervisorID})
			return names[f.SupervisorID], err
		}},
	}
	for _, n := range named {
		if n.id == "" {
			continue
		}
		get := n.name
		if get == nil {
			get = func() (string, error) {
				labels, err := s.db.UnitLabelsOf(ctx, a.OrgID, []string{n.id})
				return labels[n.id], err
			}
		}
		name, err := get()
		if err != nil && !isKind(err, directory.KindNotFound) {
			return "", err
		}
		if name == "" {
			// An id that names nothing is shown as it is.
			name = n.id
		}
		add("%s %s", n.what, name)
	}
	if f.FieldID != "" {
		add("custom field %s = %q", f.FieldID, f.FieldValue)
	}
	for _, r := range []struct {
		what string
		t    time.Time
	}{{"created from", f.CreatedFrom}, {"created before", f.CreatedTo},
		{"last sign-in from", f.LastSignInFrom}, {"last sign-in before", f.LastSignInTo}} {
		if !r.t.IsZero() {
			add("%s %s", r.what, exportTime(r.t))
		}
	}
	if len(parts) == 0 {
		return "all users", nil
	}
	return strings.Join(parts, "; "), nil
}
