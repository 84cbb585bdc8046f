package pipeline

import (
	"context"
	"fmt"
	"image"
	"math"
	"sync"
	"time"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/locate"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/mrz/find"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

// PreparedSide is one side taken as far as its white frame allows: found,
// its MRZ read, its type identified, and (once ReadVisualZone has run, or
// a recognition needed it) warped to its type with its visual zone read.
// The scanner prepares a side from its white frame, reads the visual
// zone while it captures the lights the type needs, then passes the side
// back in SideInput.Prepared, so recognition only adds what depends on
// those lights. It is safe for concurrent use and may serve several
// recognitions (a scanned side, then the document it is joined to).
type PreparedSide struct {
	e       *Engine
	country string
	base    side // decode, locate, MRZ and identify; read-only once prepared
	tm      *timer

	mu    sync.Mutex
	reads map[readKey]*readEntry
}

// readKey is the type and orientation a side was read as.
type readKey struct {
	typ  *typedb.Type
	flip bool
}

// sideRead is the white frame warped to a type, right way up, and the
// visual zone read on it.
type sideRead struct {
	quad     imgutil.Quad
	hm       imgutil.Homography // the warped grid → the white frame
	white    *image.RGBA
	readings []vz.Reading
}

// readEntry is one read, done or under way: whoever needs it while it
// runs waits for it rather than reading the zone twice.
type readEntry struct {
	done chan struct{}
	r    *sideRead
	err  error
}

// Prepare decodes, locates, reads the MRZ of and identifies one side from
// its white frame, for the country code given ("" tries every type).
func (e *Engine) Prepare(ctx context.Context, white image.Image, country string) (*PreparedSide, error) {
	if white == nil {
		return nil, fmt.Errorf("pipeline: prepare: %w", ErrNoInput)
	}
	cands, err := e.candidates(country)
	if err != nil {
		return nil, err
	}
	return e.prepareSide(ctx, white, country, cands, "")
}

// prepareSide is Prepare for a side the request names.
func (e *Engine) prepareSide(ctx context.Context, white image.Image, country string, cands []*typedb.Type, name typedb.SideName) (*PreparedSide, error) {
	p := &PreparedSide{e: e, country: country, tm: &timer{cb: e.opts.OnStage}}
	p.base = side{name: name, country: country, in: &SideInput{White: white}}
	if err := e.prepare(ctx, &p.base, cands, p.tm); err != nil {
		return nil, err
	}
	t0 := time.Now()
	p.base.quality = e.assess(&p.base)
	p.tm.since(StageQuality, name, t0)
	return p, nil
}

// Quality is the side's image quality, its glare the way the type it
// was identified as alone reads.
func (p *PreparedSide) Quality() *quality.Report {
	return p.base.oriented()
}

// Identification is what the white frame told of the side alone.
func (p *PreparedSide) Identification() *Identification {
	s := &p.base
	id := &Identification{}
	if s.found {
		id.Corners = s.outline.Quad.Points()
	}
	if s.best == nil || s.best.P < minP {
		return id
	}
	t := s.best.Type
	id.Type, id.P, id.Side = t, round(s.best.P), t.Side
	id.Lights = t.NecessaryLights | t.AuthenticityNecessaryLights
	id.UVExp = t.UVExp
	if s.found {
		q := s.outline.Quad
		if s.best.Flip {
			q = q.Rotate(2)
		}
		id.Corners = q.Points()
	}
	return id
}

// ReadVisualZone warps the side to the type it was identified as alone
// (the generic type of its MRZ's format when nothing fitted better) and
// reads its visual zone, so that a recognition taking the side up later
// finds it done. A side of no known type has nothing to read.
func (p *PreparedSide) ReadVisualZone(ctx context.Context) error {
	return p.readAlone(ctx, "")
}

// readAlone is ReadVisualZone with the stage times under the side's
// name.
func (p *PreparedSide) readAlone(ctx context.Context, name typedb.SideName) error {
	s := p.workingSide(name, p.base.in)
	decideSide(s)
	if s.best == nil {
		return nil
	}
	_, err := p.read(ctx, s.best.Type, s.best.Flip, name)
	return err
}

// usableBy reports whether a recognition by e for country may take the
// side up: types and candidates belong to one engine's database.
func (p *PreparedSide) usableBy(e *Engine, country string) bool {
	return p != nil && p.e == e && p.country == country
}

// workingSide is a fresh copy of the prepared state for one recognition
// of the side's frames in, which then decides, warps and reads on its own
// copy.
func (p *PreparedSide) workingSide(name typedb.SideName, in *SideInput) *side {
	s := &side{name: name, in: in, white: p.base.white, outline: p.base.outline, found: p.base.found,
		work: p.base.work, workGy: p.base.workGy, workTyp: p.base.workTyp, mrz: p.base.mrz, mrzFlip: p.base.mrzFlip, otherMRZ: p.base.otherMRZ,
		cands: append(p.base.cands[:0:0], p.base.cands...), prep: p, quality: p.base.quality}
	if len(s.cands) > 0 {
		s.best = &s.cands[0]
	}
	return s
}

// read returns the side warped to t (upside down when flip) and its
// visual zone read, reading it once however many ask.
func (p *PreparedSide) read(ctx context.Context, t *typedb.Type, flip bool, name typedb.SideName) (*sideRead, error) {
	k := readKey{t, flip}
	for {
		p.mu.Lock()
		if p.reads == nil {
			p.reads = map[readKey]*readEntry{}
		}
		en, ok := p.reads[k]
		if !ok {
			en = &readEntry{done: make(chan struct{})}
			p.reads[k] = en
			p.mu.Unlock()
			en.r, en.err = p.e.readSide(ctx, &p.base, t, flip, name, p.tm)
			if en.err != nil {
				// a failed read (a cancelled request) is not kept: the
				// next recognition tries again
				p.mu.Lock()
				delete(p.reads, k)
				p.mu.Unlock()
			}
			close(en.done)
			return en.r, en.err
		}
		p.mu.Unlock()
		select {
		case <-en.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if en.err == nil {
			return en.r, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// readSide warps the white frame of s to t, right way up, and reads the
// visual zone's response fields on it.
func (e *Engine) readSide(ctx context.Context, s *side, t *typedb.Type, flip bool, name typedb.SideName, tm *timer) (*sideRead, error) {
	t0 := time.Now()
	q := s.outline.Quad
	if flip {
		q = q.Rotate(2)
	}
	w, h := e.size(t)
	r := &sideRead{quad: q}
	var err error
	if r.hm, err = imgutil.QuadToRect(q, float64(w), float64(h)); err != nil {
		return nil, fmt.Errorf("pipeline: warp: %w", err)
	}
	switch {
	case s.work != nil && s.work.Rect.Dx() == w && s.work.Rect.Dy() == h && flip:
		r.white = imgutil.Rotate180(s.work)
	case s.work != nil && s.work.Rect.Dx() == w && s.work.Rect.Dy() == h:
		r.white = s.work
	default:
		r.white = imgutil.Warp(s.white, r.hm, w, h)
	}
	tm.since(StageWarp, name, t0)

	if e.ocr == nil {
		return r, nil
	}
	t0 = time.Now()
	vs := vzSideOf(r.white, s.white, r.hm, t, s.mrz)
	if r.white == s.work {
		vs.Gray = s.workGy
	}
	r.readings = vz.ReadFields(ctx, e.ocr, []vz.Side{vs}, responseFields)[0]
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tm.since(StageVZ, name, t0)
	return r, nil
}

// timings returns the side's stage timings so far.
func (p *PreparedSide) timings() []StageTiming {
	p.tm.mu.Lock()
	defer p.tm.mu.Unlock()
	return append([]StageTiming(nil), p.tm.out...)
}

// mrzUndersized reports whether an MRZ read on the working warp spans
// less of it than any ICAO page's MRZ spans of its page (about 0.9): the
// outline held more than the page.
func mrzUndersized(mrzRegion, work image.Rectangle) bool {
	return math.Max(float64(mrzRegion.Dx())/float64(work.Dx()), float64(mrzRegion.Dy())/float64(work.Dy())) < 0.6
}

// frameMRZ is the MRZ read in a side's whole white frame, with every
// zone the search found there.
type frameMRZ struct {
	res    *mrz.Result
	others []*mrz.Result
	zones  []find.Zone
}

// readFrameMRZ reads the MRZ in the whole white frame of s; nil when
// there is none.
func (e *Engine) readFrameMRZ(ctx context.Context, s *side) (*frameMRZ, error) {
	// the zones of the frame come from the same search: searching it
	// again cost some 40 ms a photo
	res, others, zones, err := e.mrz.ReadGrayZones(ctx, imgutil.Gray(s.white))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, nil
	}
	return &frameMRZ{res, others, zones}, nil
}

// anchorOnMRZ places the page of s around the MRZ read in its whole white
// frame (fr: nil for none) by ICAO 9303's geometry (locate.FromMRZ): the
// side's outline, working warp and MRZ become the page's. It reports
// whether it did; a frame with no MRZ, or one read worse than the MRZ s
// already holds, leaves s as it was.
func (e *Engine) anchorOnMRZ(s *side, cands []*typedb.Type, fr *frameMRZ) bool {
	if fr == nil {
		return false
	}
	res, others := fr.res, fr.others
	if s.mrz != nil && s.mrz.Valid && !res.Valid {
		// the whole frame, cut coarser, read worse than the outline did
		return false
	}
	z, ok := zoneOf(fr.zones, res)
	if !ok {
		return false
	}
	o, zone, err := locate.FromMRZ(z, res.Format.String())
	if err != nil {
		e.log.Debug("mrz anchors no page", "err", err)
		return false
	}
	w, h := o.Quad.Sides()
	t := nearestAspect(cands, w/math.Max(h, 1))
	if t == nil {
		return false
	}
	work, err := e.warp(s.white, o.Quad, t)
	if err != nil {
		return false
	}
	s.outline, s.found, s.workTyp, s.work = o, true, t, work
	s.workGy = imgutil.Gray(work)
	// the MRZ as read, placed on the upright page
	m := *res
	m.Angle = 0
	ww, wh := float64(work.Rect.Dx()), float64(work.Rect.Dy())
	m.Region = image.Rect(int(zone[0]*ww), int(zone[1]*wh), int(math.Ceil(zone[2]*ww)), int(math.Ceil(zone[3]*wh)))
	s.mrz, s.mrzFlip = &m, false
	// the whole frame's further zones: those of the outline dropped lay
	// within it, and are among them
	s.otherMRZ = others
	return true
}

// maxOutlineShare: a frame whose document outline covers more of it than
// this has no room beside the document for a second one's MRZ (a TD1
// card is under a third of a passport page's spread), and is not
// searched outside the outline.
const maxOutlineShare = 0.75

// furtherMRZ adds to the further zones of s those that lie outside its
// outline (another document photographed beside it), when the frame has
// room for one there. It looks only for clear zones (mrz.ReadGrayFurther):
// it costs about a third of reading the document's own.
func (e *Engine) furtherMRZ(ctx context.Context, s *side) error {
	q := s.outline.Quad
	if quadArea(q) > maxOutlineShare*float64(s.white.Rect.Dx()*s.white.Rect.Dy()) {
		return nil
	}
	others, err := e.mrz.ReadGrayFurther(ctx, imgutil.Gray(s.white), func(x, y float64) bool {
		// the outline's own zones were read on its warp
		return quadContains(q, x, y)
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.log.Debug("further mrz read failed", "err", err)
		return nil
	}
	s.otherMRZ = append(s.otherMRZ, others...)
	return nil
}

// quadArea is the area a quad encloses.
func quadArea(q imgutil.Quad) float64 {
	a := 0.0
	for i := range q {
		p, n := q[i], q[(i+1)%4]
		a += p.X*n.Y - n.X*p.Y
	}
	return math.Abs(a) / 2
}

// quadContains reports whether (x, y) lies inside the convex quad q,
// whichever way round its corners run.
func quadContains(q imgutil.Quad, x, y float64) bool {
	pos, neg := false, false
	for i := range q {
		p, n := q[i], q[(i+1)%4]
		c := (n.X-p.X)*(y-p.Y) - (n.Y-p.Y)*(x-p.X)
		pos, neg = pos || c > 0, neg || c < 0
	}
	return !(pos && neg)
}

// zoneOf is the zone of zones that res was read from: the one that
// overlaps its region most, turned to read as res read it.
func zoneOf(zones []find.Zone, res *mrz.Result) (find.Zone, bool) {
	best, bi := 0.0, -1
	for i, z := range zones {
		r := z.Bounds().Intersect(res.Region)
		u := z.Bounds().Union(res.Region)
		if u.Empty() {
			continue
		}
		if iou := float64(r.Dx()*r.Dy()) / float64(u.Dx()*u.Dy()); iou > best {
			best, bi = iou, i
		}
	}
	if bi < 0 || best < 0.5 {
		return find.Zone{}, false
	}
	z := zones[bi]
	if d := math.Mod(z.Angle()-res.Angle+720, 360); d > 90 && d < 270 {
		z = z.Rotated180()
	}
	return z, true
}
