package scim

import (
	"context"
	"net/http"
	"strings"

	"roster/internal/admin"
	"roster/internal/store"
)

// groupDoc is the SCIM document of a provisioned group; members are left
// out when they were not loaded.
func (h *Handler) groupDoc(g *admin.ProvisionedGroupView, withMembers bool) map[string]any {
	doc := map[string]any{"schemas": []any{SchemaGroup}, "id": g.ID, "displayName": g.Name,
		"meta": map[string]any{"resourceType": "Group", "created": stamp(g.CreatedAt), "lastModified": stamp(g.UpdatedAt),
			"location": h.location("Groups", g.ID), "version": etag(g.Version)}}
	setOrDelete(doc, "externalId", g.ExternalID)
	if withMembers {
		members := make([]any, len(g.Members))
		for i, m := range g.Members {
			members[i] = map[string]any{"value": m.ID, "display": m.Name, "type": "User", "$ref": h.location("Users", m.ID)}
		}
		doc["members"] = members
	}
	return doc
}

// groupInput reads a canonical group document.
func groupInput(doc map[string]any) (admin.ProvisionGroupInput, *Error) {
	in := admin.ProvisionGroupInput{Name: strings.TrimSpace(text(doc, "displayName")), ExternalID: text(doc, "externalId")}
	if in.Name == "" {
		return in, errorf(http.StatusBadRequest, "invalidValue", "displayName is required")
	}
	ids, err := memberIDs(doc)
	in.MemberIDs = ids
	return in, err
}

func memberIDs(doc map[string]any) ([]string, *Error) {
	var ids []string
	for _, item := range list(doc, "members") {
		m, _ := item.(map[string]any)
		id := text(m, "value")
		if id == "" {
			return nil, errorf(http.StatusBadRequest, "invalidValue", "every member needs a value (the id of a User)")
		}
		if t := text(m, "type"); t != "" && !strings.EqualFold(t, "User") {
			return nil, errorf(http.StatusBadRequest, "invalidValue", "members of Roster groups are users, not %s", t)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// wantsMembers reports whether a projection asks for the members.
func (p projection) wantsMembers() bool {
	for _, e := range p.excluded {
		if strings.EqualFold(e, "members") {
			return false
		}
	}
	if len(p.attributes) == 0 {
		return true
	}
	for _, a := range p.attributes {
		if strings.EqualFold(a, "members") || strings.HasPrefix(strings.ToLower(a), "members.") {
			return true
		}
	}
	return false
}

// groups serves /Groups and /Groups/{id}.
func (h *Handler) groups(ctx context.Context, rest []string, r *request) result {
	a := actorOf(ctx)
	if len(rest) == 0 {
		switch r.method {
		case http.MethodGet:
			q, err := queryFromURL(r.query)
			if err != nil {
				return fail(err)
			}
			return h.listGroups(ctx, q)
		case http.MethodPost:
			doc, err := readDoc(groupResource, r.body)
			if err != nil {
				return fail(err)
			}
			in, err := groupInput(doc)
			if err != nil {
				return fail(err)
			}
			g, aerr := h.svc.ProvisionGroup(ctx, a, in)
			if aerr != nil {
				return fail(h.fromAdmin(ctx, renameFields(aerr)))
			}
			return h.groupResult(http.StatusCreated, g)
		}
		return methodNotAllowed(r)
	}
	if len(rest) != 1 || rest[0] == "" {
		return fail(errorf(http.StatusNotFound, "", "no such endpoint: %s", r.path))
	}
	id := rest[0]
	switch r.method {
	case http.MethodGet:
		proj, perr := projectionFromURL(r.query)
		if perr != nil {
			return fail(perr)
		}
		g, err := h.svc.ProvisionedGroupByID(ctx, a, id, proj.wantsMembers())
		if err != nil {
			return fail(h.fromAdmin(ctx, err))
		}
		if r.ifNoneMatch != "" && noneMatch(r.ifNoneMatch, g.Version) {
			return result{status: http.StatusNotModified, version: etag(g.Version)}
		}
		return result{status: http.StatusOK, body: proj.apply(groupResource, h.groupDoc(g, proj.wantsMembers())), version: etag(g.Version)}
	case http.MethodPut:
		v, verr := matchVersion(r.ifMatch)
		if verr != nil {
			return fail(verr)
		}
		doc, err := readDoc(groupResource, r.body)
		if err != nil {
			return fail(err)
		}
		return h.saveGroup(ctx, id, v, doc)
	case http.MethodPatch:
		return h.patchGroup(ctx, id, r)
	case http.MethodDelete:
		v, verr := matchVersion(r.ifMatch)
		if verr != nil {
			return fail(verr)
		}
		if err := h.svc.DeleteProvisionedGroup(ctx, a, id, v); err != nil {
			return fail(h.fromAdmin(ctx, err))
		}
		return result{status: http.StatusNoContent}
	}
	return methodNotAllowed(r)
}

func (h *Handler) groupResult(status int, g *admin.ProvisionedGroupView) result {
	return result{status: status, body: h.groupDoc(g, true), version: etag(g.Version), location: h.location("Groups", g.ID)}
}

// patchGroup applies a PATCH to the group's document and saves the
// difference (name, externalId, members added and removed) in one
// transaction.
func (h *Handler) patchGroup(ctx context.Context, id string, r *request) result {
	v, verr := matchVersion(r.ifMatch)
	if verr != nil {
		return fail(verr)
	}
	ops, err := patchOps(r.body)
	if err != nil {
		return fail(err)
	}
	a := actorOf(ctx)
	g, aerr := h.svc.ProvisionedGroupByID(ctx, a, id, true)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, aerr))
	}
	if v != 0 && v != g.Version {
		return fail(errorf(http.StatusPreconditionFailed, "", "the group has changed since version %d; read it again", v))
	}
	doc := h.groupDoc(g, true)
	if err := applyPatch(groupResource, doc, ops); err != nil {
		return fail(err)
	}
	// Entra ID and Okta read nothing back from a group PATCH; RFC 7644
	// allows 204, but the resource is more useful to a person testing.
	return h.saveGroup(ctx, id, g.Version, doc)
}

