package pipeline

import (
	"errors"
	"sort"
	"strings"

	"github.com/docscan/docscan/pipeline/quality"
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
	in := quality.Input{Frame: s.white.Rect.Size(), Outline: s.outline.Quad,
		Located: s.found && !s.outline.Cropped, Page: s.workGy, PxPerMM: e.opts.PxPerMM}
	if s.workTyp != nil {
		in.SizeMM = s.workTyp.SizeMM
	}
	if s.work != nil && s.mrz != nil {
		r := s.mrz.Region
		ww, wh := float64(s.work.Rect.Dx()), float64(s.work.Rect.Dy())
		in.Zones = append(in.Zones, quality.Zone{Name: "mrz",
			Region: [4]float64{float64(r.Min.X) / ww, float64(r.Min.Y) / wh, float64(r.Max.X) / ww, float64(r.Max.Y) / wh}})
		if lines := s.mrz.Summary().Lines; len(lines) > 0 {
			// the page is the outline warped: its pixels to the frame's
			qw, _ := s.outline.Quad.Sides()
			in.MRZWidthPx, in.MRZChars = float64(r.Dx())*qw/ww, len(lines[0])
		}
	}
	if s.best != nil && s.best.P >= minP {
		t := s.best.Type
		in.SizeMM = t.SizeMM
		for _, f := range t.Fields {
			if !responseFields[f.Name] {
				continue
			}
			z := [4]float64(f.Zone)
			if s.best.Flip {
				z = quality.FlipRect(z) // the page lies in outline order
			}
			in.Zones = append(in.Zones, quality.Zone{Name: f.Name, Region: z})
		}
	}
	return quality.Assess(in, e.opts.Quality)
}

// oriented is a side's quality with its glare turned the way its type
// reads.
func (s *side) oriented() *quality.Report {
	if s.quality == nil || s.best == nil || !s.best.Flip {
		return s.quality
	}
	return s.quality.Flipped()
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

// ReasonGlare is the reason of a check that could not run because glare
// lay over its zone.
const ReasonGlare = "glare over the zone"

// glareChecks turns a side's check whose zone lies under glare, and
// which did not pass, into not done for glare: what glare hides is not
// evidence of fraud.
func glareChecks(cs []Check, known []*side) {
	for i := range cs {
		c := &cs[i]
		if c.Status == CheckOK || c.Side == "" {
			continue
		}
		for _, s := range known {
			if string(s.name) != c.Side && string(s.best.Type.Side) != c.Side {
				continue
			}
			q := s.oriented()
			var zone *[4]float64
			switch {
			case c.Evidence != nil && c.Evidence.Region != nil:
				zone = c.Evidence.Region
			case s.best.Type.MRZZone != nil && strings.HasPrefix(c.Name, "mrz"):
				z := [4]float64(*s.best.Type.MRZZone)
				zone = &z
			}
			if zone != nil && q.GlaredOver(*zone) {
				c.Status, c.Reason = CheckNotDone, ReasonGlare
			}
			break
		}
	}
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
			if responseFields[f.Name] && f.Name != "sex" && res.Fields[f.Name].Value == "" && q.GlaredOver([4]float64(f.Zone)) {
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
