// Package seg cuts an MRZ line image into character cells and turns each
// cell into the fixed raster the glyph classifier reads. The reader and the
// training recipe share it, so the classifier is trained on exactly the
// cells it will see.
package seg

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
)

// Raster size of one character cell fed to the classifier.
const (
	RasterW = 16
	RasterH = 20
	// Features is the length of one cell's feature vector.
	Features = RasterW * RasterH
)

// Window of a cell relative to the pitch and cap height.
const (
	winW = 1.1 // × pitch
	winH = 1.3 // × cap height
)

// Errors.
var (
	ErrTooSmall = errors.New("seg: line image too small")
	ErrTooLarge = errors.New("seg: line image too large")
	ErrNoText   = errors.New("seg: no text found")
)

// Limits on the input. Lines larger than maxWorkH rows are scaled down
// first; a line crop is never that tall, but a caller may pass a frame.
const (
	minW, minH = 8, 6
	maxPixels  = 40_000_000
	maxWorkH   = 128
)

// maxCells bounds the characters of a line (MRZ lines have at most 44).
const maxCells = 120

// Cell is one character position.
type Cell struct {
	X, Y float64         // centre in work coordinates
	Box  image.Rectangle // in the caller's image coordinates
}

// Layout is a segmented line.
type Layout struct {
	Cells []Cell
	Pitch float64 // in work pixels
	Cap   float64 // cap height in work pixels
	// Scale maps work coordinates to the caller's image: image = work*Scale + Origin.
	Scale  float64
	Origin image.Point

	w, h int
	ink  []float32 // normalised ink, 0 paper .. 1 full ink, work resolution
	// Column profile, its smoothed copy, the ink extent and the wanted
	// count.
	col, sm []float64
	xa, xb  int
	want    int
	slope   float64 // band centre y = y0 + slope*x
	y0      float64
	// Scale along the line, 1 + grow*(x-xMid): a line photographed at
	// an angle is larger at its near end, in pitch and cap height alike.
	grow, xMid float64
	// glyphW is the typical glyph ink width at the line's middle.
	glyphW float64
}

// Segment finds the text band, the character pitch and the character
// cells of a line image. wantLen > 0 is the expected number of
// characters; 0 infers it from the pitch.
func Segment(img *image.Gray, wantLen int) (*Layout, error) {
	if img == nil {
		return nil, fmt.Errorf("%w: nil image", ErrTooSmall)
	}
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	if W < minW || H < minH {
		return nil, fmt.Errorf("%w: %dx%d", ErrTooSmall, W, H)
	}
	if W*H > maxPixels || W > 50_000 || H > 50_000 {
		return nil, fmt.Errorf("%w: %dx%d", ErrTooLarge, W, H)
	}
	if img.Stride < W || len(img.Pix) < (H-1)*img.Stride+W {
		return nil, fmt.Errorf("%w: pixel buffer shorter than bounds", ErrTooSmall)
	}
	if wantLen < 0 || wantLen > 200 {
		return nil, fmt.Errorf("seg: wantLen %d out of range", wantLen)
	}
	if f := (H + maxWorkH - 1) / maxWorkH; W/f < minW {
		return nil, fmt.Errorf("%w: %dx%d is not a line", ErrTooSmall, W, H)
	}
	l := &Layout{Scale: 1, Origin: b.Min}
	gray := l.load(img)
	l.normalise(gray)
	if err := l.findBand(); err != nil {
		return nil, err
	}
	if err := l.findCells(wantLen); err != nil {
		return nil, err
	}
	if l.refineBand() {
		// Cells keep their columns; their rows follow the refined band.
		for i := range l.Cells {
			l.setCell(i, l.Cells[i].X)
		}
	}
	return l, nil
}

// load copies the image into float work pixels, box-averaging lines taller
// than maxWorkH.
func (l *Layout) load(img *image.Gray) []float32 {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	f := 1
	if H > maxWorkH {
		f = (H + maxWorkH - 1) / maxWorkH
	}
	w, h := W/f, H/f
	if w < 1 {
		w = 1
	}
	out := make([]float32, w*h)
	inv := 1 / float32(f*f)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s int
			for dy := 0; dy < f; dy++ {
				row := img.Pix[(y*f+dy)*img.Stride:]
				for dx := 0; dx < f; dx++ {
					s += int(row[x*f+dx])
				}
			}
			out[y*w+x] = float32(s) * inv
		}
	}
	l.w, l.h, l.Scale = w, h, float64(f)
	return out
}

// normalise turns grey levels into ink in 0..1, flattening uneven light:
// the paper level at a pixel is the brightest value in a window of about
// the line's height along its row.
func (l *Layout) normalise(g []float32) {
	w, h := l.w, l.h
	sm := boxBlur(g, w, h, 1, 1)
	bg := make([]float32, w*h)
	rad := max(3, h/2)
	for y := 0; y < h; y++ {
		runMax(sm[y*w:(y+1)*w], bg[y*w:(y+1)*w], rad)
	}
	bg = boxBlur(bg, w, h, rad, max(1, h/6))
	c := make([]float32, w*h)
	var hist [256]int
	for i := range c {
		v := (bg[i] - g[i]) / max(bg[i], 8)
		if v < 0 {
			v = 0
		}
		c[i] = v
		hist[min(255, int(v*255))]++
	}
	// Ink level: the 97th percentile of contrast.
	k := 0
	for acc, n := 0, len(c)*3/100; k < 255; k++ {
		acc += hist[255-k]
		if acc > n {
			break
		}
	}
	K := float32(255-k) / 255
	if K < 0.1 {
		K = 0 // no real contrast: leave the ink empty
	}
	for i, v := range c {
		if K == 0 {
			c[i] = 0
			continue
		}
		u := (v/K - 0.2) / 0.8
		c[i] = min(1, max(0, u))
	}
	l.ink = c
}

