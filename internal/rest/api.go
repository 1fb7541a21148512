// Package rest serves Roster's REST API under /api/v1 with huma: OpenAPI 3.1
// at /api/v1/openapi.json, JSON bodies with snake_case fields, RFC 9457
// problem details for every error. Handlers decode, call one admin method
// and encode; the rules live in admin.
package rest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/logging"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Handler serves the REST API.
type Handler struct {
	mux *http.ServeMux
	api huma.API
	svc *admin.Service
	log *slog.Logger
}

// Options configure the API.
type Options struct {
	Version      string
	MaxBodyBytes int64
	Logger       *slog.Logger
}

type actorKey struct{}

// New builds the API around the admin service.
func New(svc *admin.Service, o Options) *Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("Roster API", o.Version)
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.OpenAPIPath = Prefix + "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = Prefix + "/schemas"
	cfg.RejectUnknownQueryParameters = true
	cfg.Info.Description = "Users, units, tokens and the audit log of one organization. " +
		"Authenticate with `Authorization: Bearer <token>`; the organization is the token's."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token made with `roster token create` or POST /api/v1/tokens."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	api := humago.New(mux, cfg)
	h := &Handler{mux: mux, api: api, svc: svc, log: o.Logger}
	api.UseMiddleware(h.authenticate)
	h.registerUsers(o.MaxBodyBytes)
	h.registerUserExtras()
	h.registerUnits(o.MaxBodyBytes)
	h.registerSettings(o.MaxBodyBytes)
	h.registerTokens(o.MaxBodyBytes)
	h.registerAudit()
	h.registerAccess(o.MaxBodyBytes)
	h.registerGroups(o.MaxBodyBytes)
	h.registerRelationships(o.MaxBodyBytes)
	h.registerResources(o.MaxBodyBytes)
	h.registerCredentials(o.MaxBodyBytes)
	h.registerInvitations(o.MaxBodyBytes)
	h.registerMail()
	h.registerImports()
	h.registerExports()
	return h
}

// ServeHTTP serves a request whose path starts with /api/v1/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// OpenAPI returns the API description.
func (h *Handler) OpenAPI() *huma.OpenAPI { return h.api.OpenAPI() }

// authenticate resolves the bearer token to an actor for every operation.
func (h *Handler) authenticate(ctx huma.Context, next func(huma.Context)) {
	authz := ctx.Header("Authorization")
	scheme, secret, _ := strings.Cut(authz, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		h.writeProblem(ctx, &Problem{Status: http.StatusUnauthorized, Title: "Unauthorized",
			Detail: "send an API token as Authorization: Bearer <token>"})
		return
	}
	rctx := ctx.Context()
	a, err := h.svc.AuthenticateToken(rctx, strings.TrimSpace(secret), clientIP(ctx.RemoteAddr()), logging.RequestID(rctx))
	if err != nil {
		h.writeProblem(ctx, h.problem(rctx, err))
		return
	}
	logging.SetActor(rctx, a.OrgID, a.UserID)
	next(huma.WithValue(ctx, actorKey{}, a))
}

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

func actorOf(ctx context.Context) *admin.Actor {
	a, _ := ctx.Value(actorKey{}).(*admin.Actor)
	return a
}

