package store

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"roster/internal/directory"
)

// Cond is a condition over named attributes of users or groups, as a query
// language such as a SCIM filter states it. The store compiles it to SQL
// with bound parameters only; a condition it cannot compile is
// KindInvalid, and nothing is read.
type Cond struct {
	// Op is "and", "or" or "not" (over Conds), or a comparison of Field
	// with Value: eq, ne, co, sw, ew, gt, ge, lt, le, or pr (present).
	Op    string
	Conds []*Cond
	Field string
	// Value is a string, a bool, a time.Time or nil (for pr, and for eq and
	// ne against null).
	Value any
}

// fieldKind says how a field compares.
type fieldKind int

const (
	kindExact  fieldKind = iota // text compared as it is
	kindFolded                  // text compared without regard to case
	kindTime                    // microseconds since the epoch
	kindBool                    // a condition that holds or not
	kindMember                  // a membership, tested with EXISTS; eq only
)

// condField is a field a Cond may name: the SQL expression of its value
// (text expressions never NULL). For kindFolded, key says the expression
// already holds lower-cased text (username_key, email_key) and can be
// compared, and served by its index, as it is.
type condField struct {
	expr string
	kind fieldKind
	key  bool
	// guard is the condition of the partial index that serves equality on
	// the field; SQLite uses such an index only when the query states it.
	guard string
}

// A provisioned user's type of email, phone number and address.
const scimType = `COALESCE((SELECT s.%s FROM scim_users s WHERE s.user_id = u.id), '')`

// userCondFields are the fields a Cond over users may name.
var userCondFields = map[string]condField{
	"id":                  {expr: "u.id", kind: kindExact},
	"username":            {expr: "u.username_key", kind: kindFolded, key: true},
	"external_id":         {expr: "u.external_id", kind: kindExact, guard: "u.external_id <> ''"},
	"first_name":          {expr: "u.first_name", kind: kindFolded},
	"last_name":           {expr: "u.last_name", kind: kindFolded},
	"formatted_name":      {expr: "TRIM(u.first_name || ' ' || u.last_name)", kind: kindFolded},
	"display_name":        {expr: "(CASE WHEN u.display_name <> '' THEN u.display_name ELSE TRIM(u.first_name || ' ' || u.last_name) END)", kind: kindFolded},
	"job_title":           {expr: "u.job_title", kind: kindFolded},
	"email":               {expr: "u.email_key", kind: kindFolded, key: true},
	"email_type":          {expr: "(CASE WHEN u.email <> '' THEN " + fmt.Sprintf(scimType, "email_type") + " ELSE '' END)", kind: kindFolded},
	"email_primary":       {expr: "u.email <> ''", kind: kindBool},
	"phone":               {expr: "u.phone", kind: kindFolded},
	"phone_type":          {expr: "(CASE WHEN u.phone <> '' THEN " + fmt.Sprintf(scimType, "phone_type") + " ELSE '' END)", kind: kindFolded},
	"phone_primary":       {expr: "u.phone <> ''", kind: kindBool},
	"address_street":      {expr: "u.address_street", kind: kindFolded},
	"address_locality":    {expr: "u.address_locality", kind: kindFolded},
	"address_region":      {expr: "u.address_region", kind: kindFolded},
	"address_postal_code": {expr: "u.address_postal_code", kind: kindFolded},
	"address_country":     {expr: "u.address_country", kind: kindFolded},
	"address_type":        {expr: fmt.Sprintf(scimType, "address_type"), kind: kindFolded},
	"active":              {expr: "u.status <> 'inactive'", kind: kindBool},
	"created":             {expr: "u.created_at", kind: kindTime},
	"updated":             {expr: "u.updated_at", kind: kindTime},
	"manager":             {expr: "COALESCE(u.supervisor_id, '')", kind: kindExact},
	"department":          {expr: "COALESCE((SELECT d.name FROM units d WHERE d.id = u.department_id), '')", kind: kindFolded},
	"group":               {expr: "EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.group_id = ?)", kind: kindMember},
}

// groupCondFields are the fields a Cond over groups may name.
var groupCondFields = map[string]condField{
	"id":           {expr: "g.id", kind: kindExact},
	"display_name": {expr: "g.name", kind: kindFolded},
	"external_id":  {expr: "COALESCE((SELECT sg.external_id FROM scim_groups sg WHERE sg.group_id = g.id), '')", kind: kindExact},
	"created":      {expr: "g.created_at", kind: kindTime},
	"updated":      {expr: "g.updated_at", kind: kindTime},
	"member":       {expr: "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = ?)", kind: kindMember},
}

// maxCondDepth and maxCondTerms bound the SQL a condition may become.
const (
	maxCondDepth = 32
	maxCondTerms = 200
)

// condCompiler turns a Cond into SQL for one engine.
type condCompiler struct {
	d      dialect
	fields map[string]condField
	args   []any
	terms  int
}

func condErr(format string, a ...any) error {
	return directory.Errorf(directory.KindInvalid, format, a...)
}

// compileCond returns the SQL of c over fields and its arguments.
func (d dialect) compileCond(c *Cond, fields map[string]condField) (string, []any, error) {
	cc := &condCompiler{d: d, fields: fields}
	sql, err := cc.compile(c, 0)
	if err != nil {
		return "", nil, err
	}
	return sql, cc.args, nil
}