// findBand locates the text line (its centre line and cap height),
// allowing for a few degrees of skew. Rows are scored by their ink
// transitions, not their ink, so rules and smudges do not look like text.
func (l *Layout) findBand() error {
	w, h := l.w, l.h
	nStrips := max(1, min(8, w/(2*h)))
	tv := make([][]float32, nStrips)
	total := make([]float32, h)
	for s := range tv {
		tv[s] = make([]float32, h)
		x0, x1 := s*w/nStrips, (s+1)*w/nStrips
		for y := 0; y < h; y++ {
			row := l.ink[y*w : (y+1)*w]
			var t float32
			for x := x0 + 1; x < x1; x++ {
				d := row[x] - row[x-1]
				if d < 0 {
					d = -d
				}
				t += d
			}
			tv[s][y] = t
			total[y] += t
		}
	}
	lo, hi, ok := textBand(total, 1)
	if !ok {
		return ErrNoText
	}
	pad := max(1, (hi-lo)/3)
	lo, hi = max(0, lo-pad), min(h-1, hi+pad)
	var xs, ys, ws []float64
	for s := range tv {
		a, b, ok := textBand(tv[s][lo:hi+1], 1)
		if !ok {
			continue
		}
		var m, my float64
		for y := a; y <= b; y++ {
			v := float64(tv[s][lo+y])
			m += v
			my += v * float64(lo+y)
		}
		if m > 1 {
			xs = append(xs, float64(2*s+1)*float64(w)/float64(2*nStrips))
			ys = append(ys, my/m)
			ws = append(ws, m)
		}
	}
	if len(xs) == 0 {
		return ErrNoText
	}
	y0, slope := fitLine(xs, ys, ws)
	if math.Abs(slope) > 0.08 {
		slope = 0
		y0 = float64(lo+hi) / 2
	}
	// Transition profile along the fitted line gives the band.
	off := h
	dprof := make([]float32, 2*off+1)
	for y := 0; y < h; y++ {
		row := l.ink[y*w : (y+1)*w]
		for x := 1; x < w; x++ {
			d := row[x] - row[x-1]
			if d == 0 {
				continue
			}
			if d < 0 {
				d = -d
			}
			k := int(math.Round(float64(y)-(y0+slope*float64(x)))) + off
			if k >= 0 && k < len(dprof) {
				dprof[k] += d
			}
		}
	}
	a, bnd, ok := textBand(dprof, 0.5)
	if !ok {
		return ErrNoText
	}
	capH := float64(bnd - a + 1)
	centre := float64(a+bnd)/2 - float64(off)
	l.y0 = y0 + centre
	l.slope = slope
	l.Cap = max(capH, 4)
	return nil
}

// scaleAt is the local size relative to the line's middle.
func (l *Layout) scaleAt(x float64) float64 {
	return min(1.8, max(0.55, 1+l.grow*(x-l.xMid)))
}

// UnitAt is the usual character advance at column x, taken from the
// glyphs' width rather than from the line's pitch: some documents set
// their fillers much wider or tighter than the other glyphs, or let the
// spacing drift along the line, and then the pitch measured over the whole
// line fits neither part.
func (l *Layout) UnitAt(x float64) float64 {
	p := l.PitchAt(x)
	return min(1.6*p, max(0.6*p, l.GlyphWAt(x)/typicalGlyph))
}

// GlyphWAt is the typical glyph width at column x.
func (l *Layout) GlyphWAt(x float64) float64 {
	g := l.glyphW
	if g <= 0 {
		g = typicalGlyph * l.Pitch
	}
	return g * l.scaleAt(x)
}

// typicalGlyph is an OCR-B glyph's usual ink width in pitches.
const typicalGlyph = 0.7

// CapAt is the cap height at column x (work coordinates).
func (l *Layout) CapAt(x float64) float64 { return l.Cap * l.scaleAt(x) }

// PitchAt is the character pitch at column x.
func (l *Layout) PitchAt(x float64) float64 { return l.Pitch * l.scaleAt(x) }

// InkSpan is the first and last column of the line's ink (work
// coordinates).
func (l *Layout) InkSpan() (float64, float64) { return float64(l.xa), float64(l.xb) }

// setCell places cell i centred on column cx.
func (l *Layout) setCell(i int, cx float64) {
	cy := l.BandY(cx)
	p, c := l.PitchAt(cx), l.CapAt(cx)
	l.Cells[i] = Cell{X: cx, Y: cy, Box: l.toImage(cx-p/2, cy-c/2, cx+p/2, cy+c/2)}
}

