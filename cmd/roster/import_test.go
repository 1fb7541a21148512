package main

import (
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"roster/internal/store/storetest"
)

// importID finds the import id a command printed.
var importID = regexp.MustCompile(`roster imports rollback (\S+)`)

func TestImportCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		dsn := e.DSN
		if e.Name == "sqlite" {
			dsn = "sqlite:" + filepath.Join(t.TempDir(), "import.db")
		}
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		slug := "imp-" + hex.EncodeToString(b)
		dir := t.TempDir()
		write := func(name, text string) string {
			t.Helper()
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		ok := func(args ...string) string {
			t.Helper()
			out, errs, err := cli(t, dsn, "", args...)
			if err != nil {
				t.Fatalf("roster %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errs)
			}
			return out
		}
		ok("org", "create", "--slug", slug, "--name", "Import test")
		usernames := func() []string {
			t.Helper()
			out := ok("users", "export", "--org", slug, "--columns", "username", "--sort", "username")
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range rows[1:] {
				names = append(names, r[0])
			}
			return names
		}

		staff := write("staff.csv", "Given name,Family name,Login,Code\n"+
			"Ada,Lovelace,ada,A1\n"+
			"Alan,Turing,alan,A2\n"+
			"Grace,,grace,A3\n")

		// A dry run prints the mapping and the preview, and changes nothing.
		out := ok("users", "import", staff, "--org", slug, "--mode", "create", "--map", "Code=external_id", "--dry-run")
		for _, want := range []string{"Given", "-> first_name (First name)", "Code", "-> external_id (User code)",
			"2 to create", "1 in error", "line 4:", "dry run: nothing changed"} {
			if !strings.Contains(out, want) {
				t.Errorf("dry run did not print %q:\n%s", want, out)
			}
		}
		if got := usernames(); len(got) != 0 {
			t.Fatalf("the dry run made users %v", got)
		}

		// A --map naming an unknown column or field is refused, saying
		// what it could have named; nothing is imported.
		_, _, err := cli(t, dsn, "", "users", "import", staff, "--org", slug, "--mode", "create", "--map", "Nickname=first_name")
		if err == nil || !strings.Contains(err.Error(), `no column "Nickname"`) || !strings.Contains(err.Error(), `"Given name"`) {
			t.Errorf("unknown column: %v", err)
		}
		_, _, err = cli(t, dsn, "", "users", "import", staff, "--org", slug, "--mode", "create", "--map", "Code=shoe_size")
		if err == nil || !strings.Contains(err.Error(), `"shoe_size" is not a field`) || !strings.Contains(err.Error(), "external_id (User code)") {
			t.Errorf("unknown field: %v", err)
		}
		_, _, err = cli(t, dsn, "", "users", "import", staff, "--org", slug, "--mode", "sideways")
		if err == nil || !strings.Contains(err.Error(), "create, update or upsert") {
			t.Errorf("unknown mode: %v", err)
		}
		_, _, err = cli(t, dsn, "", "users", "import", write("bad.csv", "a,b\n\"open,1\n"), "--org", slug, "--mode", "create")
		if err == nil {
			t.Errorf("a malformed file was accepted")
		}

		// The real run creates the good rows and lists the bad one.
		exc := filepath.Join(dir, "refused.csv")
		out = ok("users", "import", staff, "--org", slug, "--mode", "create", "--map", "Code=external_id", "--exceptions", exc)
		if !strings.Contains(out, "created 2, updated 0, unchanged 0, errors 1 in") || !strings.Contains(out, "rows/s") {
			t.Errorf("summary missing:\n%s", out)
		}
		if got := strings.Join(usernames(), ","); got != "ada,alan" {
			t.Fatalf("after the import the users are %s", got)
		}
		raw, err := os.ReadFile(exc)
		if err != nil {
			t.Fatal(err)
		}
		refused, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\uFEFF"))).ReadAll()
		if err != nil || len(refused) != 2 || refused[0][5] != "Reason" || refused[1][2] != "grace" {
			t.Errorf("exceptions file = %q (%v)", refused, err)
		}
		m := importID.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no import id in:\n%s", out)
		}
		created := m[1]
		if got := ok("imports", "exceptions", created, "--org", slug); !strings.Contains(got, "grace") {
			t.Errorf("imports exceptions printed %q", got)
		}

		// An update changes only the mapped column of the matched users.
		upd := write("titles.csv", "Code,Title\nA1,Countess\nA9,Nobody\n")
		out = ok("users", "import", upd, "--org", slug, "--mode", "update", "--match-by", "external_id", "--map", "code=User code")
		if !strings.Contains(out, "created 0, updated 1, unchanged 0, errors 1") {
			t.Errorf("update summary:\n%s", out)
		}
		titles := ok("users", "export", "--org", slug, "--columns", "username,first_name,job_title", "--sort", "username")
		if !strings.Contains(titles, "ada,Ada,Countess") {
			t.Errorf("after the update:\n%s", titles)
		}

		list := ok("imports", "list", "--org", slug)
		if !strings.Contains(list, created) || !strings.Contains(list, "staff.csv") || !strings.Contains(list, "titles.csv") {
			t.Errorf("imports list:\n%s", list)
		}

		// Relationships by user code.
		fam := write("families.csv", "Parent,Student\nA1,A2\nA1,Z9\n")
		out = ok("relationships", "import", fam, "--org", slug, "--by", "external_id")
		if !strings.Contains(out, "created 1, updated 0, unchanged 0, errors 1") {
			t.Errorf("relationship import:\n%s", out)
		}

		// Rolling back the first import purges the users it created.
		out = ok("imports", "rollback", created, "--org", slug)
		if !strings.Contains(out, "rolled back") || !strings.Contains(out, "purged 2") {
			t.Errorf("rollback printed:\n%s", out)
		}
		if got := usernames(); len(got) != 0 {
			t.Errorf("after the rollback the users are %v", got)
		}
		if _, _, err := cli(t, dsn, "", "imports", "rollback", created, "--org", slug); err == nil {
			t.Errorf("a second rollback was accepted")
		}
	})
}
