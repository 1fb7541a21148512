package imaging

import (
	"encoding/binary"
	"fmt"
	"image/color"
	"testing"
)

func TestReencodeAppliesEXIFOrientation(t *testing.T) {
	// The stored picture is 64x32: red, green on top; blue, black below.
	// Each case says what an upright viewer shows, worked out by hand from
	// the EXIF definition of the orientation.
	r, g, b, k := red, green, blue, black
	tests := []struct {
		o    uint16
		want [4]color.NRGBA // top-left, top-right, bottom-left, bottom-right
	}{
		{1, [4]color.NRGBA{r, g, b, k}},
		{2, [4]color.NRGBA{g, r, k, b}}, // mirrored left-right
		{3, [4]color.NRGBA{k, b, g, r}}, // upside down
		{4, [4]color.NRGBA{b, k, r, g}}, // mirrored top-bottom
		{5, [4]color.NRGBA{r, b, g, k}}, // transposed
		{6, [4]color.NRGBA{b, r, k, g}}, // turned clockwise
		{7, [4]color.NRGBA{k, g, b, r}}, // transversed
		{8, [4]color.NRGBA{g, k, r, b}}, // turned counter-clockwise
	}
	src := encodeJPEG(t, quadrants(64, 32))
	for _, tt := range tests {
		for _, order := range []binary.AppendByteOrder{binary.BigEndian, binary.LittleEndian} {
			t.Run(fmt.Sprintf("%d %v", tt.o, order), func(t *testing.T) {
				res, err := Reencode(withSegment(src, exifSegment(tt.o, order, "camera")), 512)
				if err != nil {
					t.Fatal(err)
				}
				wantW, wantH := 64, 32
				if tt.o >= 5 {
					wantW, wantH = 32, 64
				}
				if res.Width != wantW || res.Height != wantH {
					t.Fatalf("size %dx%d, want %dx%d", res.Width, res.Height, wantW, wantH)
				}
				checkQuadrants(t, decodeResult(t, res), tt.want)
			})
		}
	}

	// Scaling and turning combine: the long side ends up vertical and
	// within maxSide.
	res, err := Reencode(withSegment(src, exifSegment(6, binary.BigEndian, "")), 16)
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 8 || res.Height != 16 {
		t.Fatalf("scaled and turned size %dx%d, want 8x16", res.Width, res.Height)
	}
}

func TestJPEGOrientationMalformed(t *testing.T) {
	good := withSegment([]byte{0xFF, 0xD8, 0xFF, 0xD9}, exifSegment(6, binary.BigEndian, "x"))
	if got := jpegOrientation(good); got != 6 {
		t.Fatalf("jpegOrientation(good) = %d, want 6", got)
	}
	patched := func(f func([]byte)) []byte {
		c := append([]byte(nil), good...)
		f(c)
		return c
	}
	// Offsets into good: SOI (2), APP1 marker and length (4), "Exif\0\0"
	// (6), so the TIFF header starts at 12 and IFD0 at 20.
	const tiff = 12
	tests := map[string][]byte{
		"empty":             nil,
		"not jpeg":          []byte("hello"),
		"soi only":          {0xFF, 0xD8},
		"truncated segment": good[:20],
		"length past end":   patched(func(c []byte) { binary.BigEndian.PutUint16(c[4:], 0xFFFF) }),
		"length below 2":    patched(func(c []byte) { binary.BigEndian.PutUint16(c[4:], 1) }),
		"not exif":          patched(func(c []byte) { copy(c[6:], "Exix") }),
		"bad byte order":    patched(func(c []byte) { copy(c[tiff:], "XX") }),
		"bad magic":         patched(func(c []byte) { c[tiff+3] = 43 }),
		"ifd past end":      patched(func(c []byte) { binary.BigEndian.PutUint32(c[tiff+4:], 0xFFFFFFF0) }),
		"runs off the end": patched(func(c []byte) {
			binary.BigEndian.PutUint16(c[tiff+8:], 0xFFFF) // entry count
			binary.BigEndian.PutUint16(c[tiff+10+12:], 1)  // no Orientation tag
		}),
		"orientation zero": patched(func(c []byte) { binary.BigEndian.PutUint16(c[tiff+10+12+8:], 0) }),
		"orientation nine": patched(func(c []byte) { binary.BigEndian.PutUint16(c[tiff+10+12+8:], 9) }),
		"wrong type":       patched(func(c []byte) { binary.BigEndian.PutUint16(c[tiff+10+12+2:], 4) }),
		"scan before exif": append([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2}, good[2:]...),
		"no marker":        append([]byte{0xFF, 0xD8, 0x00}, good[2:]...),
	}
	for name, data := range tests {
		if got := jpegOrientation(data); got != orientNormal {
			t.Errorf("%s: jpegOrientation = %d, want %d", name, got, orientNormal)
		}
	}
}

// FuzzJPEGOrientation checks that no input makes the EXIF reader panic or
// return an orientation outside 1..8.
func FuzzJPEGOrientation(f *testing.F) {
	f.Add(withSegment([]byte{0xFF, 0xD8, 0xFF, 0xD9}, exifSegment(6, binary.BigEndian, "x")))
	f.Add(withSegment([]byte{0xFF, 0xD8, 0xFF, 0xD9}, exifSegment(3, binary.LittleEndian, "")))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFF, 0xD0, 0xFF, 0xE1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := jpegOrientation(data); o < orientNormal || o > orientRotate90CC {
			t.Fatalf("jpegOrientation = %d", o)
		}
	})
}
