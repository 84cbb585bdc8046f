package specimen

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/docscan/docscan/typedb"
)

// cosLUT is one period of cosine, for the per-pixel guilloche.
var cosLUT = func() [4096]float32 {
	var t [4096]float32
	for i := range t {
		t[i] = float32(math.Cos(2 * math.Pi * float64(i) / 4096))
	}
	return t
}()

// cos2pi returns cos(2πx).
func cos2pi(x float64) float32 {
	f := x - math.Floor(x)
	return cosLUT[int(f*4096)&4095]
}

// line maps a cosine to a thin line: 1 on the crest, 0 off it.
func line(c float32) float32 {
	v := (c - 0.86) / 0.14
	if v < 0 {
		return 0
	}
	return v
}

func rgba(c typedb.RGB) color.RGBA { return color.RGBA{c[0], c[1], c[2], 255} }

func mix(a, b uint8, t float32) uint8 {
	return uint8(float32(a)*(1-t) + float32(b)*t + 0.5)
}

// paintBase fills img with the side's paper colour, its signature
// patches, and a two-family guilloche of fine wavy lines in a light shade
// of the ink (colour print: gone under IR).
func paintBase(img *image.RGBA, typ *typedb.Type, rng *rand.Rand) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	paper := rgba(typ.Signature.Paper)
	ink := rgba(typ.Signature.Ink)
	// the line colour: the ink lightened halfway to the paper
	lc := color.RGBA{mix(ink.R, paper.R, 0.45), mix(ink.G, paper.G, 0.45), mix(ink.B, paper.B, 0.45), 255}

	// base colour per pixel row span: paper, then patches painted over
	type span struct {
		r image.Rectangle
		c color.RGBA
	}
	spans := []span{{img.Rect, paper}}
	for _, p := range typ.Signature.Patches {
		spans = append(spans, span{p.Zone.Pixels(w, h), rgba(p.RGB)})
	}

	px := float64(w) / typ.SizeMM[0] // pixels per mm
	lam1 := 0.9 * px * (0.9 + 0.3*rng.Float64())
	lam2 := 1.3 * px * (0.9 + 0.3*rng.Float64())
	p1, p2, p3 := 23*px*(0.8+0.4*rng.Float64()), 9*px*(0.8+0.4*rng.Float64()), 17*px*(0.8+0.4*rng.Float64())
	a1, a2, a3 := 1.8+rng.Float64(), 0.5+0.5*rng.Float64(), 1.2+rng.Float64()
	ph1, ph2, ph3 := rng.Float64(), rng.Float64(), rng.Float64()
	colShift := make([]float64, w)
	for x := range w {
		colShift[x] = a1*math.Sin(2*math.Pi*(float64(x)/p1+ph1)) + a2*math.Sin(2*math.Pi*(float64(x)/p2+ph2))
	}
	rowShift := make([]float64, h)
	for y := range h {
		rowShift[y] = a3 * math.Sin(2*math.Pi*(float64(y)/p3+ph3))
	}
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			base := paper
			for i := len(spans) - 1; i > 0; i-- {
				if (image.Point{x, y}).In(spans[i].r) {
					base = spans[i].c
					break
				}
			}
			l1 := line(cos2pi(float64(y)/lam1 + colShift[x]))
			l2 := line(cos2pi(float64(x)/lam2 + rowShift[y]))
			t := 0.4 * max(l1, l2)
			o := 4 * x
			row[o] = mix(base.R, lc.R, t)
			row[o+1] = mix(base.G, lc.G, t)
			row[o+2] = mix(base.B, lc.B, t)
			row[o+3] = 255
		}
	}
}

// rosetteMask returns the coverage of a guilloche rosette filling r.
func rosetteMask(size image.Rectangle, r image.Rectangle, rng *rand.Rand) *image.Alpha {
	m := image.NewAlpha(size)
	cx, cy := float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
	rad := math.Min(float64(r.Dx()), float64(r.Dy())) / 2
	k1, k2 := 7+rng.IntN(6), 11+rng.IntN(8)
	n1, n2 := 9.0+3*rng.Float64(), 6.0+3*rng.Float64()
	r = r.Intersect(size)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			dx, dy := (float64(x)-cx)/rad, (float64(y)-cy)/rad
			rr := math.Hypot(dx, dy)
			if rr >= 1 {
				continue
			}
			th := math.Atan2(dy, dx) / (2 * math.Pi)
			a := line(cos2pi(rr*n1 + 0.35*float64(cos2pi(th*float64(k1)))))
			b := line(cos2pi(rr*n2 - 0.25*float64(cos2pi(th*float64(k2)+0.25))))
			v := max(a, b) * float32(1-rr*rr*0.3)
			m.Pix[(y-m.Rect.Min.Y)*m.Stride+(x-m.Rect.Min.X)] = uint8(255 * v)
		}
	}
	return m
}

