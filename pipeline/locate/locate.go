// Package locate owns finding a document in a frame: its four corners,
// whether on the scanner's dark glass or in a photo on any background, or
// filling an image that is already cropped. It finds the outline only;
// warping and orientation are settled by the caller, which knows the
// candidate types' sizes.
package locate

import (
	"context"
	"errors"
	"image"
	"math"
	"sort"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// ErrNoDocument is returned when nothing document-shaped stands out from
// the background.
var ErrNoDocument = errors.New("locate: no document outline found")

// Outline is a document found in a frame.
type Outline struct {
	// Quad holds the corners in frame pixels, clockwise, starting at a
	// corner of a long edge: Quad[0]→Quad[1] is a long edge. Whether that
	// edge is the top or the bottom of the document is for the caller to
	// settle (Quad.Rotate(2)).
	Quad imgutil.Quad
	// Cropped is true when the image is taken as the document itself
	// (nothing stood out from a background).
	Cropped bool
	// Fill is the part of the quad the document's mask covers (0..1): a
	// clean rectangle is near 1.
	Fill float64
	// Contrast is how far the document stands out from the background, in
	// 8-bit levels.
	Contrast float64
	// MRZ is true when the page was placed around its machine-readable
	// zone (FromMRZ) rather than found by its outline.
	MRZ bool
}

// workSize is the long side, in pixels, of the image the outline is
// searched in; corners are then refined on the edges.
const workSize = 400

// Find returns the document's outline in frame. When no outline is
// plausible it returns the whole frame with Cropped set and the error
// ErrNoDocument, so callers may still try the frame as a cropped side.
func Find(ctx context.Context, frame *image.RGBA) (Outline, error) {
	b := frame.Rect
	whole := Outline{Cropped: true, Quad: wholeQuad(b.Dx(), b.Dy())}
	if b.Dx() < 16 || b.Dy() < 16 {
		return whole, ErrNoDocument
	}
	f := int(math.Ceil(float64(max(b.Dx(), b.Dy())) / workSize))
	small := imgutil.Downscale(frame, f)
	if err := ctx.Err(); err != nil {
		return whole, err
	}
	w, h := small.Rect.Dx(), small.Rect.Dy()
	bg := borderColour(small)
	dist := colourDistance(small, bg)
	if o, ok := byDistance(dist, w, h); ok {
		return o.scaled(f), nil
	}
	// A document whose colour is too near its background's (a pale card
	// on a pale desk) still ends in a step: its edges enclose it.
	if comp, area, ok := edgeRegion(small); ok {
		if o, ok := judge(comp, area, dist, w, h); ok {
			return o.scaled(f), nil
		}
	}
	// A shadow or glare across the document and its background changes
	// their brightness, not their hue: a pale green card on a light blue
	// desk under a shadow still differs from it in chromaticity.
	if o, ok := byDistance(chromaDistance(small, bg), w, h); ok {
		return o.scaled(f), nil
	}
	return whole, ErrNoDocument
}

// colourDistance is each pixel's largest channel difference from bg.
func colourDistance(img *image.RGBA, bg [3]float64) []uint8 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dist := make([]uint8, w*h)
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			d := 0.0
			for k := range 3 {
				d = math.Max(d, math.Abs(float64(row[4*x+k])-bg[k]))
			}
			dist[y*w+x] = uint8(math.Min(d, 255))
		}
	}
	return dist
}

// chromaDistance is each pixel's largest difference from bg in
// chromaticity (each channel over the sum, grey at 1/3), scaled so that
// a full step of one channel's share is chromaScale levels. Pixels too
// dark for their hue to be measured (print, deep shadow) are 0: holes
// the region's filling closes.
func chromaDistance(img *image.RGBA, bg [3]float64) []uint8 {
	const chromaScale = 3 * 255
	w, h := img.Rect.Dx(), img.Rect.Dy()
	bs := bg[0] + bg[1] + bg[2]
	dist := make([]uint8, w*h)
	if bs < minChromaSum {
		return dist
	}
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			p := row[4*x:]
			sum := float64(p[0]) + float64(p[1]) + float64(p[2])
			if sum < minChromaSum {
				continue
			}
			d := 0.0
			for k := range 3 {
				d = math.Max(d, math.Abs(float64(p[k])/sum-bg[k]/bs))
			}
			dist[y*w+x] = uint8(math.Min(d*chromaScale, 255))
		}
	}
	return dist
}

// minChromaSum is the least channel sum whose chromaticity is measured.
const minChromaSum = 90

