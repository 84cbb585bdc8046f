package pipeline

import (
	"context"
	"image"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/locate"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

// A side that no outline identifies and that carries no MRZ may still
// show a known type's printed text: a card whose edge glare joined to the
// desk, or that lies on a patterned cloth, has no outline, but its header
// and labels read. Where they read, and where the type prints them, place
// the page.

// textFrameMax is the longest side the frame is read at: a card filling
// 15 % of a 2000 px frame still prints its labels some 10 px tall.
const textFrameMax = 2000

// minTextMatch is the least identify.AnchorScore of a line taken as
// printing an anchor.
const minTextMatch = 0.75

// placeByText reads the whole frame and, for the type whose anchors it
// finds most of, identifies the side again on the page they place;
// the side is what identifies better.
func (e *Engine) placeByText(ctx context.Context, s *side, cands []*typedb.Type, tm *timer) error {
	if e.ocr == nil {
		return nil
	}
	lang := textLanguages(cands)
	if lang == "" {
		return nil
	}
	t0 := time.Now()
	pages, g, err := e.pagesInText(ctx, s.white, s.name, cands, lang)
	if err != nil {
		return err
	}
	if len(pages) == 0 && g != nil {
		// Tesseract's page analysis finds no line in print turned some
		// degrees (a card photographed askew with no outline): the
		// frame is read again turned by the skew of its ink's rows
		if a := textSkew(g); math.Abs(a) >= minTextSkew {
			turned, hm := turnFrame(s.white, a)
			if pages, _, err = e.pagesInText(ctx, turned, s.name, cands, lang); err != nil {
				return err
			}
			for i, q := range pages {
				for j, p := range q {
					x, y := hm.Apply(p.X, p.Y)
					pages[i][j] = imgutil.Point{X: x, Y: y}
				}
			}
		}
	}
	tm.since(StageIdentify, s.name, t0)
	for _, q := range pages {
		if err := e.tryOutline(ctx, s, cands, locate.Outline{Quad: q}, true, tm, func(other *side) bool {
			return other.best.P >= minP && (s.best == nil || other.best.P > s.best.P)
		}); err != nil {
			return err
		}
	}
	return nil
}

// pagesInText reads frame's text in lang and returns the pages of the
// types among cands whose anchors read most (types that print the same
// anchors, the 2014 and 2023 Kazakh fronts, place each its own page, and
// identification tells them apart), with the flattened grey frame read;
// no pages and a nil frame when Tesseract could not read it.
func (e *Engine) pagesInText(ctx context.Context, frame *image.RGBA, name typedb.SideName, cands []*typedb.Type, lang string) ([]imgutil.Quad, *image.Gray, error) {
	f := 1.0
	if n := max(frame.Rect.Dx(), frame.Rect.Dy()); n > textFrameMax {
		f = math.Ceil(float64(n) / textFrameMax)
		frame = imgutil.Downscale(frame, int(f))
	}
	g := imgutil.FlattenPaper(imgutil.Gray(frame), flattenTile)
	words, err := e.ocr.Words(ctx, g, ocr.Request{Languages: lang, Mode: ocr.PSMAuto})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, nil // unread: the side stays as it was
	}
	for i := range words {
		b := words[i].Box.Sub(g.Rect.Min)
		words[i].Box = image.Rect(int(float64(b.Min.X)*f), int(float64(b.Min.Y)*f), int(float64(b.Max.X)*f), int(float64(b.Max.Y)*f))
	}
	lines := vz.WordLines(words)
	var pages []imgutil.Quad
	bestN := 0
	for _, t := range cands {
		if t.Side != name && name != "" {
			continue
		}
		q, n, ok := pageFromText(lines, t)
		switch {
		case !ok || n < bestN:
		case n > bestN:
			pages, bestN = []imgutil.Quad{q}, n
		case !slices.ContainsFunc(pages, func(p imgutil.Quad) bool { return sameQuad(p, q) }):
			pages = append(pages, q)
		}
	}
	return pages, g, nil
}

