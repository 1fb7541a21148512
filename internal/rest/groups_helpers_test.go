package rest_test

import (
	"context"
	"net/http"

	"roster/internal/rest"
)

// group is a group as the API shows it.
type group = rest.GroupJSON

// groupList is the answer of GET /groups.
type groupList struct {
	Items []*group `json:"items"`
	Total int      `json:"total"`
}

// relationship is a relationship as the API shows it.
type relationship = rest.RelationshipJSON

// relationshipList is the answer of GET /users/{id}/relationships.
type relationshipList struct {
	Items []*relationship `json:"items"`
}

// personIn adds a pending user through the API who holds the built-in role
// roleKey over unitID ("" = the whole organization).
func (f *fixture) personIn(roleKey, unitID string) *user {
	f.t.Helper()
	u := f.createUser(nil)
	body := map[string]any{"role_id": f.roleID(roleKey)}
	if unitID != "" {
		body["unit_id"] = unitID
	}
	must[struct{}](f.t, f.do("POST", "users/"+u.ID+"/grants", body), http.StatusCreated)
	return f.getUser(u.ID)
}

// actingIn is personIn made active, with an API token.
func (f *fixture) actingIn(roleKey, unitID string) (*user, string) {
	f.t.Helper()
	u := f.personIn(roleKey, unitID)
	f.activate(u)
	return f.getUser(u.ID), f.tokenFor(u.ID)
}

// markSignedIn records a sign-in of a user, which makes them undeletable.
func (f *fixture) markSignedIn(u *user) {
	f.t.Helper()
	if err := f.e.DB.RecordSignIn(context.Background(), f.org.ID, u.ID, f.clock.Now().UnixMicro()); err != nil {
		f.t.Fatal(err)
	}
}

// createGroup adds a group through the API with the owner's token.
func (f *fixture) createGroup(name, categoryID string) *group {
	f.t.Helper()
	body := map[string]any{"name": name}
	if categoryID != "" {
		body["category_id"] = categoryID
	}
	return ptr(must[group](f.t, f.do("POST", "groups", body), http.StatusCreated))
}

// joinGroup adds users to a group through the API with the owner's token.
func (f *fixture) joinGroup(groupID string, users ...*user) {
	f.t.Helper()
	for _, u := range users {
		must[user](f.t, f.do("POST", "groups/"+groupID+"/members", map[string]any{"user_id": u.ID}), http.StatusCreated)
	}
}

// userListIDs lists the ids of a page of users, in order.
func userListIDs(l userList) []string {
	out := []string{}
	for _, u := range l.Items {
		out = append(out, u.ID)
	}
	return out
}

// authzGroupIDs prepares the objects the route lists of authz_test.go name
// for groups and relationships: a group with target as a member, a
// category, and a relationship of target.
func (f *fixture) authzGroupIDs(targetID string) (groupID, categoryID, relationshipID string) {
	f.t.Helper()
	cat := must[rest.GroupCategoryJSON](f.t, f.do("POST", "group-categories", map[string]any{"name": "Authz " + randHex(3)}), http.StatusCreated)
	g := f.createGroup("Authz "+randHex(3), cat.ID)
	must[user](f.t, f.do("POST", "groups/"+g.ID+"/members", map[string]any{"user_id": targetID}), http.StatusCreated)
	other := f.createUser(nil)
	r := must[relationship](f.t, f.do("POST", "users/"+targetID+"/relationships",
		map[string]any{"kind": "parent_of", "to_user_id": other.ID}), http.StatusCreated)
	return g.ID, cat.ID, r.ID
}