// byDistance takes the largest region that stands out from the
// background by the distance dist (Otsu's threshold, at least 20 levels),
// its holes filled, and judges it.
func byDistance(dist []uint8, w, h int) (Outline, bool) {
	comp, area := regionAtOtsu(dist, w, h)
	return judge(comp, area, dist, w, h)
}

// regionAtOtsu is the largest region standing out by dist at Otsu's
// threshold (at least 20 levels), its holes filled: print the colour of
// the background leaves holes in the region, and they are document too.
func regionAtOtsu(dist []uint8, w, h int) ([]bool, int) {
	th := otsuFloor(dist)
	mask := make([]bool, w*h)
	for i, v := range dist {
		mask[i] = int(v) > th
	}
	comp, _ := largestComponent(mask, w, h)
	return fillHoles(comp, w, h)
}

// otsuFloor is Otsu's threshold of dist, at least 20 levels: the least a
// region must stand out by for Find.
func otsuFloor(dist []uint8) int {
	var hist [256]int
	for _, v := range dist {
		hist[v]++
	}
	return max(imgutil.Otsu(&hist), 20)
}

// working is frame shrunk by f to at most workSize, the size the
// outlines are looked for at; ErrNoDocument for a frame too small.
func working(ctx context.Context, frame *image.RGBA) (small *image.RGBA, f int, err error) {
	b := frame.Rect
	if b.Dx() < 16 || b.Dy() < 16 {
		return nil, 0, ErrNoDocument
	}
	f = int(math.Ceil(float64(max(b.Dx(), b.Dy())) / workSize))
	small = imgutil.Downscale(frame, f)
	return small, f, ctx.Err()
}

// FindByEdges returns the outline of the largest region the frame's
// edges enclose, judged as Find judges; ErrNoDocument when there is none.
// Find tries it only when the colour distance finds nothing; a caller
// whose outline from Find identifies nothing may try this one too (a
// pale corner the colour distance cut off).
func FindByEdges(ctx context.Context, frame *image.RGBA) (Outline, error) {
	small, f, err := working(ctx, frame)
	if err != nil {
		return Outline{}, err
	}
	w, h := small.Rect.Dx(), small.Rect.Dy()
	comp, area, ok := edgeRegion(small)
	if !ok {
		return Outline{}, ErrNoDocument
	}
	o, ok := judge(comp, area, make([]uint8, w*h), w, h)
	if !ok {
		return Outline{}, ErrNoDocument
	}
	return Outline{Quad: o.Quad.Scale(float64(f)), Fill: o.Fill}, nil
}

// FindByChroma returns the outline of the largest region that differs
// from the frame's border in chromaticity, judged as Find judges;
// ErrNoDocument when there is none. Find tries it only when colour and
// edges find nothing; a caller whose outline from Find identifies
// nothing may try this one too: a shadow across part of the card darkens
// it towards the desk's brightness and the colour distance cuts a corner
// off, where the hue still holds it.
func FindByChroma(ctx context.Context, frame *image.RGBA) (Outline, error) {
	small, f, err := working(ctx, frame)
	if err != nil {
		return Outline{}, err
	}
	w, h := small.Rect.Dx(), small.Rect.Dy()
	o, ok := byDistance(chromaDistance(small, borderColour(small)), w, h)
	if !ok {
		return Outline{}, ErrNoDocument
	}
	return o.scaled(f), nil
}

// FindByStableDistance returns the outline of a region that stands out
// from the frame's border, in colour or else in chromaticity, at a
// threshold stricter than Otsu's; ErrNoDocument when there is none. A
// glare or a shadow on the desk, nearer the document's colour than the
// rest of the desk, joins the document at Otsu's threshold into a shape
// no document has; a stricter threshold parts them. Only a region that
// holds its outline over stableSteps thresholds in a row is taken: a
// threshold that cuts the document itself apart leaves pieces that
// change from one step to the next. Find does not try it; a caller
// whose frame Find found nothing in may.
func FindByStableDistance(ctx context.Context, frame *image.RGBA) (Outline, error) {
	small, f, err := working(ctx, frame)
	if err != nil {
		return Outline{}, err
	}
	w, h := small.Rect.Dx(), small.Rect.Dy()
	bg := borderColour(small)
	dists := [][]uint8{colourDistance(small, bg), chromaDistance(small, bg)}
	for _, dist := range dists {
		if err := ctx.Err(); err != nil {
			return Outline{}, err
		}
		if o, ok := stableRegion(dist, w, h, stricterThresholds(dist)); ok {
			return o.scaled(f), nil
		}
	}
	// None stricter: a card nearly the desk's colour on a quiet desk
	// stands out by less than the least threshold Find takes (20 levels:
	// a green card on a pale green cloth, 10 to 15 in chromaticity),
	// where the desk itself varies by less still. A grainy desk varies
	// by more, pixel to pixel, than a pale card on pale glass stands out
	// (6 levels, the grain's deviation 5): smoothed, its grain falls
	// below the card's step, which holds.
	for _, dist := range dists {
		if err := ctx.Err(); err != nil {
			return Outline{}, err
		}
		if o, ok := stableRegion(dist, w, h, quietDeskThresholds(dist, w, h, 0)); ok {
			return o.scaled(f), nil
		}
	}
	if err := ctx.Err(); err != nil {
		return Outline{}, err
	}
	smooth := boxBlur(small, quietSmoothRadius)
	dist := colourDistance(smooth, borderColour(smooth))
	// the desk measured in from the frame's edge, where the blur's box
	// is clipped and the grain the less smoothed
	if o, ok := stableRegion(dist, w, h, quietDeskThresholds(dist, w, h, quietSmoothRadius)); ok {
		return o.scaled(f), nil
	}
	return Outline{}, ErrNoDocument
}

