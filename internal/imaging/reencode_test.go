package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif" // registers GIF with the image package, which must not matter
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"
)

// decodeResult checks that r is a well-formed JPEG result and returns its
// decoded pixels.
func decodeResult(t *testing.T, r *Result) image.Image {
	t.Helper()
	if r.ContentType != "image/jpeg" {
		t.Fatalf("ContentType = %q, want image/jpeg", r.ContentType)
	}
	if !bytes.HasPrefix(r.Data, []byte{0xFF, 0xD8, 0xFF}) {
		t.Fatalf("Data does not start with a JPEG SOI marker: % x", r.Data[:min(8, len(r.Data))])
	}
	img, err := jpeg.Decode(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("output does not decode as JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != r.Width || b.Dy() != r.Height {
		t.Fatalf("decoded size %dx%d, Result says %dx%d", b.Dx(), b.Dy(), r.Width, r.Height)
	}
	return img
}

func TestReencodeFormats(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		w, h int
	}{
		{"png", encodePNG(t, gradient(120, 80)), 120, 80},
		{"jpeg", encodeJPEG(t, gradient(120, 80)), 120, 80},
		{"paletted png", encodePNG(t, image.NewPaletted(image.Rect(0, 0, 30, 20), color.Palette{white, red})), 30, 20},
		{"grey png", encodePNG(t, image.NewGray16(image.Rect(0, 0, 30, 20))), 30, 20},
		{"webp 1x1", webpSolid(1, 1, green), 1, 1},
		{"webp 40x24", webpSolid(40, 24, green), 40, 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Reencode(tt.data, 512)
			if err != nil {
				t.Fatalf("Reencode: %v", err)
			}
			decodeResult(t, r)
			if r.Width != tt.w || r.Height != tt.h {
				t.Fatalf("size %dx%d, want %dx%d (never enlarged)", r.Width, r.Height, tt.w, tt.h)
			}
		})
	}
}

func TestReencodeWebPColour(t *testing.T) {
	want := color.NRGBA{R: 200, G: 60, B: 20, A: 255}
	r, err := Reencode(webpSolid(16, 16, want), 256)
	if err != nil {
		t.Fatal(err)
	}
	img := decodeResult(t, r)
	if got := img.At(8, 8); !near(got, want, 8) {
		t.Fatalf("pixel = %v, want about %v", got, want)
	}
}

func TestReencodeScalesDown(t *testing.T) {
	tests := []struct {
		name    string
		w, h    int
		maxSide int
		jpeg    bool
		wantW   int
		wantH   int
	}{
		{"landscape 3:1", 3000, 1000, 600, false, 600, 200},
		{"landscape rounding", 3000, 1000, 512, false, 512, 171},
		{"portrait jpeg", 1000, 3000, 300, true, 100, 300},
		{"square", 800, 800, 256, true, 256, 256},
		{"one side too long", 300, 100, 200, false, 200, 67},
		{"sliver keeps a pixel", 2000, 1, 100, false, 100, 1},
		{"exactly maxSide", 256, 100, 256, false, 256, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.jpeg {
				data = encodeJPEG(t, gradient(tt.w, tt.h))
			} else {
				data = encodePNG(t, gradient(tt.w, tt.h))
			}
			r, err := Reencode(data, tt.maxSide)
			if err != nil {
				t.Fatalf("Reencode: %v", err)
			}
			decodeResult(t, r)
			if r.Width != tt.wantW || r.Height != tt.wantH {
				t.Fatalf("size %dx%d, want %dx%d", r.Width, r.Height, tt.wantW, tt.wantH)
			}
			if r.Width > tt.maxSide || r.Height > tt.maxSide {
				t.Fatalf("size %dx%d exceeds maxSide %d", r.Width, r.Height, tt.maxSide)
			}
		})
	}
}

func TestReencodeKeepsContent(t *testing.T) {
	// A scaled picture must still look like its source: check the middle of
	// each quadrant after halving a 400x200 image.
	r, err := Reencode(encodePNG(t, quadrants(400, 200)), 200)
	if err != nil {
		t.Fatal(err)
	}
	img := decodeResult(t, r)
	if r.Width != 200 || r.Height != 100 {
		t.Fatalf("size %dx%d, want 200x100", r.Width, r.Height)
	}
	checkQuadrants(t, img, [4]color.NRGBA{red, green, blue, black})
}

// checkQuadrants checks the colour at the centre of each quadrant of img:
// top-left, top-right, bottom-left, bottom-right.
func checkQuadrants(t *testing.T, img image.Image, want [4]color.NRGBA) {
	t.Helper()
	b := img.Bounds()
	xs := [2]int{b.Min.X + b.Dx()/4, b.Min.X + 3*b.Dx()/4}
	ys := [2]int{b.Min.Y + b.Dy()/4, b.Min.Y + 3*b.Dy()/4}
	for i, w := range want {
		x, y := xs[i%2], ys[i/2]
		if got := img.At(x, y); !near(got, w, 40) {
			t.Errorf("pixel (%d,%d) = %v, want about %v", x, y, got, w)
		}
	}
}

func TestReencodeFlattensOntoWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			c := color.NRGBA{} // fully transparent (and black underneath)
			if x >= 32 {
				c = color.NRGBA{R: 255, A: 128} // half-transparent red
			}
			img.SetNRGBA(x, y, c)
		}
	}
	pink := color.NRGBA{R: 255, G: 127, B: 127, A: 255}
	for _, tt := range []struct {
		name    string
		data    []byte
		maxSide int
	}{
		{"png kept size", encodePNG(t, img), 100},
		{"png scaled", encodePNG(t, img), 32},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Reencode(tt.data, tt.maxSide)
			if err != nil {
				t.Fatal(err)
			}
			out := decodeResult(t, r)
			b := out.Bounds()
			if got := out.At(b.Dx()/4, b.Dy()/2); !near(got, white, 6) {
				t.Errorf("transparent area = %v, want white", got)
			}
			if got := out.At(3*b.Dx()/4, b.Dy()/2); !near(got, pink, 10) {
				t.Errorf("half-transparent red area = %v, want about %v", got, pink)
			}
		})
	}

	t.Run("webp transparent", func(t *testing.T) {
		r, err := Reencode(webpSolid(8, 8, color.NRGBA{R: 10, G: 20, B: 30, A: 0}), 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeResult(t, r).At(4, 4); !near(got, white, 6) {
			t.Errorf("transparent WebP pixel = %v, want white", got)
		}
	})
}

func TestReencodeDropsMetadata(t *testing.T) {
	const secret = "GPS 48.8584N 2.2945E serial 0xC0FFEE"
	jpg := withSegment(encodeJPEG(t, gradient(64, 48)), exifSegment(1, binary.BigEndian, secret))
	pngData := insertPNGChunk(t, encodePNG(t, gradient(64, 48)), "tEXt", []byte("Comment\x00"+secret))
	trailer := append(encodePNG(t, gradient(64, 48)), secret...) // data smuggled after IEND
	for name, data := range map[string][]byte{"jpeg exif": jpg, "png text": pngData, "png trailer": trailer} {
		r, err := Reencode(data, 512)
		if err != nil {
			t.Fatalf("%s: Reencode: %v", name, err)
		}
		decodeResult(t, r)
		for _, leak := range []string{secret, "Exif", "tEXt"} {
			if bytes.Contains(r.Data, []byte(leak)) {
				t.Errorf("%s: output still contains %q", name, leak)
			}
		}
	}
}

func TestReencodeRefusesNonImages(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, gradient(16, 16), nil); err != nil {
		t.Fatal(err)
	}
	validPNG := encodePNG(t, gradient(64, 64))
	validJPEG := encodeJPEG(t, gradient(64, 64))
	corruptPNG := append([]byte(nil), validPNG...)
	corruptPNG[len(corruptPNG)-20] ^= 0xFF // inside the last IDAT: CRC mismatch

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"nil", nil, ErrNotImage},
		{"empty", []byte{}, ErrNotImage},
		{"text", []byte("Hello, this is my CV in plain text.\n"), ErrNotImage},
		{"html", []byte("<!doctype html><script>alert(1)</script>"), ErrNotImage},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), ErrNotImage},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), ErrNotImage},
		{"garbage", bytes.Repeat([]byte{0xDE, 0xAD, 0xBE, 0xEF}, 64), ErrNotImage},
		{"gif", gifBuf.Bytes(), ErrNotImage},
		{"bmp", append([]byte("BM"), make([]byte, 64)...), ErrNotImage},
		{"riff wave", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), ErrNotImage},
		{"png signature only", validPNG[:8], ErrDamaged},
		{"truncated png", validPNG[:len(validPNG)/2], ErrDamaged},
		{"png without IEND", validPNG[:len(validPNG)-12], ErrDamaged},
		{"corrupt png", corruptPNG, ErrDamaged},
		{"jpeg magic then garbage", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, 64)...), ErrDamaged},
		{"truncated jpeg header", validJPEG[:40], ErrDamaged},
		{"truncated jpeg data", validJPEG[:len(validJPEG)/2], ErrDamaged},
		{"webp garbage", riffWebP("VP8L", []byte{0x2f, 1, 2, 3, 4, 5, 6}), ErrDamaged},
		{"truncated webp", webpCanvasOnly(1, 1)[:20], ErrDamaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Reencode(tt.data, 256)
			if err == nil {
				t.Fatalf("Reencode accepted it: %dx%d", r.Width, r.Height)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Reencode error = %q, want %q", err, tt.want)
			}
			// The message goes to the uploader: no decoder jargon.
			if err.Error() != tt.want.Error() {
				t.Fatalf("Reencode error message = %q, want exactly %q", err, tt.want)
			}
		})
	}
}

