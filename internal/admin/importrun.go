package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// importBatch is how many rows one transaction of an import carries: large
// enough that the statements of a batch go out as a few multi-row INSERTs
// and that the index pages a batch changes are written out once for many
// rows (5,000 rather than 2,000 rows made a 100,000-row import about an
// eighth faster on both engines), small enough that a batch holds the
// database briefly: on SQLite, whose writers take turns, a batch holds the
// write lock for about a second, and a write from the console waits at
// most that long.
const importBatch = 5000

// batchSize is the rows per import batch: importBatch unless a test set
// another.
func (s *Service) batchSize() int {
	if s.importBatchRows > 0 {
		return s.importBatchRows
	}
	return importBatch
}

// importLease is how long a worker holds an import between two batches
// before another worker may take it over (after a crash, say).
const importLease = time.Minute

// rowUndo is what undoing one row of an import takes, stored beside its
// result.
type rowUndo struct {
	Created        bool               `json:"created,omitempty"`
	Changes        []directory.Change `json:"changes,omitempty"`
	GrantID        string             `json:"grant_id,omitempty"`
	GroupIDs       []string           `json:"group_ids,omitempty"`
	RelationshipID string             `json:"relationship_id,omitempty"`
}

func (u *rowUndo) text() string {
	if !u.Created && len(u.Changes) == 0 && u.GrantID == "" && len(u.GroupIDs) == 0 && u.RelationshipID == "" {
		return ""
	}
	b, _ := json.Marshal(u)
	return string(b)
}

// undoChanges reads the field changes out of an undo text, for display.
func undoChanges(text string) []directory.Change {
	if text == "" {
		return nil
	}
	var u rowUndo
	if json.Unmarshal([]byte(text), &u) != nil {
		return nil
	}
	return u.Changes
}

// actorOfOwner rebuilds the actor who asked for an import (or its
// rollback): the same user acting through the same grant, who must still be
// active and still hold it. Their access as it stands now bounds the work.
func (s *Service) actorOfOwner(ctx context.Context, im *directory.Import, o *directory.ImportOwner) (*Actor, error) {
	if o.Operator {
		a := Operator(im.OrgID)
		a.importID = im.ID
		return a, nil
	}
	u, err := s.db.User(ctx, im.OrgID, o.ActorID)
	now := s.now()
	if err != nil || u.Status != directory.StatusActive || u.Locked() || u.Deleted() || u.AccountExpired(now) {
		return nil, directory.Errorf(directory.KindForbidden, "%s can no longer sign in, so the import cannot act for them", o.ActorName)
	}
	a := &Actor{OrgID: im.OrgID, UserID: u.ID, Name: u.Name(), TokenID: o.TokenID, ImpersonatorID: o.ImpersonatorID,
		IP: o.IP, RequestID: o.RequestID, importID: im.ID}
	if err := s.activateGrant(ctx, a, o.GrantID, now); err != nil || a.Grant == nil {
		return nil, directory.Errorf(directory.KindForbidden, "%s no longer holds the access the import was started with", o.ActorName)
	}
	return a, nil
}

// ImportProgress is told about an import after each batch.
type ImportProgress func(im *directory.Import)

// RunImports works through the imports waiting for a worker (queued,
// interrupted or rolling back), one at a time, until none is left or ctx
// ends; it returns how many it finished. worker names this process in the
// leases it takes. An import whose owner lost their rights, or that hits
// an error that is not the database's, is marked failed with the reason.
func (s *Service) RunImports(ctx context.Context, worker string) (int, error) {
	n := 0
	for ctx.Err() == nil {
		did, err := s.runOneImport(ctx, worker, "", nil)
		if err != nil {
			return n, err
		}
		if !did {
			return n, nil
		}
		n++
	}
	return n, nil
}

// RunImport runs one import to its end in this process (the command line
// does this after starting an import), telling progress about each batch.
// An import another worker holds is KindConflict.
func (s *Service) RunImport(ctx context.Context, worker, id string, progress ImportProgress) error {
	did, err := s.runOneImport(ctx, worker, id, progress)
	if err != nil {
		return err
	}
	if !did {
		return directory.Errorf(directory.KindConflict, "the import is not waiting to run, or another worker is running it")
	}
	return nil
}

// importCrash lets tests stop a worker dead after a batch commits, as a
// crash would: it returns an error and the worker leaves at once.
type importCrash func(done int) error

