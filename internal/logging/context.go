// Package logging builds the service's structured logger and carries
// per-request facts (request id, organization, actor) through a context so
// that every record logged with that context names the request it belongs to.
//
// # Why a mutable holder
//
// The request id is known as soon as a request arrives, but the organization
// and actor are only known after authentication, which runs deep inside the
// handler chain. A context is immutable and flows inwards only: a value added
// by the authentication layer would never be seen by the middleware that
// writes the access log line once the handler has returned. So the request
// middleware places a small holder in the context with [WithRequestID], and
// [SetActor] (or [WithActor]) later fills the actor into that same holder.
// Every logger call made with any context derived from the request context,
// including the outer access log, then sees the actor. The holder is guarded
// by a mutex because a handler may log from goroutines it starts.
package logging

import (
	"context"
	"sync"
)

// holderKey is the context key under which the request holder is stored.
type holderKey struct{}

// holder carries the per-request facts. The request id never changes after
// creation; the actor fields are filled once authentication succeeds.
type holder struct {
	requestID string

	mu      sync.Mutex
	orgID   string
	actorID string
}

func (h *holder) actor() (orgID, actorID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.orgID, h.actorID
}

func (h *holder) setActor(orgID, actorID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.orgID, h.actorID = orgID, actorID
}

func holderFrom(ctx context.Context) *holder {
	if ctx == nil {
		return nil
	}
	h, _ := ctx.Value(holderKey{}).(*holder)
	return h
}

// WithRequestID returns a copy of ctx carrying a fresh request holder with the
// given request id and no actor. The HTTP middleware calls it once per
// request; any holder already present in ctx is shadowed, not modified.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, holderKey{}, &holder{requestID: id})
}

// RequestID returns the request id carried by ctx, or "" when ctx carries
// none.
func RequestID(ctx context.Context) string {
	if h := holderFrom(ctx); h != nil {
		return h.requestID
	}
	return ""
}

// SetActor records the organization and actor (user or token) of the request
// in the holder that [WithRequestID] placed in ctx, so that records logged
// with ctx, or with any context sharing its holder, carry them. It reports
// false, and changes nothing, when ctx carries no holder; use [WithActor]
// when that case must still work.
func SetActor(ctx context.Context, orgID, actorID string) bool {
	h := holderFrom(ctx)
	if h == nil {
		return false
	}
	h.setActor(orgID, actorID)
	return true
}

// WithActor records the organization and actor of the request. When ctx
// already carries a request holder, the holder is filled in place (so the
// access log of the surrounding request sees the actor too) and ctx itself is
// returned. Otherwise, for example in a background job or a CLI command, a new
// holder with an empty request id is attached and the derived context is
// returned.
func WithActor(ctx context.Context, orgID, actorID string) context.Context {
	if SetActor(ctx, orgID, actorID) {
		return ctx
	}
	h := &holder{}
	h.setActor(orgID, actorID)
	return context.WithValue(ctx, holderKey{}, h)
}

// Actor returns the organization and actor recorded in ctx, or empty strings
// when none has been recorded.
func Actor(ctx context.Context) (orgID, actorID string) {
	if h := holderFrom(ctx); h != nil {
		return h.actor()
	}
	return "", ""
}
