package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeRun runs axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA
// on the whole document, and keeps of each violation what Violation holds.
const axeRun = `axe.run(document, {
	runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
	resultTypes: ["violations"],
}).then(r => r.violations.map(v => ({
	id: v.id,
	impact: v.impact || "",
	help: v.help,
	helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		// A target step is an array inside iframes and shadow roots.
		target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : String(s)),
		failureSummary: n.failureSummary || "",
	})),
})))`

// Violation is one axe-core rule that a page breaks, with the elements that
// break it.
type Violation struct {
	// ID is the axe rule, such as "label" or "image-alt".
	ID string `json:"id"`
	// Impact is "minor", "moderate", "serious" or "critical".
	Impact string `json:"impact"`
	// Help says in one line what the rule asks for.
	Help string `json:"help"`
	// HelpURL explains the rule and how to fix it.
	HelpURL string `json:"helpUrl"`
	// Nodes are the elements that break the rule.
	Nodes []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	// Target holds the CSS selectors that lead to the element; more than one
	// when the element is inside an iframe or a shadow root.
	Target []string `json:"target"`
	// FailureSummary says what is wrong with the element and how to fix it.
	FailureSummary string `json:"failureSummary"`
}

// Blocking reports whether the violation's impact is serious or critical,
// the ones that CheckAccessibility fails a test for.
func (v Violation) Blocking() bool {
	return v.Impact == "serious" || v.Impact == "critical"
}

// String describes the violation in one line, with up to three of the
// elements that break the rule.
func (v Violation) String() string {
	var targets []string
	for i, n := range v.Nodes {
		if i == 3 {
			targets = append(targets, fmt.Sprintf("and %d more", len(v.Nodes)-i))
			break
		}
		targets = append(targets, strings.Join(n.Target, " "))
	}
	return fmt.Sprintf("%s (%s): %s; %s; see %s", v.ID, v.Impact, v.Help, strings.Join(targets, ", "), v.HelpURL)
}

// CheckAccessibility runs axe-core's WCAG 2.x A and AA rules on the page that
// the tab of ctx shows, and reports an error on the test for each serious or
// critical violation, naming page (a label for the messages, such as "user
// list"), the rule and the elements. It logs minor and moderate violations
// without failing, and returns every violation.
//
// When ROSTER_AXE names no readable file, CheckAccessibility fails the test
// if the environment variable CI is set, and otherwise logs that it skipped
// the check and returns nil. It fails the test when axe cannot run.
func CheckAccessibility(t testing.TB, ctx context.Context, page string) []Violation {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("accessibility check of %s: %v; run `make test-deps` to install axe-core", page, err)
		}
		t.Logf("accessibility check of %s skipped: %v; run `make test-deps` to install axe-core", page, err)
		return nil
	}
	actx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	violations, err := Violations(actx, src)
	if err != nil {
		t.Fatalf("accessibility check of %s: %v", page, err)
	}
	for _, v := range violations {
		if v.Blocking() {
			t.Errorf("accessibility of %s: %s", page, v)
		} else {
			t.Logf("accessibility of %s (not failing the test): %s", page, v)
		}
	}
	return violations
}

// axeSource reads axe.min.js from the file that ROSTER_AXE names. It returns
// an error when the variable is unset or the file cannot be read.
func axeSource() (string, error) {
	path := os.Getenv("ROSTER_AXE")
	if path == "" {
		return "", errors.New("ROSTER_AXE is not set to the path of axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading axe-core (ROSTER_AXE): %w", err)
	}
	return string(src), nil
}

// Violations injects axe-core, given as the source of axe.min.js, into the
// page that the tab of ctx shows, unless the page has it already, runs the
// WCAG 2.x A and AA rules on the whole document and returns the violations of
// every impact. It returns an error when the script fails or the browser does
// not answer before ctx ends; it neither fails nor logs anything itself, so a
// test can assert on the violations of a page that is meant to break rules.
func Violations(ctx context.Context, axeSource string) ([]Violation, error) {
	installed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, fmt.Errorf("looking for axe-core in the page: %w", err)
	}
	if !installed {
		// The trailing expression keeps the script's own completion value,
		// which need not be serializable, out of the reply.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;undefined")); err != nil {
			return nil, fmt.Errorf("injecting axe-core: %w", err)
		}
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe-core: %w", err)
	}
	return violations, nil
}
