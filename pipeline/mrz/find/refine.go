package find

import (
	"cmp"
	"math"
	"slices"
)

// Refinement tuning, in patch pixels: the patch is resampled so that the
// candidate's character height is about refineCharH.
const (
	refineCharH = 14
	// refineAcross is the patch's half-height in character heights: from
	// an end line, room for a TD1's third line spaced widely (2.7
	// heights) even when the candidate's height is judged 15 % short.
	refineAcross = 7
	refineAlong  = 3   // extra length at each end, in character heights
	bandMinFrac  = 0.3 // a text row has this share of the anchor's peak ink
	// minLineSpacing: lines are at least a measured character height
	// apart. The measured height runs high on print with a halo (up to
	// 1.5 times the cap height), so the old 1.25 lost zones printed 1.5
	// heights apart (rendered: TestReadRendered "lines 1.5 heights apart").
	minLineSpacing = 1.0
	// maxLineSpacing: ICAO's lines are some 2 character heights apart,
	// but other hands space them wider: a card whose MRZ box is laid out
	// for OCR-B sets its lines 3.3 character heights apart, and a line
	// measures short of its capitals by a tenth or more (rendered:
	// TestFindWideSpacedMono; the varied renderer's TD3 photos).
	maxLineSpacing = 4.0
	// maxHeightRatio: the lines of a zone measure at most this many
	// times each other's height (see refineAt's matches).
	maxHeightRatio = 1.8
)

// patch is a rectified copy of the neighbourhood of a line candidate:
// patch pixel (i, j) is at origin + i*step*u + j*step*v in the image.
type patch struct {
	*plane
	ox, oy float64 // image position of pixel (0, 0)
	ux, uy float64 // unit vector along the line
	vx, vy float64 // unit vector across it, "down" for text running along u
	step   float64 // image pixels per patch pixel
}

func (p *patch) toImage(i, j float64) Point {
	return Point{p.ox + (i*p.ux+j*p.vx)*p.step, p.oy + (i*p.uy+j*p.vy)*p.step}
}

func samplePatch(src source, cx, cy, theta, halfLen, halfAcross, step float64) *patch {
	ux, uy := math.Cos(theta), math.Sin(theta)
	vx, vy := -uy, ux
	w := int(math.Ceil(2 * halfLen / step))
	h := int(math.Ceil(2 * halfAcross / step))
	pt := &patch{plane: newPlane(w, h), ux: ux, uy: uy, vx: vx, vy: vy, step: step}
	pt.ox = cx - halfLen*ux - halfAcross*vx
	pt.oy = cy - halfLen*uy - halfAcross*vy
	src.fill(pt.p, w, h, pt.ox, pt.oy, step*ux, step*uy, step*vx, step*vy)
	return pt
}

// band is one text line found in a patch.
type band struct {
	y0, slope float64 // centre row = y0 + slope*x
	height    float64 // character height
	x0, x1    float64 // extent of the text along the patch rows
	mass      float64
}

func (b band) centre(x float64) float64 { return b.y0 + b.slope*x }

// refine looks closely at the neighbourhood of candidate c and returns
// the MRZ zones it finds there: runs of 2 or 3 text lines of matching
// extent and regular spacing that include the candidate's line.
func refine(src source, c lineCand) []Zone {
	h := c.thick
	rescaled, recentred := false, false
	for attempt := 0; attempt < 4; attempt++ {
		zones, a := refineAt(src, c, h)
		if a.height == 0 {
			return zones
		}
		// The candidate's thickness is only a guess of the character
		// height (lines close together may have merged); look again at
		// the scale the text turned out to have.
		if !rescaled && (a.height < 0.6*h || a.height > 1.6*h) {
			h, rescaled = a.height, true
			continue
		}
		grow := (a.touch0 || a.touch1) && a.x1-a.x0 <= maxLineLength*math.Max(h, a.height)
		// A candidate's direction comes from its blob, which may be a
		// piece of the line: once the line is known, look again along it.
		off := math.Abs(a.slope)*(a.x1-a.x0) > 0.15*h || math.Abs(a.across) > 0.25*h
		if !grow && (!off || recentred) {
			return zones
		}
		if !grow {
			recentred = true
		}
		// Centre on the text found, along its own direction.
		cs, sn := math.Cos(c.theta), math.Sin(c.theta)
		c.cx += -sn * a.across
		c.cy += cs * a.across
		c.theta += math.Atan(a.slope)
		if grow {
			// Faint print breaks blobs: when the text runs on past the
			// patch, look further.
			more := math.Max(0.5*(a.x1-a.x0), 8*h)
			if a.touch0 {
				a.x0 -= more
			}
			if a.touch1 {
				a.x1 += more
			}
		}
		mid := (a.x0 + a.x1) / 2
		c.cx += mid * cs
		c.cy += mid * sn
		c.length = a.x1 - a.x0
	}
	return nil
}

