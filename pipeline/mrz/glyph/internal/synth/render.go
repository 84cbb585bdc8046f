package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/vector"
)

// Options bounds the random degradations of a rendered line.
type Options struct {
	MinCap, MaxCap float64 // cap height in pixels
	// Clean renders with mild degradations only (for test fixtures that
	// must be unambiguous).
	Clean bool
}

// Line is a rendered line with its truth.
type Line struct {
	Image *image.Gray
	Text  string
	// Cells are the character cells (advance × cap height) in image
	// coordinates, one per character of Text.
	Cells []image.Rectangle
	Cap   float64 // cap height in pixels
	Pitch float64 // advance in pixels
}

// RandomText returns an MRZ-like line of n characters: runs of letters,
// digits and fillers, like names, numbers and dates.
func RandomText(rng *rand.Rand, n int) string {
	b := make([]byte, 0, n)
	for len(b) < n {
		switch k := rng.IntN(10); {
		case k < 3: // name part
			for m := 2 + rng.IntN(10); m > 0; m-- {
				b = append(b, 'A'+byte(rng.IntN(26)))
			}
		case k < 6: // digits
			for m := 1 + rng.IntN(9); m > 0; m-- {
				b = append(b, '0'+byte(rng.IntN(10)))
			}
		case k < 8: // fillers
			for m := 1 + rng.IntN(4+rng.IntN(12)); m > 0; m-- {
				b = append(b, '<')
			}
		default: // anything
			for m := 1 + rng.IntN(6); m > 0; m-- {
				b = append(b, Alphabet[rng.IntN(len(Alphabet))])
			}
		}
	}
	return string(b[:n])
}

