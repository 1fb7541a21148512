package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"roster/internal/directory"
)

// UserSort names a column a user list can be sorted by.
type UserSort string

// The sort orders of user lists; each is served by an index.
const (
	SortLastName   UserSort = "last_name"
	SortFirstName  UserSort = "first_name"
	SortUsername   UserSort = "username"
	SortEmail      UserSort = "email"
	SortStatus     UserSort = "status"
	SortCreated    UserSort = "created_at"
	SortLastSignIn UserSort = "last_sign_in_at"
)

// sortColumns maps each sort to its column and whether it holds integers.
var sortColumns = map[UserSort]struct {
	col     string
	numeric bool
}{
	SortLastName:   {"u.last_name", false},
	SortFirstName:  {"u.first_name", false},
	SortUsername:   {"u.username_key", false},
	SortEmail:      {"u.email_key", false},
	SortStatus:     {"u.status", false},
	SortCreated:    {"u.created_at", true},
	SortLastSignIn: {"u.last_sign_in_at", true},
}

// ValidUserSort reports whether s is a known sort.
func ValidUserSort(s UserSort) bool { _, ok := sortColumns[s]; return ok }

// Cursor is the position after the last row of a page: its sort value and id.
type Cursor struct {
	Text string `json:"t,omitempty"`
	Num  int64  `json:"n,omitempty"`
	ID   string `json:"i"`
}

// UserFilter selects and orders users. The zero value lists every user
// outside the recycle bin by last name.
type UserFilter struct {
	Q              string
	Statuses       []directory.Status
	Locked         *bool
	Expired        *bool
	Deleted        bool // the recycle bin instead of the live users
	AtVacation     *bool
	DepartmentID   string
	LocationID     string
	SupervisorID   string
	License        directory.License
	FieldID        string // with FieldValue: users whose custom field has this value
	FieldValue     string
	CreatedFrom    time.Time
	CreatedTo      time.Time
	LastSignInFrom time.Time
	LastSignInTo   time.Time
	Now            time.Time // for the expired and at-vacation filters; zero = the current time
	GroupID        string    // members of this group
	RoleID         string    // holders of a grant of this role
	UnitID         string    // holders of a grant on this unit or a unit below it
	IDs            []string  // only these users (a selection)
	// Invitation keeps the pending users in one invitation state:
	// directory.InvitationSent, InvitationExpired or InvitationNever.
	Invitation string
	// Scope, when not nil, keeps only the users a scoped actor may see.
	Scope *UserScope

	Sort  UserSort
	Desc  bool
	Limit int
	After *Cursor
}

// UserScope describes the users an actor limited to part of the
// organization may see: those with a grant on a unit under UnitPath, the
// users without any grant that CreatorID created, the actor (SelfID), and
// the team of TeamOf (users whose supervisor they are, or who are linked to
// them by a supervisor_of relationship). Empty fields add nothing.
type UserScope struct {
	UnitPath  string
	CreatorID string
	SelfID    string
	TeamOf    string
}

// countable reports whether the total can come from the counters table.
func (f *UserFilter) countable() bool {
	return f.Scope == nil && f.GroupID == "" && f.RoleID == "" && f.UnitID == "" && len(f.IDs) == 0 && f.Invitation == "" && f.Q == "" && f.Locked == nil && f.Expired == nil && f.AtVacation == nil && f.DepartmentID == "" &&
		f.LocationID == "" && f.SupervisorID == "" && f.License == "" && f.FieldID == "" &&
		f.CreatedFrom.IsZero() && f.CreatedTo.IsZero() && f.LastSignInFrom.IsZero() && f.LastSignInTo.IsZero()
}

