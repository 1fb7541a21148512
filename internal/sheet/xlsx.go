package sheet

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxWriter writes one worksheet through excelize's stream writer, which
// keeps the rows in a temporary file rather than in memory; the workbook
// is zipped to the output when it is closed.
type xlsxWriter struct {
	out    io.Writer
	file   *excelize.File
	stream *excelize.StreamWriter
	rows   int
	values []any
	closed bool
}

// NewXLSX returns a Writer of an XLSX workbook with one worksheet named
// sheetName (cut to what Excel allows) to w. Nothing reaches w before
// Close: the workbook is a zip file whose index comes last.
func NewXLSX(w io.Writer, sheetName string) (Writer, error) {
	f := excelize.NewFile()
	name := sheetTitle(sheetName)
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		_ = f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &xlsxWriter{out: w, file: f, stream: sw}, nil
}

// Format reports XLSX.
func (x *xlsxWriter) Format() Format { return XLSX }

// WriteRow writes one row, each cell neutralised and stored as text, so
// that nothing in it is ever evaluated or turned into a number or a date.
// A worksheet holds at most 1,048,576 rows; more is an error.
func (x *xlsxWriter) WriteRow(cells []string) error {
	if x.rows >= excelize.TotalRows {
		return fmt.Errorf("an XLSX worksheet holds at most %d rows; export as CSV or narrow the filter", excelize.TotalRows)
	}
	x.rows++
	x.values = x.values[:0]
	for _, s := range cells {
		x.values = append(x.values, Neutralise(s))
	}
	cell, err := excelize.CoordinatesToCellName(1, x.rows)
	if err != nil {
		return err
	}
	return x.stream.SetRow(cell, x.values)
}

// Close finishes the worksheet, writes the workbook to the output and
// removes the temporary file.
func (x *xlsxWriter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	err := x.stream.Flush()
	if err == nil {
		// excelize would build the whole zip in a buffer before writing it
		// out (hundreds of megabytes for a million rows); its zip writer
		// hook lets the archive go straight to the output instead, and the
		// buffer it returns stays empty. The fastest compression keeps the
		// time to zip a large sheet close to the time to write it.
		x.file.SetZipWriter(func(io.Writer) excelize.ZipWriter {
			zw := zip.NewWriter(x.out)
			zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
				return flate.NewWriter(w, flate.BestSpeed)
			})
			return zw
		})
		_, err = x.file.WriteToBuffer()
	}
	if cerr := x.file.Close(); err == nil {
		err = cerr
	}
	return err
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