func (cc *condCompiler) compile(c *Cond, depth int) (string, error) {
	if c == nil {
		return "", condErr("empty condition")
	}
	if depth > maxCondDepth {
		return "", condErr("the filter nests more than %d levels", maxCondDepth)
	}
	switch c.Op {
	case "and", "or":
		if len(c.Conds) < 2 {
			return "", condErr("%s needs two conditions", c.Op)
		}
		parts := make([]string, len(c.Conds))
		for i, sub := range c.Conds {
			s, err := cc.compile(sub, depth+1)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(c.Op)+" ") + ")", nil
	case "not":
		if len(c.Conds) != 1 {
			return "", condErr("not needs one condition")
		}
		s, err := cc.compile(c.Conds[0], depth+1)
		if err != nil {
			return "", err
		}
		return "(NOT " + s + ")", nil
	}
	cc.terms++
	if cc.terms > maxCondTerms {
		return "", condErr("the filter has more than %d comparisons", maxCondTerms)
	}
	f, ok := cc.fields[c.Field]
	if !ok {
		return "", condErr("%s cannot be filtered on", c.Field)
	}
	switch f.kind {
	case kindBool:
		return cc.boolean(c, f)
	case kindTime:
		return cc.timed(c, f)
	case kindMember:
		s, ok := c.Value.(string)
		if c.Op != "eq" || !ok {
			return "", condErr("%s can only be compared with eq and a string", c.Field)
		}
		cc.args = append(cc.args, s)
		return f.expr, nil
	}
	return cc.text(c, f)
}

// maxRune is the greatest code point: a prefix followed by it is above
// every text that starts with the prefix.
const maxRune = "\U0010FFFF"

func (cc *condCompiler) text(c *Cond, f condField) (string, error) {
	expr := f.expr
	if f.kind == kindFolded && !f.key {
		expr = "LOWER(" + expr + ")"
	}
	if c.Op == "pr" {
		return "(" + f.expr + " <> '')", nil
	}
	if c.Value == nil && (c.Op == "eq" || c.Op == "ne") {
		// null: eq null is "not present", ne null is "present".
		if c.Op == "eq" {
			return "(" + f.expr + " = '')", nil
		}
		return "(" + f.expr + " <> '')", nil
	}
	v, ok := c.Value.(string)
	if !ok {
		return "", condErr("%s is text; compare it with a string", c.Field)
	}
	// param is how the value enters the SQL: lower-cased the way the
	// engine lower-cases the column, or, for a key column, the way Roster
	// folds keys.
	param := "?"
	switch {
	case f.kind == kindFolded && f.key:
		v = directory.FoldKey(v)
	case f.kind == kindFolded:
		param = "LOWER(CAST(? AS TEXT))"
	}
	add := func(a ...any) { cc.args = append(cc.args, a...) }
	switch c.Op {
	case "eq":
		add(v)
		if f.guard != "" && v != "" {
			return "(" + f.guard + " AND " + expr + " = " + param + ")", nil
		}
		return expr + " = " + param, nil
	case "ne":
		add(v)
		return expr + " <> " + param, nil
	case "gt", "ge", "lt", "le":
		add(v)
		return expr + " " + map[string]string{"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[c.Op] + " " + param, nil
	case "sw":
		// A range, so that an index on the expression serves it.
		add(v, v+maxRune)
		return "(" + expr + " >= " + param + " AND " + expr + " < " + param + ")", nil
	case "co":
		if v == "" {
			return "(1 = 1)", nil
		}
		add(v)
		if cc.d.engine == Postgres {
			return "STRPOS(" + expr + ", " + param + ") > 0", nil
		}
		return "INSTR(" + expr + ", " + param + ") > 0", nil
	case "ew":
		n := utf8.RuneCountInString(v)
		if n == 0 {
			return "(1 = 1)", nil
		}
		add(n, n, v)
		return "(LENGTH(" + expr + ") >= ? AND SUBSTR(" + expr + ", LENGTH(" + expr + ") - ? + 1) = " + param + ")", nil
	}
	return "", condErr("unknown operator %q", c.Op)
}

func (cc *condCompiler) boolean(c *Cond, f condField) (string, error) {
	if c.Op == "pr" {
		return "(1 = 1)", nil
	}
	v, ok := c.Value.(bool)
	if !ok || (c.Op != "eq" && c.Op != "ne") {
		return "", condErr("%s is true or false; compare it with eq or ne and a boolean", c.Field)
	}
	if v == (c.Op == "eq") {
		return "(" + f.expr + ")", nil
	}
	return "(NOT (" + f.expr + "))", nil
}

func (cc *condCompiler) timed(c *Cond, f condField) (string, error) {
	if c.Op == "pr" {
		return "(" + f.expr + " <> 0)", nil
	}
	var t time.Time
	switch v := c.Value.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return "", condErr("%s is a date and time; compare it with a value such as \"2026-01-31T08:00:00Z\"", c.Field)
		}
	default:
		return "", condErr("%s is a date and time; compare it with a value such as \"2026-01-31T08:00:00Z\"", c.Field)
	}
	op, ok := map[string]string{"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[c.Op]
	if !ok {
		return "", condErr("%s is a date and time; %s does not apply to it", c.Field, c.Op)
	}
	cc.args = append(cc.args, micros(t))
	return f.expr + " " + op + " ?", nil
}
