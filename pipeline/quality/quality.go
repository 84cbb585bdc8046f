// Package quality measures how fit one captured side is for reading:
// focus, glare (and where), effective resolution, perspective tilt,
// whether the document is cut off by the frame, brightness and contrast.
// Each measure reports its value, its threshold and whether it is ok, so
// that the person at a terminal can be told what to fix.
//
// It works on the located document warped to a page (and on its MRZ and
// field zones where they are known), not on the whole frame; it is pure Go
// and knows nothing of the rest of the pipeline. FrameCheck is the cheap
// variant for a whole frame, for the scanner to capture again before
// recognising.
package quality

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sort"
	"strings"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// Thresholds are the limits each measure is judged against. A terminal
// with a fixed camera wants them strict, a phone upload lenient. The
// defaults (Default) and the measurements that set them are in
// docs/recognition.md.
type Thresholds struct {
	// MaxEdgeWidthMM is the widest median 10–90 % edge of the print, in
	// millimetres on the document, that counts as in focus.
	MaxEdgeWidthMM float64 `json:"max_edge_width_mm" yaml:"max_edge_width_mm"`
	// MaxGlare is the largest share (0..1) of a zone's pixels that may be
	// specular (clipped white on a page that is not white-clipped).
	MaxGlare float64 `json:"max_glare" yaml:"max_glare"`
	// MinDPI is the lowest effective resolution, dots per inch on the
	// document.
	MinDPI float64 `json:"min_dpi" yaml:"min_dpi"`
	// MaxTiltDeg is the largest tilt of the document's plane away from
	// the camera's, in degrees.
	MaxTiltDeg float64 `json:"max_tilt_deg" yaml:"max_tilt_deg"`
	// MinMarginPx is the least distance, in frame pixels, between the
	// document's outline and the frame's edge.
	MinMarginPx float64 `json:"min_margin_px" yaml:"min_margin_px"`
	// MinBrightness and MaxBrightness bound the page's mid-tone: luma
	// halfway between its 2nd and 98th percentiles (0..255).
	MinBrightness float64 `json:"min_brightness" yaml:"min_brightness"`
	MaxBrightness float64 `json:"max_brightness" yaml:"max_brightness"`
	// MinContrast is the least spread between the page's dark print and
	// its background: the 98th less the 2nd percentile of luma.
	MinContrast float64 `json:"min_contrast" yaml:"min_contrast"`
}

// Default returns the default thresholds; docs/recognition.md gives the
// measurement behind each.
func Default() Thresholds {
	return Thresholds{
		MaxEdgeWidthMM: 0.75,
		MaxGlare:       0.05,
		MinDPI:         50,
		MaxTiltDeg:     35,
		MinMarginPx:    2,
		MinBrightness:  15,
		MaxBrightness:  230,
		MinContrast:    20,
	}
}

// WithDefaults returns t with every zero field taken from Default.
func (t Thresholds) WithDefaults() Thresholds {
	d := Default()
	for _, p := range []struct{ v, d *float64 }{
		{&t.MaxEdgeWidthMM, &d.MaxEdgeWidthMM}, {&t.MaxGlare, &d.MaxGlare}, {&t.MinDPI, &d.MinDPI},
		{&t.MaxTiltDeg, &d.MaxTiltDeg}, {&t.MinMarginPx, &d.MinMarginPx}, {&t.MinBrightness, &d.MinBrightness},
		{&t.MaxBrightness, &d.MaxBrightness}, {&t.MinContrast, &d.MinContrast},
	} {
		if *p.v == 0 {
			*p.v = *p.d
		}
	}
	return t
}

// ErrThresholds is returned by Validate for thresholds out of range.
var ErrThresholds = errors.New("quality: threshold out of range")

