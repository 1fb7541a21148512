// Package imaging turns untrusted uploaded pictures (profile photos) into
// small, clean JPEG files. It keeps no package-level mutable state.
package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits on the declared size of an input image, checked from its header
// before any pixel memory is allocated. A few kilobytes of compressed data can
// declare a picture that needs gigabytes once decoded (a decompression bomb).
const (
	MaxSourceSide   = 10000      // pixels on either side
	MaxSourcePixels = 40_000_000 // width × height
)

// jpegQuality balances file size and fidelity for photos of faces.
const jpegQuality = 85

// Errors returned by Reencode. Their messages are written for the person
// who uploaded the file and may be shown to them as they are.
var (
	ErrNotImage = errors.New("the file is not a PNG, JPEG or WebP image")
	ErrDamaged  = errors.New("the image could not be read; the file may be damaged or incomplete")
	ErrTooLarge = errors.New("the image is too large")
)

// Result is a re-encoded image.
type Result struct {
	ContentType string // always "image/jpeg"
	Data        []byte
	Width       int
	Height      int
}

// decoder returns the decoder for format, the name under which image/png,
// image/jpeg or x/image/webp registered with the image package, and nil for
// any other format. These three are the only formats Reencode accepts: a
// decoder that some other package of the program registers (GIF, BMP, TIFF…)
// is recognised by image.DecodeConfig but never used for pixels.
func decoder(format string) func(io.Reader) (image.Image, error) {
	switch format {
	case "png":
		return png.Decode
	case "jpeg":
		return jpeg.Decode
	case "webp":
		return webp.Decode
	}
	return nil
}

// Reencode decodes data as a PNG, JPEG or WebP image (told apart by content,
// never by a claimed type or file name), scales it down with the Catmull-Rom
// kernel so that neither side exceeds maxSide while keeping the aspect ratio
// (it never scales up), turns it upright according to a JPEG's EXIF
// orientation, flattens any transparency onto white and encodes the result as
// a JPEG of quality 85.
//
// Only the pixels survive: EXIF (GPS position, camera serial numbers, dates),
// XMP, ICC profiles, comments and any data hidden after the image are all
// dropped, as is anything a crafted file might have meant for another parser.
//
// Reencode returns ErrNotImage when data is not in one of the three formats,
// ErrTooLarge (wrapped, with the sizes) when the header declares a side over
// MaxSourceSide or more than MaxSourcePixels pixels, and ErrDamaged when the
// pixels do not decode. It returns a different error when maxSide is not
// positive, which is a programming error.
func Reencode(data []byte, maxSide int) (*Result, error) {
	if maxSide < 1 {
		return nil, fmt.Errorf("imaging: maxSide must be positive, not %d", maxSide)
	}

	// DecodeConfig reads only the header, so the size limits are enforced
	// before a decoder allocates memory for the pixels.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, ErrNotImage
		}
		return nil, ErrDamaged
	}
	decode := decoder(format)
	if decode == nil {
		return nil, ErrNotImage
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}

	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, ErrDamaged
	}
	// The pixels must be what the header announced; a file whose header and
	// body disagree is not trusted further.
	if b := src.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, ErrDamaged
	}

	img := flattenAndScale(src, maxSide)
	if format == "jpeg" {
		img = orient(img, jpegOrientation(data))
	}

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("imaging: encode JPEG: %w", err)
	}
	b := img.Bounds()
	return &Result{
		ContentType: "image/jpeg",
		Data:        buf.Bytes(),
		Width:       b.Dx(),
		Height:      b.Dy(),
	}, nil
}

// checkSize returns ErrTooLarge, wrapped with a message for the uploader,
// when a w×h image exceeds the limits, and ErrDamaged when a side is empty.
func checkSize(w, h int) error {
	if w < 1 || h < 1 {
		return ErrDamaged
	}
	if w > MaxSourceSide || h > MaxSourceSide || int64(w)*int64(h) > MaxSourcePixels {
		return fmt.Errorf("%w: it is %d × %d pixels, and at most %d pixels on a side and %d megapixels in all are accepted",
			ErrTooLarge, w, h, MaxSourceSide, MaxSourcePixels/1_000_000)
	}
	return nil
}

// scaledSize returns the size of a w×h image scaled down to fit in a
// maxSide×maxSide square, keeping the aspect ratio; an image that already
// fits keeps its size.
func scaledSize(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	// Round the shorter side to the nearest pixel, but keep at least one.
	if w >= h {
		return maxSide, max(1, (h*maxSide+w/2)/w)
	}
	return max(1, (w*maxSide+h/2)/h), maxSide
}

// flattenAndScale draws src over an opaque white canvas of the scaled size,
// so that transparent and translucent pixels become white or a blend with
// white rather than the black that JPEG would otherwise show.
func flattenAndScale(src image.Image, maxSide int) *image.RGBA {
	sb := src.Bounds()
	w, h := scaledSize(sb.Dx(), sb.Dy(), maxSide)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	}
	return dst
}
