package admin

import (
	"context"
	"strings"

	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/store"
)

// relationshipHeader is the first row of a relationships export. The
// relationship import reads the second and fourth (or third and fifth)
// columns back as "parent identifier, student identifier".
var relationshipHeader = []string{"Kind", "Parent user name", "Parent user code", "Student user name", "Student user code"}

// ExportRelationships writes the relationships of kind (a kind key; ""
// for every kind) whose two users the actor may both view to w, oldest
// first, and returns how many it wrote. The first user of a relationship
// (the parent, the supervisor) fills the "Parent" columns, the second the
// "Student" ones; each is named by username and user code, and the kind by
// its key. Relationships of a user in the recycle bin are left out. It
// takes users.export and users.view, and records one
// "relationships.exported" audit event. An unknown kind is KindInvalid, and
// then nothing is written. w is not closed.
func (s *Service) ExportRelationships(ctx context.Context, a *Actor, kind string, w sheet.Writer) (int, error) {
	if err := s.authorize(a, "users.export"); err != nil {
		return 0, err
	}
	if err := s.authorize(a, "users.view"); err != nil {
		return 0, err
	}
	kind = strings.TrimSpace(kind)
	if kind != "" {
		kinds, err := kindsByKey(ctx, &s.db.Conn, a.OrgID)
		if err != nil {
			return 0, err
		}
		if _, ok := kinds[kind]; !ok {
			return 0, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
				Fields: []directory.FieldError{{Field: "kind", Message: "is not a relationship kind of this organization"}}}
		}
	}
	n, werr := s.writeRelationships(ctx, a, kind, w)
	what := kind
	if what == "" {
		what = "all kinds"
	}
	rerr := s.recordExport(context.WithoutCancel(ctx), a, "relationships.exported", []directory.Change{
		{Field: "count", After: n}, {Field: "format", After: formatOf(w)}, {Field: "kind", After: what}})
	if werr != nil {
		return n, werr
	}
	return n, rerr
}

// writeRelationships writes the header and every page of relationships.
func (s *Service) writeRelationships(ctx context.Context, a *Actor, kind string, w sheet.Writer) (int, error) {
	if err := w.WriteRow(relationshipHeader); err != nil {
		return 0, err
	}
	f := store.RelationshipFilter{Kind: kind, Scope: a.listScope(), Limit: exportPageSize}
	n := 0
	for {
		rows, err := s.db.RelationshipsAfter(ctx, a.OrgID, f)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			if err := w.WriteRow([]string{r.Kind, r.FromUsername, r.FromExternalID, r.ToUsername, r.ToExternalID}); err != nil {
				return n, err
			}
			n++
		}
		if len(rows) < f.Limit {
			return n, nil
		}
		f.After = rows[len(rows)-1].ID
	}
}