// maxLineLength is the longest MRZ line in character heights (44
// characters at a generous pitch).
const maxLineLength = 60

// anchorInfo is what refineAt learnt of the candidate's own line: its
// character height and extent along the candidate (image pixels from
// the candidate's centre), and whether the text runs on past either end
// of the patch.
type anchorInfo struct {
	height         float64
	x0, x1         float64
	touch0, touch1 bool
	slope          float64 // of the line relative to the candidate
	across         float64 // offset of the line's middle from the candidate's centre line, image pixels
}

// refineAt is refine with the character height taken as h; it also
// returns the height it measured for the candidate's line (0: none).
func refineAt(src source, c lineCand, h float64) ([]Zone, anchorInfo) {
	step := h / refineCharH
	halfLen := c.length/2 + refineAlong*h
	pt := samplePatch(src, c.cx, c.cy, c.theta, halfLen, refineAcross*h, step)
	w, ph := pt.w, pt.h
	core0 := int(refineAlong * refineCharH)
	core1 := w - core0
	if core1-core0 < 4*refineCharH {
		return nil, anchorInfo{}
	}
	ink := inkMaskCols(pt.plane, refineCharH*13/10, inkRatio, printContrasts(pt.plane, core0, core1, ph/2-refineCharH*6/10, ph/2+refineCharH*6/10))
	// Nothing is printed beyond the image's edge.
	for j := 0; j < ph; j++ {
		for _, i := range [2]int{0, w - 1} {
			if p := pt.toImage(float64(i), float64(j)); src.inside(p.X, p.Y) {
				continue
			}
			for x := 0; x < w; x++ {
				if p := pt.toImage(float64(x), float64(j)); !src.inside(p.X, p.Y) {
					ink[j*w+x] = 0
				}
			}
			break
		}
	}
	// The shear that makes the text rows sharpest gives the residual skew.
	bestSlope, bestSharp := 0.0, -1.0
	var profile []float64
	xs, ys := inkPoints(ink, w, ph, core0, core1)
	for k := -6; k <= 6; k++ {
		slope := float64(k) * 0.009 // steps of about half a degree
		p := rowProfile(xs, ys, ph, core1-core0, slope)
		sharp := 0.0
		for _, v := range p {
			sharp += v * v
		}
		if sharp > bestSharp {
			bestSlope, bestSharp, profile = slope, sharp, p
		}
	}
	// Rows inked nearly across are a dark surface (the table beyond the
	// document's edge, a photo), not print: text rows are at most about
	// half ink. The reference is the candidate's own rows.
	for i, v := range profile {
		if v > 0.75 {
			profile[i] = 0
		}
	}
	profile = smooth(profile, 1)
	peak := 0.0
	for y := max(0, ph/2-refineCharH*3/2); y < min(ph, ph/2+refineCharH*3/2); y++ {
		peak = math.Max(peak, profile[y])
	}
	if peak <= 0 {
		return nil, anchorInfo{}
	}
	var bands []band
	for y := 0; y < ph; {
		if profile[y] < 0.12*peak {
			y++
			continue
		}
		start := y
		local := 0.0
		for y < ph && profile[y] >= 0.12*peak {
			local = math.Max(local, profile[y])
			y++
		}
		n := 0
		for r := start; r < y; r++ {
			if profile[r] >= 0.5*local {
				n++
			}
		}
		hgt := float64(n)
		if hgt < 0.3*refineCharH || hgt > 2.5*refineCharH || local < 0.25*peak {
			continue
		}
		mid := (float64(start) + float64(y-1)) / 2
		b, ok := fitBand(ink, w, ph, mid, bestSlope, hgt, 0, w)
		if !ok {
			continue
		}
		b.mass = local
		bands = append(bands, b)
	}
	if len(bands) == 0 {
		return nil, anchorInfo{}
	}
	// The anchor band is the one nearest the patch centre.
	ai := 0
	dist := func(b band) float64 { return math.Abs(b.centre(float64(w)/2) - float64(ph)/2) }
	for i, b := range bands {
		if dist(b) < dist(bands[ai]) {
			ai = i
		}
	}
	ref := bands[ai]
	info := anchorInfo{
		height: ref.height * step,
		x0:     ref.x0*step - halfLen, x1: ref.x1*step - halfLen,
		touch0: ref.x0 < 1.5*refineCharH, touch1: ref.x1 > float64(w)-1.5*refineCharH,
		slope:  ref.slope,
		across: (ref.centre((ref.x0+ref.x1)/2) - float64(ph)/2) * step,
	}
	if dist(ref) > 1.5*refineCharH {
		return nil, anchorInfo{} // the candidate's own line is not there
	}
	// Keep the consecutive bands that match the anchor in size and extent
	// and are regularly spaced.
	// A line's measured height depends on what it prints: in a font
	// whose '<' is shorter than its capitals (most monospace fonts, not
	// OCR-B), a line mostly of fillers measures some 0.6 of a data
	// line's height. Sizes and distances are judged by the taller line.
	matches := func(b band) bool {
		hr := b.height / ref.height
		tol := 2.2 * math.Max(ref.height, b.height)
		return hr > 1/maxHeightRatio && hr < maxHeightRatio && math.Abs(b.x0-ref.x0) < tol && math.Abs(b.x1-ref.x1) < tol
	}
	lo, hi := ai, ai
	for lo > 0 && matches(bands[lo-1]) && spacingOK(bands[lo-1], bands[lo]) {
		lo--
	}
	for hi < len(bands)-1 && matches(bands[hi+1]) && spacingOK(bands[hi], bands[hi+1]) {
		hi++
	}
	run := bands[lo : hi+1]

	var zones []Zone
	add := func(bs []band) {
		z := Zone{}
		// One character height for the zone: the median line's, and less
		// than the spacing allows.
		hs := make([]float64, len(bs))
		for i, b := range bs {
			hs[i] = b.height
		}
		slices.Sort(hs)
		hz := hs[len(hs)/2]
		for i := 1; i < len(bs); i++ {
			hz = math.Min(hz, 0.62*(bs[i].y0-bs[i-1].y0))
		}
		for _, b := range bs {
			p0 := pt.toImage(b.x0, b.centre(b.x0))
			p1 := pt.toImage(b.x1, b.centre(b.x1))
			z.Lines = append(z.Lines, Line{P0: p0, P1: p1, Height: hz * step})
		}
		z.Score = c.score * zoneShapeScore(bs)
		zones = append(zones, z)
	}
	switch {
	case len(run) == 2 || len(run) == 3:
		add(run)
	case len(run) > 3:
		// Text lines of the same length beside the MRZ: offer each window
		// of 3 and 2 lines containing the anchor.
		for n := 3; n >= 2; n-- {
			for s := max(0, ai-lo-n+1); s <= ai-lo && s+n <= len(run); s++ {
				add(run[s : s+n])
			}
		}
	}
	slices.SortStableFunc(zones, func(a, b Zone) int { return cmp.Compare(b.Score, a.Score) })
	return zones, info
}

