package locate

import (
	"errors"
	"fmt"
	"math"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/mrz/find"
)

// ErrNoMRZPage is returned when an MRZ's lines do not fit its format.
var ErrNoMRZPage = errors.New("locate: the MRZ does not anchor a page")

// icaoPage is a format's page and machine-readable zone as ICAO 9303
// (parts 4 to 7) lays them out: the zone is centred across the page, its
// characters on a 2.54 mm pitch, its bottom line a few millimetres above
// the page's bottom edge.
type icaoPage struct {
	w, h   float64 // page, mm
	lines  int
	chars  int
	bottom float64 // the bottom line's centre above the page's bottom edge, mm
}

var icaoPages = map[string]icaoPage{
	"TD1":  {w: 85.6, h: 53.98, lines: 3, chars: 30, bottom: 5.0},
	"TD2":  {w: 105, h: 74, lines: 2, chars: 36, bottom: 5.5},
	"TD3":  {w: 125, h: 88, lines: 2, chars: 44, bottom: 6.0},
	"MRVA": {w: 120, h: 80, lines: 2, chars: 44, bottom: 6.0},
	"MRVB": {w: 105, h: 74, lines: 2, chars: 36, bottom: 5.5},
	// the French national ID card of 1988–2021: A7 (ID-2), its two lines
	// of 36 at the bottom as a TD2's
	"FRENCH_ID": {w: 105, h: 74, lines: 2, chars: 36, bottom: 5.5},
}

const (
	charPitchMM  = 2.54 // OCR-B, ten characters to the inch
	charWidthMM  = 2.0  // a glyph's own width: the last one ends short of the pitch
	charHeightMM = 2.4  // zone padding above and below the lines, about a capital
)

// FromMRZ returns the page that ICAO 9303's geometry puts around an MRZ
// whose lines z holds (top to bottom, each P0→P1 in reading direction, in
// frame pixels) and whose format is format ("TD1", "TD2", "TD3", "MRVA",
// "MRVB"). The quad is the page upright (Quad[0] its top-left, whatever
// the zone's angle in the frame) and may reach past the frame's edges
// when the image is cropped at the page. zone is where the MRZ lies on
// that page, in normalised page coordinates [x0, y0, x1, y1].
//
// The scale comes from the lines' length (their characters' pitch is
// fixed), the direction from the lines, the placement from the bottom
// line: so a side whose MRZ is read is found even when its outline is
// not (cropped at the edge, light on light, a booklet spread, clutter).
func FromMRZ(z find.Zone, format string) (Outline, [4]float64, error) {
	p, ok := icaoPages[format]
	if !ok {
		return Outline{}, [4]float64{}, fmt.Errorf("%w: format %q", ErrNoMRZPage, format)
	}
	if len(z.Lines) != p.lines {
		return Outline{}, [4]float64{}, fmt.Errorf("%w: %d lines for %s", ErrNoMRZPage, len(z.Lines), format)
	}
	var ux, uy, length, mx, my float64
	for _, l := range z.Lines {
		ux += l.P1.X - l.P0.X
		uy += l.P1.Y - l.P0.Y
		length += l.Length()
		mx += (l.P0.X + l.P1.X) / 2
		my += (l.P0.Y + l.P1.Y) / 2
	}
	n := float64(len(z.Lines))
	length /= n
	mx, my = mx/n, my/n
	if d := math.Hypot(ux, uy); d > 0 {
		ux, uy = ux/d, uy/d
	} else {
		return Outline{}, [4]float64{}, fmt.Errorf("%w: lines of no length", ErrNoMRZPage)
	}
	vx, vy := -uy, ux // down the page, reading along u
	s := length / (float64(p.chars-1)*charPitchMM + charWidthMM)
	if s <= 0 || math.IsNaN(s) {
		return Outline{}, [4]float64{}, fmt.Errorf("%w: scale %v", ErrNoMRZPage, s)
	}
	// the bottom line's offset below the zone's middle, and the first's
	// above it, along v
	first, last := z.Lines[0], z.Lines[len(z.Lines)-1]
	along := func(l find.Line) float64 {
		return ((l.P0.X+l.P1.X)/2-mx)*vx + ((l.P0.Y+l.P1.Y)/2-my)*vy
	}
	top, bot := along(first), along(last)
	if len(z.Lines) > 1 && bot-top < 0.5*s*charHeightMM {
		return Outline{}, [4]float64{}, fmt.Errorf("%w: lines not stacked down the page", ErrNoMRZPage)
	}
	// the page's bottom middle, in frame pixels
	bx := mx + vx*(bot+p.bottom*s)
	by := my + vy*(bot+p.bottom*s)
	hw, ph := p.w/2*s, p.h*s
	pt := func(du, dv float64) imgutil.Point {
		return imgutil.Point{X: bx + ux*du + vx*dv, Y: by + uy*du + vy*dv}
	}
	q := imgutil.Quad{pt(-hw, -ph), pt(hw, -ph), pt(hw, 0), pt(-hw, 0)}
	// the zone on the page
	span := length / s
	yBot := p.h - p.bottom
	yTop := yBot - (bot-top)/s
	zone := [4]float64{
		math.Max(0, (p.w/2-span/2-charHeightMM)/p.w), math.Max(0, (yTop-charHeightMM)/p.h),
		math.Min(1, (p.w/2+span/2+charHeightMM)/p.w), math.Min(1, (yBot+charHeightMM)/p.h),
	}
	return Outline{Quad: q, Fill: 1, MRZ: true}, zone, nil
}