// scaled is o, found in a working image shrunk by f, in the frame's
// pixels.
func (o Outline) scaled(f int) Outline {
	return Outline{Quad: o.Quad.Scale(float64(f)), Fill: o.Fill, Contrast: o.Contrast}
}

// quietSmoothRadius is the box blur's radius, in working pixels, before
// the last quiet-desk pass: a 5×5 mean cuts a grain's deviation by five.
const quietSmoothRadius = 2

// boxBlur returns img's colour channels averaged over a square of
// radius r around each pixel (clamped at the borders), in two passes.
func boxBlur(img *image.RGBA, r int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	mid := image.NewRGBA(image.Rect(0, 0, w, h))
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	pass := func(src, dst *image.RGBA, n, lines int, at func(line, i int) int) {
		for l := range lines {
			for k := range 4 {
				sum, cnt := 0, 0
				for i := 0; i < min(r, n); i++ {
					sum += int(src.Pix[at(l, i)+k])
					cnt++
				}
				for i := range n {
					if j := i + r; j < n {
						sum += int(src.Pix[at(l, j)+k])
						cnt++
					}
					if j := i - r - 1; j >= 0 {
						sum -= int(src.Pix[at(l, j)+k])
						cnt--
					}
					dst.Pix[at(l, i)+k] = uint8((sum + cnt/2) / cnt)
				}
			}
		}
	}
	pass(img, mid, w, h, func(y, x int) int { return y*img.Stride + 4*x })
	pass(mid, out, h, w, func(x, y int) int { return y*mid.Stride + 4*x })
	return out
}

// Threshold scan of FindByStableDistance: thresholds rise from Otsu's by
// an eighth of it a step, up to maxThresholdSteps; a region is stable
// when its outline judges as a document at stableSteps thresholds in a
// row, its area changing by at most stableArea from each to the next.
const (
	maxThresholdSteps = 12
	stableSteps       = 2
	stableArea        = 0.06
)

// stricterThresholds are the thresholds of dist above Otsu's (at least
// 20 levels), rising by an eighth of it a step.
func stricterThresholds(dist []uint8) []int {
	base := otsuFloor(dist)
	var out []int
	for k := 1; k <= maxThresholdSteps; k++ {
		th := base + k*base/8
		if th > 250 {
			break
		}
		out = append(out, th)
	}
	return out
}

// Quiet desk: the thresholds below Find's least run from deskMargin
// above the desk's own variation (the deskQuantile of the distance along
// the frame's border, which a photo's desk fills) to 20, a level a step.
// A desk that varies by more than maxQuietDesk is not quiet: its pattern
// or its light would pass for the card.
const (
	deskQuantile = 0.95
	deskMargin   = 3
	maxQuietDesk = 10
)

// quietDeskThresholds are dist's thresholds for a quiet desk, measured
// on the ring inset pixels in from the frame's edge; none for a desk
// that is not.
func quietDeskThresholds(dist []uint8, w, h, inset int) []int {
	if w <= 2*inset+2 || h <= 2*inset+2 {
		return nil
	}
	var border []float64
	top, bottom, left, right := inset, h-1-inset, inset, w-1-inset
	for x := left; x <= right; x++ {
		border = append(border, float64(dist[top*w+x]), float64(dist[bottom*w+x]))
	}
	for y := top + 1; y < bottom; y++ {
		border = append(border, float64(dist[y*w+left]), float64(dist[y*w+right]))
	}
	sort.Float64s(border)
	desk := int(border[int(deskQuantile*float64(len(border)-1))])
	if desk > maxQuietDesk {
		return nil
	}
	var out []int
	for th := max(desk+deskMargin, 4); th < 20; th++ {
		out = append(out, th)
	}
	return out
}