// saveGroup gives a group the name, externalId and members of doc, a
// canonical group document, if its version is still version (0: any).
func (h *Handler) saveGroup(ctx context.Context, id string, version int64, doc map[string]any) result {
	in, err := groupInput(doc)
	if err != nil {
		return fail(err)
	}
	members := in.MemberIDs
	if members == nil {
		members = []string{}
	}
	out, aerr := h.svc.ChangeProvisionedGroup(ctx, actorOf(ctx), id, version,
		admin.ProvisionGroupChange{Name: &in.Name, ExternalID: &in.ExternalID, Members: &members})
	if aerr != nil {
		return fail(h.fromAdmin(ctx, renameFields(aerr)))
	}
	return h.groupResult(http.StatusOK, out)
}

// groupSorts are the attributes groups sort by.
var groupSorts = map[string]store.UserSort{"displayname": "", "meta.created": store.SortCreated}

func (h *Handler) listGroups(ctx context.Context, q *query) result {
	sq := store.ProvisionedQuery{Offset: q.startIndex - 1, Limit: q.count, Desc: q.descending}
	if q.filter != "" {
		c, err := parseFilter(q.filter, groupFields)
		if err != nil {
			return fail(err)
		}
		sq.Cond = c
	}
	if q.sortBy != "" {
		s, ok := groupSorts[strings.ToLower(strings.TrimPrefix(q.sortBy, SchemaGroup+":"))]
		if !ok {
			return fail(errorf(http.StatusBadRequest, "invalidValue", "groups sort by displayName or meta.created"))
		}
		sq.Sort = s
	}
	a := actorOf(ctx)
	groups, ext, total, aerr := h.svc.ProvisionedGroups(ctx, a, sq)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, aerr))
	}
	withMembers := q.proj.wantsMembers()
	res := make([]any, len(groups))
	for i, g := range groups {
		view := &admin.ProvisionedGroupView{Group: g, ExternalID: ext[g.ID]}
		if withMembers {
			full, err := h.svc.ProvisionedGroupByID(ctx, a, g.ID, true)
			if err != nil {
				return fail(h.fromAdmin(ctx, err))
			}
			view = full
		}
		res[i] = q.proj.apply(groupResource, h.groupDoc(view, withMembers))
	}
	return result{status: http.StatusOK, body: listResponse(total, q.startIndex, res)}
}
