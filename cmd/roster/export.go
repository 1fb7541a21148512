package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"roster/internal/admin"
	"roster/internal/bench"
	"roster/internal/directory"
	"roster/internal/sheet"
	"roster/internal/store"
	"roster/internal/web"
)

// exportFlags are the options of roster users export.
type exportFlags struct {
	format, q, status, group, columns, sort, out string
	locked, deleted, desc                        bool
}

func (a *app) usersExportCmd() *cobra.Command {
	var fl exportFlags
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export users as CSV or XLSX",
		Long: `Export writes the users of the organization that match the search and filters to a
CSV file (UTF-8 with a byte-order mark, as Excel expects) or an XLSX workbook, one row per
user after a header of column labels, every page of them, in flat memory. Cells that a
spreadsheet would take for a formula get a leading '. The export is recorded in the audit
log. Progress goes to standard error when it is a terminal, and a summary at the end.`,
		Example: `  roster users export -o users.csv
  roster users export --format xlsx --status active,pending --group Teachers -o active.xlsx
  roster users export --q roe --columns username,email,role,custom:grade`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := sheet.ParseFormat(fl.format)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withService(ctx, func(svc *admin.Service, org *directory.Organization) error {
				op := admin.Operator(org.ID)
				f := store.UserFilter{Q: strings.TrimSpace(fl.q), Deleted: fl.deleted, Sort: store.UserSort(fl.sort), Desc: fl.desc}
				if fl.locked {
					f.Locked = &fl.locked
				}
				for _, s := range strings.Split(fl.status, ",") {
					if s = strings.TrimSpace(s); s != "" {
						f.Statuses = append(f.Statuses, directory.Status(s))
					}
				}
				if fl.group != "" {
					if f.GroupID, err = groupID(ctx, svc, op, fl.group); err != nil {
						return err
					}
				}
				var cols []string
				if strings.TrimSpace(fl.columns) != "" {
					cols = strings.Split(fl.columns, ",")
				}
				return a.runExport(fl.out, format, "users", func(w sheet.Writer) (int, error) {
					return svc.ExportUsers(ctx, op, f, cols, w)
				})
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&fl.format, "format", "csv", "csv or xlsx")
	fs.StringVar(&fl.q, "q", "", "words that must each start a word of the name, user name, email or user code")
	fs.StringVar(&fl.status, "status", "", "pending, active or inactive; several separated by commas")
	fs.BoolVar(&fl.locked, "locked", false, "only locked users")
	fs.BoolVar(&fl.deleted, "deleted", false, "the recycle bin instead of the live users")
	fs.StringVar(&fl.group, "group", "", "only members of the group with this name")
	fs.StringVar(&fl.columns, "columns", "", "column keys separated by commas, such as username,email,role,custom:grade (default: every column)")
	fs.StringVar(&fl.sort, "sort", "last_name", "username, first_name, last_name, email, status, created_at or last_sign_in_at")
	fs.BoolVar(&fl.desc, "desc", false, "sort in descending order")
	fs.StringVarP(&fl.out, "output", "o", "-", "file to write (- for standard output)")
	return cmd
}

// groupID returns the id of the organization's group named name (in any
// case).
func groupID(ctx context.Context, svc *admin.Service, op *admin.Actor, name string) (string, error) {
	groups, err := svc.Groups(ctx, op, "")
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, strings.TrimSpace(name)) {
			return g.ID, nil
		}
	}
	return "", fmt.Errorf("no group is named %q; check the name in the console's Groups page", name)
}

// runExport runs export into the file out ("-" = standard output) in
// format, with progress on standard error when it is a terminal, and
// prints a summary there at the end. A file left incomplete by an error is
// removed.
func (a *app) runExport(out string, format sheet.Format, what string, export func(w sheet.Writer) (int, error)) error {
	var dst io.Writer = a.stdout
	var file *os.File
	if out != "-" && out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		file, dst = f, f
	}
	buf := bufio.NewWriterSize(dst, 64<<10)
	var w sheet.Writer = sheet.NewCSV(buf)
	if format == sheet.XLSX {
		xw, err := sheet.NewXLSX(buf, what)
		if err != nil {
			return err
		}
		w = xw
	}
	p := &progress{Writer: w, format: format, what: what, tty: isTerminal(a.stderr), to: a.stderr}
	start := time.Now()
	n, err := export(p)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if ferr := buf.Flush(); err == nil {
		err = ferr
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(out)
		}
	}
	p.clear()
	if err != nil {
		return err
	}
	noun := what
	if n == 1 {
		noun = strings.TrimSuffix(what, "s")
	}
	fmt.Fprintf(a.stderr, "exported %s %s in %.1f s\n", web.Number(n), noun, time.Since(start).Seconds())
	return nil
}

// progress passes rows on to a Writer and, on a terminal, shows how many
// have gone every so often.
type progress struct {
	sheet.Writer
	format sheet.Format
	what   string
	tty    bool
	to     io.Writer
	rows   int
	shown  bool
}

// Format reports the format of the file, for the audit log.
func (p *progress) Format() sheet.Format { return p.format }

func (p *progress) WriteRow(cells []string) error {
	p.rows++
	// The first row is the header; 10,000 rows take a few milliseconds.
	if p.tty && p.rows%10000 == 1 && p.rows > 1 {
		fmt.Fprintf(p.to, "\rexporting %s: %s…", p.what, web.Number(p.rows-1))
		p.shown = true
	}
	return p.Writer.WriteRow(cells)
}

// clear ends the progress line, so that what follows starts a line.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.to, "\r\033[K")
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// measureExports times roster users export of the organization org as a
// child process of this very binary (see bench.MeasureExports).
func (a *app) measureExports(ctx context.Context, org string) ([]bench.ExportResult, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return bench.MeasureExports(ctx, bench.ExportOptions{Binary: bin, DSN: a.cfg.DB, Org: org, Log: a.stderr})
}