func uni(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// affine maps line coordinates (u along the line, v down, baseline v=0) to
// image coordinates.
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(u, v float64) (float64, float64) {
	return m.a*u + m.b*v + m.c, m.d*u + m.e*v + m.f
}

// Render draws text as one MRZ line with random size, spacing, stroke
// weight, skew, margins, neighbouring junk, lighting, blur, noise and
// JPEG compression.
func Render(rng *rand.Rand, faces []*Face, text string, opt Options) (*Line, error) {
	if len(faces) == 0 || len(text) == 0 {
		return nil, fmt.Errorf("synth: nothing to render")
	}
	face := faces[rng.IntN(len(faces))]
	capPx := math.Exp(uni(rng, math.Log(opt.MinCap), math.Log(opt.MaxCap)))
	spacing := uni(rng, 0.9, 1.15)  // pitch relative to the font's advance
	condense := uni(rng, 0.9, 1.06) // glyph width relative to the font; O and 0 differ mostly in width
	tall := uni(rng, 0.95, 1.05)    // glyph height jitter
	angle := uni(rng, -2.5, 2.5) * math.Pi / 180
	shear := uni(rng, -0.12, 0.12)
	jit := uni(rng, 0, 0.05) // per-glyph position jitter, in cap heights
	if opt.Clean {
		spacing, condense, tall = uni(rng, 0.97, 1.05), uni(rng, 0.95, 1.02), 1
		angle, shear, jit = uni(rng, -0.6, 0.6)*math.Pi/180, 0, 0.01
	}
	chevW, chevH := uni(rng, 0.95, 1.3), uni(rng, 0.95, 1.2)
	scale := capPx / float64(face.Cap)
	pitch := float64(face.Advance) * scale * spacing
	n := len(text)

	// Margins around the text block, in pixels.
	mTop := uni(rng, 0.08, 0.9) * capPx
	mBot := uni(rng, 0.08, 0.9) * capPx
	mL := uni(rng, 0.05, 1.6) * pitch
	mR := uni(rng, 0.05, 1.6) * pitch
	if rng.IntN(5) == 0 { // tight crop
		mTop, mBot = uni(rng, 0.02, 0.15)*capPx, uni(rng, 0.02, 0.15)*capPx
	}
	width := float64(n) * pitch
	// The text block rotated about its centre; image size from its
	// rotated extent plus margins.
	cosA, sinA := math.Cos(angle), math.Sin(angle)
	bw := math.Abs(width*cosA) + math.Abs(capPx*sinA)
	bh := math.Abs(width*sinA) + math.Abs(capPx*cosA)
	W := int(math.Ceil(bw + mL + mR))
	H := int(math.Ceil(bh + mTop + mBot))
	if W < 2 || H < 2 {
		return nil, fmt.Errorf("synth: line too small")
	}
	cx, cy := mL+bw/2, mTop+bh/2
	// line coords: u in [0,width], v in [-cap,0]; centre (width/2, -cap/2).
	// shear: u' = u + shear*(v + cap/2)
	m := affine{
		a: cosA, b: -sinA + cosA*shear,
		d: sinA, e: cosA + sinA*shear,
	}
	m.c = cx - (m.a*width/2 + m.b*(-capPx/2))
	m.f = cy - (m.d*width/2 + m.e*(-capPx/2))

	ras := vector.NewRasterizer(W, H)
	line := &Line{Text: text, Cap: capPx, Pitch: pitch}
	drawText := func(txt string, v0 float64, truth bool) {
		for i := 0; i < len(txt); i++ {
			g := face.Glyphs[txt[i]]
			uc := (float64(i)+0.5)*pitch + rng.NormFloat64()*jit*capPx
			vc := v0 + rng.NormFloat64()*jit*capPx*0.5
			gx := scale * condense
			gy := scale * tall
			if txt[i] == '<' && !opt.Clean {
				// Printers' fillers are often larger than the font's.
				gx *= chevW
				gy *= chevH
			}
			// glyph origin so that its advance centre sits at uc
			ox := uc - float64(face.Advance)/2*gx
			tr := func(p [2]float32) (float32, float32) {
				x, y := m.apply(ox+float64(p[0])*gx, vc+float64(p[1])*gy)
				return float32(x), float32(y)
			}
			for _, s := range g.segs {
				switch s.op {
				case sfnt.SegmentOpMoveTo:
					ras.ClosePath()
					x, y := tr(s.args[0])
					ras.MoveTo(x, y)
				case sfnt.SegmentOpLineTo:
					x, y := tr(s.args[0])
					ras.LineTo(x, y)
				case sfnt.SegmentOpQuadTo:
					x1, y1 := tr(s.args[0])
					x2, y2 := tr(s.args[1])
					ras.QuadTo(x1, y1, x2, y2)
				case sfnt.SegmentOpCubeTo:
					x1, y1 := tr(s.args[0])
					x2, y2 := tr(s.args[1])
					x3, y3 := tr(s.args[2])
					ras.CubeTo(x1, y1, x2, y2, x3, y3)
				}
			}
			ras.ClosePath()
			if truth {
				x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
				for _, p := range [4][2]float64{{uc - pitch/2, vc - capPx}, {uc + pitch/2, vc - capPx}, {uc - pitch/2, vc}, {uc + pitch/2, vc}} {
					x, y := m.apply(p[0], p[1])
					x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
				}
				r := image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x1)), int(math.Round(y1)))
				line.Cells = append(line.Cells, r)
			}
		}
	}
	drawText(text, 0, true)
	// Neighbouring lines of the MRZ or the document, partly inside the crop.
	if !opt.Clean && rng.IntN(3) == 0 {
		gap := uni(rng, 1.45, 2.1) * capPx
		drawText(RandomText(rng, n), -gap, false)
	}
	if !opt.Clean && rng.IntN(3) == 0 {
		gap := uni(rng, 1.45, 2.1) * capPx
		drawText(RandomText(rng, n), gap, false)
	}
	mask := image.NewAlpha(image.Rect(0, 0, W, H))
	ras.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})

	ink := make([]float32, W*H)
	for i, a := range mask.Pix {
		ink[i] = float32(a) / 255
	}
	// Stroke weight: blur and re-threshold the coverage.
	if !opt.Clean || rng.IntN(2) == 0 {
		sw := max(0.5, uni(rng, 0.02, 0.06)*capPx)
		gaussBlur(ink, W, H, sw)
		t := float32(uni(rng, 0.28, 0.6))
		if opt.Clean {
			t = float32(uni(rng, 0.4, 0.55))
		}
		soft := float32(uni(rng, 0.08, 0.25))
		for i, v := range ink {
			ink[i] = clamp01((v-t)/soft + 0.5)
		}
	}
	// Dot-matrix or worn print: holes in the ink.
	if !opt.Clean && rng.IntN(14) == 0 {
		period := max(2, uni(rng, 0.09, 0.16)*capPx)
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				dx := math.Mod(float64(x), period)/period - 0.5
				dy := math.Mod(float64(y), period)/period - 0.5
				if dx*dx+dy*dy > 0.16 {
					ink[y*W+x] *= 0.15
				}
			}
		}
	}
	// Specks and a stray rule from the document.
	if !opt.Clean && rng.IntN(4) == 0 {
		for k := rng.IntN(int(2 + 0.02*float64(W))); k > 0; k-- {
			x0, y0 := rng.IntN(W), rng.IntN(H)
			r := max(1, int(uni(rng, 0.02, 0.12)*capPx))
			for y := max(0, y0-r); y < min(H, y0+r); y++ {
				for x := max(0, x0-r); x < min(W, x0+r); x++ {
					ink[y*W+x] = 1
				}
			}
		}
	}
	if !opt.Clean && rng.IntN(8) == 0 {
		y0 := rng.IntN(H)
		th := max(1, int(uni(rng, 0.03, 0.1)*capPx))
		for y := y0; y < min(H, y0+th); y++ {
			for x := 0; x < W; x++ {
				ink[y*W+x] = 1
			}
		}
	}

	// Paper and ink levels with uneven light.
	paper := uni(rng, 130, 255)
	inkL := uni(rng, 0, max(0, paper-70))
	if opt.Clean {
		paper, inkL = uni(rng, 200, 250), uni(rng, 10, 60)
	}
	gx, gy := uni(rng, -1, 1), uni(rng, -1, 1)
	gAmp := uni(rng, 0, 0.35)
	if opt.Clean {
		gAmp = 0.05
	}
	pix := make([]float32, W*H)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			l := 1 + gAmp*(gx*(float64(x)/float64(W)-0.5)+gy*(float64(y)/float64(H)-0.5))
			p := paper * l
			q := inkL * l
			v := ink[y*W+x]
			pix[y*W+x] = float32(p)*(1-v) + float32(q)*v
		}
	}
	blur := uni(rng, 0.2, 0.1*capPx+0.6)
	if opt.Clean {
		blur = uni(rng, 0.3, 0.03*capPx+0.5)
	}
	gaussBlur(pix, W, H, blur)
	noise := uni(rng, 0, 14)
	if opt.Clean {
		noise = uni(rng, 0, 3)
	}
	binarize := !opt.Clean && rng.IntN(4) == 0
	thr := float32((paper+inkL)/2 + uni(rng, -0.15, 0.15)*(paper-inkL))
	img := image.NewGray(image.Rect(0, 0, W, H))
	for i, v := range pix {
		v += float32(rng.NormFloat64() * noise)
		if binarize {
			if v < thr {
				v = float32(inkL)
			} else {
				v = float32(paper)
			}
		}
		img.Pix[i] = uint8(min(255, max(0, v+0.5)))
	}
	if (!opt.Clean && rng.IntN(2) == 0) || (opt.Clean && rng.IntN(3) == 0) {
		q := 15 + rng.IntN(80)
		if opt.Clean {
			q = 70 + rng.IntN(25)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, fmt.Errorf("synth: jpeg: %w", err)
		}
		dec, err := jpeg.Decode(&buf)
		if err != nil {
			return nil, fmt.Errorf("synth: jpeg: %w", err)
		}
		g := image.NewGray(dec.Bounds())
		draw.Draw(g, g.Bounds(), dec, dec.Bounds().Min, draw.Src)
		img = g
	}
	line.Image = img
	return line, nil
}

