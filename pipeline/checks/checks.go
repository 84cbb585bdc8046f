// Package checks owns the fraud and consistency checks of one
// recognition: the image checks under UV and IR light and of the photo
// area, each measured in the regions the type names, and the data checks
// (MRZ check digits, MRZ against the visual zone, date logic, the Kazakh
// IIN). Each check reports its status, the bit of check_authenticity it
// serves, and its evidence: the region and the value it measured against
// its threshold.
package checks

import (
	"fmt"
	"image"
	"math"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/typedb"
)

// Status is a check's outcome.
type Status string

// Outcomes.
const (
	OK      Status = "ok"
	Failed  Status = "failed"
	NotDone Status = "not_done"
)

// Reasons for not doing a check.
const (
	ReasonNoLight     = "light not captured"
	ReasonUnsupported = "not supported by this device"
	ReasonNoData      = "data not available"
	// ReasonMisshapen: the side's outline is not its page's shape, so a
	// zone of the page is not where it is measured.
	ReasonMisshapen = "the side's outline is not its page's shape"
	// ReasonPortraitUnplaced: a generic type's portrait zone is where
	// most such documents print it, a guess; a portrait not found there
	// may be printed elsewhere on the page.
	ReasonPortraitUnplaced = "portrait not where the generic layout puts it"
)

// Outcome is one check's result.
type Outcome struct {
	Name   string
	Status Status
	Reason string
	Bit    typedb.Authenticity
	Side   typedb.SideName
	// Region is in normalised side coordinates; nil for data checks.
	Region    *typedb.Rect
	Measured  float64
	Threshold float64
	Detail    string
}

// Check names.
const (
	NameUVLuminescence = "uv_luminescence"
	NameImagePattern   = "uv_image_pattern"
	NameIRB900         = "ir_b900"
	NameIRVisibility   = "ir_visibility"
	NamePhotoArea      = "photo_area"
	NameMRZDigits      = "mrz_check_digits"
	NameAgreement      = "mrz_vz_agreement"
	NameDates          = "date_logic"
	NameIIN            = "iin"
)

// Layers are one warped side under each light; IR and UV are nil when
// not captured. All share the white layer's geometry.
type Layers struct {
	Type      *typedb.Type
	White, IR *image.RGBA
	UV        *image.RGBA
	// Fields are where the visual zone found fields' values by their
	// labels, in normalised side coordinates: a check of a field's ink
	// (an ir_visible zone naming the field) measures it there.
	Fields map[string]typedb.Rect
}

// Thresholds, calibrated on specimens under the simulator's lights and
// the degradations of the evaluation (see docs/recognition.md).
const (
	// UV luminescence: the paper's median under UV over its median under
	// white. Security paper stays dull (≈0.1); optical brighteners in
	// office paper glow (≈0.6).
	uvGlowMax = 0.30
	// UV pattern: green dominance (G − (R+B)/2) of the brightest part of
	// the emblem zone, over the white paper's luma.
	uvEmblemMin = 0.15
	// IR B900: the MRZ under IR correlates with the MRZ under white.
	irMRZMin = 0.40
	// IR visibility: colour print under IR must not correlate with it
	// under white.
	irDropoutMax = 0.35
	// IR visibility: carbon ink under IR correlates with it under white.
	irVisibleMin = 0.40
	// Photo area: luma spread (p90 − p10) in the face zone over the paper.
	photoSpreadMin = 0.18
)

func region(r typedb.Rect) *typedb.Rect { return &r }

// paperLuma is the white layer's paper brightness: the 85th percentile.
func paperLuma(img *image.RGBA) float64 {
	hist, n := imgutil.LumaHistogram(img, img.Rect, 3)
	return math.Max(1, float64(imgutil.Quantile(&hist, n, 0.85)))
}

