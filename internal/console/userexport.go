package console

import (
	"encoding/csv"
	"net/http"
	"time"

	"roster/internal/directory"
	"roster/internal/sheet"
)

// exportSelection answers with a CSV file of the selected users the actor
// may see (admin records the export).
func (h *Handler) exportSelection(w http.ResponseWriter, r *http.Request, ids []string) {
	users, err := h.svc.ExportSelection(r.Context(), actorOf(r), ids)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"Name", "User name", "Email", "Status", "Phone", "Job title", "Last sign-in"})
	now := h.svc.Now()
	for _, u := range users {
		_ = cw.Write(csvRow(u.Name(), u.Username, u.Email, exportStatus(u, now), u.Phone, u.JobTitle,
			signInTime(u.LastSignInAt)))
	}
	cw.Flush()
}

// exportStatus is the status with the flags a list shows beside it.
func exportStatus(u *directory.User, now time.Time) string {
	s := statusLabel(u.Status)
	if u.Locked() {
		s += ", locked"
	}
	if u.Expired(now) {
		s += ", expired"
	}
	return s
}

// signInTime writes a moment for a spreadsheet (RFC 3339, UTC), or ""
// for never.
func signInTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvRow guards each cell against formula injection (see sheet.Neutralise).
func csvRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = sheet.Neutralise(c)
	}
	return cells
}
