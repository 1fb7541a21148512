package admin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// This file answers the questions host applications ask about resources:
// may user U do permission P on resource R (Check), what may U reach
// (ReachableResources), and who reaches R (WhoCanReach).
//
// A user reaches a resource through a current grant whose role holds
// resources.all_in_scope and whose scope covers the resource's unit (an
// organization-wide grant covers every resource, a unit grant the
// resources of that unit's subtree, and a resource without a unit only
// organization-wide grants cover), or through a direct assignment.
// Archived resources are reached by nobody.

// allInScope is the permission that reaches every resource in a grant's scope.
const allInScope directory.Permission = "resources.all_in_scope"

// Decision is the answer to "may this user do this on this resource".
type Decision struct {
	Allowed bool
	// Reason says, for a person, why: which grant gave the permission and
	// how the resource was reached, or what was missing.
	Reason string
	// GrantID is the grant that gave the permission (when allowed).
	GrantID string
	// AssignmentID and Relation name the direct assignment that reached
	// the resource, when one did.
	AssignmentID string
	Relation     directory.Relation
}

// ReachVia is one way a user reaches a resource: a grant whose role has
// resources.all_in_scope, or a direct assignment.
type ReachVia struct {
	GrantID  string
	RoleName string
	UnitID   string // "" = an organization-wide grant
	UnitName string

	AssignmentID string
	Relation     directory.Relation
}

// blockedReason says why a user cannot act now ("" when they can): not
// active, locked, in the recycle bin or past their account's expiry.
func blockedReason(u *directory.User, now time.Time) string {
	switch {
	case u.Deleted():
		return fmt.Sprintf("%s is in the recycle bin", u.Name())
	case u.Status != directory.StatusActive:
		return fmt.Sprintf("%s is %s, not active", u.Name(), u.Status)
	case u.Locked():
		return fmt.Sprintf("%s is locked", u.Name())
	case u.AccountExpired(now):
		return fmt.Sprintf("%s's account expired on %s", u.Name(), u.ExpiresAt.Format(time.DateOnly))
	}
	return ""
}

func scopeName(g *store.GrantDetail) string {
	if g.UnitID == "" {
		return "the whole organization"
	}
	return g.UnitName
}

// reachingGrants keeps the current grants of gs whose role holds
// resources.all_in_scope.
func reachingGrants(gs []*store.GrantDetail, now time.Time) []*store.GrantDetail {
	var out []*store.GrantDetail
	for _, g := range gs {
		if g.ActiveAt(now) && g.Holds(allInScope) {
			out = append(out, g)
		}
	}
	return out
}

func grantVia(g *store.GrantDetail) ReachVia {
	return ReachVia{GrantID: g.ID, RoleName: g.RoleName, UnitID: g.UnitID, UnitName: g.UnitName}
}

func assignmentVia(g *directory.ResourceGrant) ReachVia {
	return ReachVia{AssignmentID: g.ID, Relation: g.Relation}
}

// askAbout loads the user a question is about. Anybody may ask about
// themself; asking about someone else takes users.view and a user the
// actor may see. self reports which it was.
func (s *Service) askAbout(ctx context.Context, a *Actor, userID string) (u *directory.User, self bool, err error) {
	if err := signedIn(a); err != nil {
		return nil, false, err
	}
	if userID != "" && userID == a.UserID {
		u, err = s.db.User(ctx, a.OrgID, userID)
		return u, true, err
	}
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, false, err
	}
	u, err = s.viewUser(ctx, &s.db.Conn, a, userID)
	return u, false, err
}

