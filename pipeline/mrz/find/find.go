// Package find locates machine-readable zones in photos and scans and
// cuts out their lines. It works on a reduced grey copy to find
// line-like bands of dark print at any of the four orientations and a
// skew of up to ~35°, follows each band's neighbours at a working scale to
// tell the 2 or 3 lines of an MRZ, and cuts each line, deskewed, from the
// full-resolution image. It reads nothing: which zone and which of its two
// reading directions is right is for the reader to decide.
package find

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math"
	"slices"
)

// ErrEmpty is returned for an image too small to hold an MRZ.
var ErrEmpty = errors.New("find: image too small")

// Point is a position in image pixels.
type Point struct{ X, Y float64 }

// Line is one text line of a zone: its centre line from the first
// character's left edge (P0) to the last's right edge (P1), in reading
// direction, and its character height, all in image pixels.
type Line struct {
	P0, P1 Point
	Height float64
}

// Length returns the distance from P0 to P1.
func (l Line) Length() float64 { return math.Hypot(l.P1.X-l.P0.X, l.P1.Y-l.P0.Y) }

// Zone is a candidate MRZ: its lines top to bottom when read along
// P0→P1.
type Zone struct {
	Lines []Line
	Score float64
}

// Rotated180 returns the zone read the other way round.
func (z Zone) Rotated180() Zone {
	out := Zone{Score: z.Score, Lines: make([]Line, len(z.Lines))}
	for i, l := range z.Lines {
		out.Lines[len(z.Lines)-1-i] = Line{P0: l.P1, P1: l.P0, Height: l.Height}
	}
	return out
}

// Angle returns the reading direction of the zone's first line in
// degrees, clockwise from left-to-right: 0 upright, 90 reading downwards,
// 180 upside down, 270 reading upwards.
func (z Zone) Angle() float64 {
	if len(z.Lines) == 0 {
		return 0
	}
	l := z.Lines[0]
	a := math.Atan2(l.P1.Y-l.P0.Y, l.P1.X-l.P0.X) * 180 / math.Pi
	if a < 0 {
		a += 360
	}
	return a
}

// Bounds returns the image rectangle holding the zone.
func (z Zone) Bounds() image.Rectangle {
	r := image.Rectangle{}
	for i, l := range z.Lines {
		h := l.Height
		for _, p := range []Point{l.P0, l.P1} {
			pr := image.Rect(int(p.X-h), int(p.Y-h), int(p.X+h)+1, int(p.Y+h)+1)
			if i == 0 && r.Empty() {
				r = pr
			} else {
				r = r.Union(pr)
			}
		}
	}
	return r
}

// Options tunes Find.
type Options struct {
	// MaxZones bounds how many candidate zones are returned (default 6).
	MaxZones int
	// MaxCandidates bounds how many line candidates are examined closely
	// (default 12).
	MaxCandidates int
}

// Finder locates MRZs. Its zero value is ready to use; it holds no state
// between calls and is safe for concurrent use.
type Finder struct {
	Opts Options
}

// Find returns the candidate MRZ zones of g, most likely first. Each zone
// is given in one reading direction; the other is Rotated180.
func (f Finder) Find(ctx context.Context, g *image.Gray) ([]Zone, error) {
	s, err := f.Search(ctx, g)
	if err != nil {
		return nil, err
	}
	var zones []Zone
	for {
		z, ok, err := s.Next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return zones, nil
		}
		zones = append(zones, z)
	}
}

// faintCandidates bounds the candidates of the sensitive second look.
const faintCandidates = 6

// Search hands out the candidate zones of one image one at a time, most
// likely first, taking the close look (the costly part) only as asked.
type Search struct {
	g        *image.Gray
	levels   []level
	cands    []lineCand
	next     int
	faint    bool // the candidates are from the sensitive look
	looked   []lineCand
	queue    []Zone
	found    []Zone
	maxZones int
	maxCands int
	further  bool                    // see Further
	ignore   func(x, y float64) bool // see Ignore
	work     *searchWork             // shared with Restart's searches
}

