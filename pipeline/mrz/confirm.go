package mrz

import (
	"math"
	"slices"

	"github.com/docscan/docscan/pipeline/mrz/find"
)

// A fallback reading whose check digits do not all hold is a fraud
// signal only when a second, independent reading confirms it: the glyph
// reader, reading the same cuts told the same lengths. The glyph model
// knows OCR-B only, so on another font its own readings are unsure and
// often wrong (a 9 read B, a 4 read A), but it still lists the printed
// character among its candidates; what it does not list at all is a
// character the readers disagree on.
const (
	// agreeProb: the glyph reader must give each character of the
	// fallback's reading, or its look-alike (A for 4, B for 8), at least
	// this, at that place: the two readers saw the same characters in
	// the same places.
	agreeProb = glyphSeesProb
	// doubtProb: a character the glyph reader gives at least this, where
	// the fallback read another, is a doubt; a doubt (or two) that would
	// make every check hold is a misread that explains the failure, and
	// the zone is unsure rather than invalid. Set on rendered lines
	// (TestFallbackTamperedMonoInvalid), not on the evaluation sets.
	doubtProb = 0.03
	// pairDoubtProb: each of two doubts that together would make every
	// check hold must be this likely to explain the failure: two misreads
	// in the failing fields are rarer than one, and with many places in
	// doubt some pair holds by chance.
	pairDoubtProb = 0.1
)

// WarnConfirmed marks a fallback reading that fails a check digit and
// that the glyph reader confirmed, character by character.
const WarnConfirmed = "confirmed by the glyph reader: every character seen alike by both readers, and no doubt of theirs makes the failing checks hold"

