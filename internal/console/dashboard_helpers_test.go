package console_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dashboardFigure reads the figure of the dashboard card with id (such
// as "card-active").
func dashboardFigure(t *testing.T, r *response, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<div class="card[^"]*" id="` + regexp.QuoteMeta(id) + `">.*?<p class="figure">(?:<a [^>]*>)?([^<]+)<`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no card %s on the dashboard:\n%s", id, r.Body)
	}
	return strings.TrimSpace(m[1])
}

// dashboardBars reads the chart's bars: the count of each day that has one.
func dashboardBars(t *testing.T, r *response) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`<rect class="bar"[^>]* data-day="([0-9-]+)" data-count="([0-9]+)"`).FindAllStringSubmatch(r.Body, -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] = n
	}
	return out
}

// dashboardTable reads the chart's table: the figure of every day.
func dashboardTable(t *testing.T, r *response) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`<tr data-day="([0-9-]+)"><th scope="row">.*?</th><td>([0-9,]+)</td>`).FindAllStringSubmatch(r.Body, -1) {
		n, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
		out[m[1]] = n
	}
	return out
}

// dashboardWrongPasswords posts wrong passwords for login until the
// account locks (the default threshold is five).
func dashboardWrongPasswords(f *fixture, login string, n int) {
	f.t.Helper()
	b := f.browser()
	for range n {
		r := b.post("/login", url.Values{"username": {login}, "password": {"not the password at all"}})
		if r.Code == 303 {
			f.t.Fatalf("a wrong password was accepted for %s", login)
		}
	}
}

// dashboardDay is the date of the fixture's clock plus days.
func dashboardDay(f *fixture, days int) string {
	return f.clock.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly)
}
