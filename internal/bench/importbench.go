package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportOptions configure MeasureImport.
type ImportOptions struct {
	// Binary is the roster binary the import runs in, as a child process.
	Binary string
	// Server is a postgres:// URL of a server where a scratch database is
	// created for the run and dropped after it; "" runs on a new SQLite
	// file in a temporary directory.
	Server string
	// Rows is how many users the generated file holds.
	Rows int
	// Env is added to the child's environment (a CPU profile, say).
	Env []string
	Log io.Writer
}

// ImportResult is what one import took.
type ImportResult struct {
	Engine    string        `json:"engine"`
	Rows      int           `json:"rows"`
	Created   int           `json:"created"`
	Errors    int           `json:"errors"`
	FileBytes int64         `json:"file_bytes"`
	Wall      time.Duration `json:"-"`
	WallSecs  float64       `json:"wall_seconds"`
	RowsPerS  float64       `json:"rows_per_second"`
	CPUSecs   float64       `json:"cpu_seconds"`
	MaxRSSKiB int64         `json:"max_rss_kib"`
	Summary   string        `json:"summary"`
}

// importSummary is the summary line roster users import prints.
var importSummary = regexp.MustCompile(`created ([0-9,]+), updated [0-9,]+, unchanged [0-9,]+, errors ([0-9,]+) in [^\n]*`)

// MeasureImport generates a CSV file of opt.Rows new users (user name,
// first and last name, email, phone, job title and user code, each unique
// where Roster needs it) and runs "roster users import FILE --mode create"
// on a fresh database as a child process, as an operator would. It reports
// the child's wall time, the rows per second over it, and the child's peak
// resident memory (see runWatched). The schema is made by "roster migrate"
// beforehand, outside the measured time.
func MeasureImport(ctx context.Context, opt ImportOptions) (*ImportResult, error) {
	if opt.Rows <= 0 {
		opt.Rows = 100_000
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	dir, err := os.MkdirTemp("", "roster-import-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "users.csv")
	size, err := writeImportFile(file, opt.Rows)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Engine: "sqlite", Rows: opt.Rows, FileBytes: size}
	dsn := "sqlite:" + filepath.Join(dir, "import.db")
	if opt.Server != "" {
		res.Engine = "postgres"
		var drop func()
		if dsn, drop, err = scratchPostgres(ctx, opt.Server); err != nil {
			return nil, err
		}
		defer drop()
	}
	env := append(os.Environ(), "ROSTER_DB="+dsn, "ROSTER_LOG_LEVEL=error")
	env = append(env, opt.Env...)
	migrate := exec.CommandContext(ctx, opt.Binary, "migrate")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("roster migrate: %w\n%s", err, out)
	}
	fmt.Fprintf(opt.Log, "importing %s users (%d MB) on %s…\n", thousands(int64(opt.Rows)), size>>20, res.Engine)
	cmd := exec.CommandContext(ctx, opt.Binary, "users", "import", file, "--mode", "create")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	peak, err := runWatched(cmd)
	res.Wall = time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("roster users import: %w\n%s", err, stderr.String())
	}
	m := importSummary.FindStringSubmatch(stdout.String())
	if m == nil {
		return nil, fmt.Errorf("roster users import printed no summary:\n%s", stdout.String())
	}
	res.Summary = m[0]
	res.Created, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	res.Errors, _ = strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
	res.WallSecs = res.Wall.Seconds()
	res.RowsPerS = float64(opt.Rows) / res.WallSecs
	res.MaxRSSKiB = peak
	// The child's processor time tells the import's own cost apart from
	// waiting on a busy machine or on the database server.
	if ps := cmd.ProcessState; ps != nil {
		res.CPUSecs = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	return res, nil
}

// writeImportFile writes the benchmark's CSV file and returns its size.
func writeImportFile(path string, rows int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	buf := bufio.NewWriterSize(f, 1<<16)
	w := csv.NewWriter(buf)
	titles := []string{"Teacher", "Counselor", "Principal", "Nurse", "Case Manager", "Therapist", "Clerk"}
	err = w.Write([]string{"User name", "First name", "Last name", "Email", "Phone", "Job title", "User code"})
	for i := 0; i < rows && err == nil; i++ {
		first := firstNames[i%len(firstNames)]
		last := lastNames[(i/len(firstNames))%len(lastNames)]
		user := fmt.Sprintf("%s.%s.%06d", strings.ToLower(first), strings.ToLower(last), i)
		err = w.Write([]string{user, first, last, user + "@example.org", fmt.Sprintf("+1 555 %07d", i),
			titles[i%len(titles)], fmt.Sprintf("E%07d", i)})
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err == nil {
		err = buf.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// scratchPostgres creates an empty database on the server of the URL
// server and returns its URL and a function that drops it.
func scratchPostgres(ctx context.Context, server string) (string, func(), error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "roster_import_bench_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create the scratch database: %w", err)
	}
	scratch := *u
	scratch.Path = "/" + name
	drop := func() {
		// The run's context may be over; the drop still has to happen.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return scratch.String(), drop, nil
}

// WriteText prints the result for a person.
func (r *ImportResult) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "import of %s new users on %s: %.1f s, %s rows/s, %.1f s of processor time in roster, peak RSS %d MB\n  %s\n",
		thousands(int64(r.Rows)), r.Engine, r.WallSecs, thousands(int64(r.RowsPerS)), r.CPUSecs, r.MaxRSSKiB/1024, r.Summary)
	return err
}

// WriteJSON prints the result as JSON.
func (r *ImportResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