// refineBand measures the ink top and bottom of every cell and fits the
// band centre and the cap height along the line to them. The first
// estimate comes from the whole line's transition profile and is off by
// a few per cent depending on the text; a glyph's height relative to the
// line's capitals is what tells O from 0, so the reference must be
// exact. Short glyphs (fillers) are left out.
func (l *Layout) refineBand() bool {
	n := len(l.Cells)
	if n < 4 {
		return false
	}
	xs := make([]float64, 0, n)
	hs := make([]float64, 0, n)
	cs := make([]float64, 0, n)
	rows := make([]float64, l.h)
	gw := make([]float64, 0, n)
	for _, c := range l.Cells {
		top, bot, ok := l.inkRows(c.X, l.Pitch, rows)
		if !ok {
			continue
		}
		xs = append(xs, c.X)
		hs = append(hs, float64(bot-top+1))
		cs = append(cs, float64(top+bot+1)/2)
		gw = append(gw, l.inkWidth(c.X, top, bot))
	}
	if len(hs) < 4 {
		return false
	}
	l.grow = growth(xs, hs, gw, l.xMid, float64(l.xb-l.xa))
	// Heights at the line's middle scale; fillers (0.86 cap) left out.
	for i := range hs {
		k := l.scaleAt(xs[i])
		hs[i] /= k
		gw[i] /= k
	}
	sorted := slices.Clone(hs)
	slices.Sort(sorted)
	ref := sorted[len(sorted)*3/4]
	var kx, kc, kh, kw []float64
	for i := range hs {
		if hs[i] >= 0.92*ref && hs[i] <= 1.25*ref {
			kx, kc, kh = append(kx, xs[i]), append(kc, cs[i]), append(kh, hs[i])
			kw = append(kw, 1)
		}
	}
	if len(kx) < max(4, n/4) {
		return false
	}
	capMid := median(kh)
	if capMid < 0.7*l.Cap || capMid > 1.4*l.Cap || capMid < 3 {
		return false
	}
	ca, cb := fitLine(kx, kc, kw)
	if math.Abs(cb-l.slope) > 0.05 {
		cb = l.slope
		ca = median(kc) - cb*median(kx)
	}
	l.Cap = capMid
	l.y0, l.slope = ca, cb
	// Typical glyph width: narrow glyphs (1, I) left out.
	var ws []float64
	sortedW := slices.Clone(gw)
	slices.Sort(sortedW)
	wref := sortedW[len(sortedW)*3/4]
	for _, v := range gw {
		if v >= 0.6*wref {
			ws = append(ws, v)
		}
	}
	if len(ws) >= 3 {
		if g := median(ws); g > 0.4*l.Pitch && g < 1.1*l.Pitch {
			l.glyphW = g
		}
	}
	return true
}

// inkRows finds the top and bottom row of the glyph centred on column
// cx: the run of inked rows around the band centre, bridging small gaps,
// over the columns within 0.45 unit of cx. rows is scratch of length h.
func (l *Layout) inkRows(cx, unit float64, rows []float64) (top, bot int, ok bool) {
	w, h := l.w, l.h
	x0 := max(0, int(math.Round(cx-0.45*unit)))
	x1 := min(w-1, int(math.Round(cx+0.45*unit)))
	if x1-x0 < 2 {
		return 0, 0, false
	}
	yc := l.BandY(cx)
	ya := max(0, int(math.Floor(yc-0.95*l.Cap)))
	yb := min(h-1, int(math.Ceil(yc+0.95*l.Cap)))
	yi := int(math.Round(yc))
	if yi < ya || yi > yb {
		return 0, 0, false
	}
	for y := ya; y <= yb; y++ {
		var s float32
		for _, v := range l.ink[y*w+x0 : y*w+x1+1] {
			s += v
		}
		rows[y] = float64(s)
	}
	thr := 0.05 * unit
	gap := max(1, int(0.12*l.Cap))
	top, bot = -1, -1
	for y, miss := yi, 0; y >= ya && miss <= gap; y-- {
		if rows[y] >= thr {
			top, miss = y, 0
			if bot < 0 {
				bot = y
			}
		} else {
			miss++
		}
	}
	for y, miss := yi, 0; y <= yb && miss <= gap; y++ {
		if rows[y] >= thr {
			bot, miss = y, 0
			if top < 0 {
				top = y
			}
		} else {
			miss++
		}
	}
	return top, bot, top >= 0 && bot > top
}

// InkHeight is the ink height of the glyph centred on column x, in work
// pixels.
func (l *Layout) InkHeight(x float64) (float64, bool) {
	top, bot, ok := l.inkRows(x, l.UnitAt(x), make([]float64, l.h))
	return float64(bot - top + 1), ok
}

// growth fits how glyph heights and widths change along the line. Digits
// are taller than capitals and may cluster at one end, so a change is
// taken as perspective only when heights and widths both change by more
// than 25% from end to end, the same way; less is within what the
// classifier tolerates.
func growth(xs, hs, ws []float64, xMid, span float64) float64 {
	if len(xs) < 8 || span <= 0 {
		return 0
	}
	fit := func(v []float64) (float64, bool) {
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		ref := sorted[len(sorted)*3/4]
		var kx, kv, kw []float64
		for i := range v {
			if v[i] >= 0.6*ref && v[i] <= 1.4*ref {
				kx, kv, kw = append(kx, xs[i]-xMid), append(kv, v[i]), append(kw, 1)
			}
		}
		if len(kx) < 6 {
			return 0, false
		}
		a, b := fitLine(kx, kv, kw)
		if a <= 0 {
			return 0, false
		}
		return b / a, true
	}
	gh, okh := fit(hs)
	gw, okw := fit(ws)
	if !okh || !okw || gh*gw <= 0 {
		return 0
	}
	g := math.Copysign(math.Sqrt(gh*gw), gh)
	if math.Abs(g*span) < 0.25 {
		return 0
	}
	return max(-0.9/span, min(0.9/span, g))
}

