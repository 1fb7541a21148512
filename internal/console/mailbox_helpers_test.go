package console_test

import (
	"time"

	"roster/internal/directory"
)

// mailboxKill makes the newest message to address dead, as a worker does
// after too many failures. Messages of other organizations it claimed on
// the way are released untouched.
func (f *fixture) mailboxKill(to string) *directory.Mail {
	f.t.Helper()
	now := f.clock.Now()
	worker := "test-" + randHex(4)
	claimed, err := f.e.DB.ClaimMail(f.ctx, worker, now, now.Add(time.Minute), 1000)
	if err != nil {
		f.t.Fatalf("ClaimMail: %v", err)
	}
	var dead *directory.Mail
	for _, m := range claimed {
		if dead == nil && m.OrgID == f.org.ID && m.To == to {
			if err := f.e.DB.MarkMailFailed(f.ctx, m.ID, worker, now, now, "550 mailbox unavailable", true); err != nil {
				f.t.Fatalf("MarkMailFailed: %v", err)
			}
			dead = m
			continue
		}
		if err := f.e.DB.ReleaseMail(f.ctx, m.ID, worker); err != nil {
			f.t.Fatalf("ReleaseMail: %v", err)
		}
	}
	if dead == nil {
		f.t.Fatalf("no queued mail to %s", to)
	}
	return dead
}
