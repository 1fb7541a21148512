package sheet

import (
	"encoding/csv"
	"io"
)

// bom is the UTF-8 byte-order mark. Excel reads a CSV file without it in
// the machine's legacy code page and garbles every accented name.
const bom = "\uFEFF"

// csvWriter writes comma-separated values with CRLF line ends, the form
// RFC 4180 and Excel expect.
type csvWriter struct {
	out     io.Writer
	cw      *csv.Writer
	started bool
	row     []string
}

// NewCSV returns a Writer of UTF-8 CSV to w, with a byte-order mark so
// that Excel opens it right. Nothing reaches w before the first row, so a
// caller may still answer with an error until then.
func NewCSV(w io.Writer) Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{out: w, cw: cw}
}

// Format reports CSV.
func (c *csvWriter) Format() Format { return CSV }

// WriteRow writes one row, each cell neutralised.
func (c *csvWriter) WriteRow(cells []string) error {
	if !c.started {
		c.started = true
		if _, err := io.WriteString(c.out, bom); err != nil {
			return err
		}
	}
	c.row = c.row[:0]
	for _, s := range cells {
		c.row = append(c.row, Neutralise(s))
	}
	return c.cw.Write(c.row)
}

// Close writes out what is buffered. A file without any row is empty,
// without even the byte-order mark.
func (c *csvWriter) Close() error {
	c.cw.Flush()
	return c.cw.Error()
}