// inkWidth is the width of the run of inked columns around column cx
// between rows top and bot, within ±0.6 pitch.
func (l *Layout) inkWidth(cx float64, top, bot int) float64 {
	w := l.w
	x0 := max(0, int(math.Round(cx-0.6*l.Pitch)))
	x1 := min(w-1, int(math.Round(cx+0.6*l.Pitch)))
	thr := float32(0.04 * l.Cap)
	colInk := func(x int) bool {
		var s float32
		for y := top; y <= bot; y++ {
			s += l.ink[y*w+x]
		}
		return s >= thr
	}
	// Start at the inked column nearest the centre.
	xc := int(math.Round(cx))
	start := -1
	for d := 0; d <= int(0.3*l.Pitch)+1 && start < 0; d++ {
		for _, x := range []int{xc - d, xc + d} {
			if x >= x0 && x <= x1 && colInk(x) {
				start = x
				break
			}
		}
	}
	if start < 0 {
		return 0
	}
	a, b := start, start
	for a > x0 && colInk(a-1) {
		a--
	}
	for b < x1 && colInk(b+1) {
		b++
	}
	return float64(b - a + 1)
}

// textBand picks, among the runs where the profile exceeds half its
// maximum, the one with the most mass, then widens it while the profile
// keeps falling and stays above a fifth of the maximum.
func textBand(p []float32, minMass float32) (int, int, bool) {
	var m float32
	for _, v := range p {
		m = max(m, v)
	}
	if m < minMass {
		return 0, 0, false
	}
	half := m / 2
	bestA, bestB := -1, -1
	var bestMass float32
	for i := 0; i < len(p); {
		if p[i] < half {
			i++
			continue
		}
		j := i
		var mass float32
		for j < len(p) && p[j] >= half {
			mass += p[j]
			j++
		}
		if mass > bestMass {
			bestMass, bestA, bestB = mass, i, j-1
		}
		i = j
	}
	if bestA < 0 {
		return 0, 0, false
	}
	// Two lines merged by blur: split at a clear valley and keep the side
	// with more mass.
	for {
		a, b := bestA, bestB
		split := -1
		var lmax float32
		for v := a + 1; v < b; v++ {
			lmax = max(lmax, p[v-1])
			var rmax float32
			for _, x := range p[v+1 : b+1] {
				rmax = max(rmax, x)
			}
			if p[v] < 0.7*min(lmax, rmax) && (split < 0 || p[v] < p[split]) {
				split = v
			}
		}
		if split < 0 {
			break
		}
		var ml, mr float32
		for _, x := range p[a:split] {
			ml += x
		}
		for _, x := range p[split+1 : b+1] {
			mr += x
		}
		if ml >= mr {
			bestB = split - 1
		} else {
			bestA = split + 1
		}
	}
	floor := m / 5
	for bestA > 0 && p[bestA-1] >= floor && p[bestA-1] <= p[bestA] {
		bestA--
	}
	for bestB < len(p)-1 && p[bestB+1] >= floor && p[bestB+1] <= p[bestB] {
		bestB++
	}
	return bestA, bestB, true
}

// BandY is the centre of the text band at column x (work coordinates).
func (l *Layout) BandY(x float64) float64 { return l.y0 + l.slope*x }

// findCells estimates the pitch by autocorrelation of the column profile,
// lays a lattice of cells over the ink, and refines each boundary to the
// nearest gap.
func (l *Layout) findCells(wantLen int) error {
	w := l.w
	col := make([]float64, w)
	half := l.Cap * 0.6
	for x := 0; x < w; x++ {
		yc := l.BandY(float64(x))
		ya := max(0, int(math.Floor(yc-half)))
		yb := min(l.h-1, int(math.Ceil(yc+half)))
		var s float32
		for y := ya; y <= yb; y++ {
			s += l.ink[y*w+x]
		}
		col[x] = float64(s)
	}
	// Ink extent: first and last columns with real ink.
	var peak float64
	for _, v := range col {
		peak = max(peak, v)
	}
	if peak < 1 {
		return ErrNoText
	}
	xa, xb := inkExtent(col, peak*0.04, l.Cap)
	if xa < 0 {
		return ErrNoText
	}
	pitch := l.estimatePitch(col, xa, xb, wantLen)
	if pitch < 2 {
		return ErrNoText
	}
	l.xMid = float64(xa+xb) / 2
	// Pitch and phase together: the lattice whose boundaries fall on the
	// least ink. A pitch off by 1% drifts by a whole cell over 44
	// characters, so the autocorrelation estimate is only a start.
	sm := smooth1(col, max(1, int(pitch/10)))
	if float64(xb-xa)/pitch > maxCells {
		return fmt.Errorf("%w: %.0f character cells is no MRZ line", ErrNoText, float64(xb-xa)/pitch)
	}
	lat := fitLattice(sm, pitch, xa, xb, wantLen)
	l.sm, l.col, l.xa, l.xb, l.want = sm, col, xa, xb, wantLen
	return l.build(lat)
}