// textLanguages is the Tesseract languages the candidates' anchors are
// printed in: kaz reads Russian as well.
func textLanguages(cands []*typedb.Type) string {
	set := map[string]bool{}
	for _, t := range cands {
		for _, a := range t.Anchors {
			set[langModel(a.Lang)] = true
		}
	}
	var out []string
	for _, l := range []string{"kaz", "eng"} {
		if set[l] {
			out = append(out, l)
		}
	}
	return strings.Join(out, "+")
}

// langModel is the Tesseract model that reads an anchor's language.
func langModel(l string) string {
	if l == "en" {
		return "eng"
	}
	return "kaz"
}

// textMatch is an anchor found in the frame: where the type prints it
// (in millimetres: its zone's left edge, and its middle row) and the
// box of the words that read as it.
type textMatch struct {
	u, v  float64
	uMid  float64 // the middle of its zone across
	box   image.Rectangle
	label bool // left-aligned at its zone's edge: its left edge places the page across too
}

// pageFromText places t's page in the frame from its anchors read in
// lines: a similarity (scale, turn, shift) fitted by least squares to
// each found label's left end and each found anchor's row. ok needs
// anchors on two rows, one of them a label, a fit within 4 % of the
// page's height, and text of a height the scale makes plausible; n is
// how many anchors the fit holds. An anchor the fit does not hold (a
// label printed elsewhere than the type's template puts it: another
// hand's card sets "ЖСН / ИИН" in the field column, not under the photo)
// is left out, the worst first, while the rest still make a fit.
func pageFromText(lines [][]ocr.Word, t *typedb.Type) (q imgutil.Quad, n int, ok bool) {
	W, H := t.SizeMM[0], t.SizeMM[1]
	if W <= 0 || H <= 0 {
		return q, 0, false
	}
	var ms []textMatch
	for _, a := range t.Anchors {
		if len([]rune(a.Text)) < 6 {
			continue
		}
		box, found := findAnchorRun(lines, a.Text)
		if !found {
			continue
		}
		ms = append(ms, textMatch{u: a.Zone[0] * W, uMid: (a.Zone[0] + a.Zone[2]) / 2 * W, v: (a.Zone[1] + a.Zone[3]) / 2 * H, box: box, label: a.Kind == "label"})
	}
	f, fitted := fitPage(ms, H)
	for fitted && !f.holds(H) && len(ms) > minPageAnchors {
		// leave out the anchor whose absence fits the rest best
		best, bestI := pageFit{rms: math.Inf(1)}, -1
		for i := range ms {
			rest := slices.Delete(slices.Clone(ms), i, i+1)
			if g, ok := fitPage(rest, H); ok && g.rms < best.rms {
				best, bestI = g, i
			}
		}
		if bestI < 0 {
			break
		}
		ms, f = slices.Delete(ms, bestI, bestI+1), best
	}
	if !fitted || !f.holds(H) {
		return q, len(ms), false
	}
	var heights, upright []float64
	for _, m := range ms {
		// an upright box around turned text is taller than the text
		heights = append(heights, float64(m.box.Dy())-float64(m.box.Dx())*math.Abs(f.b)/f.scale)
		upright = append(upright, float64(m.box.Dy()))
	}
	// the printed capitals are 1–4 mm tall on every card and page, by
	// the boxes less their turn, or as they stand: anchors printed a
	// little off the template's places turn the fit a few degrees where
	// the page is not turned, and the long lines' boxes, less that turn,
	// come out too short (0.76 mm on another hand's straight scan)
	plausible := func(hs []float64) bool { h := imgutil.MedianFloat(hs) / f.scale; return h >= 0.8 && h <= 5 }
	if !plausible(heights) && !plausible(upright) {
		return q, len(ms), false
	}
	at := func(U, V float64) imgutil.Point {
		return imgutil.Point{X: f.a*U - f.b*V + f.tx, Y: f.b*U + f.a*V + f.ty}
	}
	return imgutil.Quad{at(0, 0), at(W, 0), at(W, H), at(0, H)}, len(ms), true
}

