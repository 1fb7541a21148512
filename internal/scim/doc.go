package scim

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// A document is a resource as JSON: attribute names as the schema spells
// them, extension attributes under their schema's URN.

// readDoc decodes a request body into a canonical document of r.
func readDoc(r *resource, body []byte) (map[string]any, *Error) {
	raw, err := decode(body)
	if err != nil {
		return nil, err
	}
	return canon(r, raw)
}

// canon returns doc with every attribute name spelled as the schema
// spells it (names are case-insensitive), booleans sent as the strings
// "True" or "False" turned into booleans, and unknown attributes refused.
func canon(r *resource, doc map[string]any) (map[string]any, *Error) {
	out := map[string]any{}
	for k, v := range doc {
		switch {
		case strings.EqualFold(k, "schemas"):
			out["schemas"] = v
			continue
		case r.extension(k) != nil:
			ext := r.extension(k)
			m, ok := v.(map[string]any)
			if !ok {
				return nil, errorf(http.StatusBadRequest, "invalidSyntax", "%s must be an object", ext.ID)
			}
			cm, err := canonAttrs(ext.Attrs, m, ext.ID+":")
			if err != nil {
				return nil, err
			}
			out[ext.ID] = cm
			continue
		}
		a := find(common, k)
		if a == nil {
			a = find(r.Core.Attrs, k)
		}
		if a == nil {
			if strings.EqualFold(k, "password") && r == userResource {
				return nil, errorf(http.StatusBadRequest, "invalidValue",
					"Roster does not take passwords through SCIM: users set their own password from their invitation")
			}
			return nil, errorf(http.StatusBadRequest, "invalidValue", "unknown attribute %q", k)
		}
		cv, err := canonValue(a, v, a.Name)
		if err != nil {
			return nil, err
		}
		out[a.Name] = cv
	}
	return out, nil
}

func canonAttrs(attrs []*attr, m map[string]any, prefix string) (map[string]any, *Error) {
	out := map[string]any{}
	for k, v := range m {
		a := find(attrs, k)
		if a == nil {
			return nil, errorf(http.StatusBadRequest, "invalidValue", "unknown attribute %q", prefix+k)
		}
		cv, err := canonValue(a, v, prefix+a.Name)
		if err != nil {
			return nil, err
		}
		out[a.Name] = cv
	}
	return out, nil
}

// canonValue checks and canonicalizes the value of one attribute.
func canonValue(a *attr, v any, name string) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	if a.Multi {
		list, ok := v.([]any)
		if !ok {
			// A single value where a list belongs: take it as a list of one.
			list = []any{v}
		}
		out := make([]any, 0, len(list))
		for _, item := range list {
			cv, err := canonSingle(a, item, name)
			if err != nil {
				return nil, err
			}
			if cv != nil {
				out = append(out, cv)
			}
		}
		return out, nil
	}
	return canonSingle(a, v, name)
}

func canonSingle(a *attr, v any, name string) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	switch a.Type {
	case "complex":
		m, ok := v.(map[string]any)
		if s, isText := v.(string); !ok && isText && a.sub("value") != nil {
			// A bare value where an object with a value belongs (Entra ID
			// sends the enterprise manager so).
			m, ok = map[string]any{"value": s}, true
		}
		if !ok {
			return nil, errorf(http.StatusBadRequest, "invalidValue", "%s must be an object", name)
		}
		return canonAttrs(a.Sub, m, name+".")
	case "boolean":
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			// Entra ID sends "True" and "False".
			switch strings.ToLower(strings.TrimSpace(b)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
		return nil, errorf(http.StatusBadRequest, "invalidValue", "%s must be true or false", name)
	default:
		s, ok := v.(string)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "invalidValue", "%s must be a string", name)
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return nil, errorf(http.StatusBadRequest, "invalidValue", "%s holds a character that is not allowed", name)
		}
		return s, nil
	}
}

// clone copies a document deeply.
func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = clone(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = clone(x)
		}
		return l
	}
	return v
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return clone(m).(map[string]any)
}

// text returns the string at key of m, "" when absent.
func text(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func object(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

// pickPrimary chooses, among the values of a multi-valued attribute, the
// one Roster keeps: the primary one, else one of type work, else the
// first. It returns its index, or -1 for an empty list.
func pickPrimary(l []any) int {
	work := -1
	for i, item := range l {
		m, _ := item.(map[string]any)
		if b, _ := m["primary"].(bool); b {
			return i
		}
		if work < 0 && strings.EqualFold(text(m, "type"), "work") {
			work = i
		}
	}
	if work >= 0 {
		return work
	}
	if len(l) > 0 {
		return 0
	}
	return -1
}

// setOrDelete sets m[k] to v, or deletes it when v is empty.
func setOrDelete(m map[string]any, k string, v string) {
	if v == "" {
		delete(m, k)
		return
	}
	m[k] = v
}
