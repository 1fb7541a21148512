package console

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/web"
)

// importRowsPerPage is the length of a page of an import's rows.
const importRowsPerPage = 50

// importRefreshSeconds is how often the page of an import the worker has
// in hand reloads itself.
const importRefreshSeconds = "2"

// resultData is what the page of a started import shows.
type resultData struct {
	Import *directory.Import
	Row    importRow
	// Busy says the worker has the import in hand; Live that the page
	// reloads itself meanwhile (the administrator may stop it).
	Busy, Live bool
	// StopHref and LiveHref turn the reloading off and on again.
	StopHref, LiveHref string
	RollingBack        bool
	Undone             int
	Counts             []outcomeCount
	Undo               []outcomeCount
	Filters            []outcomeFilter
	Outcome            string
	Rows               []resultRow
	Pager              pager
	// RolledBack says the rows carry what the rollback did to them.
	RolledBack  bool
	CanRollback bool
	CanRestart  bool
	// Failure says why a failed import stopped.
	Failure string
}

// outcomeCount is how many rows had one outcome.
type outcomeCount struct {
	Label string
	N     int
	Alert bool
}

// outcomeFilter is one link of the row filter.
type outcomeFilter struct {
	Label, Href string
	N           int
	Current     bool
}

// rollbackOutcomes name what undoing a row did, in the order counted.
var rollbackOutcomes = []choice{
	{admin.UndoPurged, "Removed for good"},
	{admin.UndoDisabled, "Disabled (signed in since)"},
	{admin.UndoReverted, "Changes undone"},
	{admin.UndoPartial, "Partly undone"},
	{admin.UndoKept, "Kept (changed since, or beyond your access)"},
	{admin.UndoRemoved, "Relationship removed"},
	{admin.UndoGone, "Already gone"},
}

// showResult renders the progress and results of a started import. While
// the worker has it, the page reloads itself every two seconds (sent as a
// Refresh header, which browsers treat as <meta http-equiv="refresh">),
// unless the administrator stops that with ?live=off.
func (h *Handler) showResult(w http.ResponseWriter, r *http.Request, im *directory.Import) {
	q := r.URL.Query()
	outcome := q.Get("outcome")
	switch outcome {
	case directory.RowCreated, directory.RowUpdated, directory.RowUnchanged, directory.RowError:
	default:
		outcome = ""
	}
	afterLine, _ := strconv.Atoi(q.Get("after"))
	rows, err := h.svc.ImportRows(r.Context(), actorOf(r), im.ID, outcome, max(afterLine, 0), importRowsPerPage+1)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := resultData{Import: im, Row: importRowOf(im), Busy: im.State.Busy(), Outcome: outcome,
		RollingBack: im.State == directory.ImportRollingBack, RolledBack: !im.RollbackAt.IsZero(),
		CanRollback: (im.State == directory.ImportDone || im.State == directory.ImportFailed) && im.RollbackAt.IsZero(),
		CanRestart:  im.State == directory.ImportFailed}
	if im.Failure != "" {
		d.Failure = web.Sentence(im.Failure)
	}
	d.Live = d.Busy && q.Get("live") != "off"
	here := url.Values{"outcome": {outcome}, "after": {q.Get("after")}}
	stop := cloneValues(here)
	stop.Set("live", "off")
	d.StopHref, d.LiveHref = withQuery(r.URL.Path, stop), withQuery(r.URL.Path, cloneValues(here))
	next := ""
	if len(rows) > importRowsPerPage {
		rows = rows[:importRowsPerPage]
		next = strconv.Itoa(rows[len(rows)-1].Line)
	}
	for _, row := range rows {
		d.Rows = append(d.Rows, resultRowOf(row))
	}
	d.Pager = pageLinks(r.URL.Path, cloneValues(url.Values{"outcome": {outcome}, "after": {q.Get("after")}}), next)
	c := im.Counts
	d.Counts = []outcomeCount{{"Created", c.Created, false}, {"Updated", c.Updated, false},
		{"Unchanged", c.Unchanged, false}, {"Errors", c.Errors, c.Errors > 0}}
	for _, f := range []struct {
		key, label string
		n          int
	}{
		{"", "All rows", c.Rows()},
		{directory.RowCreated, "Created", c.Created},
		{directory.RowUpdated, "Updated", c.Updated},
		{directory.RowUnchanged, "Unchanged", c.Unchanged},
		{directory.RowError, "Errors", c.Errors},
	} {
		fq := url.Values{}
		if f.key != "" {
			fq.Set("outcome", f.key)
		}
		d.Filters = append(d.Filters, outcomeFilter{Label: f.label, N: f.n, Href: withQuery(r.URL.Path, fq), Current: f.key == outcome})
	}
	for _, o := range rollbackOutcomes {
		if n := im.RollbackCounts[o.Value]; n > 0 {
			d.Undo = append(d.Undo, outcomeCount{Label: o.Label, N: n, Alert: o.Value == admin.UndoKept})
			d.Undone += n
		}
	}
	if d.Live {
		w.Header().Set("Refresh", importRefreshSeconds)
	}
	h.render(w, r, http.StatusOK, "import_result", &page{Title: importTitle(im), Area: "imports",
		Crumbs: []crumb{importsCrumb, {im.FileName, ""}}, Data: d})
}

// Percent is how far the import has come, for the progress text.
func (d resultData) Percent() int {
	if d.Import.Total == 0 {
		return 100
	}
	return d.Import.Done * 100 / d.Import.Total
}

// exceptionWriter writes the exceptions file and remembers whether any of
// it went out, after which an error can no longer become an error page.
type exceptionWriter struct {
	out     sheet.Writer
	started bool
}

func newExceptionWriter(w io.Writer) *exceptionWriter {
	return &exceptionWriter{out: sheet.NewCSV(w)}
}

// WriteRow writes one row of the file, its cells neutralised.
func (e *exceptionWriter) WriteRow(cells []string) error {
	e.started = true
	return e.out.WriteRow(cells)
}

// Close finishes the file.
func (e *exceptionWriter) Close() error { return e.out.Close() }
