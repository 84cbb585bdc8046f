package vz

import (
	"image"
	"math"
	"slices"
	"strings"
)

// A lostMark is a diacritic found above a line of Cyrillic capitals
// (marksOver): its centre's x in the cut, and whether it is two dots, a
// Ё's, rather than one stroke wider than tall, a Й's breve.
type lostMark struct {
	x    float64
	dots bool
}

// Where marksOver looks for marks, in heights of the line's capitals
// above their tops: a Ё's dots and a Й's breve stand clear of the
// capital, by a row at least, up to a third of its height above it
// (markReach leaves room for a tall breve). A mark is at most markHeight
// tall and as wide as a capital; a speck under markSpeck of the
// capital's area is noise.
const (
	markReach  = 0.42
	markHeight = 0.3
	markSpeck  = 1.0 / 200
)

// marksOver finds the marks of Ё and Й printed above a line of capitals
// in g, a cut that reaches well above them (a capital's height), with
// the band's inked extent [from, to]. Only ink that stands clear above
// the capitals, small, and within markReach of them, is a mark; ink
// taller or wider than a mark (a label's whole letters just above the
// value) is not. Where ink that runs up to the cut's top edge (a label's
// letters cut through, whose feet look like marks) reaches into the
// marks' rows over the line, or more than three specks stand there, no
// mark is told: none is returned.
func marksOver(g *image.Gray) (marks []lostMark, from, to float64) {
	cands, from, to, capH := markPieces(g, false)
	if cands == nil {
		return nil, 0, 0
	}
	small := func(p piece) bool { w, _ := p.size(); return w <= capH*2/5 }
	for i := 0; i < len(cands); i++ {
		p := cands[i]
		pw, ph := p.size()
		if i+1 < len(cands) {
			q := cands[i+1]
			if small(p) && small(q) && q.centre()-p.centre() <= 0.6*float64(capH) && abs(p.minY-q.minY) <= max(2, capH/10) {
				marks = append(marks, lostMark{x: (p.centre() + q.centre()) / 2, dots: true})
				i++
				continue
			}
		}
		if float64(pw) >= 1.3*float64(ph) && pw >= capH/4 {
			marks = append(marks, lostMark{x: p.centre()})
		}
	}
	return marks, from, to
}

// markPieces finds the pieces of ink that stand clear above a line of
// capitals in g, small, within markReach of them, as marksOver tells
// them, left to right, with the band's inked extent [from, to] and the
// capitals' height; cands is nil where no mark may be told (ink the
// cut's top edge cuts through reaches the marks' rows, or more than
// three pieces stand there). With hanging, g is a line turned upside
// down to find the marks under it, and a narrow mark joined to its
// letter's foot counts.
func markPieces(g *image.Gray, hanging bool) (cands []piece, from, to float64, capH int) {
	b := levelled(binarize(g))
	w, h := b.Rect.Dx(), b.Rect.Dy()
	if w < 8 || h < 8 {
		return nil, 0, 0, 0
	}
	ink := func(x, y int) bool { return b.Pix[y*b.Stride+x] == 0 }
	rows := make([]int, h)
	peak := 0
	for y := range h {
		for x := range w {
			if ink(x, y) {
				rows[y]++
			}
		}
		if rows[y] > rows[peak] {
			peak = y
		}
	}
	if rows[peak] == 0 {
		return nil, 0, 0, 0
	}
	top, bottom := peak, peak
	for top > 0 && rows[top-1]*5 >= rows[peak] {
		top--
	}
	for bottom < h-1 && rows[bottom+1]*5 >= rows[peak] {
		bottom++
	}
	capH = bottom - top + 1
	zoneTop := top - int(math.Ceil(markReach*float64(capH)))
	if capH < 8 || zoneTop < 1 {
		return nil, 0, 0, 0
	}
	from, to = -1, -1
	for x := range w {
		for y := top; y <= bottom; y++ {
			if ink(x, y) {
				if from < 0 {
					from = float64(x)
				}
				to = float64(x + 1)
				break
			}
		}
	}
	// the ink above the band, in 8-connected pieces
	var pieces []piece
	seen := make([]bool, w*top)
	var stack []int
	for y0 := range top {
		for x0 := range w {
			if seen[y0*w+x0] || !ink(x0, y0) {
				continue
			}
			p := piece{minX: x0, minY: y0, maxX: x0, maxY: y0}
			seen[y0*w+x0] = true
			stack = append(stack[:0], y0*w+x0)
			for len(stack) > 0 {
				i := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				x, y := i%w, i/w
				p.area++
				p.minX, p.maxX, p.minY, p.maxY = min(p.minX, x), max(p.maxX, x), min(p.minY, y), max(p.maxY, y)
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						nx, ny := x+dx, y+dy
						if nx < 0 || ny < 0 || nx >= w || ny >= top || seen[ny*w+nx] || !ink(nx, ny) {
							continue
						}
						seen[ny*w+nx] = true
						stack = append(stack, ny*w+nx)
					}
				}
			}
			pieces = append(pieces, p)
		}
	}
	cands = []piece{}
	for _, p := range pieces {
		if p.maxY < zoneTop || p.maxX < int(from)-capH || p.minX > int(to)+capH {
			continue // above the marks' rows, or beside the line
		}
		pw, ph := p.size()
		switch {
		case p.maxY >= top-1 && hanging && p.minY > 0 && pw <= capH*2/5 && float64(ph) <= markHeight*float64(capH)+1 && float64(top-p.minY) > float64(capH)/6:
			// a mark under the capitals that blur joined to its letter's
			// foot (a comma under a T's stem): narrow, and no taller
			// than a mark
		case p.maxY >= top-1:
			// touching the capitals: a round one's overshoot, or ink
			// that reaches down to them from above
			if float64(top-p.minY) <= float64(capH)/6 {
				continue
			}
			return nil, 0, 0, 0
		case p.minY == 0:
			// ink the cut's top edge cuts through: a label's letters,
			// whose feet look like marks
			return nil, 0, 0, 0
		case p.minY < zoneTop || float64(ph) > markHeight*float64(capH)+1 || pw > capH:
			// a label's whole letter, or artwork, reaching into the
			// marks' rows: no mark, nor one beside it
			continue
		case float64(p.area) < markSpeck*float64(capH*capH):
			continue
		}
		cands = append(cands, p)
	}
	if len(cands) > 3 {
		return nil, 0, 0, 0
	}
	slices.SortFunc(cands, func(a, b piece) int { return a.minX - b.minX })
	return cands, from, to, capH
}

