package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

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
	// the stages ask Tesseract for some of the same crops: each is read once
	ctx = ocr.WithMemo(ctx)
	cands, err := e.candidates(in.CountryCode)
	if err != nil {
		return nil, err
	}
	tm := &timer{cb: e.opts.OnStage}
	type given struct {
		name typedb.SideName
		in   *SideInput
	}
	var gs []given
	if in.Front != nil {
		gs = append(gs, given{typedb.Front, in.Front})
	}
	if in.Back != nil {
		gs = append(gs, given{typedb.Back, in.Back})
	}
	// each side as far as its white frame goes: prepared already (a
	// scanned side), or now, both sides at once
	preps := make([]*PreparedSide, len(gs))
	errs := make([]error, len(gs))
	var wg, ahead sync.WaitGroup
	// no read ahead outlives the recognition; one still running when it
	// ends (a side refused) is not needed
	aheadCtx, cancelAhead := context.WithCancel(ctx)
	defer ahead.Wait()
	defer cancelAhead()
	var preparing atomic.Int32
	for i, g := range gs {
		if p := g.in.Prepared; p.usableBy(e, in.CountryCode) {
			preps[i] = p
			continue
		}
		preparing.Add(1)
	}
	for i, g := range gs {
		if preps[i] != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			preps[i], errs[i] = e.prepareSide(ctx, g.in.White, in.CountryCode, cands, g.name)
			if preparing.Add(-1) > 0 && errs[i] == nil {
				// the other side is still being prepared: this one's
				// visual zone is read meanwhile, as the side identified
				// alone (PreparedSide.read keeps it for finishSide),
				// on the core that would wait. Pairing the sides seldom
				// makes a side another type; when it does, this read is
				// not used.
				ahead.Add(1)
				go func() {
					defer ahead.Done()
					_ = preps[i].readAlone(aheadCtx, g.name)
				}()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sides := make([]*side, len(gs))
	for i, g := range gs {
		sides[i] = preps[i].workingSide(g.name, g.in)
	}
	front, back := sideNamed(sides, typedb.Front), sideNamed(sides, typedb.Back)
	pairSides(front, back)
	err = e.decide(front, back)
	qs := qualitiesOf(front, back)
	if err != nil {
		unreadSides(&qs, front, back)
		return nil, &QualityError{Err: err, Quality: qs}
	}

	res := &Result{Fields: map[string]FieldReport{}, Quality: qs}
	// every identified side warped to its type, oriented, under each
	// light, and its visual zone read: the sides at once
	var known []*side
	for _, s := range sides {
		if s.best != nil {
			known = append(known, s)
		}
	}
	errs = make([]error, len(known))
	for i, s := range known {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.finishSide(ctx, s, tm)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// the MRZ: of the side whose type prints it; doubt, when it was read
	// unsurely
	var m, doubt *mrz.Result
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
	switch {
	case m == nil:
		res.MRZReason = "no machine-readable zone found"
	case m.Status == mrz.StatusUnsure:
		// An unsure zone is no answer, and no field is taken from it.
		res.MRZReason = "machine-readable zone " + m.Reason
		doubt, m = m, nil
	default:
		sum := MRZSummary(m.Summary())
		res.MRZ = &sum
	}
	for _, s := range sides {
		for _, o := range s.otherMRZ {
			res.OtherMRZ = append(res.OtherMRZ, OtherMRZ{MRZSummary: MRZSummary(o.Summary()), Side: string(s.name)})
		}
	}
	unreadSides(&res.Quality, front, back)
	if res.MRZ == nil {
		unreadMRZ(&res.Quality, sides, res.MRZReason)
	}

	t0 := time.Now()
	cmp := e.mergeFields(ctx, res, known, m, doubt)
	res.Checks = e.runChecks(known, m, res, cmp)
	glareChecks(res.Checks, known)
	res.FailureReason = withQualityReason(failureReason(res.Checks), qualityReason(res.Checks, res, known))
	tm.since(StageChecks, "", t0)

	// document types, country
	for _, s := range sides {
		if s.best == nil {
			continue
		}
		dt := s.best.Type.API(round(s.best.P))
		if s.best.Type.Generic {
			dt = genericDocumentType(dt, s.name, m)
		}
		if s.name == typedb.Front {
			res.DocumentType.Frontside = &dt
		} else {
			res.DocumentType.Backside = &dt
		}
	}
	res.CountryCode = countryOf(known, m)

	images(res, known)

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
	for _, p := range preps {
		res.Timings = append(res.Timings, p.timings()...)
	}
	res.Timings = append(res.Timings, tm.out...)
	res.Elapsed = time.Since(start)
	e.log.Debug("recognised", "sides", len(sides), "elapsed", res.Elapsed, "failure", res.FailureReason != "None")
	return res, nil
}

// vzSide is the side as the visual-zone reader takes it, sampling small
// zones again from the frame at its full resolution.
func (s *side) vzSide() vz.Side {
	return vzSideOf(s.layers.white, s.white, s.hm, s.best.Type, s.mrz)
}

// vzSideOf is a side warped from frame through hm to t's grid, whose
// MRZ (nil when none was read) names its state.
func vzSideOf(warped, frame *image.RGBA, hm imgutil.Homography, t *typedb.Type, m *mrz.Result) vz.Side {
	vs := vz.Side{Image: warped, Type: t,
		Sample: func(box image.Rectangle, scale float64) *image.Gray {
			return imgutil.WarpGray(frame, hm, box, scale)
		}}
	if m != nil {
		vs.State, vs.Nationality = m.IssuingState, m.Nationality
		vs.Expiry = m.ExpiryDate.DMY()
		vs.NumberKnown = m.Status != mrz.StatusUnsure && m.Checks[mrz.CheckDocumentNumber]
	}
	return vs
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
// rejections.
func (e *Engine) decide(front, back *side) error {
	vouched := map[*side]bool{}
	for _, p := range [][2]*side{{front, back}, {back, front}} {
		vouched[p[0]] = vouchedByOtherSide(p[0], p[1])
	}
	for _, s := range []*side{front, back} {
		if s != nil && !vouched[s] {
			decideSide(s)
		}
	}
	if front != nil {
		if front.best == nil {
			return ErrFrontsideNotFound
		}
		// a lone image whose MRZ marks it only as an ICAO format's MRZ
		// side, of a state the database has no types of, is the document
		// as given: its MRZ is read, not refused
		lone := back == nil && front.best.Type.Generic && front.mrz != nil &&
			len(e.db.ByICAO(front.mrz.IssuingState)) == 0
		if front.best.Type.Side == typedb.Back && !lone {
			return ErrNotFrontside
		}
	}
	if back != nil && back.best != nil && back.best.Type.Side == typedb.Front && back.best.Type.OtherSide != 0 {
		return ErrNotBackside
	}
	return nil
}

// minPairedP is the least p of a side that its document's other side,
// identified surely, vouches for (vouchedByOtherSide).
const minPairedP = 0.2

// vouchedByOtherSide reports whether side s, identified below minP, is
// the other side of the document its partner identifies surely as, and
// takes that type for s: a candidate that belongs with the partner's
// type, on an outline of its shape, where some of its printed text was
// found (a small, tilted photo of a Kazakh front, its header read as
// debris, p 0.22 beside a back read at 0.92, was refused as "Frontside
// document not found"; renderer varied seed 1111). Its p stays as low
// as it was.
func vouchedByOtherSide(s, other *side) bool {
	if s == nil || other == nil || other.best == nil || other.best.P < minP || other.best.Type.OtherSide == 0 ||
		(s.best != nil && s.best.P >= minP) {
		return false
	}
	for i, c := range s.cands {
		if c.Type.ID != other.best.Type.OtherSide {
			continue
		}
		national := c.P >= minPairedP && c.Evidence.Geometry >= wellShaped && c.Evidence.Anchors > 0
		// a generic card's front prints nothing of its own to find (no
		// state's header, captions anywhere), and a dark header band on
		// a dark desk cuts its outline short of a card's shape: its
		// back's valid MRZ, and an outline found, vouch for it (another
		// hand's TD1 fronts, a Spanish card's red header joined to the
		// desk: 5 of 10 refused "Frontside document not found" beside a
		// back read validly)
		generic := c.Type.Generic && s.found && other.mrz != nil && other.mrz.Status == mrz.StatusValid
		if national || generic {
			s.best = &s.cands[i]
			return true
		}
	}
	return false
}

// minCaptionsUpright is how many of a generic side's fields must be read
// under their captions for the side to be taken as the right way up.
const minCaptionsUpright = 1

// captioned is how many of readings were read under a caption found.
func captioned(readings []vz.Reading) int {
	n := 0
	for _, rd := range readings {
		if rd.Captioned {
			n++
		}
	}
	return n
}

// decideSide settles one side's type: none when its best p is low,
// unless its MRZ was read, when it is taken as the generic ICAO type of
// the MRZ's format.
func decideSide(s *side) {
	if s.best != nil && s.best.P >= minP {
		return
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

// finishSide warps the side's frames to its type, right way up, and
// reads its visual zone, which its prepared side may have read already.
func (e *Engine) finishSide(ctx context.Context, s *side, tm *timer) error {
	t := s.best.Type
	r, err := s.prep.read(ctx, t, s.best.Flip, s.name)
	if err != nil {
		return err
	}
	if t.Generic && s.mrz == nil && captioned(r.readings) == 0 {
		// a generic side with no MRZ of its own (a TD1's front) is
		// turned by its layout's signature alone, which puts the
		// portrait on the left: a card that prints it on the right lies
		// upside down then, and no caption reads. Its captions read the
		// right way up tell
		other, err := s.prep.read(ctx, t, !s.best.Flip, s.name)
		if err != nil {
			return err
		}
		if captioned(other.readings) >= minCaptionsUpright {
			r = other
			s.best.Flip = !s.best.Flip
		}
	}
	s.quad, s.hm, s.layers.white = r.quad, r.hm, r.white
	s.readings = map[string]fieldReading{}
	for _, rd := range r.readings {
		f, ok := t.Field(rd.Name)
		if !ok {
			f, _ = vz.GenericField(rd.Name)
		}
		s.readings[rd.Name] = fieldReading{Reading: rd, field: f, side: s}
		s.zones = append(s.zones, ZoneView{Name: rd.Name, Region: rd.Region})
	}

	t0 := time.Now()
	w, h := e.size(t)
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
			img := imgutil.View(l.src)
			if img.Rect.Size() != s.white.Rect.Size() {
				*l.err = fmt.Errorf("pipeline: the %s side's frames differ in size", s.name)
				return
			}
			// the IR and UV checks measure regions, not print: half the
			// resolution serves them at a quarter of the cost
			hw, hh := w/2, h/2
			hm, err := imgutil.QuadToRect(s.quad, float64(hw), float64(hh))
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
	if s.in.IR != nil || s.in.UV != nil {
		tm.since(StageWarp, s.name, t0)
	}
	if z, ok := s.readMRZZone(); ok {
		rz := typedb.Rect(z)
		s.mrzZone = &rz
		s.zones = append(s.zones, ZoneView{Name: "mrz", Region: z})
	}
	t0 = time.Now()
	if err := e.encodeSide(s); err != nil {
		return err
	}
	tm.since(StageImages, s.name, t0)
	return nil
}

// encodeSide encodes side s's warped white layer and its type's portrait
// zone as JPEGs.
func (e *Engine) encodeSide(s *side) error {
	q := e.opts.JPEGQuality
	var err error
	if s.jpeg, err = imgutil.JPEG(s.layers.white, q); err != nil {
		return err
	}
	if z := s.best.Type.FaceZone; z != nil {
		r := z.Pixels(s.layers.white.Rect.Dx(), s.layers.white.Rect.Dy())
		if s.faceJPEG, err = imgutil.JPEG(imgutil.Sub(s.layers.white, r), q); err != nil {
			return err
		}
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

// images puts the sides' JPEGs into the result, and the first portrait.
func images(res *Result, known []*side) {
	for _, s := range known {
		if s.name == typedb.Front {
			res.Images.FrontSideImage = s.jpeg
		} else {
			res.Images.BackSideImage = s.jpeg
		}
		if res.Images.FacePhoto == nil {
			res.Images.FacePhoto = s.faceJPEG
		}
	}
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
