package mrz

import (
	"context"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"

	"github.com/docscan/docscan/pipeline/mrz/find"
)

// TextLineReader reads a cut line's text in another way than the OCR-B
// glyph reader (Tesseract, in the product), with its confidence 0–1. It
// must be safe for concurrent use.
type TextLineReader interface {
	ReadLineText(ctx context.Context, line *image.Gray) (text string, confidence float64, err error)
}

// WithFallback sets a second reader for zones whose print the glyph
// model does not take for OCR-B: a card printed in another monospace
// font, say. Its reading is taken when every check digit holds on it and
// every character is sure, or as an invalid zone when a check digit
// fails and the glyph reader confirms the reading (confirmFailure);
// otherwise the zone stays unread or unsure. It costs nothing on a zone
// the glyph reader reads surely.
func WithFallback(r TextLineReader) Option { return func(e *Engine) { e.fallback = r } }

// fallbackZones is how many of the zones tried the fallback looks at,
// best found first. A zone costs it a glyph pass per line (some 5 ms)
// before it costs any Tesseract pass (some 50 ms a line): only a zone
// that shows an MRZ's fillers gets those.
const fallbackZones = 4

// WarnFallback marks a zone read by the fallback reader.
const WarnFallback = "read by the fallback reader: the print is not OCR-B"

// needsFallback reports whether best (nil: nothing plausible was read)
// leaves the zone to the fallback reader.
func (e *Engine) needsFallback(best *candidate) bool {
	return e.fallback != nil && (best == nil || !best.plausible() || best.res.Status == StatusUnsure)
}

// readFallback reads the zones with the fallback reader, each way up,
// and returns the first reading whose checks all hold and whose every
// character is sure, its lines starting and ending together (or read so
// once run on to the zone's width); failing that, the first whose
// checks fail as the glyph reader confirms (confirmFailure): an invalid
// zone; nil when there is neither.
func (e *Engine) readFallback(ctx context.Context, g *page, zones []find.Zone) (*candidate, error) {
	var invalid *candidate
	for i, z := range zones {
		if i == fallbackZones {
			break
		}
		for _, oz := range []find.Zone{z, z.Rotated180()} {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !e.showsFillers(g, oz) {
				continue
			}
			c, err := e.readZoneText(ctx, g, oz)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				continue
			}
			if c.res.Valid && c.res.Status == StatusValid {
				// a line cut a character short reads valid all the
				// same when the character was a name's ("ASILEVA" for
				// VASILEVA, Tesseract and the glyph reader agreeing on
				// the cut): read as the glyph reader's zones are
				if c, err = e.realigned(ctx, g, oz, c, func(az find.Zone) (*candidate, error) { return e.readZoneText(ctx, g, az) }); err != nil {
					return nil, err
				}
				if c.res.Status == StatusValid {
					return c, nil
				}
				continue
			}
			if invalid == nil {
				invalid = e.confirmFailure(g, oz, c)
			}
		}
	}
	return invalid, nil
}

// minFallbackFillers is how many '<' the glyph reader must see in a zone,
// read this way up, before the fallback reads it: every MRZ prints
// fillers, and a chevron is the one glyph any font draws alike. A line
// of text (a card's front read whole-frame) shows none, and costs no
// Tesseract pass.
const minFallbackFillers = 4

// minFallbackChars is the fewest characters the glyph reader must count
// in each of the zone's lines: an MRZ line has 30, 36 or 44, and the
// reader may merge or lose a few of another font's.
const minFallbackChars = 24

// showsFillers reports whether the glyph reader, reading z's lines this
// way up, counts an MRZ line's characters in each and at least
// minFallbackFillers fillers among them: some 5 ms
// a line, against some 50 ms for a Tesseract pass.
func (e *Engine) showsFillers(g *page, z find.Zone) bool {
	n := 0
	for _, l := range z.Lines {
		// the line's first pass: readZone read most of these already
		fp := e.firstPass(g, l)
		r, err := fp.r, fp.err
		if err != nil || len(r) < minFallbackChars {
			// a line of a few words, not an MRZ line's 30 or more
			return false
		}
		for _, c := range r {
			if len(c) > 0 && c[0].Char == '<' {
				n++
			}
		}
	}
	return n >= minFallbackFillers
}

