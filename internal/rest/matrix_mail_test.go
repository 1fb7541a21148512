package rest_test

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"roster/internal/directory"
)

// deadMail puts a dead message in the outbox of the world's organization.
func (w *world) deadMail() *directory.Mail {
	w.t.Helper()
	m := &directory.Mail{ID: uuid.NewString(), OrgID: w.org.ID, Kind: "password_reset", To: "someone@example.org",
		Subject: "Reset", Text: "a link", CreatedAt: w.clock.Now().Add(-time.Hour)}
	if err := w.e.DB.EnqueueMail(w.ctx, m); err != nil {
		w.t.Fatalf("EnqueueMail: %v", err)
	}
	// The id is a UUID made here, so it is safe in the statement's text.
	if _, err := w.e.DB.SQL().ExecContext(w.ctx, fmt.Sprintf(`UPDATE outbox SET dead_at = 1, attempts = 10 WHERE id = '%s'`, m.ID)); err != nil {
		w.t.Fatalf("mark dead: %v", err)
	}
	return m
}

// mailMatrix covers the outbox routes: settings.manage over the whole
// organization, which only the owner holds among the actors.
func mailMatrix() []matrixRoute {
	return []matrixRoute{
		{route: "GET mail", columns: one,
			build: func(c *cell) request { return request{path: "mail?state=dead"} },
			want: `
			           it
			owner      200
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "POST mail/{id}/retry", columns: one, mutates: true,
			build: func(c *cell) request {
				m := c.get("mail", func() any { return c.w.deadMail() }).(*directory.Mail)
				return request{path: "mail/" + m.ID + "/retry"}
			},
			want: `
			           it
			owner      204
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
		{route: "POST mail/test", columns: one, mutates: true,
			build: func(c *cell) request { return request{path: "mail/test"} },
			want: `
			           it
			owner      202
			admin      403
			district   403
			siteB      403
			supervisor 403
			staff      403
			svc        403
			otherAdmin 403
			revoked    401
			anonymous  401`},
	}
}