// levelled returns b, a black-and-white cut of a line of capitals, with
// its columns shifted up or down so that the line runs level: a line
// photographed or printed at a slant of a few pixels over its length
// (FERREIRA 6 px lower than GONÇALVES, on another hand's Portuguese
// passport) rose into the rows where its first word's marks stand, and
// the marks were taken for the capitals. The slant is the line through
// the capitals' foot (the side away from the marks) in four strips
// across the cut; b is returned as it is under levelSlant pixels over
// the cut's width, or where the feet lie off one line.
func levelled(b *image.Gray) *image.Gray {
	w, h := b.Rect.Dx(), b.Rect.Dy()
	const strips = 4
	if w < 8*strips || h < 8 {
		return b
	}
	var xs, ys []float64
	rows := make([]int, h)
	for k := range strips {
		x0, x1 := k*w/strips, (k+1)*w/strips
		peak := 0
		for y := range h {
			rows[y] = 0
			for _, v := range b.Pix[y*b.Stride+x0 : y*b.Stride+x1] {
				if v == 0 {
					rows[y]++
				}
			}
			if rows[y] > rows[peak] {
				peak = y
			}
		}
		if rows[peak] < 3 {
			continue
		}
		// the foot: the band of rows inked an eighth as much as the
		// densest, down from it (an E's bars make the densest rows, its
		// stems the others), to the gap before anything under the line
		foot := peak
		for foot < h-1 && rows[foot+1]*8 >= rows[peak] {
			foot++
		}
		xs = append(xs, float64(x0+x1)/2)
		ys = append(ys, float64(foot))
	}
	if len(xs) < 2 {
		return b
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i] / float64(len(xs))
		my += ys[i] / float64(len(xs))
	}
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	slope := sxy / sxx
	if math.Abs(slope)*float64(w) < levelSlant || math.Abs(slope) > maxLevelSlope {
		return b
	}
	for i := range xs {
		if math.Abs(my+slope*(xs[i]-mx)-ys[i]) > levelFit {
			// the feet do not lie on a line: no slant told
			return b
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for x := range w {
		shift := int(math.Round(slope * (float64(x) - mx)))
		for y := range h {
			if sy := y + shift; sy >= 0 && sy < h {
				out.Pix[y*out.Stride+x] = b.Pix[sy*b.Stride+x]
			}
		}
	}
	return out
}

// levelSlant is the slant, in pixels over a cut's width, from which
// levelled levels a line (a line's capitals stand a few rows clear of
// its marks); maxLevelSlope the steepest it levels (6°: a page is
// warped level, though a phone photo's may keep a few degrees), and
// levelFit how far, in pixels, a strip's foot may lie off the slant's
// line.
const (
	levelSlant    = 3
	maxLevelSlope = 0.1
	levelFit      = 2
)

// A piece is a connected run of ink: its bounding box and its area in
// pixels.
type piece struct {
	minX, minY, maxX, maxY, area int
}

// size is the piece's width and height.
func (p piece) size() (w, h int) { return p.maxX - p.minX + 1, p.maxY - p.minY + 1 }

// centre is the x of the piece's middle.
func (p piece) centre() float64 { return float64(p.minX+p.maxX+1) / 2 }

// withLostMarks puts each mark on the letter of v under it that lost
// it: dots on an Е (Ё), a breve on an И (Й), where the mark stands
// within three quarters of a letter of it, and no other such letter
// within a letter and a half. A mark over a letter that carries it
// already, or over none that may, tells nothing; ok is false when a
// mark stood as near two letters that may carry it.
func withLostMarks(v string, marks []lostMark, from, to float64) (string, bool) {
	r := []rune(v)
	if len(r) == 0 || to <= from {
		return v, true
	}
	for _, m := range marks {
		pos := (m.x-from)/(to-from)*float64(len(r)) - 0.5
		plain, marked := 'И', 'Й'
		if m.dots {
			plain, marked = 'Е', 'Ё'
		}
		best, near := -1, 0
		for i, c := range r {
			if c != plain && c != marked {
				continue
			}
			d := math.Abs(float64(i) - pos)
			if d <= 1.5 {
				near++
			}
			if d <= 0.75 && (best < 0 || d < math.Abs(float64(best)-pos)) {
				best = i
			}
		}
		switch {
		case best < 0 || r[best] == marked:
		case near > 1:
			return v, false
		default:
			r[best] = marked
		}
	}
	return string(r), true
}

// hasCarrier reports whether a Cyrillic name may have lost a mark: it
// holds an Е or an И.
func hasCarrier(v string) bool { return strings.ContainsAny(v, "ЕИ") }

// belowMarked are the marked capitals whose mark hangs under the
// baseline, by their plain letter: the comma of Romanian, the cedilla of
// Turkish and Portuguese, the Latvian comma, the ogonek.
var belowMarked = map[rune]string{
	'S': "ȘŞ", 'T': "ȚŢ", 'C': "Ç", 'N': "Ņ", 'K': "Ķ", 'L': "Ļ", 'G': "Ģ", 'R': "Ŗ",
	'A': "Ą", 'E': "Ę", 'I': "Į", 'U': "Ų",
}

// marksUnder finds the marks that stand clear under a line of capitals
// in g, a cut that reaches well below them, as markPieces finds those
// above (g turned upside down): their centres' x, with the band's inked
// extent [from, to]. Ink the cut's bottom edge cuts through (a caption
// under the value), or more than three pieces, tell none. With joined, a
// mark blur joined to its letter's foot counts too: not where a J or a
// Q, whose tails hang so, is among the capitals.
func marksUnder(g *image.Gray, joined bool) (xs []float64, from, to float64) {
	cands, from, to, _ := markPieces(flipRows(g), joined)
	for _, p := range cands {
		xs = append(xs, p.centre())
	}
	return xs, from, to
}

// flipRows returns g upside down.
func flipRows(g *image.Gray) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, g.Rect.Dx(), g.Rect.Dy()))
	for y := range out.Rect.Dy() {
		src := g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Max.Y-1-y):]
		copy(out.Pix[y*out.Stride:y*out.Stride+out.Rect.Dx()], src[:out.Rect.Dx()])
	}
	return out
}