// build lays the cells of one lattice hypothesis.
func (l *Layout) build(lat lattice) error {
	w, sm, col, xa, xb, wantLen := l.w, l.sm, l.col, l.xa, l.xb, l.want
	pitch, start := lat.pitch, lat.start
	for start+pitch <= float64(xa) {
		start += pitch
	}
	for start > float64(xa) {
		start -= pitch
	}
	// Cells from start on; measure ink mass per cell.
	var bounds []float64
	for x := start; x < float64(xb)+pitch; x += pitch {
		bounds = append(bounds, x)
	}
	if len(bounds) < 2 {
		return ErrNoText
	}
	// Ink in the central 60% of each cell: every MRZ glyph has ink there,
	// while a neighbour's edge in the cell's margin does not count.
	mass := make([]float64, len(bounds)-1)
	for i := range mass {
		a := bounds[i] + 0.2*pitch
		b := bounds[i+1] - 0.2*pitch
		for x := max(0, int(math.Ceil(a))); x < min(w, int(math.Ceil(b))); x++ {
			mass[i] += col[x]
		}
	}
	first, last := textRun(mass)
	if first < 0 {
		return ErrNoText
	}
	if wantLen > 0 && last-first+1 != wantLen {
		first, last = fitCount(mass, first, last, wantLen)
	}
	n := last - first + 1
	cuts := dpCuts(sm, bounds[0]+float64(first)*pitch, pitch, n)
	l.Pitch = pitch
	l.Cells = make([]Cell, n)
	for i := 0; i < n; i++ {
		l.setCell(i, (cuts[i]+cuts[i+1])/2)
	}
	return nil
}

// dpCuts places n+1 cuts by dynamic programming: each cut on little ink,
// each step close to the pitch. Photographed documents are not flat, so
// the pitch drifts along the line; a rigid lattice would slip a whole
// character over 44.
func dpCuts(sm []float64, start, pitch float64, n int) []float64 {
	// Normalise ink so a full glyph column costs about 1.
	s := slices.Clone(sm)
	slices.Sort(s)
	ref := s[len(s)*9/10]
	if ref <= 0 {
		ref = 1
	}
	const lambda, mu = 20.0, 1.5
	r := int(math.Ceil(pitch * 0.45)) // search radius around the lattice
	dMin, dMax := pitch*0.85, pitch*1.15
	span := 2*r + 1
	cost := make([]float64, (n+1)*span)
	from := make([]int32, (n+1)*span)
	pos := func(i, k int) float64 { return math.Round(start+float64(i)*pitch) + float64(k-r) }
	for k := 0; k < span; k++ {
		off := float64(k-r) / pitch
		cost[k] = inkAt(sm, pos(0, k))/ref + mu*off*off
	}
	for i := 1; i <= n; i++ {
		for k := 0; k < span; k++ {
			x := pos(i, k)
			// Ink under the cut, plus a pull back to the lattice so the
			// whole line cannot slide by a fraction of a cell.
			off := float64(k-r) / pitch
			ink := inkAt(sm, x)/ref + mu*off*off
			best, arg := math.Inf(1), -1
			for j := 0; j < span; j++ {
				d := x - pos(i-1, j)
				if d < dMin || d > dMax {
					continue
				}
				dev := (d - pitch) / pitch
				if c := cost[(i-1)*span+j] + lambda*dev*dev; c < best {
					best, arg = c, j
				}
			}
			if arg < 0 {
				cost[i*span+k] = math.Inf(1)
				from[i*span+k] = int32(r)
				continue
			}
			cost[i*span+k] = best + ink
			from[i*span+k] = int32(arg)
		}
	}
	k, best := r, math.Inf(1)
	for j := 0; j < span; j++ {
		if c := cost[n*span+j]; c < best {
			best, k = c, j
		}
	}
	cuts := make([]float64, n+1)
	for i := n; i >= 0; i-- {
		cuts[i] = pos(i, k)
		k = int(from[i*span+k])
	}
	return cuts
}

// BoxAt maps a rectangle in work coordinates to the caller's image.
func (l *Layout) BoxAt(x0, y0, x1, y1 float64) image.Rectangle { return l.toImage(x0, y0, x1, y1) }

func (l *Layout) toImage(x0, y0, x1, y1 float64) image.Rectangle {
	s := l.Scale
	r := image.Rect(int(math.Floor(x0*s)), int(math.Floor(y0*s)), int(math.Ceil(x1*s)), int(math.Ceil(y1*s)))
	r = r.Add(l.Origin)
	return r
}

