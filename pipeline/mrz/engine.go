package mrz

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docscan/docscan/pipeline/mrz/find"
	"github.com/docscan/docscan/pipeline/mrz/glyph"
)

// ErrNotFound is returned by Read when the image holds no readable MRZ.
var ErrNotFound = errors.New("mrz: no machine-readable zone found")

// LineReader reads one cut MRZ line: the candidates of each character,
// best first. wantLen is the number of characters expected (30, 36 or
// 44), or 0 to let the reader infer it. The engine reads the lines of a
// zone concurrently.
type LineReader interface {
	ReadLine(line *image.Gray, wantLen int) (LineReading, error)
}

// GlyphReader adapts the OCR-B glyph reader to LineReader.
type GlyphReader struct{ R *glyph.Reader }

// ReadLine implements LineReader.
func (g GlyphReader) ReadLine(line *image.Gray, wantLen int) (LineReading, error) {
	l, err := g.R.ReadLine(line, wantLen)
	if err != nil {
		return nil, err
	}
	out := make(LineReading, len(l.Chars))
	for i, c := range l.Chars {
		cands := make([]Candidate, len(c.Cands))
		for j, k := range c.Cands {
			cands[j] = Candidate{Char: k.Char, Prob: k.Prob}
		}
		if len(cands) > 0 {
			cands[0].Context = c.Context
		}
		out[i] = cands
	}
	return out, nil
}

// Result is an MRZ found and read in an image.
type Result struct {
	// Document is the zone after correction: its Lines are the lines as
	// printed, as far as reading and honest correction can tell.
	*Document
	// Read are the lines as the reader saw them, before correction.
	Read []string
	// Corrections lists every character the correction changed, and why.
	Corrections []Correction
	// Confidence is the reader's mean probability for the characters kept.
	Confidence float64
	// CharConfidence is, per line and character, the reader's probability
	// for the character kept; LineConfidence their mean per line.
	CharConfidence [][]float64
	LineConfidence []float64
	// Status says whether the zone can be trusted: StatusValid (read
	// surely, every check holds), StatusInvalid (read surely, and a check
	// digit fails as printed: a fraud signal) or StatusUnsure (a character
	// no holding check digit vouches for was read unsurely; Reason says
	// where). An unsure zone is no answer.
	Status Status
	Reason string
	// Angle is the reading direction in the image, degrees clockwise from
	// left-to-right (0 upright, 90 reading downwards, 180 upside down).
	Angle float64
	// Region is where the zone lies in the image.
	Region image.Rectangle
}

// Status is how far a read zone can be trusted.
type Status string

// Statuses of a read zone.
const (
	StatusValid   Status = "valid"
	StatusInvalid Status = "invalid"
	StatusUnsure  Status = "unsure"
)

// sureProb: a character the reader gave less than this, and that no
// holding check digit vouches for, makes the zone unsure. Set on rendered
// lines (TestUnsureOnRenderedDegradations), not on the evaluation sets.
const sureProb = 0.5

// Summary is the response's mrz object; it converts to
// pipeline.MRZSummary.
type Summary struct {
	Lines          []string
	Format         string
	Valid          bool
	Checks         map[string]bool
	Status         string
	Confidence     float64
	LineConfidence []float64
	CharConfidence [][]float64
	Warnings       []string
	Variant        string
}

// Summary returns the response's mrz object for r.
func (r *Result) Summary() Summary {
	checks := make(map[string]bool, len(r.Checks))
	for k, v := range r.Checks {
		checks[k] = v
	}
	var warn []string
	for _, w := range r.Warnings {
		warn = append(warn, w.String())
	}
	chars := make([][]float64, len(r.CharConfidence))
	for i, l := range r.CharConfidence {
		chars[i] = make([]float64, len(l))
		for j, c := range l {
			chars[i][j] = math.Round(c*1000) / 1000
		}
	}
	lines := make([]float64, len(r.LineConfidence))
	for i, c := range r.LineConfidence {
		lines[i] = math.Round(c*1000) / 1000
	}
	return Summary{
		Lines:          append([]string(nil), r.Lines...),
		Format:         r.Format.String(),
		Valid:          r.Valid,
		Checks:         checks,
		Status:         string(r.Status),
		Confidence:     math.Round(r.Confidence*1000) / 1000,
		LineConfidence: lines,
		CharConfidence: chars,
		Warnings:       warn,
		Variant:        r.Variant,
	}
}

// Engine finds, reads and verifies MRZs. It is safe for concurrent use.
type Engine struct {
	reader   LineReader
	finder   find.Finder
	now      func() time.Time
	log      *slog.Logger
	maxZones int
	fallback TextLineReader
}

// Option configures an Engine.
type Option func(*Engine)

// WithLineReader replaces the embedded OCR-B glyph reader.
func WithLineReader(r LineReader) Option { return func(e *Engine) { e.reader = r } }

// WithClock sets the clock dates are judged against (default time.Now).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// WithLogger sets the logger for timings and decisions; it never receives
// personal data.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// New returns an engine reading with the embedded glyph model unless an
// option says otherwise.
func New(opts ...Option) (*Engine, error) {
	e := &Engine{now: time.Now, log: slog.New(slog.DiscardHandler), maxZones: 4}
	for _, o := range opts {
		o(e)
	}
	if e.reader == nil {
		r, err := glyph.Default()
		if err != nil {
			return nil, fmt.Errorf("mrz: glyph model: %w", err)
		}
		e.reader = GlyphReader{r}
	}
	return e, nil
}

