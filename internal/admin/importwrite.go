package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// applyUserRows applies the planned rows of a batch inside tx and returns
// their results in line order. New users go in with multi-row INSERTs;
// should that fail on a row's value (one another writer took meanwhile,
// say), it returns errRowByRow and the caller does the batch again with
// rowByRow set, each new user written alone in a savepoint so that only
// the rows at fault fail. Updates are written one by one, each in a
// savepoint: a row commits whole or not at all. With strict, a batch
// planned outside tx, an update that fails also returns errRowByRow, and
// the caller plans the batch again inside the transaction.
func (s *Service) applyUserRows(ctx context.Context, tx *store.Tx, run *importRun, plans []*rowPlan, rowByRow, strict bool, ready *readyAhead) ([]store.ImportResult, error) {
	undo := make(map[*rowPlan]*rowUndo, len(plans))
	var creates []*rowPlan
	for _, p := range plans {
		if p.outcome == directory.RowCreated {
			creates = append(creates, p)
		}
	}
	if len(creates) > 0 && !rowByRow {
		if err := s.writeCreates(ctx, tx, run, creates, undo, ready); err != nil {
			if _, ferr := rowFailure(err); ferr != nil {
				return nil, ferr
			}
			return nil, errRowByRow
		}
	}
	if len(creates) > 0 && rowByRow {
		for _, p := range creates {
			err := tx.Savepoint(ctx, func() error { return s.writeCreates(ctx, tx, run, []*rowPlan{p}, undo, nil) })
			if err != nil {
				msg, ferr := rowFailure(err)
				if ferr != nil {
					return nil, ferr
				}
				delete(undo, p)
				p.fail("%s", msg)
			}
		}
	}
	for _, p := range plans {
		if p.outcome != directory.RowUpdated {
			continue
		}
		u := &rowUndo{}
		err := tx.Savepoint(ctx, func() error { return s.writeUpdate(ctx, tx, run, p, u) })
		if err != nil {
			msg, ferr := rowFailure(err)
			if ferr != nil {
				return nil, ferr
			}
			if strict {
				return nil, errRowByRow
			}
			p.fail("%s", msg)
			continue
		}
		undo[p] = u
	}
	out := make([]store.ImportResult, len(plans))
	for i, p := range plans {
		out[i] = resultOf(p, undo[p])
	}
	return out, nil
}

// accessChanges are the audit changes that record the grant and group
// memberships a row gives.
func accessChanges(p *rowPlan) []directory.Change {
	var out []directory.Change
	if p.grant != nil {
		out = append(out, directory.Change{Field: "grant", After: grantSnapshot(p.grant, p.role.Name, unitName(p.unit))})
	}
	if len(p.groups) > 0 {
		names := make([]string, len(p.groups))
		for i, g := range p.groups {
			names[i] = g.Name
		}
		out = append(out, directory.Change{Field: "groups", After: names})
	}
	return out
}

// readyAhead is what was done for the new users of a batch planned ahead
// before the transaction that writes them: their search words made ready
// for the store by prepareCreates, and what of them writeAhead wrote.
type readyAhead struct {
	words       *store.NewUserWords
	wroteWords  bool
	wroteEvents bool
}

