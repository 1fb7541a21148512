package console

import (
	"net/http"
	"net/url"
)

// confirmation is the question asked before a destructive action.
type confirmation struct {
	// Title heads the page; Question says what will happen.
	Title, Question string
	// Button labels the confirming button.
	Button string
	// Danger draws the button as destructive.
	Danger bool
	// Back is where "Cancel" leads.
	Back string
	// Area is the navigation entry of the page.
	Area string
}

// confirmData is what the confirmation page shows: the question and the
// form to send again with confirmed=yes.
type confirmData struct {
	confirmation
	Action string
	Fields url.Values
}

// confirmed reports whether the posted form carries confirmed=yes. When it
// does not, it answers with a page that asks c and offers to send the same
// form again, confirmed (console.js asks in a dialog instead and adds the
// field, so people with JavaScript never see that page).
func (h *Handler) confirmed(w http.ResponseWriter, r *http.Request, c confirmation) bool {
	if r.PostFormValue("confirmed") == "yes" {
		return true
	}
	fields := url.Values{}
	for k, v := range r.PostForm {
		if k != "confirmed" {
			fields[k] = v
		}
	}
	h.render(w, r, http.StatusOK, "confirm", &page{Title: c.Title, Area: c.Area,
		Data: confirmData{confirmation: c, Action: r.URL.Path, Fields: fields}})
	return false
}