// Line-cut tuning.
const (
	// Lines are cut with their characters between cutMinHeight and
	// cutMaxHeight pixels tall: the glyph reader reads small print better
	// smoothly enlarged (measured on the passporteye set: 31 of 37 exact
	// at native size, 34 between 10 and 14 pixels), and larger is only
	// cost.
	cutMinHeight = 12
	cutMaxHeight = 32
	// uprightProb is the mean probability above which a zone's lines,
	// read one way, are not first tried the other way.
	uprightProb = 0.85
	// minLineProb: a zone whose first line reads less surely than this
	// both ways is not an MRZ.
	minLineProb = 0.5
	// minLineAspect: an MRZ line holds at least 30 OCR-B characters at a
	// pitch of about 1.1 character heights, so it is some 33 heights long
	// (the shortest read in the evaluation sets: 23.6). A zone with a
	// line under 15 cannot read as one, and is left unread.
	minLineAspect = 15
)

// Read finds the MRZ in img, reads and verifies it. It returns
// ErrNotFound when there is none it can read; a zone that is found and
// read but fails its checks is returned, with the failures reported.
func (e *Engine) Read(ctx context.Context, img image.Image) (*Result, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	return e.ReadGray(ctx, find.Gray(img))
}

// checkImage refuses what cannot be an image to search.
func checkImage(img image.Image) error {
	if img == nil {
		return fmt.Errorf("mrz: nil image")
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 || b.Dx()*b.Dy() > 100_000_000 {
		return fmt.Errorf("mrz: image of %dx%d: %w", b.Dx(), b.Dy(), ErrNotFound)
	}
	return nil
}

// search starts the finder's search of g.
func (e *Engine) search(ctx context.Context, g *image.Gray) (*find.Search, error) {
	search, err := e.finder.Search(ctx, g)
	if err != nil {
		if errors.Is(err, find.ErrEmpty) {
			return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return nil, fmt.Errorf("mrz: find: %w", err)
	}
	return search, nil
}

// ReadGray is Read for a grey image.
func (e *Engine) ReadGray(ctx context.Context, g *image.Gray) (*Result, error) {
	best, _, _, err := e.readGray(ctx, g, false)
	return best, err
}

// ReadGrayOthers is ReadGray that also returns the further zones of g (a
// second document photographed with the first), in the order found: each
// plausible by the rule the best zone passes, read surely (never
// StatusUnsure), and lying apart from the best zone and from each other.
// It searches once: the zones read while looking for the best count, and
// further zones are read only once the best is found, within the same
// budget of zones. The best zone is the one ReadGray returns.
func (e *Engine) ReadGrayOthers(ctx context.Context, g *image.Gray) (*Result, []*Result, error) {
	best, out, _, err := e.readGray(ctx, g, true)
	return best, out, err
}

// ReadGrayZones is ReadGrayOthers that also returns every candidate zone
// of g, as find.Finder{}.Find gives them, from the work its own search
// did (find.Search.Restart) rather than searching g again.
func (e *Engine) ReadGrayZones(ctx context.Context, g *image.Gray) (*Result, []*Result, []find.Zone, error) {
	best, out, search, err := e.readGray(ctx, g, true)
	if err != nil {
		return nil, nil, nil, err
	}
	var zones []find.Zone
	for s := search.Restart(); ; {
		z, ok, err := s.Next(ctx)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("mrz: find: %w", err)
		}
		if !ok {
			return best, out, zones, nil
		}
		zones = append(zones, z)
	}
}

// readGray is ReadGray, and ReadGrayOthers when others is set; it
// returns the search it made.
func (e *Engine) readGray(ctx context.Context, gray *image.Gray, others bool) (*Result, []*Result, *find.Search, error) {
	t0 := time.Now()
	search, err := e.search(ctx, gray)
	if err != nil {
		return nil, nil, nil, err
	}
	tFind := time.Since(t0)
	g := newPage(gray)
	var best *candidate
	var zones []find.Zone
	var read []*candidate // every zone read, for the further ones
	tried := 0
	for tried < e.maxZones {
		z, ok, err := search.Next(ctx)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("mrz: find: %w", err)
		}
		if !ok {
			break
		}
		tried++
		zones = append(zones, z)
		c, err := e.readZone(ctx, g, z)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, nil, ctx.Err()
			}
			continue
		}
		read = append(read, c)
		if best == nil || c.better(best) {
			best = c
		}
		if best.res.Valid {
			break
		}
	}
	if e.needsFallback(best) {
		c, err := e.readFallback(ctx, g, zones)
		if err != nil {
			return nil, nil, nil, err
		}
		if c != nil {
			best = c
		}
	}
	e.log.Debug("mrz read", "detect", tFind, "total", time.Since(t0), "zones", tried,
		"found", best != nil && best.plausible())
	if best == nil || !best.plausible() {
		return nil, nil, nil, ErrNotFound
	}
	if !others {
		return best.res, nil, search, nil
	}
	rest := make([]*candidate, 0, len(read))
	for _, c := range read {
		if c != best {
			rest = append(rest, c)
		}
	}
	out, err := e.further(ctx, g, search, best.res.Region, rest, e.maxZones-tried, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return best.res, out, search, nil
}

