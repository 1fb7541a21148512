// Package scim serves SCIM 2.0 (RFC 7643, RFC 7644) at /scim/v2: Users,
// Groups, their search, PATCH and Bulk, and the discovery endpoints. It
// decodes requests, calls admin and encodes the answers; every rule lives
// in admin.
package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/logging"
)

// Prefix is where SCIM is served.
const Prefix = "/scim/v2"

// The limits the service provider configuration advertises.
const (
	MaxOperations  = 1000      // operations in one Bulk request
	MaxPayloadSize = 1 << 20   // bytes of one Bulk request
	MaxResults     = 1000      // resources in one list or search answer
	maxBody        = 256 << 10 // bytes of any other request
)

// Options configure the handler.
type Options struct {
	// BaseURL is the external address of Roster; resources' locations are
	// BaseURL + Prefix + "/Users/{id}".
	BaseURL string
	Logger  *slog.Logger
}

// Handler serves SCIM.
type Handler struct {
	svc  *admin.Service
	base string
	log  *slog.Logger
}

// New returns the SCIM handler, to be mounted at Prefix + "/".
func New(svc *admin.Service, o Options) *Handler {
	h := &Handler{svc: svc, base: strings.TrimSuffix(o.BaseURL, "/") + Prefix, log: o.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// Error is a SCIM error (RFC 7644 §3.12).
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return e.Detail }

func errorf(status int, scimType, format string, a ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, a...)}
}

func (e *Error) body() map[string]any {
	m := map[string]any{"schemas": []string{schemaError}, "status": strconv.Itoa(e.Status), "detail": e.Detail}
	if e.ScimType != "" {
		m["scimType"] = e.ScimType
	}
	return m
}

// uniqueFields are the fields whose duplicates are uniqueness errors, as
// admin names them and as SCIM does.
var uniqueFields = map[string]bool{"username": true, "email": true, "external_id": true, "name": true,
	"userName": true, "emails": true, "externalId": true, "displayName": true}

// fromAdmin turns an error of admin into a SCIM error.
func (h *Handler) fromAdmin(ctx context.Context, err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var de *directory.Error
	if !errors.As(err, &de) {
		h.log.ErrorContext(ctx, "scim request failed", "error", err)
		return errorf(http.StatusInternalServerError, "", "internal error; the request id in the logs tells more")
	}
	detail := de.Error()
	switch de.Kind {
	case directory.KindInvalid:
		return errorf(http.StatusBadRequest, "invalidValue", "%s", detail)
	case directory.KindNotFound:
		return errorf(http.StatusNotFound, "", "%s", detail)
	case directory.KindConflict:
		for _, f := range de.Fields {
			if uniqueFields[f.Field] && strings.Contains(f.Message, "already used") {
				return errorf(http.StatusConflict, "uniqueness", "%s", detail)
			}
		}
		return errorf(http.StatusConflict, "", "%s", detail)
	case directory.KindPrecondition:
		return errorf(http.StatusPreconditionFailed, "", "%s", detail)
	case directory.KindForbidden:
		return errorf(http.StatusForbidden, "", "%s", detail)
	case directory.KindUnauthorized:
		return errorf(http.StatusUnauthorized, "", "%s", detail)
	}
	h.log.ErrorContext(ctx, "scim request failed", "error", err)
	return errorf(http.StatusInternalServerError, "", "internal error")
}

type actorKey struct{}

func actorOf(ctx context.Context) *admin.Actor {
	a, _ := ctx.Value(actorKey{}).(*admin.Actor)
	return a
}