func (s *Service) runOneImport(ctx context.Context, worker, id string, progress ImportProgress) (bool, error) {
	now := s.now()
	im, err := s.db.ClaimImport(ctx, worker, id, now, now.Add(importLease))
	if err != nil || im == nil {
		return false, err
	}
	owner := &im.Owner
	if im.State == directory.ImportRollingBack && im.RollbackOwner != nil {
		owner = im.RollbackOwner
	}
	a, err := s.actorOfOwner(ctx, im, owner)
	if err == nil {
		if im.State == directory.ImportRollingBack {
			err = s.rollback(ctx, worker, a, im, progress)
		} else {
			err = s.process(ctx, worker, a, im, progress)
		}
	}
	var crash *crashError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &crash), errors.Is(err, store.ErrLeaseLost):
		return true, nil
	case ctx.Err() != nil:
		// Shutting down: let the next start take the import up at once.
		_ = s.db.ReleaseImport(context.WithoutCancel(ctx), im.ID, worker)
		return false, nil
	}
	s.log.ErrorContext(ctx, "import failed", "import", im.ID, "error", err)
	return true, s.failImport(ctx, worker, im, err)
}

// crashError is what a test's importCrash hook returned.
type crashError struct{ err error }

func (e *crashError) Error() string { return e.err.Error() }

// failImport marks an import failed with the reason, for the
// administrator to start the rest again once it is fixed.
func (s *Service) failImport(ctx context.Context, worker string, im *directory.Import, cause error) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Import(ctx, im.OrgID, im.ID)
		if err != nil {
			return err
		}
		msg := cause.Error()
		var de *directory.Error
		if !errors.As(cause, &de) {
			msg = "an internal error stopped the import; see the server log and start it again"
		}
		cur.Failure = msg
		if cur.State == directory.ImportRollingBack {
			cur.Failure = "the rollback stopped: " + msg
		} else {
			cur.State = directory.ImportFailed
		}
		cur.FinishedAt = s.now()
		if err := tx.SaveImport(ctx, cur); err != nil {
			return err
		}
		return tx.ReleaseImport(ctx, im.ID, worker)
	})
}

// process runs the rows of an import not yet done, a batch per
// transaction. Each batch writes its rows' changes, their results and the
// import's progress together, so that after a crash the import resumes at
// the first row without a result and never applies a row twice.
func (s *Service) process(ctx context.Context, worker string, a *Actor, im *directory.Import, progress ImportProgress) error {
	if im.State == directory.ImportQueued {
		im.State = directory.ImportRunning
		if im.StartedAt.IsZero() {
			im.StartedAt = s.now()
		}
	}
	run, err := s.newImportRun(ctx, &s.db.Conn, a, im, false)
	if err != nil {
		return err
	}
	if im.Done > 0 {
		// Resuming: the rows already done claimed their values.
		if err := s.replayClaims(ctx, run, im.Done); err != nil {
			return err
		}
	}
	// The claims replayed above are never taken back.
	run.forget(run.mark())
	// What the batches write goes to the disk as it comes, rather than at
	// each of SQLite's checkpoints with the writer waiting for it.
	defer s.db.WriteBack()()
	w := &batchWriter{s: s, worker: worker, a: a, run: run, im: im, progress: progress, from: im.Done + 1, analyzed: 125}
	defer w.drain()
	for w.from <= im.Total {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.step(ctx); err != nil {
			return err
		}
	}
	if err := w.settle(ctx, nil); err != nil {
		return err
	}
	// The batches let SQLite's WAL grow (see store.InBulkTx); bring it
	// back into the database now rather than at some request's commit.
	if err := s.db.Checkpoint(ctx); err != nil {
		s.log.WarnContext(ctx, "checkpoint after an import", "import", im.ID, "error", err)
	}
	return nil
}

