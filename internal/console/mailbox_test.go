package console_test

import (
	"net/url"
	"strings"
	"testing"

	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestMailboxListAndBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Mabel")
		token := f.invitationsToken(u)
		mails := f.invitationsMails(u.Email)
		if len(mails) != 1 {
			t.Fatalf("%d mails", len(mails))
		}
		b := f.ownerBrowser()
		r := b.get("/admin/mailbox")
		want(t, r, 200, "")
		says(t, r, "Mailbox", "delivers no mail", u.Email, mails[0].Subject, "Queued", "invitation")
		if !hasLink(r.Body, "/admin/mailbox/"+mails[0].ID) || !hasLink(r.Body, "/admin/mailbox") {
			t.Error("no link to the message or no Mailbox in the navigation")
		}
		r = b.get("/admin/mailbox?state=sent")
		silent(t, r, u.Email)

		r = b.get("/admin/mailbox/" + mails[0].ID)
		want(t, r, 200, "")
		says(t, r, mails[0].Subject, u.Email, "Links in this message")
		link := "http://roster.test/invite/" + token
		if !hasLink(r.Body, link) || !strings.Contains(r.Body, `<pre class="mail"`) {
			t.Errorf("the body or its link is missing: %s", r)
		}
		want(t, b.get("/admin/mailbox/nope"), 404, "")
	})
}

func TestMailboxRetryAndTest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Dora")
		dead := f.mailboxKill(u.Email)
		b := f.ownerBrowser()
		r := b.get("/admin/mailbox?state=dead")
		want(t, r, 200, "")
		says(t, r, u.Email, "Dead", "550 mailbox unavailable")
		if !strings.Contains(r.Body, `id="retry-`+dead.ID+`"`) {
			t.Fatal("no Retry button")
		}
		// A queued message cannot be retried.
		other := f.pending("Quinn")
		queued := f.invitationsMails(other.Email)[0]
		want(t, b.post("/admin/mailbox/"+queued.ID+"/retry", nil), 409, "")

		r = b.post("/admin/mailbox/"+dead.ID+"/retry", nil)
		want(t, r, 303, "/admin/mailbox")
		says(t, b.get(r.Location()), "queued again")
		m, err := f.e.DB.MailByID(f.ctx, f.org.ID, dead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !m.DeadAt.IsZero() || m.Attempts != 0 {
			t.Errorf("not requeued: dead %v, attempts %d", m.DeadAt, m.Attempts)
		}
		if !f.invitationsAudited("mail.retry", dead.ID) {
			t.Error("retry not audited")
		}

		r = b.post("/admin/mailbox/test", nil)
		want(t, r, 303, "/admin/mailbox")
		says(t, b.get(r.Location()), "A test message to "+f.owner.Email+" is queued")
		list, err := f.e.DB.MailList(f.ctx, f.org.ID, store.MailQueued, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range list {
			found = found || (m.To == f.owner.Email && m.Kind == "test")
		}
		if !found {
			t.Errorf("no test mail queued: %+v", list)
		}
	})
}

func TestMailboxPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.pending("Perry")
		dead := f.mailboxKill(u.Email)
		adm := f.user("Ada", "administrator", "")
		b := f.signedIn(adm)
		r := b.get("/admin")
		if hasLink(r.Body, "/admin/mailbox") {
			t.Error("an administrator without settings.manage sees the Mailbox")
		}
		want(t, b.get("/admin/mailbox"), 403, "")
		want(t, b.get("/admin/mailbox/"+dead.ID), 403, "")
		want(t, b.post("/admin/mailbox/"+dead.ID+"/retry", nil), 403, "")
		want(t, b.post("/admin/mailbox/test", url.Values{}), 403, "")
		m, err := f.e.DB.MailByID(f.ctx, f.org.ID, dead.ID)
		if err != nil || m.DeadAt.IsZero() {
			t.Errorf("a refused retry requeued the mail: %v", err)
		}
	})
}

func TestMailboxWithDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixtureWith(t, e, fixtureOptions{mailDelivery: true})
		u := f.pending("Della")
		dead := f.mailboxKill(u.Email)
		b := f.ownerBrowser()
		r := b.get("/admin")
		if hasLink(r.Body, "/admin/mailbox") {
			t.Error("the navigation offers a mailbox although mail is delivered")
		}
		// The bodies are not shown…
		want(t, b.get("/admin/mailbox/"+dead.ID), 404, "")
		// …but dead mail still is, and can be retried.
		r = b.get("/admin/mailbox")
		want(t, r, 200, "")
		says(t, r, "Outgoing mail", u.Email, "Dead")
		silent(t, r, "delivers no mail")
		if hasLink(r.Body, "/admin/mailbox/"+dead.ID) {
			t.Error("the list links to a body")
		}
		want(t, b.post("/admin/mailbox/"+dead.ID+"/retry", nil), 303, "/admin/mailbox")
	})
}