// readZoneText reads z's lines with the fallback reader into a judged
// result: each character carries its line's confidence.
func (e *Engine) readZoneText(ctx context.Context, g *page, z find.Zone) (*candidate, error) {
	texts := make([]string, len(z.Lines))
	confs := make([]float64, len(z.Lines))
	for i, l := range z.Lines {
		img := e.firstPass(g, l).img
		t, c, err := e.fallback.ReadLineText(ctx, img)
		if err != nil {
			return nil, fmt.Errorf("mrz: fallback: %w", err)
		}
		texts[i], confs[i] = strings.ReplaceAll(t, " ", ""), c
	}
	want := fallbackLength(texts)
	if want == 0 {
		return nil, ErrNotFound
	}
	// every shape's names are on its last line of three, or its first of
	// two (the format is not known before the parse)
	shapeNames := 0
	if len(texts) == 3 {
		shapeNames = 2
	}
	for i, t := range texts {
		t, ok := fitFillers(t, want, i == shapeNames)
		if !ok {
			return nil, ErrNotFound
		}
		texts[i] = t
	}
	res, err := resultOf(textReadings(texts, confs, shapeNames), e.now())
	if err != nil {
		return nil, err
	}
	if names := nameLine(res.Format, len(texts)); res.Valid && names >= 0 {
		// Tesseract's confidence in a line of whitelisted digits says
		// little (right readings come back near 0); the check digits,
		// all holding, say more. A data line's other characters (sex,
		// nationality, fillers) are judged by their syntax; the name
		// line, which no check digit covers, stands on its confidence
		// and on the glyph reader's seeing each of its letters too.
		readings := textReadings(texts, confs, names)
		e.crossCheckNames(g, z.Lines[names], readings[names])
		if res, err = resultOf(readings, e.now()); err != nil {
			return nil, err
		}
	}
	res.Warnings = append(res.Warnings, Problem{Field: "zone", Reason: WarnFallback})
	res.Angle = math.Round(z.Angle()*10) / 10
	res.Region = z.Bounds().Intersect(g.Bounds())
	return &candidate{res: res, passed: countValid(res.Checks), total: len(res.Checks)}, nil
}

// glyphSeesProb is how likely the glyph reader must find a letter of the
// fallback's name line, among its candidates at that place, for the
// letter to keep the fallback's confidence. The glyph model knows OCR-B
// only, so on another font it is unsure, but it still lists the letter
// it sees among its first few; a letter it does not list at all (L
// where it sees I) is one the two readers disagree on.
const glyphSeesProb = 0.02

// unseenProb is the confidence a fallback name letter keeps when the
// glyph reader does not see it: below sureProb, so the zone is unsure.
const unseenProb = 0.3

// crossCheckNames lowers, in r (the fallback's reading of the name line
// l), the confidence of each letter the glyph reader, reading the same
// cut at the same length, does not list at that place (nor its O-or-0
// twin) with at least glyphSeesProb, and raises to sureProb each letter
// it reads first and surely, and each filler it lists too: two readers
// agree on those.
// When the glyph reader cannot read the line at that length, nothing is
// changed.
func (e *Engine) crossCheckNames(g *page, l find.Line, r LineReading) {
	gl, err := e.readTold(e.firstPass(g, l), len(r))
	if err != nil || len(gl) != len(r) {
		return
	}
	for i, c := range r {
		if len(c) == 0 {
			continue
		}
		if c[0].Char == '<' {
			// where the glyph reader sees a chevron too, the two agree
			// on it (the line's last, at the cut's edge, it may list
			// second)
			if slices.ContainsFunc(gl[i], func(k Candidate) bool { return k.Char == '<' && k.Prob >= glyphSeesProb }) {
				r[i][0].Prob = max(r[i][0].Prob, sureProb)
			}
			continue
		}
		seen := false
		twin, _ := twinOf(c[0].Char)
		same := func(k Candidate) bool { return k.Char == c[0].Char || k.Char == twin }
		for _, k := range gl[i] {
			// an O the glyph reader takes for 0 is seen: many printers
			// draw them alike, and a 0 in a name is no name's
			seen = seen || (same(k) && k.Prob >= glyphSeesProb)
		}
		switch {
		case !seen:
			r[i][0].Prob = min(r[i][0].Prob, unseenProb)
		case len(gl[i]) > 0 && same(gl[i][0]) && gl[i][0].Prob >= sureProb:
			// the glyph reader's sure first reading too: two readers
			// agree on the letter, whatever Tesseract's confidence in
			// the whole line (a space it read inside a name lowers it)
			r[i][0].Prob = max(r[i][0].Prob, sureProb)
		}
	}
}

