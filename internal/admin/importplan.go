package admin

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// importRun holds what planning the rows of one import needs: the
// organization's roles, units, groups and custom fields, and what earlier
// rows of the file claimed, so that a value used twice in the file is
// caught on its second row.
type importRun struct {
	s   *Service
	a   *Actor
	im  *directory.Import
	dry bool
	col map[string]int
	*importRefs
	// seen maps "u:"/"e:"/"x:" + a folded user name, email or user code
	// to the file line of the row that first used it.
	seen map[string]int
	// planned maps "u:"/"x:" keys to the users earlier rows create, so that
	// a row may name as supervisor someone an earlier row adds.
	planned map[string]*plannedUser
	// premiumFree is how many premium seats remain (-1 = no limit).
	premiumFree int
	// undo records, while journal is set, each change planning makes to
	// seen, planned and premiumFree, so that the plan of a batch that must
	// be made again can be taken back first (rewind).
	journal bool
	undo    []planUndo
	now     time.Time
}

// importRefs are the organization's custom fields, roles, units and
// groups, which rows name by key, name or code, as read at one moment.
type importRefs struct {
	fields []*directory.CustomField
	roles  map[string]*directory.Role
	units  map[string]*directory.Unit
	groups map[string]*directory.Group
	deflt  *directory.Role
	// goneFields are the custom fields the mapping names that no longer
	// exist: removed since the import was configured.
	goneFields []string
	// key sums up all of the above: two reads with the same key planned
	// alike.
	key string
}

// planUndo is one change planning made to an importRun: to seen (the
// line a key had, if had), to planned (the user a key had), or to
// premiumFree (free, the seats free before).
type planUndo struct {
	kind byte // 's', 'p' or 'f'
	key  string
	line int
	user *plannedUser
	had  bool
	free int
}

// plannedUser is what importRun.planned keeps of a user an earlier row
// creates: what a later row naming them as supervisor needs, and no more,
// since a large file keeps one for each of its new users.
type plannedUser struct {
	id, username, firstName, lastName, displayName string
}

// user gives the planned user as a user, for a row that names them.
func (p *plannedUser) user() *directory.User {
	return &directory.User{ID: p.id, Profile: directory.Profile{Username: p.username, FirstName: p.firstName,
		LastName: p.lastName, DisplayName: p.displayName}}
}

// createdEarlier returns the user an earlier row creates under key, or nil.
func (r *importRun) createdEarlier(key string) *directory.User {
	if p := r.planned[key]; p != nil {
		return p.user()
	}
	return nil
}

// claim sets the line that first gave a claimed value.
func (r *importRun) claim(key string, line int) {
	if r.journal {
		prev, had := r.seen[key]
		r.undo = append(r.undo, planUndo{kind: 's', key: key, line: prev, had: had})
	}
	r.seen[key] = line
}

// plan records a user a row creates under a key a later row may name.
func (r *importRun) plan(key string, u *plannedUser) {
	if r.journal {
		prev, had := r.planned[key]
		r.undo = append(r.undo, planUndo{kind: 'p', key: key, user: prev, had: had})
	}
	r.planned[key] = u
}

// takePremium counts one more premium seat as taken.
func (r *importRun) takePremium() {
	if r.journal {
		r.undo = append(r.undo, planUndo{kind: 'f', free: r.premiumFree})
	}
	r.premiumFree--
}

// mark is the position of the journal that rewind goes back to.
func (r *importRun) mark() int { return len(r.undo) }

// rewind takes back every change planning made since mark m.
func (r *importRun) rewind(m int) {
	for i := len(r.undo) - 1; i >= m; i-- {
		u := &r.undo[i]
		switch u.kind {
		case 's':
			if u.had {
				r.seen[u.key] = u.line
			} else {
				delete(r.seen, u.key)
			}
		case 'p':
			if u.had {
				r.planned[u.key] = u.user
			} else {
				delete(r.planned, u.key)
			}
		case 'f':
			r.premiumFree = u.free
		}
	}
	r.undo = r.undo[:m]
}

// forget drops the journal before mark m, whose batches are committed:
// the mark m then stands at 0.
func (r *importRun) forget(m int) {
	r.undo = append(r.undo[:0:0], r.undo[m:]...)
}

