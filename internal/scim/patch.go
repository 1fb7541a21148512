package scim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// patchOp is one operation of a PATCH request (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string
	Path  string
	Value any
}

// maxPatchOps bounds the operations of one PATCH request.
const maxPatchOps = 1000

// patchOps reads the body of a PATCH request. Operation names are taken
// in any case ("Replace", as Entra ID sends them).
func patchOps(body []byte) ([]patchOp, *Error) {
	m, err := decode(body)
	if err != nil {
		return nil, err
	}
	if s, ok := m["schemas"]; ok && !hasSchema(s, schemaPatch) {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "a PATCH body has the schema %s", schemaPatch)
	}
	var raw []any
	for k, v := range m {
		if strings.EqualFold(k, "Operations") {
			raw, _ = v.([]any)
		}
	}
	if len(raw) == 0 {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "a PATCH body needs a non-empty Operations list")
	}
	if len(raw) > maxPatchOps {
		return nil, errorf(http.StatusBadRequest, "tooMany", "a PATCH request holds at most %d operations", maxPatchOps)
	}
	ops := make([]patchOp, 0, len(raw))
	for i, r := range raw {
		om, ok := r.(map[string]any)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "invalidSyntax", "operation %d is not an object", i+1)
		}
		var op patchOp
		for k, v := range om {
			switch strings.ToLower(k) {
			case "op":
				s, _ := v.(string)
				op.Op = strings.ToLower(strings.TrimSpace(s))
			case "path":
				s, ok := v.(string)
				if !ok {
					return nil, errorf(http.StatusBadRequest, "invalidPath", "operation %d: path must be a string", i+1)
				}
				op.Path = strings.TrimSpace(s)
			case "value":
				op.Value = v
			}
		}
		switch op.Op {
		case "add", "replace":
			if _, ok := om["value"]; !ok && op.Value == nil {
				return nil, errorf(http.StatusBadRequest, "invalidValue", "operation %d (%s) needs a value", i+1, op.Op)
			}
		case "remove":
			if op.Path == "" {
				return nil, errorf(http.StatusBadRequest, "noTarget", "operation %d: remove needs a path", i+1)
			}
		default:
			return nil, errorf(http.StatusBadRequest, "invalidSyntax", "operation %d: op must be add, replace or remove", i+1)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func hasSchema(v any, urn string) bool {
	l, _ := v.([]any)
	return slices.ContainsFunc(l, func(x any) bool { s, _ := x.(string); return strings.EqualFold(s, urn) })
}

// applyPatch applies ops to doc, a resource's canonical document, in
// order. It stops at the first operation that cannot apply.
func applyPatch(r *resource, doc map[string]any, ops []patchOp) *Error {
	for _, op := range ops {
		if err := applyOp(r, doc, op); err != nil {
			return err
		}
	}
	return nil
}

func applyOp(r *resource, doc map[string]any, op patchOp) *Error {
	if op.Path != "" {
		return applyPath(r, doc, op.Op, op.Path, op.Value)
	}
	// Without a path the value is an object whose members are attributes
	// (or, as Entra ID sends them, paths such as "name.givenName" or
	// "emails[type eq \"work\"].value") and extension objects.
	m, ok := op.Value.(map[string]any)
	if !ok {
		return errorf(http.StatusBadRequest, "invalidValue", "an operation without a path needs an object value")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		if ext := r.extension(k); ext != nil {
			em, ok := v.(map[string]any)
			if !ok {
				return errorf(http.StatusBadRequest, "invalidValue", "%s must be an object", ext.ID)
			}
			for ek, ev := range em {
				if err := applyPath(r, doc, op.Op, ext.ID+":"+ek, ev); err != nil {
					return err
				}
			}
			continue
		}
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if strings.EqualFold(k, "id") && v == doc["id"] {
			// Okta names the resource's own id among the values it replaces.
			continue
		}
		if err := applyPath(r, doc, op.Op, k, v); err != nil {
			return err
		}
	}
	return nil
}

// target is what a path names in a document.
type target struct {
	container map[string]any // the object holding the attribute: doc or an extension's object
	attr      *attr
	filter    filter.Expression // a value filter on a multi-valued attribute
	sub       *attr             // a sub-attribute
	ext       string            // the extension URN, for a path inside an extension
}

func badPath(path string, format string, a ...any) *Error {
	e := errorf(http.StatusBadRequest, "invalidPath", format, a...)
	e.Detail = "path " + quote(path) + ": " + e.Detail
	return e
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// resolve parses path against r and doc.
func resolve(r *resource, doc map[string]any, path string) (*target, *Error) {
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return nil, badPath(path, "not a valid path")
	}
	ap := p.AttributePath
	uri := ""
	if ap.URIPrefix != nil {
		uri = *ap.URIPrefix
	}
	t := &target{container: doc}
	if uri != "" && r.extension(uri+":"+ap.AttributeName) != nil && ap.SubAttribute == nil && p.ValueExpression == nil {
		return nil, badPath(path, "name an attribute of the extension, not the extension itself")
	}
	ext, a := r.lookup(uri, ap.AttributeName)
	if a == nil {
		return nil, badPath(path, "no such attribute")
	}
	if ext != "" {
		t.ext = ext
		em := object(doc, ext)
		if em == nil {
			em = map[string]any{}
			doc[ext] = em
		}
		t.container = em
	}
	t.attr = a
	sub := ap.SubAttribute
	if p.ValueExpression != nil {
		if !a.Multi {
			return nil, badPath(path, "a filter applies to multi-valued attributes only")
		}
		t.filter = p.ValueExpression
		if sub != nil {
			return nil, badPath(path, "not a valid path")
		}
		sub = p.SubAttribute
	}
	if sub != nil {
		if a.Type != "complex" {
			return nil, badPath(path, "%s has no sub-attributes", a.Name)
		}
		if t.sub = a.sub(*sub); t.sub == nil {
			return nil, badPath(path, "%s has no sub-attribute %s", a.Name, *sub)
		}
	}
	return t, nil
}

func applyPath(r *resource, doc map[string]any, op, path string, value any) *Error {
	t, err := resolve(r, doc, path)
	if err != nil {
		return err
	}
	name := t.attr.Name
	if t.attr.readOnly() || (t.sub != nil && t.sub.readOnly() && op != "remove") {
		return errorf(http.StatusBadRequest, "mutability", "%s is read-only", path)
	}
	if t.attr == idAttr || t.attr == metaAttr {
		return errorf(http.StatusBadRequest, "mutability", "%s is read-only", path)
	}
	var cv any
	if op == "remove" && value != nil && t.attr.Multi && t.filter == nil && t.sub == nil {
		// Entra ID removes members with path "members" and the members to
		// remove as the value: remove those values only.
		rv, err := canonValue(t.attr, value, path)
		if err != nil {
			return err
		}
		var kept []any
		for _, item := range list(t.container, name) {
			if !slices.ContainsFunc(rv.([]any), func(x any) bool { return sameValue(item, x) }) {
				kept = append(kept, item)
			}
		}
		if len(kept) == 0 {
			delete(t.container, name)
		} else {
			t.container[name] = kept
		}
		return nil
	}
	if op != "remove" {
		a := t.attr
		if t.sub != nil {
			a = t.sub
		} else if t.filter != nil {
			// A filtered path's value is one element, or its fields.
			a = &attr{Name: a.Name, Type: a.Type, Sub: a.Sub}
		}
		if cv, err = canonValue(a, value, path); err != nil {
			return err
		}
		if cv == nil {
			// Setting null is removing (RFC 7643 §2.5).
			op = "remove"
		}
	}
	c := t.container
	switch {
	case t.filter == nil && t.sub == nil:
		setWhole(t.attr, c, name, op, cv)
	case t.filter == nil:
		// attr.sub: a sub-attribute of a single complex attribute, or of
		// every value of a multi-valued one.
		if t.attr.Multi {
			for _, item := range list(c, name) {
				setSub(item.(map[string]any), t.sub.Name, op, cv)
			}
			break
		}
		m := object(c, name)
		if m == nil {
			if op == "remove" {
				break
			}
			m = map[string]any{}
			c[name] = m
		}
		setSub(m, t.sub.Name, op, cv)
		if len(m) == 0 {
			delete(c, name)
		}
	default:
		if err := setFiltered(t, c, path, op, cv); err != nil {
			return err
		}
	}
	if t.ext != "" && len(t.container) == 0 {
		delete(doc, t.ext)
	}
	if t.attr.Multi {
		onePrimary(c, name)
	}
	return nil
}

// setWhole adds, replaces or removes a whole attribute.
func setWhole(a *attr, c map[string]any, name, op string, v any) {
	switch {
	case op == "remove" || v == nil:
		delete(c, name)
	case a.Multi && op == "add":
		have := list(c, name)
		for _, x := range v.([]any) {
			if !slices.ContainsFunc(have, func(h any) bool { return sameValue(h, x) }) {
				have = append(have, x)
			}
		}
		c[name] = have
	case a.Type == "complex" && !a.Multi:
		// Sub-attributes not given stay as they are (RFC 7644 §3.5.2.1, .3).
		m := object(c, name)
		if m == nil {
			m = map[string]any{}
		}
		for k, x := range v.(map[string]any) {
			if x == nil {
				delete(m, k)
			} else {
				m[k] = x
			}
		}
		c[name] = m
	default:
		c[name] = v
	}
}

// sameValue reports whether two values of a multi-valued attribute are the
// same: equal "value" sub-attributes, or equal values.
func sameValue(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		av, bv := text(am, "value"), text(bm, "value")
		at, bt := text(am, "type"), text(bm, "type")
		return av != "" && av == bv && (at == "" || bt == "" || strings.EqualFold(at, bt))
	}
	return a == b
}