// fallbackLength is the line length a zone of these texts has: 30 for
// three lines, else the nearer of 36 and 44; 0 when the texts are no
// MRZ's.
func fallbackLength(texts []string) int {
	switch len(texts) {
	case 3:
		return 30
	case 2:
		for _, t := range texts {
			// a data line read whole: Tesseract may have collapsed the
			// other's run of fillers, so the mean would say nothing
			if len(t) == 36 || len(t) == 44 {
				return len(t)
			}
		}
		n := (len(texts[0]) + len(texts[1])) / 2
		switch {
		case n >= 33 && n <= 39:
			return 36
		case n >= 41 && n <= 47:
			return 44
		}
	}
	return 0
}

// fitFillers brings a line read with a filler or two too many or too
// few at its end (a run of '<' is easy to miscount) to want characters;
// a line that ends in a long run of fillers (minFillerRun or more: the
// names of a short name, empty optional data) may have lost or gained
// any number of them there. Any other difference in length is no MRZ
// line. Where a miscount was in fact elsewhere, the characters after it
// stand a place off, and the glyph reader, reading the cut told the
// length, does not see them there (crossCheckNames, confirmFailure).
func fitFillers(t string, want int, names bool) (string, bool) {
	const slack = 2
	long := strings.HasSuffix(t, strings.Repeat("<", minFillerRun))
	switch {
	case len(t) == want:
		return t, true
	case len(t) > want && (len(t) <= want+slack || long) && strings.Trim(t[want:], "<") == "":
		return t[:want], true
	case len(t) < want && (len(t) >= want-slack || long || (names && strings.Contains(t, "<<"))) && strings.HasSuffix(t, "<"):
		// a names line whose names are read whole (a surname ended by
		// "<<") may have lost any number of the fillers after them:
		// Tesseract reads a long run as one or a few
		// ("P<KAZSOKOLOV<<IURII<"); the glyph reader, told the length,
		// checks each letter's place (crossCheckNames)
		return t + strings.Repeat("<", want-len(t)), true
	}
	return "", false
}

// minFillerRun is the run of fillers at a line's end, read by the
// fallback, past which their count is not held to.
const minFillerRun = 8

// textReadings turns texts into readings whose characters carry their
// line's confidence; every line but names (-1: none) at least
// inventProb: Tesseract's confidence in a whitelisted line says little,
// and below that the correction would invent a look-alike at every
// character that has one, leaving a field too much in doubt for its
// check digit to repair the O it read for a 0.
func textReadings(texts []string, confs []float64, names int) []LineReading {
	out := make([]LineReading, len(texts))
	for i, t := range texts {
		p := float32(confs[i])
		if names >= 0 && i != names {
			p = max(p, inventProb)
		}
		r := make(LineReading, len(t))
		for k := range len(t) {
			r[k] = []Candidate{{Char: t[k], Prob: p}}
			if to, ok := textLookAlikes[t[k]]; ok {
				// Tesseract's O for a slashed or dotted 0 (the fallback
				// reads fonts other than OCR-B): the look-alike is there
				// for a failing check digit to prove, never taken else
				r[k] = append(r[k], Candidate{Char: to, Prob: p * textLookAlikeShare})
			}
		}
		out[i] = r
	}
	return out
}

// textLookAlikeShare is the probability a fallback reading's character
// gives its look-alike, as a share of its own.
const textLookAlikeShare = 0.2

// textLookAlikes are the pairs Tesseract takes for one another in a line
// of letters and digits in a font other than OCR-B; only these: with an
// alternative at every character that has some look-alike, a number
// like N08647293 has more places in doubt than a check digit may repair.
var textLookAlikes = map[byte]byte{'O': '0', '0': 'O', 'I': '1', '1': 'I'}

// nameLine is the index of the line that carries the names and no check
// digit in a zone of format f and n lines; -1 when there is none such.
func nameLine(f Format, n int) int {
	switch {
	case f == TD1 && n == 3:
		return 2
	case (f == TD2 || f == TD3 || f == MRVA || f == MRVB) && n == 2:
		return 0
	}
	return -1
}
