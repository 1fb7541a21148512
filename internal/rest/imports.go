package rest

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/admin"
	"roster/internal/csvfile"
	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/store"
)

// importBodyBytes is the largest upload: the largest file an import takes
// and room for a little more, so that a file just over the limit is
// refused by the import with its own clear message rather than cut off.
const importBodyBytes = csvfile.MaxBytes + 64<<10

type importOutput struct {
	Location string `header:"Location"`
	Body     *ImportJSON
}

// ImportIDInput names the import a request is about. It is exported
// because huma only reads parameters of exported embedded structs.
type ImportIDInput struct {
	ID string `path:"id" doc:"The import's id"`
}

// ImportSettingsQuery are the settings an upload may carry in its query,
// so that one request uploads and configures.
type ImportSettingsQuery struct {
	Mode             string `query:"mode" enum:"create,update,upsert," doc:"What the rows do (users only); default create"`
	MatchBy          string `query:"match_by" enum:"username,external_id," doc:"How rows name existing users; default username"`
	Invite           bool   `query:"invite" doc:"Mail created users an invitation (needs users.invite and an Email column)"`
	RelationshipKind string `query:"relationship_kind" maxLength:"100" doc:"The kind of link a relationship import makes; default parent_of"`
	Map              string `query:"map" maxLength:"20000" doc:"Column=field pairs separated by commas (First=first_name,Code=external_id) overriding the proposed mapping; an empty field leaves a column out"`
	SaveAs           string `query:"save_as" maxLength:"200" doc:"Save the mapping under this name for later files with the same header"`
}

func (q *ImportSettingsQuery) given() bool {
	return q.Mode != "" || q.MatchBy != "" || q.Invite || q.RelationshipKind != "" || q.Map != "" || q.SaveAs != ""
}

// ImportPatchBody is the body of PATCH /imports/{id}: absent fields keep
// their value.
type ImportPatchBody struct {
	Mode             *string `json:"mode,omitempty" enum:"create,update,upsert"`
	MatchBy          *string `json:"match_by,omitempty" enum:"username,external_id"`
	Mapping          any     `json:"mapping,omitempty" doc:"One field key (or \"\") per column, as a list; or an object from header to field key, changing only the columns it names"`
	Invite           *bool   `json:"invite,omitempty"`
	RelationshipKind *string `json:"relationship_kind,omitempty" maxLength:"100"`
	SaveAs           string  `json:"save_as,omitempty" maxLength:"200" doc:"Save the resulting mapping under this name"`
}

// ImportFieldJSON is a field a column of an import may fill.
type ImportFieldJSON struct {
	Key   string `json:"key" doc:"What a mapping names: first_name, custom:grade, parent…"`
	Label string `json:"label" doc:"The header Roster writes and recognises"`
	Group string `json:"group" enum:"general,advanced,other"`
}

// ImportMappingJSON is a mapping saved for reuse.
type ImportMappingJSON struct {
	ID        string             `json:"id"`
	Kind      string             `json:"kind" enum:"users,relationships"`
	Name      string             `json:"name"`
	Columns   []ImportColumnJSON `json:"columns" doc:"The header it was saved for, with the field of each column"`
	CreatedAt time.Time          `json:"created_at"`
}