// stableRegion is the scan over thresholds (rising) of dist: the first
// region that judges as a document at stableSteps thresholds in a row.
func stableRegion(dist []uint8, w, h int, thresholds []int) (Outline, bool) {
	var first Outline // the run's first outline
	run, prevArea := 0, 0
	mask := make([]bool, w*h)
	for _, th := range thresholds {
		for i, v := range dist {
			mask[i] = int(v) > th
		}
		comp, area := largestComponent(mask, w, h)
		comp, area = fillHoles(comp, w, h)
		if area < w*h/12 {
			break // thresholds further only shrink it
		}
		o, ok := judge(comp, area, dist, w, h)
		if !ok || (run > 0 && math.Abs(float64(area-prevArea)) > stableArea*float64(prevArea)) {
			run = 0
		}
		if ok {
			if run == 0 {
				first = o
			}
			if run++; run == stableSteps {
				return first, true
			}
		}
		prevArea = area
	}
	return Outline{}, false
}

// judge fits the outline of a document region found in the working image
// and says whether it is plausibly a document.
func judge(comp []bool, area int, dist []uint8, w, h int) (Outline, bool) {
	if area < w*h/12 {
		return Outline{}, false
	}
	outline := outlinePoints(comp, w, h)
	hull := convexHull(outline)
	if len(hull) < 4 {
		return Outline{}, false
	}
	rect := minAreaRect(hull)
	var q imgutil.Quad
	for i, c := range rect {
		q[i] = extreme(hull, rect, c)
	}
	// twice: the first pass takes the edges from wherever the corners put
	// them (a rounded corner's extreme lies inside the true corner, some
	// pixels off both edges), the second fits them closely
	q = refine(q, outline, 6)
	q = refine(q, outline, 2.5)
	q = order(q)
	fill, aspect, ok := quadShape(q, area)
	if !ok {
		return Outline{}, false
	}
	// Borders touched: the quad reaches the frame's edge on three sides
	// or more, so the "background" was the document's own margin.
	touch := touchesBorders(q, w, h)
	contrast := meanDist(dist, comp) - meanDistOutside(dist, comp)
	if fill < 0.85 || aspect < 1.2 || aspect > 1.9 || touch >= 3 || !nearParallelogram(q) {
		return Outline{}, false
	}
	return Outline{Quad: q, Fill: math.Min(fill, 1), Contrast: contrast}, true
}

// quadShape is how much of quad q a region of area pixels fills, and q's
// aspect (long side over short); false for a degenerate q.
func quadShape(q imgutil.Quad, area int) (fill, aspect float64, ok bool) {
	qa := quadArea(q)
	if qa <= 0 {
		return 0, 0, false
	}
	lw, lh := q.Sides()
	return float64(area) / qa, lw / math.Max(lh, 1), true
}

// Edge detection for edgeRegion, in 8-bit levels a pixel of the working
// image: an edge is a gradient at least edgeMin and edgeNoise times the
// frame's median gradient; around a document, at most maxEdgesAround of a
// ring just outside it may be edges (a desk is smooth where a card's own
// print, around its portrait, is not).
const (
	edgeMin        = 3.0
	edgeNoise      = 4.0
	maxEdgesAround = 0.08
)

// edgeRegion finds the largest region enclosed by edges in img: where
// the colour distance cannot tell a document from its background, the
// step at its edge still can, while light falls off across the frame
// too slowly to make edges.
func edgeRegion(img *image.RGBA) ([]bool, int, bool) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w < 8 || h < 8 {
		return nil, 0, false
	}
	luma := make([]float64, w*h)
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			luma[y*w+x] = 0.299*float64(row[4*x]) + 0.587*float64(row[4*x+1]) + 0.114*float64(row[4*x+2])
		}
	}
	grad := make([]float64, w*h)
	vals := make([]float64, 0, w*h)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			at := func(dx, dy int) float64 { return luma[(y+dy)*w+x+dx] }
			gx := (at(1, -1) + 2*at(1, 0) + at(1, 1) - at(-1, -1) - 2*at(-1, 0) - at(-1, 1)) / 8
			gy := (at(-1, 1) + 2*at(0, 1) + at(1, 1) - at(-1, -1) - 2*at(0, -1) - at(1, -1)) / 8
			g := math.Hypot(gx, gy)
			grad[y*w+x] = g
			vals = append(vals, g)
		}
	}
	th := math.Max(edgeMin, edgeNoise*imgutil.MedianFloat(vals))
	edge := make([]bool, w*h)
	for i, g := range grad {
		edge[i] = g >= th
	}
	// What no path from the frame's edge reaches without crossing an edge
	// is enclosed; the largest such region is the candidate.
	filled, _ := fillHoles(append([]bool(nil), edge...), w, h)
	comp, area := largestComponent(filled, w, h)
	if area == 0 {
		return nil, 0, false
	}
	// The ring just outside the region must be quiet: 3 to 4 pixels out.
	far, near := dilate(comp, w, h, 4), dilate(comp, w, h, 2)
	ring, edges := 0, 0
	for i := range comp {
		if far[i] && !near[i] {
			ring++
			if edge[i] {
				edges++
			}
		}
	}
	if ring == 0 || float64(edges) > maxEdgesAround*float64(ring) {
		return nil, 0, false
	}
	return comp, area, true
}

