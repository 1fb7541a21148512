package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// BinEntry is one user in the recycle bin and who put them there.
type BinEntry struct {
	User *directory.User
	// DeletedBy names whoever moved the user to the bin, from the audit
	// log; "" when it does not say.
	DeletedBy string
}

// BinPage is one page of the recycle bin.
type BinPage struct {
	Entries []BinEntry
	Next    *store.Cursor
	Total   int
}

// RecycleBin lists the users in the recycle bin that the actor may view,
// by last name, with who deleted them and when (users.delete and
// users.view). A bad limit is KindInvalid.
func (s *Service) RecycleBin(ctx context.Context, a *Actor, after *store.Cursor, limit int) (*BinPage, error) {
	if err := s.authorize(a, "users.delete"); err != nil {
		return nil, err
	}
	page, err := s.ListUsers(ctx, a, store.UserFilter{Deleted: true, Limit: limit, After: after})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(page.Users))
	for _, u := range page.Users {
		ids = append(ids, u.ID)
	}
	by, err := s.db.Deletions(ctx, a.OrgID, ids)
	if err != nil {
		return nil, err
	}
	out := &BinPage{Next: page.Next, Total: page.Total}
	for _, u := range page.Users {
		out.Entries = append(out.Entries, BinEntry{User: u, DeletedBy: by[u.ID].ActorName})
	}
	return out, nil
}

// PurgeFailure is a user PurgeAll could not purge, and why.
type PurgeFailure struct {
	UserID string
	Name   string
	Err    error
}

// maxPurgeAll bounds the users one PurgeAll removes; the rest stay for
// the next call.
const maxPurgeAll = 10000

// PurgeAll purges every user of the recycle bin the actor may manage, each
// as its own Purge (one transaction and one user.purge event each), and
// returns how many went and which were refused. It takes users.delete and
// stops after maxPurgeAll users.
func (s *Service) PurgeAll(ctx context.Context, a *Actor) (int, []PurgeFailure, error) {
	if err := s.authorize(a, "users.delete"); err != nil {
		return 0, nil, err
	}
	purged := 0
	var failed []PurgeFailure
	var after *store.Cursor
	for purged+len(failed) < maxPurgeAll {
		page, err := s.ListUsers(ctx, a, store.UserFilter{Deleted: true, Limit: 200, After: after})
		if err != nil {
			return purged, failed, err
		}
		for _, u := range page.Users {
			err := s.Purge(ctx, a, u.ID, 0)
			switch {
			case err == nil:
				purged++
			case directory.KindOf(err) != 0:
				failed = append(failed, PurgeFailure{UserID: u.ID, Name: u.Name(), Err: err})
			default:
				return purged, failed, err
			}
		}
		if page.Next == nil {
			break
		}
		after = page.Next
	}
	return purged, failed, nil
}
