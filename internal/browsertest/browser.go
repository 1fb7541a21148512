package browsertest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeout bounds each action that Run, Get and the other helpers run, so that
// a selector that never matches fails the test instead of hanging it.
const Timeout = 15 * time.Second

// startTimeout bounds the start of the browser and the shutdown of it.
const startTimeout = 60 * time.Second

// Browser is one running headless Chromium. Each tab that NewTab opens has
// its own browser context, so tabs share no cookies or storage.
type Browser struct {
	// ctx is the chromedp context of the browser's first tab; the browser
	// lives as long as it does.
	ctx context.Context
	// tabs counts the tabs opened, to name their screenshots apart.
	tabs atomic.Int64
}

// New starts a headless Chromium for the test and closes it when the test
// and its subtests are done. Start one per test (or one per top-level test
// with subtests) and open a tab per simulated person with NewTab.
//
// When no Chromium can be found, New skips the test, or fails it when the
// environment variable CI is set. A Chromium that does not start fails the
// test with the browser's output.
func New(t testing.TB) *Browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		missing(t, "Chromium is not installed (%v)", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		// Chromium's sandbox refuses to run as root, which is how CI runs.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		// /dev/shm is small in containers; a full one crashes the tab.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Close the browser gracefully, then wait for the process to exit
		// and its temporary profile to be removed.
		cctx, ccancel := context.WithTimeout(ctx, startTimeout)
		defer ccancel()
		if err := chromedp.Cancel(cctx); err != nil {
			t.Logf("closing Chromium: %v", err)
		}
		cancel()
		cancelAlloc()
	})

	// The first Do starts the browser and binds its life to ctx, so it gets
	// no deadline; a watchdog stops a start that hangs instead.
	started := make(chan struct{})
	defer close(started)
	go func() {
		select {
		case <-started:
		case <-time.After(startTimeout):
			cancel()
		}
	}()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium %s: %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// chromiumPath returns the Chromium to run: ROSTER_CHROMIUM when it is set,
// otherwise "chromium" on the PATH. It returns an error when that file does
// not exist or is not executable.
func chromiumPath() (string, error) {
	if p := os.Getenv("ROSTER_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	return exec.LookPath("chromium")
}

// missing skips the test because a test prerequisite is missing, or fails it
// when the environment variable CI is set.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	args = append(args, "run `make test-deps` to install it")
	if os.Getenv("CI") != "" {
		t.Fatalf(format+"; %s", args...)
	}
	t.Skipf(format+"; %s (the test is skipped outside CI)", args...)
}

// NewTab opens a tab in a browser context of its own: it shares no cookies,
// storage or cache with any other tab, like a second person on another
// computer. The tab closes, and its browser context is disposed of, when the
// test is done. When the test has failed by then, a screenshot of the tab's
// last page is saved first, named after the test and the tab's number (see
// Screenshot).
//
// The returned context has no deadline; Run and the other helpers bound each
// action with Timeout.
func (b *Browser) NewTab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first Do opens the tab and binds its life to ctx, so it must not
	// run under a deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a browser tab: %v", err)
	}
	// Cleanups run last-in first-out, so this runs while the tab is open.
	name := t.Name() + "-tab" + strconv.FormatInt(b.tabs.Add(1), 10) + "-failed"
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if path, err := saveScreenshot(ctx, name); err != nil {
			t.Logf("screenshot of the failed test: %v", err)
		} else {
			t.Logf("screenshot of the failed test: %s", path)
		}
	})
	return ctx
}

// Run runs the actions in order in the tab of ctx, each within Timeout, and
// fails the test at the first one that returns an error.
func Run(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		actx, cancel := context.WithTimeout(ctx, Timeout)
		_, err := chromedp.Run(actx, a)
		cancel()
		if err != nil {
			t.Fatalf("browser action %d of %d: %v", i+1, len(actions), err)
		}
	}
}

// Get runs one action that returns a value, such as chromedp.Value or
// chromedp.AttributeValue, in the tab of ctx within Timeout, and returns the
// value. It fails the test when the action returns an error.
func Get[T any](t testing.TB, ctx context.Context, action chromedp.Action[T]) T {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(actx, action)
	if err != nil {
		t.Fatalf("browser action: %v", err)
	}
	return v
}

// Text returns the visible text of the first element that matches the CSS
// selector, waiting up to Timeout for it to appear. It fails the test when no
// element matches.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	text, err := chromedp.Run(actx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %q: %v", sel, err)
	}
	return text
}

// Exists reports whether an element matches the CSS selector on the current
// page right now, without waiting for one to appear. It fails the test when
// the query itself fails, for example on an invalid selector, so that a typo
// cannot pass for an absent element.
func Exists(t testing.TB, ctx context.Context, sel string) bool {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	nodes, err := chromedp.Run(actx, chromedp.Nodes(chromedp.CSS(sel), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatalf("looking for %q: %v", sel, err)
	}
	return len(nodes) > 0
}

// Location returns the URL of the tab's current page. It fails the test when
// the browser does not answer.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	return Get(t, ctx, chromedp.Location())
}

// AcceptDialogs makes the tab of ctx accept every JavaScript dialog (alert,
// confirm, prompt and beforeunload) from now on, so that a test can click a
// button that asks confirm() first. Without it such a click blocks until the
// action times out.
//
// A goroutine answers the dialogs; it stops when ctx ends, which for a tab
// from NewTab is when the test is done.
func AcceptDialogs(ctx context.Context) {
	// Events subscribes before it returns, so no dialog opened after this
	// call can be missed.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				// The tab or its context ended.
				return
			}
			// An error here means the tab is gone or the dialog closed by
			// itself; either way the blocked action reports it.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}
