package imgutil

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Quadrant colours of the upright scene.
var (
	qRed   = color.RGBA{220, 30, 30, 255}
	qGreen = color.RGBA{30, 200, 30, 255}
	qBlue  = color.RGBA{30, 30, 220, 255}
	qWhite = color.RGBA{240, 240, 240, 255}
)

// quadrants draws a w×h image of four coloured quadrants: top-left,
// top-right, bottom-left, bottom-right.
func quadrants(w, h int, tl, tr, bl, br color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := tl
			switch {
			case x >= w/2 && y < h/2:
				c = tr
			case x < w/2 && y >= h/2:
				c = bl
			case x >= w/2 && y >= h/2:
				c = br
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// withEXIF returns a JPEG file of img carrying orientation o: a JFIF APP0
// first (as image/jpeg writes none, one is added), then the APP1.
func withEXIF(t *testing.T, img image.Image, o Orientation, bo binary.ByteOrder) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	app0 := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	out := append([]byte{0xFF, 0xD8}, app0...)
	out = append(out, exifSegment(o, bo)...)
	return append(out, raw[2:]...)
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) < 40 && d(a.G, b.G) < 40 && d(a.B, b.B) < 40
}

// TestDecodeEXIFOrientations: for each of the eight orientations a JPEG
// stores the scene as a camera would (the stored quadrants written out
// by hand, not by the code under test), tags it, and Decode must give the
// upright scene back.
func TestDecodeEXIFOrientations(t *testing.T) {
	const W, H = 96, 64 // the upright scene: landscape
	R, G, B, Wh := qRed, qGreen, qBlue, qWhite
	cases := []struct {
		o              Orientation
		tl, tr, bl, br color.RGBA // stored quadrants
		swap           bool       // stored portrait
	}{
		{OrientNormal, R, G, B, Wh, false},
		{OrientMirrorH, G, R, Wh, B, false},
		{OrientRotate180, Wh, B, G, R, false},
		{OrientMirrorV, B, Wh, R, G, false},
		{OrientTranspose, R, B, G, Wh, true},
		{OrientRotate90, G, Wh, R, B, true},
		{OrientTransverse, Wh, G, B, R, true},
		{OrientRotate270, B, R, Wh, G, true},
	}
	for i, c := range cases {
		sw, sh := W, H
		if c.swap {
			sw, sh = H, W
		}
		stored := quadrants(sw, sh, c.tl, c.tr, c.bl, c.br)
		bo := binary.ByteOrder(binary.BigEndian)
		if i%2 == 1 {
			bo = binary.LittleEndian
		}
		file := withEXIF(t, stored, c.o, bo)
		if got := ReadOrientation(file); got != c.o {
			t.Fatalf("orientation %d: read %d", c.o, got)
		}
		if w, err := WithOrientation(file[:2+18], c.o); err != nil || ReadOrientation(w) != c.o {
			t.Fatalf("WithOrientation %d: %v, read back %d", c.o, err, ReadOrientation(w))
		}
		img, format, err := Decode(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("orientation %d: %v", c.o, err)
		}
		if format != "jpeg" {
			t.Errorf("format %q", format)
		}
		if b := img.Bounds(); b.Dx() != W || b.Dy() != H {
			t.Fatalf("orientation %d: %v, want %d×%d", c.o, b, W, H)
		}
		rgba := View(img)
		for _, p := range []struct {
			x, y int
			want color.RGBA
		}{{W / 4, H / 4, R}, {3 * W / 4, H / 4, G}, {W / 4, 3 * H / 4, B}, {3 * W / 4, 3 * H / 4, Wh}} {
			if got := rgba.RGBAAt(p.x, p.y); !near(got, p.want) {
				t.Errorf("orientation %d: (%d,%d) = %v, want %v", c.o, p.x, p.y, got, p.want)
			}
		}
	}
}

// TestDecodeWithoutEXIF: PNGs, JPEGs without EXIF and malformed EXIF
// decode as stored.
func TestDecodeWithoutEXIF(t *testing.T) {
	img := quadrants(40, 30, qRed, qGreen, qBlue, qWhite)
	var pb, jb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	bad := withEXIF(t, img, 9, binary.BigEndian) // out of range
	truncated := withEXIF(t, img, OrientRotate90, binary.BigEndian)[:60]
	for name, file := range map[string][]byte{"png": pb.Bytes(), "jpeg": jb.Bytes(), "orientation 9": bad} {
		got, _, err := Decode(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := got.Bounds(); b.Dx() != 40 || b.Dy() != 30 {
			t.Errorf("%s: %v", name, b)
		}
	}
	if o := ReadOrientation(truncated); o != OrientNormal {
		t.Errorf("truncated: %d", o)
	}
	if _, _, err := Decode(bytes.NewReader(truncated)); err == nil {
		t.Error("a truncated JPEG decoded")
	}
}

func FuzzReadOrientation(f *testing.F) {
	img := quadrants(8, 8, qRed, qGreen, qBlue, qWhite)
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	raw := b.Bytes()
	f.Add(raw)
	f.Add(append(append([]byte{0xFF, 0xD8}, exifSegment(OrientRotate90, binary.LittleEndian)...), raw[2:]...))
	f.Fuzz(func(t *testing.T, head []byte) {
		if o := ReadOrientation(head); o < OrientNormal || o > OrientRotate270 {
			t.Fatalf("orientation %d", o)
		}
	})
}