// printContrasts returns, for each column of p, how much darker than
// its surroundings a pixel there must be to count as MRZ print: a third
// of the way from the paper to the darkest print of the candidate's own
// rows y0–y1 (printContrast) over its columns x0–x1, and, in a piece of
// those columns where the print is clearly fainter (a reflection across
// part of the line), over that piece, down to fadedContrast of the
// whole's.
func printContrasts(p *plane, x0, x1, y0, y1 int) []float32 {
	whole := printContrast(p, x0, x1, y0, y1)
	out := make([]float32, p.w)
	seg := 4 * refineCharH
	for x := range out {
		out[x] = whole
	}
	// Pieces of the candidate's own extent: past it, paper and patterns
	// spread less than print, and are not faded print.
	for s := x0; s+seg/2 <= x1; s += seg {
		e := min(x1, s+seg)
		local := printContrast(p, s, e, y0, y1)
		if local >= fadeStart*whole {
			local = whole // the usual spread of dark and light strokes
		} else {
			local = max(inkMinDiff, fadedContrast*whole, local)
		}
		for x := s; x < e; x++ {
			out[x] = local
		}
	}
	return out
}

// fadeStart: print whose contrast along part of the line is less than
// this share of the whole's is faded there; thinner strokes or fewer
// dark ones (a stretch of fillers) spread less, and are judged as the
// whole.
const fadeStart = 0.6

