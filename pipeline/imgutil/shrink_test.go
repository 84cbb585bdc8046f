package imgutil

import (
	"image"
	"image/color"
	"testing"
)

func TestViewAtMost(t *testing.T) {
	// a 400×300 frame of vertical stripes 2 px wide, black and white, and
	// a grey left half: shrunk to 100×75, stripes average to mid-grey
	src := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := range 300 {
		for x := range 400 {
			v := uint8(0)
			if x/2%2 == 1 {
				v = 255
			}
			src.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	for _, c := range []struct {
		name   string
		img    image.Image
		max    int
		w, h   int
		same   bool
		middle uint8
	}{
		{"under the limit: the frame itself", src, 120000, 400, 300, true, 0},
		{"no limit", src, 0, 400, 300, true, 0},
		{"RGBA shrunk by 4", src, 7500, 100, 75, false, 128},
		{"grey shrunk by 4", toGray(src), 7500, 100, 75, false, 128},
		{"YCbCr shrunk by 4", toYCbCr(src), 7500, 100, 75, false, 128},
		{"a fractional factor", src, 19200, 160, 120, false, 128},
	} {
		got := ViewAtMost(c.img, c.max)
		if got.Rect.Dx() != c.w || got.Rect.Dy() != c.h {
			t.Errorf("%s: %v, want %dx%d", c.name, got.Rect, c.w, c.h)
			continue
		}
		if w, h := ShrunkSize(400, 300, c.max); w != c.w || h != c.h {
			t.Errorf("%s: ShrunkSize %dx%d", c.name, w, h)
		}
		if c.same {
			if got != c.img {
				t.Errorf("%s: copied", c.name)
			}
			continue
		}
		// area averaging keeps the frame's mean
		sum := 0
		for y := range c.h {
			for x := range c.w {
				sum += int(got.RGBAAt(x, y).R)
			}
		}
		if mean := sum / (c.w * c.h); mean < int(c.middle)-3 || mean > int(c.middle)+3 {
			t.Errorf("%s: mean %d, want about %d", c.name, mean, c.middle)
		}
	}
}

func toGray(src *image.RGBA) *image.Gray {
	g := image.NewGray(src.Rect)
	for i := range g.Pix {
		g.Pix[i] = src.Pix[4*i]
	}
	return g
}

func toYCbCr(src *image.RGBA) *image.YCbCr {
	b := src.Rect
	m := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	for y := range b.Dy() {
		for x := range b.Dx() {
			c := src.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			m.Y[m.YOffset(x, y)] = yy
			m.Cb[m.COffset(x, y)] = cb
			m.Cr[m.COffset(x, y)] = cr
		}
	}
	return m
}
