package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"roster/internal/store/storetest"
)

// cli runs the roster command in this process on the database dsn, with
// stdin, and returns what it printed.
func cli(t *testing.T, dsn, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(strings.NewReader(stdin), &out, &errb)
	root.SetArgs(append([]string{"--db", dsn, "--log-level", "error"}, args...))
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestUsersExportCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		dsn := e.DSN
		if e.Name == "sqlite" {
			dsn = "sqlite:" + filepath.Join(t.TempDir(), "export.db")
		}
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		slug := "exp-" + hex.EncodeToString(b)
		must := func(stdin string, args ...string) string {
			t.Helper()
			out, errs, err := cli(t, dsn, stdin, args...)
			if err != nil {
				t.Fatalf("roster %s: %v\n%s", strings.Join(args, " "), err, errs)
			}
			return out
		}
		must("", "org", "create", "--slug", slug, "--name", "Export test")
		for _, who := range [][]string{{"ann@example.com", "Ann", "Able"}, {"eve@example.com", "Eve", "=2+3"}} {
			must("a long enough pass phrase", "admin", "create", "--org", slug, "--email", who[0], "--password-stdin",
				"--first-name", who[1], "--last-name", who[2])
		}

		out, errs, err := cli(t, dsn, "", "users", "export", "--org", slug, "--columns", "username,last_name,role", "--sort", "username")
		if err != nil {
			t.Fatalf("export: %v\n%s", err, errs)
		}
		body, ok := strings.CutPrefix(out, "\uFEFF")
		if !ok {
			t.Errorf("no byte-order mark: %.20q", out)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"User name", "Last name", "Role"}, {"ann", "Able", "Owner"}, {"eve", "'=2+3", "Owner"}}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("export (-want +got):\n%s", diff)
		}
		if !strings.Contains(errs, "exported 2 users in") {
			t.Errorf("no summary on standard error: %q", errs)
		}

		// A file, in XLSX; a search narrows it.
		file := filepath.Join(t.TempDir(), "ann.xlsx")
		must("", "users", "export", "--org", slug, "--format", "xlsx", "--q", "able", "--status", "active", "-o", file)
		x, err := excelize.OpenFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.GetRows(x.GetSheetList()[0])
		x.Close()
		if err != nil || len(got) != 2 || got[1][0] != "ann" {
			t.Errorf("xlsx rows %q, %v", got, err)
		}

		// Mistakes say what is wrong and leave no file behind.
		bad := filepath.Join(t.TempDir(), "bad.csv")
		for _, args := range [][]string{
			{"--columns", "username,shoe_size"}, {"--group", "Nobody"}, {"--format", "ods"}, {"--status", "gone"},
		} {
			_, _, err := cli(t, dsn, "", append([]string{"users", "export", "--org", slug, "-o", bad}, args...)...)
			if err == nil {
				t.Errorf("export %q succeeded", args)
			}
			if _, serr := os.Stat(bad); serr == nil {
				t.Errorf("export %q left %s behind", args, bad)
			}
		}
	})
}
