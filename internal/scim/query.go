package scim

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"roster/internal/store"
)

// query is a list or search request (RFC 7644 §3.4.2, §3.4.3).
type query struct {
	filter     string
	sortBy     string
	descending bool
	startIndex int // 1-based
	count      int
	proj       projection
}

// projection is the attributes and excludedAttributes of a request.
type projection struct {
	attributes []string
	excluded   []string
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func projectionFromURL(q map[string][]string) (projection, *Error) {
	get := func(k string) string {
		for key, v := range q {
			if strings.EqualFold(key, k) && len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}
	p := projection{attributes: splitList(get("attributes")), excluded: splitList(get("excludedAttributes"))}
	if len(p.attributes) > 0 && len(p.excluded) > 0 {
		return p, errorf(http.StatusBadRequest, "invalidSyntax", "give attributes or excludedAttributes, not both")
	}
	return p, nil
}

// queryFromURL reads the query parameters of GET /Users or /Groups.
func queryFromURL(q map[string][]string) (*query, *Error) {
	get := func(k string) (string, bool) {
		for key, v := range q {
			if strings.EqualFold(key, k) && len(v) > 0 {
				return v[0], true
			}
		}
		return "", false
	}
	out := &query{startIndex: 1, count: 100}
	out.filter, _ = get("filter")
	out.sortBy, _ = get("sortBy")
	if o, ok := get("sortOrder"); ok {
		switch strings.ToLower(o) {
		case "ascending":
		case "descending":
			out.descending = true
		default:
			return nil, errorf(http.StatusBadRequest, "invalidValue", "sortOrder is ascending or descending")
		}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"startIndex", &out.startIndex}, {"count", &out.count}} {
		if s, ok := get(p.name); ok {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return nil, errorf(http.StatusBadRequest, "invalidValue", "%s must be an integer", p.name)
			}
			*p.dst = n
		}
	}
	var err *Error
	if out.proj, err = projectionFromURL(q); err != nil {
		return nil, err
	}
	return out.normalize(), nil
}

// normalize applies RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a
// negative count is 0, and count is capped at MaxResults.
func (q *query) normalize() *query {
	if q.startIndex < 1 {
		q.startIndex = 1
	}
	if q.count < 0 {
		q.count = 0
	}
	if q.count > MaxResults {
		q.count = MaxResults
	}
	return q
}

// queryFromBody reads a POST /.search body.
func queryFromBody(body []byte) (*query, *Error) {
	m, err := decode(body)
	if err != nil {
		return nil, err
	}
	if s, ok := m["schemas"]; ok && !hasSchema(s, schemaSearch) {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "a search body has the schema %s", schemaSearch)
	}
	out := &query{startIndex: 1, count: 100}
	for k, v := range m {
		switch strings.ToLower(k) {
		case "schemas":
		case "filter":
			out.filter, _ = v.(string)
		case "sortby":
			out.sortBy, _ = v.(string)
		case "sortorder":
			s, _ := v.(string)
			switch strings.ToLower(s) {
			case "ascending":
			case "descending":
				out.descending = true
			default:
				return nil, errorf(http.StatusBadRequest, "invalidValue", "sortOrder is ascending or descending")
			}
		case "startindex", "count":
			n, ok := v.(float64)
			if !ok || n != float64(int(n)) {
				return nil, errorf(http.StatusBadRequest, "invalidValue", "%s must be an integer", k)
			}
			if strings.EqualFold(k, "count") {
				out.count = int(n)
			} else {
				out.startIndex = int(n)
			}
		case "attributes", "excludedattributes":
			l, ok := v.([]any)
			if !ok {
				return nil, errorf(http.StatusBadRequest, "invalidValue", "%s must be a list of attribute names", k)
			}
			var names []string
			for _, x := range l {
				s, _ := x.(string)
				if s != "" {
					names = append(names, s)
				}
			}
			if strings.EqualFold(k, "attributes") {
				out.proj.attributes = names
			} else {
				out.proj.excluded = names
			}
		default:
			return nil, errorf(http.StatusBadRequest, "invalidSyntax", "unknown search parameter %q", k)
		}
	}
	if len(out.proj.attributes) > 0 && len(out.proj.excluded) > 0 {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "give attributes or excludedAttributes, not both")
	}
	return out.normalize(), nil
}

// userSorts are the attributes users sort by.
var userSorts = map[string]store.UserSort{
	"username": store.SortUsername, "name.familyname": store.SortLastName, "name.givenname": store.SortFirstName,
	"emails": store.SortEmail, "emails.value": store.SortEmail, "meta.created": store.SortCreated, "active": store.SortStatus,
}