// batchWriter works through the batches of one run of an import.
//
// The batches of an import of users overlap: the next batch is planned
// (planAhead) on a connection of its own while the one before is written,
// and its new users are made ready for the store with their audit events
// (prepareCreates), so that the writing waits for little but the
// database. On SQLite, whose writers take turns, a batch is then written
// whole in one transaction (writeWhole) once the batch before has
// committed. On PostgreSQL a batch is written in two halves, in one
// transaction, the first half (its new users' search words and audit
// events, writeAhead) while the batch before finishes and commits, the
// second (the checks that its plan still holds, the users, everything
// else, its results and the import's progress, writePlanned) once that
// batch has committed. Either way the commits stay in the order of the
// file, so the import's progress is always a count of rows done. A
// relationship import's batches are planned in their transactions.
type batchWriter struct {
	s        *Service
	worker   string
	a        *Actor
	run      *importRun
	im       *directory.Import
	progress ImportProgress
	// next is the batch being planned ahead; pending the batch whose
	// second half is being written.
	next    *aheadBatch
	pending *pendingBatch
	// from is the first line of the next batch to take.
	from int
	// analyzed is the count of rows written at the last refresh of the
	// database's statistics.
	analyzed int
}

// pendingBatch is a batch whose second half is written in a goroutine.
type pendingBatch struct {
	b *aheadBatch
	// saved is the import's progress before the batch.
	saved directory.Import
	err   error
	done  chan struct{}
}

// ahead says whether the batches are planned ahead (an import of users).
func (w *batchWriter) ahead() bool {
	return w.im.Kind != directory.ImportRelationships
}

// drain waits for the goroutines of the writer, when the run stops early.
func (w *batchWriter) drain() {
	if w.next != nil {
		w.next.wait()
		w.next = nil
	}
	if w.pending != nil {
		<-w.pending.done
		w.pending = nil
	}
}

// step takes the next batch and writes it (or, ahead, its first half).
func (w *batchWriter) step(ctx context.Context) error {
	s, run, im := w.s, w.run, w.im
	var b *aheadBatch
	if w.next != nil {
		b, w.next = w.next.wait(), nil
	} else {
		b = s.planAhead(ctx, run, w.from, w.ahead()).wait()
	}
	// The journal before the oldest batch not committed is done with.
	keep := b.mark
	if w.pending != nil {
		keep = w.pending.b.mark
		w.pending.b.mark -= keep
	}
	run.forget(keep)
	b.mark -= keep
	if b.err != nil {
		return b.err
	}
	if len(b.rows) == 0 {
		w.from = im.Total + 1
		return nil
	}
	w.from = b.rows[len(b.rows)-1].Line + 1
	if !w.ahead() {
		if err := w.refreshStatistics(ctx); err != nil {
			return err
		}
		return w.replan(ctx, b)
	}
	if w.s.db.Engine() == store.SQLite {
		return w.writeWhole(ctx, b)
	}
	if w.from <= im.Total {
		w.next = s.planAhead(ctx, run, w.from, true)
	}
	tx, err := s.db.BeginCopyTx(ctx)
	var ready *readyAhead
	if err == nil {
		if ready, err = s.writeAhead(ctx, tx, run, b); err != nil {
			tx.Rollback()
		}
	}
	// The batch before must commit before this one's second half; should
	// it have been planned again, so is this one, afresh.
	abandoned := false
	serr := w.settle(ctx, func() {
		abandoned = true
		if err == nil {
			tx.Rollback()
		}
	})
	switch {
	case abandoned:
		return serr
	case err != nil:
		return err
	case serr != nil:
		tx.Rollback()
		return serr
	}
	if err := w.refreshStatistics(ctx); err != nil {
		tx.Rollback()
		return err
	}
	p := &pendingBatch{b: b, saved: *im, done: make(chan struct{})}
	w.pending = p
	go func() {
		defer close(p.done)
		p.err = s.writePlanned(ctx, tx, w.worker, w.a, run, im, b, ready)
		if p.err != nil {
			tx.Rollback()
			return
		}
		p.err = tx.Commit()
	}()
	return nil
}

// settle waits for the pending batch to commit and reports it. Should its
// second half have failed on what its plan read, or on a row, the batch is
// planned again inside its transaction and written, after abandon has
// undone whatever the batch after it began.
func (w *batchWriter) settle(ctx context.Context, abandon func()) error {
	p := w.pending
	if p == nil {
		return nil
	}
	<-p.done
	w.pending = nil
	if p.err == nil {
		return w.report()
	}
	if abandon != nil {
		abandon()
	}
	return w.redo(ctx, p.b, p.saved, p.err)
}