// fadedContrast is how far below the contrast of a candidate's print as
// a whole its print may fade along part of the line and still count:
// a reflection lightens a stretch of it, and a thin-stroked font's
// strokes fade more than OCR-B's.
const fadedContrast = 0.45

// printContrast returns how much darker than its surroundings a pixel
// of p must be to count as MRZ print: a third of the way from the paper
// (the median) to the darkest print (the 2nd percentile) of the
// candidate's own text, columns x0–x1 and rows y0–y1, so that light
// watermarks and background patterns drop out while faint print stays.
func printContrast(p *plane, x0, x1, y0, y1 int) float32 {
	var hist [256]int
	n := 0
	for y := max(0, y0); y < min(p.h, y1); y++ {
		for _, v := range p.p[y*p.w+x0 : y*p.w+x1] {
			hist[min(255, max(0, int(v)))]++
			n++
		}
	}
	pct := func(q float64) float32 {
		target := int(q * float64(n))
		n := 0
		for i, c := range hist {
			n += c
			if n > target {
				return float32(i)
			}
		}
		return 255
	}
	return max(inkMinDiff, (pct(0.5)-pct(0.02))/3)
}

// inkPoints lists the ink pixels of ink between columns x0 and x1, as
// column offsets from the middle and rows.
func inkPoints(ink []uint8, w, h, x0, x1 int) (xs []float64, ys []int) {
	mid := float64(w) / 2
	for y := 0; y < h; y++ {
		row := ink[y*w : (y+1)*w]
		for x := x0; x < x1; x++ {
			if row[x] != 0 {
				xs = append(xs, float64(x)-mid)
				ys = append(ys, y)
			}
		}
	}
	return xs, ys
}

// rowProfile returns the share of ink in each of h rows, rows sheared by
// slope, from the ink points of a run of n columns.
func rowProfile(xs []float64, ys []int, h, n int, slope float64) []float64 {
	p := make([]float64, h)
	for i, x := range xs {
		if r := ys[i] - int(math.Round(slope*x)); r >= 0 && r < h {
			p[r]++
		}
	}
	inv := 1 / float64(n)
	for i := range p {
		p[i] *= inv
	}
	return p
}

// zoneShapeScore rewards lines of equal length and height.
func zoneShapeScore(bs []band) float64 {
	minL, maxL := math.Inf(1), 0.0
	for _, b := range bs {
		l := b.x1 - b.x0
		minL, maxL = math.Min(minL, l), math.Max(maxL, l)
	}
	return minL / maxL
}

// spacingOK reports whether consecutive bands a and b are spaced as
// an MRZ's lines, in the taller one's height.
func spacingOK(a, b band) bool {
	h := math.Max(a.height, b.height)
	d := b.y0 - a.y0
	return d > minLineSpacing*h && d < maxLineSpacing*h
}