// ReadGrayFurther reads the zones of g away from the points skip sets
// aside (the part of the image already read: neither a line nor a zone
// centred there is looked at) as ReadGrayOthers reads its further zones:
// looking only at line candidates like an MRZ line's, without the
// sensitive second look, reading at most the engine's budget of zones,
// and returning those plausible, read surely and apart from each other.
// It returns none, and no error, when there are none.
func (e *Engine) ReadGrayFurther(ctx context.Context, g *image.Gray, skip func(x, y float64) bool) ([]*Result, error) {
	search, err := e.search(ctx, g)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if skip != nil {
		search.Ignore(skip)
	}
	return e.further(ctx, newPage(g), search, image.Rectangle{}, nil, e.maxZones, skip)
}

// further returns the zones apart from the region taken (empty for
// none) and from each other: first those of read, then those the search
// still holds, reading at most budget more. A zone lying on one already
// taken (the best zone's lines found again as a zone of their own), or
// centred where skip (when not nil) reports true, is not read.
func (e *Engine) further(ctx context.Context, g *page, search *find.Search, taken image.Rectangle, read []*candidate, budget int, skip func(x, y float64) bool) ([]*Result, error) {
	var seen []image.Rectangle
	if !taken.Empty() {
		seen = append(seen, taken)
	}
	apart := func(r image.Rectangle) bool {
		for _, t := range seen {
			if r.Overlaps(t) {
				return false
			}
		}
		return true
	}
	var out []*Result
	take := func(c *candidate) {
		if c.plausible() && c.res.Status != StatusUnsure && apart(c.res.Region) {
			seen = append(seen, c.res.Region)
			out = append(out, c.res)
		}
	}
	for _, c := range read {
		take(c)
	}
	search.Further()
	for budget > 0 {
		z, ok, err := search.Next(ctx)
		if err != nil {
			return nil, fmt.Errorf("mrz: find: %w", err)
		}
		if !ok {
			break
		}
		r := z.Bounds().Intersect(g.Bounds())
		if !apart(r) || (skip != nil && skip(float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2)) {
			continue
		}
		budget--
		if !e.readsLikeMRZ(g, z) {
			continue
		}
		c, err := e.readZone(ctx, g, z)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		take(c)
	}
	return out, nil
}

// readsLikeMRZ reports whether the first passes of zone z, one way up or
// the other, read two fillers in a row surely. Every MRZ prints "<<"
// between surname and given names, and most a longer run at a line's
// end; a visual zone's print, even clean sans capitals that the reader
// reads as surely as OCR-B, shows at most stray, unsure ones
// (TestFurtherZonesReadLikeAnMRZ). A further zone is read in full (told
// its length, each way up, a TD1's lost line looked for) only when it
// does: on a real ID card that full reading of two address lines cost
// 300 ms, its first passes 30 ms.
func (e *Engine) readsLikeMRZ(g *page, z find.Zone) bool {
	passes := e.firstPasses(g, z.Lines)
	if showsFillerRun(passes) {
		return true
	}
	// read surely this way up, it is print the right way up
	return zoneP(meanTop(passes[0].r), passes) < uprightProb && showsFillerRun(e.firstPasses(g, z.Rotated180().Lines))
}

// showsFillerRun reports whether a first pass read "<<", each filler
// with a probability of at least sureFiller.
func showsFillerRun(passes []firstPass) bool {
	filler := func(c []Candidate) bool { return len(c) > 0 && c[0].Char == '<' && c[0].Prob >= sureFiller }
	for _, fp := range passes {
		for i := 1; i < len(fp.r); i++ {
			if filler(fp.r[i-1]) && filler(fp.r[i]) {
				return true
			}
		}
	}
	return false
}

// sureFiller is the probability of a filler read surely: a chevron is
// the one MRZ glyph any print draws alike, and print read upside down or
// guilloches read as one only unsurely.
const sureFiller = 0.8