// dilate returns mask grown by r pixels (a square), in two passes.
func dilate(mask []bool, w, h, r int) []bool {
	rows := make([]bool, w*h)
	for y := range h {
		run := -1 << 30 // last set column
		for x := 0; x < w+r; x++ {
			if x < w && mask[y*w+x] {
				run = x
			}
			if t := x - r; t >= 0 && t < w {
				rows[y*w+t] = run >= t-r // the last set column up to t+r
			}
		}
	}
	out := make([]bool, w*h)
	for x := range w {
		for y := range h {
			for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
				if rows[yy*w+x] {
					out[y*w+x] = true
					break
				}
			}
		}
	}
	return out
}

// minOppositeRatio is the shortest an edge may be against its opposite
// one: a camera above the glass sees a card's opposite edges within a few
// per cent; a hand-held photo, tilted, makes the far edge shorter, and
// the MRZ engine reads down to 30 % shorter. A blob that merely fills its
// hull well (the portrait of a side cropped edge to edge: 0.58) is no
// card.
const minOppositeRatio = 0.7

func nearParallelogram(q imgutil.Quad) bool {
	d := func(a, b imgutil.Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	ratio := func(a, b float64) float64 { return math.Min(a, b) / math.Max(math.Max(a, b), 1e-9) }
	return ratio(d(q[0], q[1]), d(q[3], q[2])) >= minOppositeRatio &&
		ratio(d(q[0], q[3]), d(q[1], q[2])) >= minOppositeRatio
}

func wholeQuad(w, h int) imgutil.Quad {
	fw, fh := float64(w), float64(h)
	q := imgutil.Quad{{X: 0, Y: 0}, {X: fw, Y: 0}, {X: fw, Y: fh}, {X: 0, Y: fh}}
	if h > w {
		q = q.Rotate(1)
	}
	return q
}

// borderColour is the median colour of the image's outer two-pixel ring.
func borderColour(img *image.RGBA) [3]float64 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var vals [3][]float64
	add := func(x, y int) {
		o := img.PixOffset(x, y)
		for k := range 3 {
			vals[k] = append(vals[k], float64(img.Pix[o+k]))
		}
	}
	for x := 0; x < w; x++ {
		for d := 0; d < 2; d++ {
			add(x, d)
			add(x, h-1-d)
		}
	}
	for y := 2; y < h-2; y++ {
		for d := 0; d < 2; d++ {
			add(d, y)
			add(w-1-d, y)
		}
	}
	var out [3]float64
	for k := range 3 {
		out[k] = imgutil.MedianFloat(vals[k])
	}
	return out
}

// largestComponent labels 4-connected regions of mask and returns the
// largest one's mask and area.
func largestComponent(mask []bool, w, h int) ([]bool, int) {
	labels := make([]int32, w*h)
	var stack []int
	best, bestArea := int32(0), 0
	next := int32(0)
	for i, m := range mask {
		if !m || labels[i] != 0 {
			continue
		}
		next++
		area := 0
		stack = append(stack[:0], i)
		labels[i] = next
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			area++
			x, y := p%w, p/w
			for _, n := range [4]int{p - 1, p + 1, p - w, p + w} {
				switch {
				case n == p-1 && x == 0, n == p+1 && x == w-1, n < 0, n >= w*h:
					continue
				}
				_ = y
				if mask[n] && labels[n] == 0 {
					labels[n] = next
					stack = append(stack, n)
				}
			}
		}
		if area > bestArea {
			best, bestArea = next, area
		}
	}
	out := make([]bool, w*h)
	for i, l := range labels {
		out[i] = l == best && best != 0
	}
	return out, bestArea
}