// emblemMask returns the coverage of a round state-emblem-like figure
// (sun disk, rays, a shanyrak lattice, an outer ring) filling r, with 2×2
// supersampling for smooth edges.
func emblemMask(size image.Rectangle, r image.Rectangle) *image.Alpha {
	m := image.NewAlpha(size)
	cx, cy := float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
	rad := math.Min(float64(r.Dx()), float64(r.Dy())) / 2
	in := func(u, v float64) bool {
		rr := math.Hypot(u, v)
		th := math.Atan2(v, u)
		switch {
		case rr > 0.97:
			return false
		case rr > 0.86:
			return true // outer ring
		case rr > 0.80:
			return false
		case rr < 0.22:
			return true // sun disk
		case rr < 0.28:
			return false
		}
		// rays between the disk and the ring
		if rr < 0.62 && math.Cos(32*th) > 0.55 {
			return true
		}
		// the shanyrak: two crossing pairs of bars and an inner ring
		if rr > 0.64 && rr < 0.72 {
			return true
		}
		for _, a := range []float64{math.Pi / 4, 3 * math.Pi / 4} {
			d := math.Abs(u*math.Sin(a) - v*math.Cos(a))
			if d < 0.035 && rr > 0.3 {
				return true
			}
		}
		// wings: arcs left and right
		wing := math.Abs(math.Hypot(math.Abs(u)-0.55, v+0.05) - 0.18)
		return wing < 0.03 && rr > 0.3
	}
	r = r.Intersect(size)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n := 0
			for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				if in((float64(x)+o[0]-cx)/rad, (float64(y)+o[1]-cy)/rad) {
					n++
				}
			}
			if n > 0 {
				m.Pix[(y-m.Rect.Min.Y)*m.Stride+(x-m.Rect.Min.X)] = uint8(n * 255 / 4)
			}
		}
	}
	return m
}

// fibreMask draws n short curved security fibres at random over size.
func fibreMask(size image.Rectangle, pxPerMM float64, n int, rng *rand.Rand) *image.Alpha {
	m := image.NewAlpha(size)
	w := math.Max(1.2, 0.06*pxPerMM)
	for range n {
		x, y := float64(size.Min.X)+rng.Float64()*float64(size.Dx()), float64(size.Min.Y)+rng.Float64()*float64(size.Dy())
		ang := rng.Float64() * 2 * math.Pi
		bend := (rng.Float64() - 0.5) * 0.15
		length := (2 + 3*rng.Float64()) * pxPerMM
		for s := 0.0; s < length; s += 0.5 {
			ang += bend * 0.5 / pxPerMM * 4
			x += 0.5 * math.Cos(ang)
			y += 0.5 * math.Sin(ang)
			disc(m, x, y, w/2)
		}
	}
	return m
}

// disc sets a small antialiased disc in m.
func disc(m *image.Alpha, cx, cy, r float64) {
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			if !(image.Point{x, y}).In(m.Rect) {
				continue
			}
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			a := clamp01(r + 0.5 - d)
			i := m.PixOffset(x, y)
			if v := uint8(255 * a); v > m.Pix[i] {
				m.Pix[i] = v
			}
		}
	}
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// blend paints colour c over dst through mask, at opacity op.
func blend(dst *image.RGBA, mask *image.Alpha, c color.RGBA, op float64) {
	b := dst.Rect.Intersect(mask.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		mi := mask.PixOffset(b.Min.X, y)
		di := dst.PixOffset(b.Min.X, y)
		for x := b.Min.X; x < b.Max.X; x, mi, di = x+1, mi+1, di+4 {
			a := mask.Pix[mi]
			if a == 0 {
				continue
			}
			t := float32(float64(a) / 255 * op)
			dst.Pix[di] = mix(dst.Pix[di], c.R, t)
			dst.Pix[di+1] = mix(dst.Pix[di+1], c.G, t)
			dst.Pix[di+2] = mix(dst.Pix[di+2], c.B, t)
		}
	}
}

// smooth is a 0→1 step over [a, b].
func smooth(a, b, x float64) float64 {
	t := clamp01((x - a) / (b - a))
	return t * t * (3 - 2*t)
}

