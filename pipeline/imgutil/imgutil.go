// Package imgutil owns the small image operations recognition shares:
// conversion to RGBA and grey, perspective warps, rotations, region
// statistics and JPEG encoding. It is pure Go and allocation-conscious,
// because every frame of every side passes through it.
package imgutil

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"sort"
)

// RGBA returns img as an *image.RGBA with origin (0,0), sharing nothing
// with img. Common decoder outputs take fast paths.
func RGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch s := img.(type) {
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+4*b.Dx()], s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return out
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			src := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*out.Stride:]
			for x := 0; x < b.Dx(); x++ {
				v := src[x]
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = v, v, v, 255
			}
		}
		return out
	}
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// Luma returns the Rec. 601 luma of an RGB pixel.
func Luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// Gray returns the luma of img with origin (0,0).
func Gray(img *image.RGBA) *image.Gray {
	b := img.Rect
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < b.Dx(); x++ {
			dst[x] = Luma(src[4*x], src[4*x+1], src[4*x+2])
		}
	}
	return out
}

// Point is a point in pixel coordinates.
type Point struct{ X, Y float64 }

// Quad is four corners: top-left, top-right, bottom-right, bottom-left of
// the document as it is read.
type Quad [4]Point

// Rotate returns the quad with its corners shifted by k quarter turns:
// Rotate(2) is the same outline read upside down.
func (q Quad) Rotate(k int) Quad {
	var out Quad
	for i := range 4 {
		out[i] = q[(i+k%4+4)%4]
	}
	return out
}