// Validate reports thresholds that cannot be meant.
func (t Thresholds) Validate() error {
	for _, v := range []float64{t.MaxEdgeWidthMM, t.MaxGlare, t.MinDPI, t.MaxTiltDeg, t.MinMarginPx, t.MinBrightness, t.MaxBrightness, t.MinContrast} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %g is not a number", ErrThresholds, v)
		}
	}
	switch {
	case t.MaxEdgeWidthMM < 0 || t.MaxEdgeWidthMM > 5:
		return fmt.Errorf("%w: max_edge_width_mm %g not in 0–5", ErrThresholds, t.MaxEdgeWidthMM)
	case t.MaxGlare < 0 || t.MaxGlare > 1:
		return fmt.Errorf("%w: max_glare %g not in 0–1", ErrThresholds, t.MaxGlare)
	case t.MinDPI < 0 || t.MinDPI > 2400:
		return fmt.Errorf("%w: min_dpi %g not in 0–2400", ErrThresholds, t.MinDPI)
	case t.MaxTiltDeg < 0 || t.MaxTiltDeg > 90:
		return fmt.Errorf("%w: max_tilt_deg %g not in 0–90", ErrThresholds, t.MaxTiltDeg)
	case t.MinMarginPx < 0:
		return fmt.Errorf("%w: min_margin_px %g below 0", ErrThresholds, t.MinMarginPx)
	case t.MinBrightness < 0 || t.MaxBrightness > 255 || t.MinBrightness > t.MaxBrightness && t.MaxBrightness != 0:
		return fmt.Errorf("%w: brightness %g–%g not within 0–255", ErrThresholds, t.MinBrightness, t.MaxBrightness)
	case t.MinContrast < 0 || t.MinContrast > 255:
		return fmt.Errorf("%w: min_contrast %g not in 0–255", ErrThresholds, t.MinContrast)
	}
	return nil
}

// Measure is one measure: its value, the threshold it is judged against
// and whether it passes. Whether the threshold is a least or a most is
// the measure's own (docs/recognition.md).
type Measure struct {
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	OK        bool    `json:"ok"`
}

// Range is a measure bounded on both sides.
type Range struct {
	Value     float64    `json:"value"`
	Threshold [2]float64 `json:"threshold"` // [least, most]
	OK        bool       `json:"ok"`
}

// Glare is the glare measure and where the glare lies.
type Glare struct {
	Measure
	// Where names the zones (mrz, field names) or, when no zone is known,
	// the parts of the page ("top-left", ..., "centre") whose glare is
	// over the threshold.
	Where []string `json:"where"`
	// Region bounds the glare in normalised side coordinates
	// [x0, y0, x1, y1]; null when there is none over the threshold.
	Region *[4]float64 `json:"region"`
}

// Bounds says whether the document is cut off by the frame's edge.
type Bounds struct {
	Measure
	// CutOff names the frame's edges the document touches or crosses:
	// "left", "top", "right", "bottom".
	CutOff []string `json:"cut_off"`
}

// Report is one side's quality. A measure that could not be taken is
// null: bounds and perspective when no outline was found (the image was
// taken as the document itself).
type Report struct {
	// OK is true when every measure taken passes.
	OK bool `json:"ok"`
	// Failed names the measures that did not pass, in the order below.
	Failed []string `json:"failed"`
	// Reason says in words what to fix, e.g. "glare over the mrz"; "" when OK.
	Reason string `json:"reason,omitempty"`

	Focus       *Measure `json:"focus"`       // median edge width, mm; most
	Glare       *Glare   `json:"glare"`       // share of the worst zone; most
	Resolution  *Measure `json:"resolution"`  // effective dpi; least
	Perspective *Measure `json:"perspective"` // tilt, degrees; most
	Bounds      *Bounds  `json:"bounds"`      // least margin, frame px; least
	Brightness  *Range   `json:"brightness"`  // mid-tone luma
	Contrast    *Measure `json:"contrast"`    // luma p98 − p2; least

	// Unread is set when the side could not be read: what, and whether
	// the measures explain it. Null when the side was read.
	Unread *Unread `json:"unread"`

	glare *glareGrid
}

// What could not be read on a side (Unread.What).
const (
	UnreadDocument = "document" // no document found, or its type not identified
	UnreadMRZ      = "mrz"      // the MRZ its type prints, or one found, not read surely
)

