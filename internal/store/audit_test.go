package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func eventIDs(events []*directory.AuditEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// newestFirst orders events as ListAudit does: by time, then id, descending.
func newestFirst(events ...*directory.AuditEvent) []string {
	s := slices.Clone(events)
	slices.SortFunc(s, func(a, b *directory.AuditEvent) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		switch {
		case a.ID > b.ID:
			return -1
		case a.ID < b.ID:
			return 1
		}
		return 0
	})
	return eventIDs(s)
}

// walkAudit lists every event matching f page by page.
func walkAudit(t *testing.T, db *store.DB, orgID string, f store.AuditFilter) []string {
	t.Helper()
	var out []string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%+v: paging does not end", f)
		}
		page, err := db.ListAudit(context.Background(), orgID, f)
		if err != nil {
			t.Fatalf("ListAudit(%+v): %v", f, err)
		}
		if f.Limit > 0 && len(page.Events) > f.Limit {
			t.Fatalf("%+v: a page of %d events", f, len(page.Events))
		}
		out = append(out, eventIDs(page.Events)...)
		if page.Next == nil {
			return out
		}
		if len(page.Events) != f.Limit {
			t.Errorf("%+v: a short page before the last one", f)
		}
		f.After = page.Next
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		actor, target := newID(), newID()

		full := &directory.AuditEvent{
			ID: newID(), OrgID: o.ID, At: at(time.Minute), ActorID: actor, ActorName: "Ann Admin",
			ImpersonatorID: newID(), TokenID: newID(), Action: "user.update", TargetType: "user", TargetID: target,
			TargetName: "Bob", IP: "192.0.2.1", RequestID: "req-1", ImportID: "imp-1",
			Changes: []directory.Change{
				{Field: "first_name", Before: "Bob", After: "Robert"},
				{Field: "phone", Before: nil, After: "123"},
				{Field: "admin", Before: false, After: true},
				{Field: "level", Before: float64(1), After: float64(2)},
			},
		}
		mk := func(action, actorID, targetType, targetID string, d time.Duration) *directory.AuditEvent {
			t.Helper()
			ev := &directory.AuditEvent{ID: newID(), OrgID: o.ID, At: at(d), ActorID: actorID, Action: action,
				TargetType: targetType, TargetID: targetID}
			if err := db.AppendAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
			return ev
		}
		if err := db.AppendAudit(ctx, full); err != nil {
			t.Fatal(err)
		}
		create := mk("user.create", actor, "user", target, 0)
		signIn := mk("auth.sign_in", target, "user", target, 2*time.Minute)
		role := mk("role.create", actor, "role", newID(), 3*time.Minute)
		users := mk("users.export", actor, "", "", 4*time.Minute) // "users." is not "user."
		// Three events in the same microsecond: the id breaks the tie.
		same := []*directory.AuditEvent{
			mk("user.disable", actor, "user", target, 5*time.Minute),
			mk("user.enable", actor, "user", target, 5*time.Minute),
			mk("user.lock", "", "user", target, 5*time.Minute),
		}
		plain := mk("user%", actor, "user", target, 6*time.Minute) // a LIKE wildcard in an action
		userx := mk("userx.thing", "", "", "", 7*time.Minute)
		everything := append([]*directory.AuditEvent{full, create, signIn, role, users, plain, userx}, same...)

		// Another organization's events never show.
		other := createOrg(t, db)
		if err := db.AppendAudit(ctx, &directory.AuditEvent{ID: newID(), OrgID: other.ID, At: at(time.Minute),
			ActorID: actor, Action: "user.update", TargetType: "user", TargetID: target}); err != nil {
			t.Fatal(err)
		}

		page, err := db.ListAudit(ctx, o.ID, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(newestFirst(everything...), eventIDs(page.Events)); diff != "" {
			t.Errorf("every event, newest first (-want +got):\n%s", diff)
		}
		if page.Next != nil {
			t.Error("a single page has a next cursor")
		}
		for _, ev := range page.Events {
			if ev.ID == full.ID {
				if diff := cmp.Diff(full, ev); diff != "" {
					t.Errorf("an event read back (-appended +read):\n%s", diff)
				}
			}
			if ev.ID == create.ID {
				if diff := cmp.Diff(create, ev, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("an event without changes (-appended +read):\n%s", diff)
				}
			}
		}

		for _, tc := range []struct {
			name string
			f    store.AuditFilter
			want []string
		}{
			{"actor", store.AuditFilter{ActorID: actor},
				newestFirst(full, create, role, users, same[0], same[1], plain)},
			{"target", store.AuditFilter{TargetID: target},
				newestFirst(full, create, signIn, same[0], same[1], same[2], plain)},
			{"target type", store.AuditFilter{TargetType: "role"}, newestFirst(role)},
			{"exact action", store.AuditFilter{Action: "user.update"}, newestFirst(full)},
			{"action prefix", store.AuditFilter{Action: "user."},
				newestFirst(full, create, same[0], same[1], same[2])},
			{"another prefix", store.AuditFilter{Action: "auth."}, newestFirst(signIn)},
			{"a wildcard is literal", store.AuditFilter{Action: "user%"}, newestFirst(plain)},
			{"an unknown prefix", store.AuditFilter{Action: "nothing."}, nil},
			{"a wildcard in a prefix is literal", store.AuditFilter{Action: "user_."}, nil},
			{"a percent in a prefix is literal", store.AuditFilter{Action: "user%."}, nil},
			{"from", store.AuditFilter{From: at(5 * time.Minute)}, newestFirst(same[0], same[1], same[2], plain, userx)},
			{"to", store.AuditFilter{To: at(time.Minute)}, newestFirst(create)},
			{"from and to", store.AuditFilter{From: at(time.Minute), To: at(4 * time.Minute)}, newestFirst(full, signIn, role)},
			{"actor and prefix", store.AuditFilter{ActorID: actor, Action: "user.", To: at(5 * time.Minute)},
				newestFirst(full, create)},
		} {
			page, err := db.ListAudit(ctx, o.ID, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, eventIDs(page.Events), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
			tc.f.Limit = 2
			if diff := cmp.Diff(tc.want, walkAudit(t, db, o.ID, tc.f), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s, two to a page (-want +got):\n%s", tc.name, diff)
			}
		}

		for _, limit := range []int{1, 2, 3, 4, len(everything), len(everything) + 1} {
			got := walkAudit(t, db, o.ID, store.AuditFilter{Limit: limit})
			if diff := cmp.Diff(newestFirst(everything...), got); diff != "" {
				t.Errorf("%d to a page (-want +got):\n%s", limit, diff)
			}
		}
	})
}

// TestAuditAppendOnly checks that the database itself refuses to change or
// remove audit events, whoever asks.
func TestAuditAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		ev := &directory.AuditEvent{ID: newID(), OrgID: o.ID, At: baseTime, Action: "user.create", TargetName: "Before"}
		if err := db.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendAudit(ctx, ev); err == nil {
			t.Error("an event id was stored twice")
		}

		for _, q := range []string{
			`UPDATE audit_events SET target_name = 'After' WHERE id = ?`,
			`UPDATE audit_events SET at = 0 WHERE org_id = ?`,
			`DELETE FROM audit_events WHERE id = ?`,
		} {
			arg := ev.ID
			if q == `UPDATE audit_events SET at = 0 WHERE org_id = ?` {
				arg = o.ID
			}
			_, err := db.SQL().ExecContext(ctx, rawSQL(e, q), arg)
			if err == nil {
				t.Errorf("%s: the database allowed it", q)
			} else if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: failed for another reason: %v", q, err)
			}
		}
		page, err := db.ListAudit(ctx, o.ID, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 1 || page.Events[0].TargetName != "Before" || !page.Events[0].At.Equal(baseTime) {
			t.Errorf("the event changed: %+v", page.Events)
		}
	})
}
