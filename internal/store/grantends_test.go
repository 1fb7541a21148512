package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/store/storetest"
)

// TestGrantEnds checks when each user's last grant ends: only for users
// whose every grant has an expiry.
func TestGrantEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		other := createOrg(t, db)
		r := createRole(t, db, o.ID, "Role", 10)
		r2 := createRole(t, db, o.ID, "Role two", 20)
		ended := createUser(t, db, o.ID, nil)   // two grants, both ending
		endless := createUser(t, db, o.ID, nil) // one grant ends, one never
		none := createUser(t, db, o.ID, nil)    // no grant
		createGrant(t, db, ended, r, at(time.Hour))
		createGrant(t, db, ended, r2, at(3*time.Hour))
		createGrant(t, db, endless, r, at(time.Hour))
		createGrant(t, db, endless, r2, time.Time{})

		got, err := db.GrantEnds(ctx, o.ID, []string{ended.ID, endless.ID, none.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(map[string]time.Time{ended.ID: at(3 * time.Hour)}, got); d != "" {
			t.Errorf("GrantEnds (-want +got):\n%s", d)
		}
		if got, err := db.GrantEnds(ctx, other.ID, []string{ended.ID}); err != nil || len(got) != 0 {
			t.Errorf("another organization's view: %v, %v", got, err)
		}
		if got, err := db.GrantEnds(ctx, o.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("no users: %v, %v", got, err)
		}
	})
}
