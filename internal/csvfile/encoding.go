package csvfile

import (
	"strings"
	"unicode/utf8"
)

// utf8BOM is the byte-order mark Excel writes at the start of a "CSV UTF-8"
// file.
const utf8BOM = "\xEF\xBB\xBF"

// saveAsHint ends every encoding refusal: it is the one fix that works in
// every spreadsheet program.
const saveAsHint = `save it as CSV UTF-8 (in Excel: File > Save As, file type "CSV UTF-8")`

// signature recognises a binary format by the bytes it starts with, so that
// a wrong file gets a message naming what it is instead of a puzzling
// encoding error.
type signature struct {
	magic string
	what  string
	sheet bool // a spreadsheet, which its program can save as CSV
}

// signatures are checked in order; ZIP archives are told apart afterwards.
var signatures = []signature{
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "an old-style Excel workbook (.xls) or another Office document", true},
	{"%PDF-", "a PDF document", false},
	{"\x89PNG\r\n\x1A\n", "a PNG image", false},
	{"\xFF\xD8\xFF", "a JPEG image", false},
	{"GIF87a", "a GIF image", false},
	{"GIF89a", "a GIF image", false},
	{"\x1F\x8B", "a gzip-compressed file", false},
	{"7z\xBC\xAF\x27\x1C", "a 7-Zip archive", false},
	{"Rar!\x1A\x07", "a RAR archive", false},
	{"SQLite format 3\x00", "an SQLite database", false},
	{"\x7FELF", "a program", false},
}

// decode checks that data is UTF-8 text and returns it as a string without
// its byte-order mark, reporting whether there was one.
func decode(data string) (string, bool, error) {
	if len(data) == 0 {
		return "", false, &Error{Message: "the file is empty"}
	}
	if kind, ok := binaryKind(data); ok {
		fix := "export the users from the program that holds them as CSV UTF-8"
		if kind.sheet {
			fix = "open it in the program that made it and " + saveAsHint
		}
		return "", false, &Error{Message: "this is not a CSV file (it looks like " + kind.what + "); " + fix}
	}
	if name := wideEncoding(data); name != "" {
		return "", false, &Error{Message: "the file is " + name + "; " + saveAsHint}
	}
	bom := strings.HasPrefix(data, utf8BOM)
	for strings.HasPrefix(data, utf8BOM) {
		// Some tools add a second mark when they re-save a file.
		data = data[len(utf8BOM):]
	}
	if i := strings.IndexByte(data, 0); i >= 0 {
		return "", false, &Error{Line: lineAt(data, i), Message: "this line contains a NUL byte, " +
			"which a text file never does; " + saveAsHint}
	}
	if !utf8.ValidString(data) {
		i := firstInvalid(data)
		msg := "this line is not valid UTF-8"
		if looksSingleByte(data[i:]) {
			msg += " (the file looks like it was saved as Windows-1252 or Latin-1, as older Excel versions do)"
		}
		return "", false, &Error{Line: lineAt(data, i), Message: msg + "; " + saveAsHint}
	}
	return data, bom, nil
}

// binaryKind tells which binary format data is in, or returns false when it
// does not start like a known one.
func binaryKind(data string) (signature, bool) {
	if strings.HasPrefix(data, "PK\x03\x04") || strings.HasPrefix(data, "PK\x05\x06") {
		// File names in a ZIP archive are stored uncompressed, which tells
		// the Office formats apart.
		switch {
		case strings.Contains(data, "xl/"):
			return signature{what: "an Excel workbook", sheet: true}, true
		case strings.Contains(data, "application/vnd.oasis.opendocument.spreadsheet"):
			return signature{what: "an OpenDocument spreadsheet", sheet: true}, true
		case strings.Contains(data, "word/"):
			return signature{what: "a Word document"}, true
		default:
			return signature{what: "a ZIP archive"}, true
		}
	}
	for _, s := range signatures {
		if strings.HasPrefix(data, s.magic) {
			return s, true
		}
	}
	// Excel's "XML Spreadsheet 2003" is text, but not CSV.
	head := data[:min(len(data), 4096)]
	if strings.HasPrefix(strings.TrimPrefix(head, utf8BOM), "<?xml") &&
		strings.Contains(head, "urn:schemas-microsoft-com:office:spreadsheet") {
		return signature{what: "an Excel XML spreadsheet", sheet: true}, true
	}
	return signature{}, false
}

// wideEncoding names the encoding of a UTF-16 or UTF-32 file (Excel's
// "Unicode Text" is UTF-16), recognised by its byte-order mark or, without
// one, by the NUL bytes that every ASCII character carries in it. It returns
// "" for anything else.
func wideEncoding(data string) string {
	switch {
	case strings.HasPrefix(data, "\xFF\xFE\x00\x00"), strings.HasPrefix(data, "\x00\x00\xFE\xFF"):
		return "UTF-32"
	case strings.HasPrefix(data, "\xFF\xFE"), strings.HasPrefix(data, "\xFE\xFF"):
		return "UTF-16"
	}
	head := data[:min(len(data), 1024)]
	if len(head) < 4 {
		return ""
	}
	var zeros [2]int
	for i := range len(head) {
		if head[i] == 0 {
			zeros[i%2]++
		}
	}
	half := len(head) / 2
	// In ASCII-heavy UTF-16 text nearly every other byte is NUL and the
	// others almost never are; a binary file has NULs scattered at random.
	for side := range 2 {
		if zeros[side]*10 >= half*7 && zeros[1-side]*10 <= half {
			return "UTF-16"
		}
	}
	return ""
}

// firstInvalid returns the offset of the first byte of data that does not
// start a valid UTF-8 sequence. It returns len(data) when there is none.
func firstInvalid(data string) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRuneInString(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// looksSingleByte reports whether the invalid sequence at the start of b is
// a lone high byte — the mark of Windows-1252 or Latin-1, where "é" is the
// single byte E9 — rather than a damaged multi-byte sequence.
func looksSingleByte(b string) bool {
	if len(b) == 0 || b[0] < 0x80 {
		return false
	}
	return len(b) == 1 || b[1] < 0x80 || b[1] >= 0xC0
}

// lineAt returns the 1-based physical line holding data[i], counting CRLF,
// LF and a lone CR each as one line break.
func lineAt(data string, i int) int {
	return lineCount(data[:i]) + 1
}

// lineCount counts the line breaks in s: CRLF, LF and a lone CR each count
// once.
func lineCount(s string) int {
	return strings.Count(s, "\n") + strings.Count(s, "\r") - strings.Count(s, "\r\n")
}
