package rest_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/rest"
	"roster/internal/store/storetest"
)

func TestRelationshipKindsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		type kindList struct {
			Items []rest.RelationshipKindJSON `json:"items"`
		}
		l := must[kindList](t, f.do("GET", "relationship-kinds", nil), http.StatusOK)
		want := []rest.RelationshipKindJSON{
			{Key: "parent_of", Label: "Parent of", InverseLabel: "Student of", BuiltIn: true},
			{Key: "supervisor_of", Label: "Supervisor of", InverseLabel: "Team member of", BuiltIn: true},
		}
		if diff := cmp.Diff(want, l.Items); diff != "" {
			t.Errorf("kinds (-want +got):\n%s", diff)
		}
		k := must[rest.RelationshipKindJSON](t, f.do("PUT", "relationship-kinds/coach_of", `{"label": "Coach of", "inverse_label": "Athlete of"}`), http.StatusOK)
		if k != (rest.RelationshipKindJSON{Key: "coach_of", Label: "Coach of", InverseLabel: "Athlete of"}) {
			t.Errorf("put %+v", k)
		}
		if c := changesOf(f.wantEvent("relationship_kind.put", "coach_of")); c["label"].After != "Coach of" || c["inverse_label"].After != "Athlete of" {
			t.Errorf("changes %+v", c)
		}
		must[rest.RelationshipKindJSON](t, f.do("PUT", "relationship-kinds/parent_of", `{"label": "Guardian of", "inverse_label": "Ward of"}`), http.StatusOK)
		if c := changesOf(f.wantEvent("relationship_kind.put", "parent_of")); c["label"].Before != "Parent of" || c["inverse_label"].After != "Ward of" {
			t.Errorf("relabel changes %+v", c)
		}

		_, adminToken := f.actingIn("administrator", "")
		snap := f.snapshot("")
		wantProblem(t, f.do("PUT", "relationship-kinds/Bad-Key", `{"label": "A", "inverse_label": "B"}`), http.StatusUnprocessableEntity, "path.key")
		wantProblem(t, f.do("PUT", "relationship-kinds/x", `{"label": " ", "inverse_label": ""}`), http.StatusUnprocessableEntity,
			"body.label", "body.inverse_label")
		p := wantProblem(t, f.do("PUT", "relationship-kinds/y", `{"label": "A", "inverse_label": "B"}`, as(adminToken)...), http.StatusForbidden)
		if p.Detail != "your role does not allow settings.manage" {
			t.Errorf("detail %q", p.Detail)
		}
		f.unchanged(snap, "")
		if l := must[kindList](t, f.do("GET", "relationship-kinds", nil, as(adminToken)...), http.StatusOK); len(l.Items) != 3 {
			t.Errorf("%d kinds, want 3", len(l.Items))
		}
	})
}

func TestRelationshipsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		parent := f.createUser(map[string]any{"first_name": "Pam", "last_name": "Parent"})
		student := f.createUser(map[string]any{"first_name": "Sam", "last_name": "Student"})
		other := f.createUser(map[string]any{"first_name": "Olly", "last_name": "Other"})

		// to_user_id: the path user is kind of the other.
		r := f.do("POST", "users/"+parent.ID+"/relationships", map[string]any{"kind": "parent_of", "to_user_id": student.ID})
		rel := must[relationship](t, r, http.StatusCreated)
		if r.Header.Get("Location") != rest.Prefix+"/users/"+parent.ID+"/relationships/"+rel.ID {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		wantRel := relationship{ID: rel.ID, Kind: "parent_of", Direction: "outgoing", Label: "Parent of", OtherUserID: student.ID,
			OtherUserName: "Sam Student", FromUserID: parent.ID, ToUserID: student.ID, CreatedAt: rel.CreatedAt}
		if diff := cmp.Diff(wantRel, rel); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if c := changesOf(f.wantEvent("relationship.create", parent.ID)); c["relationship.kind"].After != "parent_of" ||
			c["relationship.to_user_id"].After != student.ID || c["relationship.from_user"].After != "Pam Parent" {
			t.Errorf("relationship.create changes %+v", c)
		}
		// from_user_id: the other is kind of the path user.
		rel2 := must[relationship](t, f.do("POST", "users/"+student.ID+"/relationships",
			map[string]any{"kind": "parent_of", "from_user_id": other.ID}), http.StatusCreated)
		if rel2.FromUserID != other.ID || rel2.ToUserID != student.ID || rel2.Direction != "incoming" || rel2.Label != "Student of" {
			t.Errorf("created from the student's side %+v", rel2)
		}

		// Both directions, from each side.
		type item struct{ Direction, Label, Other, OtherName string }
		items := func(userID, query string) []item {
			t.Helper()
			l := must[relationshipList](t, f.do("GET", "users/"+userID+"/relationships"+query, nil), http.StatusOK)
			out := []item{}
			for _, r := range l.Items {
				out = append(out, item{r.Direction, r.Label, r.OtherUserID, r.OtherUserName})
			}
			return out
		}
		if diff := cmp.Diff([]item{{"incoming", "Student of", parent.ID, "Pam Parent"}, {"incoming", "Student of", other.ID, "Olly Other"}},
			items(student.ID, "")); diff != "" {
			t.Errorf("the student's relationships (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]item{{"outgoing", "Parent of", student.ID, "Sam Student"}}, items(parent.ID, "")); diff != "" {
			t.Errorf("the parent's relationships (-want +got):\n%s", diff)
		}
		if got := items(student.ID, "?kind=supervisor_of"); len(got) != 0 {
			t.Errorf("kind filter: %v", got)
		}

		// Refused.
		snap := f.snapshot(parent.ID)
		path := "users/" + parent.ID + "/relationships"
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "parent_of", "to_user_id": student.ID}), http.StatusConflict)
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "parent_of", "to_user_id": parent.ID}), http.StatusUnprocessableEntity, "body.to_user_id")
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "parent_of", "to_user_id": student.ID, "from_user_id": other.ID}),
			http.StatusUnprocessableEntity, "body.from_user_id")
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "parent_of"}), http.StatusUnprocessableEntity, "body.to_user_id")
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "aunt_of", "to_user_id": other.ID}), http.StatusUnprocessableEntity, "body.kind")
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "parent_of", "to_user_id": "nope"}), http.StatusUnprocessableEntity, "body.to_user_id")
		wantProblem(t, f.do("POST", path, map[string]any{"kind": "parent_of", "to_user_id": other.ID, "id": "mine"}), http.StatusUnprocessableEntity, "body.id")
		wantProblem(t, f.do("POST", "users/nope/relationships", map[string]any{"kind": "parent_of", "to_user_id": other.ID}), http.StatusNotFound)
		wantProblem(t, f.do("DELETE", "users/"+other.ID+"/relationships/"+rel.ID, nil), http.StatusNotFound)
		f.unchanged(snap, parent.ID)

		// Delete from the other side.
		if r := f.do("DELETE", "users/"+student.ID+"/relationships/"+rel.ID, nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE relationship: %s", r)
		}
		if c := changesOf(f.wantEvent("relationship.delete", student.ID)); c["relationship.kind"].Before != "parent_of" ||
			c["relationship.from_user_id"].Before != parent.ID {
			t.Errorf("relationship.delete changes %+v", c)
		}
		wantProblem(t, f.do("DELETE", "users/"+parent.ID+"/relationships/"+rel.ID, nil), http.StatusNotFound)
		if got := items(parent.ID, ""); len(got) != 0 {
			t.Errorf("relationships left: %v", got)
		}
	})
}