// minPageAnchors is the fewest anchors a page is placed by once some
// were left out of its fit: three, of which two rows and a label.
const minPageAnchors = 3

// pageFit is a similarity X = a·U − b·V + tx, Y = b·U + a·V + ty from a
// page's millimetres to the frame's pixels, its scale (px a millimetre)
// and the root mean square of its residuals in pixels.
type pageFit struct {
	a, b, tx, ty, scale, rms float64
}

// holds reports whether the fit is within 4 % of the height H (mm) of
// the page it places.
func (f pageFit) holds(H float64) bool { return f.rms <= 0.04*H*f.scale }

// fitPage fits the page to the anchors found, twice: a label's box's
// middle row lies across from its left end by half its width, which the
// first fit's scale tells in millimetres. It needs anchors on two rows
// of a page of height H (mm), one of them a label.
func fitPage(ms []textMatch, H float64) (pageFit, bool) {
	var f pageFit
	rows, labels := map[int]bool{}, 0
	for _, m := range ms {
		rows[int(m.v/H*10)] = true
		if m.label {
			labels++
		}
	}
	if len(rows) < 2 || labels == 0 {
		return f, false
	}
	var A [][5]float64 // rows of [a b tx ty | value]
	for pass := range 2 {
		A = A[:0]
		for _, m := range ms {
			cy := float64(m.box.Min.Y+m.box.Max.Y) / 2
			u := m.uMid // a header is centred somewhere in its zone: its row only
			if m.label {
				A = append(A, [5]float64{m.u, -m.v, 1, 0, float64(m.box.Min.X)})
				u = m.u
				if pass > 0 {
					u += float64(m.box.Dx()) / f.scale / 2
				}
			}
			A = append(A, [5]float64{m.v, u, 0, 1, cy})
		}
		p, solved := leastSquares4(A)
		if !solved {
			return f, false
		}
		f.a, f.b, f.tx, f.ty = p[0], p[1], p[2], p[3]
		if f.scale = math.Hypot(f.a, f.b); f.scale <= 0 {
			return f, false
		}
	}
	var sq float64
	for _, r := range A {
		d := r[0]*f.a + r[1]*f.b + r[2]*f.tx + r[3]*f.ty - r[4]
		sq += d * d
	}
	f.rms = math.Sqrt(sq / float64(len(A)))
	return f, true
}

// findAnchorRun is the box of the shortest run of words within one line
// that reads as text (identify.AnchorScore at least minTextMatch).
func findAnchorRun(lines [][]ocr.Word, text string) (image.Rectangle, bool) {
	var best image.Rectangle
	bestS, bestLen := 0.0, 0
	for _, l := range lines {
		for i := range l {
			var sb strings.Builder
			box := image.Rectangle{}
			for j := i; j < len(l); j++ {
				if j > i {
					sb.WriteByte(' ')
				}
				sb.WriteString(l[j].Text)
				box = box.Union(l[j].Box)
				s := identify.AnchorScore(sb.String(), text)
				if s >= minTextMatch && (s > bestS+0.05 || (s > bestS-0.05 && j-i+1 < bestLen)) {
					best, bestS, bestLen = box, s, j-i+1
				}
			}
		}
	}
	return best, bestS >= minTextMatch
}

// leastSquares4 solves the rows [c0 c1 c2 c3 | value] for the four
// unknowns in the least-squares sense; false when they do not fix them.
func leastSquares4(rows [][5]float64) ([4]float64, bool) {
	var m [4][5]float64 // normal equations
	for _, r := range rows {
		for i := range 4 {
			for j := range 4 {
				m[i][j] += r[i] * r[j]
			}
			m[i][4] += r[i] * r[4]
		}
	}
	eqs := make([][]float64, 4)
	for i := range m {
		eqs[i] = m[i][:]
	}
	x, ok := imgutil.SolveLinear(eqs, 1e-9)
	if !ok {
		return [4]float64{}, false
	}
	return [4]float64(x), true
}