// fitLattice finds pitch and phase. Every glyph's ink starts between
// 0.05 and 0.45 pitches into its cell (I and 1 are the thin ones), so for
// n characters the ink extent pins the pitch to within about 3%; within that, the lattice whose
// boundaries cross the least ink wins. Candidate counts around ext/p0 are
// compared by that ink (wantLen, when given and plausible, is the only
// candidate).
func fitLattice(sm []float64, p0 float64, xa, xb, wantLen int) lattice {
	ext := float64(xb - xa + 1)
	score := func(p, st float64) float64 {
		var s float64
		n := 0
		for x := st; x <= float64(xb)+0.5*p; x += p {
			s += interp(sm, x)
			n++
		}
		return s / float64(max(n, 1))
	}
	n0 := int(math.Round(ext/p0 + 0.45))
	cands := []int{n0 - 2, n0 - 1, n0, n0 + 1, n0 + 2}
	if wantLen > 1 {
		if p := ext / (float64(wantLen) - 0.45); math.Abs(p-p0)/p0 < 0.1 {
			cands = []int{wantLen}
		}
	}
	var all []lattice
	for _, n := range cands {
		if n < 1 {
			continue
		}
		pHi := ext / (float64(n) - 0.9)
		pLo := ext / (float64(n) - 0.1)
		if n == 1 {
			pLo, pHi = p0*0.9, p0*1.1
		}
		if pHi < p0*0.85 || pLo > p0*1.15 {
			continue
		}
		for i := 0; i <= 24; i++ {
			p := pLo + (pHi-pLo)*float64(i)/24
			for j := 0; j <= 12; j++ {
				st := float64(xa) - p*(0.05+0.4*float64(j)/12)
				all = append(all, lattice{score(p, st), p, st})
			}
		}
	}
	if len(all) == 0 {
		// No count fits the extent: fall back to the free fit.
		for i := 0; i <= 28; i++ {
			p := p0 * (0.93 + 0.14*float64(i)/28)
			for j := 0; j < 16; j++ {
				st := float64(xa) - p*float64(j)/16
				all = append(all, lattice{score(p, st), p, st})
			}
		}
	}
	best := all[0]
	for _, c := range all[1:] {
		if c.score < best.score {
			best = c
		}
	}
	return best
}

// lattice is one pitch and phase hypothesis with its boundary ink.
type lattice struct{ score, pitch, start float64 }

// inkExtent returns the first and last inked columns, ignoring specks that
// stand apart from the text by more than 1.5 cap heights.
func inkExtent(col []float64, thr, capH float64) (int, int) {
	type run struct {
		a, b int
		mass float64
	}
	var runs []run
	for x := 0; x < len(col); {
		if col[x] <= thr {
			x++
			continue
		}
		r := run{a: x}
		for x < len(col) && col[x] > thr {
			r.mass += col[x]
			x++
		}
		r.b = x - 1
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return -1, -1
	}
	masses := make([]float64, len(runs))
	for i, r := range runs {
		masses[i] = r.mass
	}
	slices.Sort(masses)
	big := masses[len(masses)*3/4] * 0.1
	gap := 1.5 * capH
	// Group runs separated by less than gap; keep the heaviest group.
	bestA, bestB, bestM := -1, -1, 0.0
	for i := 0; i < len(runs); {
		j := i
		m := runs[i].mass
		for j+1 < len(runs) && float64(runs[j+1].a-runs[j].b) < gap {
			j++
			m += runs[j].mass
		}
		if m > bestM {
			bestA, bestB, bestM = i, j, m
		}
		i = j + 1
	}
	// Trim faint runs at the group's ends (specks next to the text).
	// A thin glyph (I, 1) stands up to about 0.7 cap heights from its
	// neighbour; a speck must stand further off and weigh less.
	for bestA < bestB && runs[bestA].mass < big && float64(runs[bestA+1].a-runs[bestA].b) > capH {
		bestA++
	}
	for bestB > bestA && runs[bestB].mass < big && float64(runs[bestB].a-runs[bestB-1].b) > capH {
		bestB--
	}
	return runs[bestA].a, runs[bestB].b
}

// estimatePitch returns the lag at which the column profile best repeats
// itself, preferring the fundamental over its multiples. wantLen > 1 adds
// the lag the ink extent implies, taken when the profile agrees with it.
func (l *Layout) estimatePitch(col []float64, xa, xb, wantLen int) float64 {
	seg := col[xa : xb+1]
	n := len(seg)
	var mean float64
	for _, v := range seg {
		mean += v
	}
	mean /= float64(n)
	d := make([]float64, n)
	for i, v := range seg {
		d[i] = v - mean
	}
	lo := max(2, int(l.Cap*0.45))
	hi := min(n-2, int(l.Cap*2.2)+1)
	if hi <= lo {
		return 0
	}
	ac := make([]float64, hi+2)
	for lag := 1; lag <= hi+1 && lag < n; lag++ {
		var s float64
		for i := 0; i+lag < n; i++ {
			s += d[i] * d[i+lag]
		}
		ac[lag] = s / float64(n-lag)
	}
	// Local maxima, best first.
	best := -1
	for lag := lo; lag <= hi; lag++ {
		if ac[lag] > 0 && ac[lag] >= ac[lag-1] && ac[lag] >= ac[lag+1] {
			if best < 0 || ac[lag] > ac[best] {
				best = lag
			}
		}
	}
	if best < 0 {
		return 0
	}
	// Octave check: a peak near half the lag that is nearly as strong is
	// the real pitch.
	for {
		h := best / 2
		cand := -1
		for lag := max(lo, h-2); lag <= min(hi, h+2); lag++ {
			if lag < best && ac[lag] >= ac[lag-1] && ac[lag] >= ac[lag+1] && (cand < 0 || ac[lag] > ac[cand]) {
				cand = lag
			}
		}
		if cand < 0 || ac[cand] < 0.6*ac[best] {
			break
		}
		best = cand
	}
	refine := func(b int) float64 {
		p := float64(b)
		if b > 0 && b+1 < len(ac) {
			a, m, c := ac[b-1], ac[b], ac[b+1]
			if den := a - 2*m + c; den < 0 {
				p += 0.5 * (a - c) / den
			}
		}
		return p
	}
	if wantLen > 1 {
		// The extent spans about wantLen-1 pitches plus one glyph: take the
		// autocorrelation peak nearest to that, if one is near.
		guess := float64(n) / (float64(wantLen) - 0.4)
		near := -1
		for lag := lo; lag <= hi; lag++ {
			if ac[lag] > 0 && ac[lag] >= ac[lag-1] && ac[lag] >= ac[lag+1] && math.Abs(float64(lag)-guess) < 0.15*guess {
				if near < 0 || math.Abs(float64(lag)-guess) < math.Abs(float64(near)-guess) {
					near = lag
				}
			}
		}
		if near >= 0 {
			best = near
		}
	}
	return refine(best)
}

