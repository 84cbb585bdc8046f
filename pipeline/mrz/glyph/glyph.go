// Package glyph reads the characters of one cut MRZ line: it lays a
// fixed-pitch lattice over the line and classifies each cell with a small
// neural network trained only on synthetic OCR-B renderings (recipe in
// ./train); where that reading is in doubt, the network itself places the
// characters, from windows read densely along the line. It owns no
// finding, parsing or correction; those live in package mrz, which uses
// the candidates' probabilities to settle look-alike characters by field
// type and check digits.
package glyph

import (
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/mlp"
	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/seg"
)

// Alphabet is the MRZ character set in the model's class order. The model
// has one more class after these: "no character centred here".
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

const (
	// NumClasses is the model's output size: the alphabet and Junk.
	NumClasses = len(Alphabet) + 1
	// Junk is the class of a window centred on no character.
	Junk = len(Alphabet)
	// numCands is how many candidates each Char carries.
	numCands = 5
)

// ModelMeta identifies the feature layout a model was trained for.
var ModelMeta = fmt.Sprintf("mrz-glyph v1 raster=%dx%d classes=%s+junk", seg.RasterW, seg.RasterH, Alphabet)

// Errors returned by ReadLine; test with errors.Is.
var (
	ErrTooSmall = seg.ErrTooSmall
	ErrTooLarge = seg.ErrTooLarge
	ErrNoText   = seg.ErrNoText
	ErrModel    = errors.New("glyph: bad model")
)

// Candidate is one possible reading of a character.
type Candidate struct {
	Char byte    // in [0-9A-Z<]
	Prob float32 // model probability, renormalised over the alphabet
}

// Char is one character position of a line.
type Char struct {
	Box   image.Rectangle // in the line image's coordinates
	Cands []Candidate     // best first, numCands of them
	// Context is true when the first candidate, O or 0, was put first by
	// the characters around it over the classifier's own reading of the
	// glyph, the other twin (see settleTwins). A caller that knows the
	// field allows both (a state code, which no check digit covers) can
	// take the glyph's own reading instead.
	Context bool
}

// Line is a read line.
type Line struct{ Chars []Char }

// Text returns the best candidate of each character.
func (l Line) Text() string {
	b := make([]byte, len(l.Chars))
	for i, c := range l.Chars {
		b[i] = c.Cands[0].Char
	}
	return string(b)
}

// Reader reads MRZ lines. It is immutable after loading and safe for
// concurrent use.
type Reader struct {
	net     *mlp.Net
	scratch sync.Pool
}

//go:embed model.bin
var defaultModel []byte

var loadDefault = sync.OnceValues(func() (*Reader, error) { return New(defaultModel) })

// Default returns the reader with the embedded model.
func Default() (*Reader, error) { return loadDefault() }

// New returns a reader for a model written by the training recipe.
func New(model []byte) (*Reader, error) {
	net, err := mlp.Unmarshal(model)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	if net.Meta != ModelMeta || net.Sizes[0] != seg.Features || net.Sizes[len(net.Sizes)-1] != NumClasses {
		return nil, fmt.Errorf("%w: trained for %q, want %q", ErrModel, net.Meta, ModelMeta)
	}
	r := &Reader{net: net}
	r.scratch.New = func() any { return newWork(net) }
	return r, nil
}

type work struct {
	s     *mlp.Scratch
	x     []float32
	probs []float32
}

func newWork(net *mlp.Net) *work {
	return &work{s: net.NewScratch(), x: make([]float32, seg.Features), probs: make([]float32, NumClasses)}
}

