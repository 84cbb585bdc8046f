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
	// Steady keeps the spacing even (no drift, perspective or uneven
	// fillers), for testing a fixed-pitch segmentation on its own.
	Steady bool
	// Drift and FillerAdvance, when not zero, set the spacing's change
	// from the line's start to its end and the fillers' advance relative
	// to other glyphs (for tests of uneven spacing).
	Drift, FillerAdvance float64
	// Persp, when not zero, sets the perspective of a line photographed
	// at an angle: its glyphs' size runs from 1-Persp/2 at the start to
	// 1+Persp/2 at the end.
	Persp float64
	// Twins, when not zero, draws the letter O and the digit 0 alike as
	// some printers do: 1 the 0 with the O's outline in its own box, 2
	// the O with the 0's, 3 both as the O (outline and size).
	Twins int
}

// Line is a rendered line with its truth.
type Line struct {
	Image *image.Gray
	Text  string
	// Cells are the character cells (advance × cap height) in image
	// coordinates, one per character of Text.
	Cells []image.Rectangle
	// Centres are the centres of the characters' cells (the middle of
	// the advance at half the cap height), in image coordinates.
	Centres [][2]float64
	// Pitches are the local advance at each character, in pixels: a
	// photographed line in perspective grows along its length.
	Pitches []float64
	// Units are the local size of a character cell without the
	// spacing's drift or wide fillers: the font's advance at the local
	// scale.
	Units []float64
	Cap   float64 // mean cap height in pixels
	// InkCap is the height the capitals' ink takes once the stroke
	// weight has grown or thinned it.
	InkCap float64
	Pitch  float64 // mean advance in pixels
}

