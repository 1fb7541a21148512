package console

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"roster/internal/admin"
	"roster/internal/sheet"
	"roster/internal/store"
	"roster/internal/web"
)

// exportRoutes adds the exports: the users list's "Export" page (columns
// and format, then the download of every user matching the list's search
// and filters) and the downloads of the relationships and the audit log.
func (h *Handler) exportRoutes(r router) {
	r.handle("GET /admin/users/export", h.exportUsersForm)
	r.handle("POST /admin/users/export", h.exportUsersDownload)
	r.handle("GET /admin/relationships/export", h.exportRelationships)
	r.handle("GET /admin/audit/export", h.exportAudit)
}

// exportData is what the export page shows.
type exportData struct {
	// Action is where the form posts: the export's address with the
	// list's query, which selects the users.
	Action string
	// Back is the users list the export came from.
	Back string
	// Total is how many users the export will hold (-1 when the filter
	// could not be read).
	Total    int
	Filtered bool
	Columns  []exportColumn
	Formats  []option
	Format   string
}

// exportColumn is one checkbox of the columns.
type exportColumn struct {
	Key, Label string
	Checked    bool
}

// ExportHref is the address of the users list's Export page, with the
// list's search, filters and order.
func (d *userListData) ExportHref() string {
	q := cloneValues(d.Query)
	q.Del("limit")
	return withQuery("/admin/users/export", q)
}