// Sides returns the mean length of the top/bottom and left/right edges.
func (q Quad) Sides() (w, h float64) {
	d := func(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	return (d(q[0], q[1]) + d(q[3], q[2])) / 2, (d(q[0], q[3]) + d(q[1], q[2])) / 2
}

// Scale multiplies every coordinate by s.
func (q Quad) Scale(s float64) Quad {
	for i := range q {
		q[i].X *= s
		q[i].Y *= s
	}
	return q
}

// Points returns the corners rounded to integer pixels.
func (q Quad) Points() []image.Point {
	out := make([]image.Point, 4)
	for i, p := range q {
		out[i] = image.Pt(int(math.Round(p.X)), int(math.Round(p.Y)))
	}
	return out
}

// Homography maps (u, v) to (x, y) projectively: row-major 3×3, h[8] = 1.
type Homography [9]float64

// Apply maps a point.
func (h *Homography) Apply(u, v float64) (float64, float64) {
	w := h[6]*u + h[7]*v + h[8]
	return (h[0]*u + h[1]*v + h[2]) / w, (h[3]*u + h[4]*v + h[5]) / w
}

// QuadToRect returns the homography that maps the rectangle
// [0,w]×[0,h] onto q (top-left to q[0], clockwise).
func QuadToRect(q Quad, w, h float64) (Homography, error) {
	src := [4]Point{{X: 0, Y: 0}, {X: w, Y: 0}, {X: w, Y: h}, {X: 0, Y: h}}
	// Solve the 8×8 system A·x = b for h0..h7.
	var a [8][9]float64
	for i := range 4 {
		u, v := src[i].X, src[i].Y
		x, y := q[i].X, q[i].Y
		a[2*i] = [9]float64{u, v, 1, 0, 0, 0, -u * x, -v * x, x}
		a[2*i+1] = [9]float64{0, 0, 0, u, v, 1, -u * y, -v * y, y}
	}
	rows := make([][]float64, 8)
	for i := range a {
		rows[i] = a[i][:]
	}
	x, ok := SolveLinear(rows, 1e-12)
	if !ok {
		return Homography{}, fmt.Errorf("imgutil: degenerate quad")
	}
	var hm Homography
	copy(hm[:8], x)
	hm[8] = 1
	return hm, nil
}

// SolveLinear solves the n×n system whose rows are a (each n
// coefficients, then the right-hand side) by Gauss–Jordan elimination
// with partial pivoting, in place; false when a pivot is below tiny (the
// system fixes no unique solution).
func SolveLinear(a [][]float64, tiny float64) ([]float64, bool) {
	n := len(a)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < tiny {
			return nil, false
		}
		a[c], a[p] = a[p], a[c]
		for r := range n {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k <= n; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	x := make([]float64, n)
	for i := range n {
		x[i] = a[i][n] / a[i][i]
	}
	return x, true
}

// Warp samples src through hm into a w×h image: pixel (u, v) of the
// output is src at hm(u+0.5, v+0.5), bilinear; outside src is black.
// When the warp shrinks by more than 1.5, it averages 2×2 samples so fine
// print does not alias.
func Warp(src *image.RGBA, hm Homography, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	// local scale: source pixels per output pixel at the centre
	x0, y0 := hm.Apply(float64(w)/2, float64(h)/2)
	x1, y1 := hm.Apply(float64(w)/2+1, float64(h)/2)
	scale := math.Hypot(x1-x0, y1-y0)
	offs := []Point{{0.5, 0.5}}
	if scale > 1.5 {
		offs = []Point{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}}
	}
	// acc holds one row's sums of 16-bit-scaled samples, 3 per pixel
	acc := make([]uint32, 3*w)
	for v := range h {
		clear(acc)
		for _, o := range offs {
			warpRowAdd(acc, src, &hm, v, o)
		}
		row := out.Pix[v*out.Stride : v*out.Stride+4*w]
		// n samples of 16-bit scale: divide by n (1 or 4) and by 2^16
		shift := uint(16)
		if len(offs) == 4 {
			shift = 18
		}
		for u := range w {
			d := row[4*u : 4*u+4 : 4*u+4]
			a := acc[3*u : 3*u+3 : 3*u+3]
			d[0] = uint8(a[0] >> shift)
			d[1] = uint8(a[1] >> shift)
			d[2] = uint8(a[2] >> shift)
			d[3] = 255
		}
	}
	return out
}

// warpRowAdd adds to acc, for every pixel u of output row v, the
// bilinear sample of src at hm(u+o.X, v+o.Y), scaled by 2^16; a sample
// outside src adds nothing. The homography's numerators and denominator
// are linear along the row, so they are stepped rather than computed, and
// one division per sample serves both coordinates; positions are taken
// to 1/65536 pixel, bilinear weights to 1/256.
func warpRowAdd(acc []uint32, src *image.RGBA, hm *Homography, v int, o Point) {
	w := len(acc) / 3
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	stride := src.Stride
	base := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y)
	pix := src.Pix
	vv := float64(v) + o.Y
	// numerators and denominator at u = 0, in 1/65536 pixel, the
	// half-pixel shift to pixel centres included
	nx := (hm[0]*o.X + hm[1]*vv + hm[2]) * 65536
	ny := (hm[3]*o.X + hm[4]*vv + hm[5]) * 65536
	wd := hm[6]*o.X + hm[7]*vv + hm[8]
	dnx, dny, dwd := hm[0]*65536, hm[3]*65536, hm[6]
	// bounds in 16.16: 0 ≤ x < sw-1, 0 ≤ y < sh-1 (a neighbour right and
	// below); floats compared before conversion, so that NaN and far-off
	// points fall out
	limX, limY := float64(sw-1)*65536, float64(sh-1)*65536
	for u := range w {
		r := 1 / wd
		x, y := nx*r-32768, ny*r-32768
		nx, ny, wd = nx+dnx, ny+dny, wd+dwd
		if !(x >= 0 && y >= 0 && x < limX && y < limY) {
			continue
		}
		fx, fy := int(x), int(y)
		xi, yi := fx>>16, fy>>16
		wx, wy := uint32(fx>>8)&255, uint32(fy>>8)&255
		p := base + yi*stride + 4*xi
		t := pix[p : p+8 : p+8]
		b := pix[p+stride : p+stride+8 : p+stride+8]
		a := acc[3*u : 3*u+3 : 3*u+3]
		ix, iy := 256-wx, 256-wy
		a[0] += (uint32(t[0])*ix+uint32(t[4])*wx)*iy + (uint32(b[0])*ix+uint32(b[4])*wx)*wy
		a[1] += (uint32(t[1])*ix+uint32(t[5])*wx)*iy + (uint32(b[1])*ix+uint32(b[5])*wx)*wy
		a[2] += (uint32(t[2])*ix+uint32(t[6])*wx)*iy + (uint32(b[2])*ix+uint32(b[6])*wx)*wy
	}
}