// writeWhole writes a batch planned ahead in one transaction, on SQLite,
// whose writers take turns, while the batch after it is planned.
func (w *batchWriter) writeWhole(ctx context.Context, b *aheadBatch) error {
	s, im := w.s, w.im
	if w.from <= im.Total {
		w.next = s.planAhead(ctx, w.run, w.from, true)
	}
	if err := w.refreshStatistics(ctx); err != nil {
		return err
	}
	saved := *im
	err := s.db.InBulkTx(ctx, func(tx *store.Tx) error {
		return s.writePlanned(ctx, tx, w.worker, w.a, w.run, im, b, &readyAhead{words: b.words})
	})
	if err != nil {
		return w.redo(ctx, b, saved, err)
	}
	return w.report()
}

// redo follows a batch planned ahead whose writing failed with err and
// changed nothing: the batch after it, planned meanwhile from its plan, is
// dropped and, should err say that what its plan read changed or that a
// row failed, the batch is planned again inside its transaction and
// written, from the import's progress saved before it.
func (w *batchWriter) redo(ctx context.Context, b *aheadBatch, saved directory.Import, err error) error {
	if w.next != nil {
		w.next.wait()
		w.next = nil
	}
	if !errors.Is(err, errReplan) && !errors.Is(err, errRowByRow) {
		return w.failed(ctx, err)
	}
	*w.im = saved
	if err := w.replan(ctx, b); err != nil {
		return err
	}
	w.from = w.im.Done + 1
	return nil
}

// replan plans a batch inside its transaction and writes it the fast way,
// its new users in multi-row INSERTs; should one of those fail on a value
// another writer took meanwhile, it is done again row by row, each row in
// a savepoint, so that only the rows at fault fail.
func (w *batchWriter) replan(ctx context.Context, b *aheadBatch) error {
	s, im := w.s, w.im
	saved := *im
	var err error
	for _, rowByRow := range []bool{false, true} {
		*im = saved
		w.run.rewind(b.mark)
		err = s.db.InBulkTx(ctx, func(tx *store.Tx) error {
			return s.processBatch(ctx, tx, w.worker, w.a, w.run, im, b.rows, rowByRow)
		})
		if !errors.Is(err, errRowByRow) {
			break
		}
	}
	if err != nil {
		return w.failed(ctx, err)
	}
	return w.report()
}

// failed reloads the import's progress after a batch that changed nothing
// and returns err.
func (w *batchWriter) failed(ctx context.Context, err error) error {
	if fresh, lerr := w.s.db.Import(ctx, w.im.OrgID, w.im.ID); lerr == nil {
		*w.im = *fresh
	}
	return err
}

// report tells about a batch committed.
func (w *batchWriter) report() error {
	if w.progress != nil {
		w.progress(w.im)
	}
	if w.s.importCrash != nil {
		if err := w.s.importCrash(w.im.Done); err != nil {
			return &crashError{err}
		}
	}
	return nil
}

// refreshStatistics refreshes the database's statistics when the rows
// written have grown enough since the last refresh. A load that grows the
// users table many times over does so as it goes (at 1,000 rows written,
// then each time the rows written grow eightfold), so that its lookups
// stay on the indexes. The first refresh is the one that matters: it
// tells the planner that the organization has thousands of users, not a
// handful; after it PostgreSQL scales its estimates with the table's size.
// Each refresh samples the tables anew (about half a second at 100,000
// users), so a refresh at every doubling cost 2.4 s of a 100,000-row
// import.
func (w *batchWriter) refreshStatistics(ctx context.Context) error {
	written := w.im.Counts.Created + w.im.Counts.Updated
	if written < 8*w.analyzed {
		return nil
	}
	if err := w.s.db.AnalyzeUsers(ctx); err != nil {
		return err
	}
	w.analyzed = written
	return nil
}

// errRowByRow says that a batch must be done again row by row.
var errRowByRow = errors.New("a row of the batch failed; doing the batch row by row")

// errReplan says that a batch planned outside its transaction must be
// planned again inside it.
var errReplan = errors.New("what the batch's plan read changed; planning it again")

// aheadBatch is a batch of rows of an import and, for an import of users,
// their plan, made by planAhead outside the transaction that writes them.
type aheadBatch struct {
	rows  []*directory.ImportRow
	plans []*rowPlan
	// refs are the references the plan used; mark is where the run's
	// journal stood before it, for taking it back.
	refs *importRefs
	mark int
	// look holds the users that rows of a batch read ahead for the dry run
	// name (see readAhead).
	look *lookups
	// words are the search words of the batch's new users, made ready by
	// prepareCreates.
	words *store.NewUserWords
	err   error
	done  chan struct{}
}