// ExportHref is the address of the audit log's CSV download, with the
// log's filters.
func (d auditData) ExportHref() string {
	q := url.Values{}
	for k, v := range map[string]string{"actor": d.Filter.Actor, "action": d.Filter.Action, "type": d.Filter.Type,
		"target": d.Filter.Target, "from": d.Filter.From, "to": d.Filter.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return withQuery("/admin/audit/export", q)
}

// mayExportUsers reports whether the actor may export users (which also
// takes seeing them); the console shows the Export action only then.
func mayExportUsers(a *admin.Actor) bool { return a.Can("users.export") && a.Can("users.view") }

// exportUsersForm shows the columns and formats of an export of the users
// the list's query selects.
func (h *Handler) exportUsersForm(w http.ResponseWriter, r *http.Request) {
	if !mayExportUsers(actorOf(r)) {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow exporting users.")
		return
	}
	h.showExportForm(w, r, &page{}, nil, "", http.StatusOK)
}

// showExportForm renders the export page onto p with the ticked columns
// (nil = all) and format.
func (h *Handler) showExportForm(w http.ResponseWriter, r *http.Request, p *page, ticked []string, format string, status int) {
	a, ctx := actorOf(r), r.Context()
	q := cloneValues(r.URL.Query())
	q.Del("after")
	q.Del("limit")
	p.Title, p.Area = "Export users", "users"
	back := withQuery("/admin/users", q)
	p.Crumbs = []crumb{{Text: "Users", Href: back}, {Text: "Export"}}
	d := exportData{Action: withQuery("/admin/users/export", q), Back: back, Total: -1, Format: format,
		Formats: []option{{string(sheet.CSV), "CSV (Excel, Numbers, LibreOffice, any program)"}, {string(sheet.XLSX), "Excel workbook (XLSX)"}}}
	if d.Format == "" {
		d.Format = string(sheet.CSV)
	}
	for _, k := range userFilterKeys {
		if q.Get(k) != "" {
			d.Filtered = true
		}
	}
	cols, err := h.svc.UserColumns(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, c := range cols {
		if c.Exportable {
			d.Columns = append(d.Columns, exportColumn{Key: c.Key, Label: c.Label, Checked: ticked == nil || slices.Contains(ticked, c.Key)})
		}
	}
	if f, ok := userFilterOf(q, p); ok {
		f.Limit = 1
		list, err := h.svc.ListUsers(ctx, a, f)
		switch {
		case err == nil:
			d.Total = list.Total
		case p.Explain(err, nil) == 0:
			h.serverError(w, r, err)
			return
		default:
			status = http.StatusUnprocessableEntity
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, r, status, "export_users", p)
}

// exportUsersDownload answers with the file of the chosen columns and
// format. Problems found before the file starts show the form again.
func (h *Handler) exportUsersDownload(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if !mayExportUsers(a) {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow exporting users.")
		return
	}
	_ = r.ParseForm()
	cols := r.PostForm["columns"]
	format, ferr := sheet.ParseFormat(r.PostFormValue("format"))
	p := &page{}
	switch {
	case len(cols) == 0:
		p.FieldError("columns", "Columns", "choose at least one column")
	case ferr != nil:
		p.FieldError("format", "Format", "choose CSV or Excel workbook")
	}
	if len(p.Errors("columns")) > 0 || len(p.Errors("format")) > 0 {
		h.showExportForm(w, r, p, cols, r.PostFormValue("format"), http.StatusUnprocessableEntity)
		return
	}
	q := r.URL.Query()
	f, ok := userFilterOf(q, p)
	if !ok {
		h.showExportForm(w, r, p, cols, string(format), http.StatusUnprocessableEntity)
		return
	}
	err := h.download(w, r, "users", format, func(sw sheet.Writer) error {
		_, err := h.svc.ExportUsers(r.Context(), a, f, cols, sw)
		return err
	})
	if err != nil {
		st := p.Explain(err, map[string]web.FieldRef{"columns": {ID: "columns", Label: "Columns"}})
		if st != http.StatusUnprocessableEntity {
			h.failure(w, r, err)
			return
		}
		h.showExportForm(w, r, p, cols, string(format), st)
	}
}

// exportRelationships answers with a CSV file of the relationships (of
// the kind the query names, or all) whose two users the actor may see.
func (h *Handler) exportRelationships(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if !mayExportUsers(a) {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow exporting users.")
		return
	}
	kind := r.URL.Query().Get("kind")
	if err := h.download(w, r, "relationships", sheet.CSV, func(sw sheet.Writer) error {
		_, err := h.svc.ExportRelationships(r.Context(), a, kind, sw)
		return err
	}); err != nil {
		h.failure(w, r, err)
	}
}

// exportAudit answers with a CSV file of the audit events the log's
// filters (in the query, as the log reads them) select.
func (h *Handler) exportAudit(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if !a.Can("audit.view") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow reading the audit log.")
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{Action: strings.TrimSpace(q.Get("action")), TargetType: q.Get("type")}
	from, ferr := auditDay(q.Get("from"))
	to, terr := auditDay(q.Get("to"))
	actor, aok := h.auditUser(r, strings.TrimSpace(q.Get("actor")))
	if ferr != nil || terr != nil || !aok {
		h.errorPage(w, r, http.StatusUnprocessableEntity, "Not possible",
			"The filter of this export could not be read. Go back to the audit log, correct the filter and export again.")
		return
	}
	f.From, f.ActorID = from, actor
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the "to" day is included, as in the log
	}
	f.TargetID, _ = h.auditUser(r, strings.TrimSpace(q.Get("target")))
	if err := h.download(w, r, "audit-log", sheet.CSV, func(sw sheet.Writer) error {
		_, err := h.svc.ExportAudit(r.Context(), a, f, sw)
		return err
	}); err != nil {
		h.failure(w, r, err)
	}
}

// download runs export into a file of format named name-YYYYMMDD. The
// status and headers go out with the first byte, so that an error before
// it is returned for the caller to answer; an error after it can only end
// the download early, and is logged.
func (h *Handler) download(w http.ResponseWriter, r *http.Request, name string, format sheet.Format, export func(sheet.Writer) error) error {
	filename := name + "-" + h.svc.Now().UTC().Format("20060102") + "." + format.Extension()
	out := &lazyBody{start: func() {
		w.Header().Set("Content-Type", format.ContentType())
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}, w: w}
	var sw sheet.Writer = sheet.NewCSV(out)
	if format == sheet.XLSX {
		xw, err := sheet.NewXLSX(out, name)
		if err != nil {
			return err
		}
		sw = xw
	}
	err := export(sw)
	if err != nil {
		// Closing still ends the XLSX writer's compressing goroutine,
		// but nothing more reaches the browser.
		out.discard = true
	}
	if cerr := sw.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil && !out.started:
		return err
	case err != nil:
		h.log.ErrorContext(r.Context(), "export ended early", "export", name, "error", err)
	case !out.started:
		_, _ = out.Write(nil)
	}
	return nil
}

// lazyBody writes to w, calling start before the first write; once
// discard is set, writes go nowhere.
type lazyBody struct {
	start   func()
	w       io.Writer
	started bool
	discard bool
}

func (l *lazyBody) Write(p []byte) (int, error) {
	if l.discard {
		return len(p), nil
	}
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}