// inkShare is the share of inked pixels in column x between distances d0
// and d1 from the centre row c, above ([0]) and below ([1]).
func inkShare(ink []uint8, w, h, x int, c, d0, d1 float64) [2]float64 {
	var sum [2]float64
	n := 0.0
	for d := d0; d <= d1; d++ {
		n++
		if y := int(c - d); y >= 0 && y < h {
			sum[0] += float64(ink[y*w+x])
		}
		if y := int(c + d); y >= 0 && y < h {
			sum[1] += float64(ink[y*w+x])
		}
	}
	if n == 0 {
		return sum
	}
	return [2]float64{sum[0] / n, sum[1] / n}
}

// fitBand follows the text line whose centre row at the patch's middle
// is near y (with the given slope), between columns x0 and x1: it fits
// the slope to the ink centroids of column chunks and finds the extent
// of the text. ok is false when there is too little ink.
func fitBand(ink []uint8, w, h int, y, slope, height float64, x0, x1 int) (band, bool) {
	chunk := int(refineCharH)
	mid := float64(w) / 2
	y0 := y - slope*mid
	b := band{y0: y0, slope: slope, height: height}
	for iter := 0; iter < 3; iter++ {
		half := 0.6 * b.height
		if iter == 0 {
			half = 0.8 * b.height
		}
		var xs, ys, ws []float64
		for cx := x0; cx+chunk <= x1; cx += chunk / 2 {
			xm := float64(cx) + float64(chunk)/2
			c := b.centre(xm)
			lo, hi := max(0, int(c-half)), min(h-1, int(c+half))
			var sw, sy float64
			for x := cx; x < cx+chunk; x++ {
				for yy := lo; yy <= hi; yy++ {
					if ink[yy*w+x] != 0 {
						sw++
						sy += float64(yy)
					}
				}
			}
			if sw >= 0.1*float64(chunk)*b.height {
				xs, ys, ws = append(xs, xm), append(ys, sy/sw), append(ws, sw)
			}
		}
		if len(xs) < 4 {
			return band{}, false
		}
		i0, sl := fitRobust(xs, ys, ws, 0.25*b.height)
		if math.Abs(sl-slope) > 0.08 { // more than ~5° off the candidate
			return band{}, false
		}
		b.y0, b.slope = i0, sl
	}
	// Extent: columns with ink in the band, joined across gaps up to a
	// few character widths; the run holding the most ink.
	// A narrow run of columns inked also well above or below the band is
	// a frame or a rule crossing it, not a character: it ends the text.
	cols := make([]float64, w)
	above := make([]float64, w)
	below := make([]float64, w)
	for x := 0; x < w; x++ {
		c := b.centre(float64(x))
		lo, hi := max(0, int(c-0.55*b.height)), min(h-1, int(c+0.55*b.height))
		for yy := lo; yy <= hi; yy++ {
			cols[x] += float64(ink[yy*w+x])
		}
		// A rule crossing the band is inked all the way out from it: just
		// past the characters' own ink and further on. A neighbour line's
		// print, even one set 1.4 heights away, leaves the gap between
		// the lines clean, and a slanting edge passes the two stretches
		// at different columns.
		near := inkShare(ink, w, h, x, c, 0.6*b.height, 0.8*b.height)
		far := inkShare(ink, w, h, x, c, 0.8*b.height, 1.1*b.height)
		above[x] = min(near[0], far[0])
		below[x] = min(near[1], far[1])
	}
	k := max(2, int(0.45*b.height))
	bar := func(g []float64, x int) bool {
		return g[x] > 0.6 && (x-k < 0 || g[x-k] < 0.3) && (x+k >= w || g[x+k] < 0.3)
	}
	for x := 0; x < w; x++ {
		if bar(above, x) || bar(below, x) {
			cols[x] = -1
		}
	}
	gap := int(1.5 * b.height)
	bestMass, start, last, mass := 0.0, -1, -1, 0.0
	for x := 0; x <= w; x++ {
		// A rule along the band inks a pixel or two per column; a
		// character several.
		on := x < w && cols[x] >= math.Max(2, 0.2*b.height)
		if start >= 0 && ((on && x-last > gap) || (x < w && cols[x] < 0)) {
			if mass > bestMass {
				bestMass, b.x0, b.x1 = mass, float64(start), float64(last+1)
			}
			start, mass = -1, 0
		}
		if on {
			if start < 0 {
				start = x
			}
			last = x
			mass += cols[x]
		}
		if x == w && start >= 0 && mass > bestMass {
			bestMass, b.x0, b.x1 = mass, float64(start), float64(last+1)
		}
	}
	// Height: the rows around the centre line holding most of the ink.
	rows := make([]float64, int(3*b.height)+1)
	off := len(rows) / 2
	for x := int(b.x0); x < int(b.x1); x++ {
		c := b.centre(float64(x))
		for r := range rows {
			yy := int(math.Round(c)) + r - off
			if yy >= 0 && yy < h && ink[yy*w+x] != 0 {
				rows[r]++
			}
		}
	}
	// Only the run of rows through the line's own peak (near its centre)
	// counts: a line set closer than ICAO's pitch, a card's edge just
	// below the last line or a rule just above the first also ink rows
	// within the window, beyond a gap.
	near := max(1, int(0.35*b.height)) // the characters' core, short of a rule beside them
	pr := off
	for r := max(0, off-near); r <= min(len(rows)-1, off+near); r++ {
		if rows[r] > rows[pr] {
			pr = r
		}
	}
	pk := rows[pr]
	// The rows holding at least half the peak's ink, and past a dip of a
	// row or few (inked, not blank) the rows beyond it that do: a sans
	// face's capitals ink their top and bottom bars more than the rows
	// between, where only stems pass (OCR-B's strokes ink its rows
	// alike).
	dip := max(2, int(0.25*b.height))
	lo := extendRows(rows, pr, -1, 0.5*pk, 0.2*pk, dip)
	hi := extendRows(rows, pr, 1, 0.5*pk, 0.2*pk, dip)
	if pk > 0 {
		b.height = float64(hi - lo + 1)
	}
	return b, bestMass > 0
}