// rowPlan is what one row will do.
type rowPlan struct {
	row     *directory.ImportRow
	outcome string
	message string
	user    *directory.User // the new user, or the user after the update
	old     *directory.User // the user before an update
	hash    string
	values  map[string]string // custom field values to store
	grant   *directory.Grant
	role    *directory.Role
	unit    *directory.Unit
	groups  []*directory.Group
	status  directory.Status // a status change of an existing user, or ""
	changes []directory.Change
	invite  bool
	// prepared and event are, for a new user planned ahead of its batch's
	// transaction, its row made ready for the store and, unless invited,
	// its audit event (see prepareCreates).
	prepared *store.NewUser
	event    *store.PreparedEvent
	// rel is the relationship a relationship row adds.
	rel          *directory.Relationship
	relFrom      *directory.User
	relTo        *directory.User
	emailChanged bool
	// label names the row's target when it is not a user (a relationship).
	label string
}

func (p *rowPlan) fail(format string, args ...any) *rowPlan {
	p.outcome, p.message = directory.RowError, fmt.Sprintf(format, args...)
	return p
}

// newImportRun loads what planning needs, through c.
func (s *Service) newImportRun(ctx context.Context, c *store.Conn, a *Actor, im *directory.Import, dry bool) (*importRun, error) {
	r := &importRun{s: s, a: a, im: im, dry: dry, col: map[string]int{}, now: s.now(), journal: !dry}
	for i, key := range im.Mapping {
		if key != "" {
			r.col[key] = i
		}
	}
	// seen and planned take a key or two for each row of the file: made
	// at their full size at once, a large file's maps are not grown, and
	// copied, a dozen times over.
	keys := 0
	for _, key := range []string{"username", "email", "external_id"} {
		if _, ok := r.col[key]; ok {
			keys++
		}
	}
	r.seen = make(map[string]int, keys*im.Total)
	r.planned = make(map[string]*plannedUser)
	if im.Kind == directory.ImportUsers && im.Mode != directory.ImportUpdate {
		// A new user is planned under their user name, and their user
		// code when the file gives one.
		perUser := 1
		if _, ok := r.col["external_id"]; ok {
			perUser++
		}
		r.planned = make(map[string]*plannedUser, perUser*im.Total)
	}
	if err := r.loadReferences(ctx, c); err != nil {
		return nil, err
	}
	org, err := c.Organization(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	r.premiumFree = -1
	if org.PremiumSeatLimit >= 0 {
		used, err := c.PremiumSeatsUsed(ctx, a.OrgID)
		if err != nil {
			return nil, err
		}
		r.premiumFree = max(org.PremiumSeatLimit-used, 0)
	}
	return r, nil
}

// readReferences reads the organization's custom fields, roles, units and
// groups. A mapped custom field that is gone refuses the rows that give it
// a value.
func (r *importRun) readReferences(ctx context.Context, c *store.Conn) (*importRefs, error) {
	refs := &importRefs{}
	var err error
	if refs.fields, err = c.Fields(ctx, r.a.OrgID); err != nil {
		return nil, err
	}
	roles, err := c.Roles(ctx, r.a.OrgID)
	if err != nil {
		return nil, err
	}
	refs.roles, refs.units, refs.groups = map[string]*directory.Role{}, map[string]*directory.Unit{}, map[string]*directory.Group{}
	for _, role := range roles {
		refs.roles[directory.FoldKey(role.Name)] = role
		if role.IsDefault {
			refs.deflt = role
		}
	}
	units, err := c.Units(ctx, r.a.OrgID, store.UnitFilter{IncludeArchived: true})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if u.Code != "" {
			refs.units["code:"+directory.FoldKey(u.Code)] = u
		}
		k := "name:" + directory.FoldKey(u.Name)
		if _, dup := refs.units[k]; dup {
			refs.units[k] = nil // two units share the name: it names neither
		} else {
			refs.units[k] = u
		}
	}
	groups, err := c.Groups(ctx, r.a.OrgID, "")
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		k := directory.FoldKey(g.Name)
		if _, dup := refs.groups[k]; dup {
			refs.groups[k] = nil
		} else {
			refs.groups[k] = g
		}
	}
	for key := range r.col {
		if !strings.HasPrefix(key, customPrefix) {
			continue
		}
		if !slices.ContainsFunc(refs.fields, func(f *directory.CustomField) bool { return customPrefix+f.Key == key }) {
			refs.goneFields = append(refs.goneFields, key)
		}
	}
	slices.Sort(refs.goneFields)
	// The types printed hold values only (no pointers or functions), so
	// equal contents print alike.
	h := sha256.New()
	for _, f := range refs.fields {
		fmt.Fprintf(h, "f%+v\n", *f)
	}
	for _, role := range roles {
		fmt.Fprintf(h, "r%+v\n", *role)
	}
	for _, u := range units {
		fmt.Fprintf(h, "u%+v\n", *u)
	}
	for _, g := range groups {
		fmt.Fprintf(h, "g%+v\n", *g)
	}
	refs.key = string(h.Sum(nil))
	return refs, nil
}

