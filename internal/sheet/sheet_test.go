package sheet_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"roster/internal/sheet"
)

// rows are awkward cells: formula starters, quotes, separators, line
// breaks, accents, and text that looks like a number or a date.
var rows = [][]string{
	{"User name", "Name", "Note"},
	{"=cmd|' /C calc'!A0", "+1 555 0100", "-2"},
	{"@SUM(A1)", "\tindented", "\rreturn"},
	{"jane.roe", "Zoë \"Z\" O'Brien, Jr.", "two\nlines"},
	{"0042", "2026-01-02", ""},
	{"plain", "a;b;c", "ünïcödé ✓"},
}

// neutralised is rows as a spreadsheet must read them back.
var neutralised = [][]string{
	{"User name", "Name", "Note"},
	{"'=cmd|' /C calc'!A0", "'+1 555 0100", "'-2"},
	{"'@SUM(A1)", "'\tindented", "'\rreturn"},
	{"jane.roe", "Zoë \"Z\" O'Brien, Jr.", "two\nlines"},
	{"0042", "2026-01-02", ""},
	{"plain", "a;b;c", "ünïcödé ✓"},
}

func TestNeutralise(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@x", "'@x"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"", ""}, {"a=b", "a=b"}, {" =x", " =x"},
		{"'=x", "'=x"}, {"\nx", "\nx"},
	} {
		if got := sheet.Neutralise(tc.in); got != tc.want {
			t.Errorf("Neutralise(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := sheet.NewCSV(&buf)
	if buf.Len() != 0 {
		t.Fatal("NewCSV wrote before the first row")
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF") {
		t.Fatalf("no byte-order mark: %q", out[:10])
	}
	if !strings.HasPrefix(out, "\uFEFFUser name,Name,Note\r\n") {
		t.Errorf("header line not ended by CRLF: %q", out[:30])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// With CRLF line ends, encoding/csv writes every line break inside a
	// cell as CRLF and drops a lone carriage return, which spreadsheets
	// would not show anyway; the guard quote stays.
	want := cloneRows(neutralised)
	want[2][2] = "'return"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSV round trip (-want +got):\n%s", diff)
	}
}

func TestCSVEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := sheet.NewCSV(&buf).Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("a CSV without rows holds %q", buf.String())
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := sheet.NewXLSX(&buf, "Users: all/[some]? of them, a very long name")
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Error("the XLSX writer wrote before the first row")
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 1 || names[0] != "Users- all--some-- of them, a v" {
		t.Errorf("sheets %q; want one, named after the title", names)
	}
	got, err := f.GetRows(names[0])
	if err != nil {
		t.Fatal(err)
	}
	want := cloneRows(neutralised)
	// GetRows leaves out trailing empty cells.
	want[4] = want[4][:2]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("XLSX round trip (-want +got):\n%s", diff)
	}
	// Every cell is text: no formula, and "0042" is not the number 42.
	for r := range want {
		for c := range want[r] {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if formula, _ := f.GetCellFormula(names[0], ref); formula != "" {
				t.Errorf("cell %s holds the formula %q", ref, formula)
			}
			if typ, _ := f.GetCellType(names[0], ref); want[r][c] != "" && typ != excelize.CellTypeInlineString {
				t.Errorf("cell %s has type %v; want an inline string", ref, typ)
			}
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sheet.Format
		ct   string
	}{
		{"", sheet.CSV, "text/csv; charset=utf-8"}, {"csv", sheet.CSV, "text/csv; charset=utf-8"},
		{"XLSX", sheet.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	} {
		got, err := sheet.ParseFormat(tc.in)
		if err != nil || got != tc.want || got.ContentType() != tc.ct || got.Extension() != string(tc.want) {
			t.Errorf("ParseFormat(%q) = %q, %v (%s)", tc.in, got, err, got.ContentType())
		}
	}
	if _, err := sheet.ParseFormat("xls"); err == nil || !strings.Contains(err.Error(), "csv or xlsx") {
		t.Errorf("ParseFormat(xls): %v; want an error naming csv and xlsx", err)
	}
}

func cloneRows(rs [][]string) [][]string {
	out := make([][]string, len(rs))
	for i, r := range rs {
		out[i] = append([]string(nil), r...)
	}
	return out
}

// readXLSX opens a workbook and returns the rows of its one sheet.
func readXLSX(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 1 {
		t.Fatalf("sheets %q", names)
	}
	got, err := f.GetRows(names[0])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestXLSXHostileText: markup, quotes, line breaks, control characters and
// invalid UTF-8 make a workbook that opens; what XML cannot hold becomes
// U+FFFD, the rest reads back as written.
func TestXLSXHostileText(t *testing.T) {
	var buf bytes.Buffer
	w, _ := sheet.NewXLSX(&buf, `a "quoted" <name> & more`)
	in := []string{`<b>&amp;</b> "x" 'y'`, "line\r\nbreak\ttab", "bell\x07 nul\x00", "bad \xff\xfe utf8", "ÆØÅ 日本 🎉", "]]>"}
	if err := w.WriteRow(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readXLSX(t, buf.Bytes())
	want := []string{`<b>&amp;</b> "x" 'y'`, "line\r\nbreak\ttab", "bell\uFFFD nul\uFFFD", "bad \uFFFD\uFFFD utf8", "ÆØÅ 日本 🎉", "]]>"}
	if diff := cmp.Diff([][]string{want}, got); diff != "" {
		t.Errorf("hostile text (-want +got):\n%s", diff)
	}
}

// TestXLSXWideAndEmpty: columns past Z are named AA, AB, …; a workbook
// without rows is still a workbook.
func TestXLSXWideAndEmpty(t *testing.T) {
	var buf bytes.Buffer
	w, _ := sheet.NewXLSX(&buf, "Wide")
	row := make([]string, 60)
	for i := range row {
		row[i] = fmt.Sprint("v", i)
	}
	if err := w.WriteRow(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{row}, readXLSX(t, buf.Bytes())); diff != "" {
		t.Errorf("60 columns (-want +got):\n%s", diff)
	}
	buf.Reset()
	w, _ = sheet.NewXLSX(&buf, "Empty")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readXLSX(t, buf.Bytes()); len(got) != 0 {
		t.Errorf("an empty workbook reads %v", got)
	}
}

// failAfter accepts n bytes, then fails.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestXLSXOutputFails: when the output fails mid-way, the rows stop being
// accepted and Close reports the output's error.
func TestXLSXOutputFails(t *testing.T) {
	w, _ := sheet.NewXLSX(&failAfter{n: 64 << 10}, "Users")
	row := []string{"a fairly long cell value that compresses poorly 8f3a", "another 19bc77e0", "and one more d41d8cd9"}
	var werr error
	for i := 0; i < 200000 && werr == nil; i++ {
		row[1] = fmt.Sprint("another ", i*7919)
		werr = w.WriteRow(row)
	}
	if werr == nil {
		t.Error("WriteRow kept accepting rows after the output failed")
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close = %v; want the output's error", err)
	}
}
