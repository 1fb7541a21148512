package sheet

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxXLSXRows is how many rows a worksheet holds (Excel's limit).
const MaxXLSXRows = 1 << 20

// xlsxWriter writes a workbook of one worksheet as a stream: the
// worksheet's XML is compressed into the zip file as the rows come, by a
// goroutine of its own, so that compressing overlaps making the rows and
// memory stays flat whatever the size. Every cell is an inline string.
type xlsxWriter struct {
	out     io.Writer
	name    string
	started bool
	closed  bool
	rows    int
	cols    []string // column letters by index
	xml     *bufio.Writer
	pipe    *chunkPipe
	done    chan error
	zw      *zip.Writer
	num     []byte
	// finished and finishErr make finish idempotent.
	finished  bool
	finishErr error
}

// NewXLSX returns a Writer of an XLSX workbook with one worksheet named
// sheetName (cut to what Excel allows) to w. Nothing reaches w before the
// first row (or Close, for a workbook without rows), so that an error
// found before any row can still be answered as such.
func NewXLSX(w io.Writer, sheetName string) (Writer, error) {
	return &xlsxWriter{out: w, name: sheetTitle(sheetName)}, nil
}

// Format reports XLSX.
func (x *xlsxWriter) Format() Format { return XLSX }

// The fixed parts of the workbook (ECMA-376 part 1): the content types,
// the package and workbook relationships, a minimal style sheet, and the
// workbook that names the one worksheet.
const (
	xlsxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	xlsxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	xlsxWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`
	xlsxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
	xlsxSheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	xlsxSheetEnd = `</sheetData></worksheet>`
)

func xlsxWorkbook(name string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="` + escapeXML(name) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`
}

// start writes the fixed parts and opens the worksheet, whose bytes a
// goroutine compresses from then on.
func (x *xlsxWriter) start() error {
	x.started = true
	x.zw = zip.NewWriter(x.out)
	x.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", xlsxContentTypes}, {"_rels/.rels", xlsxRels},
		{"xl/workbook.xml", xlsxWorkbook(x.name)}, {"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
		{"xl/styles.xml", xlsxStyles},
	} {
		w, err := x.zw.Create(part.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, part.body); err != nil {
			return err
		}
	}
	sheet, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	x.pipe = newChunkPipe()
	x.done = make(chan error, 1)
	go func() { x.done <- x.pipe.drain(sheet) }()
	x.xml = bufio.NewWriterSize(x.pipe, chunkSize)
	_, err = x.xml.WriteString(xlsxSheetStart)
	return err
}

// WriteRow writes one row, each cell neutralised and stored as text, so
// that nothing in it is ever evaluated or turned into a number or a date.
// A worksheet holds at most 1,048,576 rows; more is an error.
func (x *xlsxWriter) WriteRow(cells []string) error {
	if x.closed {
		return errors.New("the workbook is closed")
	}
	if x.rows >= MaxXLSXRows {
		return fmt.Errorf("an XLSX worksheet holds at most %d rows; export as CSV or narrow the filter", MaxXLSXRows)
	}
	if !x.started {
		if err := x.start(); err != nil {
			return err
		}
	}
	x.rows++
	x.num = strconv.AppendInt(x.num[:0], int64(x.rows), 10)
	b := x.xml
	b.WriteString(`<row r="`)
	b.Write(x.num)
	b.WriteString(`">`)
	for i, s := range cells {
		for len(x.cols) <= i {
			x.cols = append(x.cols, columnName(len(x.cols)))
		}
		if s == "" {
			continue
		}
		b.WriteString(`<c r="`)
		b.WriteString(x.cols[i])
		b.Write(x.num)
		b.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
		writeText(b, Neutralise(s))
		b.WriteString(`</t></is></c>`)
	}
	_, err := b.WriteString(`</row>`)
	if err == nil && x.pipe.failed() {
		// The output failed; Close says how.
		err = errors.New("writing the workbook failed")
	}
	return err
}

// finish closes the worksheet and waits for its compression; it returns
// the first error of either.
func (x *xlsxWriter) finish() error {
	if x.finished {
		return x.finishErr
	}
	x.finished = true
	_, err := x.xml.WriteString(xlsxSheetEnd)
	if ferr := x.xml.Flush(); err == nil {
		err = ferr
	}
	x.pipe.close()
	if derr := <-x.done; derr != nil {
		err = derr
	}
	x.finishErr = err
	return err
}

// Close finishes the workbook; one without rows still gets its parts.
func (x *xlsxWriter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	if !x.started {
		if err := x.start(); err != nil {
			return err
		}
	}
	err := x.finish()
	if cerr := x.zw.Close(); err == nil {
		err = cerr
	}
	return err
}

// columnName is the letters of the column at index i (0 = A, 26 = AA).
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

// writeText writes s as XML character data: markup characters escaped,
// carriage returns kept as references, and what XML 1.0 cannot hold
// (other control characters, invalid UTF-8) written as U+FFFD.
func writeText(b *bufio.Writer, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' {
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < utf8.RuneSelf && s[j] != '&' && s[j] != '<' && s[j] != '>' {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#13;")
		case r == '\t' || r == '\n':
			b.WriteByte(byte(r))
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r == utf8.RuneError && size == 1):
			b.WriteString("\uFFFD")
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

func escapeXML(s string) string {
	var sb strings.Builder
	bw := bufio.NewWriter(&sb)
	writeText(bw, s)
	_ = bw.Flush()
	return strings.ReplaceAll(sb.String(), `"`, "&quot;")
}

// sheetTitle makes name a valid worksheet name: Excel refuses the
// characters : \ / ? * [ ] and names longer than 31 characters, and an
// empty one.
func sheetTitle(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	name = strings.Trim(name, "'")
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if name == "" {
		return "Sheet1"
	}
	return name
}

// chunkSize is the size of the pieces the worksheet's XML travels in.
const chunkSize = 256 << 10

// chunkPipe hands the bytes written to it, in chunks, to a goroutine that
// drains them into a writer; a few chunks may wait, so that neither side
// waits on the other for every chunk. Once the drain fails, writes are
// dropped and failed reports it.
type chunkPipe struct {
	full chan []byte
	free chan []byte
	err  chan struct{}
}

func newChunkPipe() *chunkPipe {
	p := &chunkPipe{full: make(chan []byte, 4), free: make(chan []byte, 5), err: make(chan struct{})}
	for range 5 {
		p.free <- make([]byte, 0, chunkSize)
	}
	return p
}

// Write copies b into a free chunk and queues it.
func (p *chunkPipe) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		var c []byte
		select {
		case c = <-p.free:
		case <-p.err:
			return n, nil
		}
		k := min(len(b), chunkSize)
		c = append(c[:0], b[:k]...)
		b = b[k:]
		select {
		case p.full <- c:
		case <-p.err:
			return n, nil
		}
	}
	return n, nil
}

func (p *chunkPipe) failed() bool {
	select {
	case <-p.err:
		return true
	default:
		return false
	}
}

// close ends the stream: drain returns after the chunks queued.
func (p *chunkPipe) close() { close(p.full) }

// drain writes every chunk to w until the stream ends, and returns the
// first error of w (after which it only discards).
func (p *chunkPipe) drain(w io.Writer) error {
	var err error
	for c := range p.full {
		if err == nil {
			if _, err = w.Write(c); err != nil {
				close(p.err)
			}
		}
		p.free <- c
	}
	return err
}
