// Package glyph reads the characters of one cut MRZ line: it segments the
// line on the fixed OCR-B pitch and classifies each character cell with a
// small neural network trained only on synthetic OCR-B renderings
// (recipe in ./train). It owns no finding, parsing or correction; those
// live in package mrz, which uses the candidates' probabilities to settle
// look-alike characters by field type and check digits.
package glyph

import (
	_ "embed"
	"errors"
	"fmt"
	"image"
	"sort"
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
func (r *Reader) ReadLine(line *image.Gray, wantLen int) (Line, error) {
	lay, err := seg.Segment(line, wantLen)
	if err != nil {
		return Line{}, fmt.Errorf("glyph: %w", err)
	}
	w := r.scratch.Get().(*work)
	defer r.scratch.Put(w)
	chars := make([]Char, 0, len(lay.Cells))
	junk := make([]float32, 0, len(lay.Cells))
	for i, c := range lay.Cells {
		lay.Raster(i, w.x)
		r.net.Forward(w.x, w.s, w.probs)
		chars = append(chars, Char{Box: c.Box, Cands: topCands(w.probs)})
		junk = append(junk, w.probs[Junk])
	}
	if wantLen == 0 {
		// Cells at the ends that the model sees as no character are
		// margin noise, not text.
		a, b := 0, len(chars)
		for a < b && junk[a] > 0.5 {
			a++
		}
		for b > a && junk[b-1] > 0.5 {
			b--
		}
		chars = chars[a:b]
	}
	if len(chars) == 0 {
		return Line{}, fmt.Errorf("glyph: %w", ErrNoText)
	}
	return Line{Chars: chars}, nil
}

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
