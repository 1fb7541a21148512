package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"roster/internal/admin"
	"roster/internal/csvfile"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/web"
)

// importsPerPage is the length of a page of the import history.
const importsPerPage = 50

// importUploadSlack is what an upload may carry beyond the largest file
// admin accepts: boundaries, part headers and the form's other fields. A
// file a little over the limit still reaches csvfile, whose message names
// the limit; a much larger body is cut off here.
const importUploadSlack = 1 << 20

// importMemory is how much of an upload is kept in memory while the form is
// parsed; the rest of a large file waits in a temporary file.
const importMemory = 4 << 20

// importRoutes adds the routes of the import screens.
func (h *Handler) importRoutes(r router) {
	r.handle("GET /admin/imports", h.imports)
	r.handle("GET /admin/imports/new", h.importNewForm)
	r.handle("POST /admin/imports", h.importUpload)
	r.handle("GET /admin/imports/{id}", h.importPage)
	r.handle("POST /admin/imports/{id}", h.importConfigure)
	r.handle("POST /admin/imports/{id}/start", h.importStart)
	r.handle("POST /admin/imports/{id}/rollback", h.importRollback)
	r.handle("POST /admin/imports/{id}/forget-mapping", h.importForgetMapping)
	r.handle("GET /admin/imports/{id}/exceptions.csv", h.importExceptions)
}

// importURL is the page of one import.
func importURL(id string) string { return "/admin/imports/" + url.PathEscape(id) }

// importsCrumb leads back to the history from any import page.
var importsCrumb = crumb{Text: "Imports", Href: "/admin/imports"}

// importKinds are the kinds of import offered, in order.
var importKinds = []choice{
	{string(directory.ImportUsers), "Users"},
	{string(directory.ImportRelationships), "Family relationships"},
}

// importModes are the modes of a users import, with the names
// administrators know them by.
var importModes = []choice{
	{string(directory.ImportCreate), "Import Users (create new users)"},
	{string(directory.ImportUpdate), "Update Users (change existing users)"},
	{string(directory.ImportUpsert), "Create or update (new users are created, existing ones updated)"},
}

// choice is one option of a radio group or a select.
type choice struct {
	Value, Label string
}

// importRow is one import of the history.
type importRow struct {
	*directory.Import
	Kind, Mode, State, Badge string
}

// importsData is what the history shows.
type importsData struct {
	Rows  []importRow
	Pager pager
}

// imports lists the import history, newest first.
func (h *Handler) imports(w http.ResponseWriter, r *http.Request) {
	after := r.URL.Query().Get("after")
	pg, err := h.svc.Imports(r.Context(), actorOf(r), importsPerPage, keysetFrom[store.ImportCursor](after))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := importsData{Pager: pageLinks(r.URL.Path, url.Values{"after": {after}}, keysetToken(pg.Next))}
	for _, im := range pg.Imports {
		d.Rows = append(d.Rows, importRowOf(im))
	}
	h.render(w, r, http.StatusOK, "imports", &page{Title: "Imports", Area: "imports", Data: d})
}

// importRowOf names an import's kind, mode and state for people.
func importRowOf(im *directory.Import) importRow {
	row := importRow{Import: im, Kind: importKindLabel(im.Kind)}
	if im.Kind == directory.ImportUsers {
		row.Mode = importModeLabel(im.Mode)
	}
	row.State, row.Badge = importStateLabel(im.State)
	return row
}

// importKindLabel names a kind of import.
func importKindLabel(k directory.ImportKind) string {
	for _, c := range importKinds {
		if c.Value == string(k) {
			return c.Label
		}
	}
	return string(k)
}

// importModeLabel names a mode by the name administrators know.
func importModeLabel(m directory.ImportMode) string {
	switch m {
	case directory.ImportCreate:
		return "Import Users"
	case directory.ImportUpdate:
		return "Update Users"
	case directory.ImportUpsert:
		return "Create or update"
	}
	return string(m)
}

