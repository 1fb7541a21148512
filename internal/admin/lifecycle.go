package admin

import (
	"time"

	"context"
	"fmt"

	"roster/internal/directory"
	"roster/internal/store"
)

// stateChange loads a user, lets change decide the new state, saves it and
// records the audit event.
func (s *Service) stateChange(ctx context.Context, a *Actor, perm directory.Permission, action, id string, expectVersion int64,
	change func(u *directory.User) error, after func(tx *store.Tx, u *directory.User) ([]directory.Change, error)) (*directory.User, error) {
	if err := s.authorize(a, perm); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, u.Version, "user"); err != nil {
			return err
		}
		before := userSnapshot(u)
		if err := change(u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if err := tx.UpdateUserState(ctx, u, u.Version); err != nil {
			return err
		}
		var extra []directory.Change
		if after != nil {
			if extra, err = after(tx, u); err != nil {
				return err
			}
		}
		out = u
		return s.record(ctx, tx, a, action, "user", u.ID, u.Name(), append(diff(before, userSnapshot(u)), extra...))
	})
	if err != nil {
		return nil, err
	}
	return out, s.complete(ctx, out)
}

func notInBin(u *directory.User) error {
	if u.Deleted() {
		return directory.Errorf(directory.KindConflict, "%s is in the recycle bin; restore them first", u.Name())
	}
	return nil
}

// Disable makes a pending or active user inactive. Disabling an inactive
// user is KindConflict.
func (s *Service) Disable(ctx context.Context, a *Actor, id string, expectVersion int64) (*directory.User, error) {
	return s.stateChange(ctx, a, "users.disable", "user.disable", id, expectVersion, func(u *directory.User) error {
		return disable(a, u)
	}, func(tx *store.Tx, u *directory.User) ([]directory.Change, error) {
		return s.shutOut(ctx, tx, a, u)
	})
}

// disable makes u inactive, by the rules of Disable: not a user in the
// recycle bin, not one already inactive, not the actor.
func disable(a *Actor, u *directory.User) error {
	if err := notInBin(u); err != nil {
		return err
	}
	if u.Status == directory.StatusInactive {
		return directory.Errorf(directory.KindConflict, "%s is already inactive", u.Name())
	}
	if u.ID == a.UserID {
		return directory.Errorf(directory.KindConflict, "you cannot disable your own account")
	}
	u.Status = directory.StatusInactive
	return nil
}

// shutOut does what disabling or deleting u entails, inside tx: the
// invitation links still out are voided and the user's sessions and
// tokens end. It returns the changes the audit event records about the
// invitation.
func (s *Service) shutOut(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User) ([]directory.Change, error) {
	voided, err := s.voidInvitation(ctx, tx, u)
	if err != nil {
		return nil, err
	}
	return voided, s.endAccess(ctx, tx, a.OrgID, u.ID, "")
}

// Enable makes an inactive user active again, or pending when they have
// never set a password. Enabling a user who is not inactive is KindConflict.
func (s *Service) Enable(ctx context.Context, a *Actor, id string, expectVersion int64) (*directory.User, error) {
	return s.stateChange(ctx, a, "users.disable", "user.enable", id, expectVersion, enable, nil)
}

// enable makes inactive u active, or pending when they have never set a
// password, by the rules of Enable.
func enable(u *directory.User) error {
	if err := notInBin(u); err != nil {
		return err
	}
	switch u.Status {
	case directory.StatusActive:
		return directory.Errorf(directory.KindConflict, "%s is already active", u.Name())
	case directory.StatusPending:
		return directory.Errorf(directory.KindConflict, "%s is pending and becomes active by setting a password", u.Name())
	}
	u.Status = directory.StatusActive
	if !u.HasPassword {
		u.Status = directory.StatusPending
	}
	return nil
}

// Unlock clears the lock of a locked account and its failure count.
// Unlocking an account that is not locked is KindConflict.
func (s *Service) Unlock(ctx context.Context, a *Actor, id string, expectVersion int64) (*directory.User, error) {
	return s.stateChange(ctx, a, "users.unlock", "user.unlock", id, expectVersion, func(u *directory.User) error {
		if err := notInBin(u); err != nil {
			return err
		}
		if !u.Locked() {
			return directory.Errorf(directory.KindConflict, "%s is not locked", u.Name())
		}
		u.LockedAt, u.LockReason, u.FailedAttempts = time.Time{}, "", 0
		return nil
	}, nil)
}

// UnlockResult is the outcome of unlocking one of several users.
type UnlockResult struct {
	UserID string
	User   *directory.User // nil when refused
	Err    error           // why it was refused
}

