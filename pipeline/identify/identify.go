// Package identify owns scoring document types against one observed
// side: the MRZ read on it (document code, issuing state, format, where
// it lies), its geometry, its layout and colour signature, and OCR of the
// type's printed anchor texts. Each piece of evidence scores 0..1; the
// type's p is their weighted mean, so it rises and falls with what was
// actually seen.
package identify

import (
	"context"
	"image"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/internal/editdist"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

// ThumbW and ThumbH are the size of the thumbnail the signature is
// measured on. Zones are normalised, so any aspect serves.
const (
	ThumbW = 320
	ThumbH = 202
)

// Observation is what was seen of one side, in the outline's order
// (Flip false) — the caller warps the outline to a thumbnail.
type Observation struct {
	// Thumb is the side warped to ThumbW×ThumbH in outline order.
	Thumb *image.RGBA
	// Aspect is the outline's width over height; 0 when unknown.
	Aspect float64
	// Outlined is true when the outline stood out from a background
	// (false: the whole image was taken as the side).
	Outlined bool
	// MRZ is the zone read on the side, nil when none was found.
	MRZ *mrz.Result
	// MRZFlip is true when the MRZ reads upside down in outline order.
	MRZFlip bool
	// MRZCentre is the zone's centre in normalised side coordinates of
	// the outline order.
	MRZCentre [2]float64
	// Side is the side the request names ("" when it names none): the
	// types of that side have their anchors read first. It orders the
	// reading only; it scores nothing.
	Side typedb.SideName
	// Country is the country_code the request names ("" when none): among
	// candidates that could score alike, that state's types have their
	// anchors read first. It orders the reading only.
	Country string
}

// AnchorReader reads the text printed in a normalised band of the side
// (lines of about lineH, in side heights), in the orientation given; nil
// skips anchor OCR.
type AnchorReader func(ctx context.Context, band typedb.Rect, lineH float64, flip bool, lang string) (string, error)

// Anchors are looked for in a band around where the type prints them:
// the whole width, and anchorSlack of the side's height above and below.
// Another hand's card moves its print by a few per cent and sizes its
// fonts ±10 %: a zone cut tight to the type's own layout reads between
// the lines.
const anchorSlack = 0.06

// anchorColumn is how far left and right of its zone the anchor that
// settles two types is looked for: Tesseract's layout analysis of a
// full-width band drops a small label beside large print ("ЖЫНЫСЫ /
// ПОЛ" beside the date of birth), which its own column reads.
const anchorColumn = 0.08

// anchorBand is the band an anchor at zone z is looked for in: the
// whole width (row true), or its column.
func anchorBand(z typedb.Rect, row bool) typedb.Rect {
	b := typedb.Rect{0.01, math.Max(0, z[1]-anchorSlack), 0.99, math.Min(1, z[3]+anchorSlack)}
	if !row {
		b[0], b[2] = math.Max(b[0], z[0]-anchorColumn), math.Min(b[2], z[2]+anchorColumn)
	}
	return b
}

// Evidence is each score that went into p; -1 means not measured.
type Evidence struct {
	MRZ       float64 `json:"mrz"`
	Geometry  float64 `json:"geometry"`
	Signature float64 `json:"signature"`
	Anchors   float64 `json:"anchors"`
}

// Candidate is one type scored in one orientation.
type Candidate struct {
	Type *typedb.Type
	// Flip is true when the side reads upside down in outline order.
	Flip     bool
	P        float64
	Evidence Evidence
	// ruledOut: the side's MRZ, valid, names another known state than
	// the type's, so no printed anchor can make the side this type.
	ruledOut bool
	// anchorReads is how surely each anchor text looked for was found;
	// anchorMissed, for texts the type does not print that a rival
	// does, how surely each was missed. Evidence.Anchors is their mean.
	anchorReads, anchorMissed map[string]float64
}

// Evidence weights: the MRZ and the printed anchors are the witnesses;
// the colour and layout signature, which another printer's artwork
// changes, only breaks ties.
const (
	wMRZ       = 3.0
	wGeometry  = 1.0
	wSignature = 0.5
	wAnchors   = 3.0
)

// anchorTop is how many leading candidates an anchor must tell apart.
const anchorTop = 3

// Geometry is the geometry evidence of an outline of the given aspect
// (width over height) for type t: 1 for t's own, 0.5 at 0.058 off.
func Geometry(aspect float64, t *typedb.Type) float64 {
	d := (aspect - t.Aspect()) / 0.07
	return math.Exp(-d * d)
}

// Score ranks the candidates, best first.
func Score(ctx context.Context, obs Observation, cands []*typedb.Type, read AnchorReader) []Candidate {
	var thumbs [2]*image.RGBA
	if obs.Thumb != nil {
		thumbs[0] = obs.Thumb
		thumbs[1] = imgutil.Rotate180(obs.Thumb)
	}
	var out []Candidate
	for _, t := range cands {
		for _, flip := range []bool{false, true} {
			c := Candidate{Type: t, Flip: flip, Evidence: Evidence{MRZ: -1, Geometry: -1, Signature: -1, Anchors: -1}}
			c.Evidence.MRZ = mrzScore(obs, t, flip)
			if otherState(obs.MRZ, t) {
				c.Evidence.MRZ, c.ruledOut = 0, true
			}
			if obs.Aspect > 0 {
				c.Evidence.Geometry = Geometry(obs.Aspect, t)
			}
			th := thumbs[0]
			if flip {
				th = thumbs[1]
			}
			if th != nil {
				c.Evidence.Signature = SignatureScore(th, t)
			}
			c.P = combine(c.Evidence, read != nil)
			out = append(out, c)
		}
	}
	sortCands(out)
	if read != nil {
		br := &bandReader{read: read, cache: map[bandKey]string{}}
		readAnchors(ctx, out, br, obs.Side, strings.ToLower(strings.TrimSpace(obs.Country)), nationalTypes(obs.MRZ, out))
		settle(ctx, out, br)
	}
	return out
}

// maxAnchorReads bounds the anchor reads of one side (a band read once
// serves every candidate that looks in it); all but two may go to the
// side the request names. settleReads more may tell apart types that
// print the same anchors (see settle).
const (
	maxAnchorReads = 6
	settleReads    = 3
)

// bandReader reads an anchor's band once for every candidate that looks
// in it, within a budget of reads.
type bandReader struct {
	read  AnchorReader
	reads int
	cache map[bandKey]string
}

type bandKey struct {
	band typedb.Rect
	flip bool
	lang string
}

// score reads anchor a in the orientation flip, in its row or its
// column (unless that band was read), and returns how surely it (or the
// best of its row's mates) was found, and the text that was: a's, or the
// mate's that read better; ok is false when the band could not be read
// within budget reads.
func (br *bandReader) score(ctx context.Context, a typedb.Anchor, flip, row bool, budget int, mates ...typedb.Anchor) (float64, string, bool) {
	k := bandKey{anchorBand(a.Zone, row), flip, langOf(a.Lang)}
	text, ok := br.cache[k]
	if !ok {
		if br.reads >= budget || ctx.Err() != nil {
			return 0, "", false
		}
		br.reads++
		var err error
		if text, err = br.read(ctx, k.band, a.Zone.Height(), k.flip, k.lang); err != nil {
			return 0, "", false
		}
		br.cache[k] = text
	}
	s, found := AnchorScore(text, a.Text), a.Text
	for _, b := range mates {
		if ms := AnchorScore(text, b.Text); ms > s {
			s, found = ms, b.Text
		}
	}
	return s, found, true
}

// addAnchor records how surely the anchor text was found on the side;
// the anchor evidence is the mean of all found and missed.
func (c *Candidate) addAnchor(text string, s float64) {
	if c.anchorReads == nil {
		c.anchorReads = map[string]float64{}
	}
	c.anchorReads[text] = s
	c.anchorsChanged()
}

// addMissed records how surely a text the type does not print was
// missed (1 − how surely it was found).
func (c *Candidate) addMissed(text string, found float64) {
	if c.anchorMissed == nil {
		c.anchorMissed = map[string]float64{}
	}
	c.anchorMissed[text] = 1 - found
	c.anchorsChanged()
}

func (c *Candidate) anchorsChanged() {
	sum, n := 0.0, 0
	for _, m := range []map[string]float64{c.anchorReads, c.anchorMissed} {
		for _, v := range m {
			sum += v
			n++
		}
	}
	c.Evidence.Anchors = sum / float64(n)
	c.P = combine(c.Evidence, true)
}

// readAnchors reads anchors in the order of what each candidate could
// score if its anchor read perfectly, and stops when no unread candidate
// could overtake the best read one: usually after one or two reads.
// The colour signature plays no part in either: it may break ties (the
// order among equals is the ranking's), but a pale print that looks more
// like white paper with black ink than like its own type's colours must
// not send the reads to a generic type first.
func readAnchors(ctx context.Context, out []Candidate, br *bandReader, side typedb.SideName, country string, national bool) {
	pot := make([]float64, len(out))
	order := make([]int, len(out))
	for i := range out {
		e := out[i].Evidence
		if len(out[i].Type.Anchors) > 0 {
			e.Anchors = 1
		}
		pot[i] = printedP(e)
		order[i] = i
	}
	// among equals the named state's types are read first: the terminal
	// expects them, and their print is the more telling (a generic type's
	// English captions are printed by many)
	expected := func(i int) bool { return country != "" && out[i].Type.CountryCode == country }
	sort.SliceStable(order, func(a, b int) bool {
		if pot[order[a]] != pot[order[b]] {
			return pot[order[a]] > pot[order[b]]
		}
		return expected(order[a]) && !expected(order[b])
	})
	best := -1.0
	// once an anchor of 6 letters or more is found, the side lies in the
	// orientation it was read in: no candidate of the other is read (a
	// card cannot be read both ways up)
	upright := 0 // 1: found upright; -1: found upside down
	other := func(i int) bool { return (upright == 1 && out[i].Flip) || (upright == -1 && !out[i].Flip) }
	// the named side's types first, with part of the budget; then every
	// type, so a side given in the wrong slot is still told for what it is
	// (unless a named side's type found a text no type of another side
	// prints: then the slot is right)
	named := func(i int) bool { return side != "" && out[i].Type.Side == side }
	slotShown := false
	for pass, budget := range []int{maxAnchorReads - 2, maxAnchorReads} {
		if pass > 0 && slotShown {
			break
		}
		for _, i := range order {
			if br.reads >= budget || ctx.Err() != nil {
				break
			}
			if out[i].Evidence.Anchors >= 0 || out[i].ruledOut || other(i) {
				continue
			}
			if out[i].Type.Generic && out[i].Evidence.MRZ >= 0.6 && !national {
				// the MRZ vouches for a generic type, whose labels are
				// only the usual English ones: a read would cost more
				// than it tells; what it scores stands. Unless the
				// state the MRZ names has types of its own: then the
				// generic one is read as they are, and both are weighed
				// on the same evidence (a pale print read badly must not
				// hand the side to the type nothing was read for). It
				// stands whichever side the request named: a TD1 card's
				// MRZ side sent as the front is no reason to read the
				// generic fronts' captions first (four reads, 400 ms)
				best = max(best, printedP(out[i].Evidence))
				continue
			}
			if (pass == 0 && !named(i)) || pot[i] <= best {
				continue
			}
			a, ok := distinctAnchor(out[i].Type, out[:min(len(out), anchorTop*2)])
			if !ok {
				best = max(best, printedP(out[i].Evidence))
				continue
			}
			s, found, ok := br.score(ctx, a, out[i].Flip, true, budget, bandMates(out[i].Type, a, out[:min(len(out), anchorTop*2)])...)
			if !ok {
				continue
			}
			// the text found is recorded, not the one looked for: a
			// passport's "ПАСПОРТ" scored by its band mate, the state's
			// header, is the header found, which a rival card prints too
			// (settle then tells them apart; a Kazakh ID front tilted
			// to a passport's shape was taken for the passport)
			out[i].addAnchor(found, s)
			best = max(best, printedP(out[i].Evidence))
			if s >= minFound && upright == 0 {
				upright = 1
				if out[i].Flip {
					upright = -1
				}
			}
			if s >= minFound && named(i) && !slices.ContainsFunc(out, func(c Candidate) bool { return c.Type.Side != side && printsText(c.Type, a.Text) }) {
				slotShown = true
			}
		}
	}
}

// settle tells the leader from a rival that prints every anchor found
// for it (the 2014 and 2023 Kazakh ID fronts share their headers and most
// labels; a Kazakh passport prints the generic "NATIONALITY" in
// "АЗАМАТТЫҒЫ / NATIONALITY"): what was found proves both alike, and
// counts for the rival too. Then an anchor only one of the two prints is
// read: found, it counts for the type that prints it; missed, for the
// one that does not. What is printed decides, not the colour signature.
func settle(ctx context.Context, out []Candidate, br *bandReader) {
	budget := br.reads + settleReads
	done := map[[2]*typedb.Type]bool{}
	for range settleReads {
		sortCands(out)
		l := &out[0]
		r, d := rivalOf(out, done)
		if r == nil {
			return
		}
		done[[2]*typedb.Type{l.Type, r.Type}] = true
		done[[2]*typedb.Type{r.Type, l.Type}] = true
		for text, s := range l.anchorReads {
			if _, ok := r.anchorReads[text]; !ok {
				r.addAnchor(text, s)
			}
		}
		s, _, ok := br.score(ctx, d, l.Flip, false, budget)
		if !ok {
			return
		}
		if printsText(l.Type, d.Text) {
			l.addAnchor(d.Text, s)
			r.addMissed(d.Text, s)
		} else {
			r.addAnchor(d.Text, s)
			l.addMissed(d.Text, s)
		}
	}
	sortCands(out)
}

// minFound is the least score of an anchor taken as found.
const minFound = 0.5

// rivalOf finds the best candidate, in the leader's orientation, that
// prints every anchor found for the leader (however low a misread of its
// own anchor has put it), and the anchor (of 6 letters or more; the
// longest, which chance matches least) that one of the two prints and
// the other does not.
func rivalOf(out []Candidate, done map[[2]*typedb.Type]bool) (*Candidate, typedb.Anchor) {
	l := &out[0]
	if len(l.anchorReads) == 0 {
		return nil, typedb.Anchor{}
	}
	for _, v := range l.anchorReads {
		if v < minFound {
			// the leader did not show what it prints: an anchor it does
			// not print, missed, would raise it on nothing
			return nil, typedb.Anchor{}
		}
	}
	letters := func(a typedb.Anchor) int { return len([]rune(squash(a.Text))) }
	for i := 1; i < len(out); i++ {
		r := &out[i]
		if r.Type == l.Type || r.Flip != l.Flip || r.ruledOut || done[[2]*typedb.Type{l.Type, r.Type}] {
			continue
		}
		shares := true
		for text := range l.anchorReads {
			if _, ok := r.anchorReads[text]; !ok && !printsText(r.Type, text) {
				shares = false
			}
		}
		if !shares {
			continue
		}
		// an anchor holding a text of the other ("ТУҒАН КҮНІ / DATE OF
		// BIRTH" against "DATE OF BIRTH") is read in part by both: the
		// clean ones first
		var d typedb.Anchor
		for _, clean := range []bool{true, false} {
			for _, pair := range [][2]*typedb.Type{{r.Type, l.Type}, {l.Type, r.Type}} {
				for _, a := range pair[0].Anchors {
					if long(a) && !printsText(pair[1], a.Text) && (!clean || !holdsText(a, pair[1])) && letters(a) > letters(d) {
						d = a
					}
				}
				if d.Text != "" {
					return r, d
				}
			}
		}
	}
	return nil, typedb.Anchor{}
}

// holdsText reports whether anchor a holds a text t prints as an anchor
// or a field's label (of 3 letters or more).
func holdsText(a typedb.Anchor, t *typedb.Type) bool {
	in := squash(a.Text)
	holds := func(s string) bool { s = squash(s); return len([]rune(s)) >= 3 && strings.Contains(in, s) }
	for _, b := range t.Anchors {
		if holds(b.Text) {
			return true
		}
	}
	for _, f := range t.Fields {
		if holds(t.PrintedLabel(f)) {
			return true
		}
	}
	return false
}

func printsAnchor(t *typedb.Type, text string) bool {
	for _, a := range t.Anchors {
		if a.Text == text {
			return true
		}
	}
	return false
}

// printsText reports whether t prints the text, alone or within one of
// its anchors or field labels ("NATIONALITY" in "АЗАМАТТЫҒЫ /
// NATIONALITY"): a text it prints, though not among its anchors, is no
// evidence against it when found.
func printsText(t *typedb.Type, text string) bool {
	want := squash(text)
	for _, a := range t.Anchors {
		if strings.Contains(squash(a.Text), want) {
			return true
		}
	}
	for _, f := range t.Fields {
		if strings.Contains(squash(t.PrintedLabel(f)), want) {
			return true
		}
	}
	return false
}

func sortCands(c []Candidate) {
	sort.SliceStable(c, func(i, j int) bool { return c[i].P > c[j].P })
}

// langOf is the one Tesseract model for an anchor's language: an anchor
// is in one language, and each extra model costs a full pass.
func langOf(l string) string {
	switch l {
	case "en":
		return "eng"
	case "ru":
		return "rus"
	default:
		return "kaz"
	}
}

// combine is the weighted mean of the measured evidence, scaled by how
// much of it is positive: a side must show something of the type (its
// printed anchors, or its MRZ) before p can be high, so a blank page or
// a stranger's card does not pass on colours and missing MRZs alone.
// Without OCR (withOCR false) the signature stands in for the anchors.
// Evidence that flatly contradicts the type (an MRZ of another format, a
// missing MRZ) drags p down through its weight.
func combine(e Evidence, withOCR bool) float64 {
	positive := 0.0
	if e.Anchors >= 0 {
		positive = e.Anchors
	} else if !withOCR && e.Signature >= 0 {
		positive = 0.8 * e.Signature
	}
	if e.MRZ >= 0.6 {
		positive = max(positive, e.MRZ)
	}
	return mean(e) * (0.5 + 0.5*positive)
}

// printedP is what p would be without the colour signature.
func printedP(e Evidence) float64 {
	e.Signature = -1
	return combine(e, true)
}

func mean(e Evidence) float64 {
	num, den := 0.0, 0.0
	for _, v := range []struct{ s, w float64 }{{e.MRZ, wMRZ}, {e.Geometry, wGeometry}, {e.Signature, wSignature}, {e.Anchors, wAnchors}} {
		if v.s < 0 {
			continue
		}
		num += v.s * v.w
		den += v.w
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// nationalTypes reports whether m names a state some of the candidates'
// national types are of. Read validly or not: an MRZ read unsurely (a
// monospace print the reader half takes for OCR-B) still scores the
// generic type as any state's, and the national type's pale labels, read
// badly, must not hand the side to the generic type, whose captions were
// never looked for. Reading those costs a band or two; a state misread
// into a national one costs no more than that.
func nationalTypes(m *mrz.Result, out []Candidate) bool {
	if m == nil || m.Document == nil {
		return false
	}
	for _, c := range out {
		if !c.Type.Generic && c.Type.FDSIDList.ICAOCode == m.IssuingState {
			return true
		}
	}
	return false
}

// otherState reports whether m, read validly, names a known state other
// than the national type t's. The issuing state has no check digit, so
// a code the tables do not know (a misread) rules nothing out.
func otherState(m *mrz.Result, t *typedb.Type) bool {
	return m != nil && m.Valid && !t.Generic && t.FDSIDList.ICAOCode != "" &&
		m.IssuingState != t.FDSIDList.ICAOCode && mrz.KnownCode(m.IssuingState)
}

// mrzScore: a type with an MRZ wants one of its format, state and code,
// at its place and in its orientation; a type without wants none.
func mrzScore(obs Observation, t *typedb.Type, flip bool) float64 {
	m := obs.MRZ
	if t.MRZFormat == typedb.MRZNone {
		if m == nil {
			return 0.5 // no MRZ, as expected; absence proves little
		}
		return 0
	}
	if m == nil {
		// none read: a print or font the MRZ reader does not take tells
		// less against the type than an MRZ of another kind
		return 0.2
	}
	s := 0.0
	if m.Format.String() == string(t.MRZFormat) || frenchOnTD2(m, t) {
		s += 0.35
	}
	switch {
	case t.Generic:
		s += 0.15 // any state will do, but a national type that matches is better
	case m.IssuingState == t.FDSIDList.ICAOCode:
		s += 0.25
	}
	if codeFits(m.DocumentCode, t) {
		s += 0.1
	}
	if flip == obs.MRZFlip {
		s += 0.15
	}
	// the centre is in outline order: in the type's own (upright) order
	// when the candidate lies upside down, turned with it
	cx, cy := obs.MRZCentre[0], obs.MRZCentre[1]
	if flip {
		cx, cy = 1-cx, 1-cy
	}
	if z := t.MRZZone; z != nil {
		zy := (z[1] + z[3]) / 2
		zx := (z[0] + z[2]) / 2
		d := math.Hypot(cy-zy, (cx-zx)/2)
		s += 0.15 * math.Exp(-(d/0.06)*(d/0.06))
	}
	return s
}

// frenchOnTD2: the French national ID card of 1988–2021 is an ID-2 card
// (105×74 mm, A7) with two lines of 36 at the bottom, as ICAO's TD2 has
// them, though not ICAO's: the generic TD2 type stands for it, as for any
// TD2 card of a state the database has no types of.
func frenchOnTD2(m *mrz.Result, t *typedb.Type) bool {
	return t.Generic && t.MRZFormat == typedb.MRZTD2 && m.Format == mrz.FrenchID
}

// codeFits checks the document code's first letter against the type.
func codeFits(code string, t *typedb.Type) bool {
	if code == "" {
		return false
	}
	switch t.FDSIDList.DType {
	case 11:
		return code[0] == 'P'
	case 12:
		return code[0] == 'I' || code[0] == 'A' || code[0] == 'C'
	}
	if strings.HasPrefix(string(t.MRZFormat), "MRV") {
		return code[0] == 'V'
	}
	return true
}

// sharedAnchor reports whether another of the candidates' types prints
// t's anchor a.
func sharedAnchor(t *typedb.Type, a typedb.Anchor, others []Candidate) bool {
	for _, o := range others {
		if o.Type != t && printsAnchor(o.Type, a.Text) {
			return true
		}
	}
	return false
}

// long: too short a text proves little; an anchor has at least 6 letters.
func long(a typedb.Anchor) bool { return len([]rune(squash(a.Text))) >= 6 }

// bandMates are t's further anchors that lie in the band a is read in
// (a row of labels: "DATE OF BIRTH", "SEX", "NATIONALITY"), as telling as
// a: not printed by the other candidates' types when a is not. One word
// spoilt by a shadow or glare then does not hide the row.
func bandMates(t *typedb.Type, a typedb.Anchor, others []Candidate) []typedb.Anchor {
	band := anchorBand(a.Zone, true)
	distinct := !sharedAnchor(t, a, others)
	var out []typedb.Anchor
	for _, b := range t.Anchors {
		if b.Text == a.Text || !long(b) || langOf(b.Lang) != langOf(a.Lang) ||
			b.Zone[1] < band[1] || b.Zone[3] > band[3] || (distinct && sharedAnchor(t, b, others)) {
			continue
		}
		out = append(out, b)
	}
	return out
}

// distinctAnchor picks the anchor of t that best tells it from the other
// leading candidates: among those whose text no other leading type
// prints, a header first, then the shortest (reading time grows with the
// text); else its shortest.
func distinctAnchor(t *typedb.Type, others []Candidate) (typedb.Anchor, bool) {
	if len(t.Anchors) == 0 {
		return typedb.Anchor{}, false
	}
	shared := func(a typedb.Anchor) bool { return sharedAnchor(t, a, others) }
	var best, fallback *typedb.Anchor
	for i := range t.Anchors {
		a := &t.Anchors[i]
		if !long(*a) {
			continue
		}
		if !shared(*a) && (best == nil || headerFirst(a, best)) {
			best = a
		}
		if fallback == nil || a.Zone.Width() < fallback.Zone.Width() {
			fallback = a
		}
	}
	switch {
	case best != nil:
		return *best, true
	case fallback != nil:
		return *fallback, true
	}
	return t.Anchors[0], true
}

// headerFirst orders a distinct anchor before best: a header before a
// label (a state's title is printed large, where a small caption on a
// patterned ground reads as noise), then the narrower.
func headerFirst(a, best *typedb.Anchor) bool {
	if (a.Kind == "header") != (best.Kind == "header") {
		return a.Kind == "header"
	}
	return a.Zone.Width() < best.Zone.Width()
}

// Similarity is 1 minus the edit distance of the two texts (letters and
// digits only, upper case, Latin and Cyrillic look-alikes taken as one
// letter) over the longer's length. A bilingual label such as "ТҮРІ /
// TYPE" is read with one language's model, which returns the Latin half
// in Cyrillic letters of the same shapes: that is a perfect reading.
func Similarity(got, want string) float64 {
	a, b := []rune(squash(got)), []rune(squash(want))
	if len(b) == 0 {
		return 0
	}
	d := editdist.Levenshtein(a, b)
	n := max(len(a), len(b))
	return math.Max(0, 1-float64(d)/float64(n))
}

// AnchorScore is how surely the anchor text want was read in got, above
// chance: a band of text holds some of any anchor's letters in order, so
// the anchor reversed (the same letters, no such text printed) sets the
// level that proves nothing.
func AnchorScore(got, want string) float64 {
	r := []rune(want)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	s, chance := Contains(got, want), Contains(got, string(r))
	if s <= chance || chance >= 1 {
		return 0
	}
	return (s - chance) / (1 - chance)
}

// Contains is how well want is found anywhere in got: 1 minus the
// fewest edits that turn some run of got into want (letters and digits
// only, look-alikes as one, as Similarity), over want's length.
func Contains(got, want string) float64 {
	a, b := []rune(squash(got)), []rune(squash(want))
	if len(b) == 0 {
		return 0
	}
	// semi-global alignment: want whole, got from any start to any end
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	best := prev[len(b)]
	for i := 1; i <= len(a); i++ {
		cur[0] = 0
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		best = min(best, cur[len(b)])
		prev, cur = cur, prev
	}
	return math.Max(0, 1-float64(best)/float64(len(b)))
}

func squash(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if c, ok := cyrillicLookalike[r]; ok {
				r = c
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// cyrillicLookalike maps the Latin capitals that print the same as a
// Cyrillic one to it. The Kazakh Ү prints as the Latin Y, and the kaz
// model reads the Y of "TYPE" as Ү: both are taken as the Y's У.
var cyrillicLookalike = map[rune]rune{
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'I': 'І', 'K': 'К', 'M': 'М',
	'O': 'О', 'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У', 'Ү': 'У',
}
