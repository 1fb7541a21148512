package console

import (
	"net/http"
	"strings"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/web"
)

// userTeamPreview is how many team members the Relationships tab lists
// before pointing to the Position tab.
const userTeamPreview = 10

// userRelationsData is what the Relationships tab shows.
type userRelationsData struct {
	Head          userHead
	User          *directory.User
	Relationships []*admin.RelationshipView
	Profile       userProfileView
	Team          []*directory.User
	TeamTotal     int
	// Relation is the select of the add form: each kind read both ways.
	Relation userSelect
}

// userRelationships shows the Relationships tab: the user's
// relationships both ways (parents and students, and the kinds the
// organization defines), their supervisor and their team.
func (h *Handler) userRelationships(w http.ResponseWriter, r *http.Request) {
	p, u := h.userPage(w, r, "relationships", "Relationships")
	if p == nil {
		return
	}
	h.showRelationships(w, r, p, u, http.StatusOK)
}

// showRelationships renders the Relationships tab of u with status.
func (h *Handler) showRelationships(w http.ResponseWriter, r *http.Request, p *page, u *directory.User, status int) {
	ctx, a := r.Context(), actorOf(r)
	rels, err := h.svc.UserRelationships(ctx, a, u.ID, "")
	if err != nil {
		h.failure(w, r, err)
		return
	}
	kinds, err := h.svc.RelationshipKinds(ctx, a)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := userRelationsData{Head: h.head(u, "relationships"), User: u, Relationships: rels}
	if d.Profile, err = h.userProfile(r, u); err != nil {
		h.failure(w, r, err)
		return
	}
	team, _, err := h.userTeamPage(r, u, userTeamPreview, "")
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d.Team, d.TeamTotal = team.Users, team.Total
	opts := []userOption{{Value: "", Label: "Choose how they are related"}}
	for _, k := range kinds {
		opts = append(opts, userOption{Value: "to:" + k.Key, Label: k.Label},
			userOption{Value: "from:" + k.Key, Label: k.InverseLabel})
	}
	d.Relation = newUserSelect(p, "relation", u.Name()+" is", true, opts)
	p.Data = d
	h.render(w, r, status, "user_relationships", p)
}

// userRelationshipAdd links the user with another named by user name or
// email.
func (h *Handler) userRelationshipAdd(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "relationships", "Relationships")
	if p == nil {
		return
	}
	ctx, a := r.Context(), actorOf(r)
	p.Keep(r, "relation", "other")
	dir, kind, _ := strings.Cut(r.PostFormValue("relation"), ":")
	var in admin.RelationshipInput
	in.Kind = kind
	otherField := "to_user_id"
	if dir == "from" {
		otherField = "from_user_id"
	}
	if login := strings.TrimSpace(r.PostFormValue("other")); login != "" {
		other, err := h.svc.FindUser(ctx, a, login)
		switch {
		case directory.KindOf(err) == directory.KindNotFound:
			p.FieldError("other", "The other person", "must be the user name or email of someone you can see")
			h.showRelationships(w, r, p, u, http.StatusUnprocessableEntity)
			return
		case err != nil:
			h.failure(w, r, err)
			return
		}
		if otherField == "to_user_id" {
			in.ToUserID = other.ID
		} else {
			in.FromUserID = other.ID
		}
	} else {
		p.FieldError("other", "The other person", "is required")
		h.showRelationships(w, r, p, u, http.StatusUnprocessableEntity)
		return
	}
	view, err := h.svc.CreateRelationship(ctx, a, u.ID, in)
	if err != nil {
		switch directory.KindOf(err) {
		case directory.KindNotFound, directory.KindUnauthorized:
			h.failure(w, r, err)
			return
		}
		status := p.Explain(err, map[string]web.FieldRef{
			"kind":         {ID: "relation", Label: "The relationship"},
			"to_user_id":   {ID: "other", Label: "The other person"},
			"from_user_id": {ID: "other", Label: "The other person"}})
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		h.showRelationships(w, r, p, u, status)
		return
	}
	done(w, r, userURL(u.ID, "relationships"), u.Name()+" is now "+strings.ToLower(view.Label)+" "+view.Other.Name()+".")
}

// userRelationshipDelete removes a relationship of the user, after
// confirmation.
func (h *Handler) userRelationshipDelete(w http.ResponseWriter, r *http.Request) {
	if !h.userMayEdit(w, r) {
		return
	}
	p, u := h.userPage(w, r, "relationships", "Relationships")
	if p == nil {
		return
	}
	if !h.confirmed(w, r, confirmation{Title: "Remove a relationship", Question: "Remove this relationship of " + u.Name() + "?",
		Button: "Remove relationship", Danger: true, Back: userURL(u.ID, "relationships"), Area: "users"}) {
		return
	}
	if err := h.svc.DeleteRelationship(r.Context(), actorOf(r), u.ID, r.PathValue("rel")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, userURL(u.ID, "relationships"), "The relationship is removed.")
}
