package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"roster/internal/csvfile"
	"roster/internal/directory"
	"roster/internal/store"
)

// ImportUpload is a CSV file handed to an import.
type ImportUpload struct {
	Kind     directory.ImportKind
	FileName string
	Body     io.Reader
	// Settings, when not nil, are applied to the new draft as
	// ConfigureImport would: settings that cannot apply refuse the upload.
	Settings *ImportSettings
}

// The fields a relationship import maps its two columns to.
const (
	RelationParent  = "parent"
	RelationStudent = "student"
)

// relationshipColumns are the columns of a relationship import.
var relationshipColumns = []Column{
	{Key: RelationParent, Label: "Parent identifier", Group: ColumnGeneral, Importable: true,
		Aliases: []string{"parent", "parent id", "parent user name", "parent username", "parent user code", "parent code", "guardian", "from"}},
	{Key: RelationStudent, Label: "Student identifier", Group: ColumnGeneral, Importable: true,
		Aliases: []string{"student", "student id", "student user name", "student username", "student user code", "student code", "child", "to"}},
}

// ImportColumns returns the fields the columns of an import of kind may be
// mapped to. It takes users.import.
func (s *Service) ImportColumns(ctx context.Context, a *Actor, kind directory.ImportKind) ([]Column, error) {
	if err := s.authorize(a, "users.import"); err != nil {
		return nil, err
	}
	if kind == directory.ImportRelationships {
		return relationshipColumns, nil
	}
	cols, err := s.UserColumns(ctx, a)
	if err != nil {
		return nil, err
	}
	out := cols[:0:0]
	for _, c := range cols {
		if c.Importable {
			out = append(out, c)
		}
	}
	return out, nil
}

