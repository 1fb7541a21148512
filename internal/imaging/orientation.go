package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
)

// Phones store photos as the sensor saw them and record in the EXIF
// Orientation tag how to turn them for display. Re-encoding drops EXIF, so
// the turn is applied to the pixels instead; otherwise portrait photos would
// come out lying on their side.

// The EXIF Orientation values (TIFF tag 274): how the stored image must be
// transformed to be shown upright.
const (
	orientNormal     = 1
	orientFlipH      = 2 // mirror left-right
	orientRotate180  = 3
	orientFlipV      = 4 // mirror top-bottom
	orientTranspose  = 5 // mirror across the top-left to bottom-right diagonal
	orientRotate90CW = 6
	orientTransverse = 7 // mirror across the top-right to bottom-left diagonal
	orientRotate90CC = 8 // 90° counter-clockwise
)

// jpegOrientation returns the EXIF Orientation of a JPEG file, or
// orientNormal when there is none or the metadata is malformed. It reads the
// APP1 "Exif" segments before the image data and never reads out of bounds,
// whatever data holds.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return orientNormal
	}
	pos := 2
	for pos+4 <= len(data) {
		if data[pos] != 0xFF {
			return orientNormal
		}
		marker := data[pos+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			pos++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			pos += 2
			continue
		case marker == 0xD9 || marker == 0xDA: // end of image, start of scan
			return orientNormal
		}
		n := int(binary.BigEndian.Uint16(data[pos+2:]))
		end := pos + 2 + n
		if n < 2 || end > len(data) {
			return orientNormal
		}
		if marker == 0xE1 {
			if o, ok := exifOrientation(data[pos+4 : end]); ok {
				return o
			}
		}
		pos = end
	}
	return orientNormal
}

// exifOrientation reads the Orientation tag from IFD0 of an APP1 segment's
// payload. It reports false when the payload is not EXIF or has no valid
// Orientation.
func exifOrientation(seg []byte) (int, bool) {
	tiff, ok := bytes.CutPrefix(seg, []byte("Exif\x00\x00"))
	if !ok || len(tiff) < 8 {
		return 0, false
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0, false
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 0, false
	}
	ifd := uint64(order.Uint32(tiff[4:]))
	if ifd+2 > uint64(len(tiff)) {
		return 0, false
	}
	count := uint64(order.Uint16(tiff[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > uint64(len(tiff)) {
			return 0, false
		}
		const tagOrientation, typeShort = 0x0112, 3
		if order.Uint16(tiff[e:]) != tagOrientation {
			continue
		}
		if order.Uint16(tiff[e+2:]) != typeShort || order.Uint32(tiff[e+4:]) != 1 {
			return 0, false
		}
		o := int(order.Uint16(tiff[e+8:]))
		if o < orientNormal || o > orientRotate90CC {
			return 0, false
		}
		return o, true
	}
	return 0, false
}

// orient returns src transformed as the EXIF orientation o says, so that it
// shows upright. Orientations 5 to 8 swap width and height. src is returned
// as it is for orientNormal or an unknown value.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= orientNormal || o > orientRotate90CC {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= orientTranspose {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			// (sx, sy) is the stored pixel that shows at (dx, dy).
			var sx, sy int
			switch o {
			case orientFlipH:
				sx, sy = w-1-dx, dy
			case orientRotate180:
				sx, sy = w-1-dx, h-1-dy
			case orientFlipV:
				sx, sy = dx, h-1-dy
			case orientTranspose:
				sx, sy = dy, dx
			case orientRotate90CW:
				sx, sy = dy, h-1-dx
			case orientTransverse:
				sx, sy = w-1-dy, h-1-dx
			case orientRotate90CC:
				sx, sy = w-1-dy, dx
			}
			si := src.PixOffset(b.Min.X+sx, b.Min.Y+sy)
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}
