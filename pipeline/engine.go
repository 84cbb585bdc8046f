package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/locate"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/typedb"
)

// rejection is an error that rejects the input with one of the API's
// messages; the api package answers it with 400 and the message.
type rejection struct{ msg string }

func (r *rejection) Error() string      { return r.msg }
func (r *rejection) APIMessage() string { return r.msg }

// The API's rejections, usable with errors.Is.
var (
	ErrFrontsideNotFound error = &rejection{"Frontside document not found"}
	ErrNotFrontside      error = &rejection{"Document image at frontside_image field is not frontside"}
	ErrNotBackside       error = &rejection{"Document image at backside_image field is not backside"}
)

// ErrNoInput is returned when neither side is given.
var ErrNoInput = errors.New("pipeline: no side given")

// Options configure an Engine. Zero fields take defaults.
type Options struct {
	// Now is the clock dates are judged against (default time.Now).
	Now func() time.Time
	// Logger receives timings and decisions, never personal data.
	Logger *slog.Logger
	// MRZ reads machine-readable zones; nil makes one with the embedded
	// OCR-B model.
	MRZ *mrz.Engine
	// PxPerMM is the resolution sides are warped to (default 12, about
	// 300 dpi).
	PxPerMM float64
	// JPEGQuality of the images in the result (default 85).
	JPEGQuality int
	// OnStage, when set, is called after every stage of every
	// recognition with its duration, e.g. to feed /metrics.
	OnStage func(stage Stage, side typedb.SideName, d time.Duration)
	// Quality are the image-quality thresholds; zero fields take
	// quality.Default's.
	Quality quality.Thresholds
}

// Stage names a step of recognition.
type Stage string

// The stages, in order.
const (
	StageDecode   Stage = "decode"   // frames to RGBA
	StageLocate   Stage = "locate"   // the outline in the white frame
	StageMRZ      Stage = "mrz"      // find and read the MRZ
	StageIdentify Stage = "identify" // score the types
	StageWarp     Stage = "warp"     // warp white, IR and UV to the type
	StageVZ       Stage = "vz"       // read the visual zone
	StageChecks   Stage = "checks"   // fraud and consistency checks
	StageImages   Stage = "images"   // JPEG of sides and portrait
	StageQuality  Stage = "quality"  // image-quality measures
)

// StageTiming is one stage's duration; Side is "" for stages over both.
type StageTiming struct {
	Stage    Stage
	Side     typedb.SideName
	Duration time.Duration
}

// SideView is what the status page draws of one side: where the
// document lay in the frame and the zones read.
type SideView struct {
	Side typedb.SideName
	// Outline is the document's corners in the white frame, clockwise
	// from the document's top-left; nil when the whole frame was taken.
	Outline []image.Point
	Zones   []ZoneView
}

// ZoneView is a region read, in normalised side coordinates.
type ZoneView struct {
	Name   string
	Region [4]float64
}

// Engine recognises documents. It is safe for concurrent use.
type Engine struct {
	db   *typedb.DB
	ocr  *ocr.Pool
	mrz  *mrz.Engine
	opts Options
	log  *slog.Logger
}

