package specimen

import (
	"fmt"
	"image"
	"math"
	"os"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Default font paths: Debian's fonts-dejavu-core and fonts-ocr-b.
const (
	DefaultSansPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	DefaultBoldPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
	DefaultOCRBPath = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
	// OCR B Sharp has the same metrics; x/image's CFF reader cannot draw
	// the regular style's '8' and '<' (they use the flex1 operator), so
	// those come from the sharp style.
	DefaultOCRBSharpPath = "/usr/share/fonts/opentype/ocr-b/OCRBS.otf"
)

// Fonts are the parsed fonts a Renderer draws with. Parsed fonts are
// read-only and may be shared between goroutines.
type Fonts struct {
	Sans *opentype.Font // labels and values (Cyrillic with the Kazakh letters)
	Bold *opentype.Font // headers
	OCRB *opentype.Font // the MRZ
	// OCRBSharp stands in for OCRB glyphs that cannot be drawn.
	OCRBSharp *opentype.Font
	// Families and MonoFamilies are the typefaces a varied specimen
	// (Options.Vary) may print in; LoadFamilies fills them.
	Families     []Family
	MonoFamilies []Family
}

// LoadFonts parses the font files.
func LoadFonts(sans, bold, ocrb, ocrbSharp string) (*Fonts, error) {
	var fs Fonts
	for _, f := range []struct {
		path string
		dst  **opentype.Font
	}{{sans, &fs.Sans}, {bold, &fs.Bold}, {ocrb, &fs.OCRB}, {ocrbSharp, &fs.OCRBSharp}} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("specimen font: %w (install fonts-dejavu-core and fonts-ocr-b)", err)
		}
		fnt, err := opentype.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("specimen font %s: %w", f.path, err)
		}
		*f.dst = fnt
	}
	return &fs, nil
}

// DefaultFonts loads the fonts from their Debian paths.
func DefaultFonts() (*Fonts, error) {
	return LoadFonts(DefaultSansPath, DefaultBoldPath, DefaultOCRBPath, DefaultOCRBSharpPath)
}

// face returns a face of f at em pixels. Faces keep a glyph cache and are
// not safe for concurrent use, so every render makes its own.
func face(f *opentype.Font, em float64) (font.Face, error) {
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: em, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("specimen: font face: %w", err)
	}
	return fc, nil
}

// align is where text sits horizontally in its box.
type align int

const (
	alignLeft align = iota
	alignCenter
)

// drawText draws s into the alpha mask dst inside box: em is emFrac of the
// box height, the baseline baseFrac of it down, and the size shrinks so
// the text fits the box's width.
func drawText(dst *image.Alpha, f *opentype.Font, s string, box image.Rectangle, emFrac, baseFrac float64, al align) error {
	if s == "" || box.Empty() {
		return nil
	}
	h := float64(box.Dy())
	em := emFrac * h
	fc, err := face(f, em)
	if err != nil {
		return err
	}
	w := fixToF(font.MeasureString(fc, s))
	if limit := float64(box.Dx()); w > limit {
		em *= limit / w * 0.98
		fc.Close()
		if fc, err = face(f, em); err != nil {
			return err
		}
		w = fixToF(font.MeasureString(fc, s))
	}
	defer fc.Close()
	x := float64(box.Min.X)
	if al == alignCenter {
		x += (float64(box.Dx()) - w) / 2
	}
	d := font.Drawer{Dst: dst, Src: image.Opaque, Face: fc,
		Dot: fixed.Point26_6{X: fToFix(x), Y: fToFix(float64(box.Min.Y) + baseFrac*h)}}
	d.DrawString(s)
	return nil
}

// drawMRZ draws the MRZ lines into dst, one character per fixed pitch so
// the zone is exactly chars wide, in OCR-B (f), taking glyphs f cannot
// draw from fallback.
func drawMRZ(dst *image.Alpha, f, fallback *opentype.Font, lines []string, box image.Rectangle) error {
	if len(lines) == 0 {
		return nil
	}
	chars := 0
	for _, l := range lines {
		chars = max(chars, len(l))
	}
	pitch := float64(box.Dx()) / float64(chars)
	lineH := float64(box.Dy()) / float64(len(lines))
	probe, err := face(f, 100)
	if err != nil {
		return err
	}
	adv, _ := probe.GlyphAdvance('M')
	probe.Close()
	// the advance fills 92 % of the pitch, the cap height at most 60 % of
	// the line
	em := 100 * pitch * 0.92 / fixToF(adv)
	em = math.Min(em, lineH*0.60/0.72)
	fc, err := face(f, em)
	if err != nil {
		return err
	}
	defer fc.Close()
	fb, err := face(fallback, em)
	if err != nil {
		return err
	}
	defer fb.Close()
	d := font.Drawer{Dst: dst, Src: image.Opaque}
	for i, l := range lines {
		base := float64(box.Min.Y) + (float64(i)+0.78)*lineH
		for j := 0; j < len(l); j++ {
			d.Face = fc
			if _, _, ok := fc.GlyphBounds(rune(l[j])); !ok {
				d.Face = fb
			}
			a, _ := d.Face.GlyphAdvance(rune(l[j]))
			x := float64(box.Min.X) + float64(j)*pitch + (pitch-fixToF(a))/2
			d.Dot = fixed.Point26_6{X: fToFix(x), Y: fToFix(base)}
			d.DrawString(string(l[j]))
		}
	}
	return nil
}

func fixToF(v fixed.Int26_6) float64 { return float64(v) / 64 }
func fToFix(v float64) fixed.Int26_6 { return fixed.Int26_6(math.Round(v * 64)) }
