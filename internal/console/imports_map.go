package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// importSamples is how many values of each column the mapping step shows.
const importSamples = 3

// mappingData is what the mapping step of a draft import shows.
type mappingData struct {
	Import *directory.Import
	// Users says the import loads users (not relationships).
	Users   bool
	Columns []mappingColumn
	Groups  []fieldGroup
	Modes   []choice
	Mode    string
	MatchBy string
	// MayInvite says the actor may send invitations (users.invite).
	MayInvite bool
	Invite    bool
	RelKinds  []choice
	RelKind   string
	SaveAs    string
	// Saved are the mappings saved for this kind of import; Applied is the
	// one applied to the form, if any.
	Saved   []choice
	Applied string
	Preview *previewView
}

// mappingColumn is one column of the file and the field it fills.
type mappingColumn struct {
	// ID is the select's id; Name its form name ("mapping.N").
	ID, Name, Header string
	Number           int
	Samples          []string
	Selected         string
	Errors           []string
}

// fieldGroup is one optgroup of the field select.
type fieldGroup struct {
	Label   string
	Options []choice
}

// previewView is the result of the dry run as the page shows it.
type previewView struct {
	Counts   directory.ImportCounts
	Sections []previewSection
}

// previewSection lists the first rows of one outcome.
type previewSection struct {
	ID, Title string
	Count     int
	Rows      []resultRow
}

// resultRow is one row of an import as the pages show it.
type resultRow struct {
	Line                   int
	Name, UserID, Message  string
	Outcome, Label, Badge  string
	Changes                []auditChange
	Rollback, RollbackNote string
}

// columnGroups are the optgroups of the field select, in order.
var columnGroups = []choice{
	{admin.ColumnGeneral, "General"},
	{admin.ColumnAdvanced, "Advanced"},
	{admin.ColumnOther, "Other"},
}

// mappingFields maps admin's field names for the settings of im to the
// form's fields.
func mappingFields(im *directory.Import) map[string]web.FieldRef {
	refs := map[string]web.FieldRef{
		"mapping":           {ID: "mapping"},
		"mode":              {ID: "mode", Label: "Mode"},
		"match_by":          {ID: "match_by", Label: "Matching"},
		"invite":            {ID: "invite"},
		"relationship_kind": {ID: "relationship_kind", Label: "Relationship kind"},
	}
	for i, hd := range im.Headers {
		refs["mapping."+strconv.Itoa(i)] = web.FieldRef{ID: columnID(i), Label: fmt.Sprintf("Column %d (%s):", i+1, hd)}
	}
	return refs
}

// columnID is the id of the select of column i.
func columnID(i int) string { return "column-" + strconv.Itoa(i) }

// showMapping renders the mapping step of a draft import, with the values
// p kept from a refused form or, without them, the import's own settings
// (the mode asked for at upload, or a saved mapping applied, show first).
func (h *Handler) showMapping(w http.ResponseWriter, r *http.Request, p *page, im *directory.Import, status int) {
	ctx, a := r.Context(), actorOf(r)
	d := mappingData{Import: im, Users: im.Kind == directory.ImportUsers, Modes: importModes,
		Mode: string(im.Mode), MatchBy: im.MatchBy, MayInvite: a.Can("users.invite"), Invite: im.Invite,
		RelKind: im.RelationshipKind}
	cols, err := h.svc.ImportColumns(ctx, a, im.Kind)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, g := range columnGroups {
		fg := fieldGroup{Label: g.Label}
		for _, c := range cols {
			if c.Group == g.Value {
				fg.Options = append(fg.Options, choice{c.Key, c.Label})
			}
		}
		if len(fg.Options) > 0 {
			d.Groups = append(d.Groups, fg)
		}
	}
	samples, err := h.svc.ImportSampleRows(ctx, a, im.ID, importSamples)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	saved, err := h.svc.ImportMappings(ctx, a, im.Kind)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	selected := im.Mapping
	q := r.URL.Query()
	for _, m := range saved {
		d.Saved = append(d.Saved, choice{m.ID, m.Name})
		if r.Method == http.MethodGet && m.ID == q.Get("use_mapping") {
			selected, d.Applied = admin.ApplyMapping(m, im.Headers), m.ID
			if p.Flash == "" {
				p.Flash = "The mapping " + m.Name + " is filled in below. Preview to keep it."
			}
		}
	}
	if mode := directory.ImportMode(q.Get("mode")); r.Method == http.MethodGet && mode.Valid() {
		d.Mode = string(mode)
	}
	if !d.Users {
		kinds, err := h.svc.RelationshipKinds(ctx, a)
		if err != nil {
			h.failure(w, r, err)
			return
		}
		for _, k := range kinds {
			d.RelKinds = append(d.RelKinds, choice{k.Key, k.Label})
		}
	}
	if p.Submitted() {
		d.Mode, d.MatchBy, d.RelKind, d.SaveAs = p.Value("mode"), p.Value("match_by"), p.Value("relationship_kind"), p.Value("save_as")
		d.Invite = p.Value("invite") == "yes"
	}
	for i, hd := range im.Headers {
		c := mappingColumn{ID: columnID(i), Name: "mapping." + strconv.Itoa(i), Header: hd, Number: i + 1,
			Errors: p.Errors(columnID(i))}
		if i < len(selected) {
			c.Selected = selected[i]
		}
		if p.Submitted() {
			c.Selected = p.Value(c.Name)
		}
		for _, row := range samples {
			if i < len(row.Cells) && strings.TrimSpace(row.Cells[i]) != "" {
				c.Samples = append(c.Samples, row.Cells[i])
			}
		}
		d.Columns = append(d.Columns, c)
	}
	if im.Preview != nil {
		d.Preview = previewOf(im)
	}
	p.Title, p.Area, p.Data = importTitle(im), "imports", d
	p.Crumbs = []crumb{importsCrumb, {im.FileName, ""}}
	h.render(w, r, status, "import_map", p)
}

