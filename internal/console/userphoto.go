package console

import (
	"errors"
	"io"
	"net/http"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// photoUploadSlack is what a multipart body may carry beyond the photo
// itself: boundaries, headers and the other fields of the form.
const photoUploadSlack = 64 << 10

// userPhoto serves a user's photo with its own content type. Like every
// console answer it is sent with Cache-Control: no-store.
func (h *Handler) userPhoto(w http.ResponseWriter, r *http.Request) {
	photo, err := h.svc.Photo(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", photo.ContentType)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Disposition", "inline")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(photo.Data)
}

// userPhotoUpload stores an uploaded photo. The body is bounded to the
// largest photo admin accepts; a file that is too large or is not an
// image is shown beside the field on the General tab.
func (h *Handler) userPhotoUpload(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, admin.MaxPhotoBytes+photoUploadSlack)
	data, problem := readPhoto(r)
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	p, u := h.userPage(w, r, "general", "General")
	if p == nil {
		return
	}
	if problem != "" {
		p.FieldError("photo", "The photo", problem)
		h.showGeneral(w, r, p, u, http.StatusUnprocessableEntity)
		return
	}
	if _, err := h.svc.SetPhoto(r.Context(), actorOf(r), u.ID, data); err != nil {
		switch directory.KindOf(err) {
		case directory.KindTooLarge:
			p.FieldError("photo", "The photo", "is larger than 5 MB")
			h.showGeneral(w, r, p, u, http.StatusRequestEntityTooLarge)
		case directory.KindInvalid:
			p.Explain(err, map[string]web.FieldRef{"photo": {ID: "photo", Label: "The photo"}})
			h.showGeneral(w, r, p, u, http.StatusUnprocessableEntity)
		default:
			h.failure(w, r, err)
		}
		return
	}
	done(w, r, userURL(u.ID), "The photo of "+u.Name()+" is saved.")
}

// readPhoto reads the "photo" file of a multipart form, or says what is
// wrong with the upload.
func readPhoto(r *http.Request) ([]byte, string) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, "is larger than 5 MB"
		}
		return nil, "could not be read; choose the file again"
	}
	file, _, err := r.FormFile("photo")
	if err != nil {
		return nil, "is missing; choose an image file"
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return nil, "could not be read; choose the file again"
	}
	if len(data) == 0 {
		return nil, "is an empty file"
	}
	return data, ""
}

// userPhotoDelete removes a user's photo, after confirmation.
func (h *Handler) userPhotoDelete(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "general", "General")
	if p == nil {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Remove the photo", Question: "Remove the photo of " + u.Name() + "?",
		Button: "Remove photo", Danger: true, Back: userURL(u.ID), Area: "users"}) {
		return
	}
	if err := h.svc.DeletePhoto(r.Context(), actorOf(r), u.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, userURL(u.ID), "The photo of "+u.Name()+" is removed.")
}
