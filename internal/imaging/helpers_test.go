package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// This file builds test inputs in memory: PNG and JPEG through the standard
// library, WebP and hostile headers by hand.

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatalf("jpeg.Encode: %v", err)
	}
	return buf.Bytes()
}

// gradient returns an opaque w×h image whose colour varies smoothly, so that
// it compresses like a photo rather than like a flat fill.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 128, A: 255})
		}
	}
	return img
}

// Quadrant colours: top-left, top-right, bottom-left, bottom-right.
var (
	red   = color.NRGBA{R: 255, A: 255}
	green = color.NRGBA{G: 255, A: 255}
	blue  = color.NRGBA{B: 255, A: 255}
	black = color.NRGBA{A: 255}
	white = color.NRGBA{R: 255, G: 255, B: 255, A: 255}
)

// quadrants returns a w×h image split into four flat quadrants: red, green
// on top, blue, black below.
func quadrants(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = black
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// near reports whether got is within tol of want on each of R, G and B.
func near(got color.Color, want color.NRGBA, tol int) bool {
	r, g, b, _ := got.RGBA()
	d := func(a uint32, b uint8) bool {
		diff := int(a>>8) - int(b)
		return -tol <= diff && diff <= tol
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// pngChunk returns one PNG chunk: length, type, data and CRC.
func pngChunk(typ string, data []byte) []byte {
	var c []byte
	c = binary.BigEndian.AppendUint32(c, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngBomb returns a PNG of a few dozen bytes that declares a w×h RGBA image:
// a signature, an IHDR chunk, an IDAT chunk with a kilobyte of compressed
// zeros (so a decoder goes on to allocate the pixels) and an IEND chunk.
func pngBomb(t *testing.T, w, h uint32) []byte {
	t.Helper()
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // depth 8, RGBA, deflate, no filter, no interlace
	var idat bytes.Buffer
	zw := zlib.NewWriter(&idat)
	if _, err := zw.Write(make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", idat.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}

// insertPNGChunk returns a PNG with an extra chunk placed right after IHDR.
func insertPNGChunk(t *testing.T, data []byte, typ string, payload []byte) []byte {
	t.Helper()
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	if len(data) < afterIHDR || string(data[12:16]) != "IHDR" {
		t.Fatal("not a PNG starting with IHDR")
	}
	out := append([]byte(nil), data[:afterIHDR]...)
	out = append(out, pngChunk(typ, payload)...)
	return append(out, data[afterIHDR:]...)
}

// setJPEGSize rewrites the dimensions in a JPEG's baseline frame header.
func setJPEGSize(t *testing.T, data []byte, w, h uint16) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	for pos := 2; pos+9 <= len(out) && out[pos] == 0xFF; {
		marker := out[pos+1]
		if marker == 0xC0 {
			binary.BigEndian.PutUint16(out[pos+5:], h)
			binary.BigEndian.PutUint16(out[pos+7:], w)
			return out
		}
		pos += 2 + int(binary.BigEndian.Uint16(out[pos+2:]))
	}
	t.Fatal("no SOF0 segment found")
	return nil
}

// exifSegment returns an APP1 segment whose TIFF structure holds IFD0 with
// an ImageDescription (carrying extra, to stand in for private metadata)
// and an Orientation of o, in the given byte order.
func exifSegment(o uint16, order binary.AppendByteOrder, extra string) []byte {
	var tiff []byte
	if order.String() == binary.LittleEndian.String() {
		tiff = append(tiff, "II"...)
	} else {
		tiff = append(tiff, "MM"...)
	}
	tiff = order.AppendUint16(tiff, 42)
	tiff = order.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = order.AppendUint16(tiff, 2) // two entries
	descOffset := uint32(8 + 2 + 2*12 + 4)
	// ImageDescription (270), ASCII (2), stored after the IFD.
	tiff = order.AppendUint16(tiff, 270)
	tiff = order.AppendUint16(tiff, 2)
	tiff = order.AppendUint32(tiff, uint32(len(extra)+1))
	tiff = order.AppendUint32(tiff, descOffset)
	// Orientation (274), SHORT (3), count 1, value left-justified.
	tiff = order.AppendUint16(tiff, 274)
	tiff = order.AppendUint16(tiff, 3)
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, o)
	tiff = order.AppendUint16(tiff, 0)
	tiff = order.AppendUint32(tiff, 0) // no next IFD
	tiff = append(tiff, extra...)
	tiff = append(tiff, 0)

	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	return append(seg, payload...)
}

// withSegment inserts a JPEG segment right after the SOI marker.
func withSegment(data, seg []byte) []byte {
	out := append([]byte(nil), data[:2]...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

// bitWriter packs values least-significant bit first, as VP8L reads them.
type bitWriter struct {
	buf   []byte
	nBits uint
}

func (b *bitWriter) write(v uint32, n uint) {
	for i := range n {
		if b.nBits%8 == 0 {
			b.buf = append(b.buf, 0)
		}
		if v>>i&1 != 0 {
			b.buf[len(b.buf)-1] |= 1 << (b.nBits % 8)
		}
		b.nBits++
	}
}

// webpSolid returns a lossless WebP (a VP8L bitstream in a RIFF container)
// of w×h pixels, all of colour c, with 1 ≤ w, h ≤ 16384.
//
// The bitstream needs no pixel data: with no transforms, no colour cache and
// one group of prefix codes, each of the five codes (green, red, blue, alpha,
// distance) is a "simple" code with a single symbol, which takes zero bits
// to read, so every pixel decodes to the same literal colour.
func webpSolid(w, h int, c color.NRGBA) []byte {
	var b bitWriter
	b.write(0x2f, 8) // VP8L signature
	b.write(uint32(w-1), 14)
	b.write(uint32(h-1), 14)
	alpha := uint32(0)
	if c.A != 255 {
		alpha = 1
	}
	b.write(alpha, 1) // alpha_is_used hint
	b.write(0, 3)     // version
	b.write(0, 1)     // no transform
	b.write(0, 1)     // no colour cache
	b.write(0, 1)     // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		b.write(1, 1) // simple code
		b.write(0, 1) // one symbol
		b.write(1, 1) // the symbol takes 8 bits
		b.write(uint32(sym), 8)
	}
	return riffWebP("VP8L", b.buf)
}

// webpCanvasOnly returns a WebP holding only a VP8X chunk that declares a
// w×h canvas.
func webpCanvasOnly(w, h uint32) []byte {
	var x []byte
	x = append(x, 0, 0, 0, 0) // flags and reserved bytes
	x = append(x, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	x = append(x, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return riffWebP("VP8X", x)
}

func riffWebP(fourCC string, chunk []byte) []byte {
	body := []byte("WEBP")
	body = append(body, fourCC...)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(chunk)))
	body = append(body, chunk...)
	if len(chunk)%2 == 1 {
		body = append(body, 0) // chunks are padded to an even length
	}
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}