// ReadAll finds and reads every MRZ in img (a residence-permit collage,
// a photocopy of two documents), in the order found, each judged on its
// own. It returns ErrNotFound when there is none it can read.
func (e *Engine) ReadAll(ctx context.Context, img image.Image) ([]*Result, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	g := find.Gray(img)
	search, err := e.search(ctx, g)
	if err != nil {
		return nil, err
	}
	var out []*Result
	pg := newPage(g)
	for tried := 0; tried < 2*e.maxZones; tried++ {
		z, ok, err := search.Next(ctx)
		if err != nil {
			return nil, fmt.Errorf("mrz: find: %w", err)
		}
		if !ok {
			break
		}
		c, err := e.readZone(ctx, pg, z)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if !c.plausible() {
			continue
		}
		// The same zone found twice (its lines as two candidates) is one.
		dup := false
		for _, o := range out {
			if !c.res.Region.Intersect(o.Region).Empty() {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c.res)
		}
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return out, nil
}

// candidate is one zone read in one direction.
type candidate struct {
	res    *Result
	passed int
	total  int
}

func (c *candidate) better(o *candidate) bool {
	if p, q := c.plausible(), o.plausible(); p != q {
		return p
	}
	if c.res.Valid != o.res.Valid {
		return c.res.Valid
	}
	if c.passed != o.passed {
		return c.passed > o.passed
	}
	return c.res.Confidence > o.res.Confidence
}

// plausible tells an MRZ that fails checks from text that is no MRZ.
// A zone passes when most of its check digits hold, or when it was read
// confidently, has the layout its document code calls for and a real
// date of birth, and at least one check holds: an altered document must
// come back as an invalid MRZ, not as none.
func (c *candidate) plausible() bool {
	r := c.res
	// A zone read upside down, its chevrons as letters, can still make
	// some check digits hold by correction: its lines are no MRZ's if
	// the name line prints no filler (every one does: after the document
	// code, between the names or after them), or if, taken for the
	// French ID's, they do not start IDFRA.
	if names := nameLine(r.Format, len(r.Lines)); names >= 0 && !strings.Contains(r.Lines[names], "<") {
		return false
	}
	if r.Format == FrenchID && !codeFits(r.Document) {
		return false
	}
	if r.Valid || (c.passed >= 1 && 2*c.passed >= c.total && r.Confidence >= 0.6) {
		return true
	}
	if c.passed < 1 || r.Confidence < 0.9 || !codeFits(r.Document) || !r.BirthDate.Complete() {
		return false
	}
	for _, p := range r.Problems {
		if p.Field == fieldDateOfBirth || p.Field == fieldDateOfExpiry || p.Field == fieldSex {
			return false
		}
	}
	return true
}

// readZone reads zone z in the direction its first line reads best,
// then, unless that validates, in the other direction too.
func (e *Engine) readZone(ctx context.Context, g *page, z find.Zone) (*candidate, error) {
	for _, l := range z.Lines {
		if l.Length() < minLineAspect*l.Height {
			return nil, ErrNotFound
		}
	}
	// The lines' first readings do not depend on the zone's length or on
	// each other: they run together, so a zone costs about one line's
	// time on two cores. Only an upside-down zone wastes them.
	passes := e.firstPasses(g, z.Lines)
	c, err := e.readZoneShape(ctx, g, z, passes)
	if err == nil && c.res.Valid {
		return e.checkAlignment(ctx, g, z, c)
	}
	// Lines read several characters short of their format's length: the
	// finder stopped where a reflection or a fade made the print faint.
	// The lines are read again run on along their direction, told the
	// length, and that reading is kept only when it is read surely and
	// its check digits hold as read: a reading that a correction made
	// valid could be hiding a check digit that fails as printed.
	if ez, want, ok := extendShortLines(z, passes, g.Bounds()); ok {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ec, eerr := e.readZoneLinesWant(ctx, g, ez, e.firstPasses(g, ez.Lines), want); eerr == nil && ec.res.Status == StatusValid && !fixedByCheckDigit(ec.res) {
			return e.checkAlignment(ctx, g, ez, ec)
		}
	}
	return c, err
}

// readZoneShape is readZone on the zone's lines as the finder gave them.
func (e *Engine) readZoneShape(ctx context.Context, g *page, z find.Zone, passes []firstPass) (*candidate, error) {
	// Two lines of about 30 characters are a TD1 that lost a line (its
	// last line against the card's edge, merged with what lies beyond):
	// look for it a line's spacing below, then above.
	if len(z.Lines) == 2 && td1Length(passes[0]) && td1Length(passes[1]) {
		var best *candidate
		for _, ez := range td1Extensions(z, g.Bounds()) {
			c, err := e.readZone(ctx, g, ez)
			if err == nil && (best == nil || c.better(best)) {
				best = c
			}
			if best != nil && best.res.Valid {
				break
			}
		}
		if best != nil && best.res.Valid {
			return best, nil
		}
		// Not proven a TD1: read the two lines as they are, and keep the
		// better.
		c, err := e.readZoneLines(ctx, g, z, passes)
		if best != nil && (err != nil || best.better(c)) {
			return best, nil
		}
		return c, err
	}
	return e.readZoneLines(ctx, g, z, passes)
}

// readZoneLines is readZone once the lines' first passes are read.
func (e *Engine) readZoneLines(ctx context.Context, g *page, z find.Zone, passes []firstPass) (*candidate, error) {
	want := 0
	if len(z.Lines) == 3 {
		want = 30
	}
	return e.readZoneLinesWant(ctx, g, z, passes, want)
}

// readZoneLinesWant is readZoneLines with the line length given (0: the
// nearer of 36 and 44 to what the reader counts).
func (e *Engine) readZoneLinesWant(ctx context.Context, g *page, z find.Zone, passes []firstPass, want int) (*candidate, error) {
	// Direction: the first line one way, and the other way too unless the
	// zone's lines were read surely this way.
	flipped := z.Rotated180()
	first, firstP, firstWant, err := e.finishLine(passes[0], want)
	if err != nil {
		firstP = -1
	}
	order := []find.Zone{z, flipped}
	orderPasses := [][]firstPass{passes, nil}
	otherP := -1.0
	if zoneP(firstP, passes) < uprightProb {
		other, p, otherWant, err := e.finishLine(e.firstPass(g, flipped.Lines[0]), want)
		if err == nil {
			otherP = p
			if p > firstP {
				order = []find.Zone{flipped, z}
				orderPasses = [][]firstPass{nil, passes}
				first, firstWant = other, otherWant
				firstP, otherP = p, firstP
			}
		}
	}
	if firstP < minLineProb {
		return nil, ErrNotFound // print, but not OCR-B read either way
	}
	want = firstWant
	// An upside-down OCR-B line can read surely enough: unless the zone
	// validates, the other direction is read in full too, except when its
	// first line was read and clearly worse.
	if otherP >= 0 && otherP < 0.7*firstP {
		order = order[:1]
	}
	var best *candidate
	for i, oz := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var pre LineReading
		if i == 0 {
			pre = first
		}
		c, err := e.readLines(g, oz, want, pre, orderPasses[i])
		if err != nil {
			continue
		}
		if best == nil || c.better(best) {
			best = c
		}
		if best.res.Valid {
			break
		}
	}
	if best == nil {
		return nil, ErrNotFound
	}
	return best, nil
}