func (h *Handler) registerImports() {
	tags := []string{"Imports"}
	huma.Register(h.api, huma.Operation{OperationID: "upload-import", Method: http.MethodPost, Path: Prefix + "/imports",
		Summary: "Upload a CSV file to import", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: importBodyBytes,
		Description: "The body is the file itself (UTF-8 with or without a byte-order mark; comma, semicolon or tab; " +
			"up to 100,000 rows and 50 MB). It becomes a draft import with a mapping proposed from the header " +
			"(the mapping last saved for the same header, else one guessed from the names). The settings of PATCH /imports/{id} " +
			"may be given in the query at once. A file Roster cannot read answers 422 with the reason on the field file. " +
			"Takes users.import."},
		func(ctx context.Context, in *struct {
			Kind     string `query:"kind" enum:"users,relationships," doc:"users (the default) or relationships"`
			FileName string `query:"file_name" maxLength:"255" doc:"The name of the uploaded file, for the history"`
			ImportSettingsQuery
			RawBody []byte `contentType:"text/csv"`
		}) (*importOutput, error) {
			up := admin.ImportUpload{Kind: directory.ImportKind(in.Kind), FileName: in.FileName, Body: bytes.NewReader(in.RawBody)}
			if q := in.ImportSettingsQuery; q.given() {
				up.Settings = &admin.ImportSettings{Mode: directory.ImportMode(q.Mode), MatchBy: q.MatchBy, Invite: q.Invite,
					RelationshipKind: q.RelationshipKind, SaveAs: q.SaveAs}
				changes, err := admin.ParseMappingPairs(q.Map)
				if err != nil {
					return nil, invalid("query.map", err.Error())
				}
				up.Settings.Changes = changes
			}
			im, err := h.svc.UploadImport(ctx, actorOf(ctx), up)
			if err != nil {
				return nil, h.uploadProblem(ctx, err)
			}
			return &importOutput{Location: Prefix + "/imports/" + im.ID, Body: importJSON(im)}, nil
		})

	// huma requires a raw body; an empty file is rather the import's to
	// refuse, with the same message as any other file it cannot read.
	if up := h.api.OpenAPI().Paths[Prefix+"/imports"]; up != nil && up.Post != nil && up.Post.RequestBody != nil {
		up.Post.RequestBody.Required = false
	}

	huma.Register(h.api, huma.Operation{OperationID: "list-imports", Method: http.MethodGet, Path: Prefix + "/imports",
		Summary: "List the import history", Tags: tags,
		Description: "Newest first. An importer whose users.import is limited to a unit sees only their own imports. Takes users.import."},
		func(ctx context.Context, in *struct {
			Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
			Cursor string `query:"cursor" doc:"The next_cursor of the previous page"`
		}) (*struct {
			Body struct {
				Items      []*ImportJSON `json:"items"`
				NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
			}
		}, error) {
			var after *store.ImportCursor
			if in.Cursor != "" {
				after = &store.ImportCursor{}
				if err := decodeCursor(in.Cursor, after); err != nil || after.ID == "" {
					return nil, invalid("query.cursor", "is not a cursor this API gave out")
				}
			}
			page, err := h.svc.Imports(ctx, actorOf(ctx), in.Limit, after)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Items      []*ImportJSON `json:"items"`
					NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
				}
			}{}
			out.Body.Items = make([]*ImportJSON, 0, len(page.Imports))
			for _, im := range page.Imports {
				out.Body.Items = append(out.Body.Items, importJSON(im))
			}
			if page.Next != nil {
				out.Body.NextCursor = encodeCursor(page.Next)
			}
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-import-fields", Method: http.MethodGet, Path: Prefix + "/imports/fields",
		Summary: "The fields an import's columns may fill", Tags: tags,
		Description: "For users: general (first name, last name, user name, email), advanced (role, scope, phone, job title, " +
			"user code, status, supervisor, department, groups, license, password hash…) and other (address, custom fields). " +
			"For relationships: parent and student."},
		func(ctx context.Context, in *struct {
			Kind string `query:"kind" enum:"users,relationships," doc:"users (the default) or relationships"`
		}) (*itemsOutput[ImportFieldJSON], error) {
			kind := directory.ImportKind(in.Kind)
			if kind == "" {
				kind = directory.ImportUsers
			}
			cols, err := h.svc.ImportColumns(ctx, actorOf(ctx), kind)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(cols, func(c admin.Column) ImportFieldJSON {
				return ImportFieldJSON{Key: c.Key, Label: c.Label, Group: c.Group}
			}), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "get-import", Method: http.MethodGet, Path: Prefix + "/imports/{id}",
		Summary: "Get an import with its progress", Tags: tags,
		Description: "done/total is the progress of a running import (or of its rollback); counts are final once the state is done."},
		func(ctx context.Context, in *ImportIDInput) (*importOutput, error) {
			im, err := h.svc.Import(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &importOutput{Body: importJSON(im)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "configure-import", Method: http.MethodPatch, Path: Prefix + "/imports/{id}",
		Summary: "Choose a draft import's mode, matching and mapping", Tags: tags, MaxBodyBytes: 1 << 20,
		Description: "Only a draft can change (409 otherwise). Problems name their field: mapping, mapping.N (the column from 0), " +
			"mode, match_by, invite, relationship_kind. A change drops the last preview."},
		func(ctx context.Context, in *struct {
			ImportIDInput
			Body ImportPatchBody
		}) (*importOutput, error) {
			a := actorOf(ctx)
			im, err := h.svc.Import(ctx, a, in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			b := in.Body
			set := admin.ImportSettings{Mode: im.Mode, MatchBy: im.MatchBy, Invite: im.Invite,
				RelationshipKind: im.RelationshipKind, SaveAs: b.SaveAs}
			if b.Mode != nil {
				set.Mode = directory.ImportMode(*b.Mode)
			}
			if b.MatchBy != nil {
				set.MatchBy = *b.MatchBy
			}
			if b.Invite != nil {
				set.Invite = *b.Invite
			}
			if b.RelationshipKind != nil {
				set.RelationshipKind = *b.RelationshipKind
			}
			if b.Mapping != nil {
				if set.Mapping, set.Changes, err = mappingFromJSON(b.Mapping); err != nil {
					return nil, invalid("body.mapping", err.Error())
				}
			}
			im, err = h.svc.ConfigureImport(ctx, a, in.ID, set)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &importOutput{Body: importJSON(im)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "preview-import", Method: http.MethodPost, Path: Prefix + "/imports/{id}/preview",
		Summary: "Dry-run a draft import", Tags: tags,
		Description: "Checks every row as the real run would and answers the import with preview: the counts of rows to create, " +
			"to update, unchanged and in error, and the first rows of each. Nothing else changes."},
		func(ctx context.Context, in *ImportIDInput) (*importOutput, error) {
			im, err := h.svc.PreviewImport(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &importOutput{Body: importJSON(im)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "start-import", Method: http.MethodPost, Path: Prefix + "/imports/{id}/start",
		Summary: "Run an import in the background", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Queues a draft (or the rest of a failed import) for the background worker; follow it with GET /imports/{id}. " +
			"Rows in error are skipped and listed; every other row is applied, each whole or not at all."},
		func(ctx context.Context, in *ImportIDInput) (*importOutput, error) {
			im, err := h.svc.StartImport(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &importOutput{Location: Prefix + "/imports/" + im.ID, Body: importJSON(im)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-import-rows", Method: http.MethodGet, Path: Prefix + "/imports/{id}/rows",
		Summary: "The rows of an import with what each did", Tags: tags,
		Description: "Processed rows in file order, optionally of one outcome."},
		func(ctx context.Context, in *struct {
			ImportIDInput
			Outcome string `query:"outcome" enum:"created,updated,unchanged,error," doc:"Only rows with this outcome"`
			After   int    `query:"after" minimum:"0" doc:"Rows after this line (the next_cursor of the previous page)"`
			Limit   int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
		}) (*struct {
			Body struct {
				Items      []ImportRowJSON `json:"items"`
				NextCursor string          `json:"next_cursor,omitempty" doc:"Pass as after for the next page; absent on the last page"`
			}
		}, error) {
			rows, err := h.svc.ImportRows(ctx, actorOf(ctx), in.ID, in.Outcome, in.After, in.Limit)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Items      []ImportRowJSON `json:"items"`
					NextCursor string          `json:"next_cursor,omitempty" doc:"Pass as after for the next page; absent on the last page"`
				}
			}{}
			out.Body.Items = make([]ImportRowJSON, 0, len(rows))
			for _, r := range rows {
				out.Body.Items = append(out.Body.Items, importRowJSON(r))
			}
			if len(rows) == in.Limit && len(rows) > 0 {
				out.Body.NextCursor = strconv.Itoa(rows[len(rows)-1].Line)
			}
			return out, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "import-exceptions", Method: http.MethodGet, Path: Prefix + "/imports/{id}/exceptions",
		Summary: "Download the rows an import refused, as CSV", Tags: tags, Responses: exportResponses("The refused rows"),
		Description: "The file's own header and cells followed by Line (the line of the uploaded file) and Reason, ready to fix " +
			"and upload again. Cells starting with = + - @, a tab or a carriage return get a leading '."},
		func(ctx context.Context, in *ImportIDInput) (*huma.StreamResponse, error) {
			a := actorOf(ctx)
			return h.stream(ctx, "import-exceptions", sheet.CSV, func(w sheet.Writer) error {
				return h.svc.ImportExceptions(ctx, a, in.ID, w.WriteRow)
			}), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "rollback-import", Method: http.MethodPost, Path: Prefix + "/imports/{id}/rollback",
		Summary: "Undo a finished import", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Queues the undoing of the whole import: users it created are purged (or disabled when they have signed in since), " +
			"fields it changed return to their earlier values unless changed again since (those are reported, not overwritten), " +
			"and what it added is removed. rollback_counts says what happened; each row's rollback says what became of it."},
		func(ctx context.Context, in *ImportIDInput) (*importOutput, error) {
			im, err := h.svc.RollbackImport(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &importOutput{Body: importJSON(im)}, nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "list-import-mappings", Method: http.MethodGet, Path: Prefix + "/import-mappings",
		Summary: "The mappings saved for reuse", Tags: tags},
		func(ctx context.Context, in *struct {
			Kind string `query:"kind" enum:"users,relationships," doc:"users (the default) or relationships"`
		}) (*itemsOutput[ImportMappingJSON], error) {
			kind := directory.ImportKind(in.Kind)
			if kind == "" {
				kind = directory.ImportUsers
			}
			list, err := h.svc.ImportMappings(ctx, actorOf(ctx), kind)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return itemsOf(list, importMappingJSON), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "delete-import-mapping", Method: http.MethodDelete, Path: Prefix + "/import-mappings/{id}",
		Summary: "Forget a saved mapping", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID string `path:"id" doc:"The mapping's id"`
		}) (*struct{}, error) {
			if err := h.svc.DeleteImportMapping(ctx, actorOf(ctx), in.ID); err != nil {
				return nil, h.fail(ctx, err)
			}
			return nil, nil
		})
}

func importMappingJSON(m *directory.ImportMapping) ImportMappingJSON {
	out := ImportMappingJSON{ID: m.ID, Kind: string(m.Kind), Name: m.Name,
		CreatedAt: m.CreatedAt, Columns: make([]ImportColumnJSON, len(m.Headers))}
	for i, hd := range m.Headers {
		out.Columns[i] = ImportColumnJSON{Column: i, Header: hd}
		if i < len(m.Mapping) {
			out.Columns[i].Field = m.Mapping[i]
		}
	}
	return out
}

// uploadProblem answers an upload that was refused: the file's problem
// concerns the body; the others the settings of the query, the mapping's
// coming from the map parameter.
func (h *Handler) uploadProblem(ctx context.Context, err error) error {
	p := h.problem(ctx, err)
	for _, e := range p.Errors {
		switch name := strings.TrimPrefix(e.Location, "body."); {
		case name == "file":
		case name == "mapping" || strings.HasPrefix(name, "mapping."):
			e.Location = "query.map"
		default:
			e.Location = "query." + name
		}
	}
	return p
}
