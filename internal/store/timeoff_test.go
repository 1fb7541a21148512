package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestTimeOff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, nil)
		other := createUser(t, db, o.ID, nil)
		mk := func(u *directory.User, kind directory.TimeOffKind, from, to, note string) *directory.TimeOff {
			t.Helper()
			off := &directory.TimeOff{ID: newID(), OrgID: o.ID, UserID: u.ID, Kind: kind, StartsOn: from, EndsOn: to,
				Note: note, CreatedAt: at(time.Minute)}
			if err := db.CreateTimeOff(ctx, off); err != nil {
				t.Fatal(err)
			}
			return off
		}
		summer := mk(u, directory.TimeOffVacation, "2030-07-01", "2030-07-21", "Summer")
		flu := mk(u, directory.TimeOffSick, "2030-02-03", "2030-02-05", "")
		day := mk(u, directory.TimeOffDayOff, "2030-05-17", "2030-05-17", "Holiday")
		mk(other, directory.TimeOffVacation, "2030-01-01", "2030-01-02", "")

		got, err := db.TimeOff(ctx, o.ID, u.ID, summer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(summer, got); diff != "" {
			t.Errorf("TimeOff (-created +read):\n%s", diff)
		}
		list, err := db.TimeOffs(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*directory.TimeOff{flu, day, summer}, list); diff != "" {
			t.Errorf("TimeOffs by start (-want +got):\n%s", diff)
		}
		_, err = db.TimeOff(ctx, o.ID, other.ID, summer.ID)
		wantKind(t, err, directory.KindNotFound)

		wantKind(t, db.DeleteTimeOff(ctx, o.ID, other.ID, day.ID), directory.KindNotFound)
		if err := db.DeleteTimeOff(ctx, o.ID, u.ID, day.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, db.DeleteTimeOff(ctx, o.ID, u.ID, day.ID), directory.KindNotFound)
		_, err = db.TimeOff(ctx, o.ID, u.ID, day.ID)
		wantKind(t, err, directory.KindNotFound)
		list, err = db.TimeOffs(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*directory.TimeOff{flu, summer}, list); diff != "" {
			t.Errorf("after DeleteTimeOff (-want +got):\n%s", diff)
		}
	})
}
