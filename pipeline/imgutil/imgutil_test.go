package imgutil

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
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
	data, err := JPEG(img, 80)
	if err != nil || len(data) < 3 || string(data[:3]) != "\xff\xd8\xff" {
		t.Errorf("jpeg %q %v", data[:min(3, len(data))], err)
	}
}

// warpReference is Warp as first written: Homography.Apply per sample.
func warpReference(src *image.RGBA, hm Homography, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	x0, y0 := hm.Apply(float64(w)/2, float64(h)/2)
	x1, y1 := hm.Apply(float64(w)/2+1, float64(h)/2)
	scale := math.Hypot(x1-x0, y1-y0)
	offs := []Point{{0.5, 0.5}}
	if scale > 1.5 {
		offs = []Point{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}}
	}
	n := uint32(len(offs))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	for v := range h {
		row := out.Pix[v*out.Stride:]
		for u := range w {
			var acc [3]uint32
			for _, o := range offs {
				x, y := hm.Apply(float64(u)+o.X, float64(v)+o.Y)
				x, y = x-0.5, y-0.5
				xi, yi := int(math.Floor(x)), int(math.Floor(y))
				if xi < 0 || yi < 0 || xi >= sw-1 || yi >= sh-1 {
					continue
				}
				fx, fy := uint32((x-float64(xi))*256), uint32((y-float64(yi))*256)
				p := src.PixOffset(src.Rect.Min.X+xi, src.Rect.Min.Y+yi)
				q := p + src.Stride
				for k := range 3 {
					top := uint32(src.Pix[p+k])*(256-fx) + uint32(src.Pix[p+4+k])*fx
					bot := uint32(src.Pix[q+k])*(256-fx) + uint32(src.Pix[q+4+k])*fx
					acc[k] += top*(256-fy) + bot*fy
				}
			}
			d := row[4*u:]
			d[0] = uint8(acc[0] / n >> 16)
			d[1] = uint8(acc[1] / n >> 16)
			d[2] = uint8(acc[2] / n >> 16)
			d[3] = 255
		}
	}
	return out
}

// noisyFrame is a frame of random pixels whose bounds do not start at 0.
func noisyFrame(seed uint64, r image.Rectangle) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(r)
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	return img
}

// TestWarpMatchesReference: the fast warp, exact every warpSpan pixels
// and linear in between, stays within one level of the exact one,
// enlarging and shrinking, with quads reaching outside the frame, and
// from a sub-image.
func TestWarpMatchesReference(t *testing.T) {
	frame := noisyFrame(1, image.Rect(0, 0, 640, 480))
	sub := frame.SubImage(image.Rect(40, 30, 600, 450)).(*image.RGBA)
	for _, tc := range []struct {
		name string
		src  *image.RGBA
		q    Quad
		w, h int
	}{
		{"enlarge", frame, Quad{{X: 100, Y: 50}, {X: 500, Y: 80}, {X: 480, Y: 400}, {X: 90, Y: 360}}, 700, 560},
		{"shrink", frame, Quad{{X: 10, Y: 5}, {X: 630, Y: 20}, {X: 600, Y: 470}, {X: 0, Y: 440}}, 150, 100},
		{"outside", frame, Quad{{X: -80, Y: -40}, {X: 700, Y: 10}, {X: 660, Y: 520}, {X: -20, Y: 470}}, 320, 240},
		{"sub-image", sub, Quad{{X: 20, Y: 10}, {X: 540, Y: 30}, {X: 520, Y: 400}, {X: 5, Y: 380}}, 400, 300},
		{"upside down", frame, Quad{{X: 480, Y: 400}, {X: 90, Y: 360}, {X: 100, Y: 50}, {X: 500, Y: 80}}, 500, 400},
		{"strong perspective", frame, Quad{{X: 200, Y: 40}, {X: 440, Y: 40}, {X: 630, Y: 470}, {X: 10, Y: 470}}, 600, 450},
	} {
		hm, err := QuadToRect(tc.q, float64(tc.w), float64(tc.h))
		if err != nil {
			t.Fatal(err)
		}
		got, want := Warp(tc.src, hm, tc.w, tc.h), warpReference(tc.src, hm, tc.w, tc.h)
		worst, off := pixDiff(got.Pix, want.Pix)
		// noise is the worst case: neighbours differ by up to 255, so a
		// 1/256 pixel shift of the sample moves it by up to a level
		if worst > 1 || off > len(got.Pix)/50 {
			t.Errorf("%s: up to %d levels off the exact warp, %d of %d bytes differ", tc.name, worst, off, len(got.Pix))
		}
	}
}

func BenchmarkWarp(b *testing.B) {
	frame := noisyFrame(1, image.Rect(0, 0, 1600, 1200))
	q := Quad{{X: 160, Y: 170}, {X: 1440, Y: 190}, {X: 1430, Y: 1000}, {X: 150, Y: 985}}
	for _, tc := range []struct {
		name string
		w, h int
	}{{"work-1027x648", 1027, 648}, {"half-513x324", 513, 324}} {
		hm, _ := QuadToRect(q, float64(tc.w), float64(tc.h))
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				Warp(frame, hm, tc.w, tc.h)
			}
		})
		b.Run(tc.name+"-reference", func(b *testing.B) {
			for b.Loop() {
				warpReference(frame, hm, tc.w, tc.h)
			}
		})
	}
}