func clamp01(v float32) float32 { return min(1, max(0, v)) }

// gaussBlur blurs a W×H float image in place with a separable Gaussian.
func gaussBlur(p []float32, W, H int, sigma float64) {
	if sigma < 0.25 {
		return
	}
	r := int(math.Ceil(sigma * 2.5))
	k := make([]float32, 2*r+1)
	var sum float32
	for i := -r; i <= r; i++ {
		k[i+r] = float32(math.Exp(-float64(i*i) / (2 * sigma * sigma)))
		sum += k[i+r]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float32, max(W, H))
	for y := 0; y < H; y++ {
		row := p[y*W : (y+1)*W]
		for x := 0; x < W; x++ {
			var s float32
			for i := -r; i <= r; i++ {
				xx := min(W-1, max(0, x+i))
				s += k[i+r] * row[xx]
			}
			tmp[x] = s
		}
		copy(row, tmp[:W])
	}
	for x := 0; x < W; x++ {
		for y := 0; y < H; y++ {
			var s float32
			for i := -r; i <= r; i++ {
				yy := min(H-1, max(0, y+i))
				s += k[i+r] * p[yy*W+x]
			}
			tmp[y] = s
		}
		for y := 0; y < H; y++ {
			p[y*W+x] = tmp[y]
		}
	}
}
