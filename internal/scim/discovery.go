package scim

import (
	"net/http"
	"strings"
)

// discovery answers the discovery endpoints (RFC 7644 §4), which need no
// token: they describe the service, not an organization.
func (h *Handler) discovery(method, path string) (any, *Error, bool) {
	if method != http.MethodGet {
		return nil, nil, false
	}
	switch {
	case path == "/ServiceProviderConfig":
		return h.serviceProviderConfig(), nil, true
	case path == "/ResourceTypes":
		return listResponse(2, 1, []any{h.resourceType(userResource), h.resourceType(groupResource)}), nil, true
	case strings.HasPrefix(path, "/ResourceTypes/"):
		switch strings.TrimPrefix(path, "/ResourceTypes/") {
		case "User":
			return h.resourceType(userResource), nil, true
		case "Group":
			return h.resourceType(groupResource), nil, true
		}
		return nil, errorf(http.StatusNotFound, "", "no such resource type"), true
	case path == "/Schemas":
		all := []*schema{userSchema, enterpriseSchema, groupSchema}
		out := make([]any, len(all))
		for i, s := range all {
			out[i] = h.schemaDoc(s)
		}
		return listResponse(len(out), 1, out), nil, true
	case strings.HasPrefix(path, "/Schemas/"):
		id := strings.TrimPrefix(path, "/Schemas/")
		for _, s := range []*schema{userSchema, enterpriseSchema, groupSchema} {
			if s.ID == id {
				return h.schemaDoc(s), nil, true
			}
		}
		return nil, errorf(http.StatusNotFound, "", "no such schema"), true
	}
	return nil, nil, false
}

func (h *Handler) serviceProviderConfig() map[string]any {
	return map[string]any{
		"schemas":        []string{schemaSPConfig},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": true, "maxOperations": MaxOperations, "maxPayloadSize": MaxPayloadSize},
		"filter":         map[string]any{"supported": true, "maxResults": MaxResults},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": true},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "An API token of Roster whose role holds scim.provision, sent as Authorization: Bearer <token>",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base + "/ServiceProviderConfig"},
	}
}

func (h *Handler) resourceType(r *resource) map[string]any {
	out := map[string]any{
		"schemas": []string{schemaResType}, "id": r.Name, "name": r.Name, "endpoint": r.Endpoint,
		"description": r.Core.Description, "schema": r.Core.ID,
		"meta": map[string]any{"resourceType": "ResourceType", "location": h.base + "/ResourceTypes/" + r.Name},
	}
	if len(r.Extensions) > 0 {
		exts := make([]any, len(r.Extensions))
		for i, e := range r.Extensions {
			exts[i] = map[string]any{"schema": e.ID, "required": false}
		}
		out["schemaExtensions"] = exts
	}
	return out
}

func (h *Handler) schemaDoc(s *schema) map[string]any {
	attrs := make([]any, len(s.Attrs))
	for i, a := range s.Attrs {
		attrs[i] = attrDoc(a)
	}
	return map[string]any{"schemas": []string{schemaSchema}, "id": s.ID, "name": s.Name, "description": s.Description,
		"attributes": attrs, "meta": map[string]any{"resourceType": "Schema", "location": h.base + "/Schemas/" + s.ID}}
}

// attrDoc describes an attribute as RFC 7643 §7 lays it out, with the
// defaults written out.
func attrDoc(a *attr) map[string]any {
	or := func(s, d string) string {
		if s == "" {
			return d
		}
		return s
	}
	m := map[string]any{"name": a.Name, "type": a.Type, "multiValued": a.Multi, "description": a.Description,
		"required": a.Required, "mutability": or(a.Mutability, "readWrite"), "returned": or(a.Returned, "default")}
	if a.Type == "string" || a.Type == "reference" || a.Type == "binary" {
		m["caseExact"] = a.CaseExact
		m["uniqueness"] = or(a.Uniqueness, "none")
	}
	if len(a.Canonical) > 0 {
		m["canonicalValues"] = a.Canonical
	}
	if len(a.RefTypes) > 0 {
		m["referenceTypes"] = a.RefTypes
	}
	if len(a.Sub) > 0 {
		subs := make([]any, len(a.Sub))
		for i, s := range a.Sub {
			subs[i] = attrDoc(s)
		}
		m["subAttributes"] = subs
	}
	return m
}
