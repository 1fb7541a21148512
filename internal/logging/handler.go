package logging

import (
	"context"
	"io"
	"log/slog"
)

// Attribute keys added by the context handler.
const (
	KeyRequestID = "request_id"
	KeyOrgID     = "org_id"
	KeyActorID   = "actor_id"
)

// contextHandler decorates records with the request facts found in the
// context passed to Handle.
//
// Attributes added to a record are qualified by the groups opened with
// WithGroup, but request facts belong at the top level of a line. So the
// handler remembers the undecorated base handler and the WithAttrs/WithGroup
// calls made since; when groups are open and a request is present it rebuilds
// the chain with the request facts applied first. Without open groups (the
// common case) it just appends them to the record.
type contextHandler struct {
	base      slog.Handler // the handler given to NewContextHandler
	cur       slog.Handler // base with ops applied
	ops       []op
	hasGroups bool
}

// op is one WithAttrs or WithGroup call, replayed when groups are open.
type op struct {
	group string // non-empty for WithGroup
	attrs []slog.Attr
}

// NewContextHandler returns a handler that passes every record to inner,
// adding request_id, org_id and actor_id attributes (each only when not
// empty) taken from the context the record was logged with. Records logged
// without a context, or with one that carries no request facts, pass through
// unchanged.
func NewContextHandler(inner slog.Handler) slog.Handler {
	return &contextHandler{base: inner, cur: inner}
}

func (h *contextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.cur.Enabled(ctx, level)
}

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	attrs := requestAttrs(ctx)
	if len(attrs) == 0 {
		return h.cur.Handle(ctx, r)
	}
	if !h.hasGroups {
		r = r.Clone()
		r.AddAttrs(attrs...)
		return h.cur.Handle(ctx, r)
	}
	inner := h.base.WithAttrs(attrs)
	for _, o := range h.ops {
		if o.group != "" {
			inner = inner.WithGroup(o.group)
		} else {
			inner = inner.WithAttrs(o.attrs)
		}
	}
	return inner.Handle(ctx, r)
}

func (h *contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(op{attrs: attrs}, h.cur.WithAttrs(attrs))
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := h.with(op{group: name}, h.cur.WithGroup(name))
	n.hasGroups = true
	return n
}

func (h *contextHandler) with(o op, cur slog.Handler) *contextHandler {
	ops := make([]op, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	return &contextHandler{
		base:      h.base,
		cur:       cur,
		ops:       append(ops, o),
		hasGroups: h.hasGroups,
	}
}

// requestAttrs returns the non-empty request facts carried by ctx.
func requestAttrs(ctx context.Context) []slog.Attr {
	hd := holderFrom(ctx)
	if hd == nil {
		return nil
	}
	orgID, actorID := hd.actor()
	attrs := make([]slog.Attr, 0, 3)
	if hd.requestID != "" {
		attrs = append(attrs, slog.String(KeyRequestID, hd.requestID))
	}
	if orgID != "" {
		attrs = append(attrs, slog.String(KeyOrgID, orgID))
	}
	if actorID != "" {
		attrs = append(attrs, slog.String(KeyActorID, actorID))
	}
	return attrs
}

// New returns a logger writing to w at the given minimum level, as JSON lines
// when format is "json" and as logfmt-style text otherwise ("text" is the
// documented value; configuration validation rejects anything else before it
// gets here). The logger is wrapped in [NewContextHandler], so records logged
// with a request context carry its request id and actor.
func New(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var inner slog.Handler
	if format == "json" {
		inner = slog.NewJSONHandler(w, opts)
	} else {
		inner = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewContextHandler(inner))
}
