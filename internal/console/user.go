package console

import (
	"net/http"
	"strconv"

	"roster/internal/directory"
)

// userRoutes adds the routes of a user's page: the General tab with the
// photo, the edit and email forms, and the Position, Time off,
// Relationships and Activity tabs. The Security and Access tabs add
// theirs from their own files.
func (h *Handler) userRoutes(r router) {
	r.handle("GET /admin/users/{id}", h.userGeneral)
	r.handle("GET /admin/users/{id}/photo", h.userPhoto)
	r.handle("POST /admin/users/{id}/photo", h.userPhotoUpload)
	r.handle("POST /admin/users/{id}/photo/delete", h.userPhotoDelete)
	r.handle("GET /admin/users/{id}/edit", h.userEditForm)
	r.handle("POST /admin/users/{id}/edit", h.userEdit)
	r.handle("GET /admin/users/{id}/email", h.userEmailForm)
	r.handle("POST /admin/users/{id}/email", h.userEmail)
	r.handle("GET /admin/users/{id}/position", h.userPosition)
	r.handle("GET /admin/users/{id}/time-off", h.userTimeOff)
	r.handle("POST /admin/users/{id}/time-off", h.userTimeOffAdd)
	r.handle("POST /admin/users/{id}/time-off/{off}/delete", h.userTimeOffDelete)
	r.handle("GET /admin/users/{id}/relationships", h.userRelationships)
	r.handle("POST /admin/users/{id}/relationships", h.userRelationshipAdd)
	r.handle("POST /admin/users/{id}/relationships/{rel}/delete", h.userRelationshipDelete)
	r.handle("GET /admin/users/{id}/activity", h.userActivity)
	h.userSecurityRoutes(r)
	h.userAccessRoutes(r)
}

// userGeneralData is what the General tab shows.
type userGeneralData struct {
	Head    userHead
	User    *directory.User
	Profile userProfileView
	// PhotoURL is the address of the photo, "" when there is none;
	// PhotoWidth and PhotoHeight are its size as shown.
	PhotoURL                string
	PhotoWidth, PhotoHeight int
}

// userGeneral shows the General tab: the profile, the photo and when the
// user was added and last changed.
func (h *Handler) userGeneral(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "general", "General")
	if p == nil {
		return
	}
	h.showGeneral(w, r, p, u, http.StatusOK)
}

// showGeneral renders the General tab of u with status (the photo form's
// errors are on p).
func (h *Handler) showGeneral(w http.ResponseWriter, r *http.Request, p *page, u *directory.User, status int) {
	d := userGeneralData{Head: h.head(u, "general"), User: u}
	var err error
	if d.Profile, err = h.userProfile(r, u); err != nil {
		h.failure(w, r, err)
		return
	}
	photo, err := h.svc.Photo(r.Context(), actorOf(r), u.ID)
	switch {
	case err == nil:
		// The time in the address makes a browser fetch a new photo.
		d.PhotoURL = userURL(u.ID, "photo") + "?v=" + strconv.FormatInt(photo.UpdatedAt.UnixMicro(), 36)
		d.PhotoWidth, d.PhotoHeight = photoBox(photo.Width, photo.Height, 160)
	case directory.KindOf(err) != directory.KindNotFound:
		h.failure(w, r, err)
		return
	}
	p.Data = d
	h.render(w, r, status, "user_general", p)
}

// photoBox scales a width and height to fit a square of side, keeping
// the proportions.
func photoBox(width, height, side int) (int, int) {
	if width <= 0 || height <= 0 {
		return side, side
	}
	if width >= height {
		return side, max(1, height*side/width)
	}
	return max(1, width*side/height), side
}
