package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// binPerPage is the length of a page of the recycle bin.
const binPerPage = 50

// recycleBinRoutes adds the routes of this screen.
func (h *Handler) recycleBinRoutes(r router) {
	r.handle("GET /admin/recycle-bin", h.recycleBin)
	r.handle("POST /admin/recycle-bin/{user_id}/restore", h.restoreFromBin)
	r.handle("POST /admin/recycle-bin/{user_id}/purge", h.purgeFromBin)
	r.handle("POST /admin/recycle-bin/purge-all", h.purgeAll)
}

// binData is what the recycle bin shows.
type binData struct {
	Rows  []binRow
	Total int
	Pager pager
	Back  string
	// PurgeDays is the organization's recycle bin rule: deleted users are
	// purged this many days after deletion; 0 keeps them until purged.
	PurgeDays int
}

// binRow is one deleted user.
type binRow struct {
	ID, Name, Username, Email, DeletedBy string
	DeletedAt                            time.Time
	Version                              int64
}

// recycleBin lists the deleted users.
func (h *Handler) recycleBin(w http.ResponseWriter, r *http.Request) {
	after := r.URL.Query().Get("after")
	pg, err := h.svc.RecycleBin(r.Context(), actorOf(r), keysetFrom[store.Cursor](after), binPerPage)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	pol, err := h.svc.SecurityPolicy(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	q := url.Values{"after": {after}}
	d := binData{Total: pg.Total, PurgeDays: pol.RecycleBinDays, Pager: pageLinks(r.URL.Path, q, keysetToken(pg.Next)),
		Back: withQuery(r.URL.Path, cloneValues(q))}
	for _, e := range pg.Entries {
		u := e.User
		d.Rows = append(d.Rows, binRow{ID: u.ID, Name: u.Name(), Username: u.Username, Email: u.Email,
			DeletedBy: e.DeletedBy, DeletedAt: u.DeletedAt, Version: u.Version})
	}
	h.render(w, r, http.StatusOK, "recyclebin", &page{Title: "Recycle bin", Area: "recycle-bin", Data: d})
}

// restoreFromBin takes a user out of the recycle bin.
func (h *Handler) restoreFromBin(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.Restore(r.Context(), actorOf(r), r.PathValue("user_id"), version(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, "/admin/recycle-bin"), u.Name()+" is restored, with everything they had.")
}

// purgeFromBin removes a deleted user for good, after asking.
func (h *Handler) purgeFromBin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	name, who := r.PostFormValue("name"), r.PostFormValue("name")
	if name == "" {
		name, who = "this user", "The user"
	}
	if !h.confirmed(w, r, confirmation{Title: "Purge " + name,
		Question: "Purging removes " + name + " for good, with their access, tokens, time off and photo. The audit log keeps the record. This cannot be undone.",
		Button:   "Purge for good", Danger: true, Back: back(r, "/admin/recycle-bin"), Area: "recycle-bin"}) {
		return
	}
	if err := h.svc.Purge(r.Context(), actorOf(r), r.PathValue("user_id"), version(r)); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, "/admin/recycle-bin"), who+" was purged for good.")
}

// purgeAll empties the recycle bin, after asking.
func (h *Handler) purgeAll(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.failure(w, r, directory.Errorf(directory.KindInvalid, "the form could not be read"))
		return
	}
	users := "every user"
	switch count := r.PostFormValue("count"); count {
	case "":
	case "1":
		users = "the 1 user"
	default:
		users = "the " + count + " users"
	}
	if !h.confirmed(w, r, confirmation{Title: "Empty the recycle bin",
		Question: "Purging removes " + users + " in the recycle bin for good. The audit log keeps the record. This cannot be undone.",
		Button:   "Purge all for good", Danger: true, Back: "/admin/recycle-bin", Area: "recycle-bin"}) {
		return
	}
	purged, failed, err := h.svc.PurgeAll(r.Context(), actorOf(r))
	if err != nil && purged == 0 && len(failed) == 0 {
		h.failure(w, r, err)
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "purge all stopped", "error", err)
	}
	msg := number(purged) + " users purged."
	if purged == 1 {
		msg = "1 user purged."
	}
	if len(failed) > 0 {
		var names []string
		for i, f := range failed {
			if i == 5 {
				names = append(names, "…")
				break
			}
			names = append(names, f.Name)
		}
		msg += " " + number(len(failed)) + " could not be purged: " + strings.Join(names, ", ") + "."
	}
	if err != nil {
		msg += " The rest could not be purged now; try again."
	}
	done(w, r, "/admin/recycle-bin", msg)
}