// fillHoles adds to comp every pixel not reachable from the image's
// border without crossing comp, and returns the new area.
func fillHoles(comp []bool, w, h int) ([]bool, int) {
	outside := make([]bool, w*h)
	var stack []int
	push := func(i int) {
		if !comp[i] && !outside[i] {
			outside[i] = true
			stack = append(stack, i)
		}
	}
	for x := range w {
		push(x)
		push((h-1)*w + x)
	}
	for y := range h {
		push(y * w)
		push(y*w + w - 1)
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := p%w, p/w
		if x > 0 {
			push(p - 1)
		}
		if x < w-1 {
			push(p + 1)
		}
		if y > 0 {
			push(p - w)
		}
		if y < h-1 {
			push(p + w)
		}
	}
	area := 0
	for i := range comp {
		comp[i] = !outside[i]
		if comp[i] {
			area++
		}
	}
	return comp, area
}

// outlinePoints returns the component's extreme pixels per row and per
// column, on the pixel edges (so a mask spanning x=0..9 gives 0 and 10).
func outlinePoints(comp []bool, w, h int) []imgutil.Point {
	var pts []imgutil.Point
	for y := range h {
		l, r := -1, -1
		for x := range w {
			if comp[y*w+x] {
				if l < 0 {
					l = x
				}
				r = x
			}
		}
		if l >= 0 {
			pts = append(pts, imgutil.Point{X: float64(l), Y: float64(y) + 0.5}, imgutil.Point{X: float64(r + 1), Y: float64(y) + 0.5})
		}
	}
	for x := range w {
		t, bt := -1, -1
		for y := range h {
			if comp[y*w+x] {
				if t < 0 {
					t = y
				}
				bt = y
			}
		}
		if t >= 0 {
			pts = append(pts, imgutil.Point{X: float64(x) + 0.5, Y: float64(t)}, imgutil.Point{X: float64(x) + 0.5, Y: float64(bt + 1)})
		}
	}
	return pts
}

func cross(o, a, b imgutil.Point) float64 {
	return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X)
}

// convexHull is Andrew's monotone chain.
func convexHull(pts []imgutil.Point) []imgutil.Point {
	p := append([]imgutil.Point(nil), pts...)
	sort.Slice(p, func(i, j int) bool {
		if p[i].X != p[j].X {
			return p[i].X < p[j].X
		}
		return p[i].Y < p[j].Y
	})
	if len(p) < 3 {
		return p
	}
	hull := make([]imgutil.Point, 0, 2*len(p))
	for _, pt := range p {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], pt) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, pt)
	}
	lower := len(hull) + 1
	for i := len(p) - 2; i >= 0; i-- {
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p[i]) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p[i])
	}
	return hull[:len(hull)-1]
}

// minAreaRect returns the corners of the smallest rectangle around the
// convex polygon hull, trying each edge's direction.
func minAreaRect(hull []imgutil.Point) [4]imgutil.Point {
	best := math.Inf(1)
	var out [4]imgutil.Point
	n := len(hull)
	for i := range n {
		a, b := hull[i], hull[(i+1)%n]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		ux, uy := dx/l, dy/l
		minU, maxU, minV, maxV := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, p := range hull {
			u := p.X*ux + p.Y*uy
			v := -p.X*uy + p.Y*ux
			minU, maxU = math.Min(minU, u), math.Max(maxU, u)
			minV, maxV = math.Min(minV, v), math.Max(maxV, v)
		}
		if area := (maxU - minU) * (maxV - minV); area < best {
			best = area
			pt := func(u, v float64) imgutil.Point { return imgutil.Point{X: u*ux - v*uy, Y: u*uy + v*ux} }
			out = [4]imgutil.Point{pt(minU, minV), pt(maxU, minV), pt(maxU, maxV), pt(minU, maxV)}
		}
	}
	return out
}

// extreme returns the point of pts farthest out towards corner c of
// rect, seen from rect's centre. On a rectangle it is the corner; under
// perspective, where the far edge is shorter than rect, it is still the
// document's corner, where the point nearest c would slide down a slanted
// edge.
func extreme(pts []imgutil.Point, rect [4]imgutil.Point, c imgutil.Point) imgutil.Point {
	var mx, my float64
	for _, p := range rect {
		mx += p.X / 4
		my += p.Y / 4
	}
	dx, dy := c.X-mx, c.Y-my
	best, bd := pts[0], math.Inf(-1)
	for _, p := range pts {
		if d := (p.X-mx)*dx + (p.Y-my)*dy; d > bd {
			best, bd = p, d
		}
	}
	return best
}

