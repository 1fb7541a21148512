package console

import (
	"strings"
	"testing"
	"time"
)

// TestBarChart checks the layout of the sign-in chart: a bar for each day
// with a figure, heights in proportion, a readable axis and a description.
func TestBarChart(t *testing.T) {
	start := time.Date(2030, time.March, 1, 0, 0, 0, 0, time.UTC)
	days := make([]dayCount, 30)
	for i := range days {
		days[i] = dayCount{Day: start.AddDate(0, 0, i)}
	}
	days[3].N, days[10].N, days[29].N = 4, 1, 8
	c := newBarChart("x", "Sign-ins", "sign-in", "sign-ins", days)

	if len(c.Bars) != 3 {
		t.Fatalf("%d bars; want 3 (one per day with sign-ins)", len(c.Bars))
	}
	if c.Total != 13 || len(c.Days) != 30 {
		t.Errorf("total %d over %d days; want 13 over 30", c.Total, len(c.Days))
	}
	// The axis tops at 10 (the nice number above 8): 8 fills 80%.
	if got, want := c.Bars[2].H, 8*chartPlot/10; got != want {
		t.Errorf("the bar of 8 is %d high; want %d", got, want)
	}
	if c.Bars[1].H < 1 || c.Bars[1].Y+c.Bars[1].H != c.Bottom {
		t.Errorf("the bar of 1 is %+v; want it standing on the axis at %d", c.Bars[1], c.Bottom)
	}
	if c.Bars[0].Day != "2030-03-04" || c.Bars[0].Tip != "4 Mar 2030: 4 sign-ins" {
		t.Errorf("first bar %+v", c.Bars[0])
	}
	if c.Bars[1].Tip != "11 Mar 2030: 1 sign-in" {
		t.Errorf("second bar's tip %q", c.Bars[1].Tip)
	}
	var ticks []string
	for _, tk := range c.Ticks {
		ticks = append(ticks, tk.Label)
	}
	if strings.Join(ticks, " ") != "0 5 10" {
		t.Errorf("ticks %v; want 0 5 10", ticks)
	}
	for _, b := range c.Bars {
		if b.X < c.Left || b.X+b.W > c.Right || b.Y < c.Top {
			t.Errorf("bar %+v leaves the plot (%d..%d, top %d)", b, c.Left, c.Right, c.Top)
		}
	}
	if last := c.Labels[len(c.Labels)-1]; last.Text != "30 Mar" || len(c.Labels) != 5 {
		t.Errorf("labels %+v; want five, every seventh day back from 30 Mar", c.Labels)
	}
	if !strings.Contains(c.Desc, "13 sign-ins in all") || !strings.Contains(c.Desc, "30 Mar 2030") {
		t.Errorf("description %q", c.Desc)
	}

	quiet := make([]dayCount, 5)
	for i := range quiet {
		quiet[i] = dayCount{Day: start.AddDate(0, 0, i)}
	}
	empty := newBarChart("y", "Sign-ins", "sign-in", "sign-ins", quiet)
	if len(empty.Bars) != 0 || !strings.HasPrefix(empty.Desc, "No sign-ins") {
		t.Errorf("an empty chart has %d bars and says %q", len(empty.Bars), empty.Desc)
	}
}

// TestNiceCeiling checks the tops of the axis.
func TestNiceCeiling(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 2: 2, 3: 5, 6: 10, 11: 20, 49: 50, 51: 100, 999: 1000} {
		if got := niceCeiling(n); got != want {
			t.Errorf("niceCeiling(%d) = %d; want %d", n, got, want)
		}
	}
}
