package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"roster/internal/browsertest"
	"roster/internal/store/storetest"
)

// TestConsoleImportTour imports users in a real Chromium: the owner uploads
// a CSV file from the users list, checks the proposed mapping, previews,
// starts, and (once the worker has run) sees the import done with its
// rows, then rolls it back. The mapping page, the preview and the result
// are checked with axe-core and photographed.
func TestConsoleImportTour(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a real browser")
	}
	br := browsertest.New(t)
	for _, e := range tourEngines(t) {
		t.Run(e.Name, func(t *testing.T) { importTour(t, br, e) })
	}
}

func importTour(t *testing.T, br *browsertest.Browser, e *storetest.Engine) {
	f := newFixture(t, e)
	tt := &tourist{t: t, f: f, br: br, engine: e.Name}
	ctx := tt.signIn(f.owner.Username, ownerPassword)
	sfx := randHex(3)
	file := filepath.Join(t.TempDir(), "new-staff.csv")
	content := importsCSV("First name,Last name,User name,Email",
		"Iris,Imported,iris-"+sfx+",iris-"+sfx+"@example.org",
		"Ivan,Imported,ivan-"+sfx+",ivan-"+sfx+"@example.org",
		"Nameless,,nameless-"+sfx+",nameless-"+sfx+"@example.org")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	tt.open(ctx, "/admin/users")
	browsertest.Run(t, ctx, chromedp.Click("#import-users"), chromedp.WaitVisible("#import-upload"))
	tt.check(ctx, "import-new")
	browsertest.Run(t, ctx,
		chromedp.SetUploadFiles("#file", []string{file}),
		chromedp.Click("#upload"),
		chromedp.WaitVisible("#mapping-table"),
	)
	if got := browsertest.Get(t, ctx, chromedp.Value("#column-1")); got != "last_name" {
		t.Errorf("the second column is proposed as %q, want last_name", got)
	}
	tt.check(ctx, "import-mapping")
	browsertest.Run(t, ctx, chromedp.Click("#preview-import"), chromedp.WaitVisible("#preview-counts"))
	if got := browsertest.Text(t, ctx, "#preview-counts"); !strings.Contains(got, "2") || !strings.Contains(got, "To create") {
		t.Errorf("preview counts: %q", got)
	}
	tt.check(ctx, "import-preview")
	browsertest.Run(t, ctx, chromedp.Click("#start-import"), chromedp.WaitVisible("#import-progress"))
	if got := tt.flash(ctx); !strings.Contains(got, "queued") {
		t.Errorf("flash after starting: %q", got)
	}

	f.importsRun()
	tt.open(ctx, strings.TrimPrefix(browsertest.Location(t, ctx), f.srv.URL))
	if got := browsertest.Text(t, ctx, "#import-state"); got != "Done" {
		t.Errorf("the import is %q after the worker ran, want Done", got)
	}
	if got := browsertest.Text(t, ctx, "#progress-text"); got != "3 of 3 rows" {
		t.Errorf("progress text %q", got)
	}
	if f.importsUser("iris-"+sfx) == nil {
		t.Fatalf("the imported user is not there")
	}
	tt.check(ctx, "import-result")

	browsertest.Run(t, ctx, chromedp.Click("#rollback-import"), chromedp.WaitVisible("p.notice"))
	f.importsRun()
	tt.open(ctx, strings.TrimPrefix(browsertest.Location(t, ctx), f.srv.URL))
	if got := browsertest.Text(t, ctx, "#import-state"); got != "Rolled back" {
		t.Errorf("the import is %q after the rollback ran", got)
	}
	if f.importsUser("iris-"+sfx) != nil {
		t.Errorf("the rollback left the imported user")
	}
	tt.check(ctx, "import-rolled-back")
	tt.open(ctx, "/admin/imports")
	tt.check(ctx, "imports")
}
