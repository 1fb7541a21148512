package rest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/directory"
)

// ImportColumnJSON is one column of an import's file and the field it fills.
type ImportColumnJSON struct {
	Column int    `json:"column" doc:"The column's position, from 0"`
	Header string `json:"header" doc:"The column's header in the file"`
	Field  string `json:"field" doc:"The key of the field the column fills (see GET /imports/fields); empty when the column is left out"`
}

// ImportRowJSON is one data row of an import and what became of it.
type ImportRowJSON struct {
	Line     int                `json:"line" doc:"The row's number among the data rows, from 1"`
	FileLine int                `json:"file_line" doc:"The line of the file the row starts on (the header is line 1)"`
	Cells    []string           `json:"cells" doc:"The row's cells as uploaded"`
	Outcome  string             `json:"outcome" enum:"created,updated,unchanged,error," doc:"Empty while the row is not processed"`
	Message  string             `json:"message" doc:"Why the row is in error, or what it did"`
	UserID   string             `json:"user_id,omitempty" doc:"The user the row created or updated"`
	Name     string             `json:"name,omitempty" doc:"That user's name"`
	Changes  []directory.Change `json:"changes,omitempty" doc:"The fields an updating row changed, with their earlier values"`
	Rollback string             `json:"rollback,omitempty" doc:"What the rollback did with the row"`
}

// ImportPreviewJSON is the result of a dry run.
type ImportPreviewJSON struct {
	At      time.Time                  `json:"at"`
	Counts  directory.ImportCounts     `json:"counts"`
	Samples map[string][]ImportRowJSON `json:"samples" doc:"The first rows of each outcome, by outcome"`
}

// ImportJSON is an import with its settings and progress.
type ImportJSON struct {
	ID               string                 `json:"id"`
	Kind             string                 `json:"kind" enum:"users,relationships"`
	Mode             string                 `json:"mode" enum:"create,update,upsert" doc:"create (Import Users), update (Update Users) or upsert (create or update); relationship imports only add"`
	MatchBy          string                 `json:"match_by" enum:"username,external_id" doc:"How rows name existing users: by user name or by user code"`
	RelationshipKind string                 `json:"relationship_kind,omitempty" doc:"The kind of link a relationship import makes"`
	Invite           bool                   `json:"invite" doc:"Created users are mailed an invitation"`
	State            string                 `json:"state" enum:"draft,queued,running,done,failed,rolling_back,rolled_back"`
	FileName         string                 `json:"file_name"`
	Headers          []string               `json:"headers"`
	Mapping          []ImportColumnJSON     `json:"mapping"`
	Total            int                    `json:"total" doc:"Data rows in the file"`
	Done             int                    `json:"done" doc:"Rows processed so far; done/total is the progress"`
	Counts           directory.ImportCounts `json:"counts"`
	Preview          *ImportPreviewJSON     `json:"preview,omitempty" doc:"The last dry run; absent before one and after a settings change"`
	RollbackCounts   map[string]int         `json:"rollback_counts,omitempty" doc:"What the rollback did, by outcome (purged, disabled, reverted, partly reverted, kept, removed, already gone)"`
	Failure          string                 `json:"failure,omitempty" doc:"Why a failed import stopped"`
	Owner            string                 `json:"owner" doc:"The name of who uploaded the import"`
	RollbackBy       string                 `json:"rollback_by,omitempty" doc:"The name of who asked for the rollback"`
	CreatedAt        time.Time              `json:"created_at"`
	StartedAt        *time.Time             `json:"started_at"`
	FinishedAt       *time.Time             `json:"finished_at"`
	RolledBackAt     *time.Time             `json:"rolled_back_at"`
	Version          int64                  `json:"version"`
}

func importRowJSON(r *directory.ImportRow) ImportRowJSON {
	cells := r.Cells
	if cells == nil {
		cells = []string{}
	}
	return ImportRowJSON{Line: r.Line, FileLine: r.FileLine, Cells: cells, Outcome: r.Outcome, Message: r.Message,
		UserID: r.UserID, Name: r.Name, Changes: r.Changes, Rollback: r.Rollback}
}

func importJSON(im *directory.Import) *ImportJSON {
	out := &ImportJSON{ID: im.ID, Kind: string(im.Kind), Mode: string(im.Mode), MatchBy: im.MatchBy,
		RelationshipKind: im.RelationshipKind, Invite: im.Invite, State: string(im.State), FileName: im.FileName,
		Headers: im.Headers, Total: im.Total, Done: im.Done, Counts: im.Counts, RollbackCounts: im.RollbackCounts,
		Failure: im.Failure, Owner: im.Owner.ActorName, RollbackBy: im.RollbackByName, CreatedAt: im.CreatedAt,
		StartedAt: optTime(im.StartedAt), FinishedAt: optTime(im.FinishedAt), RolledBackAt: optTime(im.RolledBackAt),
		Version: im.Version}
	if out.Headers == nil {
		out.Headers = []string{}
	}
	out.Mapping = make([]ImportColumnJSON, len(im.Headers))
	for i, h := range im.Headers {
		out.Mapping[i] = ImportColumnJSON{Column: i, Header: h}
		if i < len(im.Mapping) {
			out.Mapping[i].Field = im.Mapping[i]
		}
	}
	if p := im.Preview; p != nil {
		out.Preview = &ImportPreviewJSON{At: p.At, Counts: p.Counts, Samples: map[string][]ImportRowJSON{}}
		for outcome, rows := range p.Samples {
			list := make([]ImportRowJSON, 0, len(rows))
			for i := range rows {
				list = append(list, importRowJSON(&rows[i]))
			}
			out.Preview.Samples[outcome] = list
		}
	}
	return out
}

// mappingFromJSON reads the mapping of PATCH /imports/{id}: a list with one
// field (or "") per column, or an object from header to field (changes to
// the import's mapping).
func mappingFromJSON(v any) ([]string, []admin.MappingChange, error) {
	text := func(x any) (string, bool) {
		if x == nil {
			return "", true
		}
		s, ok := x.(string)
		return strings.TrimSpace(s), ok
	}
	switch m := v.(type) {
	case []any:
		out := make([]string, 0, len(m))
		for i, x := range m {
			s, ok := text(x)
			if !ok {
				return nil, nil, fmt.Errorf("item %d must be a field key or an empty string", i)
			}
			out = append(out, s)
		}
		return out, nil, nil
	case map[string]any:
		names := slices.Sorted(maps.Keys(m))
		changes := make([]admin.MappingChange, 0, len(m))
		for _, h := range names {
			s, ok := text(m[h])
			if !ok {
				return nil, nil, fmt.Errorf("the field of %q must be a field key or an empty string", h)
			}
			changes = append(changes, admin.MappingChange{Header: h, Field: s})
		}
		return nil, changes, nil
	}
	return nil, nil, fmt.Errorf(`must be a list with one field per column (["first_name", "", …]) or an object from header to field ({"First": "first_name"})`)
}