// loadReferences reads the references again through c. A batch planned
// inside its transaction does so first, so that it never names a group or
// field removed while the import ran: SQLite writes the batches without
// checking foreign keys (see store.InBulkTx).
func (r *importRun) loadReferences(ctx context.Context, c *store.Conn) error {
	refs, err := r.readReferences(ctx, c)
	if err == nil {
		r.importRefs = refs
	}
	return err
}

// cell returns the trimmed value of a row's cell for a field, and whether
// the field is mapped.
func (r *importRun) cell(row *directory.ImportRow, key string) (string, bool) {
	i, ok := r.col[key]
	if !ok || i >= len(row.Cells) {
		return "", false
	}
	return strings.TrimSpace(row.Cells[i]), true
}

// given returns a row's non-blank cell for a field ("" when blank or not
// mapped): blank cells leave a field as it is.
func (r *importRun) given(row *directory.ImportRow, key string) string {
	v, _ := r.cell(row, key)
	return v
}

// unit finds a unit by its code, else by its name.
func (r *importRun) unit(ref string) (*directory.Unit, string) {
	if u := r.units["code:"+directory.FoldKey(ref)]; u != nil {
		return u, ""
	}
	u, ok := r.units["name:"+directory.FoldKey(ref)]
	switch {
	case !ok:
		return nil, fmt.Sprintf("no unit has the code or name %q", ref)
	case u == nil:
		return nil, fmt.Sprintf("several units are named %q; use the unit's code", ref)
	}
	return u, ""
}

// matchKey is how a row names an existing user.
func (r *importRun) matchKey(row *directory.ImportRow) string {
	if r.im.MatchBy == directory.MatchExternalID {
		return r.given(row, "external_id")
	}
	return r.given(row, "username")
}

// lookups are the users a batch of rows names, loaded in a few queries.
type lookups struct {
	byUsername map[string]*directory.User
	byEmail    map[string]*directory.User
	byCode     map[string]*directory.User
}

func (r *importRun) lookup(ctx context.Context, c *store.Conn, rows []*directory.ImportRow) (*lookups, error) {
	_, sup := r.col["supervisor"]
	var names, emails, codes []string
	for _, row := range rows {
		names = append(names, r.given(row, "username"))
		emails = append(emails, r.given(row, "email"))
		codes = append(codes, r.given(row, "external_id"))
		if sup {
			names = append(names, r.given(row, "supervisor"))
			codes = append(codes, r.given(row, "supervisor"))
		}
	}
	l := &lookups{byUsername: map[string]*directory.User{}, byEmail: map[string]*directory.User{}, byCode: map[string]*directory.User{}}
	for _, q := range []struct {
		field  string
		values []string
		into   *map[string]*directory.User
	}{{"username", names, &l.byUsername}, {"email", emails, &l.byEmail}, {"external_id", codes, &l.byCode}} {
		if !hasValue(q.values) {
			continue
		}
		m, err := c.UsersByKeys(ctx, r.a.OrgID, q.field, q.values)
		if err != nil {
			return nil, err
		}
		*q.into = m
	}
	return l, nil
}

func hasValue(values []string) bool {
	for _, v := range values {
		if v != "" {
			return true
		}
	}
	return false
}