// Check decides whether a user may do a permission of the catalog on a
// resource, and says why. The user must be active (not locked, deleted or
// past their account's expiry) and hold the permission through a current
// grant; the resource must be reached either by that grant itself (its role
// holds resources.all_in_scope and its scope covers the resource) or by a
// direct assignment. Anybody may ask about themself; asking about another
// user takes users.view and a user the actor sees (KindNotFound otherwise),
// and a resource in the actor's scope (KindNotFound otherwise). Missing
// parameters and unknown permissions are KindInvalid.
func (s *Service) Check(ctx context.Context, a *Actor, userID string, p directory.Permission, resourceID string) (*Decision, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	if userID == "" || userID != a.UserID {
		if err := s.authorize(a, "users.view"); err != nil {
			return nil, err
		}
	}
	var v directory.Validation
	if userID == "" {
		v.Add("user_id", "is required")
	}
	switch {
	case p == "":
		v.Add("permission", "is required")
	case !directory.KnownPermission(p):
		v.Add("permission", "%q is not a permission of the catalog", p)
	}
	if resourceID == "" {
		v.Add("resource_id", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	u, self, err := s.askAbout(ctx, a, userID)
	if err != nil {
		return nil, err
	}
	var rv *ResourceView
	if self {
		rv, err = s.loadResource(ctx, &s.db.Conn, a.OrgID, resourceID)
	} else {
		rv, err = s.resourceInScope(ctx, &s.db.Conn, a, resourceID)
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if why := blockedReason(u, now); why != "" {
		return &Decision{Reason: why}, nil
	}
	if archived(rv.Resource) {
		return &Decision{Reason: fmt.Sprintf("%s is archived; nobody reaches it", rv.Name)}, nil
	}
	grants, err := s.db.GrantDetails(ctx, a.OrgID, []string{u.ID})
	if err != nil {
		return nil, err
	}
	var holders []*store.GrantDetail
	heldOnce := false
	for _, g := range grants {
		if g.Holds(p) {
			heldOnce = true
			if g.ActiveAt(now) {
				holders = append(holders, g)
			}
		}
	}
	if len(holders) == 0 {
		if heldOnce {
			return &Decision{Reason: fmt.Sprintf("%s holds %s only through grants that do not count now (expired or not yet started)", u.Name(), p)}, nil
		}
		return &Decision{Reason: fmt.Sprintf("no grant of %s gives %s", u.Name(), p)}, nil
	}
	// The strongest grant speaks for the user.
	slices.SortStableFunc(holders, func(x, y *store.GrantDetail) int { return cmp.Compare(y.RoleLevel, x.RoleLevel) })
	for _, g := range holders {
		if g.Holds(allInScope) && g.Covers(rv.unitPath()) {
			return &Decision{Allowed: true, GrantID: g.ID, Reason: fmt.Sprintf(
				"%s holds %s as %s over %s, which reaches every resource there (resources.all_in_scope)",
				u.Name(), p, g.RoleName, scopeName(g))}, nil
		}
	}
	assigned, err := s.db.AssignmentsOf(ctx, a.OrgID, []string{u.ID}, []string{rv.ID})
	if err != nil {
		return nil, err
	}
	g := holders[0]
	if len(assigned) > 0 {
		as := assigned[0]
		return &Decision{Allowed: true, GrantID: g.ID, AssignmentID: as.ID, Relation: as.Relation, Reason: fmt.Sprintf(
			"%s is assigned %s as %s, and holds %s as %s over %s",
			u.Name(), rv.Name, as.Relation, p, g.RoleName, scopeName(g))}, nil
	}
	return &Decision{Reason: fmt.Sprintf(
		"%s holds %s as %s over %s, but reaches %s neither through resources.all_in_scope over a scope that covers it nor through an assignment",
		u.Name(), p, g.RoleName, scopeName(g), rv.Name)}, nil
}

// Reach is a resource a user reaches, and every way they reach it.
type Reach struct {
	*store.ResourceRow
	Via []ReachVia
}

// ReachPage is one page of the resources a user reaches.
type ReachPage struct {
	Items []*Reach
	Next  *store.ResourceCursor
	Total int
	// Blocked says why the user cannot act now ("" when they can); the
	// items are what their access reaches once they can.
	Blocked string
}

// ReachableResources lists one page of the unarchived resources a user
// reaches, by name, each with the grants and assignments that reach it.
// Anybody may ask about themself; asking about another user takes
// users.view and a user the actor sees, and lists only the resources in
// the actor's scope.
func (s *Service) ReachableResources(ctx context.Context, a *Actor, userID string, in ResourceListInput) (*ReachPage, error) {
	u, self, err := s.askAbout(ctx, a, userID)
	if err != nil {
		return nil, err
	}
	in.IncludeArchived = false
	var v directory.Validation
	q := in.query(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	grants, err := s.db.GrantDetails(ctx, a.OrgID, []string{u.ID})
	if err != nil {
		return nil, err
	}
	reaching := reachingGrants(grants, now)
	set := &store.ResourceSet{AssignedTo: u.ID}
	for _, g := range reaching {
		if g.UnitID == "" {
			set.All = true
		} else {
			set.Paths = append(set.Paths, g.UnitPath)
		}
	}
	q.Reach = set
	if !self {
		q.View = a.resourceView()
	}
	page, err := s.db.ResourcePage(ctx, a.OrgID, q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page.Rows))
	for i, r := range page.Rows {
		ids[i] = r.ID
	}
	assigned, err := s.db.AssignmentsOf(ctx, a.OrgID, []string{u.ID}, ids)
	if err != nil {
		return nil, err
	}
	out := &ReachPage{Next: page.Next, Total: page.Total, Blocked: blockedReason(u, now), Items: make([]*Reach, 0, len(page.Rows))}
	for _, r := range page.Rows {
		item := &Reach{ResourceRow: r, Via: []ReachVia{}}
		for _, g := range reaching {
			if g.Covers(r.UnitPath) {
				item.Via = append(item.Via, grantVia(g))
			}
		}
		for _, as := range assigned {
			if as.ResourceID == r.ID {
				item.Via = append(item.Via, assignmentVia(as))
			}
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// Reacher is a user who reaches a resource, and every way they do.
type Reacher struct {
	User *directory.User
	Via  []ReachVia
	// Blocked says why the user cannot act now ("" when they can).
	Blocked string
}

// ReacherPage is one page of the users who reach a resource.
type ReacherPage struct {
	Items []*Reacher
	Next  *store.Cursor
	Total int
}

// WhoCanReach lists one page of the users outside the recycle bin who reach
// a resource, by last name: those assigned to it and those holding a
// current grant whose role has resources.all_in_scope over a scope that
// covers it. It takes users.view and a resource in the actor's scope
// (KindNotFound otherwise), and lists only users the actor may see. An
// archived resource is reached by nobody.
func (s *Service) WhoCanReach(ctx context.Context, a *Actor, resourceID string, limit int, after *store.Cursor) (*ReacherPage, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	var v directory.Validation
	switch {
	case limit < 0 || limit > 500:
		v.Add("limit", "must be between 1 and 500")
	case limit == 0:
		limit = 50
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rv, err := s.resourceInScope(ctx, &s.db.Conn, a, resourceID)
	if err != nil {
		return nil, err
	}
	out := &ReacherPage{Items: []*Reacher{}}
	if archived(rv.Resource) {
		return out, nil
	}
	now := s.now()
	var unitIDs []string
	for _, id := range strings.Split(rv.unitPath(), "/") {
		if id != "" {
			unitIDs = append(unitIDs, id)
		}
	}
	page, err := s.db.ReachingUsers(ctx, a.OrgID, store.ReachQuery{ResourceID: rv.ID, UnitIDs: unitIDs, Now: now,
		Scope: a.listScope(), Limit: limit, After: after})
	if err != nil {
		return nil, err
	}
	out.Next, out.Total = page.Next, page.Total
	if len(page.Users) == 0 {
		return out, nil
	}
	ids := make([]string, len(page.Users))
	for i, u := range page.Users {
		ids[i] = u.ID
	}
	grants, err := s.db.GrantDetails(ctx, a.OrgID, ids)
	if err != nil {
		return nil, err
	}
	assigned, err := s.db.AssignmentsOf(ctx, a.OrgID, ids, []string{rv.ID})
	if err != nil {
		return nil, err
	}
	for _, u := range page.Users {
		item := &Reacher{User: u, Via: []ReachVia{}, Blocked: blockedReason(u, now)}
		for _, g := range reachingGrants(grants, now) {
			if g.UserID == u.ID && g.Covers(rv.unitPath()) {
				item.Via = append(item.Via, grantVia(g))
			}
		}
		for _, as := range assigned {
			if as.UserID == u.ID {
				item.Via = append(item.Via, assignmentVia(as))
			}
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}