func setSub(m map[string]any, sub, op string, v any) {
	if op == "remove" || v == nil {
		delete(m, sub)
		return
	}
	m[sub] = v
}

// setFiltered applies an operation to the values of a multi-valued
// attribute that a filter selects. An add or replace that selects nothing
// adds a value made from the filter's equalities (so that replacing
// emails[type eq "work"].value on a user without a work email gives them
// one, as Entra ID expects).
func setFiltered(t *target, c map[string]any, path, op string, v any) *Error {
	name := t.attr.Name
	items := list(c, name)
	var kept []any
	matched := 0
	for _, item := range items {
		m, _ := item.(map[string]any)
		ok, err := matches(t.attr, m, t.filter)
		if err != nil {
			return err
		}
		if !ok {
			kept = append(kept, item)
			continue
		}
		matched++
		switch {
		case op == "remove" && t.sub == nil:
			continue // dropped
		case t.sub != nil:
			setSub(m, t.sub.Name, op, v)
		default:
			for k, x := range v.(map[string]any) {
				setSub(m, k, op, x)
			}
		}
		kept = append(kept, m)
	}
	if matched == 0 {
		if op == "remove" {
			// Removing what is not there leaves the resource as it is.
			return nil
		}
		eq, ok := equalities(t.filter)
		if !ok {
			return errorf(http.StatusBadRequest, "noTarget", "%s selects no value", path)
		}
		m := map[string]any{}
		for k, x := range eq {
			if sa := t.attr.sub(k); sa != nil {
				k = sa.Name
			}
			m[k] = x
		}
		if t.sub != nil {
			m[t.sub.Name] = v
		} else {
			for k, x := range v.(map[string]any) {
				m[k] = x
			}
		}
		kept = append(kept, m)
	}
	if len(kept) == 0 {
		delete(c, name)
	} else {
		c[name] = kept
	}
	return nil
}

// equalities returns the attribute values a filter made only of "eq" and
// "and" requires, or false for any other filter.
func equalities(e filter.Expression) (map[string]any, bool) {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		if x.Operator != filter.EQ || x.AttributePath.SubAttribute != nil {
			return nil, false
		}
		return map[string]any{x.AttributePath.AttributeName: x.CompareValue}, true
	case *filter.LogicalExpression:
		if x.Operator != filter.AND {
			return nil, false
		}
		l, ok := equalities(x.Left)
		if !ok {
			return nil, false
		}
		r, ok := equalities(x.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// onePrimary keeps at most one value of a multi-valued attribute primary:
// the last one set so (RFC 7643 §2.4).
func onePrimary(c map[string]any, name string) {
	items := list(c, name)
	last := -1
	for i, item := range items {
		if m, ok := item.(map[string]any); ok {
			if b, _ := m["primary"].(bool); b {
				last = i
			}
		}
	}
	for i, item := range items {
		if m, ok := item.(map[string]any); ok && i != last {
			if _, has := m["primary"]; has {
				m["primary"] = false
			}
		}
	}
}
