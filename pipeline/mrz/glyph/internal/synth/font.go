// Package synth renders synthetic MRZ lines in the OCR-B font with the
// degradations of real capture, for training the glyph classifier and for
// tests. It is never used at read time.
package synth

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// DefaultFontDir is where Debian's fonts-ocr-b package installs the fonts.
const DefaultFontDir = "/usr/share/fonts/opentype/ocr-b"

// Alphabet is the MRZ character set, in class order.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

// ErrNoFont reports that the OCR-B font files are not installed.
var ErrNoFont = errors.New("synth: OCR-B font not found")

// unitsPerEm is the ppem at which outlines are loaded; outlines are then
// scaled in float to any size.
const unitsPerEm = 1000

// seg is one outline segment in em units (y down, origin on the baseline
// at the left of the advance).
type seg struct {
	op   sfnt.SegmentOp
	args [3][2]float32
}

// Glyph is one character's outline in em units.
type Glyph struct {
	segs []seg
	// Ink bounds in em units (y down).
	MinX, MinY, MaxX, MaxY float32
}

// Face is a set of glyph outlines for the MRZ alphabet taken from one
// OCR-B style.
type Face struct {
	Name    string
	Advance float32 // em units
	Cap     float32 // cap height, em units
	Glyphs  map[byte]*Glyph
}

// LoadFaces loads the usable OCR-B styles from dir: the regular and the
// "sharp" style. x/image/font/sfnt cannot parse the CFF flex1 operator that
// some glyphs of the regular style use ('8' and '<'); those glyphs are taken
// from the sharp style, which has the same metrics.
func LoadFaces(dir string) ([]*Face, error) {
	sharp, err := loadFace(filepath.Join(dir, "OCRBS.otf"), "OCRBS", nil)
	if err != nil {
		return nil, err
	}
	regular, err := loadFace(filepath.Join(dir, "OCRB.otf"), "OCRB", sharp)
	if err != nil {
		return nil, err
	}
	return []*Face{regular, sharp}, nil
}

// LoadOtherFaces loads monospace fonts other than OCR-B, which some
// issuers and other hands print their MRZ in (paths to .ttf or .otf
// files). A face lacking a character of the MRZ alphabet is an error.
func LoadOtherFaces(paths []string) ([]*Face, error) {
	var out []*Face
	for _, p := range paths {
		f, err := loadFace(p, filepath.Base(p), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Mix returns a list to draw a face from uniformly in which the other
// faces together have about share of the draws and OCR-B the rest.
func Mix(ocrb, others []*Face, share float64) []*Face {
	if len(others) == 0 || share <= 0 || len(ocrb) == 0 {
		return ocrb
	}
	// n copies of OCR-B's faces against one of each other face
	n := max(1, int(math.Round(float64(len(others))*(1-share)/share/float64(len(ocrb)))))
	var out []*Face
	for range n {
		out = append(out, ocrb...)
	}
	return append(out, others...)
}

func loadFace(path, name string, fallback *Face) (*Face, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoFont, path)
		}
		return nil, fmt.Errorf("synth: read font: %w", err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("synth: parse %s: %w", path, err)
	}
	var buf sfnt.Buffer
	ppem := fixed.I(unitsPerEm)
	face := &Face{Name: name, Glyphs: make(map[byte]*Glyph, len(Alphabet))}
	idx, err := f.GlyphIndex(&buf, 'H')
	if err != nil {
		return nil, fmt.Errorf("synth: %s: %w", path, err)
	}
	adv, err := f.GlyphAdvance(&buf, idx, ppem, 0)
	if err != nil {
		return nil, fmt.Errorf("synth: %s: %w", path, err)
	}
	face.Advance = float32(adv) / 64
	for i := 0; i < len(Alphabet); i++ {
		c := Alphabet[i]
		g, err := loadGlyph(f, &buf, rune(c), ppem)
		if err != nil {
			if fallback == nil || fallback.Glyphs[c] == nil {
				return nil, fmt.Errorf("synth: %s glyph %q: %w", path, c, err)
			}
			g = fallback.Glyphs[c]
		}
		face.Glyphs[c] = g
	}
	h := face.Glyphs['H']
	face.Cap = h.MaxY - h.MinY
	return face, nil
}

func loadGlyph(f *sfnt.Font, buf *sfnt.Buffer, r rune, ppem fixed.Int26_6) (*Glyph, error) {
	idx, err := f.GlyphIndex(buf, r)
	if err != nil {
		return nil, err
	}
	if idx == 0 {
		return nil, errors.New("not in font")
	}
	segs, err := f.LoadGlyph(buf, idx, ppem, nil)
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, errors.New("empty outline")
	}
	g := &Glyph{MinX: 1e9, MinY: 1e9, MaxX: -1e9, MaxY: -1e9}
	for _, s := range segs {
		var o seg
		o.op = s.Op
		n := 1
		switch s.Op {
		case sfnt.SegmentOpQuadTo:
			n = 2
		case sfnt.SegmentOpCubeTo:
			n = 3
		}
		for j := 0; j < n; j++ {
			x, y := float32(s.Args[j].X)/64, float32(s.Args[j].Y)/64
			o.args[j] = [2]float32{x, y}
			g.MinX, g.MaxX = min(g.MinX, x), max(g.MaxX, x)
			g.MinY, g.MaxY = min(g.MinY, y), max(g.MaxY, y)
		}
		g.segs = append(g.segs, o)
	}
	return g, nil
}
