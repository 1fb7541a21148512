package console

import (
	"fmt"
	"time"
)

// barChart is a bar chart of counts per day, laid out on the server so
// that the page draws it as inline SVG without any script. All lengths are
// in SVG user units.
type barChart struct {
	// ID prefixes the ids of the chart's title and description.
	ID string
	// Title names the chart; Desc says in words what it shows, for those
	// who cannot see it.
	Title, Desc   string
	Width, Height int
	// Left, Right, Top and Bottom are the edges of the plotting area.
	Left, Right, Top, Bottom int
	Bars                     []chartBar
	// Ticks are the marks of the vertical axis; Labels those of the
	// horizontal one.
	Ticks  []chartTick
	Labels []chartLabel
	// Days are the figures, one per day, for the table beside the chart.
	Days []chartDay
	// Total is the sum of the figures.
	Total int
}

// chartBar is one day's bar.
type chartBar struct {
	X, Y, W, H int
	// Day is the date (YYYY-MM-DD); N its figure; Tip the words a
	// pointer shows.
	Day string
	N   int
	Tip string
}

// chartTick is a mark on the vertical axis.
type chartTick struct {
	Y     int
	Label string
}

// chartLabel is a date under the horizontal axis.
type chartLabel struct {
	X    int
	Text string
}

// chartDay is one row of the chart's table.
type chartDay struct {
	Date  string // YYYY-MM-DD
	Label string // for people: "14 Mar 2030"
	N     int
}

// The chart's geometry: each day gets a slot of chartSlot units, the bar
// filling chartBarWidth of it; the margins leave room for the axis labels.
const (
	chartSlot      = 22
	chartBarWidth  = 16
	chartPlot      = 160
	chartMarginL   = 44
	chartMarginR   = 12
	chartMarginTop = 12
	chartMarginBot = 28
	chartLabelStep = 7 // a date under every seventh day, back from the last
)

// dayCount is one day's figure, the input of newBarChart.
type dayCount struct {
	Day time.Time
	N   int
}

// newBarChart lays out the figures of consecutive days (oldest first).
// noun names what is counted, in the plural ("sign-ins"), and one in the
// singular.
func newBarChart(id, title, one, noun string, days []dayCount) *barChart {
	c := &barChart{ID: id, Title: title}
	c.Left, c.Top = chartMarginL, chartMarginTop
	c.Right = c.Left + chartSlot*len(days)
	c.Bottom = c.Top + chartPlot
	c.Width, c.Height = c.Right+chartMarginR, c.Bottom+chartMarginBot
	peak, peakDay := 0, ""
	for _, d := range days {
		c.Total += d.N
		if d.N > peak {
			peak, peakDay = d.N, dayLabel(d.Day)
		}
	}
	top := niceCeiling(peak)
	for _, v := range []int{0, top / 2, top} {
		if v == top/2 && (top%2 != 0 || top/2 == 0) {
			continue
		}
		c.Ticks = append(c.Ticks, chartTick{Y: c.Bottom - v*chartPlot/top, Label: number(v)})
	}
	for i, d := range days {
		x := c.Left + i*chartSlot + (chartSlot-chartBarWidth)/2
		c.Days = append(c.Days, chartDay{Date: d.Day.Format(time.DateOnly), Label: dayLabel(d.Day), N: d.N})
		if (len(days)-1-i)%chartLabelStep == 0 { // counted from today, which is always labelled
			c.Labels = append(c.Labels, chartLabel{X: x + chartBarWidth/2, Text: d.Day.Format("2 Jan")})
		}
		if d.N == 0 {
			continue
		}
		h := max(d.N*chartPlot/top, 1) // a single event still shows
		c.Bars = append(c.Bars, chartBar{X: x, Y: c.Bottom - h, W: chartBarWidth, H: h,
			Day: d.Day.Format(time.DateOnly), N: d.N, Tip: dayLabel(d.Day) + ": " + counted(d.N, one, noun)})
	}
	switch {
	case len(days) == 0:
		c.Desc = "No days to show."
	case c.Total == 0:
		c.Desc = fmt.Sprintf("No %s from %s to %s.", noun, dayLabel(days[0].Day), dayLabel(days[len(days)-1].Day))
	default:
		c.Desc = fmt.Sprintf("Bar chart of %s per day from %s to %s: %s in all; the most, %s, on %s.",
			noun, dayLabel(days[0].Day), dayLabel(days[len(days)-1].Day), counted(c.Total, one, noun), number(peak), peakDay)
	}
	return c
}

// niceCeiling is the smallest of 1, 2, 5, 10, 20, 50… at or above n, the
// top of an axis that reads easily.
func niceCeiling(n int) int {
	for scale := 1; ; scale *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*scale >= n {
				return m * scale
			}
		}
	}
}

// dayLabel writes a date for people.
func dayLabel(t time.Time) string { return t.Format("2 Jan 2006") }

// counted writes n with its noun: "1 sign-in", "12 sign-ins".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return number(n) + " " + many
}