// RandomText returns an MRZ-like line of n characters: runs of letters,
// digits and fillers, like names, numbers and dates. Letters and digits
// come out about equally often per character, so the classifier learns
// no prior for 0 over O or 1 over I.
func RandomText(rng *rand.Rand, n int) string {
	b := make([]byte, 0, n)
	for len(b) < n {
		switch k := rng.IntN(10); {
		case k < 4: // name part
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

// style is the per-line randomness of a rendering.
type style struct {
	face           *Face
	capPx, spacing float64
	condense, tall float64
	angle, shear   float64
	persp          float64 // relative growth of the scale from the line's start to its end
	drift          float64 // relative growth of the spacing alone along the line
	chevAdv        float64 // advance of a filler relative to other glyphs
	curve          float64 // bow of the baseline, in cap heights
	jitX, jitY     float64 // per-glyph position jitter, in pitches and cap heights
	bulgeX, bulgeY float64 // rounder (>0) or squarer (<0) glyphs
	glyphVar       float64 // per-glyph random scale
	chevW, chevH   float64 // filler size relative to the font's
	weight         float64 // stroke growth per side, in cap heights (<0 thins)
	holes, worn    bool
	// twins: 1 draws the digit 0 with the letter O's outline, 2 the
	// reverse, as some printers' OCR-B does; the reader must then learn
	// that the shape alone does not tell them apart. 3 draws the 0 as
	// the O, outline and size.
	twins               int
	binarize            bool
	neighbourUp, neighD bool
}

// twinShare is the per cent of lines whose O and 0 share one outline.
var twinShare = 0

func newStyle(rng *rand.Rand, faces []*Face, opt Options) style {
	s := style{
		face:     faces[rng.IntN(len(faces))],
		capPx:    math.Exp(uni(rng, math.Log(opt.MinCap), math.Log(opt.MaxCap))),
		spacing:  uni(rng, 0.88, 1.18),
		condense: uni(rng, 0.82, 1.15),
		tall:     uni(rng, 0.94, 1.06),
		angle:    uni(rng, -2.5, 2.5) * math.Pi / 180,
		shear:    uni(rng, -0.14, 0.14),
		jitX:     uni(rng, 0, 0.06),
		jitY:     uni(rng, 0, 0.035),
		bulgeX:   uni(rng, -0.08, 0.14),
		bulgeY:   uni(rng, -0.05, 0.08),
		glyphVar: uni(rng, 0.01, 0.045),
		chevW:    1,
		chevH:    1,
		chevAdv:  1,
	}
	if opt.Clean {
		s.spacing, s.condense, s.tall = uni(rng, 0.97, 1.05), uni(rng, 0.95, 1.02), 1
		s.angle, s.shear = uni(rng, -0.6, 0.6)*math.Pi/180, 0
		s.jitX, s.jitY, s.bulgeX, s.bulgeY, s.glyphVar = 0.01, 0.005, 0, 0, 0
		if opt.Drift != 0 {
			s.drift = opt.Drift
		}
		if opt.FillerAdvance != 0 {
			s.chevAdv = opt.FillerAdvance
		}
		s.twins = opt.Twins
		if opt.Persp != 0 {
			s.persp = opt.Persp
		}
		return s
	}
	if rng.IntN(5) == 0 {
		s.jitX = uni(rng, 0.06, 0.13) // uneven printers and cutting
	}
	if rng.IntN(4) == 0 {
		s.persp = uni(rng, -0.45, 0.45) // a photo taken at an angle
	} else {
		s.persp = uni(rng, -0.04, 0.04)
	}
	// Some documents' MRZ spacing drifts along the line, or sets
	// fillers wider or tighter than other glyphs, at the same glyph size.
	if rng.IntN(3) == 0 {
		s.drift = uni(rng, -0.5, 0.5)
	} else {
		s.drift = uni(rng, -0.05, 0.05)
	}
	if rng.IntN(10) < 3 {
		s.chevAdv = uni(rng, 0.9, 1.9)
	}
	if opt.Steady {
		s.persp, s.drift, s.chevAdv = uni(rng, -0.04, 0.04), 0, 1
		s.jitX = min(s.jitX, 0.05)
	}
	if opt.Drift != 0 {
		s.drift = opt.Drift
	}
	if opt.FillerAdvance != 0 {
		s.chevAdv = opt.FillerAdvance
	}
	if rng.IntN(4) == 0 {
		s.curve = uni(rng, -0.15, 0.15)
	}
	if rng.IntN(5) < 3 {
		// Printers' fillers are often larger than the font's.
		s.chevW, s.chevH = uni(rng, 0.95, 1.4), uni(rng, 0.95, 1.3)
	}
	// Stroke weight: from worn thin print to the heavy strokes of
	// binarised document photos.
	switch k := rng.IntN(20); {
	case k < 3:
		s.weight = uni(rng, -0.028, -0.01)
	case k < 9:
		s.weight = uni(rng, -0.01, 0.015)
	case k < 16:
		s.weight = uni(rng, 0.015, 0.045)
	default:
		s.weight = uni(rng, 0.045, 0.07)
	}
	if k := rng.IntN(100); k < twinShare {
		s.twins = 1 + k%2
	}
	if opt.Twins != 0 {
		s.twins = opt.Twins
	}
	if opt.Persp != 0 {
		s.persp = opt.Persp
	}
	s.holes = rng.IntN(12) == 0
	s.worn = rng.IntN(8) == 0
	if s.worn || s.holes {
		// Worn or dotted print that is also thin leaves nothing to read.
		s.weight = max(s.weight, 0)
	}
	s.binarize = rng.IntN(20) < 9
	s.neighbourUp = rng.IntN(3) == 0
	s.neighD = rng.IntN(3) == 0
	return s
}

// Render draws text as one MRZ line with random size, spacing, glyph
// shape, stroke weight, perspective, skew, margins, neighbouring junk,
// lighting, blur, noise, binarisation and JPEG compression.
func Render(rng *rand.Rand, faces []*Face, text string, opt Options) (*Line, error) {
	if len(faces) == 0 || len(text) == 0 {
		return nil, fmt.Errorf("synth: nothing to render")
	}
	st := newStyle(rng, faces, opt)
	face := st.face
	capPx := st.capPx
	scale := capPx / float64(face.Cap)
	pitch := float64(face.Advance) * scale * st.spacing
	n := len(text)

	// Local scale along the line (perspective): glyph i is drawn at
	// ls[i] times the nominal size, and the advance grows with it.
	ls := make([]float64, n)
	us := make([]float64, n) // cell centres along the line
	var u float64
	for i := range ls {
		t := (float64(i) + 0.5) / float64(n)
		ls[i] = 1 + st.persp*(t-0.5)
		adv := pitch * ls[i] * (1 + st.drift*(t-0.5))
		if text[i] == '<' {
			adv *= st.chevAdv
		}
		us[i] = u + 0.5*adv
		u += adv
	}
	width := u
	endScale := max(ls[0], ls[n-1])

	// Margins around the text block, in pixels.
	mTop := uni(rng, 0.08, 0.9) * capPx * endScale
	mBot := uni(rng, 0.08, 0.9) * capPx * endScale
	mL := uni(rng, 0.05, 1.6) * pitch
	mR := uni(rng, 0.05, 1.6) * pitch
	if rng.IntN(5) == 0 { // tight crop
		mTop, mBot = uni(rng, 0.0, 0.15)*capPx, uni(rng, 0.0, 0.15)*capPx
	}
	bandH := capPx*endScale + math.Abs(st.curve)*capPx
	cosA, sinA := math.Cos(st.angle), math.Sin(st.angle)
	bw := math.Abs(width*cosA) + math.Abs(bandH*sinA)
	bh := math.Abs(width*sinA) + math.Abs(bandH*cosA)
	W := int(math.Ceil(bw + mL + mR))
	H := int(math.Ceil(bh + mTop + mBot))
	if W < 2 || H < 2 {
		return nil, fmt.Errorf("synth: line too small")
	}
	if W*H > 8_000_000 {
		return nil, fmt.Errorf("synth: line too large")
	}
	cx, cy := mL+bw/2, mTop+bh/2
	// Line coordinates: u in [0,width], v in [-cap,0] (v down); the
	// block centre (width/2, -cap/2) goes to the image centre.
	m := affine{
		a: cosA, b: -sinA + cosA*st.shear,
		d: sinA, e: cosA + sinA*st.shear,
	}
	m.c = cx - (m.a*width/2 + m.b*(-capPx/2))
	m.f = cy - (m.d*width/2 + m.e*(-capPx/2))

	// Small text is rasterised at twice the resolution, so the stroke
	// weight can change by fractions of a pixel, then area-averaged down.
	ss := 1
	if capPx < 28 {
		ss = 2
	}
	ras := vector.NewRasterizer(ss*W, ss*H)
	line := &Line{Text: text, Cap: capPx, Pitch: width / float64(n), InkCap: capPx * (st.tall + 2*st.weight)}
	baseline := func(u float64) float64 {
		t := u/width*2 - 1
		return st.curve * capPx * (t*t - 1/3.0)
	}
	drawText := func(txt string, v0 float64, truth bool) {
		for i := 0; i < len(txt) && i < n; i++ {
			g := face.Glyphs[txt[i]]
			if st.twins == 3 && txt[i] == '0' {
				g = face.Glyphs['O']
			}
			// Twins drawn alike: the outline of one in the other's box.
			src := g
			if st.twins == 1 && txt[i] == '0' {
				src = face.Glyphs['O']
			} else if st.twins == 2 && txt[i] == 'O' {
				src = face.Glyphs['0']
			}
			k := ls[i]
			uc := us[i] + rng.NormFloat64()*st.jitX*pitch*k
			vc := v0*k + baseline(us[i]) + rng.NormFloat64()*st.jitY*capPx
			// Glyph size varies between digitisations (one font's 0 is
			// taller than its capitals, another's is not) while each
			// glyph's proportions hold: scale mostly isotropically.
			gs := 1 + rng.NormFloat64()*st.glyphVar
			gx := scale * st.condense * k * gs * (1 + rng.NormFloat64()*0.01)
			gy := scale * st.tall * k * gs
			if txt[i] == '<' {
				gx *= st.chevW
				gy *= st.chevH
			}
			// Shape variation: a bulge about the glyph's ink centre.
			gcx := float64(g.MinX+g.MaxX) / 2
			gcy := float64(g.MinY+g.MaxY) / 2
			ghw := max(1, float64(g.MaxX-g.MinX)/2)
			ghh := max(1, float64(g.MaxY-g.MinY)/2)
			bx := st.bulgeX + rng.NormFloat64()*0.02
			by := st.bulgeY + rng.NormFloat64()*0.015
			if opt.Clean {
				bx, by = 0, 0
			}
			// The advance centre sits at uc.
			ox := uc - float64(face.Advance)/2*gx
			tr := func(p [2]float32) (float32, float32) {
				px, py := float64(p[0]), float64(p[1])
				if src != g {
					px = gcx + (px-float64(src.MinX+src.MaxX)/2)*ghw/max(1, float64(src.MaxX-src.MinX)/2)
					py = gcy + (py-float64(src.MinY+src.MaxY)/2)*ghh/max(1, float64(src.MaxY-src.MinY)/2)
				}
				xn, yn := (px-gcx)/ghw, (py-gcy)/ghh
				px = gcx + (px-gcx)*(1+bx*(1-min(1, yn*yn)))
				py = gcy + (py-gcy)*(1+by*(1-min(1, xn*xn)))
				x, y := m.apply(ox+px*gx, vc+py*gy)
				return float32(x * float64(ss)), float32(y * float64(ss))
			}
			for _, s := range src.segs {
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
				hp, hc := pitch*k/2, capPx*k
				x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
				for _, p := range [4][2]float64{{uc - hp, vc - hc}, {uc + hp, vc - hc}, {uc - hp, vc}, {uc + hp, vc}} {
					x, y := m.apply(p[0], p[1])
					x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
				}
				line.Cells = append(line.Cells, image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x1)), int(math.Round(y1))))
				x, y := m.apply(uc, vc-hc/2)
				line.Centres = append(line.Centres, [2]float64{x, y})
				line.Pitches = append(line.Pitches, pitch*k*(1+st.drift*((float64(i)+0.5)/float64(n)-0.5)))
				line.Units = append(line.Units, float64(face.Advance)*scale*k*st.condense)
			}
		}
	}
	drawText(text, 0, true)
	// Neighbouring lines of the MRZ or the document, partly inside the crop.
	if !opt.Clean && st.neighbourUp {
		drawText(RandomText(rng, n), -uni(rng, 1.45, 2.1)*capPx, false)
	}
	if !opt.Clean && st.neighD {
		drawText(RandomText(rng, n), uni(rng, 1.45, 2.1)*capPx, false)
	}
	mask := image.NewAlpha(image.Rect(0, 0, ss*W, ss*H))
	ras.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	hi := make([]float32, len(mask.Pix))
	for i, a := range mask.Pix {
		hi[i] = float32(a) / 255
	}
	if r := st.weight * capPx * float64(ss); math.Abs(r) > 0.15 {
		embolden(hi, ss*W, ss*H, r)
	}
	ink := hi
	if ss > 1 {
		ink = downsample(hi, ss*W, ss*H, ss)
	}

	// Stroke edges: blur and re-threshold the coverage.
	if !opt.Clean || rng.IntN(2) == 0 {
		sw := max(0.5, uni(rng, 0.02, 0.06)*capPx)
		gaussBlur(ink, W, H, sw)
		t := float32(uni(rng, 0.35, 0.6))
		if opt.Clean {
			t = float32(uni(rng, 0.4, 0.55))
		}
		soft := float32(uni(rng, 0.08, 0.25))
		for i, v := range ink {
			ink[i] = clamp01((v-t)/soft + 0.5)
		}
	}
	if st.holes {
		dotMatrix(rng, ink, W, H, capPx)
	}
	if st.worn {
		wear(rng, ink, W, H, capPx)
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
		x0 := rng.IntN(W / 2)
		x1 := W - rng.IntN(W/2)
		for y := y0; y < min(H, y0+th); y++ {
			for x := x0; x < x1; x++ {
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
	if st.binarize {
		// A binarised crop was sharp enough to threshold.
		blur = uni(rng, 0.2, 0.05*capPx+0.5)
	}
	if opt.Clean {
		blur = uni(rng, 0.3, 0.03*capPx+0.5)
	}
	gaussBlur(pix, W, H, blur)
	noise := uni(rng, 0, 14)
	if opt.Clean {
		noise = uni(rng, 0, 3)
	}
	binarize := !opt.Clean && st.binarize
	if binarize {
		// Binarised crops come from usable scans: noise that crosses
		// the threshold everywhere is not one of them.
		noise = min(noise, 0.1*(paper-inkL))
	}
	// A hard threshold anywhere between the ink and the paper level also
	// thins or thickens the strokes.
	thr := float32(inkL + uni(rng, 0.35, 0.7)*(paper-inkL))
	img := image.NewGray(image.Rect(0, 0, W, H))
	for i, v := range pix {
		v += float32(rng.NormFloat64() * noise)
		if binarize {
			if v < thr {
				v = 0
			} else {
				v = 255
			}
		}
		img.Pix[i] = uint8(min(255, max(0, v+0.5)))
	}
	jpegP := 2
	if binarize {
		jpegP = 6
	}
	if (!opt.Clean && rng.IntN(jpegP) == 0) || (opt.Clean && rng.IntN(3) == 0) {
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

// dotMatrix punches a regular grid of holes into the ink, like a
// dot-matrix or inkjet printer.
func dotMatrix(rng *rand.Rand, ink []float32, W, H int, capPx float64) {
	period := max(2, uni(rng, 0.09, 0.16)*capPx)
	rad := uni(rng, 0.12, 0.2)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			dx := math.Mod(float64(x), period)/period - 0.5
			dy := math.Mod(float64(y), period)/period - 0.5
			if dx*dx+dy*dy > rad {
				ink[y*W+x] *= 0.15
			}
		}
	}
}

// wear removes ink in random blotches, like worn ribbons or a dry
// printer.
func wear(rng *rand.Rand, ink []float32, W, H int, capPx float64) {
	cell := max(2, uni(rng, 0.12, 0.3)*capPx)
	gw, gh := int(float64(W)/cell)+2, int(float64(H)/cell)+2
	grid := make([]float64, gw*gh)
	for i := range grid {
		grid[i] = rng.Float64()
	}
	thr := uni(rng, 0.15, 0.35)
	for y := 0; y < H; y++ {
		fy := float64(y) / cell
		iy := int(fy)
		ty := fy - float64(iy)
		for x := 0; x < W; x++ {
			fx := float64(x) / cell
			ix := int(fx)
			tx := fx - float64(ix)
			a := grid[iy*gw+ix]*(1-tx) + grid[iy*gw+ix+1]*tx
			b := grid[(iy+1)*gw+ix]*(1-tx) + grid[(iy+1)*gw+ix+1]*tx
			if a*(1-ty)+b*ty < thr {
				ink[y*W+x] *= 0.1
			}
		}
	}
}

// embolden grows (r > 0) or shrinks (r < 0) the ink by |r| pixels, using
// the distance to the outline.
func embolden(cov []float32, W, H int, r float64) {
	in := make([]bool, len(cov))
	for i, v := range cov {
		in[i] = v >= 0.5
	}
	dOut := edt(in, W, H, true) // distance of paper pixels to ink
	dIn := edt(in, W, H, false) // distance of ink pixels to paper
	for i := range cov {
		var sd float64 // signed distance to the outline, negative inside
		if in[i] {
			sd = -(math.Sqrt(float64(dIn[i])) - 0.5)
		} else {
			sd = math.Sqrt(float64(dOut[i])) - 0.5
		}
		cov[i] = clamp01(float32(0.5 - (sd - r)))
	}
}

// edt returns the squared Euclidean distance of every pixel to the
// nearest pixel where mask == target (Felzenszwalb–Huttenlocher).
func edt(mask []bool, W, H int, target bool) []float32 {
	const inf = 1e12
	f := make([]float64, max(W, H))
	d := make([]float64, max(W, H))
	v := make([]int, max(W, H))
	z := make([]float64, max(W, H)+1)
	out := make([]float32, W*H)
	tmp := make([]float64, W*H)
	// Columns.
	for x := 0; x < W; x++ {
		for y := 0; y < H; y++ {
			if mask[y*W+x] == target {
				f[y] = 0
			} else {
				f[y] = inf
			}
		}
		dt1(f[:H], d[:H], v, z)
		for y := 0; y < H; y++ {
			tmp[y*W+x] = d[y]
		}
	}
	// Rows.
	for y := 0; y < H; y++ {
		copy(f[:W], tmp[y*W:(y+1)*W])
		dt1(f[:W], d[:W], v, z)
		for x := 0; x < W; x++ {
			out[y*W+x] = float32(d[x])
		}
	}
	return out
}

// dt1 is the 1-D squared distance transform of f into d.
func dt1(f, d []float64, v []int, z []float64) {
	n := len(f)
	k := 0
	v[0] = 0
	z[0] = math.Inf(-1)
	z[1] = math.Inf(1)
	sep := func(q, p int) float64 {
		return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*q-2*p)
	}
	for q := 1; q < n; q++ {
		s := sep(q, v[k])
		for s <= z[k] {
			k--
			s = sep(q, v[k])
		}
		k++
		v[k] = q
		z[k] = s
		z[k+1] = math.Inf(1)
	}
	k = 0
	for q := 0; q < n; q++ {
		for z[k+1] < float64(q) {
			k++
		}
		p := v[k]
		d[q] = float64((q-p)*(q-p)) + f[p]
	}
}

// downsample box-averages an image by an integer factor.
func downsample(p []float32, W, H, f int) []float32 {
	w, h := W/f, H/f
	out := make([]float32, w*h)
	inv := 1 / float32(f*f)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float32
			for dy := 0; dy < f; dy++ {
				row := p[(y*f+dy)*W+x*f:]
				for dx := 0; dx < f; dx++ {
					s += row[dx]
				}
			}
			out[y*w+x] = s * inv
		}
	}
	return out
}