// UnlockMany unlocks several users at once, each as its own Unlock (one
// transaction and one audit event each), and says for each what happened.
// At most 1,000 ids; more is KindInvalid.
func (s *Service) UnlockMany(ctx context.Context, a *Actor, ids []string) ([]UnlockResult, error) {
	if err := s.authorize(a, "users.unlock"); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > 1000 {
		return nil, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "ids", Message: "must hold 1 to 1000 user ids"}}}
	}
	out := make([]UnlockResult, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u, err := s.Unlock(ctx, a, id, 0)
		if err != nil && directory.KindOf(err) == 0 {
			return nil, err
		}
		out = append(out, UnlockResult{UserID: id, User: u, Err: err})
	}
	return out, nil
}

// Delete moves a user who has never signed in to the recycle bin and
// revokes their API tokens. A user who has signed in cannot be deleted
// (KindConflict: disable them instead).
func (s *Service) Delete(ctx context.Context, a *Actor, id string, expectVersion int64) (*directory.User, error) {
	return s.stateChange(ctx, a, "users.delete", "user.delete", id, expectVersion, func(u *directory.User) error {
		if _, msg := deleteRefusal(a, u); msg != "" {
			return directory.Errorf(directory.KindConflict, "%s", msg)
		}
		u.DeletedAt = s.now()
		return nil
	}, func(tx *store.Tx, u *directory.User) ([]directory.Change, error) {
		return s.shutOut(ctx, tx, a, u)
	})
}

// The reasons why a user the actor may manage cannot go to the recycle bin.
const (
	refusedInBin     = "already_deleted"
	refusedSelf      = "self"
	refusedSignedIn  = "has_signed_in"
	refusedNotManage = "out_of_scope" // the user is not one the actor may manage
)

// deleteRefusal says why u, a user the actor may manage, cannot be moved to
// the recycle bin: a reason code and a message for a person, or "" and ""
// when it can. Delete and DeleteGroupMembers share it.
func deleteRefusal(a *Actor, u *directory.User) (reason, msg string) {
	switch {
	case u.Deleted():
		return refusedInBin, fmt.Sprintf("%s is already in the recycle bin", u.Name())
	case u.ID == a.UserID:
		return refusedSelf, "you cannot delete your own account"
	case u.HasSignedIn():
		return refusedSignedIn, fmt.Sprintf("%s has signed in before, so the account cannot be deleted; disable it instead", u.Name())
	}
	return "", ""
}

// Restore takes a user out of the recycle bin with everything they had.
// A premium user needs a free premium seat again (KindConflict otherwise).
func (s *Service) Restore(ctx context.Context, a *Actor, id string, expectVersion int64) (*directory.User, error) {
	return s.stateChange(ctx, a, "users.delete", "user.restore", id, expectVersion, func(u *directory.User) error {
		if !u.Deleted() {
			return directory.Errorf(directory.KindConflict, "%s is not in the recycle bin", u.Name())
		}
		u.DeletedAt = time.Time{}
		return nil
	}, func(tx *store.Tx, u *directory.User) ([]directory.Change, error) {
		if u.License != directory.LicensePremium {
			return nil, nil
		}
		// The bin freed the user's seat; out of it, they count again.
		return nil, s.checkPremiumSeat(ctx, tx, a.OrgID, 1)
	})
}

// Purge removes a user in the recycle bin for good, with their grants,
// tokens, time off, photo and custom field values. The audit log keeps the
// record of them. A user outside the recycle bin is KindConflict.
func (s *Service) Purge(ctx context.Context, a *Actor, id string, expectVersion int64) error {
	if err := s.authorize(a, "users.delete"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectVersion, u.Version, "user"); err != nil {
			return err
		}
		if !u.Deleted() {
			return directory.Errorf(directory.KindConflict, "%s is not in the recycle bin; delete them first", u.Name())
		}
		return s.purgeUser(ctx, tx, a, u, nil)
	})
}

// purgeUser removes u, who is in the recycle bin, for good inside tx and
// records user.purge by a, with extra changes after the user's snapshot.
func (s *Service) purgeUser(ctx context.Context, tx *store.Tx, a *Actor, u *directory.User, extra []directory.Change) error {
	var err error
	if u.CustomFields, err = tx.FieldValues(ctx, u.ID); err != nil {
		return err
	}
	if err := tx.PurgeUser(ctx, u.OrgID, u.ID); err != nil {
		return fmt.Errorf("purge user: %w", err)
	}
	changes := append(diff(nonEmpty(userSnapshot(u)), map[string]any{}), extra...)
	return s.record(ctx, tx, a, "user.purge", "user", u.ID, u.Name(), changes)
}