// ServeHTTP authenticates the request and routes it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	if path == r.URL.Path {
		h.write(w, nil, errorf(http.StatusNotFound, "", "no such endpoint"))
		return
	}
	if disc, derr, ok := h.discovery(r.Method, path); ok {
		h.write(w, disc, derr)
		return
	}
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster-scim"`)
		h.write(w, nil, errorf(http.StatusUnauthorized, "", "send an API token as Authorization: Bearer <token>"))
		return
	}
	a, err := h.svc.AuthenticateToken(ctx, strings.TrimSpace(secret), clientIP(r.RemoteAddr), logging.RequestID(ctx))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster-scim"`)
		h.write(w, nil, h.fromAdmin(ctx, err))
		return
	}
	logging.SetActor(ctx, a.OrgID, a.UserID)
	if !a.Can("scim.provision") {
		h.write(w, nil, errorf(http.StatusForbidden, "", "this token's role does not allow scim.provision"))
		return
	}
	ctx = context.WithValue(ctx, actorKey{}, a)
	limit := int64(maxBody)
	if path == "/Bulk" {
		limit = MaxPayloadSize
	}
	body, rerr := readBody(r, limit)
	if rerr != nil {
		h.write(w, nil, rerr)
		return
	}
	res := h.route(ctx, &request{method: r.Method, path: path, query: r.URL.Query(), body: body,
		ifMatch: r.Header.Get("If-Match"), ifNoneMatch: r.Header.Get("If-None-Match")})
	if res.location != "" && res.status == http.StatusCreated {
		w.Header().Set("Location", res.location)
	}
	if res.version != "" {
		w.Header().Set("ETag", res.version)
	}
	if res.err == nil && res.status == http.StatusNotModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if res.err == nil && res.status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.writeStatus(w, res.status, res.body, res.err)
}

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// readBody reads at most limit bytes of the body; a longer one is 413.
func readBody(r *http.Request, limit int64) ([]byte, *Error) {
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodDelete {
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		mt = strings.TrimSpace(strings.ToLower(mt))
		if mt != "application/scim+json" && mt != "application/json" {
			return nil, errorf(http.StatusUnsupportedMediaType, "", "send application/scim+json (or application/json), not %s", mt)
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "cannot read the request body")
	}
	if int64(len(b)) > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", limit)
	}
	return b, nil
}

func (h *Handler) write(w http.ResponseWriter, body any, err *Error) {
	h.writeStatus(w, http.StatusOK, body, err)
}

func (h *Handler) writeStatus(w http.ResponseWriter, status int, body any, err *Error) {
	if err != nil {
		status, body = err.Status, err.body()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if e := enc.Encode(body); e != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"schemas":["` + schemaError + `"],"status":"500","detail":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// request is one SCIM operation, from HTTP or from a Bulk request.
type request struct {
	method      string
	path        string
	query       map[string][]string
	body        []byte
	ifMatch     string
	ifNoneMatch string
}

// result is the answer to a request.
type result struct {
	status   int
	body     any
	location string
	version  string
	err      *Error
}

func fail(err *Error) result { return result{err: err} }

// route dispatches a request to its operation.
func (h *Handler) route(ctx context.Context, r *request) result {
	if !utf8.ValidString(r.path) || strings.ContainsRune(r.path, 0) {
		return fail(errorf(http.StatusNotFound, "", "no such resource"))
	}
	parts := strings.Split(strings.Trim(r.path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "Bulk" && r.method == http.MethodPost:
		return h.bulk(ctx, r)
	case len(parts) == 2 && parts[1] == ".search" && r.method == http.MethodPost && (parts[0] == "Users" || parts[0] == "Groups"):
		return h.search(ctx, parts[0], r)
	case len(parts) == 1 && parts[0] == ".search" && r.method == http.MethodPost:
		return fail(errorf(http.StatusForbidden, "", "search one resource type at a time: POST /Users/.search or /Groups/.search"))
	case parts[0] == "Users":
		return h.users(ctx, parts[1:], r)
	case parts[0] == "Groups":
		return h.groups(ctx, parts[1:], r)
	case parts[0] == "Me":
		return fail(errorf(http.StatusNotImplemented, "", "/Me is not supported; a token acts for a provisioning client, not a person"))
	}
	return fail(errorf(http.StatusNotFound, "", "no such endpoint: %s %s", r.method, r.path))
}

func methodNotAllowed(r *request) result {
	return fail(errorf(http.StatusMethodNotAllowed, "", "%s is not allowed on %s", r.method, r.path))
}

// etag is the version of a resource as an entity tag.
func etag(version int64) string { return fmt.Sprintf(`W/"%d"`, version) }

// matchVersion reads an If-Match header: 0 for none or "*", the version it
// names, or an error for a tag Roster never issued (which cannot match).
func matchVersion(h string) (int64, *Error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, nil
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if n, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, errorf(http.StatusPreconditionFailed, "", "the resource has changed: If-Match %s does not match its version", h)
}

// noneMatch reports whether an If-None-Match header names version.
func noneMatch(h string, version int64) bool {
	h = strings.TrimSpace(h)
	if h == "*" {
		return true
	}
	for _, tag := range strings.Split(h, ",") {
		if strings.TrimPrefix(strings.TrimSpace(tag), "W/") == fmt.Sprintf(`"%d"`, version) {
			return true
		}
	}
	return false
}

// decode reads a JSON object body.
func decode(body []byte) (map[string]any, *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "the request needs a JSON body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "the body is not a JSON object: %v", err)
	}
	if dec.More() {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "the body holds more than one JSON value")
	}
	if m == nil {
		return nil, errorf(http.StatusBadRequest, "invalidSyntax", "the body must be a JSON object")
	}
	return m, nil
}
