package console

import (
	"net/http"

	"roster/internal/account"
	"roster/internal/admin"
)

// stateOf returns the session of a console request (never nil inside the
// console's routes).
func stateOf(r *http.Request) *admin.SessionState { return account.StateFrom(r.Context()) }

// actorOf returns the actor a console request acts for.
func actorOf(r *http.Request) *admin.Actor { return stateOf(r).Actor }