// writeAhead writes, in tx, the first half of a batch planned ahead (and
// made ready by prepareCreates): the search words of its new users and,
// unless some are invited (the event then records the invitation, which
// needs the user), their audit events.
// Neither refers to the users, and both are most of what a new user costs
// the database after the user itself, so that this half is written while
// the batch before commits (see batchWriter).
func (s *Service) writeAhead(ctx context.Context, tx *store.Tx, run *importRun, b *aheadBatch) (*readyAhead, error) {
	var creates []*rowPlan
	invites := false
	for _, p := range b.plans {
		if p.outcome == directory.RowCreated {
			creates = append(creates, p)
			invites = invites || p.invite
		}
	}
	ready := &readyAhead{words: b.words}
	if len(creates) == 0 {
		return ready, nil
	}
	if err := tx.InsertNewUserWords(ctx, b.words); err != nil {
		return nil, err
	}
	ready.wroteWords = true
	if invites {
		return ready, nil
	}
	events := make([]*store.PreparedEvent, len(creates))
	for i, p := range creates {
		if events[i] = p.event; events[i] == nil {
			var err error
			if events[i], err = store.PrepareEvent(s.createEvent(run, p, nil)); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.AppendPreparedEvents(ctx, events); err != nil {
		return nil, err
	}
	ready.wroteEvents = true
	return ready, nil
}

// createEvent is the audit event of a new user a row creates; sent are
// the changes of its invitation.
func (s *Service) createEvent(run *importRun, p *rowPlan, sent []directory.Change) *directory.AuditEvent {
	a := run.a
	changes := append(append(created(userSnapshot(p.user)), accessChanges(p)...), sent...)
	return &directory.AuditEvent{ID: newID(), OrgID: a.OrgID, At: s.now(), ActorID: a.UserID, ActorName: a.Name,
		ImpersonatorID: a.ImpersonatorID, TokenID: a.TokenID, Action: "user.create", TargetType: "user",
		TargetID: p.user.ID, TargetName: p.user.Name(), Changes: changes, IP: a.IP, RequestID: a.RequestID,
		ImportID: a.importID}
}

// writeCreates inserts new users with their custom field values, grants,
// group memberships, invitations and audit events, but for what ready
// says writeAhead wrote of them. ready, when not nil, is of the batch
// whose new users plans are, every one of them.
func (s *Service) writeCreates(ctx context.Context, tx *store.Tx, run *importRun, plans []*rowPlan, undo map[*rowPlan]*rowUndo, ready *readyAhead) error {
	if ready == nil {
		ready = &readyAhead{}
	}
	fieldIDs := make(map[string]string, len(run.fields))
	for _, f := range run.fields {
		fieldIDs[f.Key] = f.ID
	}
	var values []store.FieldValue
	var grants []*directory.Grant
	var members []store.GroupMember
	for _, p := range plans {
		for k, v := range p.values {
			if v != "" {
				values = append(values, store.FieldValue{UserID: p.user.ID, FieldID: fieldIDs[k], Value: v})
			}
		}
		if p.grant != nil {
			grants = append(grants, p.grant)
		}
		for _, g := range p.groups {
			members = append(members, store.GroupMember{GroupID: g.ID, UserID: p.user.ID})
		}
	}
	prepared := make([]*store.NewUser, len(plans))
	for i, p := range plans {
		if prepared[i] = p.prepared; prepared[i] == nil {
			prepared[i] = store.PrepareNewUser(p.user, p.hash)
		}
	}
	words := ready.words
	switch {
	case ready.wroteWords:
		words = nil
	case words == nil:
		words = store.PrepareNewUserWords(prepared)
	}
	if err := tx.InsertNewUsers(ctx, prepared, words); err != nil {
		return err
	}
	if err := tx.InsertFieldValues(ctx, run.a.OrgID, values); err != nil {
		return err
	}
	if err := tx.InsertGrants(ctx, grants); err != nil {
		return err
	}
	if err := tx.InsertGroupMembers(ctx, run.a.OrgID, run.a.UserID, run.now.UnixMicro(), members); err != nil {
		return err
	}
	for _, p := range plans {
		undo[p] = &rowUndo{Created: true}
	}
	if ready.wroteEvents {
		return nil
	}
	var org *directory.Organization
	events := make([]*store.PreparedEvent, len(plans))
	a := run.a
	for i, p := range plans {
		var sent []directory.Change
		if p.invite {
			if org == nil {
				var err error
				if org, err = tx.Organization(ctx, a.OrgID); err != nil {
					return err
				}
			}
			var err error
			if sent, err = s.sendInvitation(ctx, tx, a, org, p.user); err != nil {
				return err
			}
		}
		if events[i] = p.event; events[i] == nil {
			var err error
			if events[i], err = store.PrepareEvent(s.createEvent(run, p, sent)); err != nil {
				return err
			}
		}
	}
	return tx.AppendPreparedEvents(ctx, events)
}

// prepareCreates makes the new users of a batch planned ahead of its
// transaction ready for the store, with their audit events (but for the
// invited, whose event records the invitation sent in the transaction),
// and returns their search words made ready too, so that this is done
// while the batch before is written.
func (s *Service) prepareCreates(run *importRun, plans []*rowPlan) *store.NewUserWords {
	var users []*store.NewUser
	for _, p := range plans {
		if p.outcome != directory.RowCreated {
			continue
		}
		p.prepared = store.PrepareNewUser(p.user, p.hash)
		users = append(users, p.prepared)
		if !p.invite {
			// Should it fail, the writing makes the event again, and
			// reports why.
			p.event, _ = store.PrepareEvent(s.createEvent(run, p, nil))
		}
	}
	return store.PrepareNewUserWords(users)
}

// writeUpdate applies one planned update: the profile, the email (its own
// audited action, as everywhere), custom fields, status, grant and
// memberships; u records what undoing it takes.
func (s *Service) writeUpdate(ctx context.Context, tx *store.Tx, run *importRun, p *rowPlan, u *rowUndo) error {
	a, user, old := run.a, p.user, p.old
	if err := checkOwnedFields(ctx, &tx.Conn, old, p.changes); err != nil {
		return err
	}
	user.UpdatedAt = s.now()
	var profile, email []directory.Change
	for _, c := range p.changes {
		switch c.Field {
		case "email":
			email = append(email, c)
		case "status":
		default:
			profile = append(profile, c)
		}
	}
	version := old.Version
	if len(profile) > 0 {
		if err := tx.UpdateUserProfile(ctx, user, version); err != nil {
			return err
		}
		version = user.Version
		if err := saveCustomFields(ctx, tx, a.OrgID, user.ID, run.fields, p.values); err != nil {
			return err
		}
	}
	if len(email) > 0 {
		if err := tx.UpdateUserEmail(ctx, user, version); err != nil {
			return err
		}
		version = user.Version
		if err := s.record(ctx, tx, a, "user.email_change", "user", user.ID, user.Name(), email); err != nil {
			return err
		}
	}
	var state []directory.Change
	if p.status != "" {
		if err := tx.UpdateUserState(ctx, user, version); err != nil {
			return err
		}
		state = []directory.Change{{Field: "status", Before: string(old.Status), After: string(p.status)}}
		if p.status == directory.StatusInactive {
			voided, err := s.voidInvitation(ctx, tx, user)
			if err != nil {
				return err
			}
			state = append(state, voided...)
			if err := s.endAccess(ctx, tx, a.OrgID, user.ID, ""); err != nil {
				return err
			}
		}
	}
	if p.grant != nil {
		if err := tx.CreateGrant(ctx, p.grant); err != nil {
			return err
		}
		u.GrantID = p.grant.ID
	}
	for _, g := range p.groups {
		added, err := tx.AddGroupMember(ctx, a.OrgID, g.ID, user.ID, a.UserID, s.now().UnixMicro())
		if err != nil {
			return err
		}
		if added {
			u.GroupIDs = append(u.GroupIDs, g.ID)
		}
	}
	u.Changes = p.changes
	changes := append(append(profile, state...), accessChanges(p)...)
	if len(changes) == 0 {
		return nil
	}
	return s.record(ctx, tx, a, "user.update", "user", user.ID, user.Name(), changes)
}