// New returns an engine over db. pool may be nil (a build without
// Tesseract): the visual zone and anchor texts are then not read, and
// the fields come from the MRZ alone.
func New(db *typedb.DB, pool *ocr.Pool, opts Options) (*Engine, error) {
	if db == nil {
		return nil, errors.New("pipeline: no type database")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PxPerMM == 0 {
		opts.PxPerMM = 12
	}
	if opts.PxPerMM < 4 || opts.PxPerMM > 40 {
		return nil, fmt.Errorf("pipeline: resolution %.1f px/mm outside 4–40", opts.PxPerMM)
	}
	if opts.JPEGQuality == 0 {
		opts.JPEGQuality = 85
	}
	opts.Quality = opts.Quality.WithDefaults()
	if err := opts.Quality.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	e := &Engine{db: db, ocr: pool, opts: opts, log: opts.Logger}
	e.mrz = opts.MRZ
	if e.mrz == nil {
		mopts := []mrz.Option{mrz.WithClock(opts.Now), mrz.WithLogger(opts.Logger)}
		if pool != nil {
			mopts = append(mopts, mrz.WithFallback(tesseractLines{pool}))
		}
		m, err := mrz.New(mopts...)
		if err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		e.mrz = m
	}
	return e, nil
}

// SideInput is one side's frames. A photo has only White; a light not
// captured is nil, and the checks that need it are "not done".
type SideInput struct {
	White, IR, UV image.Image
	// Scanner is true for frames from the device's own camera and lights.
	Scanner bool
	// Prepared, when set, is White already prepared (Engine.Prepare) by
	// this engine for the request's country code: recognition takes the
	// side up from there. Otherwise it is ignored and White prepared anew.
	Prepared *PreparedSide
}

// Input is one recognition request.
type Input struct {
	Front, Back *SideInput
	// CountryCode (ISO 3166-1 alpha-2) narrows the candidate types; ""
	// tries every type.
	CountryCode string
}

// Identification is a side identified from its white frame alone.
type Identification struct {
	// Type is the best type, nil when none fits.
	Type *typedb.Type
	P    float64
	Side typedb.SideName
	// Lights are the lighting schemes the type needs for reading and for
	// its authenticity checks.
	Lights lights.Mask
	UVExp  int
	// Corners are the document's corners in the frame, clockwise from
	// its top-left; nil when the whole frame was taken.
	Corners []image.Point
}

// minP is the p below which a side is taken as no known document.
const minP = 0.45

// timer collects stage timings.
type timer struct {
	mu  sync.Mutex
	out []StageTiming
	cb  func(Stage, typedb.SideName, time.Duration)
}

func (t *timer) since(s Stage, side typedb.SideName, t0 time.Time) {
	d := time.Since(t0)
	t.mu.Lock()
	t.out = append(t.out, StageTiming{Stage: s, Side: side, Duration: d})
	t.mu.Unlock()
	if t.cb != nil {
		t.cb(s, side, d)
	}
}

// side is the working state of one side through the stages.
type side struct {
	name    typedb.SideName // as given: "front" or "back"
	country string          // the request's country_code: its types are read first
	in      *SideInput
	white   *image.RGBA // the white frame, read-only: it may be the caller's
	outline locate.Outline
	found   bool
	work    *image.RGBA // white warped in outline order at workType's size
	workGy  *image.Gray // its luma
	workTyp *typedb.Type
	mrz     *mrz.Result
	mrzFlip bool
	cands   []identify.Candidate
	best    *identify.Candidate
	quality *quality.Report // in outline order: see side.oriented
	// otherMRZ are the further zones read where mrz was (a second
	// document photographed with the first), apart from it.
	otherMRZ []*mrz.Result

	// after warping to the identified type, oriented
	quad     imgutil.Quad
	hm       imgutil.Homography // final warp's pixel grid → white frame
	layers   layersOf
	mrzZone  *typedb.Rect // where the MRZ was read, oriented
	readings map[string]fieldReading
	zones    []ZoneView
	// the warped white side and its portrait, as the result's JPEGs:
	// encoded as soon as the side is read, while the other side may
	// still be
	jpeg, faceJPEG []byte

	prep *PreparedSide // what the white frame alone gave, shared
}

type layersOf struct{ white, ir, uv *image.RGBA }

// Identify identifies one side from its white frame: the scanner calls it
// first to learn which lights the document needs. Prepare does the same
// and keeps the work for the recognition.
func (e *Engine) Identify(ctx context.Context, white image.Image, country string) (*Identification, error) {
	p, err := e.Prepare(ctx, white, country)
	if err != nil {
		return nil, fmt.Errorf("pipeline: identify: %w", err)
	}
	return p.Identification(), nil
}

// candidates are the types to score for a country code.
func (e *Engine) candidates(country string) ([]*typedb.Type, error) {
	c, err := e.db.Candidates(country)
	if err != nil {
		// an unknown country narrows nothing
		e.log.Warn("unknown country code, trying every type", "country_code", country)
		return e.db.Types(), nil
	}
	return c, nil
}

// prepare runs decode, locate, MRZ and identify on one side; a side
// that nothing identifies and that carries no MRZ gets its page placed by
// its printed text (placeByText).
func (e *Engine) prepare(ctx context.Context, s *side, cands []*typedb.Type, tm *timer) error {
	if err := e.prepareFrame(ctx, s, cands, tm); err != nil {
		return err
	}
	if s.white == nil || s.white.Rect.Dx() < 32 || s.white.Rect.Dy() < 32 || s.mrz != nil || (s.best != nil && s.best.P >= minP && (s.found || identifiedWellShaped(s))) {
		return nil
	}
	return e.placeByText(ctx, s, cands, tm)
}

// identifiedWellShaped reports whether side s identified, on its outline
// or its whole frame, as a page of its type's shape. A whole frame (no
// outline found) that does is an image cropped to the document; one that
// identifies as a type of another shape shows the document's print among
// the desk around it, and its fields would be cut from the wrong places.
func identifiedWellShaped(s *side) bool {
	return s.best != nil && s.best.P >= minP && s.best.Evidence.Geometry >= wellShaped
}

// prepareFrame is prepare by the outlines the frame shows.
func (e *Engine) prepareFrame(ctx context.Context, s *side, cands []*typedb.Type, tm *timer) error {
	t0 := time.Now()
	s.white = imgutil.View(s.in.White)
	tm.since(StageDecode, s.name, t0)
	if s.white.Rect.Dx() < 32 || s.white.Rect.Dy() < 32 {
		return nil
	}

	t0 = time.Now()
	o, err := locate.Find(ctx, s.white)
	if err != nil && !errors.Is(err, locate.ErrNoDocument) {
		return err
	}
	tm.since(StageLocate, s.name, t0)
	if err == nil {
		if settled, err := e.settleOnEdges(ctx, s, cands, o, tm); err != nil || settled {
			return err
		}
	}
	if err := e.prepareOn(ctx, s, cands, o, err == nil, tm); err != nil {
		return err
	}
	if s.found && !s.outline.MRZ && s.mrz != nil && s.best != nil && s.best.Evidence.Geometry >= 0 && s.best.Evidence.Geometry < minGeometry {
		// an MRZ read on an outline no page of the type has the shape
		// of (glare took a corner, or the desk one side): the page
		// placed around the MRZ gets its chance, and the side is what
		// identifies better
		return e.tryOutline(ctx, s, cands, o, false, tm, func(other *side) bool {
			return other.outline.MRZ && other.best.P > s.best.P
		})
	}
	if !s.found && !s.outline.MRZ && !identifiedWellShaped(s) {
		// Nothing stood out at Otsu's threshold, and the whole frame is
		// no known side, or one of another shape (a card's print read on
		// a photo of the desk around it): a glare or shadow on the desk,
		// or a desk nearly the card's colour, may have joined the
		// document into a shape no document has. The outline a stricter
		// threshold parts from it is taken if it identifies better.
		// Failing that, a glare on the card itself may have eaten into
		// its region from an edge: the sides its border still traces
		// place it.
		for _, find := range []func(context.Context, *image.RGBA) (locate.Outline, error){locate.FindByStableDistance, locate.FindByTracedSides} {
			if identifiedWellShaped(s) {
				return nil
			}
			alt, err := find(ctx, s.white)
			if err != nil {
				continue
			}
			if err := e.tryOutline(ctx, s, cands, alt, true, tm, func(other *side) bool {
				return other.best.P >= minP && (s.best == nil || other.best.P > s.best.P)
			}); err != nil {
				return err
			}
		}
		return nil
	}
	if !s.found || s.outline.MRZ || identifiedWellShaped(s) {
		return nil
	}
	// An outline that identifies nothing, or only as a page of another
	// shape, may have lost a pale corner to the colour distance: the
	// outline the edges enclose gets its chance, and the side is what
	// identifies better. One that still identifies nothing may have lost
	// a shadowed corner: the outline the hue sets apart gets its chance
	// too (not for a side identified already, on a page of another shape:
	// a surer identification there read worse as often as better).
	tried := []imgutil.Quad{o.Quad}
	for i, find := range []func(context.Context, *image.RGBA) (locate.Outline, error){locate.FindByEdges, locate.FindByChroma} {
		identified := s.best != nil && s.best.P >= minP
		if identified && (i > 0 || s.best.Evidence.Geometry >= wellShaped) {
			return nil
		}
		alt, err := find(ctx, s.white)
		if err != nil || slices.ContainsFunc(tried, func(q imgutil.Quad) bool { return sameQuad(alt.Quad, q) }) {
			continue
		}
		tried = append(tried, alt.Quad)
		if err := e.tryOutline(ctx, s, cands, alt, true, tm, func(other *side) bool {
			return s.best == nil || other.best.P > s.best.P
		}); err != nil {
			return err
		}
	}
	return nil
}

// prepareWithoutMRZ is prepareOn's part before the MRZ search: the
// working warp, and for a side that may print no MRZ its identification.
// It reports the outline's aspect and whether the side was settled
// without an MRZ (settledWithoutMRZ); s.work is nil when the outline
// gives nothing to read.
func (e *Engine) prepareWithoutMRZ(ctx context.Context, s *side, cands []*typedb.Type, o locate.Outline, found bool, tm *timer) (aspect float64, settled bool, err error) {
	s.outline, s.found = o, found
	s.work = nil

	// the working warp: at the size of the candidate whose aspect is
	// nearest the outline's
	w, h := o.Quad.Sides()
	aspect = w / math.Max(h, 1)
	s.workTyp = nearestAspect(cands, aspect)
	if s.workTyp == nil {
		return aspect, false, nil
	}
	work, err := e.warp(s.white, o.Quad, s.workTyp)
	if err != nil {
		return aspect, false, nil // a degenerate outline: nothing to read
	}
	s.work, s.workGy = work, imgutil.Gray(work)
	if s.found && printsNoMRZ(cands, s.name, aspect) {
		if err := e.identifyOn(ctx, s, cands, o, aspect, tm); err != nil {
			return aspect, false, err
		}
		return aspect, settledWithoutMRZ(s.best), nil
	}
	return aspect, false, nil
}

// settleOnEdges tries, before outline o, the outline the edges enclose,
// when o is nearly but not quite the shape of a state's side that prints
// no MRZ (a Kazakh ID's front whose pale corner the colour distance lost)
// and that one is the shape. Prepared on o, such a side is searched for an
// MRZ on o and then in the whole frame (300–450 ms on a phone photo)
// before the edges' outline gets its chance and settles it. It reports
// whether s was settled there, without an MRZ search (settledWithoutMRZ);
// otherwise s is untouched.
func (e *Engine) settleOnEdges(ctx context.Context, s *side, cands []*typedb.Type, o locate.Outline, tm *timer) (bool, error) {
	w, h := o.Quad.Sides()
	if a := w / math.Max(h, 1); printsNoMRZ(cands, s.name, a) || !nearlyPrintsNoMRZ(cands, s.name, a) {
		return false, nil
	}
	t0 := time.Now()
	alt, err := locate.FindByEdges(ctx, s.white)
	tm.since(StageLocate, s.name, t0)
	if err != nil || sameQuad(alt.Quad, o.Quad) {
		return false, nil
	}
	if w, h = alt.Quad.Sides(); !printsNoMRZ(cands, s.name, w/math.Max(h, 1)) {
		return false, nil
	}
	other := side{name: s.name, country: s.country, in: s.in, white: s.white, prep: s.prep}
	if _, settled, err := e.prepareWithoutMRZ(ctx, &other, cands, alt, true, tm); err != nil || !settled {
		return false, err
	}
	*s = other
	s.best = &s.cands[0]
	return true, nil
}

// nearMissAspect is how far an outline's aspect may be from its page's
// when a corner was lost: 1.69 for a card of 1.59 (a phone photo's pale
// corner). A passport's data page (1.42) is farther from a card's.
const nearMissAspect = 0.15

// nearlyPrintsNoMRZ is printsNoMRZ for an outline within nearMissAspect
// of the type's shape.
func nearlyPrintsNoMRZ(cands []*typedb.Type, name typedb.SideName, aspect float64) bool {
	return noMRZSideFits(cands, name, func(t *typedb.Type) bool { return math.Abs(aspect-t.Aspect()) <= nearMissAspect })
}

// tryOutline prepares side s again on outline o (found: it stood out
// from a background) and keeps that preparation when it identified
// something and better says it is the better one.
func (e *Engine) tryOutline(ctx context.Context, s *side, cands []*typedb.Type, o locate.Outline, found bool, tm *timer, better func(other *side) bool) error {
	other := side{name: s.name, country: s.country, in: s.in, white: s.white}
	if err := e.prepareOn(ctx, &other, cands, o, found, tm); err != nil {
		return err
	}
	if other.best != nil && (readsMRZSurer(&other, s) || better(&other)) {
		other.prep = s.prep
		*s = other
		s.best = &s.cands[0]
	}
	return nil
}

// readsMRZSurer reports whether side a, identified, reads its MRZ surely
// and valid where b does not (none, unsure, or failing its check digits
// as read): the page whose zone reads whole is the one located right,
// whatever the rest identifies. A Hungarian passport photographed by
// another hand was outlined without its left edge, where the zone read
// as TD2 lines from "KE<<AGVES" identified about as well as the page
// the edges enclosed, whose zone read whole and valid.
func readsMRZSurer(a, b *side) bool {
	sure := func(s *side) bool { return s.mrz != nil && s.mrz.Status == mrz.StatusValid }
	return a.best != nil && a.best.P >= minP && sure(a) && !sure(b)
}

// minGeometry is the least geometry evidence (the outline's aspect
// against the type's; 0.1 is an aspect 0.1 off) of an outline taken as
// the page its MRZ lies on.
const minGeometry = 0.1

// wellShaped is the geometry evidence of an outline whose aspect is
// within about 0.06 of its type's: a page that fits worse was probably
// outlined wrong, however well its print identifies it.
const wellShaped = 0.5

// sameQuad reports whether two outlines' corners lie within 1 % of the
// first's diagonal of each other.
func sameQuad(a, b imgutil.Quad) bool {
	tol := 0.01 * math.Hypot(a[0].X-a[2].X, a[0].Y-a[2].Y)
	for _, p := range a {
		near := false
		for _, q := range b {
			near = near || math.Hypot(p.X-q.X, p.Y-q.Y) <= tol
		}
		if !near {
			return false
		}
	}
	return true
}

// prepareOn does the white frame's work on the outline o (found: it stood
// out from a background): the MRZ, else the page placed around one found
// in the whole frame, and the identification.
func (e *Engine) prepareOn(ctx context.Context, s *side, cands []*typedb.Type, o locate.Outline, found bool, tm *timer) error {
	aspect, settled, err := e.prepareWithoutMRZ(ctx, s, cands, o, found, tm)
	if err != nil || settled || s.work == nil {
		return err
	}
	identified := s.cands

	t0 := time.Now()
	// With no outline the working warp is the whole frame resampled to a
	// page's shape, and the frame is searched for an MRZ to place the
	// page around (below): read at its own resolution first, a valid
	// zone there anchors the page without reading the warp as well
	// (passporteye, real: 75 ms an image of the 250 ms of the stage).
	var frame *frameMRZ
	anchored := false
	if !s.found {
		if frame, err = e.readFrameMRZ(ctx, s); err != nil {
			return err
		}
		anchored = frame != nil && frame.res.Valid && e.anchorOnMRZ(s, cands, frame)
	}
	if !anchored {
		// one search gives the zone and any further ones: looking for
		// them apart would search the image twice
		res, others, err := e.mrz.ReadGrayOthers(ctx, s.workGy)
		switch {
		case err == nil:
			s.mrz, s.otherMRZ = res, others
			s.mrzFlip = res.Angle > 90 && res.Angle < 270
		case errors.Is(err, mrz.ErrNotFound):
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			e.log.Debug("mrz read failed", "err", err)
		}
	}
	tm.since(StageMRZ, s.name, t0)
	// no outline, no MRZ on it, or one far smaller than a page's: the
	// outline may be wrong (a booklet spread, the portrait, clutter) or
	// missing (cropped at the edge, light on light), so the MRZ is looked
	// for in the whole frame and the page placed around it
	t0 = time.Now()
	if anchored || !s.found || s.mrz == nil || mrzUndersized(s.mrz.Region, s.work.Rect) {
		if !anchored {
			if frame == nil && s.found {
				if frame, err = e.readFrameMRZ(ctx, s); err != nil {
					return err
				}
			}
			e.anchorOnMRZ(s, cands, frame)
		}
		o = s.outline
		w, h := o.Quad.Sides()
		aspect = w / math.Max(h, 1)
	} else if err := e.furtherMRZ(ctx, s); err != nil {
		// the whole frame was not searched: a second document may lie
		// beside this one
		return err
	}
	tm.since(StageMRZ, s.name, t0)
	if identified != nil && s.mrz == nil {
		// the frame held no MRZ either: the outline and what is read on
		// it are as they were when the side was identified
		return nil
	}
	return e.identifyOn(ctx, s, cands, o, aspect, tm)
}

// settledWithoutMRZ reports whether an outline identified as b is the
// side b names without an MRZ search: b identifies surely, and well
// shaped, as a state's side that prints no MRZ (a Kazakh ID's front), so
// neither the outline nor the whole frame is searched for an MRZ that is
// not there (the searches cost a front 100–300 ms). Not a generic TD1
// front: the captions that identify it are every ICAO document's, a
// visa's too, whose MRZ is on this side.
func settledWithoutMRZ(b *identify.Candidate) bool {
	return b != nil && b.P >= minP && !b.Type.Generic && b.Type.MRZFormat == typedb.MRZNone && b.Evidence.Geometry >= wellShaped
}

// printsNoMRZ reports whether a national type among cands, of the
// outline's shape, prints no MRZ on the named side: only then can an
// outline without an MRZ be that side before the frame is searched for
// one (identifying it first costs a passport's data page, which has
// another shape, a second identification).
func printsNoMRZ(cands []*typedb.Type, name typedb.SideName, aspect float64) bool {
	return noMRZSideFits(cands, name, func(t *typedb.Type) bool { return identify.Geometry(aspect, t) >= wellShaped })
}

// noMRZSideFits reports whether a national type among cands that prints
// no MRZ on the named side (any side for "") fits.
func noMRZSideFits(cands []*typedb.Type, name typedb.SideName, fits func(*typedb.Type) bool) bool {
	return slices.ContainsFunc(cands, func(t *typedb.Type) bool {
		return !t.Generic && t.MRZFormat == typedb.MRZNone && (name == "" || t.Side == name) && fits(t)
	})
}

// identifyOn identifies side s on outline o of the given aspect, with
// its MRZ as read so far.
func (e *Engine) identifyOn(ctx context.Context, s *side, cands []*typedb.Type, o locate.Outline, aspect float64, tm *timer) error {
	t0 := time.Now()
	obs := identify.Observation{Aspect: aspect, Outlined: s.found, Side: s.name, Country: s.country}
	if hm, err := imgutil.QuadToRect(o.Quad, identify.ThumbW, identify.ThumbH); err == nil {
		obs.Thumb = imgutil.Warp(s.white, hm, identify.ThumbW, identify.ThumbH)
	}
	if s.mrz != nil {
		r := s.mrz.Region
		ww, wh := float64(s.work.Rect.Dx()), float64(s.work.Rect.Dy())
		obs.MRZ, obs.MRZFlip = s.mrz, s.mrzFlip
		obs.MRZCentre = [2]float64{float64(r.Min.X+r.Max.X) / 2 / ww, float64(r.Min.Y+r.Max.Y) / 2 / wh}
	}
	var reader identify.AnchorReader
	if e.ocr != nil {
		ww, wh := s.work.Rect.Dx(), s.work.Rect.Dy()
		hm, err := imgutil.QuadToRect(o.Quad, float64(ww), float64(wh))
		if err != nil {
			return nil
		}
		white := s.white
		reader = func(ctx context.Context, band typedb.Rect, lineH float64, flip bool, lang string) (string, error) {
			g := cutBand(white, hm, ww, wh, band, lineH, flip)
			t, err := e.ocr.Read(ctx, g, ocr.Request{Languages: lang, Mode: ocr.PSMBlock})
			return t.Text, err
		}
	}
	s.cands = identify.Score(ctx, obs, cands, reader)
	if len(s.cands) > 0 {
		s.best = &s.cands[0]
	}
	tm.since(StageIdentify, s.name, t0)
	return nil
}

// cutBand returns the grey crop of a normalised band of the side that
// hm warps to a w×h grid, sampled from the frame finer where the print is
// small (lines of lineH side heights; labels are read best with capitals
// 25–40 px tall), turned upright when flip says the side lies upside
// down.
func cutBand(frame *image.RGBA, hm imgutil.Homography, w, h int, z typedb.Rect, lineH float64, flip bool) *image.Gray {
	if flip {
		z = typedb.Rect{1 - z[2], 1 - z[3], 1 - z[0], 1 - z[1]}
	}
	r := z.Pixels(w, h).Intersect(image.Rect(0, 0, w, h))
	scale := math.Max(1, math.Min(2.5, anchorHeight/math.Max(1, lineH*float64(h))))
	g := imgutil.WarpGray(frame, hm, r, scale)
	if flip {
		rotateGray180(g)
	}
	// anchors are read on even paper: a header printed on a tint, or
	// glare across the band, must not turn a whole region to ink
	return imgutil.FlattenPaper(g, flattenTile)
}

// anchorHeight is the height anchor zones are sampled at.
const anchorHeight = 44

// flattenTile is the tile FlattenPaper finds the paper in: wider than
// a stroke of anchorHeight capitals, narrower than a tint's edge is long.
const flattenTile = 32

func rotateGray180(g *image.Gray) {
	p := g.Pix
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := 0; y < (h+1)/2; y++ {
		for x := range w {
			y2, x2 := h-1-y, w-1-x
			if y2 < y || (y2 == y && x2 <= x) {
				continue
			}
			p[y*g.Stride+x], p[y2*g.Stride+x2] = p[y2*g.Stride+x2], p[y*g.Stride+x]
		}
	}
}

func nearestAspect(cands []*typedb.Type, aspect float64) *typedb.Type {
	var best *typedb.Type
	bd := math.Inf(1)
	for _, t := range cands {
		if d := math.Abs(t.Aspect() - aspect); d < bd {
			best, bd = t, d
		}
	}
	return best
}

// size is a type's side in pixels at the engine's resolution.
func (e *Engine) size(t *typedb.Type) (int, int) {
	return int(math.Round(t.SizeMM[0] * e.opts.PxPerMM)), int(math.Round(t.SizeMM[1] * e.opts.PxPerMM))
}

func (e *Engine) warp(img *image.RGBA, q imgutil.Quad, t *typedb.Type) (*image.RGBA, error) {
	w, h := e.size(t)
	hm, err := imgutil.QuadToRect(q, float64(w), float64(h))
	if err != nil {
		return nil, err
	}
	return imgutil.Warp(img, hm, w, h), nil
}

func round(p float64) float64 { return math.Round(p*1e4) / 1e4 }