// textRun returns the longest run of inked cells, allowing short empty
// stretches inside it.
func textRun(mass []float64) (int, int) {
	s := slices.Clone(mass)
	slices.Sort(s)
	ref := s[len(s)*3/4]
	if ref <= 0 {
		return -1, -1
	}
	thr := ref * 0.12
	bestA, bestB, bestLen := -1, -1, 0
	a, gap := -1, 0
	lastInk := -1
	for i, m := range mass {
		if m >= thr {
			if a < 0 || gap > 2 {
				a = i
			}
			gap = 0
			lastInk = i
			if lastInk-a+1 > bestLen {
				bestA, bestB, bestLen = a, lastInk, lastInk-a+1
			}
		} else {
			gap++
		}
	}
	return bestA, bestB
}

// fitCount moves the window [first,last] to exactly want cells, keeping
// the most ink.
func fitCount(mass []float64, first, last, want int) (int, int) {
	n := len(mass)
	if want > n {
		return first, last
	}
	bestA, best := first, -1.0
	for a := 0; a+want <= n; a++ {
		var s float64
		for i := a; i < a+want; i++ {
			s += mass[i]
		}
		// Prefer windows overlapping the found text.
		if s > best+1e-9 {
			best, bestA = s, a
		}
	}
	return bestA, bestA + want - 1
}

// mainRun returns the contiguous run around the profile's maximum where it
// stays above frac of the maximum.
func mainRun(p []float32, frac float32) (int, int, bool) {
	arg := -1
	var m float32
	for i, v := range p {
		if v > m {
			m, arg = v, i
		}
	}
	if arg < 0 || m < 1 {
		return 0, 0, false
	}
	t := m * frac
	a, b := arg, arg
	for a > 0 && p[a-1] >= t {
		a--
	}
	for b < len(p)-1 && p[b+1] >= t {
		b++
	}
	return a, b, true
}