// importStateLabel names an import state, with the class of its badge.
func importStateLabel(s directory.ImportState) (string, string) {
	switch s {
	case directory.ImportDraft:
		return "Draft", "info"
	case directory.ImportQueued:
		return "Waiting to run", "wait"
	case directory.ImportRunning:
		return "Running", "wait"
	case directory.ImportDone:
		return "Done", "ok"
	case directory.ImportFailed:
		return "Failed", "bad"
	case directory.ImportRollingBack:
		return "Rolling back", "wait"
	case directory.ImportRolledBack:
		return "Rolled back", "info"
	}
	return string(s), "info"
}

// importNewData is what the upload form offers.
type importNewData struct {
	Kinds, Modes []choice
	MaxRows      int
	MaxMB        int
}

// importNewPage is the upload form with the choices it offers.
func importNewPage() *page {
	return &page{Title: "New import", Area: "imports", Crumbs: []crumb{importsCrumb, {"New import", ""}},
		Data: importNewData{Kinds: importKinds, Modes: importModes, MaxRows: csvfile.MaxRows, MaxMB: csvfile.MaxBytes >> 20}}
}

// importNewForm shows the upload form. Only holders of users.import get
// it; admin refuses the upload of anyone else anyway.
func (h *Handler) importNewForm(w http.ResponseWriter, r *http.Request) {
	if !actorOf(r).Can("users.import") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow importing users.")
		return
	}
	p := importNewPage()
	kind := r.URL.Query().Get("kind")
	if kind != string(directory.ImportRelationships) {
		kind = string(directory.ImportUsers)
	}
	mode := r.URL.Query().Get("mode")
	if !directory.ImportMode(mode).Valid() {
		mode = string(directory.ImportCreate)
	}
	p.Set("kind", kind)
	p.Set("mode", mode)
	h.render(w, r, http.StatusOK, "import_new", p)
}

// importUpload reads the uploaded file into a draft import and leads to
// its mapping step. A file admin refuses is explained beside the file
// field, and nothing is stored.
func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if !a.Can("users.import") {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your role does not allow importing users.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, csvfile.MaxBytes+importUploadSlack)
	err := r.ParseMultipartForm(importMemory)
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	p := importNewPage()
	p.Set("kind", r.FormValue("kind"))
	p.Set("mode", r.FormValue("mode"))
	refuse := func(status int, msg string) {
		p.FieldError("file", "", msg)
		h.render(w, r, status, "import_new", p)
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			refuse(http.StatusRequestEntityTooLarge, "the file is larger than 50 MB; split it into smaller files and import each")
			return
		}
		refuse(http.StatusBadRequest, "the upload could not be read; choose the file again and send the form once more")
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		refuse(http.StatusUnprocessableEntity, "choose a CSV file to import")
		return
	}
	defer file.Close()
	kind := directory.ImportKind(r.FormValue("kind"))
	im, err := h.svc.UploadImport(r.Context(), a, admin.ImportUpload{Kind: kind, FileName: header.Filename, Body: file})
	if err != nil {
		status := p.Explain(err, map[string]web.FieldRef{"file": {ID: "file"}, "kind": {ID: "kind", Label: "Kind"}})
		if status == 0 || status == http.StatusForbidden || status == http.StatusUnauthorized {
			h.failure(w, r, err)
			return
		}
		h.render(w, r, status, "import_new", p)
		return
	}
	to := importURL(im.ID)
	// The mode is a setting of the mapping step; the step shows the one
	// chosen here until the administrator previews.
	if mode := directory.ImportMode(r.FormValue("mode")); im.Kind == directory.ImportUsers && mode.Valid() && mode != im.Mode {
		to += "?mode=" + url.QueryEscape(string(mode))
	}
	done(w, r, to, importUploaded(im))
}

// importUploaded is the message after an upload.
func importUploaded(im *directory.Import) string {
	rows := "rows"
	if im.Total == 1 {
		rows = "row"
	}
	return im.FileName + " is uploaded: " + number(im.Total) + " " + rows + " in " + number(len(im.Headers)) +
		" columns. Check how each column is imported, then preview."
}