func (h *Handler) writeProblem(ctx huma.Context, p *Problem) {
	if p.Status == http.StatusUnauthorized {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="roster"`)
	}
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	_ = json.NewEncoder(ctx.BodyWriter()).Encode(p)
}

// Problem is an RFC 9457 problem detail. Validation problems list each field
// in errors; a clash on a unique field names the user who holds the value.
type Problem struct {
	Type         string              `json:"type,omitempty" doc:"A URI naming the kind of problem"`
	Title        string              `json:"title" doc:"A short summary of the kind of problem"`
	Status       int                 `json:"status" doc:"The HTTP status code"`
	Detail       string              `json:"detail,omitempty" doc:"What went wrong, for a person"`
	Errors       []*huma.ErrorDetail `json:"errors,omitempty" doc:"One entry per offending field; location is like body.email"`
	ExistingUser *directory.UserRef  `json:"existing_user,omitempty" doc:"The user who already holds a unique value"`
}

func (p *Problem) Error() string { return p.Detail }

// GetStatus gives huma the status code.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer application/problem+json.
func (p *Problem) ContentType(string) string { return "application/problem+json" }

// problem maps an error to its problem detail: the one place where domain
// error kinds meet HTTP.
func (h *Handler) problem(ctx context.Context, err error) *Problem {
	var de *directory.Error
	if !errors.As(err, &de) {
		if errors.Is(err, context.Canceled) {
			return &Problem{Status: 499, Title: "Client Closed Request"}
		}
		h.log.ErrorContext(ctx, "request failed", "error", err)
		return &Problem{Status: http.StatusInternalServerError, Title: "Internal Server Error",
			Detail: "something went wrong on our side; the request id in X-Request-ID helps find it in the log"}
	}
	status := map[directory.Kind]int{
		directory.KindInvalid:      http.StatusUnprocessableEntity,
		directory.KindNotFound:     http.StatusNotFound,
		directory.KindConflict:     http.StatusConflict,
		directory.KindForbidden:    http.StatusForbidden,
		directory.KindUnauthorized: http.StatusUnauthorized,
		directory.KindPrecondition: http.StatusPreconditionFailed,
		directory.KindTooLarge:     http.StatusRequestEntityTooLarge,
	}[de.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: de.Message, ExistingUser: de.Existing}
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message})
	}
	return p
}

// fail turns an admin error into the error huma writes.
func (h *Handler) fail(ctx context.Context, err error) error { return h.problem(ctx, err) }

// failIn is fail for input that is not in the JSON body: the field errors
// named in fields (all of them when none are named) are located in "query"
// or "path" instead, so that they point at the parameter the client sent.
func (h *Handler) failIn(ctx context.Context, err error, in string, fields ...string) error {
	p := h.problem(ctx, err)
	for _, e := range p.Errors {
		name := strings.TrimPrefix(e.Location, "body.")
		if len(fields) == 0 || slices.Contains(fields, name) {
			e.Location = in + "." + name
		}
	}
	return p
}

// invalid is a 422 problem about query or path parameters.
func invalid(location, message string) *Problem {
	return &Problem{Status: http.StatusUnprocessableEntity, Title: http.StatusText(http.StatusUnprocessableEntity),
		Detail: "validation failed", Errors: []*huma.ErrorDetail{{Location: location, Message: message}}}
}

// etag renders a version as an entity tag.
func etag(version int64) string { return fmt.Sprintf(`"v%d"`, version) }

// ifMatch reads an If-Match header: 0 when absent or "*", the version it
// names otherwise, and -1 when it names no version of ours (which never
// matches, so the write answers 412).
func ifMatch(h string) int64 {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0
	}
	h = strings.TrimPrefix(h, "W/")
	h = strings.Trim(h, `"`)
	if !strings.HasPrefix(h, "v") {
		return -1
	}
	n, err := strconv.ParseInt(h[1:], 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// encodeCursor makes an opaque page token from any JSON value.
func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a page token made by encodeCursor.
func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// triState reads an optional boolean query parameter.
func triState(name, s string) (*bool, *Problem) {
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, invalid("query."+name, "must be true or false")
	}
	return &b, nil
}

// itemsOutput is the answer of a list that fits in one page:
// {"items": [...]}.
type itemsOutput[T any] struct {
	Body struct {
		Items []T `json:"items"`
	}
}

// itemsOf puts the wire form of each element of list into an itemsOutput.
func itemsOf[S, T any](list []S, wire func(S) T) *itemsOutput[T] {
	out := &itemsOutput[T]{}
	out.Body.Items = make([]T, 0, len(list))
	for _, x := range list {
		out.Body.Items = append(out.Body.Items, wire(x))
	}
	return out
}
