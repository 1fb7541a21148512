package csvfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mustRead parses input and fails the test on any error.
func mustRead(t *testing.T, input string) *File {
	t.Helper()
	f, err := Read(strings.NewReader(input))
	if err != nil {
		t.Fatalf("Read(%.60q) = %v, want success", input, err)
	}
	return f
}

func TestReadAccepts(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  File
	}{
		{
			name:  "Excel CSV UTF-8 with BOM and CRLF",
			input: "\xEF\xBB\xBFFirst Name,Last Name,Email\r\nJane,Roe,jane@example.org\r\nJohn,Doe,john@example.org\r\n",
			want: File{
				Headers:   []string{"First Name", "Last Name", "Email"},
				Rows:      [][]string{{"Jane", "Roe", "jane@example.org"}, {"John", "Doe", "john@example.org"}},
				Lines:     []int{2, 3},
				Delimiter: ',',
				BOM:       true,
			},
		},
		{
			name:  "semicolon with decimal commas",
			input: "Name;Hours;Note\nJane;1,5;a, b\nJohn;2,25;\n",
			want: File{
				Headers:   []string{"Name", "Hours", "Note"},
				Rows:      [][]string{{"Jane", "1,5", "a, b"}, {"John", "2,25", ""}},
				Lines:     []int{2, 3},
				Delimiter: ';',
			},
		},
		{
			name:  "tab separated with commas in cells",
			input: "name\tjob title\nJane\tCounselor, Grades 9-12\n",
			want: File{
				Headers:   []string{"name", "job title"},
				Rows:      [][]string{{"Jane", "Counselor, Grades 9-12"}},
				Lines:     []int{2},
				Delimiter: '\t',
			},
		},
		{
			name:  "quoted line breaks of every kind become LF",
			input: "name,address\r\n\"Jane\",\"1 Main St\r\nApt 2\nBack\rDoor\"\r\nJohn,\"x\"\r\n",
			want: File{
				Headers:   []string{"name", "address"},
				Rows:      [][]string{{"Jane", "1 Main St\nApt 2\nBack\nDoor"}, {"John", "x"}},
				Lines:     []int{2, 6},
				Delimiter: ',',
			},
		},
		{
			name:  "doubled quotes and quoted delimiters",
			input: "name,title\n\"Jane \"\"JJ\"\" Roe\",\"Aide, \"\"Floater\"\"\"\n\"\",\"\"\"\"\n",
			want: File{
				Headers:   []string{"name", "title"},
				Rows:      [][]string{{`Jane "JJ" Roe`, `Aide, "Floater"`}, {"", `"`}},
				Lines:     []int{2, 3},
				Delimiter: ',',
			},
		},
		{
			name:  "lone CR line endings",
			input: "a,b\r1,2\r\r3,4\r",
			want: File{
				Headers:   []string{"a", "b"},
				Rows:      [][]string{{"1", "2"}, {"3", "4"}},
				Lines:     []int{2, 4},
				Delimiter: ',',
			},
		},
		{
			name:  "no final line break",
			input: "a,b\n1,2",
			want: File{
				Headers: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}, Lines: []int{2}, Delimiter: ',',
			},
		},
		{
			name:  "blank and all-empty rows are skipped, leading ones too",
			input: "\n\n  \na,b,c\n\n1,2,3\n,,\n , ,\n\"\",\"\",\"\"\n,,,,\n4,5,6\n\n\n",
			want: File{
				Headers:   []string{"a", "b", "c"},
				Rows:      [][]string{{"1", "2", "3"}, {"4", "5", "6"}},
				Lines:     []int{6, 11},
				Delimiter: ',',
			},
		},
		{
			name:  "headers trimmed, data cells kept as written",
			input: " first name ,\tlast name\t\n  Jane , Roe  \n",
			want: File{
				Headers:   []string{"first name", "last name"},
				Rows:      [][]string{{"  Jane ", " Roe  "}},
				Lines:     []int{2},
				Delimiter: ',',
			},
		},
		{
			name:  "formula-looking cells are returned untouched",
			input: "a,b,c,d,e\n=1+2,+cmd|' /C calc'!A0,-2,@SUM(A1:A9),\"=HYPERLINK(\"\"http://x\"\")\"\n",
			want: File{
				Headers:   []string{"a", "b", "c", "d", "e"},
				Rows:      [][]string{{"=1+2", "+cmd|' /C calc'!A0", "-2", "@SUM(A1:A9)", `=HYPERLINK("http://x")`}},
				Lines:     []int{2},
				Delimiter: ',',
			},
		},
		{
			name:  "unicode names",
			input: "Prénom,姓,Ім'я\nJosé,李,Олена 👩‍💻\n",
			want: File{
				Headers:   []string{"Prénom", "姓", "Ім'я"},
				Rows:      [][]string{{"José", "李", "Олена 👩‍💻"}},
				Lines:     []int{2},
				Delimiter: ',',
			},
		},
		{
			name:  "one column",
			input: "email\njane@example.org\njohn@example.org\n",
			want: File{
				Headers:   []string{"email"},
				Rows:      [][]string{{"jane@example.org"}, {"john@example.org"}},
				Lines:     []int{2, 3},
				Delimiter: ',',
			},
		},
		{
			name:  "HTML pasted into a file is valid one-column CSV",
			input: "<table>\n<tr><td class=x>Jane</td></tr>\n</table>\n",
			want: File{
				Headers:   []string{"<table>"},
				Rows:      [][]string{{"<tr><td class=x>Jane</td></tr>"}, {"</table>"}},
				Lines:     []int{2, 3},
				Delimiter: ',',
			},
		},
		{
			name:  "Excel sep= line names the delimiter",
			input: "sep=;\r\nname,note;id\r\nJane, Roe;1\r\n",
			want: File{
				Headers:   []string{"name,note", "id"},
				Rows:      [][]string{{"Jane, Roe", "1"}},
				Lines:     []int{3},
				Delimiter: ';',
			},
		},
		{
			name:  "a header starting with sep= is not a sep line",
			input: "sep=xy\n1\n",
			want:  File{Headers: []string{"sep=xy"}, Rows: [][]string{{"1"}}, Lines: []int{2}, Delimiter: ','},
		},
		{
			name:  "delimiter that fits the rows wins over a longer split of the header",
			input: "a;b,c;d,e\n1;2;3\n4;5;6\n",
			want: File{
				Headers:   []string{"a", "b,c", "d,e"},
				Rows:      [][]string{{"1", "2", "3"}, {"4", "5", "6"}},
				Lines:     []int{2, 3},
				Delimiter: ';',
			},
		},
		{
			name:  "semicolon file with quoted headers",
			input: "\"Name\";\"E-mail\"\n\"Roe, Jane\";\"jane@example.org\"\n",
			want: File{
				Headers:   []string{"Name", "E-mail"},
				Rows:      [][]string{{"Roe, Jane", "jane@example.org"}},
				Lines:     []int{2},
				Delimiter: ';',
			},
		},
		{
			name:  "a doubled BOM and non-breaking spaces around header names",
			input: "\xEF\xBB\xBF\xEF\xBB\xBF\"Email\u00a0\",\u00a0Name\nj@example.org,\u00a0Jane\n",
			want: File{
				Headers:   []string{"Email", "Name"},
				Rows:      [][]string{{"j@example.org", "\u00a0Jane"}},
				Lines:     []int{2},
				Delimiter: ',',
				BOM:       true,
			},
		},
		{
			name:  "a cell holding only a quote is not blank",
			input: "a\n\"\"\"\"\n",
			want:  File{Headers: []string{"a"}, Rows: [][]string{{`"`}}, Lines: []int{2}, Delimiter: ','},
		},
		{
			name:  "empty last cell",
			input: "a,b\n1,\n",
			want:  File{Headers: []string{"a", "b"}, Rows: [][]string{{"1", ""}}, Lines: []int{2}, Delimiter: ','},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustRead(t, tt.input)
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("Read mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTestdata(t *testing.T) {
	wantRows := [][]string{
		{"José", "García", "jgarcia", "jose.garcia@example.org", "+1 555 0100", "Teacher", "12 Elm Street\nApt 4"},
		{"Li", "Wei 李", "lwei", "li.wei@example.org", "", "Counselor, Grades 9–12", ""},
		{"Jane", "O'Connor", "joconnor", "jane.oconnor@example.org", "555-0102", `Aide "Floater"`, "1 Main St"},
		{"Sam", "Roe", "sroe", "sam.roe@example.org", "=1+2", "Principal", ""},
	}
	headers := []string{"First Name", "Last Name", "User Name", "Email", "Phone", "Job Title", "Address"}
	sixColumns := func(rows [][]string) [][]string {
		out := make([][]string, len(rows))
		for i, r := range rows {
			out[i] = r[:6]
		}
		return out
	}
	tests := []struct {
		file    string
		want    *File
		wantErr string
	}{
		{file: "excel-csv-utf8.csv", want: &File{
			Headers: headers, Rows: wantRows, Lines: []int{2, 4, 5, 6}, Delimiter: ',', BOM: true}},
		{file: "sheets-export.csv", want: &File{
			Headers: headers, Rows: wantRows, Lines: []int{2, 4, 5, 6}, Delimiter: ','}},
		{file: "excel-semicolon.csv", want: &File{
			Headers: headers[:6], Rows: sixColumns(wantRows), Lines: []int{2, 3, 4, 5}, Delimiter: ';', BOM: true}},
		{file: "excel-unicode-text.txt", wantErr: "the file is UTF-16; save it as CSV UTF-8"},
		{file: "excel-windows1252.csv", wantErr: "line 2: this line is not valid UTF-8 (the file looks like it was saved as Windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := Read(r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Read mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// rowsCSV returns a header and n data rows of about 150 bytes each, like a
// real user import.
func rowsCSV(n int) string {
	var b strings.Builder
	b.Grow(n * 160)
	b.WriteString("first_name,last_name,username,email,phone,job_title,user_code,department\n")
	for i := range n {
		fmt.Fprintf(&b, "Firstname%d,Lastname%d,user%06d,user%06d@example.org,+1 555 %07d,"+
			"\"Teacher, Grade %d\",U-%08d,Department of Studies %d\n", i, i, i, i, i, i%12, i, i%40)
	}
	return b.String()
}

func TestReadRowLimit(t *testing.T) {
	f := mustRead(t, rowsCSV(MaxRows))
	if len(f.Rows) != MaxRows || f.Lines[MaxRows-1] != MaxRows+1 {
		t.Fatalf("read %d rows, last on line %d; want %d rows", len(f.Rows), f.Lines[len(f.Lines)-1], MaxRows)
	}
	if got := f.Rows[MaxRows-1][5]; got != "Teacher, Grade 3" {
		t.Errorf("last row job title = %q", got)
	}

	// Blank lines do not count against the limit.
	f, err := ReadWith(strings.NewReader("a\n1\n\n\n2\n,\n3\n"), Limits{Rows: 3})
	if err != nil || len(f.Rows) != 3 {
		t.Fatalf("3 rows with Rows: 3 = %v, %v", f, err)
	}
	_, err = ReadWith(strings.NewReader("a\n1\n2\n3\n4\n"), Limits{Rows: 3})
	wantRefusal(t, err, 0, "the file has more than 3 rows; split it into smaller files")
}

func TestReadByteLimit(t *testing.T) {
	input := "name\n" + strings.Repeat("x", 995) + "\n" // 1,001 bytes
	if _, err := ReadWith(strings.NewReader(input[:1000]), Limits{Bytes: 1000}); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	_, err := ReadWith(strings.NewReader(input), Limits{Bytes: 1000})
	wantRefusal(t, err, 0, "the file is larger than 1,000 bytes")
	_, err = ReadWith(strings.NewReader(strings.Repeat("a\n", 1024)), Limits{Bytes: 2 << 10})
	if err != nil {
		t.Fatalf("2 KB at a 2 KB limit: %v", err)
	}
	_, err = ReadWith(strings.NewReader(strings.Repeat("a\n", 1025)), Limits{Bytes: 2 << 10})
	wantRefusal(t, err, 0, "the file is larger than 2 KB")
}

// endless serves CSV rows for ever, counting the bytes it hands out.
type endless struct {
	served int
	row    []byte
	off    int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.row[e.off:])
		n += c
		e.off = (e.off + c) % len(e.row)
	}
	e.served += n
	return n, nil
}

func TestReadStopsAtMaxBytes(t *testing.T) {
	src := &endless{row: []byte("Jane,Roe,jane.roe@example.org,\"a, quoted cell\"\r\n")}
	f, err := Read(io.MultiReader(strings.NewReader("first,last,email,note\r\n"), src))
	if f != nil {
		t.Fatal("Read returned a file for an endless input")
	}
	wantRefusal(t, err, 0, "the file is larger than 50 MB; split it into smaller files")
	if src.served > MaxBytes+64<<10 {
		t.Errorf("Read consumed %d bytes of an endless input; it should stop just past %d", src.served, MaxBytes)
	}
}

func TestReadCellLimit(t *testing.T) {
	ok := "a,b\n1," + strings.Repeat("x", MaxCellBytes) + "\n"
	if _, err := Read(strings.NewReader(ok)); err != nil {
		t.Fatalf("a cell of exactly %d bytes: %v", MaxCellBytes, err)
	}
	quoted := "a,b\n1,\"" + strings.Repeat("x\"\"", MaxCellBytes/3) + "\"\n"
	if _, err := Read(strings.NewReader(quoted)); err != nil {
		t.Fatalf("a quoted cell under the limit: %v", err)
	}
	_, err := ReadWith(strings.NewReader("a,b\n1,12345\n"), Limits{CellBytes: 4})
	wantRefusal(t, err, 2, `column "b": a cell is longer than 4 bytes`)
}

func TestLimitsDefaults(t *testing.T) {
	if got, want := (Limits{}).withDefaults(), DefaultLimits(); got != want {
		t.Errorf("zero Limits = %+v, want the defaults %+v", got, want)
	}
	got := (Limits{Rows: 5, Bytes: -1}).withDefaults()
	if got.Rows != 5 || got.Bytes != MaxBytes || got.Columns != MaxColumns || got.CellBytes != MaxCellBytes {
		t.Errorf("partial Limits = %+v", got)
	}
}

func TestErrorText(t *testing.T) {
	if got := (&Error{Line: 12, Message: "a quoted field is not closed"}).Error(); got != "line 12: a quoted field is not closed" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&Error{Message: "the file is empty"}).Error(); got != "the file is empty" {
		t.Errorf("Error() = %q", got)
	}
}

// failing is a reader whose source breaks after some data.
type failing struct{ sent bool }

var errBroken = errors.New("connection reset")

func (f *failing) Read(p []byte) (int, error) {
	if f.sent {
		return 0, errBroken
	}
	f.sent = true
	return copy(p, "a,b\n1,2\n"), nil
}

func TestReadFailureIsNotARefusal(t *testing.T) {
	_, err := Read(&failing{})
	if !errors.Is(err, errBroken) || IsError(err) {
		t.Fatalf("Read of a broken reader = %v; want the reader's error, not an *Error", err)
	}
	if !IsError(fmt.Errorf("import: %w", &Error{Message: "x"})) {
		t.Error("IsError does not see a wrapped *Error")
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 65536: "65,536",
		100000: "100,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{50 << 20: "50 MB", 64 << 10: "64 KB", 1000: "1,000 bytes", 1: "1 byte"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

func BenchmarkRead100k(b *testing.B) {
	input := rowsCSV(MaxRows)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Read(strings.NewReader(input))
		if err != nil || len(f.Rows) != MaxRows {
			b.Fatalf("Read: %v", err)
		}
	}
}