// searchWork is what a search computes that depends on the image alone:
// the sensitive look's candidates and each candidate's close look.
type searchWork struct {
	maxZones, maxCands int // the finder's
	firstCands         []lineCand
	faint              []lineCand
	faintDone          bool
	refined            map[lineCand][]Zone
}

// Restart returns a search of the same image from the start, handing
// out the zones Finder.Search would, that takes what this search has
// already computed (the pyramid, the candidates, the close looks) instead
// of computing it again. The two must not be used concurrently.
func (s *Search) Restart() *Search {
	return &Search{g: s.g, levels: s.levels, cands: s.work.firstCands, maxZones: s.work.maxZones, maxCands: s.work.maxCands, work: s.work}
}

// refined is refine's zones for candidate c, looked at once per image.
func (s *Search) refined(c lineCand) []Zone {
	if z, ok := s.work.refined[c]; ok {
		return z
	}
	z := refine(sourceFor(s.g, s.levels, c.thick/refineCharH), c)
	s.work.refined[c] = z
	return z
}

// faintCands are the candidates of the sensitive look, detected once
// per image.
func (s *Search) faintCands() []lineCand {
	if !s.work.faintDone {
		// the second look: lines near the diagonals, which the first
		// does not search, and print too faint for it; best first
		s.work.faint = ranked(append(detectDiagonal(s.levels), detectLines(s.levels, true)...))
		s.work.faintDone = true
	}
	return s.work.faint
}

// furtherScore is the least line-candidate score looked at once Further
// is called. An MRZ line's blob is some 25 to 45 of its thicknesses long
// and well filled, scoring 20 and more alone and half as much again
// beside its partner line; the print around a passport's MRZ mostly
// scores under 13 (the evaluation photo of BenchmarkReadPhoto: 6 of 32
// candidates reach 15, 3 of them its MRZ lines).
const furtherScore = 15

// furtherMaxElongation: once Further is called, a line candidate longer
// than this many of its thicknesses is not looked at. An MRZ line's blob
// is at most about 45 (44 characters), and a long thin rule is costly to
// look at closely (17 ms of the 28 the further search of that photo
// took).
const furtherMaxElongation = 60

// Further restricts the rest of the search to what looking for further
// zones, once one is read, can afford: no sensitive second look, and only
// line candidates elongated and filled like an MRZ line. It saves most of
// what searching to the end costs (about 50 ms on a 1.5-megapixel photo).
func (s *Search) Further() { s.further = true }

// Ignore sets aside, for the rest of the search, the line candidates
// centred where ignore reports true: a part of the image already read
// is not looked at closely again.
func (s *Search) Ignore(ignore func(x, y float64) bool) { s.ignore = ignore }