// portrait draws a head-and-shoulders portrait of w×h pixels, varied by
// rng: skin tone, hair colour and style, face shape, clothing, background.
func portrait(w, h int, female bool, rng *rand.Rand) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	skins := [][3]float64{{233, 196, 166}, {215, 170, 130}, {190, 145, 105}, {240, 210, 185}, {170, 120, 85}}
	hairs := [][3]float64{{30, 22, 18}, {60, 40, 25}, {95, 65, 40}, {20, 20, 22}, {140, 110, 70}, {110, 105, 100}}
	clothes := [][3]float64{{40, 45, 70}, {70, 70, 75}, {25, 25, 30}, {90, 40, 45}, {50, 80, 95}, {220, 220, 225}}
	skin, hair, cloth := skins[rng.IntN(len(skins))], hairs[rng.IntN(len(hairs))], clothes[rng.IntN(len(clothes))]
	bgTop := [3]float64{200 + 30*rng.Float64(), 205 + 30*rng.Float64(), 215 + 30*rng.Float64()}
	fw := 0.27 + 0.04*rng.Float64() // face half-width, in widths
	fh := 0.29 + 0.04*rng.Float64() // face half-height, in heights
	cy := 0.44 + 0.03*rng.Float64()
	eyeDX, eyeY := 0.10+0.02*rng.Float64(), cy-0.03
	long := female || rng.IntN(5) == 0
	sw, sh := float64(w), float64(h)
	aa := 1.5 / sw // edge softness, in widths

	for y := range h {
		for x := range w {
			u, v := (float64(x)+0.5)/sw-0.5, (float64(y)+0.5)/sh
			bg := 1 - 0.25*v
			c := [3]float64{bgTop[0] * bg, bgTop[1] * bg, bgTop[2] * bg}
			put := func(col [3]float64, a float64) {
				for i := range 3 {
					c[i] = c[i]*(1-a) + col[i]*a
				}
			}
			// long hair behind the head
			if long {
				d := math.Hypot(u/(fw+0.09), (v-cy-0.08)/(fh+0.16))
				put(hair, 1-smooth(1-aa*4, 1, d))
			}
			// shoulders
			sd := math.Hypot(u/0.50, (v-1.08)/0.30)
			put(cloth, 1-smooth(1-aa*3, 1, sd))
			// neck
			if math.Abs(u) < 0.10 && v > cy+fh*0.6 && v < 0.92 {
				nc := [3]float64{skin[0] * 0.88, skin[1] * 0.86, skin[2] * 0.85}
				put(nc, 1-smooth(0.10-aa*2, 0.10, math.Abs(u)))
			}
			// face, lit from the upper left
			fd := math.Hypot(u/fw, (v-cy)/fh)
			if fd < 1.05 {
				shade := 1 - 0.12*clamp01(u/fw+0.3) - 0.08*clamp01((v-cy)/fh)
				put([3]float64{skin[0] * shade, skin[1] * shade, skin[2] * shade}, 1-smooth(1-aa*4, 1, fd))
			}
			// hair on top
			hd := math.Hypot(u/(fw+0.025), (v-cy+0.02)/(fh+0.035))
			if hd < 1.02 && v < cy-fh*0.45+0.04*math.Cos(u*9) {
				put(hair, 1-smooth(1-aa*4, 1, hd))
			}
			// eyes, brows, nose, mouth
			for _, sx := range []float64{-1, 1} {
				ed := math.Hypot((u-sx*eyeDX)/0.045, (v-eyeY)/0.018)
				put([3]float64{245, 245, 245}, 1-smooth(0.8, 1, ed))
				id := math.Hypot((u-sx*eyeDX)/0.018, (v-eyeY)/0.016)
				put([3]float64{40, 30, 25}, 1-smooth(0.8, 1, id))
				bd := math.Hypot((u-sx*eyeDX)/0.06, (v-eyeY+0.045)/0.010)
				put(hair, 0.9*(1-smooth(0.7, 1, bd)))
			}
			nd := math.Hypot(u/0.02, (v-cy-0.07)/0.05)
			put([3]float64{skin[0] * 0.8, skin[1] * 0.75, skin[2] * 0.72}, 0.6*(1-smooth(0.7, 1, nd)))
			md := math.Hypot(u/0.07, (v-cy-0.16)/0.014)
			put([3]float64{160, 80, 80}, 1-smooth(0.7, 1, md))
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(c[0]), uint8(c[1]), uint8(c[2]), 255
		}
	}
	return img
}

func luma(r, g, b uint8) float64 { return 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b) }
