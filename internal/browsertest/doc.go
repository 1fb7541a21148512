// Package browsertest drives a real, headless Chromium for the browser tests
// of the admin console, and checks the pages it shows with axe-core.
//
// Only tests import this package; it is an ordinary package (and not a
// _test.go file) so that the tests of several packages can share it. The
// binary never links it.
//
// The browser is Debian's chromium, found through the environment variable
// ROSTER_CHROMIUM or as "chromium" on the PATH. The accessibility checker is
// axe-core's axe.min.js, named by ROSTER_AXE, which `make test-deps` installs
// with npm from test/browser/package-lock.json. When either is missing, the
// tests that need it are skipped on a developer's machine and fail when the
// environment variable CI is set, so that CI never passes without them.
// Screenshots go to the directory ROSTER_TEST_ARTIFACTS.
//
// A typical test:
//
//	b := browsertest.New(t)
//	ctx := b.NewTab(t)
//	browsertest.Run(t, ctx, chromedp.Navigate(srv.URL+"/admin/users"))
//	browsertest.CheckAccessibility(t, ctx, "user list")
//	if got := browsertest.Text(t, ctx, "h1"); got != "Users" {
//		t.Errorf("heading = %q, want Users", got)
//	}
package browsertest
