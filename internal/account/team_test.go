package account_test

import (
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// teamMember adds a pending user whose supervisor is sup.
func teamMember(f *fixture, first string, sup *directory.User) *directory.User {
	f.t.Helper()
	name := strings.ToLower(first) + "-" + randHex(3)
	p := directory.Profile{Username: name, Email: name + "@example.org", FirstName: first, LastName: "Member"}
	if sup != nil {
		p.SupervisorID = sup.ID
	}
	u, err := f.svc.CreateUser(f.ctx, admin.Operator(f.org.ID), &admin.UserInput{Profile: p})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// TestMyTeam checks that a supervisor's My Team lists their reports and
// nobody else, and that the account page links to it.
func TestMyTeam(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		sue := f.user("Sue", "supervisor")
		report := teamMember(f, "Rita", sue)
		stranger := teamMember(f, "Stranger", nil)
		b := f.browser()
		want(t, b.signIn(sue.Username, userPassword), 303, "")

		acct := b.get("/account")
		want(t, acct, 200, "")
		if !strings.Contains(acct.Body, `href="/account/team"`) {
			t.Error("the account page of a supervisor has no link to My team")
		}
		if !strings.Contains(acct.Body, `href="/admin"`) {
			t.Error("the account page of a supervisor (who views users) has no link to the administration")
		}

		r := b.get("/account/team")
		want(t, r, 200, "")
		contains(t, r, "My team", report.Name(), report.Email, "Pending", "never")
		if strings.Contains(r.Body, stranger.Username) {
			t.Errorf("My team lists %s, who is not on the team", stranger.Name())
		}
		if !strings.Contains(r.Body, `href="/admin/users/`+report.ID+`"`) {
			t.Error("My team does not link to the report's page in the console")
		}
	})
}

// TestMyTeamNeedsTeamView checks that a basic user is refused My Team and
// is not offered it.
func TestMyTeamNeedsTeamView(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		bea := f.user("Bea", "basic")
		b := f.browser()
		want(t, b.signIn(bea.Username, userPassword), 303, "")
		acct := b.get("/account")
		want(t, acct, 200, "")
		if strings.Contains(acct.Body, `href="/account/team"`) || strings.Contains(acct.Body, `href="/admin"`) {
			t.Error("a basic user is offered My team or the administration")
		}
		r := b.get("/account/team")
		want(t, r, 403, "")
	})
}
