package console_test

import "roster/internal/directory"

// recycleBinDeleted adds a pending user and moves them to the recycle bin.
func (f *fixture) recycleBinDeleted(first string) *directory.User {
	f.t.Helper()
	u := f.pending(first)
	u, err := f.svc.Delete(f.ctx, f.op(), u.ID, 0)
	if err != nil {
		f.t.Fatalf("Delete: %v", err)
	}
	return u
}

// recycleBinGone reports whether u was purged.
func (f *fixture) recycleBinGone(u *directory.User) bool {
	f.t.Helper()
	_, err := f.e.DB.User(f.ctx, f.org.ID, u.ID)
	if err != nil && directory.KindOf(err) != directory.KindNotFound {
		f.t.Fatalf("User: %v", err)
	}
	return err != nil
}