func clamp01(v float32) float32 { return min(1, max(0, v)) }

// gaussBlur blurs a W×H float image in place with a Gaussian: exactly
// for small sigma, by three box passes for larger ones.
func gaussBlur(p []float32, W, H int, sigma float64) {
	if sigma < 0.25 {
		return
	}
	if sigma > 1.5 {
		// Three boxes of radius r have variance 3*((2r+1)^2-1)/12.
		r := max(1, int(math.Round((math.Sqrt(4*sigma*sigma+1)-1)/2)))
		for i := 0; i < 3; i++ {
			boxBlur(p, W, H, r)
		}
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

// boxBlur replaces each pixel by the mean over ±r, rows then columns,
// with the edge pixels repeated beyond the border.
func boxBlur(p []float32, W, H, r int) {
	n := max(W, H)
	src := make([]float32, n)
	inv := 1 / float32(2*r+1)
	pass := func(get func(i int) float32, set func(i int, v float32), m int) {
		for i := 0; i < m; i++ {
			src[i] = get(i)
		}
		at := func(i int) float32 { return src[min(m-1, max(0, i))] }
		var s float32
		for i := -r; i <= r; i++ {
			s += at(i)
		}
		for i := 0; i < m; i++ {
			set(i, s*inv)
			s += at(i+r+1) - at(i-r)
		}
	}
	for y := 0; y < H; y++ {
		row := p[y*W : (y+1)*W]
		pass(func(i int) float32 { return row[i] }, func(i int, v float32) { row[i] = v }, W)
	}
	for x := 0; x < W; x++ {
		pass(func(i int) float32 { return p[i*W+x] }, func(i int, v float32) { p[i*W+x] = v }, H)
	}
}
