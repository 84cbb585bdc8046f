package pipeline

import (
	"errors"

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

// QualityReport returns the sides' quality for the error answer.
func (e *QualityError) QualityReport() any { return e.Quality }

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
