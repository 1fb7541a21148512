package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
)

// scimNames spell Roster's field names (in admin's validation errors) as
// SCIM names the attributes.
var scimNames = map[string]string{
	"username": "userName", "email": "emails", "first_name": "name.givenName", "last_name": "name.familyName",
	"display_name": "displayName", "phone": "phoneNumbers", "job_title": "title", "external_id": "externalId",
	"address.street": "addresses.streetAddress", "address.locality": "addresses.locality", "address.region": "addresses.region",
	"address.postal_code": "addresses.postalCode", "address.country": "addresses.country",
	"supervisor_id": SchemaEnterprise + ":manager", "department_id": SchemaEnterprise + ":department", "name": "displayName",
}

// renameFields rewrites a validation error of admin with SCIM's names.
func renameFields(err error) error {
	var de *directory.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	out := *de
	out.Fields = make([]directory.FieldError, len(de.Fields))
	for i, f := range de.Fields {
		if n, ok := scimNames[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	if de.Kind == directory.KindInvalid {
		parts := make([]string, len(out.Fields))
		for i, f := range out.Fields {
			parts[i] = f.Field + " " + f.Message
		}
		out.Message = strings.Join(parts, "; ")
	}
	return &out
}

func (h *Handler) location(kind, id string) string { return h.base + "/" + kind + "/" + id }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// userDoc is the SCIM document of a provisioned user.
func (h *Handler) userDoc(pu *admin.ProvisionedUser) map[string]any {
	u := pu.User
	doc := cloneMap(pu.Provisioning.Extra)
	doc["schemas"] = []any{SchemaUser}
	doc["id"] = u.ID
	setOrDelete(doc, "externalId", u.ExternalID)
	doc["userName"] = u.Username
	name := object(doc, "name")
	if name == nil {
		name = map[string]any{}
	}
	setOrDelete(name, "givenName", u.FirstName)
	setOrDelete(name, "familyName", u.LastName)
	if text(name, "formatted") == "" {
		setOrDelete(name, "formatted", strings.TrimSpace(u.FirstName+" "+u.LastName))
	}
	doc["name"] = name
	setOrDelete(doc, "displayName", u.DisplayName)
	setOrDelete(doc, "title", u.JobTitle)
	doc["active"] = u.Status != directory.StatusInactive
	kept := func(key, value, typ string, extra map[string]any) {
		rest := list(doc, key)
		if value == "" && len(extra) == 0 {
			if len(rest) == 0 {
				delete(doc, key)
			}
			return
		}
		first := map[string]any{"primary": true}
		for k, v := range extra {
			first[k] = v
		}
		setOrDelete(first, "value", value)
		setOrDelete(first, "type", typ)
		doc[key] = append([]any{first}, rest...)
	}
	kept("emails", u.Email, pu.Provisioning.EmailType, nil)
	kept("phoneNumbers", u.Phone, pu.Provisioning.PhoneType, nil)
	if ad := u.Address; ad != (directory.Address{}) {
		parts := map[string]any{}
		setOrDelete(parts, "streetAddress", ad.Street)
		setOrDelete(parts, "locality", ad.Locality)
		setOrDelete(parts, "region", ad.Region)
		setOrDelete(parts, "postalCode", ad.PostalCode)
		setOrDelete(parts, "country", ad.Country)
		var lines []string
		for _, s := range []string{ad.Street, strings.TrimSpace(ad.PostalCode + " " + ad.Locality), ad.Region, ad.Country} {
			if s != "" {
				lines = append(lines, s)
			}
		}
		parts["formatted"] = strings.Join(lines, "\n")
		kept("addresses", "", pu.Provisioning.AddressType, parts)
	} else {
		kept("addresses", "", "", nil)
	}
	if len(pu.Groups) > 0 {
		groups := make([]any, len(pu.Groups))
		for i, g := range pu.Groups {
			groups[i] = map[string]any{"value": g.ID, "display": g.Name, "$ref": h.location("Groups", g.ID), "type": "direct"}
		}
		doc["groups"] = groups
	}
	ent := object(doc, SchemaEnterprise)
	if u.SupervisorID != "" {
		if ent == nil {
			ent = map[string]any{}
		}
		ent["manager"] = map[string]any{"value": u.SupervisorID, "$ref": h.location("Users", u.SupervisorID)}
	}
	if len(ent) > 0 {
		doc[SchemaEnterprise] = ent
		doc["schemas"] = []any{SchemaUser, SchemaEnterprise}
	} else {
		delete(doc, SchemaEnterprise)
	}
	doc["meta"] = map[string]any{"resourceType": "User", "created": stamp(u.CreatedAt), "lastModified": stamp(u.UpdatedAt),
		"location": h.location("Users", u.ID), "version": etag(u.Version)}
	return doc
}

// userInput reads a canonical user document into what admin takes: the
// fields Roster keeps in columns, and the rest as the client's extra
// attributes.
func userInput(doc map[string]any) (*admin.ProvisionInput, *Error) {
	extra := cloneMap(doc)
	for _, k := range []string{"schemas", "id", "meta", "groups", "userName", "externalId", "displayName", "title", "active"} {
		delete(extra, k)
	}
	in := &admin.ProvisionInput{Username: strings.TrimSpace(text(doc, "userName")), ExternalID: text(doc, "externalId"),
		DisplayName: text(doc, "displayName"), JobTitle: text(doc, "title")}
	if in.Username == "" {
		return nil, errorf(http.StatusBadRequest, "invalidValue", "userName is required")
	}
	if b, ok := doc["active"].(bool); ok {
		in.Active = &b
	}
	if name := object(doc, "name"); name != nil {
		in.FirstName, in.LastName = text(name, "givenName"), text(name, "familyName")
		rest := object(extra, "name")
		delete(rest, "givenName")
		delete(rest, "familyName")
		if f := text(rest, "formatted"); f == strings.TrimSpace(in.FirstName+" "+in.LastName) {
			delete(rest, "formatted")
		}
		if len(rest) == 0 {
			delete(extra, "name")
		}
	}
	if in.FirstName == "" && in.LastName == "" {
		// Some clients send only a display or formatted name.
		full := in.DisplayName
		if name := object(doc, "name"); full == "" && name != nil {
			full = text(name, "formatted")
		}
		if i := strings.LastIndex(strings.TrimSpace(full), " "); i > 0 {
			full = strings.TrimSpace(full)
			in.FirstName, in.LastName = strings.TrimSpace(full[:i]), strings.TrimSpace(full[i+1:])
		}
	}
	primary := func(key string) map[string]any {
		l := list(doc, key)
		i := pickPrimary(l)
		if i < 0 {
			delete(extra, key)
			return nil
		}
		rest := append(append([]any{}, l[:i]...), l[i+1:]...)
		if len(rest) == 0 {
			delete(extra, key)
		} else {
			extra[key] = clone(rest)
		}
		m, _ := l[i].(map[string]any)
		return m
	}
	if e := primary("emails"); e != nil {
		in.Email, in.EmailType = text(e, "value"), text(e, "type")
	}
	if p := primary("phoneNumbers"); p != nil {
		in.Phone, in.PhoneType = text(p, "value"), text(p, "type")
	}
	if a := primary("addresses"); a != nil {
		in.Address = directory.Address{Street: text(a, "streetAddress"), Locality: text(a, "locality"), Region: text(a, "region"),
			PostalCode: text(a, "postalCode"), Country: text(a, "country")}
		in.AddressType = text(a, "type")
	}
	if ent := object(doc, SchemaEnterprise); ent != nil {
		in.Department = text(ent, "department")
		if m := object(ent, "manager"); m != nil {
			in.SupervisorID = text(m, "value")
		}
		rest := object(extra, SchemaEnterprise)
		delete(rest, "manager")
		if len(rest) == 0 {
			delete(extra, SchemaEnterprise)
		}
	}
	for k, v := range extra {
		if v == nil {
			delete(extra, k)
		}
	}
	in.Extra = extra
	return in, nil
}

// users serves /Users and /Users/{id}.
func (h *Handler) users(ctx context.Context, rest []string, r *request) result {
	a := actorOf(ctx)
	if len(rest) == 0 {
		switch r.method {
		case http.MethodGet:
			q, err := queryFromURL(r.query)
			if err != nil {
				return fail(err)
			}
			return h.listUsers(ctx, q)
		case http.MethodPost:
			return h.createUser(ctx, r.body)
		}
		return methodNotAllowed(r)
	}
	if len(rest) != 1 || rest[0] == "" {
		return fail(errorf(http.StatusNotFound, "", "no such endpoint: %s", r.path))
	}
	id := rest[0]
	switch r.method {
	case http.MethodGet:
		pu, err := h.svc.ProvisionedUserByID(ctx, a, id)
		if err != nil {
			return fail(h.fromAdmin(ctx, err))
		}
		if r.ifNoneMatch != "" && noneMatch(r.ifNoneMatch, pu.Version) {
			return result{status: http.StatusNotModified, version: etag(pu.Version)}
		}
		proj, perr := projectionFromURL(r.query)
		if perr != nil {
			return fail(perr)
		}
		return result{status: http.StatusOK, body: proj.apply(userResource, h.userDoc(pu)), version: etag(pu.Version)}
	case http.MethodPut:
		return h.replaceUser(ctx, id, r)
	case http.MethodPatch:
		return h.patchUser(ctx, id, r)
	case http.MethodDelete:
		v, verr := matchVersion(r.ifMatch)
		if verr != nil {
			return fail(verr)
		}
		if _, err := h.svc.DeprovisionUser(ctx, a, id, v); err != nil {
			return fail(h.fromAdmin(ctx, err))
		}
		return result{status: http.StatusNoContent}
	}
	return methodNotAllowed(r)
}

func (h *Handler) userResult(status int, pu *admin.ProvisionedUser) result {
	return result{status: status, body: h.userDoc(pu), version: etag(pu.Version), location: h.location("Users", pu.ID)}
}

func (h *Handler) createUser(ctx context.Context, body []byte) result {
	doc, err := readDoc(userResource, body)
	if err != nil {
		return fail(err)
	}
	in, err := userInput(doc)
	if err != nil {
		return fail(err)
	}
	pu, _, aerr := h.svc.ProvisionUser(ctx, actorOf(ctx), in)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, renameFields(aerr)))
	}
	return h.userResult(http.StatusCreated, pu)
}

