package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

// responseFields are the visual-zone fields the response carries, plus
// sex, which the IIN check needs.
var responseFields = map[string]bool{
	"last_name": true, "first_name": true, "patronymic": true, "personal_number": true,
	"date_of_birth": true, "document_number": true, "authority": true,
	"date_of_issue": true, "date_of_expiry": true, "sex": true,
}

// fieldReading is a visual-zone reading with the side it came from.
type fieldReading struct {
	vz.Reading
	field typedb.Field
	side  *side
}

// Recognize recognises one or two sides and returns the API's result.
// It returns ErrFrontsideNotFound, ErrNotFrontside or ErrNotBackside
// (errors with APIMessage) when the input is not what the request says.
func (e *Engine) Recognize(ctx context.Context, in Input) (*Result, error) {
	if in.Front == nil && in.Back == nil {
		return nil, ErrNoInput
	}
	for _, s := range []*SideInput{in.Front, in.Back} {
		if s != nil && s.White == nil {
			return nil, fmt.Errorf("pipeline: a side without its white frame: %w", ErrNoInput)
		}
	}
	start := time.Now()
	cands, err := e.candidates(in.CountryCode)
	if err != nil {
		return nil, err
	}
	tm := &timer{cb: e.opts.OnStage}
	var sides []*side
	if in.Front != nil {
		sides = append(sides, &side{name: typedb.Front, in: in.Front})
	}
	if in.Back != nil {
		sides = append(sides, &side{name: typedb.Back, in: in.Back})
	}
	errs := make([]error, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.prepare(ctx, s, cands, tm)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	front, back := sideNamed(sides, typedb.Front), sideNamed(sides, typedb.Back)
	pairSides(front, back)
	if err := e.decide(front, back); err != nil {
		return nil, err
	}

	res := &Result{Fields: map[string]FieldReport{}}
	// warp every identified side to its type, oriented, under each light
	t0 := time.Now()
	var known []*side
	for _, s := range sides {
		if s.best == nil {
			continue
		}
		if err := e.finalWarp(s); err != nil {
			return nil, err
		}
		known = append(known, s)
	}
	tm.since(StageWarp, "", t0)

	// the visual zone, every field of every side in parallel
	t0 = time.Now()
	if e.ocr != nil && len(known) > 0 {
		vs := make([]vz.Side, len(known))
		for i, s := range known {
			vs[i] = s.vzSide()
		}
		all := vz.ReadFields(ctx, e.ocr, vs, responseFields)
		for i, s := range known {
			s.readings = map[string]fieldReading{}
			for _, r := range all[i] {
				f, _ := s.best.Type.Field(r.Name)
				s.readings[r.Name] = fieldReading{Reading: r, field: f, side: s}
				s.zones = append(s.zones, ZoneView{Name: r.Name, Region: r.Region})
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tm.since(StageVZ, "", t0)

	// the MRZ: of the side whose type prints it
	var m *mrz.Result
	for _, s := range known {
		if s.mrz != nil && s.best.Type.MRZFormat != typedb.MRZNone {
			m = s.mrz
			break
		}
	}
	if m == nil {
		for _, s := range sides {
			if s.mrz != nil {
				m = s.mrz
				break
			}
		}
	}
	if m != nil {
		sum := m.Summary()
		res.MRZ = &MRZSummary{Lines: sum.Lines, Format: sum.Format, Valid: sum.Valid, Checks: sum.Checks}
	}

	t0 = time.Now()
	cmp := e.mergeFields(ctx, res, known, m)
	res.Checks = e.runChecks(known, m, res, cmp)
	res.FailureReason = failureReason(res.Checks)
	tm.since(StageChecks, "", t0)

	// document types, country
	for _, s := range sides {
		if s.best == nil {
			continue
		}
		dt := s.best.Type.API(round(s.best.P))
		if s.name == typedb.Front {
			res.DocumentType.Frontside = &dt
		} else {
			res.DocumentType.Backside = &dt
		}
	}
	res.CountryCode = countryOf(known, m)

	t0 = time.Now()
	if err := e.images(res, known); err != nil {
		return nil, err
	}
	tm.since(StageImages, "", t0)

	for _, s := range sides {
		v := SideView{Side: s.name, Zones: s.zones}
		if s.found {
			v.Outline = s.quad.Points()
			if s.best == nil {
				v.Outline = s.outline.Quad.Points()
			}
		}
		res.Views = append(res.Views, v)
	}
	res.Timings = tm.out
	res.Elapsed = time.Since(start)
	e.log.Debug("recognised", "sides", len(sides), "elapsed", res.Elapsed, "failure", res.FailureReason != "None")
	return res, nil
}

// vzSide is the side as the visual-zone reader takes it, sampling small
// zones again from the frame at its full resolution.
func (s *side) vzSide() vz.Side {
	return vz.Side{Image: s.layers.white, Type: s.best.Type, Lexicon: lexicons[s.best.Type.FDSIDList.ICAOCode],
		Sample: func(box image.Rectangle, scale float64) *image.Gray {
			return imgutil.WarpGray(s.white, s.hm, box, scale)
		}}
}

func sideNamed(sides []*side, n typedb.SideName) *side {
	for _, s := range sides {
		if s.name == n {
			return s
		}
	}
	return nil
}

// pairSides prefers, when both sides are given, the two sides of one
// document: the pair with the best sum of p, with a small bonus for
// belonging together.
func pairSides(front, back *side) {
	if front == nil || back == nil || len(front.cands) == 0 || len(back.cands) == 0 {
		return
	}
	const top = 6
	bi, bj, best := 0, 0, -1.0
	for i := range min(top, len(front.cands)) {
		for j := range min(top, len(back.cands)) {
			f, b := front.cands[i], back.cands[j]
			s := f.P + b.P
			if f.Type.OtherSide == b.Type.ID {
				s += 0.1
			}
			if s > best {
				bi, bj, best = i, j, s
			}
		}
	}
	front.best, back.best = &front.cands[bi], &back.cands[bj]
}

// decide turns scores into the identified types and the API's
// rejections. A side whose best p is low but whose MRZ was read is taken
// as the generic ICAO type of its format.
func (e *Engine) decide(front, back *side) error {
	for _, s := range []*side{front, back} {
		if s == nil {
			continue
		}
		if s.best != nil && s.best.P >= minP {
			continue
		}
		s.best = nil
		if s.mrz != nil {
			for i, c := range s.cands {
				if string(c.Type.MRZFormat) == s.mrz.Format.String() {
					s.best = &s.cands[i]
					break
				}
			}
		}
	}
	if front != nil {
		if front.best == nil {
			return ErrFrontsideNotFound
		}
		if front.best.Type.Side == typedb.Back {
			return ErrNotFrontside
		}
	}
	if back != nil && back.best != nil && back.best.Type.Side == typedb.Front && back.best.Type.OtherSide != 0 {
		return ErrNotBackside
	}
	return nil
}

// finalWarp warps the side's frames to its type, right way up.
func (e *Engine) finalWarp(s *side) error {
	t := s.best.Type
	q := s.outline.Quad
	if s.best.Flip {
		q = q.Rotate(2)
	}
	s.quad = q
	w, h := e.size(t)
	var err error
	if s.hm, err = imgutil.QuadToRect(q, float64(w), float64(h)); err != nil {
		return fmt.Errorf("pipeline: warp: %w", err)
	}
	if s.work != nil && s.work.Rect.Dx() == w && s.work.Rect.Dy() == h {
		s.layers.white = s.work
		if s.best.Flip {
			s.layers.white = imgutil.Rotate180(s.work)
		}
	} else if s.layers.white, err = e.warp(s.white, q, t); err != nil {
		return fmt.Errorf("pipeline: warp: %w", err)
	}
	var wg sync.WaitGroup
	var errIR, errUV error
	for _, l := range []struct {
		src image.Image
		dst **image.RGBA
		err *error
	}{{s.in.IR, &s.layers.ir, &errIR}, {s.in.UV, &s.layers.uv, &errUV}} {
		if l.src == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			img := imgutil.RGBA(l.src)
			if img.Rect.Size() != s.white.Rect.Size() {
				*l.err = fmt.Errorf("pipeline: the %s side's frames differ in size", s.name)
				return
			}
			// the IR and UV checks measure regions, not print: half the
			// resolution serves them at a quarter of the cost
			hw, hh := w/2, h/2
			hm, err := imgutil.QuadToRect(q, float64(hw), float64(hh))
			if err != nil {
				*l.err = err
				return
			}
			*l.dst = imgutil.Warp(img, hm, hw, hh)
		}()
	}
	wg.Wait()
	if err := errors.Join(errIR, errUV); err != nil {
		return err
	}
	if s.mrz != nil {
		r := s.mrz.Region
		ww, wh := float64(s.work.Rect.Dx()), float64(s.work.Rect.Dy())
		z := [4]float64{float64(r.Min.X) / ww, float64(r.Min.Y) / wh, float64(r.Max.X) / ww, float64(r.Max.Y) / wh}
		if s.best.Flip {
			z = [4]float64{1 - z[2], 1 - z[3], 1 - z[0], 1 - z[1]}
		}
		rz := typedb.Rect(z)
		s.mrzZone = &rz
		s.zones = append(s.zones, ZoneView{Name: "mrz", Region: z})
	}
	return nil
}

// countryOf is the identified national type's country, else the MRZ
// issuing state's.
func countryOf(known []*side, m *mrz.Result) string {
	for _, s := range known {
		if c := s.best.Type.CountryCode; c != "" {
			return c
		}
	}
	if m != nil {
		if a2, ok := typedb.Alpha2FromICAO(m.IssuingState); ok {
			return strings.ToLower(a2)
		}
	}
	return ""
}

// images encodes the warped sides and the portrait.
func (e *Engine) images(res *Result, known []*side) error {
	q := e.opts.JPEGQuality
	for _, s := range known {
		b64, err := imgutil.JPEGBase64(s.layers.white, q)
		if err != nil {
			return err
		}
		if s.name == typedb.Front {
			res.Images.FrontSideImage = b64
		} else {
			res.Images.BackSideImage = b64
		}
		if z := s.best.Type.FaceZone; z != nil && res.Images.FacePhoto == "" {
			r := z.Pixels(s.layers.white.Rect.Dx(), s.layers.white.Rect.Dy())
			if res.Images.FacePhoto, err = imgutil.JPEGBase64(imgutil.Sub(s.layers.white, r), q); err != nil {
				return err
			}
		}
	}
	return nil
}

// failureReason is "None" when no check failed, else the failed checks.
func failureReason(cs []Check) string {
	var names []string
	for _, c := range cs {
		if c.Status == CheckFailed {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return "None"
	}
	sort.Strings(names)
	return "Failed checks: " + strings.Join(dedupe(names), ", ")
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
