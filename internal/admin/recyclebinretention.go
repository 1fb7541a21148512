package admin

import (
	"context"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// retentionBatch is how many users one transaction of PurgeExpiredDeleted
// purges.
const retentionBatch = 50

// PurgeExpiredDeleted purges the users who have been in the recycle bin
// longer than their organization's RecycleBinDays, in every organization
// whose policy sets it (orgID limits it to one organization; "" = every
// one). Each user goes as Purge would remove them, with a user.purge event
// recorded as done by the system and naming the rule. Organizations whose
// rule is 0 keep their recycle bin until it is purged by hand. It returns
// how many users it purged; several instances may run it together.
func (s *Service) PurgeExpiredDeleted(ctx context.Context, orgID string) (int, error) {
	var orgs []*directory.Organization
	if orgID != "" {
		org, err := s.db.Organization(ctx, orgID)
		if err != nil {
			return 0, err
		}
		orgs = append(orgs, org)
	} else {
		var err error
		if orgs, err = s.db.Organizations(ctx); err != nil {
			return 0, err
		}
	}
	total := 0
	for _, org := range orgs {
		days := org.Policy.RecycleBinDays
		if days <= 0 {
			continue
		}
		n, err := s.purgeExpiredIn(ctx, org, days)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeExpiredIn purges the users of org deleted more than days ago, one
// batch per transaction, and returns how many it purged.
func (s *Service) purgeExpiredIn(ctx context.Context, org *directory.Organization, days int) (int, error) {
	a := &Actor{OrgID: org.ID, Name: "system (recycle bin retention)"}
	cutoff := s.now().Add(-time.Duration(days) * 24 * time.Hour)
	rule := []directory.Change{{Field: "recycle_bin_days", After: days}}
	total := 0
	for {
		found, purged := 0, 0
		err := s.inTx(ctx, func(tx *store.Tx) error {
			ids, err := tx.DeletedBefore(ctx, org.ID, cutoff.UnixMicro(), retentionBatch)
			if err != nil {
				return err
			}
			found = len(ids)
			for _, id := range ids {
				u, err := tx.User(ctx, org.ID, id)
				if isKind(err, directory.KindNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				// Restored or purged meanwhile by someone else: leave it.
				if !u.Deleted() || !u.DeletedAt.Before(cutoff) {
					continue
				}
				err = s.purgeUser(ctx, tx, a, u, rule)
				if isKind(err, directory.KindNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				purged++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += purged
		if found < retentionBatch {
			return total, nil
		}
	}
}