// confirmFailure returns the fallback's reading c of zone z (checks
// failing) as an invalid zone when the glyph reader confirms it: every
// character is one the glyph reader sees there (agreeProb), and no
// misread within its doubts (one at doubtProb, or two at pairDoubtProb)
// at the places the failing checks cover would make every check hold.
// It returns nil when the failure is not proven as printed.
func (e *Engine) confirmFailure(g *page, z find.Zone, c *candidate) *candidate {
	res := c.res
	if res.Valid || c.passed == 0 || !codeFits(res.Document) || len(res.Read) != len(z.Lines) {
		return nil
	}
	glyphs := make([]LineReading, len(res.Read))
	for i, l := range z.Lines {
		gl, err := e.readTold(e.firstPass(g, l), len(res.Read[i]))
		if err != nil || len(gl) != len(res.Read[i]) {
			return nil
		}
		glyphs[i] = gl
	}
	// The fallback's characters as their places take them: a letter
	// where only a digit goes is the digit it looks like (Q for 0); in a
	// state code, a digit the glyph reader takes for its look-alike
	// letter is that letter; a character its place allows neither way is
	// no reading to confirm.
	classes := classMap(res.Format)
	stateCode := map[[2]int]bool{}
	for _, fd := range layoutOf(res.Format).fields {
		if fd.name == fieldIssuingState || fd.name == fieldNationality {
			for i := fd.at.start; i < fd.at.end; i++ {
				classes[fd.at.line][i] = classAlnum // a few states print digits there
				stateCode[[2]int{fd.at.line, i}] = true
			}
		}
	}
	texts := make([]string, len(res.Read))
	for li, t := range res.Read {
		b := []byte(t)
		for i, ch := range b {
			if to, ok := lookAlike(ch); ok && isDigit(ch) && stateCode[[2]int{li, i}] && probListed(glyphs[li][i], to) > probListed(glyphs[li][i], ch) {
				// No check digit covers a state code: between a digit
				// and its look-alike letter (UT0 read for UTO) the shape
				// the glyph reader saw decides, as in correctAs.
				b[i] = to
				continue
			}
			if classes[li][i].allows(ch) {
				continue
			}
			to, ok := lookAlike(ch)
			if !ok || !classes[li][i].allows(to) {
				return nil
			}
			b[i] = to
		}
		texts[li] = string(b)
	}
	// every character seen alike
	for li, t := range texts {
		for i := range len(t) {
			if support(glyphs[li][i], t[i]) < agreeProb {
				return nil
			}
		}
	}
	text := textOf(texts)
	checks := checksOf(res.Format, texts)
	holdsAll := func() bool {
		for _, cd := range checks {
			if !cd.holds(text) {
				return false
			}
		}
		return true
	}
	// How the glyph reader reads this print: where a holding check
	// vouches for the fallback's digit and the glyph reader saw a letter
	// (B for a 9 in a font it was not trained on), that letter is how it
	// reads that digit here, and no doubt of it at another place —
	// unless it is the digit's look-alike (O for 0, I for 1), which
	// either reader may take for the other wherever both may stand.
	reads := map[[2]byte]bool{}
	for _, cd := range checks {
		if !cd.holds(text) {
			continue
		}
		at := append(positionsOf(cd.data, nil), [2]int{cd.digit.line, cd.digit.start})
		for _, p := range at {
			t, gl := text[p[0]][p[1]], glyphs[p[0]][p[1]]
			if to, _ := lookAlike(t); len(gl) > 0 && isDigit(t) && isLetter(gl[0].Char) && gl[0].Char != to {
				reads[[2]byte{t, gl[0].Char}] = true
			}
		}
	}
	// the doubts at the places the failing checks cover
	type doubt struct {
		at   [2]int
		char byte
		prob float64
	}
	var doubts []doubt
	seen := map[[2]int]bool{}
	for _, cd := range checks {
		if cd.holds(text) {
			continue
		}
		at := append(positionsOf(cd.data, nil), [2]int{cd.digit.line, cd.digit.start})
		for _, p := range at {
			if seen[p] {
				continue
			}
			seen[p] = true
			for ch, pr := range alternatives(glyphs[p[0]][p[1]], classes[p[0]][p[1]], text[p[0]][p[1]]) {
				if pr >= doubtProb && !reads[[2]byte{text[p[0]][p[1]], ch}] {
					doubts = append(doubts, doubt{p, ch, pr})
				}
			}
		}
	}
	explain := func(ds ...doubt) bool {
		old := make([]byte, len(ds))
		for k, d := range ds {
			old[k] = text[d.at[0]][d.at[1]]
			text[d.at[0]][d.at[1]] = d.char
		}
		ok := holdsAll()
		for k := len(ds) - 1; k >= 0; k-- {
			text[ds[k].at[0]][ds[k].at[1]] = old[k]
		}
		return ok
	}
	for i, a := range doubts {
		if explain(a) {
			return nil
		}
		if a.prob < pairDoubtProb {
			continue
		}
		for _, b := range doubts[i+1:] {
			if b.at != a.at && b.prob >= pairDoubtProb && explain(a, b) {
				return nil
			}
		}
	}
	// Confirmed: each character is as sure as the two readings together,
	// and no less than a character the corrector leaves alone.
	readings := make([]LineReading, len(texts))
	for li, t := range texts {
		pt := 0.0
		if li < len(res.LineConfidence) {
			pt = res.LineConfidence[li]
		}
		r := make(LineReading, len(t))
		for i := range len(t) {
			p := 1 - (1-pt)*(1-support(glyphs[li][i], t[i]))
			r[i] = []Candidate{{Char: t[i], Prob: float32(math.Max(p, inventProb))}}
		}
		readings[li] = r
	}
	out, err := resultOf(readings, e.now())
	if err != nil || out.Status != StatusInvalid || !slices.Equal(out.Lines, texts) {
		return nil
	}
	out.Warnings = append(out.Warnings, Problem{Field: "zone", Reason: WarnFallback}, Problem{Field: "zone", Reason: WarnConfirmed})
	out.Angle, out.Region = res.Angle, res.Region
	return &candidate{res: out, passed: countValid(out.Checks), total: len(out.Checks)}
}

// lookAlike returns c's OCR-B look-alike across letters and digits (4
// for A, O for 0), if it has one.
func lookAlike(c byte) (byte, bool) {
	if to, ok := toDigit[c]; ok {
		return to, true
	}
	to, ok := toLetter[c]
	return to, ok
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// support is how likely the reader found c at a place: its probability
// for c or for a look-alike of c (either way: 0 for Q, O for 0),
// whichever is higher.
func support(cands []Candidate, c byte) float64 {
	p := 0.0
	cTo, cOK := lookAlike(c)
	for _, k := range cands {
		if to, ok := lookAlike(k.Char); k.Char == c || (ok && to == c) || (cOK && cTo == k.Char) {
			p = math.Max(p, float64(k.Prob))
		}
	}
	return p
}

// alternatives lists the characters other than read that class allows
// and the reader saw at a place (themselves, or as their look-alike
// where the class does not allow what the reader saw), with the
// reader's probability for each.
func alternatives(cands []Candidate, class charClass, read byte) map[byte]float64 {
	out := map[byte]float64{}
	add := func(c byte, p float64) {
		if c != read && class.allows(c) && p > out[c] {
			out[c] = p
		}
	}
	for _, k := range cands {
		if class.allows(k.Char) {
			add(k.Char, float64(k.Prob))
		} else if to, ok := lookAlike(k.Char); ok {
			add(to, float64(k.Prob)) // a letter where only a digit goes: the digit it looks like
		}
	}
	return out
}
