// Package directory holds Roster's domain types, their validation and the
// error kinds every layer shares. It imports nothing else of Roster.
package directory

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an Error so that each front-end can map it to its wire
// format in one place.
type Kind int

// The error kinds.
const (
	KindInvalid      Kind = iota + 1 // the request is malformed or fails validation
	KindNotFound                     // the object does not exist or the actor may not see it
	KindConflict                     // the change clashes with the current state
	KindForbidden                    // the actor may see the object but not do this
	KindUnauthorized                 // no valid credentials
	KindPrecondition                 // an If-Match version is stale
	KindTooLarge                     // a payload exceeds a limit
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthorized:
		return "unauthorized"
	case KindPrecondition:
		return "precondition failed"
	case KindTooLarge:
		return "too large"
	}
	return "unknown"
}

// FieldError is a validation message about one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a kind, a human message, and optional details.
type Error struct {
	Kind    Kind
	Message string
	// Fields lists per-field validation messages (KindInvalid).
	Fields []FieldError
	// Existing names the user that already holds a unique value (KindConflict on
	// a duplicate email or username), so that a form can link to them.
	Existing *UserRef
}

// UserRef identifies a user by id and name.
type UserRef struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Deleted     bool   `json:"deleted,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a KindNotFound error naming what was not found.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Message: what + " not found"}
}

// KindOf returns the kind of err, or 0 when err is not a domain error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	Fields []FieldError
}

// Add records a message about field.
func (v *Validation) Add(field, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns a KindInvalid error listing every field message, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: "validation failed", Fields: v.Fields}
}