// ReadLine reads one cut MRZ line. wantLen is the expected number of
// characters (30, 36 or 44), or 0 to infer it from the character pitch.
// When the ink cannot hold wantLen characters at a plausible pitch (a
// line cut short), the count found is returned instead: check
// len(Line.Chars).
func (r *Reader) ReadLine(line *image.Gray, wantLen int) (Line, error) {
	lay, err := seg.Segment(line, wantLen)
	if err != nil {
		return Line{}, fmt.Errorf("glyph: %w", err)
	}
	w := r.scratch.Get().(*work)
	defer r.scratch.Put(w)
	best, weak := r.classify(lay, w)
	if weak >= denseTrigger {
		// The lattice is in doubt: let the classifier place the
		// characters.
		if d := denseDecode(lay, r.denseWindows(lay, w), wantLen); len(d) > 0 {
			best = d
		}
	}
	r.confirm(lay, best, w)
	if wantLen == 0 {
		// Cells at the ends that the model sees as no character are
		// margin noise, not text.
		a, b := 0, len(best)
		for a < b && best[a].junk > 0.5 {
			a++
		}
		for b > a && best[b-1].junk > 0.5 {
			b--
		}
		best = best[a:b]
	}
	if len(best) == 0 {
		return Line{}, fmt.Errorf("glyph: %w", ErrNoText)
	}
	chars := make([]Char, len(best))
	for i, c := range best {
		chars[i] = c.Char
	}
	settleTwins(chars, measureTwins(lay, best))
	return Line{Chars: chars}, nil
}

// settleTwins decides O against 0 by the neighbouring characters. Many
// document printers render the letter O and the digit zero as the same
// oval, so the glyph alone cannot tell them apart. Where the nearest
// characters on both sides (two on one side at least, none across a
// filler or another twin) are all letters, the twin is read as O; all
// digits, as 0. Anything else keeps the classifier's reading: a twin
// next to a letter and a digit, at a field's edge, or in a run of twins
// (document numbers such as AA00000000 sit between letters).
//
// Some fonts do tell them apart: in the Debian OCR-B, and in many
// printers' OCR-B, digits stand taller than capitals. When the line shows
// that (heights), context overrules the classifier only where the twin's
// own height agrees with it, so a letter O among digits (or a 0 among
// letters) in such a font stays as read. The other twin stays among the
// candidates, so the caller's field rules and check digits still see it,
// and the character is marked Context.
func settleTwins(chars []Char, heights *twinHeights) {
	twin := func(c byte) bool { return c == 'O' || c == '0' }
	// side returns the class of the (up to) two nearest characters from
	// i in direction d, stopping at a filler, another twin or the line's
	// end: 'A' letters, '9' digits, 0 mixed or none; and how many.
	side := func(i, d int) (byte, int) {
		var class byte
		n := 0
		for j := i + d; j >= 0 && j < len(chars) && n < 2; j += d {
			c := chars[j].Cands[0].Char
			if c == '<' || twin(c) {
				break
			}
			k := byte('A')
			if c >= '0' && c <= '9' {
				k = '9'
			}
			if n > 0 && k != class {
				return 0, 0
			}
			class = k
			n++
		}
		return class, n
	}
	want := make([]byte, len(chars))
	for i, c := range chars {
		if !twin(c.Cands[0].Char) {
			continue
		}
		l, nl := side(i, -1)
		r, nr := side(i, 1)
		if l == 0 || l != r || nl+nr < 3 {
			continue
		}
		want[i] = 'O'
		if l == '9' {
			want[i] = '0'
		}
		if want[i] != 0 && heights != nil {
			if byHeight, ok := heights.class(i); !ok || byHeight != want[i] {
				want[i] = 0
			}
		}
	}
	for i, w := range want {
		if w != 0 && chars[i].Cands[0].Char != w {
			chars[i].Cands = promote(chars[i].Cands, w)
			chars[i].Context = true
		}
	}
}

// twinHeights holds a line's capital and digit heights and each
// character's own. A line photographed at an angle, or printed unevenly,
// grows or shrinks along its length: the heights expected at character
// i are letter and digit plus slope times its distance from mid.
type twinHeights struct {
	letter, digit float64
	slope, mid    float64
	own, x        []float64 // own 0 where unmeasured; x nil: no trend
}