// Rotate180 returns img turned upside down.
func Rotate180(img *image.RGBA) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		src := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		dst := out.Pix[(h-1-y)*out.Stride:]
		for x := range w {
			copy(dst[4*(w-1-x):4*(w-1-x)+4], src[4*x:4*x+4])
		}
	}
	return out
}

// Downscale returns img shrunk by an integer factor with a box filter.
func Downscale(img *image.RGBA, f int) *image.RGBA {
	if f <= 1 {
		return RGBA(img)
	}
	w, h := img.Rect.Dx()/f, img.Rect.Dy()/f
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	if f == 2 {
		halve(out, img)
		return out
	}
	acc := make([]uint32, 3*w)
	n := uint32(f * f)
	for y := range h {
		clear(acc)
		for dy := range f {
			o := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y*f+dy)
			src := img.Pix[o : o+4*w*f]
			for x := range w {
				a := acc[3*x : 3*x+3 : 3*x+3]
				r, g, b := a[0], a[1], a[2]
				for dx := range f {
					p := src[4*(x*f+dx) : 4*(x*f+dx)+3 : 4*(x*f+dx)+3]
					r += uint32(p[0])
					g += uint32(p[1])
					b += uint32(p[2])
				}
				a[0], a[1], a[2] = r, g, b
			}
		}
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := range w {
			d := dst[4*x : 4*x+4 : 4*x+4]
			a := acc[3*x : 3*x+3 : 3*x+3]
			d[0], d[1], d[2], d[3] = uint8(a[0]/n), uint8(a[1]/n), uint8(a[2]/n), 255
		}
	}
	return out
}

// halve is Downscale by 2 into out, unrolled: the checks see every
// warped side at half its resolution.
func halve(out, img *image.RGBA) {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	for y := range h {
		o := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+2*y)
		top := img.Pix[o : o+8*w : o+8*w]
		bot := img.Pix[o+img.Stride : o+img.Stride+8*w : o+img.Stride+8*w]
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w : y*out.Stride+4*w]
		for x := range w {
			a := top[8*x : 8*x+8 : 8*x+8]
			b := bot[8*x : 8*x+8 : 8*x+8]
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0] = uint8((uint32(a[0]) + uint32(a[4]) + uint32(b[0]) + uint32(b[4])) / 4)
			d[1] = uint8((uint32(a[1]) + uint32(a[5]) + uint32(b[1]) + uint32(b[5])) / 4)
			d[2] = uint8((uint32(a[2]) + uint32(a[6]) + uint32(b[2]) + uint32(b[6])) / 4)
			d[3] = 255
		}
	}
}

// Sub returns the part of img inside r (clipped), sharing pixels.
func Sub(img *image.RGBA, r image.Rectangle) *image.RGBA {
	return img.SubImage(r.Intersect(img.Rect)).(*image.RGBA)
}

// Channel stats of a region.
type Stats struct {
	N      int
	Mean   [3]float64
	Median [3]float64
}

// RegionStats returns the mean and median colour of img inside r,
// sampling every step-th pixel in each direction.
func RegionStats(img *image.RGBA, r image.Rectangle, step int) Stats {
	r = r.Intersect(img.Rect)
	if step < 1 {
		step = 1
	}
	var hist [3][256]int
	var s Stats
	for y := r.Min.Y; y < r.Max.Y; y += step {
		row := img.Pix[img.PixOffset(r.Min.X, y):]
		for x := 0; x < r.Dx(); x += step {
			for k := range 3 {
				v := row[4*x+k]
				hist[k][v]++
				s.Mean[k] += float64(v)
			}
			s.N++
		}
	}
	if s.N == 0 {
		return s
	}
	for k := range 3 {
		s.Mean[k] /= float64(s.N)
		s.Median[k] = float64(quantile(&hist[k], s.N, 0.5))
	}
	return s
}

// Quantile returns the q-quantile of a 256-bin histogram holding n values.
func Quantile(hist *[256]int, n int, q float64) int { return quantile(hist, n, q) }

func quantile(hist *[256]int, n int, q float64) int {
	target := int(q * float64(n))
	c := 0
	for v := range 256 {
		c += hist[v]
		if c > target {
			return v
		}
	}
	return 255
}

