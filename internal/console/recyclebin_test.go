package console_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

func TestRecycleBinListAndRestore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		live := f.pending("Lena")
		gone := f.pending("Gus")
		b := f.ownerBrowser()
		if _, err := f.svc.Delete(f.ctx, f.op(), gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		r := b.get("/admin/recycle-bin")
		want(t, r, 200, "")
		says(t, r, "Recycle bin", "1 user in the bin", gone.Name(), gone.Username, "Purge all (1)")
		silent(t, r, live.Name())

		gone = f.reload(gone)
		r = b.post("/admin/recycle-bin/"+gone.ID+"/restore", url.Values{"version": {strconv.FormatInt(gone.Version, 10)}})
		want(t, r, 303, "/admin/recycle-bin")
		says(t, b.get(r.Location()), gone.Name()+" is restored", "The recycle bin is empty")
		if f.reload(gone).Deleted() {
			t.Error("still in the bin")
		}
		if !f.invitationsAudited("user.restore", gone.ID) {
			t.Error("restore not audited")
		}
		// A stale version is refused.
		again := f.recycleBinDeleted("Stale")
		want(t, b.post("/admin/recycle-bin/"+again.ID+"/restore", url.Values{"version": {"1"}}), 409, "")
		if !f.reload(again).Deleted() {
			t.Error("a stale restore restored")
		}
	})
}

func TestRecycleBinDeletedBy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Dina")
		b := f.ownerBrowser()
		if _, err := f.svc.Delete(f.ctx, f.op(), u.ID, 0); err != nil {
			t.Fatal(err)
		}
		r := b.get("/admin/recycle-bin")
		want(t, r, 200, "")
		says(t, r, u.Name(), "Deleted by", "operator (command line)")
	})
}

func TestRecycleBinPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.recycleBinDeleted("Pia")
		b := f.ownerBrowser()
		r := b.get("/admin/recycle-bin")
		if !strings.Contains(r.Body, `data-confirm="Purge `+u.Name()) {
			t.Error("the purge form does not ask in a dialog")
		}
		r = b.post("/admin/recycle-bin/"+u.ID+"/purge", url.Values{"name": {u.Name()}})
		want(t, r, 200, "")
		says(t, r, "Purge "+u.Name(), "cannot be undone", "Purge for good")
		if f.recycleBinGone(u) {
			t.Fatal("purged without confirmation")
		}
		r = b.post("/admin/recycle-bin/"+u.ID+"/purge", url.Values{"name": {u.Name()}, "confirmed": {"yes"}})
		want(t, r, 303, "/admin/recycle-bin")
		says(t, b.get(r.Location()), u.Name()+" was purged for good.")
		if !f.recycleBinGone(u) {
			t.Error("not purged")
		}
		if !f.invitationsAudited("user.purge", u.ID) {
			t.Error("purge not audited")
		}
		// A live user is not purged.
		live := f.pending("Liv")
		want(t, b.post("/admin/recycle-bin/"+live.ID+"/purge", url.Values{"confirmed": {"yes"}}), 409, "")
		if f.recycleBinGone(live) {
			t.Error("a live user was purged")
		}
	})
}

func TestRecycleBinPurgeAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		a, c := f.recycleBinDeleted("Ann"), f.recycleBinDeleted("Cal")
		live := f.pending("Kept")
		b := f.ownerBrowser()
		r := b.post("/admin/recycle-bin/purge-all", url.Values{"count": {"2"}})
		want(t, r, 200, "")
		says(t, r, "Empty the recycle bin", "removes the 2 users")
		if f.recycleBinGone(a) {
			t.Fatal("purged without confirmation")
		}
		r = b.post("/admin/recycle-bin/purge-all", url.Values{"count": {"2"}, "confirmed": {"yes"}})
		want(t, r, 303, "/admin/recycle-bin")
		says(t, b.get(r.Location()), "2 users purged.", "The recycle bin is empty")
		if !f.recycleBinGone(a) || !f.recycleBinGone(c) || f.recycleBinGone(live) {
			t.Error("purge all purged the wrong users")
		}
		if !f.invitationsAudited("user.purge", a.ID) || !f.invitationsAudited("user.purge", c.ID) {
			t.Error("purges not audited")
		}
	})
}

func TestRecycleBinPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.recycleBinDeleted("Zed")
		sup := f.user("Sam", "supervisor", "")
		b := f.signedIn(sup)
		if hasLink(b.get("/admin").Body, "/admin/recycle-bin") {
			t.Error("a supervisor sees the recycle bin")
		}
		want(t, b.get("/admin/recycle-bin"), 403, "")
		want(t, b.post("/admin/recycle-bin/"+u.ID+"/restore", nil), 403, "")
		want(t, b.post("/admin/recycle-bin/"+u.ID+"/purge", url.Values{"confirmed": {"yes"}}), 403, "")
		want(t, b.post("/admin/recycle-bin/purge-all", url.Values{"confirmed": {"yes"}}), 403, "")
		if f.recycleBinGone(u) || !f.reload(u).Deleted() {
			t.Error("a refused action changed the bin")
		}

		// A site manager sees only the deleted users of their site.
		north, south := f.site("North"), f.site("South")
		mgr := f.user("Meg", "manager", north.ID)
		inNorth, inSouth := f.pending("Nia"), f.pending("Sol")
		f.grant(inNorth, "basic", north.ID)
		f.grant(inSouth, "basic", south.ID)
		for _, x := range []string{inNorth.ID, inSouth.ID} {
			if _, err := f.svc.Delete(f.ctx, f.op(), x, 0); err != nil {
				t.Fatal(err)
			}
		}
		mb := f.signedIn(mgr)
		r := mb.get("/admin/recycle-bin")
		want(t, r, 200, "")
		says(t, r, inNorth.Name())
		silent(t, r, inSouth.Name(), u.Name())
		want(t, mb.post("/admin/recycle-bin/"+inSouth.ID+"/purge", url.Values{"confirmed": {"yes"}}), 404, "")
		mb.post("/admin/recycle-bin/purge-all", url.Values{"confirmed": {"yes"}})
		if !f.recycleBinGone(inNorth) || f.recycleBinGone(inSouth) || f.recycleBinGone(u) {
			t.Error("a site manager's purge all reached outside their site")
		}
	})
}