// Unread says what on a side could not be read and why, so that a
// terminal can tell "capture it again" from "this capture is fine, the
// document is what cannot be read here".
type Unread struct {
	What string `json:"what"`
	// ByQuality: a measure failed, so a better capture may read it.
	ByQuality bool `json:"by_quality"`
	// Reason says it in words.
	Reason string `json:"reason"`
}

// WithUnread returns a copy of r saying that what could not be read, and
// why: detail is what the reader found; the failed measures, or their
// passing, say whether the capture is the cause.
func (r *Report) WithUnread(what, detail string) *Report {
	if r == nil {
		return nil
	}
	c := *r
	u := &Unread{What: what, ByQuality: !r.OK}
	if r.OK {
		u.Reason = detail + "; every quality measure passes, so the capture is not the cause as measured: the print may be damaged, non-standard or of a kind not read here"
	} else {
		u.Reason = detail + "; fix the capture: " + r.Reason
	}
	c.Unread = u
	return &c
}

// The measures' names, as in Report.Failed and the metric's label.
const (
	NameFocus       = "focus"
	NameGlare       = "glare"
	NameResolution  = "resolution"
	NamePerspective = "perspective"
	NameBounds      = "bounds"
	NameBrightness  = "brightness"
	NameContrast    = "contrast"
)

// Names are every measure's name.
var Names = []string{NameFocus, NameGlare, NameResolution, NamePerspective, NameBounds, NameBrightness, NameContrast}

// Zone is a region of the page that matters for reading, in normalised
// page coordinates [x0, y0, x1, y1].
type Zone struct {
	Name   string
	Region [4]float64
}

// Input is what is known of one side.
type Input struct {
	// Frame is the captured frame's size in pixels.
	Frame image.Point
	// Outline is the document's corners in the frame, clockwise from the
	// page's top-left; Located is false when no outline was found and
	// the whole frame was taken as the document.
	Outline imgutil.Quad
	Located bool
	// Page is the document warped flat, at PxPerMM pixels a millimetre,
	// corner Outline[0] at its top-left.
	Page    *image.Gray
	PxPerMM float64
	// SizeMM is the document's size (its type's, or the nearest type's by
	// aspect when unidentified), width first, along Outline[0]→Outline[1].
	SizeMM [2]float64
	// Zones are the zones that matter, in Page's coordinates; none makes
	// the glare measured over a 3×3 grid of the page.
	Zones []Zone
	// MRZWidthPx is the width, in frame pixels, of an MRZ read on the
	// side, and MRZChars its line's length in characters; 0 when none.
	// The MRZ's pitch is fixed (ICAO 9303: 10 characters an inch), so it
	// gives the resolution when no outline was found.
	MRZWidthPx float64
	MRZChars   int
}

// Assess takes every measure of one side against t.
func Assess(in Input, t Thresholds) *Report {
	r := &Report{}
	if in.Page != nil && in.Page.Rect.Dx() >= 16 && in.Page.Rect.Dy() >= 16 {
		st := pageStats(in.Page)
		r.Brightness = &Range{Value: st.mid, Threshold: [2]float64{t.MinBrightness, t.MaxBrightness}}
		r.Brightness.OK = st.mid >= t.MinBrightness && st.mid <= t.MaxBrightness
		r.Contrast = &Measure{Value: st.contrast, Threshold: t.MinContrast, OK: st.contrast >= t.MinContrast}
		// a page without print enough to measure leaves focus null: its
		// contrast says why
		if w, ok := edgeWidth(in.Page, in.Zones, st.contrast); ok && in.PxPerMM > 0 {
			v := round3(w / in.PxPerMM)
			r.Focus = &Measure{Value: v, Threshold: t.MaxEdgeWidthMM, OK: v <= t.MaxEdgeWidthMM}
		}
		r.glare = newGlareGrid(in.Page, in.Located)
		r.Glare = r.glare.measure(in.Zones, t.MaxGlare)
	}
	d := 0.0
	switch {
	case !in.Located && in.MRZWidthPx > 0 && in.MRZChars > 0:
		d = in.MRZWidthPx / (float64(in.MRZChars) * mrzPitchIn)
	case in.SizeMM[0] > 0 && in.SizeMM[1] > 0:
		// unlocated without an MRZ: the frame taken as the document, an
		// upper bound
		d = dpi(in.Outline, in.SizeMM)
	}
	if d > 0 {
		d = round1(d)
		r.Resolution = &Measure{Value: d, Threshold: t.MinDPI, OK: d >= t.MinDPI}
	}
	if in.Located {
		if tilt, ok := Tilt(in.Outline, in.SizeMM, in.Frame); ok {
			tilt = round1(tilt)
			r.Perspective = &Measure{Value: tilt, Threshold: t.MaxTiltDeg, OK: tilt <= t.MaxTiltDeg}
		}
		r.Bounds = bounds(in.Outline, in.Frame, t.MinMarginPx)
	}
	r.settle()
	return r
}