// LumaHistogram returns the luma histogram of img inside r and its count.
func LumaHistogram(img *image.RGBA, r image.Rectangle, step int) (hist [256]int, n int) {
	r = r.Intersect(img.Rect)
	if step < 1 {
		step = 1
	}
	for y := r.Min.Y; y < r.Max.Y; y += step {
		row := img.Pix[img.PixOffset(r.Min.X, y):]
		for x := 0; x < r.Dx(); x += step {
			hist[Luma(row[4*x], row[4*x+1], row[4*x+2])]++
			n++
		}
	}
	return hist, n
}

// Otsu returns the threshold that best splits a histogram in two.
func Otsu(hist *[256]int) int {
	total, sum := 0, 0.0
	for v, c := range hist {
		total += c
		sum += float64(v * c)
	}
	if total == 0 {
		return 128
	}
	var sumB, wB float64
	best, th := -1.0, 128
	for v := range 256 {
		wB += float64(hist[v])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(v * hist[v])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if b := wB * wF * (mB - mF) * (mB - mF); b > best {
			best, th = b, v
		}
	}
	return th
}

// JPEG encodes img as a JPEG of the given quality. RGBA images take
// AppendJPEG; others image/jpeg.
func JPEG(img image.Image, quality int) ([]byte, error) {
	if rgba, ok := img.(*image.RGBA); ok {
		return AppendJPEG(nil, rgba, quality)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("imgutil: jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// MedianFloat returns the median of vs (vs is reordered).
func MedianFloat(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	sort.Float64s(vs)
	return vs[len(vs)/2]
}

// RGBOf converts a colour to its 8-bit components.
func RGBOf(c color.Color) [3]uint8 {
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// MedianFloatAt returns the q-quantile of vs (vs is reordered).
func MedianFloatAt(vs []float64, q float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	sort.Float64s(vs)
	i := int(q * float64(len(vs)))
	return vs[min(i, len(vs)-1)]
}

// WarpGray samples the grey luma of src through hm for the box of the
// warped image's pixel grid, scale times finer: pixel (i, j) of the
// result is warped-image point box.Min + ((i, j)+0.5)/scale. It lets a
// small zone be read at the source frame's full resolution. Outside src
// is white. Positions are stepped along each row as in Warp, bilinear
// weights taken to 1/65536.
func WarpGray(src *image.RGBA, hm Homography, box image.Rectangle, scale float64) *image.Gray {
	w, h := int(float64(box.Dx())*scale+0.5), int(float64(box.Dy())*scale+0.5)
	out := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	stride := src.Stride
	base := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y)
	pix := src.Pix
	limX, limY := float64(sw-1)*65536, float64(sh-1)*65536
	u0, step := float64(box.Min.X)+0.5/scale, 1/scale
	for j := range h {
		v := float64(box.Min.Y) + (float64(j)+0.5)/scale
		nx := (hm[0]*u0 + hm[1]*v + hm[2]) * 65536
		ny := (hm[3]*u0 + hm[4]*v + hm[5]) * 65536
		wd := hm[6]*u0 + hm[7]*v + hm[8]
		dnx, dny, dwd := hm[0]*step*65536, hm[3]*step*65536, hm[6]*step
		row := out.Pix[j*out.Stride : j*out.Stride+w]
		for i := range row {
			r := 1 / wd
			x, y := nx*r-32768, ny*r-32768
			nx, ny, wd = nx+dnx, ny+dny, wd+dwd
			if !(x >= 0 && y >= 0 && x < limX && y < limY) {
				row[i] = 255
				continue
			}
			fx, fy := int(x), int(y)
			xi, yi := fx>>16, fy>>16
			wx, wy := uint64(fx)&0xffff, uint64(fy)&0xffff
			p := base + yi*stride + 4*xi
			t := pix[p : p+8 : p+8]
			b := pix[p+stride : p+stride+8 : p+stride+8]
			l00, l01 := uint64(Luma(t[0], t[1], t[2])), uint64(Luma(t[4], t[5], t[6]))
			l10, l11 := uint64(Luma(b[0], b[1], b[2])), uint64(Luma(b[4], b[5], b[6]))
			ix, iy := 65536-wx, 65536-wy
			row[i] = uint8(((l00*ix+l01*wx)*iy + (l10*ix+l11*wx)*wy + 1<<31) >> 32)
		}
	}
	return out
}
