package rest

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"roster/internal/sheet"
	"roster/internal/store"
)

// UsersQuery is the query of GET /users, which an export of users takes
// too. It is an exported name only because huma reads the parameters of
// exported fields alone, embedded ones included.
type UsersQuery = userListInput

// userExportInput is the users list's query, which selects the users to
// export, with the file's format and columns.
type userExportInput struct {
	UsersQuery
	Format  string `query:"format" enum:"csv,xlsx," doc:"csv (the default: UTF-8 with a byte-order mark, CRLF) or xlsx"`
	Columns string `query:"columns" maxLength:"4000" doc:"Column keys separated by commas (username,email,role,custom:grade…); the default is every exportable column"`
}

// relationshipExportInput selects the relationships to export.
type relationshipExportInput struct {
	Kind   string `query:"kind" doc:"A relationship kind key (parent_of…); the default is every kind"`
	Format string `query:"format" enum:"csv,xlsx," doc:"csv (the default) or xlsx"`
}

// auditExportInput is the audit list's filter with the file's format.
type auditExportInput struct {
	ActorID    string `query:"actor_id"`
	TargetID   string `query:"target_id"`
	TargetType string `query:"target_type"`
	Action     string `query:"action" doc:"An action (user.update) or a prefix ending in a dot (user.)"`
	From       string `query:"from" doc:"RFC 3339; inclusive"`
	To         string `query:"to" doc:"RFC 3339; exclusive"`
	Format     string `query:"format" enum:"csv,xlsx," doc:"csv (the default) or xlsx"`
}

// exportResponses describes the files an export answers with.
func exportResponses(what string) map[string]*huma.Response {
	file := &huma.Schema{Type: "string", Format: "binary"}
	return map[string]*huma.Response{"200": {
		Description: what + ", as an attachment; the first row holds the column labels",
		Headers: map[string]*huma.Param{"Content-Disposition": {Description: "attachment; filename=\"…-YYYYMMDD.csv\" (or .xlsx)",
			Schema: &huma.Schema{Type: "string"}}},
		Content: map[string]*huma.MediaType{
			"text/csv":               {Schema: file},
			sheet.XLSX.ContentType(): {Schema: file},
		}}}
}

func (h *Handler) registerExports() {
	huma.Register(h.api, huma.Operation{OperationID: "export-users", Method: http.MethodGet, Path: Prefix + "/users/export",
		Summary: "Export users as CSV or XLSX", Tags: []string{"Users"}, Responses: exportResponses("The users"),
		Description: "Streams every user the token may view that matches the query of GET /users (search, filters, sort and order; " +
			"limit and cursor are ignored, since the export covers every page). Takes users.export and users.view. " +
			"Values are written as an import reads them back, and cells starting with = + - @, a tab or a carriage return get a leading '. " +
			"Errors found before the file starts (a bad filter, an unknown column) answer as problem details."},
		func(ctx context.Context, in *userExportInput) (*huma.StreamResponse, error) {
			f, p := userFilter(&in.UsersQuery)
			if p != nil {
				return nil, p
			}
			format, p := exportFormat(in.Format)
			if p != nil {
				return nil, p
			}
			var cols []string
			if strings.TrimSpace(in.Columns) != "" {
				cols = strings.Split(in.Columns, ",")
			}
			return h.stream(ctx, "users", format, func(w sheet.Writer) error {
				_, err := h.svc.ExportUsers(ctx, actorOf(ctx), f, cols, w)
				return err
			}), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "export-relationships", Method: http.MethodGet, Path: Prefix + "/relationships/export",
		Summary: "Export relationships as CSV or XLSX", Tags: []string{"Relationships"}, Responses: exportResponses("The relationships"),
		Description: "Streams the relationships whose two users the token may view, oldest first: Kind (the key), Parent user name, " +
			"Parent user code, Student user name, Student user code (the first user of a relationship is its parent or supervisor). " +
			"Takes users.export and users.view."},
		func(ctx context.Context, in *relationshipExportInput) (*huma.StreamResponse, error) {
			format, p := exportFormat(in.Format)
			if p != nil {
				return nil, p
			}
			return h.stream(ctx, "relationships", format, func(w sheet.Writer) error {
				_, err := h.svc.ExportRelationships(ctx, actorOf(ctx), in.Kind, w)
				return err
			}), nil
		})

	huma.Register(h.api, huma.Operation{OperationID: "export-audit-events", Method: http.MethodGet, Path: Prefix + "/audit-events/export",
		Summary: "Export audit events as CSV or XLSX", Tags: []string{"Audit"}, Responses: exportResponses("The audit events"),
		Description: "Streams the audit events matching the filters of GET /audit-events, newest first: When, Actor, On behalf of, " +
			"Action, Target type, Target, Changes, IP, Request, Import. Takes audit.view."},
		func(ctx context.Context, in *auditExportInput) (*huma.StreamResponse, error) {
			f := store.AuditFilter{ActorID: in.ActorID, TargetID: in.TargetID, TargetType: in.TargetType, Action: in.Action}
			var p *Problem
			if f.From, p = parseTimeParam("from", in.From); p != nil {
				return nil, p
			}
			if f.To, p = parseTimeParam("to", in.To); p != nil {
				return nil, p
			}
			format, p := exportFormat(in.Format)
			if p != nil {
				return nil, p
			}
			return h.stream(ctx, "audit-events", format, func(w sheet.Writer) error {
				_, err := h.svc.ExportAudit(ctx, actorOf(ctx), f, w)
				return err
			}), nil
		})
}