func (h *Handler) search(ctx context.Context, kind string, r *request) result {
	q, err := queryFromBody(r.body)
	if err != nil {
		return fail(err)
	}
	if kind == "Users" {
		return h.listUsers(ctx, q)
	}
	return h.listGroups(ctx, q)
}

func listResponse(total, start int, resources []any) map[string]any {
	if resources == nil {
		resources = []any{}
	}
	return map[string]any{"schemas": []string{schemaList}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(resources), "Resources": resources}
}

func (h *Handler) listUsers(ctx context.Context, q *query) result {
	sq := store.ProvisionedQuery{Offset: q.startIndex - 1, Limit: q.count, Desc: q.descending}
	if q.filter != "" {
		c, err := parseFilter(q.filter, userFields)
		if err != nil {
			return fail(err)
		}
		sq.Cond = c
	}
	if q.sortBy != "" {
		s, ok := userSorts[strings.ToLower(strings.TrimPrefix(q.sortBy, SchemaUser+":"))]
		if !ok {
			return fail(errorf(http.StatusBadRequest, "invalidValue", "users sort by userName, name.givenName, name.familyName, emails.value, active or meta.created"))
		}
		sq.Sort = s
	}
	a := actorOf(ctx)
	users, total, aerr := h.svc.ProvisionedUsers(ctx, a, sq)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, aerr))
	}
	full, aerr := h.svc.ProvisionedDetails(ctx, a, users)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, aerr))
	}
	res := make([]any, len(full))
	for i, pu := range full {
		res[i] = q.proj.apply(userResource, h.userDoc(pu))
	}
	return result{status: http.StatusOK, body: listResponse(total, q.startIndex, res)}
}

// apply keeps the attributes a projection asks for (id and schemas always).
func (p projection) apply(r *resource, doc map[string]any) map[string]any {
	if len(p.attributes) == 0 && len(p.excluded) == 0 {
		return doc
	}
	if len(p.excluded) > 0 {
		for _, name := range p.excluded {
			removeAttr(r, doc, name)
		}
		return doc
	}
	out := map[string]any{"schemas": doc["schemas"], "id": doc["id"]}
	for _, name := range p.attributes {
		copyAttr(r, doc, out, name)
	}
	return out
}

// splitName splits "urn:…:attr.sub" into the container key (the URN or ""),
// the attribute and the sub-attribute, spelled as the schema spells them.
func splitName(r *resource, name string) (ext, attrName, sub string, ok bool) {
	uri := ""
	if i := strings.LastIndex(name, ":"); i >= 0 {
		uri, name = name[:i], name[i+1:]
	}
	attrName, sub, _ = strings.Cut(name, ".")
	ext, a := r.lookup(uri, attrName)
	if a == nil {
		return "", "", "", false
	}
	if sub != "" {
		s := a.sub(sub)
		if s == nil {
			return "", "", "", false
		}
		sub = s.Name
	}
	return ext, a.Name, sub, true
}

func removeAttr(r *resource, doc map[string]any, name string) {
	ext, a, sub, ok := splitName(r, name)
	if !ok || a == "id" {
		return
	}
	c := doc
	if ext != "" {
		if c = object(doc, ext); c == nil {
			return
		}
	}
	if sub == "" {
		delete(c, a)
	} else if m := object(c, a); m != nil {
		delete(m, sub)
	} else {
		for _, item := range list(c, a) {
			if m, ok := item.(map[string]any); ok {
				delete(m, sub)
			}
		}
	}
}

func copyAttr(r *resource, doc, out map[string]any, name string) {
	ext, a, sub, ok := splitName(r, name)
	if !ok {
		return
	}
	src, dst := doc, out
	if ext != "" {
		if src = object(doc, ext); src == nil {
			return
		}
		if dst = object(out, ext); dst == nil {
			dst = map[string]any{}
			out[ext] = dst
		}
	}
	v, has := src[a]
	if !has {
		return
	}
	if sub == "" {
		dst[a] = v
		return
	}
	switch x := v.(type) {
	case map[string]any:
		m := object(dst, a)
		if m == nil {
			m = map[string]any{}
			dst[a] = m
		}
		if sv, ok := x[sub]; ok {
			m[sub] = sv
		}
	case []any:
		var l []any
		for _, item := range x {
			if im, ok := item.(map[string]any); ok {
				if sv, ok := im[sub]; ok {
					l = append(l, map[string]any{sub: sv})
				}
			}
		}
		if l != nil {
			dst[a] = l
		}
	}
}