// refine fits a line to the outline points within band pixels of each
// edge of q (away from the corners, which may be rounded or clipped) and
// returns the intersections of adjacent lines.
func refine(q imgutil.Quad, pts []imgutil.Point, band float64) imgutil.Quad {
	return refineWithin(q, pts, band, 12)
}

// refineWithin is refine with its corners allowed to move up to maxMove.
func refineWithin(q imgutil.Quad, pts []imgutil.Point, band, maxMove float64) imgutil.Quad {
	type line struct{ px, py, dx, dy float64 } // point and unit direction
	var lines [4]line
	for i := range 4 {
		a, b := q[i], q[(i+1)%4]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l < 1 {
			return q
		}
		ux, uy := dx/l, dy/l
		var sel []imgutil.Point
		for _, p := range pts {
			t := ((p.X-a.X)*ux + (p.Y-a.Y)*uy) / l
			d := math.Abs(-(p.X-a.X)*uy + (p.Y-a.Y)*ux)
			if t > 0.12 && t < 0.88 && d < band {
				sel = append(sel, p)
			}
		}
		if len(sel) < 5 {
			lines[i] = line{a.X, a.Y, ux, uy}
			continue
		}
		// total least squares
		var mx, my float64
		for _, p := range sel {
			mx += p.X
			my += p.Y
		}
		mx /= float64(len(sel))
		my /= float64(len(sel))
		var sxx, sxy, syy float64
		for _, p := range sel {
			x, y := p.X-mx, p.Y-my
			sxx += x * x
			sxy += x * y
			syy += y * y
		}
		th := 0.5 * math.Atan2(2*sxy, sxx-syy)
		lines[i] = line{mx, my, math.Cos(th), math.Sin(th)}
	}
	var out imgutil.Quad
	for i := range 4 {
		l1, l2 := lines[(i+3)%4], lines[i]
		den := l1.dx*l2.dy - l1.dy*l2.dx
		if math.Abs(den) < 1e-6 {
			return q
		}
		t := ((l2.px-l1.px)*l2.dy - (l2.py-l1.py)*l2.dx) / den
		out[i] = imgutil.Point{X: l1.px + t*l1.dx, Y: l1.py + t*l1.dy}
		if math.Hypot(out[i].X-q[i].X, out[i].Y-q[i].Y) > maxMove {
			return q
		}
	}
	return out
}

// order puts the corners clockwise (on screen, y down) starting at the
// top-left-most corner of a long edge.
func order(q imgutil.Quad) imgutil.Quad {
	var cx, cy float64
	for _, p := range q {
		cx += p.X / 4
		cy += p.Y / 4
	}
	pts := q[:]
	sort.Slice(pts, func(i, j int) bool {
		return math.Atan2(pts[i].Y-cy, pts[i].X-cx) < math.Atan2(pts[j].Y-cy, pts[j].X-cx)
	})
	// start at the corner with the smallest x+y
	s := 0
	for i := range 4 {
		if q[i].X+q[i].Y < q[s].X+q[s].Y {
			s = i
		}
	}
	q = q.Rotate(s)
	if w, h := q.Sides(); h > w {
		q = q.Rotate(3)
	}
	return q
}

func quadArea(q imgutil.Quad) float64 {
	a := 0.0
	for i := range 4 {
		p, n := q[i], q[(i+1)%4]
		a += p.X*n.Y - n.X*p.Y
	}
	return math.Abs(a) / 2
}

