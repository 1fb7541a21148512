package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"roster/internal/browsertest"
	"roster/internal/directory"
	"roster/internal/mail"
	"roster/internal/store/storetest"
)

// TestConsoleTour drives the console in a real Chromium as an
// organization's people would: the owner signs in, adds a user with a
// grant and meets the duplicate-email warning on the way, invites someone
// who accepts from the mail received, unlocks an account locked by wrong
// passwords from the padlock, emulates a user and stops, deletes a user
// who never signed in and restores them from the recycle bin; a site
// administrator sees neither the buttons nor the users outside their
// site. Every main page is checked with axe-core and photographed.
func TestConsoleTour(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a real browser")
	}
	br := browsertest.New(t)
	for _, e := range tourEngines(t) {
		t.Run(e.Name, func(t *testing.T) { tour(t, br, e) })
	}
}

// tourist is the state of one tour.
type tourist struct {
	t      *testing.T
	f      *fixture
	br     *browsertest.Browser
	inbox  *inbox
	worker *mail.Worker
	engine string
}

func tour(t *testing.T, br *browsertest.Browser, e *storetest.Engine) {
	f := newFixture(t, e)
	in := startInbox(t)
	tt := &tourist{t: t, f: f, br: br, inbox: in, engine: e.Name,
		worker: mail.NewWorker(e.DB, in.sender(t), mail.WorkerOptions{Name: "tour-" + e.Name, Clock: f.clock.Now})}

	owner := tt.signIn(f.owner.Username, ownerPassword)
	tt.check(owner, "dashboard")

	tt.addUserWithGrant(owner)
	tt.inviteAndAccept(owner)
	tt.unlockFromPadlock(owner)
	tt.emulate(owner)
	tt.deleteAndRestore(owner)
	tt.siteAdministrator()
	tt.checkMainPages(owner)
}

// url is the address of a path on the test server.
func (tt *tourist) url(path string) string { return tt.f.srv.URL + path }

// tab opens a tab of its own (another person's browser) that accepts
// confirmation dialogs.
func (tt *tourist) tab() context.Context {
	ctx := tt.br.NewTab(tt.t)
	browsertest.AcceptDialogs(ctx)
	return ctx
}

// signIn opens a tab and signs in on the sign-in page, landing in the
// console.
func (tt *tourist) signIn(login, password string) context.Context {
	tt.t.Helper()
	ctx := tt.tab()
	browsertest.Run(tt.t, ctx,
		chromedp.Navigate(tt.url("/login?next=/admin")),
		chromedp.SendKeys("#username", login),
		chromedp.SendKeys("#password", password),
		chromedp.Submit("#password"),
		chromedp.WaitVisible("nav.side-nav"),
	)
	return ctx
}

// open goes to a console page and waits for its main content.
func (tt *tourist) open(ctx context.Context, path string) {
	tt.t.Helper()
	browsertest.Run(tt.t, ctx, chromedp.Navigate(tt.url(path)), chromedp.WaitVisible("#main"))
}

// check runs the accessibility check on the current page and keeps a
// screenshot of it.
func (tt *tourist) check(ctx context.Context, name string) {
	tt.t.Helper()
	browsertest.CheckAccessibility(tt.t, ctx, name)
	browsertest.Screenshot(tt.t, ctx, tt.engine+"-"+name)
}

// flash returns the flash message of the current page.
func (tt *tourist) flash(ctx context.Context) string {
	tt.t.Helper()
	return browsertest.Text(tt.t, ctx, "p.notice")
}

// mainText is the text of the current page's main content.
func (tt *tourist) mainText(ctx context.Context) string {
	tt.t.Helper()
	return browsertest.Text(tt.t, ctx, "#main")
}