// UploadImport reads a CSV file into a new draft import, with a mapping
// proposed from the header (the mapping last saved for the same header,
// else one guessed from the column names), changed by up.Settings when
// given. It takes users.import. A file that is not well-formed CSV within
// the limits (see csvfile) is KindInvalid with the reason on the field
// "file", settings that cannot apply are KindInvalid as for
// ConfigureImport, and in either case nothing is stored.
func (s *Service) UploadImport(ctx context.Context, a *Actor, up ImportUpload) (*directory.Import, error) {
	if err := s.authorize(a, "users.import"); err != nil {
		return nil, err
	}
	if up.Kind == "" {
		up.Kind = directory.ImportUsers
	}
	if up.Kind != directory.ImportUsers && up.Kind != directory.ImportRelationships {
		return nil, fieldError("kind", "must be users or relationships")
	}
	f, err := csvfile.Read(up.Body)
	if err != nil {
		var ce *csvfile.Error
		if errors.As(err, &ce) {
			return nil, fieldError("file", ce.Error())
		}
		return nil, fmt.Errorf("read the upload: %w", err)
	}
	name := strings.TrimSpace(up.FileName)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	im := &directory.Import{ID: newID(), OrgID: a.OrgID, Kind: up.Kind, Mode: directory.ImportCreate,
		MatchBy: directory.MatchUsername, FileName: name, Delimiter: f.Delimiter, Headers: f.Headers,
		State: directory.ImportDraft, Total: len(f.Rows), CreatedAt: s.now(), Owner: ownerOf(a)}
	if up.Kind == directory.ImportRelationships {
		im.RelationshipKind = "parent_of"
	}
	saved, err := s.db.ImportMappingFor(ctx, a.OrgID, up.Kind, f.Headers)
	if err != nil {
		return nil, err
	}
	if saved != nil {
		im.Mapping = saved.Mapping
	} else {
		cols, err := s.ImportColumns(ctx, a, up.Kind)
		if err != nil {
			return nil, err
		}
		im.Mapping = ProposeMapping(cols, f.Headers)
	}
	if up.Settings != nil {
		if err := s.applySettings(ctx, a, im, up.Settings); err != nil {
			return nil, err
		}
	}
	err = s.db.InCopyTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateImport(ctx, im, f.Rows, f.Lines); err != nil {
			return err
		}
		if up.Settings != nil {
			if err := s.saveMapping(ctx, tx, a, im, up.Settings.SaveAs); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "import.upload", "import", im.ID, importName(im),
			created(map[string]any{"kind": string(im.Kind), "file_name": im.FileName, "rows": im.Total}))
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

func fieldError(field, msg string) error {
	return &directory.Error{Kind: directory.KindInvalid, Message: msg,
		Fields: []directory.FieldError{{Field: field, Message: msg}}}
}

// importName names an import in the audit log and on pages.
func importName(im *directory.Import) string {
	if im.FileName != "" {
		return im.FileName
	}
	return "import of " + im.CreatedAt.UTC().Format("2006-01-02 15:04")
}

// ownerOf records who an actor is, for the worker to act as them later.
func ownerOf(a *Actor) directory.ImportOwner {
	o := directory.ImportOwner{ActorID: a.UserID, ActorName: a.Name, TokenID: a.TokenID,
		ImpersonatorID: a.ImpersonatorID, Operator: a.operator, IP: a.IP, RequestID: a.RequestID}
	if a.Grant != nil {
		o.GrantID = a.Grant.ID
	}
	return o
}

// importOf loads an import the actor may see: their own, or anyone's when
// they hold users.import organization-wide (imports can touch users across
// the organization, so a scoped importer sees only theirs).
func (s *Service) importOf(ctx context.Context, c *store.Conn, a *Actor, id string) (*directory.Import, error) {
	if err := s.authorize(a, "users.import"); err != nil {
		return nil, err
	}
	im, err := c.Import(ctx, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !a.operator && !a.OrgWide() && im.Owner.ActorID != a.UserID {
		return nil, directory.NotFound("import")
	}
	return im, nil
}

// Import returns one import with its progress.
func (s *Service) Import(ctx context.Context, a *Actor, id string) (*directory.Import, error) {
	return s.importOf(ctx, &s.db.Conn, a, id)
}

// ImportPage is a page of the import history.
type ImportPage struct {
	Imports []*directory.Import
	Next    *store.ImportCursor
}

// Imports lists the import history, newest first (a scoped importer's
// own imports only).
func (s *Service) Imports(ctx context.Context, a *Actor, limit int, after *store.ImportCursor) (*ImportPage, error) {
	if err := s.authorize(a, "users.import"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	mine := ""
	if !a.operator && !a.OrgWide() {
		mine = a.UserID
	}
	list, next, err := s.db.Imports(ctx, a.OrgID, mine, limit, after)
	if err != nil {
		return nil, err
	}
	return &ImportPage{Imports: list, Next: next}, nil
}

// ImportSettings are what an administrator chooses for a draft import.
type ImportSettings struct {
	Mode directory.ImportMode
	// MatchBy is how rows name existing users (update and upsert) or, in a
	// relationship import, both users: directory.MatchUsername or
	// MatchExternalID.
	MatchBy string
	// Mapping gives each column's field key, "" to leave it out; nil keeps
	// the mapping as it is.
	Mapping []string
	// Changes then give some columns, named by their header, another
	// field (see ParseMappingPairs).
	Changes []MappingChange
	Invite  bool
	// RelationshipKind is the kind of link a relationship import makes.
	RelationshipKind string
	// SaveAs, when not blank, saves the mapping under this name.
	SaveAs string
}

// ConfigureImport sets the mode, the matching and the mapping of a draft
// import, checked against the fields of its kind: each field mapped once
// at most, the fields the mode needs mapped, invitations only for an
// actor with users.invite. Problems are KindInvalid with a message per
// field ("mapping.3" for the fourth column); an import past its draft is
// KindConflict.
func (s *Service) ConfigureImport(ctx context.Context, a *Actor, id string, in ImportSettings) (*directory.Import, error) {
	var out *directory.Import
	err := s.inTx(ctx, func(tx *store.Tx) error {
		im, err := s.importOf(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if im.State != directory.ImportDraft {
			return directory.Errorf(directory.KindConflict, "the import has started; its settings can no longer change")
		}
		if err := s.applySettings(ctx, a, im, &in); err != nil {
			return err
		}
		im.Preview = nil
		if err := tx.SaveImport(ctx, im); err != nil {
			return err
		}
		if err := s.saveMapping(ctx, tx, a, im, in.SaveAs); err != nil {
			return err
		}
		out = im
		return nil
	})
	return out, err
}

// saveMapping saves the mapping of im under name, unless name is blank.
func (s *Service) saveMapping(ctx context.Context, tx *store.Tx, a *Actor, im *directory.Import, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	now := s.now()
	return tx.SaveImportMapping(ctx, &directory.ImportMapping{ID: newID(), OrgID: a.OrgID, Kind: im.Kind, Name: name,
		Headers: im.Headers, Mapping: im.Mapping, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now})
}

// applySettings validates in against im's kind and copies it into im.
func (s *Service) applySettings(ctx context.Context, a *Actor, im *directory.Import, in *ImportSettings) error {
	var v directory.Validation
	if in.Mapping != nil {
		if len(in.Mapping) != len(im.Headers) {
			v.Add("mapping", "give one field (or none) for each of the %d columns", len(im.Headers))
		} else {
			im.Mapping = slices.Clone(in.Mapping)
		}
	}
	if in.MatchBy == "" {
		in.MatchBy = directory.MatchUsername
	}
	if in.MatchBy != directory.MatchUsername && in.MatchBy != directory.MatchExternalID {
		v.Add("match_by", "must be username or external_id")
	}
	im.MatchBy = in.MatchBy
	cols, err := s.ImportColumns(ctx, a, im.Kind)
	if err != nil {
		return err
	}
	if len(in.Changes) > 0 && v.Err() == nil {
		changed, err := changeMapping(im.Mapping, im.Headers, in.Changes, cols)
		if err != nil {
			v.Add("mapping", "%s", err.Error())
		} else {
			im.Mapping = changed
		}
	}
	known := map[string]Column{}
	for _, c := range cols {
		known[c.Key] = c
	}
	mapped := map[string]int{}
	for i, key := range im.Mapping {
		if key == "" {
			continue
		}
		c, ok := known[key]
		switch {
		case !ok:
			v.Add(fmt.Sprintf("mapping.%d", i), "%q is not a field an import can fill", key)
		case mapped[key] > 0:
			v.Add(fmt.Sprintf("mapping.%d", i), "%s is already mapped to column %d (%s)", c.Label, mapped[key], im.Headers[mapped[key]-1])
		default:
			mapped[key] = i + 1
		}
	}
	need := func(key, why string) {
		if mapped[key] == 0 {
			v.Add("mapping", "map a column to %s: %s", known[key].Label, why)
		}
	}
	if im.Kind == directory.ImportRelationships {
		need(RelationParent, "it names the parent")
		need(RelationStudent, "it names the student")
		if strings.TrimSpace(in.RelationshipKind) != "" {
			im.RelationshipKind = strings.TrimSpace(in.RelationshipKind)
		}
		kinds, err := kindsByKey(ctx, &s.db.Conn, a.OrgID)
		if err != nil {
			return err
		}
		if _, ok := kinds[im.RelationshipKind]; !ok {
			v.Add("relationship_kind", "is not a relationship kind of this organization")
		}
		return v.Err()
	}
	if in.Mode == "" {
		in.Mode = im.Mode
	}
	if !in.Mode.Valid() {
		v.Add("mode", "must be create, update or upsert")
	}
	im.Mode = in.Mode
	if in.Mode == directory.ImportCreate || in.Mode == directory.ImportUpsert {
		need("first_name", "new users need a first name")
		need("last_name", "new users need a last name")
		if mapped["username"] == 0 && mapped["email"] == 0 {
			v.Add("mapping", "map a column to User name (or to Email, to derive user names from it)")
		}
	}
	if in.Mode == directory.ImportUpdate || in.Mode == directory.ImportUpsert {
		if in.MatchBy == directory.MatchExternalID {
			need("external_id", "rows are matched to users by user code")
		} else {
			need("username", "rows are matched to users by user name")
		}
	}
	if in.Invite && !a.Can("users.invite") {
		v.Add("invite", "your role does not allow sending invitations (users.invite)")
	}
	if in.Invite && mapped["email"] == 0 {
		v.Add("invite", "map a column to Email to send invitations")
	}
	im.Invite = in.Invite
	return v.Err()
}

// StartImport queues a draft import for the background worker (or, for a
// failed import, queues the rest of it again). It checks the settings
// once more; an import in any other state is KindConflict.
func (s *Service) StartImport(ctx context.Context, a *Actor, id string) (*directory.Import, error) {
	var out *directory.Import
	err := s.inTx(ctx, func(tx *store.Tx) error {
		im, err := s.importOf(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		switch im.State {
		case directory.ImportDraft:
			in := ImportSettings{Mode: im.Mode, MatchBy: im.MatchBy, Invite: im.Invite, RelationshipKind: im.RelationshipKind}
			if err := s.applySettings(ctx, a, im, &in); err != nil {
				return err
			}
			im.StartedAt = s.now()
		case directory.ImportFailed:
			im.Failure = ""
		default:
			return directory.Errorf(directory.KindConflict, "the import is %s; only a draft or a failed import can start", strings.ReplaceAll(string(im.State), "_", " "))
		}
		// Whoever starts the import runs it: the worker acts with their
		// rights, which the settings were just checked against.
		im.State, im.Owner = directory.ImportQueued, ownerOf(a)
		if err := tx.SaveImport(ctx, im); err != nil {
			return err
		}
		out = im
		return s.record(ctx, tx, a, "import.start", "import", im.ID, importName(im), []directory.Change{
			{Field: "mode", After: string(im.Mode)}, {Field: "rows", After: im.Total}})
	})
	return out, err
}

// RollbackImport queues the undoing of a finished import: users it
// created are purged (or, when they have signed in since, disabled), the
// fields it changed return to their earlier values unless changed again
// since, and the grants, memberships and relationships it added are
// removed. It takes users.import and runs with the rights of whoever asks
// for it. An import that has not finished, or was already rolled back, is
// KindConflict.
func (s *Service) RollbackImport(ctx context.Context, a *Actor, id string) (*directory.Import, error) {
	var out *directory.Import
	err := s.inTx(ctx, func(tx *store.Tx) error {
		im, err := s.importOf(ctx, &tx.Conn, a, id)
		if err != nil {
			return err
		}
		if im.State != directory.ImportDone && im.State != directory.ImportFailed {
			return directory.Errorf(directory.KindConflict, "only a finished import can be rolled back; this one is %s", strings.ReplaceAll(string(im.State), "_", " "))
		}
		if !im.RollbackAt.IsZero() {
			return directory.Errorf(directory.KindConflict, "the import was already rolled back")
		}
		o := ownerOf(a)
		im.State, im.RollbackAt, im.RollbackBy, im.RollbackByName, im.RollbackOwner = directory.ImportRollingBack, s.now(), a.UserID, a.Name, &o
		if err := tx.SaveImport(ctx, im); err != nil {
			return err
		}
		out = im
		return s.record(ctx, tx, a, "import.rollback", "import", im.ID, importName(im), nil)
	})
	return out, err
}

// ImportRows returns processed rows of an import in line order after
// line afterLine, with one outcome or all ("").
func (s *Service) ImportRows(ctx context.Context, a *Actor, id, outcome string, afterLine, limit int) ([]*directory.ImportRow, error) {
	im, err := s.importOf(ctx, &s.db.Conn, a, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, undo, err := s.db.ImportResults(ctx, im.ID, store.ImportResultFilter{Outcome: outcome, AfterLine: afterLine, Limit: limit})
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		r.Changes = undoChanges(undo[i])
	}
	return rows, nil
}

// ImportExceptions writes the rows of an import that were refused, as
// CSV rows: the original header and cells followed by a "Reason" column,
// through emit (header first). It walks every error row in pages.
func (s *Service) ImportExceptions(ctx context.Context, a *Actor, id string, emit func(cells []string) error) error {
	im, err := s.importOf(ctx, &s.db.Conn, a, id)
	if err != nil {
		return err
	}
	if err := emit(append(slices.Clone(im.Headers), "Line", "Reason")); err != nil {
		return err
	}
	after := 0
	for {
		rows, _, err := s.db.ImportResults(ctx, im.ID, store.ImportResultFilter{Outcome: directory.RowError, AfterLine: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := emit(append(slices.Clone(r.Cells), fmt.Sprint(r.FileLine), r.Message)); err != nil {
				return err
			}
			after = r.Line
		}
		if len(rows) < 1000 {
			return nil
		}
	}
}

// ImportMappings lists the mappings saved for a kind of import.
func (s *Service) ImportMappings(ctx context.Context, a *Actor, kind directory.ImportKind) ([]*directory.ImportMapping, error) {
	if err := s.authorize(a, "users.import"); err != nil {
		return nil, err
	}
	return s.db.ImportMappings(ctx, a.OrgID, kind)
}

// DeleteImportMapping removes a saved mapping.
func (s *Service) DeleteImportMapping(ctx context.Context, a *Actor, id string) error {
	if err := s.authorize(a, "users.import"); err != nil {
		return err
	}
	return s.db.DeleteImportMapping(ctx, a.OrgID, id)
}

// ApplyMapping fits a saved mapping to a file's header: each header gets
// the field the mapping gave a header of the same name, or "".
func ApplyMapping(m *directory.ImportMapping, headers []string) []string {
	byName := map[string]string{}
	for i, h := range m.Headers {
		if i < len(m.Mapping) {
			byName[directory.FoldKey(strings.TrimSpace(h))] = m.Mapping[i]
		}
	}
	out := make([]string, len(headers))
	for i, h := range headers {
		out[i] = byName[directory.FoldKey(strings.TrimSpace(h))]
	}
	return out
}

// ImportSampleRows returns the first n data rows of an import as uploaded,
// for the mapping step to show what each column holds.
func (s *Service) ImportSampleRows(ctx context.Context, a *Actor, id string, n int) ([]*directory.ImportRow, error) {
	im, err := s.importOf(ctx, &s.db.Conn, a, id)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > 100 {
		n = 5
	}
	return s.db.ImportRows(ctx, im.ID, 1, n)
}