// wordSearchable reports whether the list is a search that user_words can
// answer alone: live users sorted by last name, with no other condition
// (and, see searchLead, one word to search for).
func (f *UserFilter) wordSearchable() bool {
	return f.Q != "" && f.Sort == SortLastName && !f.Deleted && len(f.Statuses) == 0 && f.Scope == nil &&
		f.GroupID == "" && f.RoleID == "" && f.UnitID == "" && len(f.IDs) == 0 && f.Invitation == "" && f.Locked == nil && f.Expired == nil && f.AtVacation == nil && f.DepartmentID == "" &&
		f.LocationID == "" && f.SupervisorID == "" && f.License == "" && f.FieldID == "" &&
		f.CreatedFrom.IsZero() && f.CreatedTo.IsZero() && f.LastSignInFrom.IsZero() && f.LastSignInTo.IsZero()
}

// UserPage is one page of a user list.
type UserPage struct {
	Users []*directory.User
	Next  *Cursor // nil on the last page
	Total int
}

// boolCond adds cond, or its negation, when flag is set. cond goes in
// parentheses because the conditions are joined with AND and it may hold an OR.
func boolCond(where []string, flag *bool, cond string) []string {
	if flag == nil {
		return where
	}
	if *flag {
		return append(where, "("+cond+")")
	}
	return append(where, "NOT ("+cond+")")
}