// addUserWithGrant fills in the Add user form, first with an email that
// belongs to someone (the live warning names them), then with a new one;
// Save and Next leads to Grant Access, and Save and Close to the user.
func (tt *tourist) addUserWithGrant(ctx context.Context) {
	t, f := tt.t, tt.f
	dora := f.user("Dora", "staff", "")
	north := f.site("North " + tt.engine)
	tt.open(ctx, "/admin/users/new")
	browsertest.Run(t, ctx,
		chromedp.SendKeys("#first_name", "Nora"),
		chromedp.SendKeys("#last_name", "Newman"),
		chromedp.SendKeys("#email", dora.Email),
		chromedp.WaitVisible("#email-owner a"),
	)
	if warn := browsertest.Text(t, ctx, "#email-owner"); !strings.Contains(warn, dora.Name()) {
		t.Errorf("the duplicate-email warning says %q; want it to name %s", warn, dora.Name())
	}
	tt.check(ctx, "add-user")
	browsertest.Run(t, ctx,
		chromedp.SendKeys("#email", strings.Repeat("\b", len(dora.Email))),
		chromedp.SendKeys("#email", "nora.newman@example.org"),
		chromedp.Click("#save-next"),
		chromedp.WaitVisible("#grant-new"),
	)
	tt.check(ctx, "grant-access")
	manager, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "manager")
	if err != nil {
		t.Fatal(err)
	}
	contact, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "service_contact")
	if err != nil {
		t.Fatal(err)
	}
	// Only the chosen role's own fields show.
	browsertest.Run(t, ctx,
		chromedp.SetValue("#role_id", contact.ID),
		chromedp.WaitVisible(`[data-for-role="`+contact.ID+`"] textarea`),
		chromedp.SetValue("#role_id", manager.ID),
		chromedp.WaitNotVisible(`[data-for-role="`+contact.ID+`"] textarea`),
	)
	browsertest.Run(t, ctx,
		chromedp.SetValue("#role_id", manager.ID),
		chromedp.SetValue("#unit_id", north.ID),
		chromedp.Click("#grant-close"),
		chromedp.WaitVisible(".tabs"),
	)
	nora, err := f.svc.UserByLogin(f.ctx, f.org.ID, "nora.newman@example.org")
	if err != nil {
		t.Fatalf("the new user is not there: %v", err)
	}
	grants, err := f.svc.Grants(f.ctx, f.op(), nora.ID)
	if err != nil || len(grants) != 1 || grants[0].Role.ID != manager.ID {
		t.Fatalf("grants of the new user: %v %+v; want one manager grant", err, grants)
	}
	if !strings.Contains(tt.mainText(ctx), "Manager") {
		t.Errorf("the user's page does not show the grant")
	}
}

// inviteAndAccept invites someone with the bulk invite form; the mail
// arrives over SMTP and the invited person, in a browser of their own,
// follows its link, sets a password and lands signed in.
func (tt *tourist) inviteAndAccept(ctx context.Context) {
	t, f := tt.t, tt.f
	basic, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, "basic")
	if err != nil {
		t.Fatal(err)
	}
	addr := "ivy.invited-" + tt.engine + "@example.org"
	tt.open(ctx, "/admin/invitations/bulk")
	browsertest.Run(t, ctx,
		chromedp.SendKeys("#emails", addr+", not-an-address"),
		chromedp.SetValue("#role_id", basic.ID),
		chromedp.Click("#send-invitations"),
		chromedp.WaitVisible("#bulk-results"),
	)
	results := browsertest.Text(t, ctx, "#bulk-results")
	if !strings.Contains(results, addr) || !strings.Contains(strings.ToLower(results), "invalid") {
		t.Errorf("bulk invite results: %q", results)
	}
	tt.check(ctx, "bulk-invite-results")

	tt.deliver()
	msgs := tt.inbox.mailTo(addr)
	if len(msgs) != 1 {
		t.Fatalf("%d mails reached %s, want the invitation", len(msgs), addr)
	}
	invitee := tt.tab()
	browsertest.Run(t, invitee,
		chromedp.Navigate(tt.url(link(t, msgs[0], "/invite/"))),
		chromedp.WaitVisible("#password"),
	)
	if got := tt.mainText(invitee); !strings.Contains(got, f.org.Name) {
		t.Errorf("the invitation page does not name the organization: %q", got)
	}
	tt.check(invitee, "accept-invitation")
	browsertest.Run(t, invitee,
		chromedp.SendKeys("#password", userPassword),
		chromedp.SendKeys("#password_confirm", userPassword),
		chromedp.Submit("#password"),
		chromedp.WaitVisible("#sessions-title"),
	)
	u, err := f.svc.UserByLogin(f.ctx, f.org.ID, addr)
	if err != nil || u.Status != directory.StatusActive {
		t.Fatalf("the invited user after accepting: %v %+v", err, u)
	}
}

