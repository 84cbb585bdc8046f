package pipeline

import (
	"errors"
	"sort"
	"strings"

	"github.com/docscan/docscan/pipeline/checks"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/typedb"
)

// Qualities hold each given side's image quality; a side not given is
// null.
type Qualities struct {
	Frontside *quality.Report `json:"frontside"`
	Backside  *quality.Report `json:"backside"`
}

// QualityError is a rejection of the input (ErrFrontsideNotFound, ...)
// with the quality of the sides given, so that a terminal can tell "no
// document" from "document too blurred". errors.Is and the API message
// see through it to the rejection.
type QualityError struct {
	Err     error
	Quality Qualities
}

func (e *QualityError) Error() string { return e.Err.Error() }
func (e *QualityError) Unwrap() error { return e.Err }

// QualityOf returns the quality carried by err, if any.
func QualityOf(err error) (Qualities, bool) {
	var qe *QualityError
	if errors.As(err, &qe) {
		return qe.Quality, true
	}
	return Qualities{}, false
}

// assess measures one prepared side's quality on its working warp, over
// its MRZ and the zones of the type it looks most like.
func (e *Engine) assess(s *side) *quality.Report {
	// A page placed around its MRZ has edges estimated from ICAO's
	// geometry (a few mm either way), not seen: its bounds and tilt are
	// not measured, and its resolution comes from the MRZ's pitch.
	in := quality.Input{Frame: s.white.Rect.Size(), Outline: s.outline.Quad,
		Located: s.found && !s.outline.Cropped && !s.outline.MRZ, Page: s.workGy, PxPerMM: e.opts.PxPerMM}
	if s.workTyp != nil {
		in.SizeMM = s.workTyp.SizeMM
	}
	if s.work != nil && s.mrz != nil {
		r := s.mrz.Region
		ww := float64(s.work.Rect.Dx())
		in.Zones = append(in.Zones, quality.Zone{Name: "mrz", Region: [4]float64{
			float64(r.Min.X) / ww, float64(r.Min.Y) / float64(s.work.Rect.Dy()), float64(r.Max.X) / ww, float64(r.Max.Y) / float64(s.work.Rect.Dy())}})
		if lines := s.mrz.Summary().Lines; len(lines) > 0 {
			// the page is the outline warped: its pixels to the frame's
			qw, _ := s.outline.Quad.Sides()
			in.MRZWidthPx, in.MRZChars = float64(r.Dx())*qw/ww, len(lines[0])
		}
	}
	if s.best != nil && s.best.P >= minP {
		in.SizeMM = s.best.Type.SizeMM
		for _, z := range typeZones(s.best.Type) {
			if z.Name == "mrz" {
				continue // where it was read, above
			}
			if s.best.Flip {
				z.Region = quality.FlipRect(z.Region) // the page lies in outline order
			}
			in.Zones = append(in.Zones, z)
		}
	}
	return quality.Assess(in, e.opts.Quality)
}

// oriented is a side's quality with its glare turned the way its type
// reads and measured over that type's zones.
func (s *side) oriented() *quality.Report {
	if s.quality == nil || s.best == nil {
		return s.quality
	}
	q := s.quality
	if s.best.Flip {
		q = q.Flipped()
	}
	zs := typeZones(s.best.Type)
	if z, ok := s.readMRZZone(); ok {
		// where the MRZ was read, not where the type's layout puts it
		for i := range zs {
			if zs[i].Name == "mrz" {
				zs[i].Region = z
			}
		}
	}
	return q.WithZones(zs)
}

// readMRZZone is where the side's MRZ was read, in normalised side
// coordinates the way its type reads.
func (s *side) readMRZZone() ([4]float64, bool) {
	if s.mrz == nil || s.work == nil {
		return [4]float64{}, false
	}
	r := s.mrz.Region
	ww, wh := float64(s.work.Rect.Dx()), float64(s.work.Rect.Dy())
	z := [4]float64{float64(r.Min.X) / ww, float64(r.Min.Y) / wh, float64(r.Max.X) / ww, float64(r.Max.Y) / wh}
	if s.best != nil && s.best.Flip {
		z = quality.FlipRect(z)
	}
	return z, true
}

// typeZones are the zones of a type that matter: its MRZ, its portrait
// (face_photo) and the response fields.
func typeZones(t *typedb.Type) []quality.Zone {
	var zs []quality.Zone
	if t.MRZZone != nil {
		zs = append(zs, quality.Zone{Name: "mrz", Region: [4]float64(*t.MRZZone)})
	}
	if t.FaceZone != nil {
		zs = append(zs, quality.Zone{Name: "face_photo", Region: [4]float64(*t.FaceZone)})
	}
	for _, f := range t.Fields {
		if responseFields[f.Name] {
			zs = append(zs, quality.Zone{Name: f.Name, Region: [4]float64(f.Zone)})
		}
	}
	return zs
}

// qualitiesOf are the given sides' qualities, once their types are
// decided.
func qualitiesOf(front, back *side) Qualities {
	var q Qualities
	if front != nil {
		q.Frontside = front.oriented()
	}
	if back != nil {
		q.Backside = back.oriented()
	}
	return q
}

