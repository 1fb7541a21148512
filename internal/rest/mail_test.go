package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

type mailItem struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	To       string `json:"to"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
}

type mailList struct {
	Items []mailItem `json:"items"`
}

// TestMailRoutes lists, retries and sends test mail through the router:
// bodies (which carry links) never show, only dead mail is retried, and
// each write is audited.
func TestMailRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		// A reset link mail, then made dead as the worker would.
		reset := f.createUser(nil)
		f.activate(reset)
		must[map[string]any](t, f.do("POST", "users/"+reset.ID+"/reset-password", `{"method": "link"}`), http.StatusOK)
		r := f.do("GET", "mail", nil)
		if r.Code != http.StatusOK || strings.Contains(string(r.Body), "/reset/") || strings.Contains(string(r.Body), "rsr_") {
			t.Fatalf("GET mail shows a link or failed: %d %s", r.Code, r.Body)
		}
		all := must[mailList](t, r, http.StatusOK)
		var id string
		for _, m := range all.Items {
			if m.Kind == "password_reset" && m.To == reset.Email {
				id = m.ID
			}
		}
		if id == "" {
			t.Fatalf("the reset mail is not listed: %+v", all.Items)
		}
		if l := must[mailList](t, f.do("GET", "mail?state=dead", nil), http.StatusOK); len(l.Items) != 0 {
			t.Fatalf("dead mail before any failure: %+v", l.Items)
		}
		wantProblem(t, f.do("POST", "mail/"+id+"/retry", nil), http.StatusConflict)
		if _, err := e.DB.SQL().ExecContext(t.Context(), fmt.Sprintf(`UPDATE outbox SET dead_at = 1, attempts = 10 WHERE id = '%s'`, id)); err != nil {
			t.Fatal(err)
		}
		dead := must[mailList](t, f.do("GET", "mail?state=dead", nil), http.StatusOK)
		if len(dead.Items) != 1 || dead.Items[0].ID != id || dead.Items[0].State != "dead" || dead.Items[0].Attempts != 10 {
			t.Fatalf("dead mail: %+v", dead.Items)
		}
		if r := f.do("POST", "mail/"+id+"/retry", nil); r.Code != http.StatusNoContent {
			t.Fatalf("retry: %d %s", r.Code, r.Body)
		}
		queued := must[mailList](t, f.do("GET", "mail?state=queued", nil), http.StatusOK)
		found := false
		for _, m := range queued.Items {
			found = found || (m.ID == id && m.Attempts == 0)
		}
		if !found {
			t.Errorf("the retried mail is not queued afresh: %+v", queued.Items)
		}
		if ev := f.auditEvents()[0]; ev.Action != "mail.retry" || ev.TargetID != id {
			t.Errorf("newest audit event %s on %s, want mail.retry", ev.Action, ev.TargetID)
		}
		wantProblem(t, f.do("POST", "mail/no-such-mail/retry", nil), http.StatusNotFound)
		wantProblem(t, f.do("GET", "mail?state=lost", nil), http.StatusUnprocessableEntity)

		// A test mail goes to the caller.
		tm := must[mailItem](t, f.do("POST", "mail/test", nil), http.StatusAccepted)
		if tm.To != f.owner.Email || tm.State != "queued" || tm.Kind != "test" {
			t.Errorf("test mail %+v, want queued to %s", tm, f.owner.Email)
		}
		if ev := f.auditEvents()[0]; ev.Action != "mail.test" {
			t.Errorf("newest audit event %s, want mail.test", ev.Action)
		}
	})
}