func TestReencodeRefusesHugeImages(t *testing.T) {
	small := encodeJPEG(t, gradient(16, 16))
	tests := []struct {
		name string
		data []byte
	}{
		{"png 20000x20000", pngBomb(t, 20000, 20000)},
		{"png 10001 wide", pngBomb(t, 10001, 1)},
		{"png 10001 tall", pngBomb(t, 1, 10001)},
		{"png 48 megapixels", pngBomb(t, 8000, 6000)},
		{"jpeg 20000x20000", setJPEGSize(t, small, 20000, 20000)},
		{"jpeg 65535x65535", setJPEGSize(t, small, 65535, 65535)},
		{"webp lossless 16384x16384", webpSolid(16384, 16384, red)},
		{"webp canvas 20000x20000", webpCanvasOnly(20000, 20000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Reencode(tt.data, 256)
			runtime.ReadMemStats(&after)
			// Refused from the header alone: nothing near the size of the
			// declared pixels (hundreds of megabytes) was allocated.
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("Reencode allocated %d bytes before refusing", n)
			}
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Reencode error = %v, want ErrTooLarge", err)
			}
			if !strings.HasPrefix(err.Error(), "the image is too large: it is ") {
				t.Errorf("error message %q is not the uploader-facing one", err)
			}
		})
	}
}

func TestReencodeRefusesOverflowingSize(t *testing.T) {
	// image/png itself refuses sizes whose byte count overflows; either way
	// the file is refused before any pixel is allocated.
	_, err := Reencode(pngBomb(t, 1<<31-1, 1<<31-1), 256)
	if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Reencode error = %v, want ErrDamaged or ErrTooLarge", err)
	}
}

func TestCheckSize(t *testing.T) {
	tests := []struct {
		w, h int
		want error
	}{
		{1, 1, nil},
		{10000, 4000, nil}, // exactly 40 megapixels
		{4000, 10000, nil},
		{6324, 6324, nil},
		{10000, 4001, ErrTooLarge},
		{6325, 6325, ErrTooLarge},
		{10001, 1, ErrTooLarge},
		{1, 10001, ErrTooLarge},
		{0, 10, ErrDamaged},
		{10, 0, ErrDamaged},
		{-1, 10, ErrDamaged},
	}
	for _, tt := range tests {
		if err := checkSize(tt.w, tt.h); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("checkSize(%d, %d) = %v, want %v", tt.w, tt.h, err, tt.want)
		}
	}
}

func TestScaledSize(t *testing.T) {
	tests := []struct{ w, h, maxSide, wantW, wantH int }{
		{3000, 1000, 1000, 1000, 333},
		{1000, 3000, 1000, 333, 1000},
		{1001, 999, 100, 100, 100},
		{10000, 1, 100, 100, 1},
		{1, 10000, 100, 1, 100},
		{10, 10, 100, 10, 10},
		{10000, 10000, 1, 1, 1},
	}
	for _, tt := range tests {
		w, h := scaledSize(tt.w, tt.h, tt.maxSide)
		if w != tt.wantW || h != tt.wantH {
			t.Errorf("scaledSize(%d, %d, %d) = %d, %d; want %d, %d", tt.w, tt.h, tt.maxSide, w, h, tt.wantW, tt.wantH)
		}
	}
}

func TestReencodeBadMaxSide(t *testing.T) {
	data := encodePNG(t, gradient(8, 8))
	for _, maxSide := range []int{0, -1} {
		if _, err := Reencode(data, maxSide); err == nil {
			t.Errorf("Reencode(maxSide %d) succeeded", maxSide)
		}
	}
}

// FuzzReencode checks that no input makes Reencode panic, that every error
// is one of the uploader-facing ones, and that every success is a JPEG
// within maxSide.
func FuzzReencode(f *testing.F) {
	var pngSeed, jpegSeed bytes.Buffer
	if err := png.Encode(&pngSeed, quadrants(6, 4)); err != nil {
		f.Fatal(err)
	}
	if err := jpeg.Encode(&jpegSeed, quadrants(40, 8), nil); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		pngSeed.Bytes(),
		jpegSeed.Bytes(),
		webpSolid(3, 2, red),
		webpSolid(2, 2, color.NRGBA{G: 9, A: 7}),
		[]byte("\x89PNG\r\n\x1a\n"),
		{0xFF, 0xD8, 0xFF, 0xD9},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxSide = 32
		r, err := Reencode(data, maxSide)
		if err != nil {
			if !errors.Is(err, ErrNotImage) && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		img := decodeResult(t, r)
		if b := img.Bounds(); b.Dx() > maxSide || b.Dy() > maxSide {
			t.Fatalf("output %v exceeds %d", b, maxSide)
		}
	})
}