// UVLuminescence: the paper must stay dull under 365 nm.
func UVLuminescence(l Layers) Outcome {
	o := Outcome{Name: NameUVLuminescence, Bit: typedb.AuthUVLuminescence, Side: l.Type.Side}
	if l.UV == nil {
		return notDone(o, ReasonNoLight)
	}
	w, h := l.UV.Rect.Dx(), l.UV.Rect.Dy()
	// the paper away from fluorescent features and the portrait
	var skip []image.Rectangle
	for _, f := range l.Type.UVFeatures {
		skip = append(skip, f.Zone.Pixels(w, h))
	}
	if l.Type.FaceZone != nil {
		skip = append(skip, l.Type.FaceZone.Pixels(w, h))
	}
	var hist [256]int
	n := 0
	for y := h / 20; y < h-h/20; y += 3 {
		row := l.UV.Pix[y*l.UV.Stride:]
	px:
		for x := w / 20; x < w-w/20; x += 3 {
			for _, r := range skip {
				if image.Pt(x, y).In(r) {
					continue px
				}
			}
			hist[imgutil.Luma(row[4*x], row[4*x+1], row[4*x+2])]++
			n++
		}
	}
	if n == 0 {
		return notDone(o, ReasonNoData)
	}
	m := float64(imgutil.Quantile(&hist, n, 0.5)) / paperLuma(l.White)
	o.Region = region(typedb.Rect{0.05, 0.05, 0.95, 0.95})
	return judge(o, m, uvGlowMax, m <= uvGlowMax, "paper under UV / paper under white")
}

// ImagePattern: the fluorescent emblem must show under UV.
func ImagePattern(l Layers) Outcome {
	o := Outcome{Name: NameImagePattern, Bit: typedb.AuthImagePattern, Side: l.Type.Side}
	var zone *typedb.Rect
	for _, f := range l.Type.UVFeatures {
		if f.Kind == "emblem" {
			z := f.Zone
			zone = &z
			break
		}
	}
	if zone == nil {
		return notDone(o, "type has no UV emblem")
	}
	if l.UV == nil {
		return notDone(o, ReasonNoLight)
	}
	w, h := l.UV.Rect.Dx(), l.UV.Rect.Dy()
	r := zone.Pixels(w, h).Intersect(l.UV.Rect)
	var vals []float64
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		row := l.UV.Pix[l.UV.PixOffset(r.Min.X, y):]
		for x := 0; x < r.Dx(); x += 2 {
			g := float64(row[4*x+1]) - (float64(row[4*x])+float64(row[4*x+2]))/2
			vals = append(vals, g)
		}
	}
	if len(vals) == 0 {
		return notDone(o, ReasonNoData)
	}
	// the brightest fifth: the emblem covers only part of its zone
	m := quantileF(vals, 0.8) / paperLuma(l.White)
	o.Region = region(*zone)
	return judge(o, m, uvEmblemMin, m >= uvEmblemMin, "emblem green under UV / paper under white")
}

// irCorrelation is how much of the pattern seen under white light in
// zone z shows under IR: the correlation of the two images' local
// differences (2 px apart, both directions), so smooth uneven light and
// sensor noise count for little. Carbon ink gives ≈0.9, colour print
// that vanishes ≈0. ok is false when the zone shows no pattern under
// white light.
func irCorrelation(l Layers, z typedb.Rect) (float64, bool) {
	w, h := l.White.Rect.Dx(), l.White.Rect.Dy()
	r := z.Pixels(w, h).Intersect(l.White.Rect).Intersect(l.IR.Rect)
	if r.Dx() < 8 || r.Dy() < 8 {
		return 0, false
	}
	lum := func(img *image.RGBA, x, y int) float64 {
		o := img.PixOffset(x, y)
		return float64(imgutil.Luma(img.Pix[o], img.Pix[o+1], img.Pix[o+2]))
	}
	var sw, si, sww, sii, swi, n float64
	add := func(a, b float64) {
		sw += a
		si += b
		sww += a * a
		sii += b * b
		swi += a * b
		n++
	}
	for y := r.Min.Y; y < r.Max.Y-2; y++ {
		for x := r.Min.X; x < r.Max.X-2; x++ {
			w0, i0 := lum(l.White, x, y), lum(l.IR, x, y)
			add(lum(l.White, x+2, y)-w0, lum(l.IR, x+2, y)-i0)
			add(lum(l.White, x, y+2)-w0, lum(l.IR, x, y+2)-i0)
		}
	}
	vw := sww/n - (sw/n)*(sw/n)
	vi := sii/n - (si/n)*(si/n)
	if vw < 4 { // no pattern under white: σ of the differences under 2 levels
		return 0, false
	}
	if vi <= 0 {
		return 0, true
	}
	return (swi/n - (sw/n)*(si/n)) / math.Sqrt(vw*vi), true
}