// where builds the conditions of f, bound parameters only.
func (c *Conn) userWhere(orgID string, f *UserFilter) ([]string, []any, bool) {
	where := []string{"u.org_id = ?"}
	args := []any{orgID}
	if f.Deleted {
		where = append(where, "u.deleted_at <> 0")
	} else {
		where = append(where, "u.deleted_at = 0")
	}
	if f.Q != "" {
		words := directory.SearchWords(f.Q)
		if len(words) == 0 {
			return nil, nil, false
		}
		if len(words) > 8 {
			words = words[:8]
		}
		cond, arg := c.d.searchClause(words)
		where = append(where, cond)
		args = append(args, arg)
	}
	if len(f.Statuses) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
		where = append(where, "u.status IN ("+ph+")")
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	now := micros(f.Now)
	where = boolCond(where, f.Locked, "u.locked_at <> 0")
	if f.Expired != nil {
		where = boolCond(where, f.Expired, `(u.expires_at <> 0 AND u.expires_at <= ?) OR
			(EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id)
			 AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id AND (g.expires_at = 0 OR g.expires_at > ?)))`)
		args = append(args, now, now)
	}
	if f.AtVacation != nil {
		today := f.Now.Format(directory.DateLayout)
		where = boolCond(where, f.AtVacation, `EXISTS (SELECT 1 FROM time_off t WHERE t.user_id = u.id AND t.starts_on <= ? AND t.ends_on >= ?)`)
		args = append(args, today, today)
	}
	for _, eq := range []struct{ col, val string }{
		{"u.department_id", f.DepartmentID}, {"u.location_id", f.LocationID},
		{"u.supervisor_id", f.SupervisorID}, {"u.license", string(f.License)},
	} {
		if eq.val != "" {
			where = append(where, eq.col+" = ?")
			args = append(args, eq.val)
		}
	}
	if f.GroupID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.group_id = ?)`)
		args = append(args, f.GroupID)
	}
	if f.RoleID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id AND g.role_id = ?)`)
		args = append(args, f.RoleID)
	}
	if f.UnitID != "" {
		// A prefix compared with SUBSTR, not LIKE, so that no character of
		// a path is a wildcard.
		where = append(where, `EXISTS (SELECT 1 FROM grants g JOIN units un ON un.id = g.unit_id
			JOIN units top ON top.id = ? AND top.org_id = u.org_id
			WHERE g.user_id = u.id AND SUBSTR(un.path, 1, LENGTH(top.path)) = top.path)`)
		args = append(args, f.UnitID)
	}
	if len(f.IDs) > 0 {
		where = append(where, "u.id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.IDs)), ", ")+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Invitation != "" {
		cond, cargs := invitationCondition(f.Invitation, now)
		where = append(where, "("+cond+")")
		args = append(args, cargs...)
	}
	if f.Scope != nil {
		cond, cargs := scopeCondition(f.Scope)
		where = append(where, cond)
		args = append(args, cargs...)
	}
	if f.FieldID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM user_field_values v WHERE v.user_id = u.id AND v.field_id = ? AND v.value = ?)`)
		args = append(args, f.FieldID, f.FieldValue)
	}
	for _, r := range []struct {
		col string
		op  string
		t   time.Time
	}{
		{"u.created_at", ">=", f.CreatedFrom}, {"u.created_at", "<", f.CreatedTo},
		{"u.last_sign_in_at", ">=", f.LastSignInFrom}, {"u.last_sign_in_at", "<", f.LastSignInTo},
	} {
		if !r.t.IsZero() {
			where = append(where, r.col+" "+r.op+" ?")
			args = append(args, micros(r.t))
		}
	}
	if !f.LastSignInTo.IsZero() {
		where = append(where, "u.last_sign_in_at <> 0")
	}
	return where, args, true
}

// ListUsers returns one page of the users of an organization that match f,
// with the total number of matches.
func (c *Conn) ListUsers(ctx context.Context, orgID string, f UserFilter) (*UserPage, error) {
	if f.Sort == "" {
		f.Sort = SortLastName
	}
	sc, ok := sortColumns[f.Sort]
	if !ok {
		return nil, fmt.Errorf("unknown sort %q", f.Sort)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Now.IsZero() {
		// Without it, nothing would count as expired and nobody as away.
		f.Now = time.Now()
	}
	where, args, ok := c.userWhere(orgID, &f)
	if !ok {
		return &UserPage{}, nil
	}
	dir, cmp := "ASC", ">"
	if f.Desc {
		dir, cmp = "DESC", "<"
	}
	var after string
	var afterArgs []any
	if f.After != nil {
		after = "(" + sc.col + ", u.id) " + cmp + " (?, ?)"
		if sc.numeric {
			afterArgs = []any{f.After.Num, f.After.ID}
		} else {
			afterArgs = []any{f.After.Text, f.After.ID}
		}
	}
	order := ` ORDER BY ` + sc.col + ` ` + dir + `, u.id ` + dir
	if lead, ok := searchLead(f.Q); ok && f.wordSearchable() {
		return c.searchByWords(ctx, orgID, lead, &f, after, afterArgs, order)
	}
	if f.Q != "" {
		return c.searchUsers(ctx, orgID, &f, where, args, after, afterArgs, order)
	}
	total, err := c.countUsers(ctx, orgID, &f, where, args)
	if err != nil {
		return nil, err
	}
	pageWhere := append([]string(nil), where...)
	pageArgs := append([]any(nil), args...)
	if after != "" {
		pageWhere = append(pageWhere, after)
		pageArgs = append(pageArgs, afterArgs...)
	}
	q := `SELECT ` + userColumns + ` FROM users u WHERE ` + strings.Join(pageWhere, " AND ") + order + ` LIMIT ?`
	pageArgs = append(pageArgs, f.Limit+1)
	rows, err := c.query(ctx, q, pageArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &UserPage{Total: total}
	return page, readPage(rows, rows, &f, page)
}

// searchUsers lists the users matching a search (f.Q) and the other
// conditions in where, counting them in the same statement.
//
// The text index finds the matches first; they are materialized once,
// counted and sorted, and the page is then read by id. Left to itself, a
// planner may instead walk the sort index and test every row against the
// search, betting that matches are spread evenly; when the word goes with
// the sort order (searching "johnson" sorted by last name) that reads half
// the table before the first match. Finding the matches first costs in
// proportion to their number, whatever the word.
func (c *Conn) searchUsers(ctx context.Context, orgID string, f *UserFilter, where []string, args []any,
	after string, afterArgs []any, order string) (*UserPage, error) {
	sc := sortColumns[f.Sort]
	pageArgs := append([]any(nil), args...)
	// m carries the sort value and id under the names of the users table,
	// so that the cursor condition and the order read the same on both.
	inner := `SELECT u.id AS id, ` + sc.col + ` AS ` + strings.TrimPrefix(sc.col, "u.") +
		` FROM users u WHERE ` + strings.Join(where, " AND ")
	pick := `SELECT u.id FROM m u`
	if after != "" {
		pick += ` WHERE ` + after
		pageArgs = append(pageArgs, afterArgs...)
	}
	pick += order + ` LIMIT ?`
	pageArgs = append(pageArgs, f.Limit+1)
	q := `WITH m AS MATERIALIZED (` + inner + `)
		SELECT ` + userColumns + `, (SELECT COUNT(*) FROM m) FROM users u
		WHERE u.id IN (` + pick + `)` + order
	rows, err := c.query(ctx, q, pageArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &UserPage{Total: -1}
	if err := readPage(rows, withTotal{rows, &page.Total}, f, page); err != nil {
		return nil, err
	}
	if page.Total < 0 {
		// No row came back to carry the count: there is no match, or the
		// cursor is past the last one.
		page.Total = 0
		if after != "" {
			n, err := c.countUsers(ctx, orgID, f, where, args)
			if err != nil {
				return nil, err
			}
			page.Total = n
		}
	}
	return page, nil
}

// withTotal scans a user row followed by the total.
type withTotal struct {
	rows  *sql.Rows
	total *int
}

func (w withTotal) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.total)...) }

// readPage reads up to f.Limit users from rows into page, setting
// page.Next when one more row shows that a next page exists.
func readPage(rows *sql.Rows, scan interface{ Scan(...any) error }, f *UserFilter, page *UserPage) error {
	for rows.Next() {
		u, err := scanUser(scan)
		if err != nil {
			return err
		}
		if len(page.Users) == f.Limit {
			last := page.Users[len(page.Users)-1]
			page.Next = cursorFor(last, f.Sort)
			break
		}
		page.Users = append(page.Users, u)
	}
	return rows.Err()
}

// cursorFor returns the cursor positioned after u in a list sorted by s.
func cursorFor(u *directory.User, s UserSort) *Cursor {
	c := &Cursor{ID: u.ID}
	switch s {
	case SortLastName:
		c.Text = u.LastName
	case SortFirstName:
		c.Text = u.FirstName
	case SortUsername:
		c.Text = directory.FoldKey(u.Username)
	case SortEmail:
		c.Text = directory.FoldKey(u.Email)
	case SortStatus:
		c.Text = string(u.Status)
	case SortCreated:
		c.Num = micros(u.CreatedAt)
	case SortLastSignIn:
		c.Num = micros(u.LastSignInAt)
	}
	return c
}

func (c *Conn) countUsers(ctx context.Context, orgID string, f *UserFilter, where []string, args []any) (int, error) {
	var n int
	if f.countable() {
		q := `SELECT COALESCE(SUM(n), 0) FROM user_counts WHERE org_id = ? AND in_bin = ?`
		cargs := []any{orgID, f.Deleted}
		if len(f.Statuses) > 0 {
			q += " AND status IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ") + ")"
			for _, s := range f.Statuses {
				cargs = append(cargs, string(s))
			}
		}
		err := c.queryRow(ctx, q, cargs...).Scan(&n)
		return n, err
	}
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM users u WHERE `+strings.Join(where, " AND "), args...).Scan(&n)
	return n, err
}

// scopeCondition is the SQL of a UserScope, bound parameters only.
func scopeCondition(sc *UserScope) (string, []any) {
	var ors []string
	var args []any
	if sc.UnitPath != "" {
		ors = append(ors, `EXISTS (SELECT 1 FROM grants g JOIN units un ON un.id = g.unit_id
			WHERE g.user_id = u.id AND un.path LIKE ? ESCAPE '\')`)
		args = append(args, likeEscape(sc.UnitPath)+"%")
	}
	if sc.CreatorID != "" {
		ors = append(ors, `(u.created_by = ? AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id))`)
		args = append(args, sc.CreatorID)
	}
	if sc.SelfID != "" {
		ors = append(ors, `u.id = ?`)
		args = append(args, sc.SelfID)
	}
	if sc.TeamOf != "" {
		ors = append(ors, `u.supervisor_id = ?`, `EXISTS (SELECT 1 FROM relationships r
			WHERE r.kind = 'supervisor_of' AND r.from_user_id = ? AND r.to_user_id = u.id)`)
		args = append(args, sc.TeamOf, sc.TeamOf)
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}
