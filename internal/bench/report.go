package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// WriteText writes r as a readable table.
func (r *Result) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "engine     %s %s (%d CPUs, %s)\n", r.Engine, r.EngineVersion, r.CPUs, r.GoVersion)
	if r.Seed > 0 {
		fmt.Fprintf(w, "seeded     %s users in %s (%s users/s), organization %s\n",
			thousands(int64(r.Users)), r.Seed.Round(100*time.Millisecond), thousands(int64(r.SeedRate)), r.Org)
		fmt.Fprintf(w, "analyze    %s\n", r.Analyze.Round(10*time.Millisecond))
	} else {
		fmt.Fprintf(w, "users      %s in organization %s, seeded earlier\n", thousands(int64(r.Users)), r.Org)
	}
	fmt.Fprintf(w, "database   %.0f MB\n", float64(r.DBBytes)/(1<<20))
	fmt.Fprintf(w, "timings    %d runs of each query after a warm-up, in milliseconds\n\n", r.Reps)
	width := len("query")
	for _, q := range r.Queries {
		width = max(width, len(q.Name))
	}
	fmt.Fprintf(w, "%-*s  %8s  %8s  %8s  %8s  %5s  %9s\n", width, "query", "median", "p95", "p99", "max", "rows", "total")
	for _, q := range r.Queries {
		if _, err := fmt.Fprintf(w, "%-*s  %8.2f  %8.2f  %8.2f  %8.2f  %5d  %9s\n", width, q.Name,
			q.MedianMS, q.P95MS, q.P99MS, q.MaxMS, q.Rows, thousands(int64(q.Total))); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
