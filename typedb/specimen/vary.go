package specimen

import (
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/docscan/docscan/typedb"
	"golang.org/x/image/font/opentype"
)

// The bounds of a Variation: what another printer's or artist's card of
// the same type may differ in.
const (
	MaxSizeChange  = 0.10 // text sizes ±10 %
	MaxShift       = 0.03 // element positions, a fraction of the side's width and height
	MaxColourShift = 40   // paper and ink colours, per channel, in 8-bit levels
)

// Artworks are the background patterns a varied specimen may print: ""
// is the house guilloche.
var Artworks = []string{"", "waves", "rings", "plain"}

// Variation is how far a rendering strays from the house style, the way
// the same document type drawn by another hand would. The zero Variation
// is the house style; each field varies one thing and may be set alone.
type Variation struct {
	// Font is the sans family (Fonts.Families) of labels, values and
	// headers; "" is DejaVu Sans as the house style prints it.
	Font string `json:"font,omitempty"`
	// BoldValues prints the values in the family's bold weight,
	// BoldLabels the labels; RegularHeaders prints the headers in the
	// regular weight.
	BoldValues     bool `json:"bold_values,omitempty"`
	BoldLabels     bool `json:"bold_labels,omitempty"`
	RegularHeaders bool `json:"regular_headers,omitempty"`
	// MRZFont is a monospace family (Fonts.MonoFamilies) printing the
	// MRZ; "" is OCR-B.
	MRZFont string `json:"mrz_font,omitempty"`
	// HeaderSize, LabelSize and ValueSize scale the text's size (0 or 1:
	// the house size; within 1 ± MaxSizeChange).
	HeaderSize float64 `json:"header_size,omitempty"`
	LabelSize  float64 `json:"label_size,omitempty"`
	ValueSize  float64 `json:"value_size,omitempty"`
	// Shift is the largest offset of any printed element (a field's
	// label and value together, the headers, the portrait, the MRZ, the
	// artwork's figures), as a fraction of the side's width and height
	// (at most MaxShift). Two thirds of it move the whole layout, a third
	// each element; the offsets are drawn from the seed.
	Shift float64 `json:"shift,omitempty"`
	// PaperShift and InkShift are added to the type's paper (and patch)
	// and ink colours, per channel (each within ±MaxColourShift).
	PaperShift [3]int `json:"paper_shift,omitzero"`
	InkShift   [3]int `json:"ink_shift,omitzero"`
	// Artwork is the background pattern, one of Artworks.
	Artwork string `json:"artwork,omitempty"`
	// GreyPortrait prints the portrait in grey.
	GreyPortrait bool `json:"grey_portrait,omitempty"`
}

// Validate reports the first bound v leaves.
func (v Variation) Validate() error {
	for _, s := range []struct {
		name string
		v    float64
	}{{"header size", v.HeaderSize}, {"label size", v.LabelSize}, {"value size", v.ValueSize}} {
		if s.v != 0 && math.Abs(s.v-1) > MaxSizeChange+1e-9 {
			return fmt.Errorf("specimen: variation: %s %.3f outside 1 ± %.2f", s.name, s.v, MaxSizeChange)
		}
	}
	if v.Shift < 0 || v.Shift > MaxShift+1e-9 {
		return fmt.Errorf("specimen: variation: shift %.3f outside 0–%.2f", v.Shift, MaxShift)
	}
	for i := range 3 {
		if absInt(v.PaperShift[i]) > MaxColourShift || absInt(v.InkShift[i]) > MaxColourShift {
			return fmt.Errorf("specimen: variation: colour shift beyond ±%d", MaxColourShift)
		}
	}
	for _, a := range Artworks {
		if a == v.Artwork {
			return nil
		}
	}
	return fmt.Errorf("specimen: variation: unknown artwork %q (want one of %q)", v.Artwork, Artworks)
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// DrawVariation draws a variation of the given strength (0–1: 1 takes
// every bound to its limit) from seed and the families loaded in fonts.
// Choices that have no size (the font, the weights, the artwork, a grey
// portrait) are drawn at any strength above 0; strength 0 is the house
// style.
func DrawVariation(seed int64, strength float64, fonts *Fonts) Variation {
	strength = clampF(strength, 0, 1)
	if strength == 0 {
		return Variation{}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7a41a7))
	sym := func(bound float64) float64 { return strength * bound * (2*rng.Float64() - 1) }
	v := Variation{
		BoldValues:     rng.IntN(2) == 0,
		BoldLabels:     rng.IntN(5) == 0,
		RegularHeaders: rng.IntN(3) == 0,
		HeaderSize:     1 + sym(MaxSizeChange),
		LabelSize:      1 + sym(MaxSizeChange),
		ValueSize:      1 + sym(MaxSizeChange),
		Shift:          strength * MaxShift,
		Artwork:        Artworks[rng.IntN(len(Artworks))],
		GreyPortrait:   rng.IntN(2) == 0,
	}
	for i := range 3 {
		v.PaperShift[i] = int(math.Round(sym(MaxColourShift)))
		v.InkShift[i] = int(math.Round(sym(MaxColourShift)))
	}
	if fonts != nil && len(fonts.Families) > 0 {
		v.Font = fonts.Families[rng.IntN(len(fonts.Families))].Name
		if v.Font == "dejavu" {
			v.Font = ""
		}
	}
	if fonts != nil && len(fonts.MonoFamilies) > 0 && rng.IntN(3) == 0 {
		v.MRZFont = fonts.MonoFamilies[rng.IntN(len(fonts.MonoFamilies))].Name
	}
	return v
}