func TestDownscaleIsTheBoxMean(t *testing.T) {
	src := noisyFrame(3, image.Rect(5, 7, 5+203, 7+101))
	for _, f := range []int{2, 3, 4} {
		got := Downscale(src, f)
		w, h := 203/f, 101/f
		if got.Rect != image.Rect(0, 0, w, h) {
			t.Fatalf("f %d: bounds %v", f, got.Rect)
		}
		for y := range h {
			for x := range w {
				var sum [3]int
				for dy := range f {
					for dx := range f {
						c := src.RGBAAt(5+x*f+dx, 7+y*f+dy)
						sum[0] += int(c.R)
						sum[1] += int(c.G)
						sum[2] += int(c.B)
					}
				}
				c := got.RGBAAt(x, y)
				if want := (color.RGBA{uint8(sum[0] / (f * f)), uint8(sum[1] / (f * f)), uint8(sum[2] / (f * f)), 255}); c != want {
					t.Fatalf("f %d: (%d,%d) = %v, want %v", f, x, y, c, want)
				}
			}
		}
	}
}

func BenchmarkDownscale(b *testing.B) {
	frame := noisyFrame(1, image.Rect(0, 0, 1600, 1200))
	for _, f := range []int{2, 4} {
		b.Run(fmt.Sprint(f), func(b *testing.B) {
			for b.Loop() {
				Downscale(frame, f)
			}
		})
	}
}

// warpGrayReference is WarpGray as first written: Homography.Apply and
// float bilinear per pixel.
func warpGrayReference(src *image.RGBA, hm Homography, box image.Rectangle, scale float64) *image.Gray {
	w, h := int(float64(box.Dx())*scale+0.5), int(float64(box.Dy())*scale+0.5)
	out := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	for j := range h {
		for i := range w {
			u := float64(box.Min.X) + (float64(i)+0.5)/scale
			v := float64(box.Min.Y) + (float64(j)+0.5)/scale
			x, y := hm.Apply(u, v)
			x, y = x-0.5, y-0.5
			xi, yi := int(math.Floor(x)), int(math.Floor(y))
			if xi < 0 || yi < 0 || xi >= sw-1 || yi >= sh-1 {
				out.Pix[j*out.Stride+i] = 255
				continue
			}
			fx, fy := x-float64(xi), y-float64(yi)
			p := src.PixOffset(src.Rect.Min.X+xi, src.Rect.Min.Y+yi)
			q := p + src.Stride
			l := func(o int) float64 { return float64(Luma(src.Pix[o], src.Pix[o+1], src.Pix[o+2])) }
			top := l(p)*(1-fx) + l(p+4)*fx
			bot := l(q)*(1-fx) + l(q+4)*fx
			out.Pix[j*out.Stride+i] = uint8(top*(1-fy) + bot*fy + 0.5)
		}
	}
	return out
}

func TestWarpGrayMatchesReference(t *testing.T) {
	frame := noisyFrame(5, image.Rect(0, 0, 640, 480))
	q := Quad{{X: -30, Y: 50}, {X: 500, Y: 80}, {X: 480, Y: 400}, {X: 90, Y: 360}}
	hm, err := QuadToRect(q, 700, 450)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		box   image.Rectangle
		scale float64
	}{{image.Rect(10, 20, 300, 60), 1}, {image.Rect(0, 0, 80, 30), 2.5}, {image.Rect(600, 400, 700, 450), 1.7}} {
		got, want := WarpGray(frame, hm, tc.box, tc.scale), warpGrayReference(frame, hm, tc.box, tc.scale)
		if got.Rect != want.Rect {
			t.Fatalf("%v: bounds %v, want %v", tc.box, got.Rect, want.Rect)
		}
		worst, off := pixDiff(got.Pix, want.Pix)
		if worst > 1 || off > len(got.Pix)/50 {
			t.Errorf("%v ×%.1f: up to %d levels off, %d of %d pixels differ", tc.box, tc.scale, worst, off, len(got.Pix))
		}
	}
}

func BenchmarkWarpGray(b *testing.B) {
	frame := noisyFrame(1, image.Rect(0, 0, 1600, 1200))
	q := Quad{{X: 160, Y: 170}, {X: 1440, Y: 190}, {X: 1430, Y: 1000}, {X: 150, Y: 985}}
	hm, _ := QuadToRect(q, 1027, 648)
	box := image.Rect(300, 200, 700, 240) // a field's value, sampled 1.8 times finer
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			WarpGray(frame, hm, box, 1.8)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			warpGrayReference(frame, hm, box, 1.8)
		}
	})
}

// pixDiff returns the largest difference between two equal-length pixel
// buffers and how many bytes differ at all.
func pixDiff(got, want []uint8) (worst, off int) {
	for i := range got {
		d := int(got[i]) - int(want[i])
		d = max(d, -d)
		worst = max(worst, d)
		if d > 0 {
			off++
		}
	}
	return worst, off
}