// deleteAndRestore deletes a user who never signed in from the Actions
// menu of their page and restores them from the recycle bin.
func (tt *tourist) deleteAndRestore(ctx context.Context) {
	t, f := tt.t, tt.f
	neve := f.pending("Neve")
	tt.open(ctx, "/admin/users/"+neve.ID)
	browsertest.Run(t, ctx,
		chromedp.Click("details.menu > summary"),
		chromedp.Click(`details.menu form[action="/admin/users/`+neve.ID+`/delete"] button`),
		chromedp.WaitVisible("p.notice"),
	)
	if !f.reload(neve).Deleted() {
		t.Fatalf("the user was not moved to the recycle bin; the page says %q", tt.mainText(ctx))
	}
	tt.open(ctx, "/admin/recycle-bin")
	if !strings.Contains(tt.mainText(ctx), neve.Name()) {
		t.Errorf("the recycle bin does not list %s", neve.Name())
	}
	tt.check(ctx, "recycle-bin-with-user")
	browsertest.Run(t, ctx,
		chromedp.Click("#restore-"+neve.ID),
		chromedp.WaitVisible("p.notice"),
	)
	if f.reload(neve).Deleted() {
		t.Fatalf("the user was not restored; the page says %q", tt.mainText(ctx))
	}
}

// deliver sends the mail waiting in the outbox to the inbox.
func (tt *tourist) deliver() {
	tt.t.Helper()
	if _, err := tt.worker.DeliverDue(tt.f.ctx); err != nil {
		tt.t.Fatalf("DeliverDue: %v", err)
	}
}

// unlockFromPadlock locks an account with wrong passwords in another
// browser, then unlocks it from the padlock of the users list.
func (tt *tourist) unlockFromPadlock(ctx context.Context) {
	t, f := tt.t, tt.f
	lee := f.user("Lee", "staff", "")
	other := tt.tab()
	for range 5 {
		browsertest.Run(t, other,
			chromedp.Navigate(tt.url("/login")),
			chromedp.SendKeys("#username", lee.Username),
			chromedp.SendKeys("#password", "not the password at all"),
			chromedp.Submit("#password"),
			chromedp.WaitVisible(".error-summary"),
		)
	}
	if !f.reload(lee).Locked() {
		t.Fatalf("five wrong passwords did not lock the account")
	}
	tt.open(ctx, "/admin/users?locked=true")
	tt.check(ctx, "users-locked")
	browsertest.Run(t, ctx,
		chromedp.Click("#unlock-"+lee.ID),
		chromedp.WaitVisible("p.notice"),
	)
	if f.reload(lee).Locked() {
		t.Fatalf("the padlock did not unlock the account; the page says %q", tt.mainText(ctx))
	}
	if msg := tt.flash(ctx); !strings.Contains(strings.ToLower(msg), "unlock") {
		t.Errorf("flash after unlocking: %q", msg)
	}
}

// emulate acts as a user and stops.
func (tt *tourist) emulate(ctx context.Context) {
	t, f := tt.t, tt.f
	sam := f.user("Sam", "staff", "")
	tt.open(ctx, "/admin/users/"+sam.ID)
	browsertest.Run(t, ctx,
		chromedp.Click("details.menu > summary"),
		chromedp.Click(`details.menu a[href="/emulate/`+sam.ID+`"]`),
		chromedp.WaitVisible("#reason"),
		chromedp.SendKeys("#reason", "Checking what Sam sees after the move"),
		chromedp.SendKeys("#current_password", ownerPassword),
		chromedp.Submit("#current_password"),
		chromedp.WaitVisible(".emulation"),
	)
	if banner := browsertest.Text(t, ctx, ".emulation"); !strings.Contains(banner, sam.Name()) {
		t.Errorf("the emulation banner says %q", banner)
	}
	tt.check(ctx, "emulating")
	browsertest.Run(t, ctx,
		chromedp.Click(".emulation button"),
		chromedp.WaitNotPresent(".emulation"),
	)
}