func meanDist(dist []uint8, comp []bool) float64 {
	s, n := 0, 0
	for i, in := range comp {
		if in {
			s += int(dist[i])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(s) / float64(n)
}

func meanDistOutside(dist []uint8, comp []bool) float64 {
	s, n := 0, 0
	for i, in := range comp {
		if !in {
			s += int(dist[i])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(s) / float64(n)
}

// FindByTracedSides returns the outline of a document whose region a
// glare or a shadow has eaten into from its edge: the region, at Otsu's
// threshold in colour or else in chromaticity, covers too little of its
// outline for Find, but its own border still traces most of a
// quadrilateral's sides (tracedSides). The quadrilateral is fitted to
// the traced stretches of the sides, so the corner the glare took is
// where the sides it left meet. ErrNoDocument when no region does. Find
// does not try it; a caller whose frame nothing else placed may.
func FindByTracedSides(ctx context.Context, frame *image.RGBA) (Outline, error) {
	small, f, err := working(ctx, frame)
	if err != nil {
		return Outline{}, err
	}
	w, h := small.Rect.Dx(), small.Rect.Dy()
	bg := borderColour(small)
	for _, dist := range [][]uint8{colourDistance(small, bg), chromaDistance(small, bg)} {
		if err := ctx.Err(); err != nil {
			return Outline{}, err
		}
		comp, area := regionAtOtsu(dist, w, h)
		if o, ok := judgeTraced(comp, area, w, h); ok {
			return Outline{Quad: o.Quad.Scale(float64(f)), Fill: o.Fill}, nil
		}
	}
	return Outline{}, ErrNoDocument
}

// A region judgeTraced takes: its border runs along at least
// minTracedSides of its quadrilateral's sides for minSideTrace of each
// such side's length and minTrace of the whole perimeter, and it covers
// at least minTracedFill of the quadrilateral (a glare across a card's
// corner takes up to about half of it).
const (
	minTracedSides = 3
	minSideTrace   = 0.5
	minTrace       = 0.6
	minTracedFill  = 0.45
	// traceBand is how far (working pixels) from a side the region's
	// border may run and still trace it.
	traceBand = 2
)

// judgeTraced fits a quadrilateral to region comp by its minimum-area
// rectangle, moved onto the straight stretches of its border, and says
// whether it is plausibly a document the region traces.
func judgeTraced(comp []bool, area, w, h int) (Outline, bool) {
	if area < w*h/12 {
		return Outline{}, false
	}
	outline := outlinePoints(comp, w, h)
	hull := convexHull(outline)
	if len(hull) < 4 {
		return Outline{}, false
	}
	// the rectangle's sides, not the hull's extreme points: where glare
	// took a corner, the hull cuts across it, and its extreme points lie
	// on the cut
	q := imgutil.Quad(minAreaRect(hull))
	diag := math.Hypot(q[0].X-q[2].X, q[0].Y-q[2].Y)
	for _, band := range []float64{6, 4, 2.5} {
		// a perspective tilts the sides off the rectangle's: they may
		// move further than refine lets the extreme points move
		q = refineWithin(q, outline, band, 0.08*diag)
	}
	q = order(q)
	fill, aspect, ok := quadShape(q, area)
	if !ok {
		return Outline{}, false
	}
	if fill < minTracedFill || aspect < 1.2 || aspect > 1.9 || !nearParallelogram(q) || touchesBorders(q, w, h) >= 3 {
		return Outline{}, false
	}
	traced := tracedSides(q, outline, w, h)
	sides, total, perimeter := 0, 0.0, 0.0
	for i, t := range traced {
		if t >= minSideTrace {
			sides++
		}
		a, b := q[i], q[(i+1)%4]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		total += t * l
		perimeter += l
	}
	if sides < minTracedSides || total < minTrace*perimeter {
		return Outline{}, false
	}
	return Outline{Quad: q, Fill: math.Min(fill, 1)}, true
}

// tracedSides is, per side of q, the part of its length that border
// points (outline) lie within traceBand of.
func tracedSides(q imgutil.Quad, outline []imgutil.Point, w, h int) [4]float64 {
	on := make([]bool, w*h)
	for _, p := range outline {
		if x, y := int(p.X), int(p.Y); x >= 0 && y >= 0 && x < w && y < h {
			on[y*w+x] = true
		}
	}
	near := func(x, y float64) bool {
		for dy := -traceBand; dy <= traceBand; dy++ {
			for dx := -traceBand; dx <= traceBand; dx++ {
				xx, yy := int(x)+dx, int(y)+dy
				if xx >= 0 && yy >= 0 && xx < w && yy < h && on[yy*w+xx] {
					return true
				}
			}
		}
		return false
	}
	var out [4]float64
	for i := range 4 {
		a, b := q[i], q[(i+1)%4]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		steps, hits := 0, 0
		for s := 0.0; s <= l; s++ {
			steps++
			if near(a.X+(b.X-a.X)*s/l, a.Y+(b.Y-a.Y)*s/l) {
				hits++
			}
		}
		out[i] = float64(hits) / float64(max(steps, 1))
	}
	return out
}

// touchesBorders counts the frame's borders (w×h) that q reaches.
func touchesBorders(q imgutil.Quad, w, h int) int {
	touch := 0
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range q {
		minX, minY = math.Min(minX, p.X), math.Min(minY, p.Y)
		maxX, maxY = math.Max(maxX, p.X), math.Max(maxY, p.Y)
	}
	if minX < 1.5 {
		touch++
	}
	if minY < 1.5 {
		touch++
	}
	if maxX > float64(w)-1.5 {
		touch++
	}
	if maxY > float64(h)-1.5 {
		touch++
	}
	return touch
}
