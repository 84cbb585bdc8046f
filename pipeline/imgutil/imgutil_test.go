package imgutil

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func TestQuadToRectMapsCorners(t *testing.T) {
	q := Quad{{X: 100, Y: 50}, {X: 900, Y: 80}, {X: 880, Y: 600}, {X: 90, Y: 560}}
	hm, err := QuadToRect(q, 1000, 630)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range [4][2]float64{{0, 0}, {1000, 0}, {1000, 630}, {0, 630}} {
		x, y := hm.Apply(c[0], c[1])
		if math.Hypot(x-q[i].X, y-q[i].Y) > 1e-6 {
			t.Errorf("corner %d maps to (%.3f, %.3f), want %v", i, x, y, q[i])
		}
	}
	if _, err := QuadToRect(Quad{{X: 1, Y: 1}, {X: 1, Y: 1}, {X: 1, Y: 1}, {X: 1, Y: 1}}, 10, 10); err == nil {
		t.Error("a degenerate quad gave no error")
	}
}

func TestWarpAndRotate(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := range 200 {
			v := uint8(0)
			if x < 100 {
				v = 255
			}
			src.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	hm, _ := QuadToRect(Quad{{X: 0, Y: 0}, {X: 200, Y: 0}, {X: 200, Y: 100}, {X: 0, Y: 100}}, 100, 50)
	w := Warp(src, hm, 100, 50)
	if w.RGBAAt(10, 25).R < 200 || w.RGBAAt(90, 25).R > 50 {
		t.Errorf("warp lost the halves: %v %v", w.RGBAAt(10, 25), w.RGBAAt(90, 25))
	}
	r := Rotate180(w)
	if r.RGBAAt(89, 24) != w.RGBAAt(10, 25) {
		t.Error("rotate180 misplaces pixels")
	}
	g := WarpGray(src, hm, image.Rect(0, 0, 50, 50), 2)
	if g.Rect.Dx() != 100 || g.GrayAt(5, 50).Y < 200 {
		t.Errorf("warp gray: %v %v", g.Rect, g.GrayAt(5, 50))
	}
	d := Downscale(src, 4)
	if d.Rect.Dx() != 50 || d.RGBAAt(0, 0).R != 255 || d.RGBAAt(49, 0).R != 0 {
		t.Errorf("downscale: %v", d.Rect)
	}
}

func TestOtsuAndStats(t *testing.T) {
	var h [256]int
	h[20], h[220] = 100, 300
	if th := Otsu(&h); th < 20 || th >= 220 {
		t.Errorf("otsu %d", th)
	}
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	for i := range img.Pix {
		img.Pix[i] = 100
	}
	s := RegionStats(img, img.Rect, 1)
	if s.N != 100 || s.Median[0] != 100 || s.Mean[2] != 100 {
		t.Errorf("stats %+v", s)
	}
	b64, err := JPEGBase64(img, 80)
	if err != nil || b64[:4] != "/9j/" {
		t.Errorf("jpeg base64 %q %v", b64[:4], err)
	}
}
