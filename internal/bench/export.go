package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ExportOptions configure the export measurement.
type ExportOptions struct {
	// Binary is the roster binary to run; DSN and Org name the database
	// and the organization whose users it exports.
	Binary string
	DSN    string
	Org    string
	// Formats are the formats to export, "csv" and "xlsx" by default.
	Formats []string
	Log     io.Writer
}

// ExportResult is one measured export.
type ExportResult struct {
	Format     string        `json:"format"`
	Users      int           `json:"users"`
	Wall       time.Duration `json:"-"`
	WallSecs   float64       `json:"wall_seconds"`
	UsersPerS  float64       `json:"users_per_second"`
	MaxRSSKiB  int64         `json:"peak_rss_kib"`
	OutputSize int64         `json:"output_bytes"`
}

// exportedLine is the summary roster users export prints last.
var exportedLine = regexp.MustCompile(`exported ([0-9,]+) users? in`)

// MeasureExports runs "roster users export --format F -o FILE" as a child
// process for each format, as an operator would, and reports its wall
// time, its rate and the peak resident memory of the child (everything
// the process held, not only the Go heap; see runWatched). The file goes
// to a temporary directory and is removed afterwards.
func MeasureExports(ctx context.Context, opt ExportOptions) ([]ExportResult, error) {
	if len(opt.Formats) == 0 {
		opt.Formats = []string{"csv", "xlsx"}
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	dir, err := os.MkdirTemp("", "roster-export-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var out []ExportResult
	for _, format := range opt.Formats {
		file := dir + "/users." + format
		cmd := exec.CommandContext(ctx, opt.Binary, "users", "export", "--format", format, "-o", file,
			"--db", opt.DSN, "--org", opt.Org)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		peak, err := runWatched(cmd)
		wall := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("roster users export --format %s: %w\n%s", format, err, stderr.String())
		}
		m := exportedLine.FindStringSubmatch(stderr.String())
		if m == nil {
			return nil, fmt.Errorf("roster users export --format %s printed no summary:\n%s", format, stderr.String())
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		r := ExportResult{Format: format, Users: n, Wall: wall, WallSecs: wall.Seconds(),
			UsersPerS: float64(n) / wall.Seconds(), MaxRSSKiB: peak}
		if st, err := os.Stat(file); err == nil {
			r.OutputSize = st.Size()
		}
		_ = os.Remove(file)
		fmt.Fprintf(opt.Log, "exported %s users as %s in %s, peak RSS %d MB\n", thousands(int64(n)), format,
			wall.Round(100*time.Millisecond), r.MaxRSSKiB/1024)
		out = append(out, r)
	}
	return out, nil
}

// WriteWithExports writes the results of a run followed by those of its
// exports, as text or as one JSON document.
func WriteWithExports(w io.Writer, r *Result, exports []ExportResult, asJSON bool) error {
	if asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(struct {
			*Result
			Exports []ExportResult `json:"exports"`
		}{r, exports})
	}
	if err := r.WriteText(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%-7s  %9s  %8s  %8s  %13s  %9s\n", "export", "users", "seconds", "users/s", "peak RSS (MB)", "file (MB)")
	for _, x := range exports {
		if _, err := fmt.Fprintf(w, "%-7s  %9s  %8.1f  %8s  %13.0f  %9.0f\n", x.Format, thousands(int64(x.Users)), x.WallSecs,
			thousands(int64(x.UsersPerS)), float64(x.MaxRSSKiB)/1024, float64(x.OutputSize)/(1<<20)); err != nil {
			return err
		}
	}
	return nil
}