// settle fills OK, Failed and Reason from the measures.
func (r *Report) settle() {
	r.Failed = []string{}
	var why []string
	add := func(name string, ok bool, reason string) {
		if !ok {
			r.Failed = append(r.Failed, name)
			why = append(why, reason)
		}
	}
	if r.Focus != nil {
		add(NameFocus, r.Focus.OK, "out of focus or moved")
	}
	if r.Glare != nil {
		add(NameGlare, r.Glare.OK, "glare over the "+strings.Join(r.Glare.Where, ", "))
	}
	if r.Resolution != nil {
		add(NameResolution, r.Resolution.OK, "too small in the frame")
	}
	if r.Perspective != nil {
		add(NamePerspective, r.Perspective.OK, "tilted")
	}
	if r.Bounds != nil {
		add(NameBounds, r.Bounds.OK, "cut off at the "+strings.Join(r.Bounds.CutOff, ", "))
	}
	if r.Brightness != nil && !r.Brightness.OK {
		if r.Brightness.Value < r.Brightness.Threshold[0] {
			add(NameBrightness, false, "too dark")
		} else {
			add(NameBrightness, false, "too bright")
		}
	}
	if r.Contrast != nil {
		add(NameContrast, r.Contrast.OK, "too little contrast")
	}
	r.OK = len(r.Failed) == 0
	r.Reason = strings.Join(why, "; ")
}

// Has reports whether the named measure failed.
func (r *Report) Has(name string) bool {
	if r == nil {
		return false
	}
	for _, f := range r.Failed {
		if f == name {
			return true
		}
	}
	return false
}

// GlareOver returns the share of glare pixels inside a region of the page
// (normalised page coordinates), 0 when glare was not measured.
func (r *Report) GlareOver(region [4]float64) float64 {
	if r == nil || r.glare == nil {
		return 0
	}
	return r.glare.share(region)
}

// GlaredOver reports whether a region of the page lies under glare over
// the threshold the report was measured with.
func (r *Report) GlaredOver(region [4]float64) bool {
	return r != nil && r.Glare != nil && r.GlareOver(region) > r.Glare.Threshold
}

// Flipped returns a copy of the report with its glare turned half a
// turn, for a page that was measured upside down relative to its type.
func (r *Report) Flipped() *Report {
	if r == nil || r.Glare == nil {
		return r
	}
	out := *r
	g := *r.Glare
	if g.Region != nil {
		f := flipRect(*g.Region)
		g.Region = &f
	}
	out.Glare = &g
	if r.glare != nil {
		out.glare = r.glare.flipped()
	}
	return &out
}

func flipRect(z [4]float64) [4]float64 { return [4]float64{1 - z[2], 1 - z[3], 1 - z[0], 1 - z[1]} }

// WithZones returns a copy of the report with its glare measured again
// over zones (normalised, as the glare grid lies), for a side whose type
// was settled after it was measured.
func (r *Report) WithZones(zones []Zone) *Report {
	if r == nil || r.glare == nil || r.Glare == nil {
		return r
	}
	out := *r
	out.Glare = r.glare.measure(zones, r.Glare.Threshold)
	out.settle()
	return &out
}

