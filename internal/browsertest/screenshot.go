package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshot saves a PNG of the whole page in the tab of ctx, beyond the
// visible window, as screenshots/<name>.png in the directory that
// ROSTER_TEST_ARTIFACTS names (test-artifacts in the system's temporary
// directory when it is unset), and logs the file's path. Characters of name
// that do not belong in a file name become underscores. It reports an error
// on the test, without stopping it, when the screenshot cannot be taken or
// written.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	path, err := saveScreenshot(ctx, name)
	if err != nil {
		t.Errorf("screenshot %q: %v", name, err)
		return
	}
	t.Logf("screenshot %q: %s", name, path)
}

// saveScreenshot takes and writes the screenshot for Screenshot, and returns
// the file's path.
func saveScreenshot(ctx context.Context, name string) (string, error) {
	actx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	// Quality 100 makes chromedp ask for a PNG rather than a JPEG.
	png, err := chromedp.Run(actx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(artifactsDir(), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fileName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// artifactsDir returns the directory for the files that tests leave for
// people to inspect.
func artifactsDir() string {
	if dir := os.Getenv("ROSTER_TEST_ARTIFACTS"); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "test-artifacts")
}

// fileName turns name, often a test's name with slashes, into a file name.
func fileName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
	if strings.Trim(name, ".") == "" {
		// "", "." and ".." name no file of their own.
		return "screenshot"
	}
	return name
}
