package console

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// mailboxRoutes adds the routes of this screen. Without mail delivery it
// is the development mailbox, which shows the mail waiting in the outbox
// with its bodies; with delivery it lists the outgoing mail without bodies,
// so that administrators still see dead mail and retry it.
func (h *Handler) mailboxRoutes(r router) {
	r.handle("GET /admin/mailbox", h.mailList)
	r.handle("GET /admin/mailbox/{id}", h.mailPage)
	r.handle("POST /admin/mailbox/{id}/retry", h.retryMail)
	r.handle("POST /admin/mailbox/test", h.testMail)
}

// mailStates are the filters of the mail list, in the order offered.
var mailStates = []struct{ Value, Label string }{
	{"", "All mail"},
	{store.MailQueued, "Queued"},
	{store.MailSent, "Sent"},
	{store.MailDead, "Dead"},
}

// mailboxData is what the mail list shows.
type mailboxData struct {
	Mails  []mailRow
	State  string
	States []struct{ Value, Label string }
	// Mailbox says mail is not delivered and bodies may be read.
	Mailbox bool
}

// mailRow is one message of the list, or the head of the message page.
type mailRow struct {
	ID, To, Subject, Kind, LastError string
	State, Badge                     string
	Attempts                         int
	CreatedAt, SentAt, DeadAt        time.Time
	Dead                             bool
}

func mailRowOf(m *directory.Mail) mailRow {
	row := mailRow{ID: m.ID, To: m.To, Subject: m.Subject, Kind: strings.ReplaceAll(m.Kind, "_", " "),
		LastError: m.LastError, Attempts: m.Attempts, CreatedAt: m.CreatedAt, SentAt: m.SentAt, DeadAt: m.DeadAt}
	switch {
	case !m.SentAt.IsZero():
		row.State, row.Badge = "Sent", "ok"
	case !m.DeadAt.IsZero():
		row.State, row.Badge, row.Dead = "Dead", "bad", true
	default:
		row.State, row.Badge = "Queued", "wait"
	}
	return row
}

// mailTitle is the screen's name: a mailbox while mail is not delivered.
func (h *Handler) mailTitle() string {
	if h.mailbox {
		return "Mailbox"
	}
	return "Outgoing mail"
}

// mailList lists the outbox, newest first.
func (h *Handler) mailList(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	switch state {
	case store.MailQueued, store.MailSent, store.MailDead:
	default:
		state = ""
	}
	mails, err := h.svc.MailList(r.Context(), actorOf(r), state)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := mailboxData{State: state, States: mailStates, Mailbox: h.mailbox}
	for _, m := range mails {
		d.Mails = append(d.Mails, mailRowOf(m))
	}
	area := "mailbox"
	if !h.mailbox {
		area = "settings"
	}
	h.render(w, r, http.StatusOK, "mailbox", &page{Title: h.mailTitle(), Area: area, Data: d})
}

// mailData is what the page of one message shows.
type mailData struct {
	mailRow
	Text  string
	Links []string
}

// linkPattern finds the web links in a plain-text body.
var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// mailPage shows one message with its plain-text body and the links in it,
// only while mail is not delivered: otherwise the bodies, which carry
// reset and invitation links, are no one's to read here.
func (h *Handler) mailPage(w http.ResponseWriter, r *http.Request) {
	if !h.mailbox {
		h.errorPage(w, r, http.StatusNotFound, "Not found",
			"Mail is delivered by the mail server, so its contents are not shown here.")
		return
	}
	m, err := h.svc.Mail(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	d := mailData{mailRow: mailRowOf(m), Text: m.Text}
	seen := map[string]bool{}
	for _, l := range linkPattern.FindAllString(m.Text, 20) {
		l = strings.TrimRight(l, ".,;:)")
		if !seen[l] {
			seen[l] = true
			d.Links = append(d.Links, l)
		}
	}
	h.render(w, r, http.StatusOK, "mail", &page{Title: m.Subject, Area: "mailbox",
		Crumbs: []crumb{{"Mailbox", "/admin/mailbox"}, {m.Subject, ""}}, Data: d})
}

// retryMail puts a dead message back in the queue.
func (h *Handler) retryMail(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.RetryMail(r.Context(), actorOf(r), r.PathValue("id")); err != nil {
		h.failure(w, r, err)
		return
	}
	done(w, r, back(r, "/admin/mailbox"), "The message is queued again and will be sent shortly.")
}

// testMail puts a test message to the actor's own address in the outbox.
func (h *Handler) testMail(w http.ResponseWriter, r *http.Request) {
	m, err := h.svc.SendTestMail(r.Context(), actorOf(r))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	msg := "A test message to " + m.To + " is queued."
	if h.mailbox {
		msg += " Mail is not delivered on this server; it shows in this mailbox."
	}
	done(w, r, back(r, "/admin/mailbox"), msg)
}
