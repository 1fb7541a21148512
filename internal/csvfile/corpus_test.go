package csvfile

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

// wantRefusal checks that err is an *Error for line whose text contains every
// one of words.
func wantRefusal(t *testing.T, err error, line int, words ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want an *Error", err, err)
	}
	if e.Line != line {
		t.Errorf("error %q is for line %d, want line %d", e, e.Line, line)
	}
	for _, w := range words {
		if !strings.Contains(e.Error(), w) {
			t.Errorf("error %q does not contain %q", e, w)
		}
	}
}

// wide encodes s as UTF-16, little- or big-endian, with or without a
// byte-order mark, as Excel's "Unicode Text" and some exporters write it.
func wide(s string, bigEndian, bom bool) string {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// zipLike builds the start of a ZIP archive whose first entry is name, which
// is all the sniffing looks at.
func zipLike(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xa4\x8c\x07\x1e\x99\x01\x00\x00")
		b.WriteString(n)
		b.WriteString("\xed\x94\xcbN\xc30\x10E\xf7H\xfcC\xe4-J\xdc\xb2@\x08")
	}
	return b.String()
}

// TestCorpus is the collection of malformed and hostile uploads: each must be
// refused with a clear message naming the line concerned, and no file.
func TestCorpus(t *testing.T) {
	const sample = "first_name,last_name,email\r\nJane,Roe,jane@example.org\r\n"
	tooManyColumns := strings.Repeat("c,", MaxColumns) + "last\n" + strings.Repeat("1,", MaxColumns) + "2\n"
	tests := []struct {
		name  string
		input string
		line  int
		words []string
	}{
		// Empty and blank files.
		{"empty", "", 0, []string{"the file is empty"}},
		{"BOM only", "\xEF\xBB\xBF", 0, []string{"the file is empty"}},
		{"whitespace only", "   \t \n  \r\n\t", 0, []string{"only blank lines"}},
		{"blank lines only", "\n\n\r\n\r\r\n", 0, []string{"only blank lines"}},
		{"only empty cells", ",,,\n , ,\n\"\",\"\"\n", 0, []string{"only blank lines or empty cells"}},
		{"header only", "first_name,last_name\n", 0, []string{"a header row but no data rows"}},
		{"header and all-empty rows", "a,b\n\n,\n  ,  \n\n", 0, []string{"a header row but no data rows"}},

		// Encodings.
		{"Latin-1", "first_name,last_name\nJos\xe9,Garc\xeda\n", 2,
			[]string{"not valid UTF-8", "Windows-1252 or Latin-1", "save it as CSV UTF-8"}},
		{"Windows-1252 smart quotes", "name,note\r\nJane,ok\r\nJohn,\x93hello\x94\r\n", 3,
			[]string{"not valid UTF-8", "Windows-1252", "CSV UTF-8"}},
		{"Windows-1252 euro sign in header", "price \x80\n1\n", 1, []string{"not valid UTF-8"}},
		{"overlong UTF-8 slash", "name\n..\xc0\xaf..\n", 2, []string{"not valid UTF-8"}},
		{"overlong UTF-8 NUL", "name\n\xc0\x80\n", 2, []string{"not valid UTF-8"}},
		{"UTF-8 encoded surrogate", "name\nx\ny\xed\xa0\x80\n", 3, []string{"not valid UTF-8"}},
		{"truncated sequence at the end", "name\nJos\xc3", 2, []string{"not valid UTF-8"}},
		{"beyond U+10FFFF", "name\n\xf4\x90\x80\x80\n", 2, []string{"not valid UTF-8"}},
		{"invalid after CR-only lines", "a\rb\rc\rd\r\xff\r", 5, []string{"not valid UTF-8"}},
		{"invalid inside a quoted multi-line cell", "a,b\n\"x\ny\xff\",1\n", 3, []string{"not valid UTF-8"}},
		{"UTF-16 LE with BOM", wide(sample, false, true), 0, []string{"the file is UTF-16; save it as CSV UTF-8"}},
		{"UTF-16 BE with BOM", wide(sample, true, true), 0, []string{"the file is UTF-16; save it as CSV UTF-8"}},
		{"UTF-16 LE without BOM", wide(sample, false, false), 0, []string{"the file is UTF-16"}},
		{"UTF-16 BE without BOM", wide(sample, true, false), 0, []string{"the file is UTF-16"}},
		{"UTF-32 LE with BOM", "\xff\xfe\x00\x00n\x00\x00\x00", 0, []string{"the file is UTF-32"}},
		{"NUL byte", "a,b\n1,2\n3,\x004\n", 3, []string{"NUL byte", "CSV UTF-8"}},
		{"NUL byte after a BOM", "\xEF\xBB\xBF\x00a\n", 1, []string{"NUL byte"}},

		// Other file formats.
		{"Excel workbook", zipLike("[Content_Types].xml", "xl/workbook.xml"), 0,
			[]string{"this is not a CSV file (it looks like an Excel workbook)", "save it as CSV UTF-8"}},
		{"OpenDocument spreadsheet", zipLike("mimetypeapplication/vnd.oasis.opendocument.spreadsheet"), 0,
			[]string{"an OpenDocument spreadsheet"}},
		{"Word document", zipLike("[Content_Types].xml", "word/document.xml"), 0, []string{"a Word document"}},
		{"ZIP archive", zipLike("users.csv"), 0, []string{"not a CSV file", "a ZIP archive"}},
		{"old Excel workbook", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", 0, []string{"old-style Excel workbook (.xls)"}},
		{"Excel XML spreadsheet", "<?xml version=\"1.0\"?>\r\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">\r\n", 0,
			[]string{"an Excel XML spreadsheet"}},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 0, []string{"not a CSV file (it looks like a PDF document); export the users", "as CSV UTF-8"}},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, []string{"a PNG image"}},
		{"JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF", 0, []string{"a JPEG image"}},
		{"GIF", "GIF89a\x01\x00\x01\x00", 0, []string{"a GIF image"}},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00", 0, []string{"a gzip-compressed file"}},
		{"SQLite database", "SQLite format 3\x00\x10\x00", 0, []string{"an SQLite database"}},

		// Ragged rows.
		{"too many cells", "a,b,c\n1,2,3\n4,5,6,7\n", 3,
			[]string{"this row has 4 cells but the header has 3", "comma must be put in double quotes"}},
		{"too few cells", "a,b,c\r\n1,2\r\n", 2, []string{"this row has 2 cells but the header has 3", "missing cells"}},
		{"ragged after a multi-line cell", "a,b\n\"x\ny\",1\n1,2,3\n", 4, []string{"3 cells but the header has 2"}},
		{"mixed delimiters", "a;b;c\n1;2;3\n4,5,6\n", 3, []string{"this row has 1 cell but the header has 3"}},
		{"tab file with a space-separated row", "a\tb\n1\t2\n3 4\n", 3, []string{"1 cell but the header has 2"}},
		{"a million delimiters", "a,b\n" + strings.Repeat(",", 1_000_000) + "x\n", 2,
			[]string{"this row has more than 200 cells but the header has 2"}},

		// Quotes.
		{"unclosed quote", "a,b\n1,\"open\n2,3\n4,5\n", 2, []string{"a quoted field is not closed", `column "b"`}},
		{"unclosed quote in the header", "\"a,b\n1,2\n", 1, []string{"a quoted field is not closed", "column 1"}},
		{"unclosed quote at the very end", "a,b\n1,2\n3,\"", 3, []string{"a quoted field is not closed"}},
		{"bare quote", "name,height\nJane,5'11\"\n", 2,
			[]string{`column "height" has a double quote (") inside a cell that does not start with one`}},
		{"space before an opening quote", "a,b\n1, \"x\"\n", 2, []string{`column "b" has a double quote`}},
		{"text after a closing quote", "a,b\n\"x\"y,1\n", 2, []string{`column "a" has text after the closing quote`}},
		{"space after a closing quote", "a,b\n1,\"x\" \n", 2, []string{"text after the closing quote"}},

		// Headers.
		{"duplicate header", "Email,Name,Phone,Title,Email\n1,2,3,4,5\n", 1,
			[]string{`the header names "Email" twice (columns 1 and 5)`}},
		{"duplicate header differing in case", "email,Name, EMAIL \n1,2,3\n", 1,
			[]string{`the header names "email" twice (columns 1 and 3`, "ignoring case"}},
		{"duplicate header after blank lines", "\n\na,a\n1,2\n", 3, []string{`names "a" twice`}},
		{"blank header cell", "a,,c\n1,2,3\n", 1, []string{"column 2 has no name in the header"}},
		{"blank trailing header cell", "a,b,\n1,2,\n", 1, []string{"column 3 has no name in the header"}},
		{"whitespace header cell", "a;  ;c\n1;2;3\n", 1, []string{"column 2 has no name in the header"}},
		{"too many columns", tooManyColumns, 1, []string{"the header has more than 200 columns"}},

		// Oversized cells.
		{"enormous field", "a,b\n1," + strings.Repeat("x", MaxCellBytes+1) + "\n", 2,
			[]string{`column "b": a cell is longer than 65,536 bytes`}},
		{"enormous quoted multi-line field", "a,b\n1,\"" + strings.Repeat("line\r\n", MaxCellBytes/6+1) + "\"\n", 2,
			[]string{`column "b": a cell is longer than 65,536 bytes`}},
		{"enormous header cell", strings.Repeat("h", MaxCellBytes+1) + ",b\n1,2\n", 1,
			[]string{"column 1: a cell is longer than 65,536 bytes"}},

		// Large hostile inputs that must be answered without splitting
		// every line into cells.
		{"a million blank lines", "a,b\n" + strings.Repeat("\r\n", 1_000_000), 0,
			[]string{"a header row but no data rows"}},
		{"many rows of empty quoted cells", "a,b\n" + strings.Repeat("\"\",\"\"\n", 200_000), 0,
			[]string{"a header row but no data rows"}},
		{"a file of quotes", strings.Repeat(`"`, 200_000), 1,
			[]string{"column 1: a cell is longer than 65,536 bytes", "closing quote is missing"}},
		{"unclosed quote with a long tail", "a,b\n1,\"x\n" + strings.Repeat("2,3\n", 40_000), 2,
			[]string{`column "b": a cell is longer than 65,536 bytes`, "if its closing quote is missing, add it"}},
		{"text after an empty quoted cell", "a,b\n1,2\n\"\" ,\n", 3, []string{"text after the closing quote"}},

		// Delimiter line.
		{"unsupported sep= line", "sep=|\na|b\n1|2\n", 1, []string{`the delimiter "|"`, "only comma, semicolon and tab"}},
	}
	if len(tests) < 40 {
		t.Fatalf("the corpus has %d files; keep at least 40", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(tt.input))
			if f != nil {
				t.Errorf("Read returned a file along with the error")
			}
			wantRefusal(t, err, tt.line, tt.words...)
		})
	}
}

func TestCorpusTooManyRows(t *testing.T) {
	f, err := Read(strings.NewReader(rowsCSV(MaxRows + 1)))
	if f != nil {
		t.Error("Read returned a file along with the error")
	}
	wantRefusal(t, err, 0, "the file has more than 100,000 rows; split it into smaller files")
}