// wait returns b once it is read and planned.
func (b *aheadBatch) wait() *aheadBatch {
	<-b.done
	return b
}

// planAhead reads the batch of an import that starts at line from and,
// with plan, for an import of users, plans it and makes its new users
// ready for the store, in a goroutine of its own: the batch after the one
// being written is planned meanwhile, on another connection, so that the
// work of planning overlaps the database's work of writing. Only one
// planAhead runs at a time, and nothing else plans while it does.
func (s *Service) planAhead(ctx context.Context, run *importRun, from int, plan bool) *aheadBatch {
	b := &aheadBatch{mark: run.mark(), refs: run.importRefs, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.rows, b.err = s.db.ImportRows(ctx, run.im.ID, from, s.batchSize())
		if b.err != nil || len(b.rows) == 0 || !plan || run.im.Kind == directory.ImportRelationships {
			return
		}
		b.plans, b.err = run.planUsers(ctx, &s.db.Conn, b.rows)
		if b.err == nil {
			b.words = s.prepareCreates(run, b.plans)
		}
		if s.importAhead != nil {
			s.importAhead(from)
		}
	}()
	return b
}

// readAhead reads the batch of an import that starts at line from and,
// for an import of users, looks up the existing users its rows name, in a
// goroutine of its own, for the dry run: what it reads does not depend on
// how the rows before are planned, so the next batch is read while this
// one is planned.
func (s *Service) readAhead(ctx context.Context, run *importRun, from int) *aheadBatch {
	b := &aheadBatch{done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.rows, b.err = s.db.ImportRows(ctx, run.im.ID, from, s.batchSize())
		if b.err != nil || len(b.rows) == 0 || run.im.Kind == directory.ImportRelationships {
			return
		}
		b.look, b.err = run.lookup(ctx, &s.db.Conn, b.rows)
	}()
	return b
}

// writePlanned writes a batch that planAhead planned, after checking in tx
// that what the plan read still holds: the same custom fields, roles,
// units and groups, and the existing users it names as supervisors still
// there and outside the recycle bin (SQLite writes the batch without
// checking foreign keys). Anything else another writer changed meanwhile
// fails a row's write (a value taken, a user changed since it was read),
// and then the batch is planned again inside the transaction that writes
// it (errReplan, errRowByRow): a batch never writes what its plan read
// outside its transaction unless that still holds. ready says what was
// done for the batch's new users before tx (see readyAhead).
func (s *Service) writePlanned(ctx context.Context, tx *store.Tx, worker string, a *Actor, run *importRun, im *directory.Import, b *aheadBatch, ready *readyAhead) error {
	refs, err := run.readReferences(ctx, &tx.Conn)
	if err != nil {
		return err
	}
	if refs.key != b.refs.key {
		return errReplan
	}
	creating := map[string]bool{}
	var sups []string
	for _, p := range b.plans {
		if p.outcome == directory.RowCreated {
			creating[p.user.ID] = true
		}
	}
	for _, p := range b.plans {
		if (p.outcome == directory.RowCreated || p.outcome == directory.RowUpdated) &&
			p.user.SupervisorID != "" && !creating[p.user.SupervisorID] {
			sups = append(sups, p.user.SupervisorID)
		}
	}
	slices.Sort(sups)
	sups = slices.Compact(sups)
	for len(sups) > 0 {
		chunk := sups[:min(len(sups), 500)]
		sups = sups[len(chunk):]
		live, err := tx.LiveUserIDs(ctx, a.OrgID, chunk)
		if err != nil {
			return err
		}
		if len(live) != len(chunk) {
			return errReplan
		}
	}
	if s.importBeforeWrite != nil {
		if err := s.importBeforeWrite(ctx, tx); err != nil {
			return err
		}
	}
	results, err := s.applyUserRows(ctx, tx, run, b.plans, false, true, ready)
	if err != nil {
		return err
	}
	return s.finishBatch(ctx, tx, worker, a, im, b.rows, results)
}