func (h *Handler) replaceUser(ctx context.Context, id string, r *request) result {
	v, verr := matchVersion(r.ifMatch)
	if verr != nil {
		return fail(verr)
	}
	doc, err := readDoc(userResource, r.body)
	if err != nil {
		return fail(err)
	}
	if sent := text(doc, "id"); sent != "" && sent != id {
		return fail(errorf(http.StatusBadRequest, "mutability", "id is read-only: the body names %s, the path %s", sent, id))
	}
	in, err := userInput(doc)
	if err != nil {
		return fail(err)
	}
	pu, aerr := h.svc.ReplaceProvisionedUser(ctx, actorOf(ctx), id, v, in)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, renameFields(aerr)))
	}
	return h.userResult(http.StatusOK, pu)
}

// patchUser applies a PATCH to the user's document and saves the result as
// a replacement, in one transaction: all operations or none.
func (h *Handler) patchUser(ctx context.Context, id string, r *request) result {
	v, verr := matchVersion(r.ifMatch)
	if verr != nil {
		return fail(verr)
	}
	ops, err := patchOps(r.body)
	if err != nil {
		return fail(err)
	}
	a := actorOf(ctx)
	pu, aerr := h.svc.ProvisionedUserByID(ctx, a, id)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, aerr))
	}
	if v != 0 && v != pu.Version {
		return fail(errorf(http.StatusPreconditionFailed, "", "the user has changed since version %d; read it again", v))
	}
	doc := h.userDoc(pu)
	if err := applyPatch(userResource, doc, ops); err != nil {
		return fail(err)
	}
	in, err := userInput(doc)
	if err != nil {
		return fail(err)
	}
	out, aerr := h.svc.ReplaceProvisionedUser(ctx, a, id, pu.Version, in)
	if aerr != nil {
		return fail(h.fromAdmin(ctx, renameFields(aerr)))
	}
	return h.userResult(http.StatusOK, out)
}
