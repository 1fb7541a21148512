package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"roster/internal/account"
	"roster/internal/admin"
	"roster/internal/console"
	"roster/internal/directory"
)

// pageQueries returns the console pages an administrator opens most,
// measured as the server renders them: the request goes through the
// session middleware (the cookie is looked up and the session touched),
// the page's admin calls and its template, as the organization's owner.
// Only the network and the browser are left out. The owner is added to
// org for the purpose, with a random password.
func pageQueries(ctx context.Context, svc *admin.Service, org *directory.Organization, ids []string) ([]query, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	secret := hex.EncodeToString(b)
	password := "quiet " + secret + " harbour lamps"
	owner, err := svc.CreateOwner(ctx, org.ID, admin.OwnerInput{Email: "bench-owner-" + secret[:8] + "@example.org",
		Password: password, FirstName: "Bench", LastName: "Owner"})
	if err != nil {
		return nil, fmt.Errorf("bench owner: %w", err)
	}
	start, err := svc.SignIn(ctx, admin.SignInInput{OrgID: org.ID, Login: owner.Username, Password: password,
		Client: admin.Client{IP: "127.0.0.1", UserAgent: "roster bench"}})
	if err != nil {
		return nil, fmt.Errorf("bench owner sign-in: %w", err)
	}
	quiet := slog.New(slog.DiscardHandler)
	pages := account.New(account.Options{Service: svc, DefaultOrgID: org.ID, Logger: quiet})
	mux := http.NewServeMux()
	for pattern, h := range pages.Routes() {
		mux.Handle(pattern, h)
	}
	for pattern, h := range console.New(console.Options{Service: svc, Pages: pages, Logger: quiet}).Routes() {
		mux.Handle(pattern, h)
	}
	get := func(path func(i int) string) func(ctx context.Context, i int) (int, int, error) {
		return func(ctx context.Context, i int) (int, int, error) {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, path(i), nil)
			req.AddCookie(&http.Cookie{Name: "roster_session", Value: start.Secret})
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(rec.Body, 300))
				return 0, 0, fmt.Errorf("GET %s answered %d: %s", path(i), rec.Code, strings.TrimSpace(string(body)))
			}
			return 1, rec.Body.Len(), nil
		}
	}
	fixed := func(p string) func(int) string { return func(int) string { return p } }
	user := func(suffix string) func(int) string {
		return func(i int) string { return "/admin/users/" + ids[i%len(ids)] + suffix }
	}
	return []query{
		{"page: dashboard", get(fixed("/admin"))},
		{"page: users list", get(fixed("/admin/users"))},
		{`page: users list, search "john"`, get(fixed("/admin/users?q=john"))},
		{"page: users list, pending by name desc", get(fixed("/admin/users?status=pending&sort=name&order=desc"))},
		{"page: user, general tab", get(user(""))},
		{"page: user, security tab", get(user("/security"))},
		{"page: user, access tab", get(user("/access"))},
		{"page: user, activity tab", get(user("/activity"))},
		{"page: invitations", get(fixed("/admin/invitations"))},
		{"page: audit log", get(fixed("/admin/audit"))},
		{"page: recycle bin", get(fixed("/admin/recycle-bin"))},
	}, nil
}