// TestRelationshipEscalationAPI checks that nobody links themself to users
// beyond their reach to widen what team.view shows them.
func TestRelationshipEscalationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA, siteB := f.createUnit("Site A", "site", ""), f.createUnit("Site B", "site", "")
		manager, mgr := f.actingIn("manager", siteA.ID)
		inA, inB := f.personIn("staff", siteA.ID), f.personIn("staff", siteB.ID)
		above := f.personIn("administrator", siteA.ID)
		h := as(mgr)

		before := must[userList](t, f.do("GET", "users?limit=500", nil, h...), http.StatusOK)
		snap := f.snapshot(manager.ID)
		wantProblem(t, f.do("POST", "users/"+manager.ID+"/relationships", map[string]any{"kind": "supervisor_of", "to_user_id": inB.ID}, h...),
			http.StatusUnprocessableEntity, "body.to_user_id")
		wantProblem(t, f.do("POST", "users/"+inB.ID+"/relationships", map[string]any{"kind": "supervisor_of", "from_user_id": manager.ID}, h...),
			http.StatusNotFound)
		wantProblem(t, f.do("POST", "users/"+manager.ID+"/relationships", map[string]any{"kind": "supervisor_of", "to_user_id": above.ID}, h...),
			http.StatusForbidden)
		f.unchanged(snap, manager.ID)
		after := must[userList](t, f.do("GET", "users?limit=500", nil, h...), http.StatusOK)
		if !cmp.Equal(userListIDs(before), userListIDs(after)) {
			t.Errorf("refused links changed the manager's users")
		}
		team := must[userList](t, f.do("GET", "me/team", nil, h...), http.StatusOK)
		if team.Total != 0 {
			t.Errorf("the manager's team holds %v", userListIDs(team))
		}
		// Inside the scope the link is made, and the team shows it.
		must[relationship](t, f.do("POST", "users/"+manager.ID+"/relationships", map[string]any{"kind": "supervisor_of", "to_user_id": inA.ID}, h...),
			http.StatusCreated)
		team = must[userList](t, f.do("GET", "me/team", nil, h...), http.StatusOK)
		if !cmp.Equal(userListIDs(team), []string{inA.ID}) {
			t.Errorf("the manager's team holds %v", userListIDs(team))
		}
		// Relationships whose other user the manager cannot see are not listed.
		must[relationship](t, f.do("POST", "users/"+inA.ID+"/relationships", map[string]any{"kind": "parent_of", "from_user_id": inB.ID}), http.StatusCreated)
		l := must[relationshipList](t, f.do("GET", "users/"+inA.ID+"/relationships", nil, h...), http.StatusOK)
		if len(l.Items) != 1 || l.Items[0].OtherUserID != manager.ID {
			t.Errorf("the manager sees %d relationships of inA", len(l.Items))
		}
	})
}

// TestMyTeamAPI checks GET /me/team for a supervisor whose team reaches
// outside their site.
func TestMyTeamAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		siteA, siteB := f.createUnit("Site A", "site", ""), f.createUnit("Site B", "site", "")
		sup, supToken := f.actingIn("supervisor", siteA.ID)
		byProfile := f.personIn("staff", siteB.ID)
		must[user](t, f.do("PATCH", "users/"+byProfile.ID, map[string]any{"supervisor_id": sup.ID}), http.StatusOK)
		byLink := f.personIn("staff", siteB.ID)
		must[relationship](t, f.do("POST", "users/"+sup.ID+"/relationships", map[string]any{"kind": "supervisor_of", "to_user_id": byLink.ID}),
			http.StatusCreated)
		stranger := f.personIn("staff", siteB.ID)
		h := as(supToken)

		team := must[userList](t, f.do("GET", "me/team?sort=created_at", nil, h...), http.StatusOK)
		if !cmp.Equal(userListIDs(team), []string{byProfile.ID, byLink.ID}) || team.Total != 2 {
			t.Errorf("team %v total %d", userListIDs(team), team.Total)
		}
		page := must[userList](t, f.do("GET", "me/team?sort=created_at&limit=1", nil, h...), http.StatusOK)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("first page %v next %q", userListIDs(page), page.NextCursor)
		}
		next := must[userList](t, f.do("GET", "me/team?sort=created_at&limit=1&cursor="+page.NextCursor, nil, h...), http.StatusOK)
		if !cmp.Equal(userListIDs(next), []string{byLink.ID}) {
			t.Errorf("second page %v", userListIDs(next))
		}
		wantProblem(t, f.do("GET", "me/team?group_id=x", nil, h...), http.StatusUnprocessableEntity)

		// Visible outside the site, but managed only as the role allows.
		must[user](t, f.do("GET", "users/"+byLink.ID, nil, h...), http.StatusOK)
		wantProblem(t, f.do("PATCH", "users/"+byLink.ID, `{"job_title": "Changed"}`, h...), http.StatusForbidden)
		wantProblem(t, f.do("GET", "users/"+stranger.ID, nil, h...), http.StatusNotFound)

		// team.view is needed.
		_, staff := f.actingIn("staff", siteA.ID)
		p := wantProblem(t, f.do("GET", "me/team", nil, as(staff)...), http.StatusForbidden)
		if p.Detail != "your role does not allow team.view" {
			t.Errorf("detail %q", p.Detail)
		}
	})
}