// class reads character i as 'O' or '0' by its height: nearer the
// capitals' or the digits' there.
func (t *twinHeights) class(i int) (byte, bool) {
	h := t.own[i]
	if h <= 0 {
		return 0, false
	}
	var trend float64
	if t.x != nil {
		trend = t.slope * (t.x[i] - t.mid)
	}
	if h-t.letter-trend < t.digit+trend-h {
		return 'O', true
	}
	return '0', true
}

// measureTwins measures the line's capital and digit heights from the
// flat-topped capitals and the digits 1-9 read clearly, and how they
// change along the line (the median slope over pairs of those glyphs,
// each measured from its class's median height: robust to a blotted
// glyph). It returns nil unless the digits stand measurably taller (by
// 4% and a pixel), as in the Debian OCR-B (7.5%).
func measureTwins(lay *seg.Layout, chars []readChar) *twinHeights {
	t := &twinHeights{own: make([]float64, len(chars)), x: make([]float64, len(chars))}
	var letters, digits []float64
	var xs, hs []float64
	var isDigit []bool
	for i, c := range chars {
		t.x[i] = c.x
		h, ok := lay.InkHeight(c.x)
		if !ok {
			continue
		}
		t.own[i] = h
		if c.top < 0.8 {
			continue
		}
		switch ch := c.Cands[0].Char; {
		case ch >= '1' && ch <= '9':
			digits = append(digits, h)
			xs, hs, isDigit = append(xs, c.x), append(hs, h), append(isDigit, true)
		case strings.IndexByte("BDEFHIKLMNPRTUXZ", ch) >= 0:
			letters = append(letters, h)
			xs, hs, isDigit = append(xs, c.x), append(hs, h), append(isDigit, false)
		}
	}
	if len(letters) < 2 || len(digits) < 2 {
		return nil
	}
	ml, md := medianOf(letters), medianOf(digits)
	// Residuals from each class's median, and their trend along x.
	res := make([]float64, len(hs))
	for i, h := range hs {
		res[i] = h - ml
		if isDigit[i] {
			res[i] = h - md
		}
	}
	var slopes []float64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if dx := xs[j] - xs[i]; math.Abs(dx) >= lay.Pitch {
				slopes = append(slopes, (res[j]-res[i])/dx)
			}
		}
	}
	if len(slopes) > 0 && heightTrend {
		t.slope = medianOf(slopes)
		t.mid = medianOf(slices.Clone(xs))
	}
	var l2, d2 []float64
	for i, h := range hs {
		h -= t.slope * (xs[i] - t.mid)
		if isDigit[i] {
			d2 = append(d2, h)
		} else {
			l2 = append(l2, h)
		}
	}
	t.letter, t.digit = medianOf(l2), medianOf(d2)
	if t.digit-t.letter < max(1, 0.04*t.letter) {
		return nil
	}
	return t
}

// heightTrend lets the expected heights follow the line (tests compare
// without).
var heightTrend = true