// FlipRect returns a normalised region turned half a turn.
func FlipRect(z [4]float64) [4]float64 { return flipRect(z) }

type stats struct {
	mid, contrast float64
}

// pageStats are the page's luma mid-tone (halfway between its 2nd and
// 98th percentiles: the print and the paper, so a white page scanned
// clipped is not too bright while print washed out is) and spread, sampled every 2nd
// pixel inside a 3 % inset (the outline's edge may show background).
func pageStats(g *image.Gray) stats {
	var hist [256]int
	n := 0
	b := inset(g.Rect, 0.03)
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		row := g.Pix[g.PixOffset(b.Min.X, y):g.PixOffset(b.Max.X, y)]
		for x := 0; x < len(row); x += 2 {
			hist[row[x]]++
			n++
		}
	}
	lo, hi := imgutil.Quantile(&hist, n, 0.02), imgutil.Quantile(&hist, n, 0.98)
	return stats{mid: float64(lo+hi) / 2, contrast: float64(hi - lo)}
}

func inset(r image.Rectangle, f float64) image.Rectangle {
	dx, dy := int(float64(r.Dx())*f), int(float64(r.Dy())*f)
	return image.Rect(r.Min.X+dx, r.Min.Y+dy, r.Max.X-dx, r.Max.Y-dy)
}

// zoneRect is a normalised zone in g's pixels, clipped.
func zoneRect(g image.Rectangle, z [4]float64) image.Rectangle {
	w, h := float64(g.Dx()), float64(g.Dy())
	return image.Rect(g.Min.X+int(z[0]*w), g.Min.Y+int(z[1]*h), g.Min.X+int(math.Ceil(z[2]*w)), g.Min.Y+int(math.Ceil(z[3]*h))).Intersect(g)
}

// edgeWidth is the median width, in page pixels, of the print's edges
// (Marziliano's: from the extremum before an edge to the one after it,
// along rows), over the zones or, when none is known, the page. Only
// edges that rise at least a third of the page's contrast count, so
// guilloche and noise do not.
func edgeWidth(g *image.Gray, zones []Zone, contrast float64) (float64, bool) {
	var rects []image.Rectangle
	for _, z := range zones {
		if r := zoneRect(g.Rect, z.Region); r.Dx() >= 8 && r.Dy() >= 2 {
			rects = append(rects, r)
		}
	}
	if len(rects) == 0 {
		rects = []image.Rectangle{inset(g.Rect, 0.03)}
	}
	minRise := max(24, int(contrast/3))
	var widths []int
	for _, r := range rects {
		for y := r.Min.Y; y < r.Max.Y; y += 2 {
			row := g.Pix[g.PixOffset(r.Min.X, y):g.PixOffset(r.Max.X, y)]
			widths = rowEdges(row, minRise, widths)
		}
	}
	if len(widths) < 20 {
		return 0, false
	}
	sort.Ints(widths)
	// an even count takes the mean of the middle two
	n := len(widths)
	return float64(widths[(n-1)/2]+widths[n/2]) / 20, true
}

// rowEdges appends the widths of the row's edges that rise by minRise.
func rowEdges(p []uint8, minRise int, out []int) []int {
	n := len(p)
	x := 1
	for x < n-1 {
		d := int(p[x+1]) - int(p[x-1])
		if d == 0 {
			x++
			continue
		}
		up := d > 0
		i, j := x, x
		if up {
			for i > 0 && p[i-1] < p[i] {
				i--
			}
			for j < n-1 && p[j+1] > p[j] {
				j++
			}
		} else {
			for i > 0 && p[i-1] > p[i] {
				i--
			}
			for j < n-1 && p[j+1] < p[j] {
				j++
			}
		}
		rise := int(p[j]) - int(p[i])
		if rise < 0 {
			rise = -rise
		}
		if rise >= minRise && i > 0 && j < n-1 {
			// 10–90 % of the rise, so a long shallow toe does not count
			out = append(out, width1090(p[i:j+1], up))
		}
		x = max(j, x+1)
	}
	return out
}

