package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"roster/internal/directory"
)

// The targets of the matrix's groups, relationships and resources, and how
// a cell finds them.

// resourceColumns are the resource targets: a client on district D, site A,
// site B, district E, and one of the whole organization.
var resourceColumns = []string{"rsD", "rsA", "rsB", "rsE", "rsO"}

// newResource makes a client of an organization on a unit ("" = the whole
// organization).
func (w *world) newResource(orgID, unitID string) *directory.Resource {
	w.t.Helper()
	now := w.clock.Now()
	r := &directory.Resource{ID: uuid.NewString(), OrgID: orgID, Kind: "client", Name: "Client " + newTag(), UnitID: unitID,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := w.e.DB.CreateResource(w.ctx, r); err != nil {
		w.t.Fatalf("CreateResource: %v", err)
	}
	return r
}

// groupColumns are the group targets: a group without members, one whose
// member is on site A, one whose member is on district E.
var groupColumns = []string{"none", "memA", "memE"}

// newGroup makes a group of an organization holding the given members.
func (w *world) newGroup(orgID string, members ...*directory.User) *directory.Group {
	w.t.Helper()
	now := w.clock.Now()
	g := &directory.Group{ID: uuid.NewString(), OrgID: orgID, Name: "Group " + newTag(), CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := w.e.DB.CreateGroup(w.ctx, g); err != nil {
		w.t.Fatalf("CreateGroup: %v", err)
	}
	for _, u := range members {
		w.addMember(g, u)
	}
	return g
}

func (w *world) addMember(g *directory.Group, u *directory.User) {
	w.t.Helper()
	if _, err := w.e.DB.AddGroupMember(w.ctx, g.OrgID, g.ID, u.ID, "", w.clock.Now().UnixMicro()); err != nil {
		w.t.Fatalf("AddGroupMember: %v", err)
	}
}

// newRelationship links from (parent of) to straight in the database.
func (w *world) newRelationship(from, to *directory.User) *directory.Relationship {
	w.t.Helper()
	r := &directory.Relationship{ID: uuid.NewString(), OrgID: from.OrgID, Kind: directory.RelParentOf, FromUserID: from.ID,
		ToUserID: to.ID, CreatedAt: w.clock.Now()}
	if err := w.e.DB.CreateRelationship(w.ctx, r); err != nil {
		w.t.Fatalf("CreateRelationship: %v", err)
	}
	return r
}

// newCategory makes a group category of the first organization.
func (w *world) newCategory() *directory.GroupCategory {
	w.t.Helper()
	cat := &directory.GroupCategory{ID: uuid.NewString(), OrgID: w.org.ID, Name: "Category " + newTag(), CreatedAt: w.clock.Now()}
	if err := w.e.DB.CreateGroupCategory(w.ctx, cat); err != nil {
		w.t.Fatalf("CreateGroupCategory: %v", err)
	}
	return cat
}

// assign gives u the resource r straight in the database and returns the
// assignment's id.
func (w *world) assign(u *directory.User, r *directory.Resource) string {
	w.t.Helper()
	g := &directory.ResourceGrant{ID: uuid.NewString(), OrgID: u.OrgID, UserID: u.ID, ResourceID: r.ID,
		Relation: directory.RelationAccess, CreatedAt: w.clock.Now()}
	if err := w.e.DB.CreateResourceGrant(w.ctx, g); err != nil {
		w.t.Fatalf("CreateResourceGrant: %v", err)
	}
	return g.ID
}

// actingUser is the actor's user (the owner's for an actor without one).
func (c *cell) actingUser() (*actor, *directory.User) {
	if c.actor.user == nil {
		return c.w.actors["owner"], c.w.owner
	}
	return c.actor, c.actor.user
}

// partner is a user without any grant whom the actor added: one that every
// actor may manage, to link a target with.
func (c *cell) partner() *directory.User {
	_, u := c.actingUser()
	return c.get("partner:"+u.ID, func() any {
		return c.w.insertUser(u.OrgID, "Partner", func(p *directory.User) { p.CreatedBy = u.ID })
	}).(*directory.User)
}

// actorResource is a client inside the actor's own scope (of the whole
// organization for an organization-wide actor), to assign or ask about.
func (c *cell) actorResource() *directory.Resource {
	a, _ := c.actingUser()
	unit := ""
	if a.grant != nil {
		unit = a.grant.UnitID
	}
	return c.get("resource:"+a.name, func() any { return c.w.newResource(a.orgID, unit) }).(*directory.Resource)
}

// resource returns the cell's resource target.
func (c *cell) resource() *directory.Resource {
	return c.get("resource:"+c.column, func() any {
		unit := ""
		if u := c.w.units[c.column[2:]]; u != nil {
			unit = u.ID
		}
		return c.w.newResource(c.w.org.ID, unit)
	}).(*directory.Resource)
}

// groupTarget is a group target of the first organization and its member
// (nil for the group without members).
type groupTarget struct {
	group  *directory.Group
	member *directory.User
}

// group returns the cell's group target.
func (c *cell) group() *groupTarget {
	return c.get("group:"+c.column, func() any {
		w := c.w
		gt := &groupTarget{}
		if unit := map[string]string{"memA": "A", "memE": "E"}[c.column]; unit != "" {
			gt.member = w.insertUser(w.org.ID, "Member", nil)
			w.insertGrant(gt.member, "basic", unit)
			gt.group = w.newGroup(w.org.ID, gt.member)
		} else {
			gt.group = w.newGroup(w.org.ID)
		}
		return gt
	}).(*groupTarget)
}

// orgGroup is a group of the target's organization kept for one purpose
// (members are added to it, or taken from it).
func (c *cell) orgGroup(purpose string) *directory.Group {
	orgID := c.target.user.OrgID
	key := "orggroup:" + purpose + ":" + orgID
	if g, ok := c.w.shared[key]; ok {
		return g.(*directory.Group)
	}
	g := c.w.newGroup(orgID)
	c.w.shared[key] = g
	return g
}

// resourceListed is the observe function of GET /resources.
func resourceListed(id func(c *cell) string) func(c *cell, r *response) (int, string) {
	return func(c *cell, r *response) (int, string) {
		var l struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(r.Body, &l); err != nil {
			return 0, " (not a list)"
		}
		want := id(c)
		switch {
		case len(l.Items) == 1 && l.Items[0].ID == want && l.Total == 1:
			return http.StatusOK, ""
		case len(l.Items) == 0 && l.Total == 0:
			return http.StatusNotFound, " (not listed)"
		}
		return 0, fmt.Sprintf(" (%d listed, total %d)", len(l.Items), l.Total)
	}
}