// IRB900: the MRZ is printed in carbon ink and stays visible under IR.
func IRB900(l Layers) Outcome {
	o := Outcome{Name: NameIRB900, Bit: typedb.AuthIRB900, Side: l.Type.Side}
	var zone *typedb.Rect
	for _, f := range l.Type.IRFeatures {
		if f.Kind == "mrz" {
			z := f.Zone
			zone = &z
		}
	}
	if zone == nil && l.Type.MRZZone != nil {
		zone = l.Type.MRZZone
	}
	if zone == nil {
		return notDone(o, "type has no MRZ")
	}
	if l.IR == nil {
		return notDone(o, ReasonNoLight)
	}
	m, ok := irCorrelation(l, *zone)
	if !ok {
		return notDone(o, "MRZ zone shows no print under white light")
	}
	o.Region = region(*zone)
	return judge(o, m, irMRZMin, m >= irMRZMin, "correlation of the MRZ under IR with under white")
}

// IRVisibility: colour print vanishes under IR and carbon ink stays.
func IRVisibility(l Layers) Outcome {
	o := Outcome{Name: NameIRVisibility, Bit: typedb.AuthIRVisibility, Side: l.Type.Side}
	if l.IR == nil {
		return notDone(o, ReasonNoLight)
	}
	worst, worstZone, measured := 0.0, typedb.Rect{}, false
	pass := true
	detail := ""
	for _, f := range l.Type.IRFeatures {
		zone := f.Zone
		if r, found := l.Fields[f.Field]; found && f.Kind == "ir_visible" && f.Field != "" {
			zone = r
		}
		m, ok := irCorrelation(l, zone)
		if !ok {
			continue
		}
		switch f.Kind {
		case "ir_dropout":
			if !measured || m > worst {
				worst, worstZone = m, f.Zone
			}
			measured = true
			if m > irDropoutMax {
				pass = false
				detail = fmt.Sprintf("colour print %q visible under IR", f.Name)
			}
		case "ir_visible":
			if m < irVisibleMin {
				pass = false
				detail = fmt.Sprintf("ink of %q vanishes under IR", f.Name)
			}
		}
	}
	if !measured {
		return notDone(o, "type has no IR dropout region")
	}
	o.Region = region(worstZone)
	o = judge(o, worst, irDropoutMax, pass, "correlation of colour print under IR with under white")
	if !pass {
		o.Reason = detail
	}
	return o
}

// PhotoArea: the portrait zone holds a picture, not blank paper.
func PhotoArea(l Layers) Outcome {
	o := Outcome{Name: NamePhotoArea, Bit: typedb.AuthPhotoArea, Side: l.Type.Side}
	if l.Type.FaceZone == nil {
		return notDone(o, "type has no portrait")
	}
	w, h := l.White.Rect.Dx(), l.White.Rect.Dy()
	r := l.Type.FaceZone.Pixels(w, h)
	hist, n := imgutil.LumaHistogram(l.White, r, 2)
	if n < 20 {
		return notDone(o, ReasonNoData)
	}
	spread := float64(imgutil.Quantile(&hist, n, 0.9)-imgutil.Quantile(&hist, n, 0.1)) / paperLuma(l.White)
	o.Region = region(*l.Type.FaceZone)
	return judge(o, spread, photoSpreadMin, spread >= photoSpreadMin, "luma spread in the portrait zone / paper")
}

func notDone(o Outcome, reason string) Outcome {
	o.Status, o.Reason = NotDone, reason
	return o
}

func judge(o Outcome, measured, threshold float64, pass bool, detail string) Outcome {
	o.Measured, o.Threshold, o.Detail = round3(measured), threshold, detail
	if pass {
		o.Status = OK
	} else {
		o.Status = Failed
		o.Reason = detail + " out of bounds"
	}
	return o
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func quantileF(v []float64, q float64) float64 {
	return imgutil.MedianFloatAt(v, q)
}
