package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// Claiming looks at the whole outbox, not one organization's, so the outbox
// tests run on databases of their own rather than the shared ones.

// eachFreshDB runs fn as a parallel subtest on a new, migrated database of
// each engine.
func eachFreshDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, openFresh(t, "sqlite:"+filepath.Join(t.TempDir(), "outbox.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, openFresh(t, storetest.FreshPostgres(t)))
	})
}

func openFresh(t *testing.T, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// enqueue writes a message created at baseTime+d to the outbox.
func enqueue(t *testing.T, db *store.DB, orgID string, d time.Duration) *directory.Mail {
	t.Helper()
	m := &directory.Mail{ID: newID(), OrgID: orgID, Kind: "test", To: "someone@example.org", Subject: "Hello",
		Text: "Body", HTML: "<p>Body</p>", CreatedAt: at(d)}
	if err := db.EnqueueMail(context.Background(), m); err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
	return m
}

func claimIDs(t *testing.T, db *store.DB, worker string, now time.Time, limit int) []string {
	t.Helper()
	ms, err := db.ClaimMail(context.Background(), worker, now, now.Add(time.Minute), limit)
	if err != nil {
		t.Fatalf("ClaimMail: %v", err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// outboxState reads the columns of message id that Mails does not show.
func outboxState(t *testing.T, db *store.DB, id string) (attempts int, next, sent, dead time.Time, claimedBy, lastError string) {
	t.Helper()
	var n, s, d int64
	q := `SELECT attempts, next_attempt_at, sent_at, dead_at, claimed_by, last_error FROM outbox WHERE id = ?`
	if db.Engine() == store.Postgres {
		q = `SELECT attempts, next_attempt_at, sent_at, dead_at, claimed_by, last_error FROM outbox WHERE id = $1`
	}
	if err := db.SQL().QueryRow(q, id).Scan(&attempts, &n, &s, &d, &claimedBy, &lastError); err != nil {
		t.Fatal(err)
	}
	conv := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMicro(v).UTC()
	}
	return attempts, conv(n), conv(s), conv(d), claimedBy, lastError
}

func TestClaimMail(t *testing.T) {
	eachFreshDB(t, func(t *testing.T, db *store.DB) {
		org := createOrg(t, db)
		m1 := enqueue(t, db, org.ID, 0)
		m2 := enqueue(t, db, org.ID, time.Second)
		m3 := enqueue(t, db, org.ID, time.Hour) // due in an hour

		got := claimIDs(t, db, "a", at(time.Minute), 10)
		if len(got) != 2 || got[0] != m1.ID || got[1] != m2.ID {
			t.Fatalf("first claim = %v, want [%s %s] (the due ones, oldest first)", got, m1.ID, m2.ID)
		}
		if got := claimIDs(t, db, "b", at(time.Minute), 10); len(got) != 0 {
			t.Fatalf("a second worker claimed %v while the lease holds", got)
		}
		// The leases end a minute after the claim; m3 comes due at +1h.
		got = claimIDs(t, db, "b", at(2*time.Hour), 1)
		if len(got) != 1 || got[0] != m1.ID {
			t.Fatalf("claim after the lease = %v, want [%s] (limit 1, oldest first)", got, m1.ID)
		}
		attempts, _, _, _, by, _ := outboxState(t, db, m1.ID)
		if attempts != 2 || by != "b" {
			t.Errorf("after two claims: attempts %d, claimed by %q; want 2 and b", attempts, by)
		}
		got = claimIDs(t, db, "c", at(2*time.Hour), 10)
		if len(got) != 2 || got[0] != m2.ID || got[1] != m3.ID {
			t.Errorf("third claim = %v, want [%s %s]", got, m2.ID, m3.ID)
		}
	})
}

func TestMarkMail(t *testing.T) {
	eachFreshDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		org := createOrg(t, db)
		sent := enqueue(t, db, org.ID, 0)
		failed := enqueue(t, db, org.ID, time.Second)
		dead := enqueue(t, db, org.ID, 2*time.Second)
		released := enqueue(t, db, org.ID, 3*time.Second)
		now := at(time.Minute)
		if got := claimIDs(t, db, "w", now, 10); len(got) != 4 {
			t.Fatalf("claimed %v, want all four", got)
		}

		if err := db.MarkMailSent(ctx, sent.ID, now); err != nil {
			t.Fatal(err)
		}
		next := now.Add(30 * time.Second)
		// Another worker's outcome does not count: w holds the lease.
		if err := db.MarkMailFailed(ctx, failed.ID, "intruder", now, now, "nope", true); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailFailed(ctx, failed.ID, "w", now, next, "421 try later", false); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailFailed(ctx, dead.ID, "w", now, next, "550 no such user", true); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseMail(ctx, released.ID, "w"); err != nil {
			t.Fatal(err)
		}

		attempts, _, sentAt, _, by, _ := outboxState(t, db, sent.ID)
		if !sentAt.Equal(now) || by != "" || attempts != 1 {
			t.Errorf("sent: sent_at %v, claimed by %q, attempts %d", sentAt, by, attempts)
		}
		attempts, nextAt, _, deadAt, by, lastErr := outboxState(t, db, failed.ID)
		if !nextAt.Equal(next) || !deadAt.IsZero() || by != "" || attempts != 1 || lastErr != "421 try later" {
			t.Errorf("failed: next %v, dead %v, claimed by %q, attempts %d, error %q", nextAt, deadAt, by, attempts, lastErr)
		}
		_, _, _, deadAt, _, _ = outboxState(t, db, dead.ID)
		if !deadAt.Equal(now) {
			t.Errorf("dead: dead_at %v, want %v", deadAt, now)
		}
		attempts, _, _, _, by, _ = outboxState(t, db, released.ID)
		if attempts != 0 || by != "" {
			t.Errorf("released: attempts %d, claimed by %q; want 0 and none", attempts, by)
		}

		// Now only the released message is due; the failed one follows at
		// its next attempt; the sent and the dead never again.
		if got := claimIDs(t, db, "w", now, 10); len(got) != 1 || got[0] != released.ID {
			t.Errorf("claim after marking = %v, want only %s", got, released.ID)
		}
		// (The released one was claimed again just now; its lease is over.)
		if got := claimIDs(t, db, "w", at(time.Hour), 10); len(got) != 2 || got[0] != failed.ID || got[1] != released.ID {
			t.Errorf("claim an hour later = %v, want [%s %s]", got, failed.ID, released.ID)
		}

		// A sent message stays sent; a failure reported late changes nothing.
		if err := db.MarkMailFailed(ctx, sent.ID, "w", now, next, "late", false); err != nil {
			t.Fatal(err)
		}
		if _, _, sentAt, _, _, lastErr := outboxState(t, db, sent.ID); sentAt.IsZero() || lastErr != "" {
			t.Errorf("a late failure changed a sent message: sent_at %v, error %q", sentAt, lastErr)
		}
	})
}

// TestClaimMailConcurrently has many workers claim at once: each message
// goes to exactly one.
func TestClaimMailConcurrently(t *testing.T) {
	eachFreshDB(t, func(t *testing.T, db *store.DB) {
		org := createOrg(t, db)
		const total = 300
		for i := range total {
			enqueue(t, db, org.ID, time.Duration(i)*time.Millisecond)
		}
		var mu sync.Mutex
		owner := map[string]string{}
		var wg sync.WaitGroup
		for w := range 6 {
			name := string(rune('a' + w))
			wg.Go(func() {
				for {
					ms, err := db.ClaimMail(context.Background(), name, at(time.Minute), at(time.Hour), 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ms) == 0 {
						return
					}
					mu.Lock()
					for _, m := range ms {
						if prev, ok := owner[m.ID]; ok {
							t.Errorf("message %s claimed by %s and %s", m.ID, prev, name)
						}
						owner[m.ID] = name
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(owner) != total {
			t.Errorf("claimed %d messages, want %d", len(owner), total)
		}
	})
}