// Search detects the line candidates of g and returns a search over the
// zones they lead to.
func (f Finder) Search(ctx context.Context, g *image.Gray) (*Search, error) {
	b := g.Bounds()
	if b.Dx() < 16 || b.Dy() < 16 {
		return nil, fmt.Errorf("%w: %dx%d", ErrEmpty, b.Dx(), b.Dy())
	}
	if b.Min != (image.Point{}) {
		// Work in coordinates from (0, 0).
		c := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(c, c.Bounds(), g, b.Min, draw.Src)
		g = c
	}
	s := &Search{g: g, maxZones: f.Opts.MaxZones, maxCands: f.Opts.MaxCandidates}
	if s.maxZones <= 0 {
		s.maxZones = 6
	}
	if s.maxCands <= 0 {
		s.maxCands = 12
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.levels = pyramid(g)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.cands = detect(s.levels, false)
	s.work = &searchWork{maxZones: s.maxZones, maxCands: s.maxCands, firstCands: s.cands, refined: map[lineCand][]Zone{}}
	return s, nil
}

// Next returns the next zone; ok is false when there are no more.
func (s *Search) Next(ctx context.Context) (z Zone, ok bool, err error) {
	for len(s.queue) == 0 {
		if len(s.found) >= s.maxZones {
			return Zone{}, false, nil
		}
		if s.next >= len(s.cands) || s.next >= s.maxCands ||
			(s.further && s.cands[s.next].score < furtherScore) {
			// the candidates are best first: none further scores more
			if s.faint || s.further {
				return Zone{}, false, nil
			}
			// Look again, for print too faint for the first look.
			if err := ctx.Err(); err != nil {
				return Zone{}, false, err
			}
			s.faint, s.cands, s.next = true, s.faintCands(), 0
			s.maxCands = min(s.maxCands, faintCandidates)
			continue
		}
		if err := ctx.Err(); err != nil {
			return Zone{}, false, err
		}
		c := s.cands[s.next]
		s.next++
		if s.further && c.length > furtherMaxElongation*c.thick {
			continue // no MRZ line, and costly to look at
		}
		if s.ignore != nil && s.ignore(c.cx, c.cy) {
			continue
		}
		if onFoundLine(c, s.found) || (s.faint && lookedAt(c, s.looked)) {
			continue // it would find the same zone, or nothing, again
		}
		s.looked = append(s.looked, c)
		for _, z := range s.refined(c) {
			if !overlapsAny(z, s.found) && !overlapsAny(z, s.queue) {
				s.queue = append(s.queue, z)
			}
		}
	}
	z, s.queue = s.queue[0], s.queue[1:]
	s.found = append(s.found, z)
	return z, true, nil
}

// lookedAt reports whether c lies along a candidate already looked at.
func lookedAt(c lineCand, looked []lineCand) bool {
	for i := range looked {
		o := &looked[i]
		du, dv := offset(o, c.cx, c.cy)
		if parallel(o.theta, c.theta, 5) && math.Abs(dv) < 0.5*o.thick && math.Abs(du) < 0.5*o.length {
			return true
		}
	}
	return false
}

// onFoundLine reports whether candidate c lies along a line of a zone
// already found.
func onFoundLine(c lineCand, zones []Zone) bool {
	for _, z := range zones {
		for _, l := range z.Lines {
			length := l.Length()
			if length == 0 {
				continue
			}
			ux, uy := (l.P1.X-l.P0.X)/length, (l.P1.Y-l.P0.Y)/length
			dx, dy := c.cx-l.P0.X, c.cy-l.P0.Y
			along, across := dx*ux+dy*uy, -dx*uy+dy*ux
			if along > 0 && along < length && math.Abs(across) < 0.5*l.Height &&
				parallel(c.theta, math.Atan2(uy, ux), 5) {
				return true
			}
		}
	}
	return false
}

// overlapsAny reports whether z is (nearly) a zone already found: same
// number of lines, same first line.
func overlapsAny(z Zone, zones []Zone) bool {
	for _, o := range zones {
		if len(o.Lines) != len(z.Lines) {
			continue
		}
		a, b := z.Lines[0], o.Lines[0]
		tol := 0.6 * a.Height
		mid := func(l Line) Point { return Point{(l.P0.X + l.P1.X) / 2, (l.P0.Y + l.P1.Y) / 2} }
		ma, mb := mid(a), mid(b)
		if math.Hypot(ma.X-mb.X, ma.Y-mb.Y) < tol && math.Abs(a.Length()-b.Length()) < 3*a.Height {
			return true
		}
	}
	return false
}

// Cut returns line l of g as an upright image: the text runs left to
// right along the middle, with margins of about half a character height
// above and below and 0.7 of one at the ends. The end margins are painted
// paper-white from 0.15 character heights past the text, so that a frame
// or a neighbour's print there does not read as characters. Text is
// scaled to between minHeight and maxHeight pixels tall (0: no limit).
func Cut(g *image.Gray, l Line, minHeight, maxHeight int) *image.Gray {
	h := l.Height
	scale := 1.0 // output pixels per image pixel
	if maxHeight > 0 && h > float64(maxHeight) {
		scale = float64(maxHeight) / h
	}
	if minHeight > 0 && h < float64(minHeight) {
		scale = float64(minHeight) / h
	}
	length := l.Length()
	if length < 1 || h < 1 {
		return image.NewGray(image.Rect(0, 0, 1, 1))
	}
	ux, uy := (l.P1.X-l.P0.X)/length, (l.P1.Y-l.P0.Y)/length
	vx, vy := -uy, ux
	marginX, marginY := 0.7*h, 1.0*h
	w := int(math.Ceil((length + 2*marginX) * scale))
	ht := int(math.Ceil(2 * marginY * scale))
	out := image.NewGray(image.Rect(0, 0, w, ht))
	s := newSampler(g)
	step := 1 / scale
	ox := l.P0.X - marginX*ux - marginY*vx
	oy := l.P0.Y - marginX*uy - marginY*vy
	for j := 0; j < ht; j++ {
		for i := 0; i < w; i++ {
			x := ox + (float64(i)+0.5)*step*ux + (float64(j)+0.5)*step*vx - 0.5
			y := oy + (float64(i)+0.5)*step*uy + (float64(j)+0.5)*step*vy - 0.5
			out.Pix[j*out.Stride+i] = uint8(s.box(x, y, scale) + 0.5)
		}
	}
	flatten(out, int(math.Ceil(h*scale)))
	blankEnds(out, int((marginX-0.15*h)*scale))
	return out
}

// flatten evens out a reflection along a cut line: where the print near
// a column ("near": within r columns) has clearly less contrast to its
// paper than along most of the line, the column is stretched back to the
// line's usual contrast and paper level. Evenly lit lines are left as
// they are.
func flatten(img *image.Gray, r int) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w == 0 || h < 4 {
		return
	}
	paper := make([]float64, w)
	ink := make([]float64, w)
	col := make([]uint8, h)
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			col[y] = img.Pix[y*img.Stride+x]
		}
		slices.Sort(col)
		paper[x] = float64(col[h*9/10])
		ink[x] = float64(col[h/20])
	}
	paper = slideMax(paper, r)
	ink = slideMin(ink, r)
	contrast := make([]float64, w)
	for x := range contrast {
		contrast[x] = paper[x] - ink[x]
	}
	sorted := slices.Clone(contrast)
	slices.Sort(sorted)
	usual := sorted[len(sorted)/2]
	usualPaper := slices.Clone(paper)
	slices.Sort(usualPaper)
	p0 := usualPaper[len(usualPaper)/2]
	for x := 0; x < w; x++ {
		c := contrast[x]
		if c >= 0.7*usual || c < 16 {
			continue // usual contrast, or no print to restore
		}
		gain := math.Min(usual/c, 4)
		for y := 0; y < h; y++ {
			i := y*img.Stride + x
			v := p0 - (paper[x]-float64(img.Pix[i]))*gain
			img.Pix[i] = uint8(math.Max(0, math.Min(255, v)))
		}
	}
}

func slideMax(v []float64, r int) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		m := v[i]
		for j := max(0, i-r); j <= min(len(v)-1, i+r); j++ {
			m = math.Max(m, v[j])
		}
		out[i] = m
	}
	return out
}

func slideMin(v []float64, r int) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		m := v[i]
		for j := max(0, i-r); j <= min(len(v)-1, i+r); j++ {
			m = math.Min(m, v[j])
		}
		out[i] = m
	}
	return out
}

// blankEnds paints n columns at each end of img with its paper level.
func blankEnds(img *image.Gray, n int) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if n <= 0 || 2*n >= w {
		return
	}
	var hist [256]int
	for _, v := range img.Pix {
		hist[v]++
	}
	// Paper: the brightness three quarters of the pixels stay below.
	paper, seen := uint8(255), 0
	for v, c := range hist {
		seen += c
		if seen >= len(img.Pix)*3/4 {
			paper = uint8(v)
			break
		}
	}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x := 0; x < n; x++ {
			row[x], row[w-1-x] = paper, paper
		}
	}
}