// extendRows returns how far from row from, stepping by dir, rows
// holding at least full run on, bridging runs of up to dip rows that
// hold less than full but at least some.
func extendRows(rows []float64, from, dir int, full, some float64, dip int) int {
	end := from
	for r := from + dir; r >= 0 && r < len(rows); r += dir {
		if rows[r] >= full {
			end = r
			continue
		}
		if rows[r] < some || (r-end)*dir > dip {
			break
		}
	}
	return end
}

// fitRobust fits y = a + b*x by weighted least squares, twice, dropping
// points further than tol from the first fit.
func fitRobust(xs, ys, ws []float64, tol float64) (a, b float64) {
	fit := func(keep func(i int) bool) (float64, float64, bool) {
		var sw, sx, sy, sxx, sxy float64
		for i := range xs {
			if !keep(i) {
				continue
			}
			w := ws[i]
			sw += w
			sx += w * xs[i]
			sy += w * ys[i]
			sxx += w * xs[i] * xs[i]
			sxy += w * xs[i] * ys[i]
		}
		den := sw*sxx - sx*sx
		if sw == 0 || math.Abs(den) < 1e-9 {
			return 0, 0, false
		}
		b := (sw*sxy - sx*sy) / den
		return (sy - b*sx) / sw, b, true
	}
	a, b, ok := fit(func(int) bool { return true })
	if !ok {
		return ys[0], 0
	}
	for range 2 {
		a2, b2, ok := fit(func(i int) bool { return math.Abs(ys[i]-(a+b*xs[i])) <= tol })
		if !ok {
			break
		}
		a, b = a2, b2
	}
	return a, b
}

func smooth(p []float64, r int) []float64 {
	out := make([]float64, len(p))
	for i := range p {
		var s float64
		n := 0
		for j := max(0, i-r); j <= min(len(p)-1, i+r); j++ {
			s += p[j]
			n++
		}
		out[i] = s / float64(n)
	}
	return out
}