// planUsers decides what each row of a batch does, reading through c and
// writing nothing.
func (r *importRun) planUsers(ctx context.Context, c *store.Conn, rows []*directory.ImportRow) ([]*rowPlan, error) {
	return r.planLookedUp(ctx, c, rows, nil)
}

// planLookedUp is planUsers with the users the rows name already looked up
// in l (nil: look them up through c).
func (r *importRun) planLookedUp(ctx context.Context, c *store.Conn, rows []*directory.ImportRow, l *lookups) ([]*rowPlan, error) {
	if l == nil {
		var err error
		if l, err = r.lookup(ctx, c, rows); err != nil {
			return nil, err
		}
	}
	out := make([]*rowPlan, len(rows))
	for i, row := range rows {
		p := &rowPlan{row: row}
		if err := r.planUser(ctx, c, l, p); err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func (r *importRun) planUser(ctx context.Context, c *store.Conn, l *lookups, p *rowPlan) error {
	row := p.row
	if msg := r.claimCells(row); msg != "" {
		p.fail("%s", msg)
		return nil
	}
	for _, key := range r.goneFields {
		if v, _ := r.cell(row, key); v != "" {
			p.fail("the custom field %q was removed while the import ran", strings.TrimPrefix(key, customPrefix))
			return nil
		}
	}
	key := r.matchKey(row)
	var existing *directory.User
	if key != "" {
		if r.im.MatchBy == directory.MatchExternalID {
			existing = l.byCode[key]
		} else {
			existing = l.byUsername[directory.FoldKey(key)]
		}
	}
	switch {
	case r.im.Mode == directory.ImportCreate:
		return r.planCreate(ctx, c, l, p)
	case existing == nil && r.im.Mode == directory.ImportUpdate:
		if key == "" {
			p.fail("the %s is blank; it says which user the row updates", matchLabel(r.im.MatchBy))
			return nil
		}
		p.fail("no user has the %s %q", matchLabel(r.im.MatchBy), key)
		return nil
	case existing == nil:
		return r.planCreate(ctx, c, l, p)
	}
	return r.planUpdate(ctx, c, l, p, existing)
}

func matchLabel(matchBy string) string {
	if matchBy == directory.MatchExternalID {
		return "user code"
	}
	return "user name"
}

// uniqueCells are the columns whose values must not repeat in a file of
// users, with the prefix of their claims (see importRun.seen) and their
// name in messages.
var uniqueCells = []struct{ key, prefix, label string }{
	{"username", "u:", "user name"}, {"email", "e:", "email"}, {"external_id", "x:", "user code"},
}

// claimKey is the key of importRun.seen under which a value is claimed:
// user names and emails compare without case, user codes exactly.
func claimKey(prefix, value string) string {
	if prefix == "x:" {
		return prefix + strings.TrimSpace(value)
	}
	return prefix + directory.FoldKey(value)
}

// claimCells claims the unique values row gives (user name, email, user
// code) for its line and says which earlier line of the file gave one of
// them first. Every row claims its values before anything else about it
// is checked, whatever becomes of it, and the first line to give a value
// keeps it: so the dry run, a run in batches (where the user an earlier
// line created already exists) and a run resumed after a crash
// (replayClaims) all answer a repeated value the same way.
func (r *importRun) claimCells(row *directory.ImportRow) string {
	msg := ""
	for _, u := range uniqueCells {
		v := strings.TrimSpace(r.given(row, u.key))
		if v == "" {
			continue
		}
		k := claimKey(u.prefix, v)
		if line, ok := r.seen[k]; ok && line != row.FileLine {
			if msg == "" {
				msg = fmt.Sprintf("the %s %s is also on line %d of the file", u.label, v, line)
			}
			continue
		}
		r.claim(k, row.FileLine)
	}
	return msg
}

// holder names the user who holds a unique value, as far as the actor may
// know who that is.
func (r *importRun) holder(ctx context.Context, c *store.Conn, u *directory.User) string {
	if ok, err := r.s.canView(ctx, c, r.a, u); err != nil || !ok {
		return "another user"
	}
	if u.Deleted() {
		return u.Name() + " (in the recycle bin)"
	}
	return u.Name()
}

// profileFromRow fills p's profile fields from the row's mapped cells:
// on an update, blank cells leave fields as they are.
func (r *importRun) profileFromRow(row *directory.ImportRow, prof *directory.Profile, v *directory.Validation) {
	set := func(dst *string, key string) {
		if val := r.given(row, key); val != "" {
			*dst = val
		}
	}
	set(&prof.Username, "username")
	set(&prof.FirstName, "first_name")
	set(&prof.LastName, "last_name")
	set(&prof.DisplayName, "display_name")
	set(&prof.Phone, "phone")
	set(&prof.JobTitle, "job_title")
	set(&prof.Position, "position")
	set(&prof.ExternalID, "external_id")
	set(&prof.Address.Street, "address_street")
	set(&prof.Address.Locality, "address_locality")
	set(&prof.Address.Region, "address_region")
	set(&prof.Address.PostalCode, "address_postal_code")
	set(&prof.Address.Country, "address_country")
	if val := r.given(row, "license"); val != "" {
		lic := directory.License(strings.ToLower(val))
		if !lic.Valid() {
			v.Add("license", "must be standard or premium")
		} else {
			prof.License = lic
		}
	}
	if val := r.given(row, "expires_at"); val != "" {
		t, err := parseImportDate(val)
		if err != nil {
			v.Add("expires_at", "must be a date like 2027-06-30 or 2027-06-30T23:59:59Z")
		} else {
			prof.ExpiresAt = t
		}
	}
}

// parseImportDate reads a date (the end of that day, UTC) or an RFC 3339
// time.
func parseImportDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	return time.Parse(time.RFC3339, s)
}

// references resolves the supervisor, department and location cells of a
// row into prof, checking them as the console does.
func (r *importRun) references(ctx context.Context, c *store.Conn, l *lookups, row *directory.ImportRow, selfID string, prof *directory.Profile, v *directory.Validation) error {
	if ref := r.given(row, "supervisor"); ref != "" {
		sup := l.byUsername[directory.FoldKey(ref)]
		if sup == nil {
			sup = l.byCode[ref]
		}
		if sup == nil {
			sup = r.createdEarlier("u:" + directory.FoldKey(ref))
		}
		if sup == nil {
			sup = r.createdEarlier("x:" + ref)
		}
		switch {
		case sup == nil:
			v.Add("supervisor", "no user has the user name or user code %q", ref)
		case sup.ID == selfID:
			v.Add("supervisor", "a user cannot be their own supervisor")
		case sup.Deleted():
			v.Add("supervisor", "%s is in the recycle bin", sup.Name())
		default:
			if _, planned := r.planned["u:"+directory.FoldKey(sup.Username)]; !planned {
				ok, err := r.s.canView(ctx, c, r.a, sup)
				if err != nil {
					return err
				}
				if !ok {
					v.Add("supervisor", "no user has the user name or user code %q", ref)
					break
				}
			}
			prof.SupervisorID = sup.ID
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"department", &prof.DepartmentID}, {"location", &prof.LocationID}} {
		ref := r.given(row, f.key)
		if ref == "" {
			continue
		}
		u, msg := r.unit(ref)
		switch {
		case u == nil:
			v.Add(f.key, "%s", msg)
		case u.Archived():
			v.Add(f.key, "%s is archived", u.Name)
		case !r.a.covers(u.Path):
			v.Add(f.key, "%s is outside your scope", u.Name)
		default:
			*f.dst = u.ID
		}
	}
	return nil
}

// access resolves the role and scope cells of a row into a grant to give,
// applying the delegation rule.
func (r *importRun) access(row *directory.ImportRow, p *rowPlan, userID string, v *directory.Validation) {
	roleName, scope := r.given(row, "role"), r.given(row, "scope_unit")
	if roleName == "" && scope == "" {
		return
	}
	role := r.deflt
	if roleName != "" {
		role = r.roles[directory.FoldKey(roleName)]
		if role == nil {
			v.Add("role", "no role is named %q", roleName)
			return
		}
	}
	if role == nil {
		v.Add("role", "give a role with the scope")
		return
	}
	var unit *directory.Unit
	path := ""
	if scope != "" {
		u, msg := r.unit(scope)
		if u == nil {
			v.Add("scope_unit", "%s", msg)
			return
		}
		if u.Archived() {
			v.Add("scope_unit", "%s is archived", u.Name)
			return
		}
		unit, path = u, u.Path
	}
	if len(role.RequiredFields) > 0 {
		v.Add("role", "the role %s needs %s on each grant; give it in the console", role.Name, role.RequiredFields[0].Label)
		return
	}
	if !r.a.mayGive(role.Level, path) {
		if role.Level > r.a.Level() {
			v.Add("role", "you may give roles only at or below your own level (%d); %s is %d", r.a.Level(), role.Name, role.Level)
		} else {
			v.Add("scope_unit", "you may give access only inside your own scope")
		}
		return
	}
	p.role, p.unit = role, unit
	p.grant = &directory.Grant{ID: newID(), OrgID: r.a.OrgID, UserID: userID, RoleID: role.ID,
		CreatedBy: r.a.UserID, CreatedAt: r.now, UpdatedAt: r.now}
	if unit != nil {
		p.grant.UnitID = unit.ID
	}
}

// groupsOf resolves the groups cell (names separated by semicolons,
// commas or vertical bars).
func (r *importRun) groupsOf(row *directory.ImportRow, v *directory.Validation) []*directory.Group {
	cell := r.given(row, "groups")
	if cell == "" {
		return nil
	}
	var out []*directory.Group
	seen := map[string]bool{}
	for _, name := range strings.FieldsFunc(cell, func(c rune) bool { return c == ';' || c == ',' || c == '|' }) {
		name = strings.TrimSpace(name)
		if name == "" || seen[directory.FoldKey(name)] {
			continue
		}
		seen[directory.FoldKey(name)] = true
		g, ok := r.groups[directory.FoldKey(name)]
		switch {
		case !ok:
			v.Add("groups", "no group is named %q", name)
		case g == nil:
			v.Add("groups", "several groups are named %q", name)
		default:
			out = append(out, g)
		}
	}
	if len(out) > 0 && !r.a.Can("groups.manage") {
		v.Add("groups", "your role does not allow adding users to groups (groups.manage)")
	}
	return out
}

// customValues returns the custom field cells of a row by field key;
// on an update, blank cells are left out.
func (r *importRun) customValues(row *directory.ImportRow, creating bool) map[string]string {
	out := map[string]string{}
	for _, f := range r.fields {
		val, mapped := r.cell(row, customPrefix+f.Key)
		if mapped && (val != "" || creating) {
			out[f.Key] = val
		}
	}
	return out
}

// explain turns validation problems into one line naming the columns.
func (r *importRun) explain(v *directory.Validation) string {
	labels := map[string]string{}
	for _, c := range columnsWith(r.fields) {
		labels[c.Key] = c.Label
	}
	labels["supervisor_id"], labels["department_id"], labels["location_id"] = "Supervisor", "Department", "Location"
	var parts []string
	for _, fe := range v.Fields {
		name := fe.Field
		if strings.HasPrefix(name, "custom_fields.") {
			name = customPrefix + strings.TrimPrefix(name, "custom_fields.")
		}
		name = strings.ReplaceAll(name, "address.", "address_")
		if l, ok := labels[name]; ok {
			name = l
		}
		parts = append(parts, name+": "+fe.Message)
	}
	return strings.Join(parts, "; ")
}

func (r *importRun) planCreate(ctx context.Context, c *store.Conn, l *lookups, p *rowPlan) error {
	row := p.row
	var v directory.Validation
	// The new user's profile is filled in place, in the user the row makes.
	u := &directory.User{}
	prof := &u.Profile
	r.profileFromRow(row, prof, &v)
	prof.Email = r.given(row, "email")
	directory.NormalizeProfile(prof)
	if prof.Username == "" && (prof.Email != "" || prof.FirstName != "" || prof.LastName != "") {
		name, err := r.s.deriveUsername(ctx, &store.Tx{Conn: *c}, r.a.OrgID, prof)
		if err != nil {
			return err
		}
		for i := 2; r.seen[claimKey("u:", name)] != 0; i++ {
			name = fmt.Sprintf("%s%d", strings.TrimRight(name, "0123456789"), i)
		}
		prof.Username = name
		r.claim(claimKey("u:", name), row.FileLine)
	}
	directory.ValidateProfile(prof, &v)
	if err := v.Err(); err != nil {
		p.fail("%s", r.explain(&v))
		return nil
	}
	for _, dup := range []struct {
		users             map[string]*directory.User
		key, label, value string
	}{
		{l.byUsername, directory.FoldKey(prof.Username), "user name", prof.Username},
		{l.byEmail, directory.FoldKey(prof.Email), "email", prof.Email},
		{l.byCode, prof.ExternalID, "user code", prof.ExternalID},
	} {
		if dup.value == "" {
			continue
		}
		if u := dup.users[dup.key]; u != nil {
			p.fail("the %s %s already belongs to %s", dup.label, dup.value, r.holder(ctx, c, u))
			return nil
		}
	}
	id := newID()
	if err := r.references(ctx, c, l, row, id, prof, &v); err != nil {
		return err
	}
	r.access(row, p, id, &v)
	p.groups = r.groupsOf(row, &v)
	given := r.customValues(row, true)
	p.values = validateCustomFields(r.fields, given, true, &v)
	status := directory.StatusPending
	p.hash = r.given(row, "password_hash")
	if p.hash != "" {
		if !auth.SupportedImportedHash(p.hash) {
			v.Add("password_hash", "is not a password hash Roster can verify (argon2, bcrypt, scrypt, pbkdf2 in PHC or crypt form)")
		}
		status = directory.StatusActive
	}
	switch st := directory.Status(strings.ToLower(r.given(row, "status"))); st {
	case "", directory.StatusPending:
		if st == directory.StatusPending && p.hash != "" {
			v.Add("status", "a user with a password is active, not pending")
		}
	case directory.StatusActive:
		if p.hash == "" {
			v.Add("status", "active users need a password hash; import them as pending and invite them")
		}
	case directory.StatusInactive:
		status = directory.StatusInactive
	default:
		v.Add("status", "must be pending, active or inactive")
	}
	if prof.License == directory.LicensePremium {
		if r.premiumFree == 0 {
			v.Add("license", "no premium seat is free")
		}
	}
	if err := v.Err(); err != nil {
		p.fail("%s", r.explain(&v))
		return nil
	}
	if prof.License == directory.LicensePremium && r.premiumFree > 0 {
		r.takePremium()
	}
	u.ID, u.OrgID, u.Status, u.CreatedBy, u.CreatedAt, u.UpdatedAt = id, r.a.OrgID, status, r.a.UserID, r.now, r.now
	u.CustomFields = map[string]string{}
	for k, val := range p.values {
		if val != "" {
			u.CustomFields[k] = val
		}
	}
	p.user, p.outcome = u, directory.RowCreated
	p.invite = r.im.Invite && u.Email != "" && status == directory.StatusPending
	// Later rows may name this user as their supervisor; keep only what
	// that needs, so that a large file does not keep every new user.
	slim := &plannedUser{id: u.ID, username: u.Username, firstName: u.FirstName, lastName: u.LastName,
		displayName: u.DisplayName}
	r.plan("u:"+directory.FoldKey(u.Username), slim)
	if u.ExternalID != "" {
		r.plan("x:"+u.ExternalID, slim)
	}
	return nil
}

func (r *importRun) planUpdate(ctx context.Context, c *store.Conn, l *lookups, p *rowPlan, old *directory.User) error {
	row := p.row
	if old.Deleted() {
		p.fail("%s is in the recycle bin; restore them before updating", old.Name())
		return nil
	}
	ok, err := r.s.canView(ctx, c, r.a, old)
	if err != nil {
		return err
	}
	if !ok {
		p.fail("no user has the %s %q", matchLabel(r.im.MatchBy), r.matchKey(row))
		return nil
	}
	if ok, err = r.s.canManage(ctx, c, r.a, old); err != nil {
		return err
	}
	if !ok {
		p.fail("you may not change %s: they hold access above your level or outside your scope", old.Name())
		return nil
	}
	if old.CustomFields, err = c.FieldValues(ctx, old.ID); err != nil {
		return err
	}
	u := *old
	u.CustomFields = make(map[string]string, len(old.CustomFields))
	for k, val := range old.CustomFields {
		u.CustomFields[k] = val
	}
	var v directory.Validation
	r.profileFromRow(row, &u.Profile, &v)
	if email := r.given(row, "email"); email != "" && directory.FoldKey(email) != directory.FoldKey(old.Email) {
		u.Email, p.emailChanged = email, true
	}
	directory.NormalizeProfile(&u.Profile)
	directory.ValidateProfile(&u.Profile, &v)
	if err := r.references(ctx, c, l, row, old.ID, &u.Profile, &v); err != nil {
		return err
	}
	for _, dup := range []struct {
		users             map[string]*directory.User
		key, label, value string
		was, claim        string
	}{
		{l.byUsername, directory.FoldKey(u.Username), "user name", u.Username, directory.FoldKey(old.Username), "u:"},
		{l.byEmail, directory.FoldKey(u.Email), "email", u.Email, directory.FoldKey(old.Email), "e:"},
		{l.byCode, u.ExternalID, "user code", u.ExternalID, old.ExternalID, "x:"},
	} {
		if dup.value == "" || dup.key == dup.was {
			continue
		}
		if other := dup.users[dup.key]; other != nil && other.ID != old.ID {
			v.Add(map[string]string{"u:": "username", "e:": "email", "x:": "external_id"}[dup.claim],
				"%s already belongs to %s", dup.value, r.holder(ctx, c, other))
		}
	}
	r.access(row, p, old.ID, &v)
	p.groups = r.groupsOf(row, &v)
	p.values = validateCustomFields(r.fields, r.customValues(row, false), false, &v)
	if r.given(row, "password_hash") != "" {
		v.Add("password_hash", "passwords are imported for new users only; reset the password of existing users instead")
	}
	if st := directory.Status(strings.ToLower(r.given(row, "status"))); st != "" && st != old.Status {
		switch {
		case !st.Valid():
			v.Add("status", "must be pending, active or inactive")
		case st == directory.StatusInactive:
			if !r.a.Can("users.disable") {
				v.Add("status", "your role does not allow disabling users (users.disable)")
			} else if old.ID == r.a.UserID {
				v.Add("status", "you cannot disable your own account")
			}
		case old.Status == directory.StatusInactive && st == directory.StatusActive && old.HasPassword:
			if !r.a.Can("users.disable") {
				v.Add("status", "your role does not allow enabling users (users.disable)")
			}
		default:
			v.Add("status", "%s is %s and cannot become %s", old.Name(), old.Status, st)
		}
		p.status = st
		u.Status = st
	}
	if u.License == directory.LicensePremium && old.License != directory.LicensePremium {
		if r.premiumFree == 0 {
			v.Add("license", "no premium seat is free")
		}
	}
	if err := v.Err(); err != nil {
		p.fail("%s", r.explain(&v))
		return nil
	}
	if u.License == directory.LicensePremium && old.License != directory.LicensePremium && r.premiumFree > 0 {
		r.takePremium()
	}
	for k, val := range p.values {
		if val == "" {
			delete(u.CustomFields, k)
		} else {
			u.CustomFields[k] = val
		}
	}
	p.old, p.user = old, &u
	p.changes = diff(userSnapshot(old), userSnapshot(&u))
	if p.grant != nil {
		held, err := c.UserGrants(ctx, r.a.OrgID, old.ID)
		if err != nil {
			return err
		}
		for _, g := range held {
			if g.RoleID == p.grant.RoleID && g.UnitID == p.grant.UnitID {
				p.grant = nil
				break
			}
		}
	}
	if len(p.groups) > 0 {
		in, err := c.UserGroupIDs(ctx, r.a.OrgID, old.ID)
		if err != nil {
			return err
		}
		member := map[string]bool{}
		for _, id := range in {
			member[id] = true
		}
		keep := p.groups[:0]
		for _, g := range p.groups {
			if !member[g.ID] {
				keep = append(keep, g)
			}
		}
		p.groups = keep
	}
	p.outcome = directory.RowUpdated
	if len(p.changes) == 0 && p.grant == nil && len(p.groups) == 0 {
		p.outcome = directory.RowUnchanged
	}
	return nil
}