// styled is a variation resolved against the renderer's fonts, for one
// side: the fonts and sizes of each kind of text, and the offsets drawn.
type styled struct {
	v                          Variation
	header, label, value       *opentype.Font
	fallback                   *opentype.Font // when a family lacks a glyph
	mrz                        *opentype.Font // nil: OCR-B
	headerK, labelK, valueK    float64
	layout                     [2]float64
	rng                        *rand.Rand // the per-element offsets
	offsets                    map[string][2]float64
	w, h                       int
	shiftLayout, shiftElements float64
}

// style resolves v for side s (the house style when v is nil).
func (r *Renderer) style(v *Variation, seed int64, s *typedb.Type, w, h int) (*styled, error) {
	st := &styled{header: r.fonts.Bold, label: r.fonts.Sans, value: r.fonts.Sans,
		headerK: 1, labelK: 1, valueK: 1, w: w, h: h}
	if v == nil {
		return st, nil
	}
	st.v = *v
	if err := v.Validate(); err != nil {
		return nil, err
	}
	fam := &Family{Name: "dejavu", Regular: r.fonts.Sans, Bold: r.fonts.Bold}
	if v.Font != "" && v.Font != "dejavu" {
		var err error
		if fam, err = r.fonts.family(v.Font, false); err != nil {
			return nil, err
		}
	}
	bold := fam.Bold
	if bold == nil {
		bold = fam.Regular
	}
	st.header, st.label, st.value, st.fallback = bold, fam.Regular, fam.Regular, r.fonts.Sans
	if v.RegularHeaders {
		st.header = fam.Regular
	}
	if v.BoldLabels {
		st.label = bold
	}
	if v.BoldValues {
		st.value = bold
	}
	if v.MRZFont != "" {
		m, err := r.fonts.family(v.MRZFont, true)
		if err != nil {
			return nil, err
		}
		st.mrz = m.Regular
	}
	one := func(k float64) float64 {
		if k == 0 {
			return 1
		}
		return k
	}
	st.headerK, st.labelK, st.valueK = one(v.HeaderSize), one(v.LabelSize), one(v.ValueSize)
	h64 := fnv.New64a()
	fmt.Fprintf(h64, "shift/%d/%d", seed, s.ID)
	st.rng = rand.New(rand.NewPCG(h64.Sum64(), 0x5417))
	st.shiftLayout, st.shiftElements = v.Shift*2/3, v.Shift/3
	st.layout = [2]float64{st.shiftLayout * (2*st.rng.Float64() - 1), st.shiftLayout * (2*st.rng.Float64() - 1)}
	st.offsets = map[string][2]float64{}
	return st, nil
}

// place moves zone z of the element called name by the layout's offset
// and the element's own, keeping it on the side, and returns it in
// pixels.
func (st *styled) place(name string, z typedb.Rect) image.Rectangle {
	if st.rng == nil || st.v.Shift == 0 {
		return z.Pixels(st.w, st.h)
	}
	off, ok := st.offsets[name]
	if !ok {
		off = [2]float64{
			st.layout[0] + st.shiftElements*(2*st.rng.Float64()-1),
			st.layout[1] + st.shiftElements*(2*st.rng.Float64()-1),
		}
	}
	// keep the zone on the side
	off[0] = clampF(off[0], -z[0], 1-z[2])
	off[1] = clampF(off[1], -z[1], 1-z[3])
	st.offsets[name] = off
	return typedb.Rect{z[0] + off[0], z[1] + off[1], z[2] + off[0], z[3] + off[1]}.Pixels(st.w, st.h)
}