// processBatch plans and applies one batch of rows inside tx, stores their
// results and the import's progress, and renews the worker's lease;
// rowByRow writes each new user alone, in a savepoint.
func (s *Service) processBatch(ctx context.Context, tx *store.Tx, worker string, a *Actor, run *importRun, im *directory.Import, rows []*directory.ImportRow, rowByRow bool) error {
	var results []store.ImportResult
	if im.Kind == directory.ImportRelationships {
		plans, err := run.planRelationships(ctx, &tx.Conn, rows)
		if err != nil {
			return err
		}
		if results, err = s.applyRelationshipRows(ctx, tx, run, plans); err != nil {
			return err
		}
	} else {
		if err := run.loadReferences(ctx, &tx.Conn); err != nil {
			return err
		}
		plans, err := run.planUsers(ctx, &tx.Conn, rows)
		if err != nil {
			return err
		}
		if s.importBeforeWrite != nil {
			if err := s.importBeforeWrite(ctx, tx); err != nil {
				return err
			}
		}
		if results, err = s.applyUserRows(ctx, tx, run, plans, rowByRow, false, nil); err != nil {
			return err
		}
	}
	return s.finishBatch(ctx, tx, worker, a, im, rows, results)
}

// finishBatch stores the results of a batch written in tx, counts them
// into the import's progress, and renews the worker's lease, or ends the
// import after its last batch.
func (s *Service) finishBatch(ctx context.Context, tx *store.Tx, worker string, a *Actor, im *directory.Import, rows []*directory.ImportRow, results []store.ImportResult) error {
	if err := tx.InsertImportResults(ctx, im.ID, results); err != nil {
		return err
	}
	for _, r := range results {
		switch r.Outcome {
		case directory.RowCreated:
			im.Counts.Created++
		case directory.RowUpdated:
			im.Counts.Updated++
		case directory.RowUnchanged:
			im.Counts.Unchanged++
		default:
			im.Counts.Errors++
		}
	}
	im.Done = rows[len(rows)-1].Line
	if im.Done >= im.Total {
		im.State, im.FinishedAt = directory.ImportDone, s.now()
	}
	if err := tx.RenewImport(ctx, im, worker, s.now().Add(importLease)); err != nil {
		return err
	}
	if im.State == directory.ImportDone {
		if err := tx.ReleaseImport(ctx, im.ID, worker); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "import.finish", "import", im.ID, importName(im), []directory.Change{
			{Field: "created", After: im.Counts.Created}, {Field: "updated", After: im.Counts.Updated},
			{Field: "unchanged", After: im.Counts.Unchanged}, {Field: "errors", After: im.Counts.Errors}})
	}
	return nil
}

// replayClaims marks the unique values of the rows already done as used,
// as planning them did, so that a resumed import still catches a value the
// file repeats and names the same line: the values of their cells, and the
// user names derived for the users they created without one.
func (s *Service) replayClaims(ctx context.Context, run *importRun, done int) error {
	for from := 1; from <= done; from += 5000 {
		rows, err := s.db.ImportRows(ctx, run.im.ID, from, min(5000, done-from+1))
		if err != nil {
			return err
		}
		if run.im.Kind == directory.ImportRelationships {
			for _, row := range rows {
				run.claimLink(row)
			}
			continue
		}
		derived, err := s.derivedUsernames(ctx, run, rows)
		if err != nil {
			return err
		}
		for _, row := range rows {
			run.claimCells(row)
			if name := derived[row.Line]; name != "" {
				if k := claimKey("u:", name); run.seen[k] == 0 {
					run.claim(k, row.FileLine)
				}
			}
		}
	}
	return nil
}

