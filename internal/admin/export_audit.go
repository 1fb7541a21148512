package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/store"
)

// auditHeader is the first row of an audit log export.
var auditHeader = []string{"When", "Actor", "On behalf of", "Action", "Target type", "Target", "Changes", "IP", "Request", "Import"}

// ExportAudit writes the audit events that match f to w, newest first,
// every page of them, and returns how many it wrote. It takes audit.view;
// like Audit, an actor limited to part of the organization gets only the
// events about users they may view and units inside their scope, and their
// own. f's Limit and After are ignored. It records one "audit.exported"
// audit event (after the export, so not in it). w is not closed.
func (s *Service) ExportAudit(ctx context.Context, a *Actor, f store.AuditFilter, w sheet.Writer) (int, error) {
	if err := s.authorize(a, "audit.view"); err != nil {
		return 0, err
	}
	f.Scope, f.After, f.Limit = nil, nil, exportPageSize
	if !a.OrgWide() {
		f.Scope = &store.AuditScope{Users: a.listScope(), UnitPath: a.scopePath, ActorID: a.UserID}
	}
	n, werr := s.writeAudit(ctx, a, f, w)
	rerr := s.recordExport(context.WithoutCancel(ctx), a, "audit.exported", []directory.Change{
		{Field: "count", After: n}, {Field: "format", After: formatOf(w)}, {Field: "filter", After: auditFilterWords(&f)}})
	if werr != nil {
		return n, werr
	}
	return n, rerr
}

// writeAudit writes the header and every page of events.
func (s *Service) writeAudit(ctx context.Context, a *Actor, f store.AuditFilter, w sheet.Writer) (int, error) {
	if err := w.WriteRow(auditHeader); err != nil {
		return 0, err
	}
	n := 0
	for {
		page, err := s.db.ListAudit(ctx, a.OrgID, f)
		if err != nil {
			return n, err
		}
		for _, e := range page.Events {
			actor, onBehalfOf := auditActors(e)
			target := e.TargetName
			if target == "" {
				target = e.TargetID
			}
			if err := w.WriteRow([]string{exportTime(e.At), actor, onBehalfOf, e.Action, e.TargetType, target,
				auditChanges(e.Changes), e.IP, e.RequestID, e.ImportID}); err != nil {
				return n, err
			}
			n++
		}
		if page.Next == nil {
			return n, nil
		}
		f.After = page.Next
	}
}

// auditActors splits an event's actor into who acted and, when they were
// emulating someone, on whose behalf: the actor's name of an emulated
// action reads "Emulated (emulated by Real)".
func auditActors(e *directory.AuditEvent) (actor, onBehalfOf string) {
	if e.ImpersonatorID != "" {
		if as, real, ok := strings.Cut(e.ActorName, " (emulated by "); ok {
			return strings.TrimSuffix(real, ")"), as
		}
	}
	return e.ActorName, ""
}

// auditChanges writes changes as "field: before → after; …"; a field
// that had no value before reads "field: → after".
func auditChanges(cs []directory.Change) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, c.Field+": "+strings.TrimSpace(AuditValue(c.Before)+" → "+AuditValue(c.After)))
	}
	return strings.Join(parts, "; ")
}

// AuditValue writes a recorded value of the audit log for people: "" for none, yes or no
// for a flag, numbers as they are and anything structured as JSON.
func AuditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case json.Number:
		return x.String()
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprint(v)
}

// auditFilterWords describes an audit filter for the audit log.
func auditFilterWords(f *store.AuditFilter) string {
	var parts []string
	for _, p := range []struct{ what, v string }{
		{"actor", f.ActorID}, {"action", f.Action}, {"target type", f.TargetType}, {"target", f.TargetID},
		{"from", exportTime(f.From)}, {"before", exportTime(f.To)},
	} {
		if p.v != "" {
			parts = append(parts, p.what+" "+p.v)
		}
	}
	if len(parts) == 0 {
		return "all events"
	}
	return strings.Join(parts, "; ")
}
