package scim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	filter "github.com/scim2/filter-parser/v2"

	"roster/internal/store"
)

// maxFilterLen bounds the text of a filter.
const maxFilterLen = 4096

// userFields maps the attributes a user filter may name (lower-cased
// "attr" or "attr.sub", extension attributes under their URN) to the
// store's condition fields. A multi-valued attribute named alone stands
// for its value.
var userFields = map[string]string{
	"id": "id", "username": "username", "externalid": "external_id",
	"name.givenname": "first_name", "name.familyname": "last_name", "name.formatted": "formatted_name",
	"displayname": "display_name", "title": "job_title", "active": "active",
	"emails": "email", "emails.value": "email", "emails.type": "email_type", "emails.primary": "email_primary",
	"phonenumbers": "phone", "phonenumbers.value": "phone", "phonenumbers.type": "phone_type", "phonenumbers.primary": "phone_primary",
	"addresses.streetaddress": "address_street", "addresses.locality": "address_locality", "addresses.region": "address_region",
	"addresses.postalcode": "address_postal_code", "addresses.country": "address_country", "addresses.type": "address_type",
	"meta.created": "created", "meta.lastmodified": "updated",
	"groups": "group", "groups.value": "group",
	strings.ToLower(SchemaEnterprise) + ":manager":       "manager",
	strings.ToLower(SchemaEnterprise) + ":manager.value": "manager",
	strings.ToLower(SchemaEnterprise) + ":department":    "department",
}

// boolFields are the condition fields that hold booleans.
var boolFields = map[string]bool{"active": true, "email_primary": true, "phone_primary": true}

// groupFields does the same for groups.
var groupFields = map[string]string{
	"id": "id", "displayname": "display_name", "externalid": "external_id",
	"members": "member", "members.value": "member",
	"meta.created": "created", "meta.lastmodified": "updated",
}

// parseFilter parses a filter and turns it into a store condition over
// fields; anything it cannot turn is invalidFilter.
func parseFilter(text string, fields map[string]string) (*store.Cond, *Error) {
	if len(text) > maxFilterLen {
		return nil, errorf(http.StatusBadRequest, "invalidFilter", "the filter is longer than %d characters", maxFilterLen)
	}
	e, err := parseExpr(text)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "invalidFilter", "the filter %s cannot be read: check its quotes, operators and parentheses", quote(text))
	}
	return toCond(e, "", fields, 0)
}

// parseExpr parses a filter, turning a panic of the parser on hostile
// input into an error.
func parseExpr(text string) (e filter.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("unreadable filter")
		}
	}()
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("empty filter")
	}
	return filter.ParseFilter([]byte(text))
}

func toCond(e filter.Expression, parent string, fields map[string]string, depth int) (*store.Cond, *Error) {
	if depth > 30 {
		return nil, errorf(http.StatusBadRequest, "invalidFilter", "the filter nests too deeply")
	}
	switch x := e.(type) {
	case *filter.LogicalExpression:
		l, err := toCond(x.Left, parent, fields, depth+1)
		if err != nil {
			return nil, err
		}
		r, err := toCond(x.Right, parent, fields, depth+1)
		if err != nil {
			return nil, err
		}
		return &store.Cond{Op: strings.ToLower(string(x.Operator)), Conds: []*store.Cond{l, r}}, nil
	case *filter.NotExpression:
		c, err := toCond(x.Expression, parent, fields, depth+1)
		if err != nil {
			return nil, err
		}
		return &store.Cond{Op: "not", Conds: []*store.Cond{c}}, nil
	case *filter.ValuePath:
		if parent != "" {
			return nil, errorf(http.StatusBadRequest, "invalidFilter", "a value filter cannot hold another")
		}
		return toCond(x.ValueFilter, attrKey(x.AttributePath), fields, depth+1)
	case *filter.AttributeExpression:
		key, shown := attrKey(x.AttributePath), x.AttributePath.String()
		if parent != "" {
			shown = parent + "." + x.AttributePath.AttributeName
			if x.AttributePath.URIPrefix != nil || x.AttributePath.SubAttribute != nil {
				return nil, errorf(http.StatusBadRequest, "invalidFilter", "inside %s[…] name sub-attributes alone", parent)
			}
			key = parent + "." + strings.ToLower(x.AttributePath.AttributeName)
		}
		field, ok := fields[key]
		if !ok {
			return nil, errorf(http.StatusBadRequest, "invalidFilter", "%s cannot be filtered on", shown)
		}
		v := x.CompareValue
		if s, ok := v.(string); ok && (!utf8.ValidString(s) || strings.ContainsRune(s, 0)) {
			return nil, errorf(http.StatusBadRequest, "invalidFilter", "the filter holds a character that is not allowed")
		}
		if s, ok := v.(string); ok && boolFields[field] {
			// "True" and "False" as strings, as Entra ID writes booleans.
			switch strings.ToLower(s) {
			case "true":
				v = true
			case "false":
				v = false
			}
		}
		switch n := v.(type) {
		case int:
			v = strconv.Itoa(n)
		case float64:
			v = strconv.FormatFloat(n, 'f', -1, 64)
		}
		return &store.Cond{Op: strings.ToLower(string(x.Operator)), Field: field, Value: v}, nil
	}
	return nil, errorf(http.StatusBadRequest, "invalidFilter", "the filter cannot be read")
}

