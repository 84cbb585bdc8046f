package imgutil

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // Decode reads the formats uploads come in
	_ "image/png"
	"io"
)

// Orientation is the EXIF orientation tag (0x0112): how the stored pixels
// are turned to show the scene upright. 1 is as stored; 2, 4, 5 and 7 are
// mirrored.
type Orientation int

// The eight EXIF orientations, named by the transform that shows the
// stored pixels upright.
const (
	OrientNormal     Orientation = 1 // as stored
	OrientMirrorH    Orientation = 2 // mirrored left to right
	OrientRotate180  Orientation = 3
	OrientMirrorV    Orientation = 4 // mirrored top to bottom
	OrientTranspose  Orientation = 5 // mirrored about the main diagonal
	OrientRotate90   Orientation = 6 // turned 90° clockwise
	OrientTransverse Orientation = 7 // mirrored about the other diagonal
	OrientRotate270  Orientation = 8 // turned 90° anticlockwise
)

// exifPeek is how much of a file's head is searched for its EXIF segment:
// an APP1 segment is at most 64 KiB and comes first or after a JFIF APP0.
const exifPeek = 160 << 10

// Decode decodes a JPEG or PNG and turns it upright by its EXIF
// orientation, so that nothing downstream sees the pixels as the sensor
// stored them. It reads r once; only the file's head is buffered for the
// EXIF search.
func Decode(r io.Reader) (image.Image, string, error) {
	img, format, _, _, err := DecodeWith(r, nil)
	return img, format, err
}

// DecodeWith is Decode with prepare applied to the image as stored,
// before it is turned upright: a caller that shrinks it there turns the
// small image, not the large one. w and h are the stored image's size.
func DecodeWith(r io.Reader, prepare func(image.Image) image.Image) (img image.Image, format string, w, h int, err error) {
	br := bufio.NewReaderSize(r, exifPeek)
	head, err := br.Peek(exifPeek)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", 0, 0, err
	}
	o := ReadOrientation(head)
	img, format, err = image.Decode(br)
	if err != nil {
		return nil, format, 0, 0, err
	}
	b := img.Bounds()
	if prepare != nil {
		img = prepare(img)
	}
	return Orient(img, o), format, b.Dx(), b.Dy(), nil
}

// ReadOrientation returns the EXIF orientation a JPEG's head (its first
// bytes, up to its image data) declares: OrientNormal when it declares
// none, or when the head is not a JPEG or its EXIF is malformed.
func ReadOrientation(head []byte) Orientation {
	if len(head) < 4 || head[0] != 0xFF || head[1] != 0xD8 {
		return OrientNormal
	}
	p := 2
	for p+4 <= len(head) {
		if head[p] != 0xFF {
			return OrientNormal
		}
		marker := head[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			p += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data: no EXIF before it
			return OrientNormal
		}
		n := int(binary.BigEndian.Uint16(head[p+2:]))
		if n < 2 || p+2+n > len(head) {
			return OrientNormal
		}
		seg := head[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o, err := tiffOrientation(seg[6:]); err == nil {
				return o
			}
			return OrientNormal
		}
		p += 2 + n
	}
	return OrientNormal
}

var errBadEXIF = errors.New("imgutil: malformed EXIF")

// tiffOrientation reads tag 0x0112 of IFD0 of a TIFF structure.
func tiffOrientation(t []byte) (Orientation, error) {
	if len(t) < 8 {
		return 0, errBadEXIF
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, errBadEXIF
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, errBadEXIF
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0, errBadEXIF
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0, errBadEXIF
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// SHORT, count 1: the value sits in the entry's first two bytes
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 0, errBadEXIF
		}
		o := Orientation(bo.Uint16(t[e+8:]))
		if o < OrientNormal || o > OrientRotate270 {
			return 0, fmt.Errorf("%w: orientation %d", errBadEXIF, o)
		}
		return o, nil
	}
	return OrientNormal, nil
}

// Orient returns img turned upright by o: img itself for OrientNormal (or
// an unknown value), else a new *image.RGBA with origin (0,0), its width
// and height swapped for orientations 5 to 8.
func Orient(img image.Image, o Orientation) image.Image {
	if o <= OrientNormal || o > OrientRotate270 {
		return img
	}
	src := View(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ow, oh := w, h
	if o >= OrientTranspose {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	// the source pixel shown at (x, y): sx = ax + bx*x + cx*y, likewise sy
	var ax, bx, cx, ay, by, cy int
	switch o {
	case OrientMirrorH:
		ax, bx, ay, cy = w-1, -1, 0, 1
	case OrientRotate180:
		ax, bx, ay, cy = w-1, -1, h-1, -1
	case OrientMirrorV:
		ax, bx, ay, cy = 0, 1, h-1, -1
	case OrientTranspose:
		ax, cx, ay, by = 0, 1, 0, 1
	case OrientRotate90:
		ax, cx, ay, by = 0, 1, h-1, -1
	case OrientTransverse:
		ax, cx, ay, by = w-1, -1, h-1, -1
	case OrientRotate270:
		ax, cx, ay, by = w-1, -1, 0, 1
	}
	for y := range oh {
		row := out.Pix[y*out.Stride:]
		for x := range ow {
			sx, sy := ax+bx*x+cx*y, ay+by*x+cy*y
			s := src.Pix[sy*src.Stride+4*sx:]
			copy(row[4*x:4*x+4], s[:4])
		}
	}
	return out
}

// WithOrientation returns a copy of the JPEG file jpg carrying the EXIF
// orientation o, as a phone writes it: the pixels stay as stored. (A
// renderer uses it to make the photos a phone would; tests, to check that
// every path turns them upright.)
func WithOrientation(jpg []byte, o Orientation) ([]byte, error) {
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return nil, errors.New("imgutil: not a JPEG file")
	}
	if o < OrientNormal || o > OrientRotate270 {
		return nil, fmt.Errorf("imgutil: orientation %d outside 1–8", o)
	}
	out := append([]byte{0xFF, 0xD8}, exifSegment(o, binary.BigEndian)...)
	return append(out, jpg[2:]...), nil
}

// exifSegment is an APP1 segment holding an EXIF IFD0 with the
// orientation tag (after a Make tag, as cameras write it), in the byte
// order given.
func exifSegment(o Orientation, bo binary.ByteOrder) []byte {
	var t bytes.Buffer
	if bo == binary.LittleEndian {
		t.WriteString("II")
	} else {
		t.WriteString("MM")
	}
	w16 := func(v uint16) { _ = binary.Write(&t, bo, v) }
	w32 := func(v uint32) { _ = binary.Write(&t, bo, v) }
	w16(42)
	w32(8)
	w16(2)      // two entries
	w16(0x010F) // Make, ASCII, 4 bytes inline
	w16(2)
	w32(4)
	t.WriteString("ABC\x00")
	w16(0x0112) // Orientation, SHORT, 1
	w16(3)
	w32(1)
	w16(uint16(o))
	w16(0)
	w32(0) // no next IFD
	body := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}
