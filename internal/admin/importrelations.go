package admin

import (
	"context"

	"roster/internal/directory"
	"roster/internal/store"
)

// planRelationships decides what each row of a relationship import does:
// link the parent to the student with the import's kind, leave an
// existing link alone, or fail with the reason.
func (r *importRun) planRelationships(ctx context.Context, c *store.Conn, rows []*directory.ImportRow) ([]*rowPlan, error) {
	var idents []string
	for _, row := range rows {
		idents = append(idents, r.given(row, RelationParent), r.given(row, RelationStudent))
	}
	users, err := c.UsersByKeys(ctx, r.a.OrgID, r.im.MatchBy, idents)
	if err != nil {
		return nil, err
	}
	find := func(ident string) *directory.User {
		if r.im.MatchBy == directory.MatchExternalID {
			return users[ident]
		}
		return users[directory.FoldKey(ident)]
	}
	label := matchLabel(r.im.MatchBy)
	out := make([]*rowPlan, len(rows))
	for i, row := range rows {
		p := &rowPlan{row: row}
		out[i] = p
		if line := r.claimLink(row); line != 0 {
			p.fail("the same link is also on line %d of the file", line)
			continue
		}
		if !r.a.Can("users.edit") {
			p.fail("your role does not allow linking users (users.edit)")
			continue
		}
		var ends [2]*directory.User
		failed := false
		for j, side := range []struct{ key, name string }{{RelationParent, "parent"}, {RelationStudent, "student"}} {
			ident := r.given(row, side.key)
			if ident == "" {
				p.fail("the %s's %s is blank", side.name, label)
				failed = true
				break
			}
			u := find(ident)
			if u != nil {
				if ok, err := r.s.canView(ctx, c, r.a, u); err != nil {
					return nil, err
				} else if !ok {
					u = nil
				}
			}
			if u == nil {
				p.fail("no user has the %s %q (the %s)", label, ident, side.name)
				failed = true
				break
			}
			if u.Deleted() {
				p.fail("%s (the %s) is in the recycle bin", u.Name(), side.name)
				failed = true
				break
			}
			ok, err := r.s.canManage(ctx, c, r.a, u)
			if err != nil {
				return nil, err
			}
			if !ok {
				p.fail("you may not change %s (the %s): they hold access above your level or outside your scope", u.Name(), side.name)
				failed = true
				break
			}
			ends[j] = u
		}
		if failed {
			continue
		}
		from, to := ends[0], ends[1]
		p.label = from.Name() + " → " + to.Name()
		p.user = from
		if from.ID == to.ID {
			p.fail("a user cannot be related to themself")
			continue
		}
		existing, err := c.UserRelationships(ctx, r.a.OrgID, from.ID, r.im.RelationshipKind)
		if err != nil {
			return nil, err
		}
		p.outcome = directory.RowCreated
		for _, e := range existing {
			if e.FromUserID == from.ID && e.ToUserID == to.ID {
				p.outcome, p.message = directory.RowUnchanged, "already linked"
				break
			}
		}
		if p.outcome == directory.RowCreated {
			p.rel = &directory.Relationship{ID: newID(), OrgID: r.a.OrgID, Kind: r.im.RelationshipKind,
				FromUserID: from.ID, ToUserID: to.ID, CreatedBy: r.a.UserID, CreatedAt: r.now}
			p.relFrom, p.relTo = from, to
		}
	}
	return out, nil
}

// applyRelationshipRows adds the planned links of a batch, each in a
// savepoint, and returns the rows' results in line order.
func (s *Service) applyRelationshipRows(ctx context.Context, tx *store.Tx, run *importRun, plans []*rowPlan) ([]store.ImportResult, error) {
	out := make([]store.ImportResult, len(plans))
	for i, p := range plans {
		var undo *rowUndo
		if p.rel != nil {
			err := tx.Savepoint(ctx, func() error {
				if err := tx.CreateRelationship(ctx, p.rel); err != nil {
					return err
				}
				return s.record(ctx, tx, run.a, "relationship.create", "user", p.relFrom.ID, p.relFrom.Name(),
					created(relationshipSnapshot(p.rel, p.relFrom, p.relTo)))
			})
			if err != nil {
				msg, ferr := rowFailure(err)
				if ferr != nil {
					return nil, ferr
				}
				p.fail("%s", msg)
			} else {
				undo = &rowUndo{RelationshipID: p.rel.ID}
			}
		}
		out[i] = resultOf(p, undo)
	}
	return out, nil
}

// claimLink claims the link a row of a relationship import asks for, by
// the two identifiers as the import reads them (user names without case,
// user codes exactly: each names one user), and returns the earlier line
// of the file that asked for it first, or 0. Like claimCells it runs before
// anything else about the row is checked, so that the dry run, the run and
// a resumed run answer a repeated link alike.
func (r *importRun) claimLink(row *directory.ImportRow) int {
	parent, student := r.given(row, RelationParent), r.given(row, RelationStudent)
	if parent == "" || student == "" {
		return 0
	}
	if r.im.MatchBy != directory.MatchExternalID {
		parent, student = directory.FoldKey(parent), directory.FoldKey(student)
	}
	k := "r:" + parent + "\x00" + student
	if line, ok := r.seen[k]; ok && line != row.FileLine {
		return line
	}
	r.claim(k, row.FileLine)
	return 0
}