// medianOf sorts v and returns its median (upper middle).
func medianOf(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

// promote returns cands with c first, taking the first candidate's
// probability; the displaced candidate takes c's (or c is added in place
// of the last one).
func promote(cands []Candidate, c byte) []Candidate {
	out := slices.Clone(cands)
	k := slices.IndexFunc(out, func(x Candidate) bool { return x.Char == c })
	if k < 0 {
		k = len(out) - 1
		out[k] = Candidate{Char: c, Prob: out[k].Prob}
	}
	top := out[0].Prob
	out[0], out[k] = out[k], out[0]
	out[k].Prob, out[0].Prob = out[0].Prob, top
	slices.SortStableFunc(out[1:], func(a, b Candidate) int { return cmp.Compare(b.Prob, a.Prob) })
	return out
}

// unsure is the probability below which a cell is also read slightly
// shifted.
const unsure = 0.9

type readChar struct {
	Char
	junk, top float32
	x         float64 // window centre, work coordinates
}

// denseTrigger is how many weak cells send a line to dense decoding
// (tests raise it to read with the lattice alone).
var denseTrigger = 1

// confirm re-reads each character not read clearly at small shifts of
// its window (a few per cent of a cell across and up and down) and
// averages the readings: one window's view of a bold or worn glyph
// depends on where its edges fall, several views agree more often.
func (r *Reader) confirm(lay *seg.Layout, chars []readChar, w *work) {
	var acc [NumClasses]float32
	for i := range chars {
		c := &chars[i]
		if c.top >= clearProb {
			continue
		}
		u, capH := lay.UnitAt(c.x), lay.CapAt(c.x)
		y := lay.BandY(c.x)
		acc = [NumClasses]float32{}
		for _, d := range [...][2]float64{{0, 0}, {-0.08, 0}, {0.08, 0}, {0, -0.05}, {0, 0.05}} {
			lay.RasterAt(c.x+d[0]*u, y+d[1]*capH, w.x)
			r.net.Forward(w.x, w.s, w.probs)
			for k, p := range w.probs {
				acc[k] += p / 5
			}
		}
		cands := topCands(acc[:])
		c.Cands, c.top, c.junk = cands, acc[indexOf(cands[0].Char)], acc[Junk]
	}
}

// clearProb is the probability above which a reading is not confirmed.
const clearProb = 0.97

// classify reads every cell of a layout; weak counts the cells whose
// best reading is below one half and the steps between neighbours that
// suggest a skipped or doubled glyph.
func (r *Reader) classify(lay *seg.Layout, w *work) (chars []readChar, weak int) {
	out := make([]readChar, len(lay.Cells))
	for i, c := range lay.Cells {
		lay.Raster(i, w.x)
		r.net.Forward(w.x, w.s, w.probs)
		cands := topCands(w.probs)
		top := w.probs[indexOf(cands[0].Char)]
		junk := w.probs[Junk]
		x := c.X
		if top < unsure {
			// Printing drifts a little from the lattice: look a bit to
			// either side and keep the clearest reading.
			for _, dx := range [2]float64{-0.14, 0.14} {
				xx := c.X + dx*lay.Pitch
				lay.RasterAt(xx, lay.BandY(xx), w.x)
				r.net.Forward(w.x, w.s, w.probs)
				alt := topCands(w.probs)
				if p := w.probs[indexOf(alt[0].Char)]; p > top {
					top, cands, junk, x = p, alt, w.probs[Junk], xx
				}
			}
		}
		out[i] = readChar{Char: Char{Box: c.Box, Cands: cands}, junk: junk, top: top, x: x}
		if top < 0.5 {
			weak++
		}
	}
	// A step between neighbours far from the glyphs' usual advance
	// means the lattice may have skipped or doubled a glyph, even where
	// every cell reads clearly.
	for i := 1; i < len(out); i++ {
		u := lay.UnitAt((out[i].x + out[i-1].x) / 2)
		if d := (out[i].x - out[i-1].x) / u; d > 1.4 || d < 0.7 {
			weak++
		}
	}
	return out, weak
}

func indexOf(c byte) int { return strings.IndexByte(Alphabet, c) }

// topCands returns the best numCands characters, with probabilities
// renormalised over the alphabet (the no-character class excluded).
func topCands(p []float32) []Candidate {
	var sum float32
	for _, v := range p[:len(Alphabet)] {
		sum += v
	}
	if sum <= 0 {
		sum = 1
	}
	c := make([]Candidate, len(Alphabet))
	for i := range c {
		c[i] = Candidate{Char: Alphabet[i], Prob: p[i] / sum}
	}
	sort.SliceStable(c, func(i, j int) bool { return c[i].Prob > c[j].Prob })
	return c[:numCands:numCands]
}