// derivedUsernames returns, by line, the user names of the users that rows
// of an import created without a user name in the file.
func (s *Service) derivedUsernames(ctx context.Context, run *importRun, rows []*directory.ImportRow) (map[int]string, error) {
	blank := map[int]bool{}
	for _, row := range rows {
		if strings.TrimSpace(run.given(row, "username")) == "" {
			blank[row.Line] = true
		}
	}
	if len(blank) == 0 {
		return nil, nil
	}
	results, _, err := s.db.ImportResults(ctx, run.im.ID, store.ImportResultFilter{Outcome: directory.RowCreated,
		AfterLine: rows[0].Line - 1, Limit: len(rows)})
	if err != nil {
		return nil, err
	}
	var ids []string
	lineOf := map[string]int{}
	for _, r := range results {
		if r.Line <= rows[len(rows)-1].Line && blank[r.Line] && r.UserID != "" {
			ids = append(ids, r.UserID)
			lineOf[r.UserID] = r.Line
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	names, err := s.db.UsernamesOf(ctx, run.im.OrgID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int]string, len(names))
	for id, name := range names {
		out[lineOf[id]] = name
	}
	return out, nil
}

// PreviewImport validates every row of a draft import as the run would,
// writing nothing but the result of the dry run on the import: the counts
// of rows to create, update, leave unchanged and refuse, and the first
// rows of each.
func (s *Service) PreviewImport(ctx context.Context, a *Actor, id string) (*directory.Import, error) {
	im, err := s.importOf(ctx, &s.db.Conn, a, id)
	if err != nil {
		return nil, err
	}
	if im.State != directory.ImportDraft {
		return nil, directory.Errorf(directory.KindConflict, "the import has started; there is nothing to preview")
	}
	in := ImportSettings{Mode: im.Mode, MatchBy: im.MatchBy, Invite: im.Invite, RelationshipKind: im.RelationshipKind}
	if err := s.applySettings(ctx, a, im, &in); err != nil {
		return nil, err
	}
	run, err := s.newImportRun(ctx, &s.db.Conn, a, im, true)
	if err != nil {
		return nil, err
	}
	pv := &directory.ImportPreview{At: s.now(), Samples: map[string][]directory.ImportRow{}}
	const samples = 10
	// The rows of the next batch are read (and decoded), and for an import
	// of users the users they name looked up, while this one is planned.
	var next *aheadBatch
	if im.Total > 0 {
		next = s.readAhead(ctx, run, 1)
	}
	defer func() {
		if next != nil {
			next.wait()
		}
	}()
	for from := 1; from <= im.Total; from += s.batchSize() {
		b := next.wait()
		next = nil
		if b.err != nil {
			return nil, b.err
		}
		rows := b.rows
		if from+s.batchSize() <= im.Total {
			next = s.readAhead(ctx, run, from+s.batchSize())
		}
		var plans []*rowPlan
		var err error
		if im.Kind == directory.ImportRelationships {
			plans, err = run.planRelationships(ctx, &s.db.Conn, rows)
		} else {
			plans, err = run.planLookedUp(ctx, &s.db.Conn, rows, b.look)
		}
		if err != nil {
			return nil, err
		}
		for _, p := range plans {
			switch p.outcome {
			case directory.RowCreated:
				pv.Counts.Created++
			case directory.RowUpdated:
				pv.Counts.Updated++
			case directory.RowUnchanged:
				pv.Counts.Unchanged++
			default:
				pv.Counts.Errors++
			}
			if len(pv.Samples[p.outcome]) < samples {
				row := *p.row
				row.Outcome, row.Message, row.Changes = p.outcome, p.message, p.changes
				if p.user != nil {
					row.UserID, row.Name = p.user.ID, p.user.Name()
					if p.outcome == directory.RowCreated && im.Kind == directory.ImportUsers {
						row.UserID = ""
					}
				}
				if p.label != "" {
					row.Name = p.label
				}
				pv.Samples[p.outcome] = append(pv.Samples[p.outcome], row)
			}
		}
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Import(ctx, a.OrgID, im.ID)
		if err != nil {
			return err
		}
		if cur.State != directory.ImportDraft {
			return directory.Errorf(directory.KindConflict, "the import started meanwhile")
		}
		cur.Mode, cur.MatchBy, cur.Mapping, cur.Preview = im.Mode, im.MatchBy, im.Mapping, pv
		if err := tx.SaveImport(ctx, cur); err != nil {
			return err
		}
		im = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// resultOf is the stored result of a planned row.
func resultOf(p *rowPlan, undo *rowUndo) store.ImportResult {
	r := store.ImportResult{Line: p.row.Line, Outcome: p.outcome, Message: p.message}
	if p.user != nil {
		r.UserID, r.Name = p.user.ID, p.user.Name()
	}
	if p.label != "" {
		r.Name = p.label
	}
	if undo != nil {
		r.Undo = undo.text()
	}
	return r
}

// rowFailure turns an error a row's writes hit into the row's message, or
// returns it when it is not the row's fault.
func rowFailure(err error) (string, error) {
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		return fmt.Sprintf("the %s is already used by another user", map[string]string{
			"username": "user name", "email": "email", "external_id": "user code"}[dup.Field]), nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return de.Error(), nil
	}
	return "", err
}