func fitLine(xs, ys, ws []float64) (y0, slope float64) {
	for iter := 0; iter < 3; iter++ {
		var sw, sx, sy, sxx, sxy float64
		for i := range xs {
			w := ws[i]
			sw += w
			sx += w * xs[i]
			sy += w * ys[i]
			sxx += w * xs[i] * xs[i]
			sxy += w * xs[i] * ys[i]
		}
		den := sw*sxx - sx*sx
		if sw == 0 {
			return 0, 0
		}
		if math.Abs(den) < 1e-9 {
			y0, slope = sy/sw, 0
		} else {
			slope = (sw*sxy - sx*sy) / den
			y0 = (sy - slope*sx) / sw
		}
		// Down-weight outliers (strips pulled by junk).
		var res []float64
		for i := range xs {
			res = append(res, math.Abs(ys[i]-(y0+slope*xs[i])))
		}
		med := median(res)
		for i := range ws {
			if res[i] > 3*med+1 {
				ws[i] = 0
			}
		}
	}
	return y0, slope
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// inkAt is interp with no ink outside the image: a glyph cut by the
// image edge ends there.
func inkAt(p []float64, x float64) float64 {
	if x < 0 || x > float64(len(p)-1) {
		return 0
	}
	return interp(p, x)
}

func interp(p []float64, x float64) float64 {
	if x <= 0 {
		return p[0]
	}
	if x >= float64(len(p)-1) {
		return p[len(p)-1]
	}
	i := int(x)
	f := x - float64(i)
	return p[i]*(1-f) + p[i+1]*f
}

func smooth1(p []float64, r int) []float64 {
	out := make([]float64, len(p))
	for i := range p {
		var s float64
		var n int
		for j := max(0, i-r); j <= min(len(p)-1, i+r); j++ {
			s += p[j]
			n++
		}
		out[i] = s / float64(n)
	}
	return out
}

// runMax writes to dst the maximum of src over a window of ±r.
func runMax(src, dst []float32, r int) {
	n := len(src)
	dq := make([]int, 0, 2*r+2)
	// Sliding window [i-r, i+r].
	next := 0
	for i := 0; i < n; i++ {
		for ; next <= min(n-1, i+r); next++ {
			for len(dq) > 0 && src[dq[len(dq)-1]] <= src[next] {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, next)
		}
		for dq[0] < i-r {
			dq = dq[1:]
		}
		dst[i] = src[dq[0]]
	}
}

// boxBlur returns a box-filtered copy with radii rx, ry.
func boxBlur(p []float32, w, h, rx, ry int) []float32 {
	tmp := make([]float32, w*h)
	for y := 0; y < h; y++ {
		row := p[y*w : (y+1)*w]
		var s float32
		n := 0
		// running sum over [x-rx, x+rx]
		for x := 0; x <= min(w-1, rx); x++ {
			s += row[x]
			n++
		}
		for x := 0; x < w; x++ {
			tmp[y*w+x] = s / float32(n)
			if add := x + rx + 1; add < w {
				s += row[add]
				n++
			}
			if sub := x - rx; sub >= 0 {
				s -= row[sub]
				n--
			}
		}
	}
	out := make([]float32, w*h)
	for x := 0; x < w; x++ {
		var s float32
		n := 0
		for y := 0; y <= min(h-1, ry); y++ {
			s += tmp[y*w+x]
			n++
		}
		for y := 0; y < h; y++ {
			out[y*w+x] = s / float32(n)
			if add := y + ry + 1; add < h {
				s += tmp[add*w+x]
				n++
			}
			if sub := y - ry; sub >= 0 {
				s -= tmp[sub*w+x]
				n--
			}
		}
	}
	return out
}

// Raster writes cell i's classifier input into dst (length Features):
// the ink in a window of winW pitches by winH cap heights around the
// cell centre, area-sampled.
func (l *Layout) Raster(i int, dst []float32) {
	c := l.Cells[i]
	l.RasterAt(c.X, c.Y, dst)
}

// RasterAt writes the classifier input for a window centred at (cx, cy)
// in work coordinates: the ink area-sampled (2×2 bilinear samples per
// raster pixel) over winW character units by winH cap heights.
func (l *Layout) RasterAt(cx, cy float64, dst []float32) {
	// The window's width follows the line's typical glyph width, not
	// its pitch: printers condense or widen glyphs independently of
	// their spacing, and O and 0 differ mostly in width.
	ww := l.UnitAt(cx) * winW
	wh := l.CapAt(cx) * winH
	x0 := cx - ww/2
	y0 := cy - wh/2
	sx := ww / RasterW
	sy := wh / RasterH
	// The sample grid is separable: columns and rows once.
	var xi [2 * RasterW]int
	var xf [2 * RasterW]float32
	var yi [2 * RasterH]int
	var yf [2 * RasterH]float32
	inside := true
	for k := range xi {
		x := x0 + (float64(k)+0.5)*sx/2 - 0.5
		f := math.Floor(x)
		xi[k], xf[k] = int(f), float32(x-f)
		inside = inside && xi[k] >= 0 && xi[k]+1 < l.w
	}
	for k := range yi {
		y := y0 + (float64(k)+0.5)*sy/2 - 0.5
		f := math.Floor(y)
		yi[k], yf[k] = int(f), float32(y-f)
		inside = inside && yi[k] >= 0 && yi[k]+1 < l.h
	}
	if !inside {
		for ry := 0; ry < RasterH; ry++ {
			for rx := 0; rx < RasterW; rx++ {
				var s float32
				for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
					s += l.at(x0+(float64(rx)+o[0])*sx, y0+(float64(ry)+o[1])*sy)
				}
				dst[ry*RasterW+rx] = s / 4
			}
		}
		return
	}
	w := l.w
	var row [2 * RasterW]float32
	for ry := 0; ry < RasterH; ry++ {
		out := dst[ry*RasterW : (ry+1)*RasterW]
		clear(out)
		for j := 2 * ry; j < 2*ry+2; j++ {
			r0 := l.ink[yi[j]*w : (yi[j]+1)*w]
			r1 := l.ink[(yi[j]+1)*w : (yi[j]+2)*w]
			fy := yf[j]
			for k, x := range xi {
				a := r0[x] + (r0[x+1]-r0[x])*xf[k]
				b := r1[x] + (r1[x+1]-r1[x])*xf[k]
				row[k] = a + (b-a)*fy
			}
			for rx := range out {
				out[rx] += row[2*rx] + row[2*rx+1]
			}
		}
		for rx := range out {
			out[rx] /= 4
		}
	}
}

// at samples the ink bilinearly; outside the image there is no ink.
func (l *Layout) at(x, y float64) float32 {
	x -= 0.5
	y -= 0.5
	fx0, fy0 := math.Floor(x), math.Floor(y)
	ix, iy := int(fx0), int(fy0)
	fx, fy := float32(x-fx0), float32(y-fy0)
	w, h := l.w, l.h
	if ix >= 0 && iy >= 0 && ix+1 < w && iy+1 < h {
		i := iy*w + ix
		p := l.ink[i : i+w+2]
		a := p[0] + (p[1]-p[0])*fx
		b := p[w] + (p[w+1]-p[w])*fx
		return a + (b-a)*fy
	}
	get := func(x, y int) float32 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 0
		}
		return l.ink[y*w+x]
	}
	a := get(ix, iy)*(1-fx) + get(ix+1, iy)*fx
	b := get(ix, iy+1)*(1-fx) + get(ix+1, iy+1)*fx
	return a*(1-fy) + b*fy
}