// importPage shows an import: the mapping step while it is a draft, its
// progress and results after.
func (h *Handler) importPage(w http.ResponseWriter, r *http.Request) {
	im, err := h.svc.Import(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if im.State == directory.ImportDraft {
		p := &page{}
		h.showMapping(w, r, p, im, http.StatusOK)
		return
	}
	h.showResult(w, r, im)
}

// importTitle is the title of an import's pages.
func importTitle(im *directory.Import) string {
	name := im.FileName
	if name == "" {
		name = "import of " + im.CreatedAt.UTC().Format(time.DateOnly)
	}
	return "Import: " + name
}

// importStart queues a previewed draft for the background worker, or the
// rest of a failed import again.
func (h *Handler) importStart(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	before, err := h.svc.Import(r.Context(), actorOf(r), id)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	im, err := h.svc.StartImport(r.Context(), actorOf(r), id)
	if err != nil {
		if directory.KindOf(err) == directory.KindInvalid && before.State == directory.ImportDraft {
			p := &page{}
			p.Explain(err, mappingFields(before))
			h.showMapping(w, r, p, before, http.StatusUnprocessableEntity)
			return
		}
		h.failure(w, r, err)
		return
	}
	msg := "The import is queued; this page follows its progress."
	if before.State == directory.ImportFailed {
		msg = "The rest of the import is queued again; the rows already done are kept."
	}
	done(w, r, importURL(im.ID), msg)
}

// importRollback queues the undoing of a finished import, after asking.
func (h *Handler) importRollback(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	id := r.PathValue("id")
	if !h.confirmed(w, r, confirmation{Title: "Roll back this import",
		Question: "Every change this import made is undone: users it created are removed (or disabled, when they have signed in since), " +
			"fields it changed return to their earlier values unless someone changed them again since, and the relationships it added are removed.",
		Button: "Roll back the import", Danger: true, Back: importURL(id), Area: "imports"}) {
		return
	}
	im, err := h.svc.RollbackImport(r.Context(), actorOf(r), id)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, importURL(im.ID), "The rollback is queued; this page follows its progress.")
}

// importForgetMapping deletes the saved mapping chosen on the mapping step
// of an import, after a confirmation, and goes back to that step.
func (h *Handler) importForgetMapping(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	id := r.PathValue("id")
	if !h.confirmed(w, r, confirmation{Title: "Forget a saved mapping",
		Question: "The mapping is no longer offered for new files. Imports that used it keep their own copy.",
		Button:   "Forget the mapping", Danger: true, Back: importURL(id), Area: "imports"}) {
		return
	}
	if err := h.svc.DeleteImportMapping(r.Context(), actorOf(r), r.PostFormValue("use_mapping")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, importURL(id), "The saved mapping is forgotten.")
}

// importExceptions answers with the refused rows of an import as CSV: the
// original columns, the line and the reason. Cells are neutralised, as the
// file is meant to be opened in a spreadsheet, fixed and imported again.
func (h *Handler) importExceptions(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	im, err := h.svc.Import(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	name := strings.TrimSuffix(importFileStem(im.FileName), ".csv") + "-exceptions.csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	sw := newExceptionWriter(w)
	if err := h.svc.ImportExceptions(r.Context(), a, im.ID, sw.WriteRow); err != nil {
		if !sw.started {
			w.Header().Del("Content-Disposition")
			h.failure(w, r, err)
			return
		}
		// The answer has begun: it can only be cut short.
		h.log.ErrorContext(r.Context(), "the exceptions download stopped", "import", im.ID, "error", err)
		return
	}
	if err := sw.Close(); err != nil {
		h.log.ErrorContext(r.Context(), "the exceptions download failed", "import", im.ID, "error", err)
	}
}

// importFileStem is a file name safe to put in a Content-Disposition
// header: letters, digits, dots, hyphens and underscores only.
func importFileStem(name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	if s := strings.Trim(b.String(), "._"); s != "" {
		return s
	}
	return "import"
}
