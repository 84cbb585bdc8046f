package glyph

import (
	"math"

	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/seg"
)

// Dense decoding: when the lattice reading is doubtful, the classifier
// itself places the characters. Windows are read every sixth of a
// character unit (the glyphs' usual advance, from their width) along the
// line; each scores how much it looks like a character centred there
// against "no character", and dynamic programming picks the chain of
// centres with the best total. This follows printing that drifts,
// squeezes two glyphs together, sets fillers wide apart or grows along a
// photographed line, where a lattice slips by a character.

const (
	// gridSteps is how many windows are read per unit.
	gridSteps = 6.0
	// Steps between neighbouring centres, in units.
	minStep, maxStep = 0.62, 1.9
	// stepCost weighs a step's deviation from the unit against the
	// windows' evidence (in nats), jumpCost a change from the step
	// before: spacing drifts along a line but does not jump.
	stepCost = 2.0
	jumpCost = 8.0
	// evidenceFloor bounds the evidence of one window, in probability.
	evidenceFloor = 0.01
)

// window is one classified position of the dense grid.
type window struct {
	x     float64
	score float64 // log-odds of a character centred here against none
	chars readChar
}

// denseWindows classifies windows every 1/gridSteps unit over the ink
// span.
func (r *Reader) denseWindows(lay *seg.Layout, w *work) []window {
	xa, xb := lay.InkSpan()
	var out []window
	x := xa - 0.1*lay.UnitAt(xa)
	for x <= xb+0.1*lay.UnitAt(xb) && len(out) < maxWindows {
		out = append(out, r.readWindow(lay, x, w))
		x += lay.UnitAt(x) / gridSteps
	}
	return out
}

// evidence is the log-odds of a character centred in a window against
// none.
func evidence(top, junk float32) float64 {
	return math.Log(float64(top)+evidenceFloor) - math.Log(float64(junk)+evidenceFloor)
}

// maxWindows bounds the work on a line (120 cells of six windows).
const maxWindows = 720

func (r *Reader) readWindow(lay *seg.Layout, x float64, w *work) window {
	y := lay.BandY(x)
	lay.RasterAt(x, y, w.x)
	r.net.Forward(w.x, w.s, w.probs)
	cands := topCands(w.probs)
	junk := w.probs[Junk]
	top := w.probs[indexOf(cands[0].Char)]
	p, c := lay.UnitAt(x), lay.CapAt(x)
	return window{
		x:     x,
		score: evidence(top, junk),
		chars: readChar{Char: Char{Box: lay.BoxAt(x-p/2, y-c/2, x+p/2, y+c/2), Cands: cands}, junk: junk, top: top, x: x},
	}
}

// denseDecode chooses character centres among the windows (sorted by
// x): n of them when n > 0; otherwise as many as the ink needs, the first
// and last within about a unit of the ink's ends. A chain scores the
// windows' evidence, minus a cost for each step's deviation from the
// unit and, more, for a step that differs from the one before: spacing
// drifts along a line but does not jump, so a character cannot be
// squeezed into a gap between two widely set fillers. It returns nil when
// no chain fits.
func denseDecode(lay *seg.Layout, ws []window, n int) []readChar {
	K := len(ws)
	if K == 0 {
		return nil
	}
	xa, xb := lay.InkSpan()
	// Pairs (j, k) of windows that may follow each other: preds of k
	// are pairs base[k] .. base[k+1]-1.
	type pair struct {
		j, k int32
		d    float64 // step in units
		cost float64
	}
	var pairs []pair
	base := make([]int, K+1)
	for k := range ws {
		base[k] = len(pairs)
		for j := k - 1; j >= 0; j-- {
			p := lay.UnitAt((ws[j].x + ws[k].x) / 2)
			d := (ws[k].x - ws[j].x) / p
			if d < minStep {
				continue
			}
			if d > maxStep {
				break
			}
			pairs = append(pairs, pair{int32(j), int32(k), d, stepCost * (d - 1) * (d - 1)})
		}
	}
	base[K] = len(pairs)
	P := len(pairs)
	negInf := math.Inf(-1)
	jump := func(a, b float64) float64 { return jumpCost * (a - b) * (a - b) }
	start := func(k int) bool { return n > 0 || ws[k].x <= xa+0.75*lay.UnitAt(xa) }
	end := func(k int) bool { return n > 0 || ws[k].x >= xb-0.75*lay.UnitAt(xb) }
	if n == 1 {
		best := -1
		for k := range ws {
			if best < 0 || ws[k].score > ws[best].score {
				best = k
			}
		}
		return []readChar{ws[best].chars}
	}
	if P == 0 {
		return nil
	}
	// layers: for fixed n, score[i][pair] is the best chain of i+2
	// characters ending with pair; for a free count a single layer holds
	// the best chain of any length.
	layers := 1
	if n > 0 {
		layers = n - 1
	}
	score := make([][]float64, layers)
	from := make([][]int32, layers)
	for i := range score {
		score[i] = make([]float64, P)
		from[i] = make([]int32, P)
		for q := range score[i] {
			score[i][q] = negInf
			from[i][q] = -1
		}
	}
	count := make([]int32, P) // chain length, free count only
	for q, pr := range pairs {
		if start(int(pr.j)) {
			score[0][q] = ws[pr.j].score + ws[pr.k].score - pr.cost
			count[q] = 2
		}
	}
	relax := func(src, dst []float64, dstFrom []int32, free bool) {
		for q, pr := range pairs {
			k := int(pr.k)
			for r := base[pr.j]; r < base[pr.j+1]; r++ {
				v := src[r]
				if v == negInf {
					continue
				}
				s := v + ws[k].score - pr.cost - jump(pairs[r].d, pr.d)
				if s > dst[q] {
					dst[q], dstFrom[q] = s, int32(r)
					if free {
						count[q] = count[r] + 1
					}
				}
			}
		}
	}
	if n > 0 {
		for i := 1; i < layers; i++ {
			relax(score[i-1], score[i], from[i], false)
		}
	} else {
		// Pairs are ordered by their second window, so one pass in
		// order sees every predecessor final.
		relax(score[0], score[0], from[0], true)
	}
	last := layers - 1
	bestQ, bestV := -1, negInf
	for q, pr := range pairs {
		if end(int(pr.k)) && score[last][q] > bestV {
			bestQ, bestV = q, score[last][q]
		}
	}
	if bestQ < 0 {
		return nil
	}
	var idx []int32
	for i, q := last, int32(bestQ); q >= 0 && len(idx) <= 2*maxWindows; {
		idx = append(idx, pairs[q].k)
		prev := from[i][q]
		if prev < 0 {
			idx = append(idx, pairs[q].j)
			break
		}
		q = prev
		if n > 0 {
			i--
		}
	}
	out := make([]readChar, len(idx))
	for i, k := range idx {
		out[len(idx)-1-i] = ws[k].chars
	}
	return out
}