// width1090 is the distance, in pixels (interpolated, rounded to tenths
// ×10 for an integer median), between the 10 % and 90 % levels of a
// monotonic run.
func width1090(run []uint8, up bool) int {
	a, b := float64(run[0]), float64(run[len(run)-1])
	lo, hi := a+0.1*(b-a), a+0.9*(b-a)
	at := func(level float64) float64 {
		for k := 1; k < len(run); k++ {
			v0, v1 := float64(run[k-1]), float64(run[k])
			if (up && v1 >= level) || (!up && v1 <= level) {
				if v1 == v0 {
					return float64(k)
				}
				return float64(k-1) + (level-v0)/(v1-v0)
			}
		}
		return float64(len(run) - 1)
	}
	return int(math.Round(10 * (at(hi) - at(lo))))
}

// mrzPitchIn is the MRZ's character pitch, in inches.
const mrzPitchIn = 0.1

// dpi is the effective resolution: the outline's shortest side against
// the document's size.
func dpi(q imgutil.Quad, sizeMM [2]float64) float64 {
	d := func(a, b imgutil.Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	return 25.4 * min(d(q[0], q[1])/sizeMM[0], d(q[3], q[2])/sizeMM[0], d(q[0], q[3])/sizeMM[1], d(q[1], q[2])/sizeMM[1])
}

// FocalFactor is the focal length, as a share of the frame's diagonal in
// pixels, that the tilt assumes: a 26 mm-equivalent lens (a phone's main
// camera; diagonal field of view 79°).
const FocalFactor = 0.6

// Tilt is the angle, in degrees, between the document's plane and the
// image plane, from the homography that maps the document (sizeMM) onto
// its outline, with the principal point at the frame's centre and the
// focal length FocalFactor × the diagonal.
func Tilt(q imgutil.Quad, sizeMM [2]float64, frame image.Point) (float64, bool) {
	if sizeMM[0] <= 0 || sizeMM[1] <= 0 || frame.X <= 0 || frame.Y <= 0 {
		return 0, false
	}
	cx, cy := float64(frame.X)/2, float64(frame.Y)/2
	f := FocalFactor * math.Hypot(float64(frame.X), float64(frame.Y))
	var c imgutil.Quad
	for i, p := range q {
		c[i] = imgutil.Point{X: (p.X - cx) / f, Y: (p.Y - cy) / f}
	}
	h, err := imgutil.QuadToRect(c, sizeMM[0], sizeMM[1])
	if err != nil {
		return 0, false
	}
	r1 := [3]float64{h[0], h[3], h[6]}
	r2 := [3]float64{h[1], h[4], h[7]}
	n := [3]float64{r1[1]*r2[2] - r1[2]*r2[1], r1[2]*r2[0] - r1[0]*r2[2], r1[0]*r2[1] - r1[1]*r2[0]}
	l := math.Sqrt(n[0]*n[0] + n[1]*n[1] + n[2]*n[2])
	if l == 0 {
		return 0, false
	}
	return math.Acos(math.Min(1, math.Abs(n[2])/l)) * 180 / math.Pi, true
}

// bounds measures the outline's least margin to the frame's edges and
// names the edges it comes nearer than margin to.
func bounds(q imgutil.Quad, frame image.Point, margin float64) *Bounds {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range q {
		minX, minY = math.Min(minX, p.X), math.Min(minY, p.Y)
		maxX, maxY = math.Max(maxX, p.X), math.Max(maxY, p.Y)
	}
	gaps := []struct {
		name string
		d    float64
	}{{"left", minX}, {"top", minY}, {"right", float64(frame.X-1) - maxX}, {"bottom", float64(frame.Y-1) - maxY}}
	b := &Bounds{CutOff: []string{}, Measure: Measure{Value: math.Inf(1), Threshold: margin}}
	for _, g := range gaps {
		b.Value = math.Min(b.Value, g.d)
		if g.d < margin {
			b.CutOff = append(b.CutOff, g.name)
		}
	}
	b.Value = round1(b.Value)
	b.OK = len(b.CutOff) == 0
	return b
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