// withMarksBelow puts each mark found under the line (marksUnder) on the
// letter of v above it that may carry a mark below in allowed, the
// marked letters of the document's languages: the nearest, within three
// quarters of a letter of it, and nearer by 0.4 of a letter than any
// other that may carry one. A space counts half a letter. A mark under
// a letter marked already (one of marksBelow), or under none that may
// carry one, tells nothing; ok is false when a mark stood as near two
// letters that may.
func withMarksBelow(v string, xs []float64, from, to float64, allowed string) (string, bool) {
	r := []rune(v)
	if len(r) == 0 || to <= from {
		return v, true
	}
	widths := make([]float64, len(r))
	total := 0.0
	for i, c := range r {
		widths[i] = 1
		if c == ' ' {
			widths[i] = 0.5
		}
		total += widths[i]
	}
	letter := (to - from) / total
	centres := make([]float64, len(r))
	at := from
	for i, w := range widths {
		centres[i] = at + w*letter/2
		at += w * letter
	}
	markedOf := func(c rune) (rune, bool) {
		for _, m := range belowMarked[c] {
			if strings.ContainsRune(allowed, m) {
				return m, true
			}
		}
		return 0, false
	}
	carries := func(c rune) bool { return strings.ContainsRune(marksBelow, c) }
	for _, x := range xs {
		best, bestD, nextD := -1, math.Inf(1), math.Inf(1)
		for i, c := range r {
			if _, ok := markedOf(c); !ok && !carries(c) {
				continue
			}
			switch d := math.Abs(centres[i]-x) / letter; {
			case d < bestD:
				best, bestD, nextD = i, d, bestD
			case d < nextD:
				nextD = d
			}
		}
		switch {
		case best < 0 || bestD > 0.75 || carries(r[best]):
		case nextD-bestD < 0.4:
			return v, false
		default:
			r[best], _ = markedOf(r[best])
		}
	}
	return string(r), true
}