// font returns f, or the fallback when f lacks a glyph of s.
func (st *styled) font(f *opentype.Font, s string) *opentype.Font {
	if st.fallback != nil && !covers(f, s) {
		return st.fallback
	}
	return f
}

// recolour returns a copy of s with the variation's paper and ink.
func (st *styled) recolour(s *typedb.Type) *typedb.Type {
	if st.v.PaperShift == [3]int{} && st.v.InkShift == [3]int{} {
		return s
	}
	c := *s
	shift := func(c typedb.RGB, d [3]int) typedb.RGB {
		for i := range 3 {
			c[i] = uint8(min(255, max(0, int(c[i])+d[i])))
		}
		return c
	}
	c.Signature.Paper = shift(s.Signature.Paper, st.v.PaperShift)
	c.Signature.Ink = shift(s.Signature.Ink, st.v.InkShift)
	c.Signature.Patches = nil
	for _, p := range s.Signature.Patches {
		p.RGB = shift(p.RGB, st.v.PaperShift)
		c.Signature.Patches = append(c.Signature.Patches, p)
	}
	c.Decor = nil
	for _, d := range s.Decor {
		d.RGB = shift(d.RGB, st.v.InkShift)
		c.Decor = append(c.Decor, d)
	}
	return &c
}

// paintArtwork fills img with the side's paper colour, its patches and a
// pattern other than the house guilloche: "waves" (one family of broad
// sine lines at a slant), "rings" (concentric rings about a point of the
// side) or "plain" (a faint paper grain only).
func paintArtwork(img *image.RGBA, typ *typedb.Type, artwork string, rng *rand.Rand) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	paper := rgba(typ.Signature.Paper)
	ink := rgba(typ.Signature.Ink)
	lc := color.RGBA{mix(ink.R, paper.R, 0.35+0.3*float32(rng.Float64())), mix(ink.G, paper.G, 0.5), mix(ink.B, paper.B, 0.5), 255}
	type span struct {
		r image.Rectangle
		c color.RGBA
	}
	var spans []span
	for _, p := range typ.Signature.Patches {
		spans = append(spans, span{p.Zone.Pixels(w, h), rgba(p.RGB)})
	}
	px := float64(w) / typ.SizeMM[0]
	lam := (2 + 3*rng.Float64()) * px
	slant := 0.3 * (2*rng.Float64() - 1)
	amp, per := (1+3*rng.Float64())*px, (15+25*rng.Float64())*px
	cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
	strength := float32(0.15 + 0.3*rng.Float64())
	grain := rand.New(rand.NewPCG(rng.Uint64(), 1))
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			base := paper
			for i := len(spans) - 1; i >= 0; i-- {
				if (image.Point{x, y}).In(spans[i].r) {
					base = spans[i].c
					break
				}
			}
			var t float32
			switch artwork {
			case "waves":
				t = strength * line(cos2pi((float64(y)+slant*float64(x)+amp*math.Sin(2*math.Pi*float64(x)/per))/lam))
			case "rings":
				t = strength * line(cos2pi(math.Hypot(float64(x)-cx, float64(y)-cy)/lam))
			}
			o := 4 * x
			g := int(grain.Uint32()%7) - 3 // paper grain, ±3 levels
			row[o] = clampByte(float64(mix(base.R, lc.R, t)) + float64(g))
			row[o+1] = clampByte(float64(mix(base.G, lc.G, t)) + float64(g))
			row[o+2] = clampByte(float64(mix(base.B, lc.B, t)) + float64(g))
			row[o+3] = 255
		}
	}
}

// greyPortrait turns img to grey in place.
func greyPortrait(img *image.RGBA) {
	for i := 0; i < len(img.Pix); i += 4 {
		l := uint8(luma(img.Pix[i], img.Pix[i+1], img.Pix[i+2]) + 0.5)
		img.Pix[i], img.Pix[i+1], img.Pix[i+2] = l, l, l
	}
}