// siteAdministrator signs in as an administrator of one site, who sees
// the users of that site only, no settings, and no role editing (which
// needs organization-wide access).
func (tt *tourist) siteAdministrator() {
	t, f := tt.t, tt.f
	east, west := f.site("East "+tt.engine), f.site("West "+tt.engine)
	sita := f.user("Sita", "administrator", east.ID)
	ann := f.user("Ann", "staff", east.ID)
	ben := f.user("Ben", "staff", west.ID)
	ctx := tt.signIn(sita.Username, userPassword)
	tt.open(ctx, "/admin/users")
	list := tt.mainText(ctx)
	if !strings.Contains(list, ann.Name()) {
		t.Errorf("the site administrator does not see %s of their site", ann.Name())
	}
	if strings.Contains(list, ben.Name()) || strings.Contains(list, f.owner.Name()) {
		t.Errorf("the site administrator sees users outside their site:\n%s", list)
	}
	tt.check(ctx, "site-admin-users")
	for _, sel := range []string{`a[href="/admin/settings"]`, `a[href="/admin/mailbox"]`} {
		if browsertest.Exists(t, ctx, sel) {
			t.Errorf("the site administrator is offered %s", sel)
		}
	}
	tt.open(ctx, "/admin/roles")
	if browsertest.Exists(t, ctx, `a[href="/admin/roles/new"]`) {
		t.Errorf("the site administrator is offered to create roles")
	}
	tt.open(ctx, "/admin/users/"+ben.ID)
	if got := tt.mainText(ctx); !strings.Contains(got, "Not found") {
		t.Errorf("a user outside the site is shown to the site administrator: %q", got)
	}
	tt.open(ctx, "/admin/users/"+ann.ID)
	browsertest.Run(t, ctx, chromedp.Click("details.menu > summary"))
	if !browsertest.Exists(t, ctx, `details.menu form[action="/admin/users/`+ann.ID+`/disable"]`) {
		t.Errorf("the site administrator cannot disable a user of their site")
	}
}

// checkMainPages opens every main page of the console, checks it with
// axe-core and keeps a screenshot; the users list also at a phone's width.
func (tt *tourist) checkMainPages(ctx context.Context) {
	t, f := tt.t, tt.f
	u := f.user("Paula", "staff", "")
	for _, pg := range []struct{ name, path string }{
		{"users", "/admin/users"},
		{"user-general", "/admin/users/" + u.ID},
		{"user-access", "/admin/users/" + u.ID + "/access"},
		{"user-security", "/admin/users/" + u.ID + "/security"},
		{"user-position", "/admin/users/" + u.ID + "/position"},
		{"user-time-off", "/admin/users/" + u.ID + "/time-off"},
		{"user-relationships", "/admin/users/" + u.ID + "/relationships"},
		{"user-activity", "/admin/users/" + u.ID + "/activity"},
		{"user-edit", "/admin/users/" + u.ID + "/edit"},
		{"quick-add", "/admin/users/quick"},
		{"invitations", "/admin/invitations"},
		{"bulk-invite", "/admin/invitations/bulk"},
		{"roles", "/admin/roles"},
		{"units", "/admin/units"},
		{"groups", "/admin/groups"},
		{"resources", "/admin/resources"},
		{"relationships", "/admin/relationships"},
		{"audit", "/admin/audit"},
		{"recycle-bin", "/admin/recycle-bin"},
		{"settings", "/admin/settings"},
		{"tokens", "/admin/tokens"},
		{"mailbox", "/admin/mailbox"},
		{"account", "/account"},
	} {
		tt.open(ctx, pg.path)
		if title := browsertest.Get(t, ctx, chromedp.Title()); strings.HasPrefix(title, "Not found") ||
			strings.HasPrefix(title, "Something went wrong") {
			t.Errorf("%s: the page is %q", pg.path, title)
			continue
		}
		tt.check(ctx, pg.name)
	}
	browsertest.Run(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(tt.url("/admin/users")),
		chromedp.WaitVisible("#main"))
	browsertest.Screenshot(t, ctx, tt.engine+"-users-phone")
	browsertest.CheckAccessibility(t, ctx, "users (phone)")
	browsertest.Run(t, ctx, chromedp.EmulateViewport(1280, 900))
}