// exportFormat reads the format parameter.
func exportFormat(s string) (sheet.Format, *Problem) {
	f, err := sheet.ParseFormat(s)
	if err != nil {
		return "", invalid("query.format", "must be csv or xlsx")
	}
	return f, nil
}

// stream answers with the file that export writes, named name-YYYYMMDD.
// The status and headers go out with the first byte, so that an error
// before it (refused, a bad column) still answers as a problem; after it,
// the error can only end the download early, and is logged.
func (h *Handler) stream(ctx context.Context, name string, format sheet.Format, export func(w sheet.Writer) error) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		filename := name + "-" + h.svc.Now().UTC().Format("20060102") + "." + format.Extension()
		out := &startOnWrite{start: func() io.Writer {
			hctx.SetHeader("Content-Type", format.ContentType())
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+filename+`"`)
			hctx.SetHeader("Cache-Control", "no-store")
			hctx.SetStatus(http.StatusOK)
			return hctx.BodyWriter()
		}}
		var w sheet.Writer = sheet.NewCSV(out)
		if format == sheet.XLSX {
			xw, err := sheet.NewXLSX(out, name)
			if err != nil {
				h.writeProblem(hctx, h.problem(ctx, err))
				return
			}
			w = xw
		}
		err := export(w)
		if err != nil {
			// Nothing more reaches the client; closing still ends the
			// XLSX writer's compressing goroutine.
			out.discard = true
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		switch {
		case err != nil && !out.started:
			p, _ := h.failIn(ctx, err, "query").(*Problem)
			h.writeProblem(hctx, p)
		case err != nil:
			h.log.ErrorContext(ctx, "export ended early", "export", name, "error", err)
		case !out.started:
			// An empty file still answers 200 with its headers.
			_, _ = out.Write(nil)
		}
	}}
}

// startOnWrite passes writes on to the writer start returns, calling it at
// the first write; once discard is set, writes go nowhere.
type startOnWrite struct {
	start   func() io.Writer
	w       io.Writer
	started bool
	discard bool
}

func (s *startOnWrite) Write(p []byte) (int, error) {
	if s.discard {
		return len(p), nil
	}
	if !s.started {
		s.started = true
		s.w = s.start()
	}
	return s.w.Write(p)
}