// unreadSides marks each side whose type was not identified (a rejection,
// or a back that is no known type's).
func unreadSides(qs *Qualities, front, back *side) {
	for _, x := range []struct {
		s *side
		q **quality.Report
	}{{front, &qs.Frontside}, {back, &qs.Backside}} {
		if x.s == nil || x.s.best != nil {
			continue
		}
		detail := "a document was found but its type was not identified"
		if !x.s.found && x.s.mrz == nil {
			detail = "no document outline, MRZ or known type's print found"
		}
		*x.q = (*x.q).WithUnread(quality.UnreadDocument, detail)
	}
}

// unreadMRZ marks the side whose MRZ was expected but not read surely: a
// side where one was found (read unsurely), else an identified side whose
// type prints one.
func unreadMRZ(qs *Qualities, sides []*side, reason string) {
	var target *side
	for _, s := range sides {
		if s.mrz != nil {
			target = s
			break
		}
	}
	if target == nil {
		for _, s := range sides {
			if s.best != nil && s.best.Type.MRZFormat != typedb.MRZNone {
				target = s
				break
			}
		}
	}
	if target == nil {
		return
	}
	q := &qs.Frontside
	if target.name == typedb.Back {
		q = &qs.Backside
	}
	*q = (*q).WithUnread(quality.UnreadMRZ, reason)
}

// ReasonGlare is the reason of a check that could not run because glare
// lay over its zone.
const ReasonGlare = "glare over the zone"

// glareChecks turns a check that did not pass, and whose zone lies under
// glare, into not done for glare: what glare hides is no evidence of
// fraud. A side's check has its own zone (its evidence's region, the MRZ
// for the MRZ's checks); a data check (no side) compares the fields
// read, so any response field's zone under glare stops it.
func glareChecks(cs []Check, known []*side) {
	for i := range cs {
		c := &cs[i]
		if c.Status == CheckOK {
			continue
		}
		if c.Side == "" {
			if fieldsGlared(known) && !expiredByValidMRZ(c, known) {
				c.Status, c.Reason, c.Evidence = CheckNotDone, ReasonGlare, nil
			}
			continue
		}
		for _, s := range known {
			if string(s.name) != c.Side && string(s.best.Type.Side) != c.Side {
				continue
			}
			var zone *[4]float64
			switch {
			case c.Evidence != nil && c.Evidence.Region != nil:
				zone = c.Evidence.Region
			case s.best.Type.MRZZone != nil && strings.HasPrefix(c.Name, "mrz"):
				z := [4]float64(*s.best.Type.MRZZone)
				zone = &z
			}
			if c.Name == checks.NameMRZDigits && s.mrz.ReadSurely() {
				// the glare hid none of the zone's characters: a check
				// digit that fails on characters read surely is the
				// fraud signal still (a white MRZ band on light glass,
				// clipped beyond its print, read as glare, and a
				// tampered card passed)
				break
			}
			if zone != nil && s.oriented().GlaredOver(*zone) {
				c.Status, c.Reason, c.Evidence = CheckNotDone, ReasonGlare, nil
			}
			break
		}
	}
}

// expiredByValidMRZ reports whether c is date_logic failing on the
// expiry alone, the date a known side's MRZ gives, read whole with every
// check digit holding: glare over another field hid nothing of that
// (another hand's expired Slovak card, glare over its front, was
// answered with date_logic not done).
func expiredByValidMRZ(c *Check, known []*side) bool {
	if c.Name != checks.NameDates || c.Status != CheckFailed {
		return false
	}
	date, ok := strings.CutPrefix(c.Reason, checks.ReasonExpiredOn)
	if !ok || strings.Contains(date, ";") {
		return false
	}
	for _, s := range known {
		if s.mrz != nil && s.mrz.Status == mrz.StatusValid && s.mrz.Document != nil && s.mrz.ExpiryDate.DMY() == date {
			return true
		}
	}
	return false
}

// fieldsGlared reports whether a response field's zone, or the MRZ, of a
// known side lies under glare.
func fieldsGlared(known []*side) bool {
	for _, s := range known {
		q := s.oriented()
		for _, z := range typeZones(s.best.Type) {
			if z.Name == "face_photo" || (z.Name == "mrz" && s.mrz != nil && s.mrz.Status == mrz.StatusValid) {
				// an MRZ read whole, every check digit holding, was not
				// hidden: an expired card's dates, read there and in the
				// visual zone alike, still fail it (another hand's white
				// MRZ band had read as glare, and an expired card passed)
				continue
			}
			if q.GlaredOver(z.Region) {
				return true
			}
		}
	}
	return false
}

// qualityReason says, for failure_reason, which checks and response
// fields poor image quality left undone: "" when none.
func qualityReason(cs []Check, res *Result, known []*side) string {
	var parts []string
	for _, c := range cs {
		if c.Status == CheckNotDone && c.Reason == ReasonGlare {
			parts = append(parts, c.Name+" ("+ReasonGlare+")")
		}
	}
	for _, s := range known {
		q := s.oriented()
		if q == nil || q.Glare == nil || q.Glare.OK {
			continue
		}
		for _, f := range s.best.Type.Fields {
			if responseFields[f.Name] && f.Name != FieldSex && res.Fields[f.Name].Value == "" && q.GlaredOver([4]float64(f.Zone)) {
				parts = append(parts, f.Name+" not read ("+ReasonGlare+")")
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return "Not done for image quality: " + strings.Join(dedupe(parts), ", ")
}

// withQualityReason joins the failed checks' reason and the quality's.
func withQualityReason(reason, quality string) string {
	switch {
	case quality == "":
		return reason
	case reason == "None":
		return quality
	}
	return reason + "; " + quality
}