// previewOf prepares the dry run's result for the page.
func previewOf(im *directory.Import) *previewView {
	pv := &previewView{Counts: im.Preview.Counts}
	for _, o := range []struct {
		key, title string
		n          int
	}{
		{directory.RowCreated, "To create", pv.Counts.Created},
		{directory.RowUpdated, "To update", pv.Counts.Updated},
		{directory.RowUnchanged, "Unchanged", pv.Counts.Unchanged},
		{directory.RowError, "In error", pv.Counts.Errors},
	} {
		if o.n == 0 {
			continue
		}
		s := previewSection{ID: "preview-" + o.key, Title: o.title, Count: o.n}
		for _, row := range im.Preview.Samples[o.key] {
			s.Rows = append(s.Rows, resultRowOf(&row))
		}
		pv.Sections = append(pv.Sections, s)
	}
	return pv
}

// resultRowOf prepares one row of an import for the page.
func resultRowOf(row *directory.ImportRow) resultRow {
	out := resultRow{Line: row.FileLine, Name: row.Name, UserID: row.UserID, Message: row.Message, Outcome: row.Outcome}
	if out.Line == 0 {
		out.Line = row.Line + 1
	}
	if out.Name == "" {
		// A refused row names no user: its first cells say which it is.
		var cells []string
		for _, c := range row.Cells {
			if c = strings.TrimSpace(c); c != "" && len(cells) < 3 {
				cells = append(cells, c)
			}
		}
		out.Name = strings.Join(cells, ", ")
	}
	out.Label, out.Badge = importOutcomeLabel(row.Outcome)
	for _, c := range row.Changes {
		out.Changes = append(out.Changes, auditChange{Field: strings.ReplaceAll(c.Field, "_", " "),
			Before: admin.AuditValue(c.Before), After: admin.AuditValue(c.After)})
	}
	if row.Rollback != "" {
		what, note, _ := strings.Cut(row.Rollback, ": ")
		out.Rollback = web.Sentence(what)
		for _, o := range rollbackOutcomes {
			if o.Value == what {
				out.Rollback = o.Label + "."
			}
		}
		if note != "" {
			out.RollbackNote = web.Sentence(note)
		}
	}
	return out
}

// importOutcomeLabel names the outcome of a row, with its badge class.
func importOutcomeLabel(outcome string) (string, string) {
	switch outcome {
	case directory.RowCreated:
		return "Created", "ok"
	case directory.RowUpdated:
		return "Updated", "ok"
	case directory.RowUnchanged:
		return "Unchanged", "info"
	case directory.RowError:
		return "Error", "bad"
	case "":
		return "Not yet processed", "wait"
	}
	return outcome, "info"
}

// importConfigure saves the settings of the mapping step and runs the dry
// run; the page then shows the preview and offers to start. Refused
// settings come back with each message beside its field.
func (h *Handler) importConfigure(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	ctx, a := r.Context(), actorOf(r)
	im, err := h.svc.Import(ctx, a, r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	in := admin.ImportSettings{Mode: directory.ImportMode(r.PostFormValue("mode")), MatchBy: r.PostFormValue("match_by"),
		Invite: r.PostFormValue("invite") == "yes", RelationshipKind: r.PostFormValue("relationship_kind"),
		SaveAs: r.PostFormValue("save_as")}
	names := []string{"mode", "match_by", "invite", "relationship_kind", "save_as"}
	// A form without the column selects (sent by hand, say) keeps the
	// mapping as it is rather than clearing it.
	if _, ok := r.PostForm["mapping.0"]; ok || len(im.Headers) == 0 {
		in.Mapping = make([]string, len(im.Headers))
		for i := range im.Headers {
			name := "mapping." + strconv.Itoa(i)
			in.Mapping[i] = r.PostFormValue(name)
			names = append(names, name)
		}
	}
	refused := func(err error) bool {
		if directory.KindOf(err) != directory.KindInvalid {
			return false
		}
		p := &page{}
		p.Explain(err, mappingFields(im))
		p.Keep(r, names...)
		if in.Mapping == nil {
			for i, key := range im.Mapping {
				p.Set("mapping."+strconv.Itoa(i), key)
			}
		}
		h.showMapping(w, r, p, im, http.StatusUnprocessableEntity)
		return true
	}
	if _, err := h.svc.ConfigureImport(ctx, a, im.ID, in); err != nil {
		if !refused(err) {
			h.failure(w, r, err)
		}
		return
	}
	pv, err := h.svc.PreviewImport(ctx, a, im.ID)
	if err != nil {
		if !refused(err) {
			h.failure(w, r, err)
		}
		return
	}
	msg := previewSummary(pv.Preview.Counts)
	if name := strings.TrimSpace(in.SaveAs); name != "" {
		msg += " The mapping is saved as " + name + "."
	}
	done(w, r, importURL(im.ID)+"#preview", msg)
}

// previewSummary says what a dry run found.
func previewSummary(c directory.ImportCounts) string {
	return fmt.Sprintf("Preview ready: %s to create, %s to update, %s unchanged, %s in error.",
		number(c.Created), number(c.Updated), number(c.Unchanged), number(c.Errors))
}