// checkAlignment reads a valid zone again with its lines run on to the
// zone's common extent when one of them was found a character or more
// short of the others at an end: an MRZ's lines start and end together,
// so the short one's cut may have left out a character the glare faded
// (a name line read "OKAEV" for TOKAEV, valid, since no check digit
// covers names; renderer varied, seed 6464). The aligned reading is
// taken when it is valid and sure; when it reads otherwise and is not,
// the zone is unsure.
func (e *Engine) checkAlignment(ctx context.Context, g *page, z find.Zone, c *candidate) (*candidate, error) {
	n := len(c.res.Lines[0])
	return e.realigned(ctx, g, z, c, func(az find.Zone) (*candidate, error) {
		return e.readZoneLinesWant(ctx, g, az, e.firstPasses(g, az.Lines), n)
	})
}

// realigned is checkAlignment with the zone read again by read.
func (e *Engine) realigned(ctx context.Context, g *page, z find.Zone, c *candidate, read func(find.Zone) (*candidate, error)) (*candidate, error) {
	az, ok := alignedZone(z, len(c.res.Lines[0]), g.Bounds())
	if !ok {
		return c, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ac, err := read(az)
	switch {
	case err == nil && slices.Equal(ac.res.Lines, c.res.Lines):
	case err == nil && ac.res.Status == StatusValid:
		return ac, nil
	default:
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.res.Status = StatusUnsure
		c.res.Reason = "read otherwise with its lines run on to the zone's width: a line found short may have lost a character"
	}
	return c, nil
}

// alignedZone returns z with every line run on to the earliest start and
// the latest end of its lines (along the first line's direction), and
// half a character beyond, when a line starts or ends at least a
// character (the longest line's length over n) inside the others.
func alignedZone(z find.Zone, n int, bounds image.Rectangle) (find.Zone, bool) {
	if len(z.Lines) < 2 || n <= 0 {
		return z, false
	}
	l0 := z.Lines[0]
	length := l0.Length()
	if length <= 0 {
		return z, false
	}
	ux, uy := (l0.P1.X-l0.P0.X)/length, (l0.P1.Y-l0.P0.Y)/length
	along := func(p find.Point) float64 { return (p.X-l0.P0.X)*ux + (p.Y-l0.P0.Y)*uy }
	first, last, longest := math.Inf(1), math.Inf(-1), 0.0
	for _, l := range z.Lines {
		first, last = min(first, along(l.P0)), max(last, along(l.P1))
		longest = max(longest, l.Length())
	}
	pitch := longest / float64(n)
	uneven := false
	for _, l := range z.Lines {
		uneven = uneven || along(l.P0)-first >= pitch || last-along(l.P1) >= pitch
	}
	if !uneven {
		return z, false
	}
	// run p on by d along the direction, backing off in tenths of the
	// margin (and then of d) until it lies inside the image
	runOn := func(p find.Point, d, margin float64) (find.Point, bool) {
		for k := 10; k >= -10; k-- {
			by := d + margin*float64(k)/10
			if k < 0 {
				by = d * float64(10+k) / 10
			}
			q := find.Point{X: p.X + by*ux, Y: p.Y + by*uy}
			if image.Pt(int(q.X), int(q.Y)).In(bounds) {
				return q, true
			}
		}
		return p, false
	}
	out := find.Zone{Score: z.Score}
	for _, l := range z.Lines {
		p0, ok0 := runOn(l.P0, first-along(l.P0), -pitch/2)
		p1, ok1 := runOn(l.P1, last-along(l.P1), pitch/2)
		if !ok0 || !ok1 {
			return z, false
		}
		out.Lines = append(out.Lines, find.Line{P0: p0, P1: p1, Height: l.Height})
	}
	return out, true
}

// extendShortLines returns z with its lines run on at both ends, within
// bounds, when the longest first reading is minShortBy to maxShortBy
// characters short of a format's length: 30 for three lines, 36 or 44
// for two. The margin
// beyond the missing characters lets the reader, told the length, find
// where the line begins.
func extendShortLines(z find.Zone, passes []firstPass, bounds image.Rectangle) (find.Zone, int, bool) {
	n := 0
	for _, fp := range passes {
		if fp.err != nil {
			return z, 0, false
		}
		n = max(n, len(fp.r))
	}
	var want int
	switch {
	case len(z.Lines) == 3 && n >= 30-maxShortBy && n <= 30-minShortBy:
		want = 30
	case len(z.Lines) == 2 && n >= 36-maxShortBy && n <= 36-minShortBy:
		want = 36
	case len(z.Lines) == 2 && n > 37 && n <= 44-minShortBy:
		want = 44
	default:
		return z, 0, false
	}
	out := find.Zone{Score: z.Score}
	for _, l := range z.Lines {
		length := l.Length()
		ux, uy := (l.P1.X-l.P0.X)/length, (l.P1.Y-l.P0.Y)/length
		by := float64(want-n+extendSpare) * length / float64(n)
		end := func(p find.Point, sign float64) find.Point {
			// back off in steps of a tenth until the end is inside
			for k := 10; k > 0; k-- {
				q := find.Point{X: p.X + sign*ux*by*float64(k)/10, Y: p.Y + sign*uy*by*float64(k)/10}
				if image.Pt(int(q.X), int(q.Y)).In(bounds) {
					return q
				}
			}
			return p
		}
		out.Lines = append(out.Lines, find.Line{P0: end(l.P0, -1), P1: end(l.P1, 1), Height: l.Height})
	}
	return out, want, true
}

// A zone's lines that read between minShortBy and maxShortBy characters
// short make extendShortLines look further (one or two short are a
// merged or lost character, which the reader told the length finds);
// extendSpare is how many characters' room it adds beyond them at each
// end.
const (
	minShortBy  = 3
	maxShortBy  = 10
	extendSpare = 2
)

// fixedByCheckDigit reports whether a check digit holds in r only
// because the corrector changed a character to make it hold.
func fixedByCheckDigit(r *Result) bool {
	return slices.ContainsFunc(r.Corrections, func(c Correction) bool { return c.Reason == "check digit" })
}

// td1Length reports whether a line's first reading has about a TD1
// line's 30 characters (not 36 or 44).
func td1Length(fp firstPass) bool { return fp.err == nil && len(fp.r) >= 27 && len(fp.r) <= 32 }

// td1Extensions returns z with a third line added a line's spacing below
// its last, and above its first, where that lies inside bounds.
func td1Extensions(z find.Zone, bounds image.Rectangle) []find.Zone {
	a, b := z.Lines[0], z.Lines[1]
	shift := func(l find.Line, dx0, dy0, dx1, dy1 float64) find.Line {
		return find.Line{P0: find.Point{X: l.P0.X + dx0, Y: l.P0.Y + dy0}, P1: find.Point{X: l.P1.X + dx1, Y: l.P1.Y + dy1}, Height: l.Height}
	}
	d0x, d0y := b.P0.X-a.P0.X, b.P0.Y-a.P0.Y
	d1x, d1y := b.P1.X-a.P1.X, b.P1.Y-a.P1.Y
	inside := func(l find.Line) bool {
		r := bounds.Inset(-int(l.Height / 2))
		return image.Pt(int(l.P0.X), int(l.P0.Y)).In(r) && image.Pt(int(l.P1.X), int(l.P1.Y)).In(r)
	}
	var out []find.Zone
	if below := shift(b, d0x, d0y, d1x, d1y); inside(below) {
		out = append(out, find.Zone{Lines: []find.Line{a, b, below}, Score: z.Score})
	}
	if above := shift(a, -d0x, -d0y, -d1x, -d1y); inside(above) {
		out = append(out, find.Zone{Lines: []find.Line{above, a, b}, Score: z.Score})
	}
	return out
}

// zoneP is the mean sureness of a zone's lines read one way: the first
// line's finished reading, the others' first passes.
func zoneP(firstP float64, passes []firstPass) float64 {
	sum := max(firstP, 0)
	for _, fp := range passes[1:] {
		if fp.err == nil {
			sum += meanTop(fp.r)
		}
	}
	return sum / float64(len(passes))
}

// firstPass is a line's cut and its reading with the length left to
// the reader.
type firstPass struct {
	img  *image.Gray
	r    LineReading
	err  error
	line *lineWork // where readings told a length are kept; nil: nowhere
}

// page is an image being read, with the cuts and readings of its lines
// kept: a line is read in several passes (a zone each way up, a TD1's
// two lines again with a third, the fallback's look for fillers, the
// further zones), and the same cut reads the same each time.
type page struct {
	*image.Gray
	mu    sync.Mutex
	lines map[find.Line]*lineWork
}

// lineWork is one line's cut and readings.
type lineWork struct {
	once sync.Once
	fp   firstPass
	mu   sync.Mutex
	told map[int]toldReading // by the length the reader was told
}

type toldReading struct {
	r   LineReading
	err error
}

func newPage(g *image.Gray) *page { return &page{Gray: g, lines: map[find.Line]*lineWork{}} }

// line is l's work on g, made on first use.
func (g *page) line(l find.Line) *lineWork {
	g.mu.Lock()
	defer g.mu.Unlock()
	w, ok := g.lines[l]
	if !ok {
		w = &lineWork{}
		g.lines[l] = w
	}
	return w
}

func (e *Engine) firstPass(g *page, l find.Line) firstPass {
	w := g.line(l)
	w.once.Do(func() {
		img := find.Cut(g.Gray, l, cutMinHeight, cutMaxHeight)
		r, err := e.reader.ReadLine(img, 0)
		w.fp = firstPass{img: img, r: r, err: err, line: w}
	})
	return w.fp
}

// readTold reads the line's cut told its length, once per length.
func (e *Engine) readTold(fp firstPass, want int) (LineReading, error) {
	w := fp.line
	if w == nil {
		return e.reader.ReadLine(fp.img, want)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.told[want]; ok {
		return t.r, t.err
	}
	r, err := e.reader.ReadLine(fp.img, want)
	if w.told == nil {
		w.told = map[int]toldReading{}
	}
	w.told[want] = toldReading{r, err}
	return r, err
}

// firstPasses runs firstPass on every line at once.
func (e *Engine) firstPasses(g *page, lines []find.Line) []firstPass {
	out := make([]firstPass, len(lines))
	var wg sync.WaitGroup
	for i := 1; i < len(lines); i++ {
		wg.Go(func() { out[i] = e.firstPass(g, lines[i]) })
	}
	out[0] = e.firstPass(g, lines[0])
	wg.Wait()
	return out
}

// finishLine completes a line's reading. The reader first counts the
// characters itself; when that is not the length the zone needs (junk
// at an end, a character lost), it reads again told the length. With
// want 0 the length is the nearer of 36 and 44.
func (e *Engine) finishLine(fp firstPass, want int) (LineReading, float64, int, error) {
	r, err := fp.r, fp.err
	if err != nil && want == 0 {
		return nil, 0, 0, err
	}
	if want == 0 {
		n := len(r)
		if n < 28 || n > 54 {
			return nil, 0, 0, fmt.Errorf("mrz: a line of %d characters", n)
		}
		want = 36
		if n > 40 {
			want = 44
		}
	}
	if err != nil || len(r) != want {
		r, err = e.readTold(fp, want)
		if err != nil {
			return nil, 0, want, err
		}
		if len(r) != want {
			return nil, 0, want, fmt.Errorf("mrz: read %d characters, want %d", len(r), want)
		}
	}
	return r, meanTop(r), want, nil
}

// readLines reads all lines of z (the first already read as pre, if not
// nil; the first passes of all, if not nil) and corrects them.
func (e *Engine) readLines(g *page, z find.Zone, want int, pre LineReading, passes []firstPass) (*candidate, error) {
	lines := make([]LineReading, len(z.Lines))
	for i, l := range z.Lines {
		if i == 0 && pre != nil {
			lines[0] = pre
			continue
		}
		var fp firstPass
		if passes != nil {
			fp = passes[i]
		} else {
			fp = e.firstPass(g, l)
		}
		r, _, w, err := e.finishLine(fp, want)
		if err != nil {
			return nil, err
		}
		lines[i], want = r, w
	}
	res, err := resultOf(lines, e.now())
	if err != nil {
		return nil, err
	}
	res.Angle = math.Round(z.Angle()*10) / 10
	res.Region = z.Bounds().Intersect(g.Bounds())
	return &candidate{res: res, passed: countValid(res.Checks), total: len(res.Checks)}, nil
}

// resultOf corrects and judges a zone's readings.
func resultOf(lines []LineReading, now time.Time) (*Result, error) {
	doc, fixes, err := Correct(lines, now)
	if err != nil {
		return nil, err
	}
	read := make([]string, len(lines))
	for i, l := range lines {
		read[i] = l.Text()
	}
	res := &Result{Document: doc, Read: read, Corrections: fixes}
	res.judge(lines)
	return res, nil
}

func meanTop(l LineReading) float64 {
	if len(l) == 0 {
		return 0
	}
	s := 0.0
	for _, c := range l {
		if len(c) > 0 {
			s += float64(c[0].Prob)
		}
	}
	return s / float64(len(l))
}

// judge sets the result's confidences and status from the readings.
func (r *Result) judge(lines []LineReading) {
	r.CharConfidence = make([][]float64, len(lines))
	r.LineConfidence = make([]float64, len(lines))
	vouched := map[[2]int]bool{}
	for _, cd := range checksOf(r.Format, r.Lines) {
		if !cd.holds(textOf(r.Lines)) {
			continue
		}
		at := append(positionsOf(cd.data, nil), [2]int{cd.digit.line, cd.digit.start})
		if !holdingProves(lines, r.Lines, at) {
			continue
		}
		for _, p := range at {
			vouched[p] = true
		}
	}
	for _, at := range r.nameFillers {
		vouched[at] = true
	}
	// A layout whose document code can start with one letter only (P for
	// TD3, V for visas) and whose checks all hold vouches for that letter.
	if c := codeClass(r.Format); r.Valid && (c == classCodeP || c == classCodeV) {
		vouched[[2]int{0, 0}] = true
	}
	total, n := 0.0, 0
	var unsure []string
	for li, l := range lines {
		r.CharConfidence[li] = make([]float64, len(l))
		sum := 0.0
		for i := range l {
			kept := r.Lines[li][i]
			p := probOf(l[i], kept)
			if at := [2]int{li, i}; !vouched[at] && len(l[i]) > 0 {
				// A character no holding check proves, kept other than as
				// the reader saw it (a digit given as its look-alike
				// letter in a name), is only as sure as the reader was of
				// it — except O for 0 and 0 for O, which many printers
				// draw alike.
				p = keptProb(l[i], kept)
			}
			r.CharConfidence[li][i] = p
			sum += p
			if p < sureProb && !vouched[[2]int{li, i}] {
				unsure = append(unsure, fmt.Sprintf("line %d position %d", li+1, i+1))
			}
		}
		r.LineConfidence[li] = sum / float64(max(len(l), 1))
		total += sum
		n += len(l)
	}
	r.Confidence = total / float64(max(n, 1))
	// A state code that is no known code, but would be one with a digit
	// read as its look-alike letter (UT0, UTO): the reader's O-or-0 is the
	// only evidence, and no check digit vouches for it. Reported as read,
	// and not as sure.
	for _, fd := range layoutOf(r.Format).fields {
		if fd.name != fieldIssuingState && fd.name != fieldNationality {
			continue
		}
		code := []byte(r.Lines[fd.at.line][fd.at.start:fd.at.end])
		if fillerBeforeLetter(string(code)) {
			// codes are letters filled out at the end (D<<): a filler
			// first is a line read a character early ("IP<AUSCITIZEN",
			// a border read as I, gave the state "<AU" and the name
			// SCITIZEN, valid, since no check digit covers either)
			unsure = append(unsure, fmt.Sprintf("the %s %q, a filler before a letter", fd.name, string(code)))
			continue
		}
		if KnownCode(trimFiller(string(code))) {
			continue
		}
		if r.Valid && slices.ContainsFunc(r.CharConfidence[fd.at.line][fd.at.start:fd.at.end], func(p float64) bool { return p < sureLevel }) {
			// The check digits vouch for the rest of a valid zone, but
			// none covers a state code: a code that is no known code
			// and was read in doubt rests on that doubt alone ("MLD",
			// its M read at 0.57, for a Dutch passport's NLD).
			unsure = append(unsure, fmt.Sprintf("the %s %q, no known code, read in doubt", fd.name, string(code)))
			continue
		}
		for k, c := range code {
			if to, ok := toLetter[c]; ok {
				code[k] = to
			}
		}
		if KnownCode(trimFiller(string(code))) {
			unsure = append(unsure, fmt.Sprintf("the %s %q", fd.name, r.Lines[fd.at.line][fd.at.start:fd.at.end]))
		}
	}
	for _, name := range r.misreadExplains {
		if !r.Checks[name] {
			unsure = append(unsure, fmt.Sprintf("the %s check digit, which fails as read but would hold with characters the reader doubted", name))
		}
	}
	switch {
	case len(unsure) > 0:
		r.Status = StatusUnsure
		if len(unsure) > 3 {
			unsure = append(unsure[:3], fmt.Sprintf("%d more", len(unsure)-3))
		}
		r.Reason = "read unsurely at " + strings.Join(unsure, ", ")
	case r.Valid:
		r.Status = StatusValid
	default:
		r.Status = StatusInvalid
	}
}

// fillerBeforeLetter reports whether code has a filler before a letter
// or digit.
func fillerBeforeLetter(code string) bool {
	i := strings.IndexByte(code, '<')
	return i >= 0 && strings.Trim(code[i:], "<") != ""
}

// misreadHolds is how often a check digit holds on a field misread:
// one time in ten.
const misreadHolds = 0.1

// holdingProves reports whether a check that holds on the kept
// characters at its places proves them read right: whether, with the
// reader's probabilities for them (those it read at sureLevel or more
// counted as sure) and the one-in-ten chance that a misread holds too,
// the reading is more likely right than a misread. A field read with
// many places in doubt (a font the glyph model was not trained on, a 9
// read B, a 3 read 8) holds by chance one time in ten, and proves
// nothing.
func holdingProves(lines []LineReading, kept []string, at [][2]int) bool {
	p := 1.0
	for _, a := range at {
		l := lines[a[0]]
		if a[1] >= len(l) || len(l[a[1]]) == 0 {
			continue
		}
		if q := keptProb(l[a[1]], kept[a[0]][a[1]]); q < sureLevel {
			p *= q
		}
	}
	return p >= misreadHolds*(1-p)
}

// ReadSurely reports whether the zone was read whole and surely: every
// character at sureLevel or more, so none lay hidden (under glare, say)
// or was guessed. False for a nil result.
func (r *Result) ReadSurely() bool {
	if r == nil || r.Status == StatusUnsure || len(r.CharConfidence) == 0 {
		return false
	}
	for _, line := range r.CharConfidence {
		if slices.ContainsFunc(line, func(p float64) bool { return p < sureLevel }) {
			return false
		}
	}
	return true
}

// sureLevel: a character read at this probability or more is taken as
// read when weighing what a holding check proves.
const sureLevel = 0.9

// keptProb is the reader's probability for the character kept at a
// place: as probOf, except that a character kept other than as the
// reader saw it, and not as the O-or-0 twin of what it saw, is only as
// likely as the reader listed it.
func keptProb(cands []Candidate, kept byte) float64 {
	p := probOf(cands, kept)
	if top := cands[0].Char; top != kept {
		if twin, _ := twinOf(top); twin != kept {
			p = probListed(cands, kept)
		}
	}
	return p
}

func textOf(lines []string) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out
}