// attrKey is the lower-cased key of an attribute path in the field maps.
func attrKey(p filter.AttributePath) string {
	k := strings.ToLower(p.AttributeName)
	if p.SubAttribute != nil {
		k += "." + strings.ToLower(*p.SubAttribute)
	}
	if p.URIPrefix != nil {
		uri := strings.ToLower(*p.URIPrefix)
		if uri == strings.ToLower(SchemaUser) || uri == strings.ToLower(SchemaGroup) {
			return k
		}
		return uri + ":" + k
	}
	return k
}

// matches evaluates a value filter on one value m of the multi-valued
// attribute a, in memory (PATCH paths such as members[value eq "…"]).
func matches(a *attr, m map[string]any, e filter.Expression) (bool, *Error) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		l, err := matches(a, m, x.Left)
		if err != nil {
			return false, err
		}
		r, err := matches(a, m, x.Right)
		if err != nil {
			return false, err
		}
		if x.Operator == filter.AND {
			return l && r, nil
		}
		return l || r, nil
	case *filter.NotExpression:
		ok, err := matches(a, m, x.Expression)
		return !ok, err
	case *filter.AttributeExpression:
		sub := a.sub(x.AttributePath.AttributeName)
		if sub == nil || x.AttributePath.SubAttribute != nil || x.AttributePath.URIPrefix != nil {
			return false, errorf(http.StatusBadRequest, "invalidFilter", "%s has no sub-attribute %s", a.Name, x.AttributePath.String())
		}
		return compare(sub, m[sub.Name], string(x.Operator), x.CompareValue), nil
	}
	return false, errorf(http.StatusBadRequest, "invalidFilter", "the filter cannot apply to %s", a.Name)
}

// compare applies a filter operator to a value held and a value given.
func compare(a *attr, have any, op string, want any) bool {
	op = strings.ToLower(op)
	if op == "pr" {
		s, isText := have.(string)
		return have != nil && (!isText || s != "")
	}
	if a.Type == "boolean" {
		hb, _ := have.(bool)
		wb, ok := want.(bool)
		if !ok {
			return false
		}
		switch op {
		case "eq":
			return hb == wb
		case "ne":
			return hb != wb
		}
		return false
	}
	hs, _ := have.(string)
	ws, ok := want.(string)
	if !ok {
		if want == nil {
			return (op == "eq") == (hs == "")
		}
		return false
	}
	if a.Type == "dateTime" {
		ht, err1 := time.Parse(time.RFC3339Nano, hs)
		wt, err2 := time.Parse(time.RFC3339Nano, ws)
		if err1 != nil || err2 != nil {
			return false
		}
		hs, ws = ht.UTC().Format(time.RFC3339Nano), wt.UTC().Format(time.RFC3339Nano)
	}
	if !a.CaseExact {
		hs, ws = strings.ToLower(hs), strings.ToLower(ws)
	}
	switch op {
	case "eq":
		return hs == ws
	case "ne":
		return hs != ws
	case "co":
		return strings.Contains(hs, ws)
	case "sw":
		return strings.HasPrefix(hs, ws)
	case "ew":
		return strings.HasSuffix(hs, ws)
	case "gt":
		return hs > ws
	case "ge":
		return hs >= ws
	case "lt":
		return hs < ws
	case "le":
		return hs <= ws
	}
	return false
}
