package mrz

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Candidate is one reading of a character with the reader's probability.
type Candidate struct {
	Char byte
	Prob float32
	// Context, on a first candidate O or 0, says that the reader put it
	// first from the characters around it, over its own reading of the
	// glyph: the other twin. Only evidence about the glyph may settle a
	// field no check digit covers, so a state code takes the twin.
	Context bool
}

// LineReading is one line as a reader saw it: for each character position
// its candidates, best first.
type LineReading [][]Candidate

// Text returns the line as read: the best candidate of each position.
func (l LineReading) Text() string {
	b := make([]byte, len(l))
	for i, c := range l {
		b[i] = '?'
		if len(c) > 0 {
			b[i] = c[0].Char
		}
	}
	return string(b)
}

// ReadingOf turns printed text into a reading with certain characters,
// e.g. to correct another OCR's output by field type alone.
func ReadingOf(line string) LineReading {
	r := make(LineReading, len(line))
	for i := 0; i < len(line); i++ {
		r[i] = []Candidate{{Char: line[i], Prob: 1}}
	}
	return r
}

// Correction is one character the corrector changed.
type Correction struct {
	Line, Pos int // 0-based
	From, To  byte
	// Reason is "field type" (a letter where only digits belong, or the
	// reverse) or "check digit" (an alternative the reader also saw, kept
	// because it makes a field's check digit hold).
	Reason string
}

func (c Correction) String() string {
	return fmt.Sprintf("line %d position %d: %q -> %q (%s)", c.Line+1, c.Pos+1, c.From, c.To, c.Reason)
}

// Corrector tuning. The reader's probabilities are the only evidence: a
// character is changed to make a check digit hold only where the reader
// itself gave the alternative at least minAltProb, and all changes of one
// field together may cost at most maxFixCost (the log of how much less
// likely the reader found them).
const (
	minAltProb = 0.01
	// inventProb: below it the reader is unsure enough that the classic
	// OCR confusions (0/O, 1/I, 8/B, ...) are tried even when it did not
	// list them. A mod-10 check holds by chance one time in ten, so an
	// alternative the reader did not see needs real doubt.
	inventProb = 0.6
	maxFixCost = 4.61 // ln 100
	maxChanges = 2
	// settleMinProb is the probability given to a look-alike the reader
	// did not list, at most.
	settleMinProb = 0.02
	// lookAlikeWeight favours the look-alike of a wrong-type reading over
	// the reader's other candidates.
	lookAlikeWeight = 4
	// maxSearchPositions bounds the search per field.
	maxSearchPositions = 24
	// maxUnsurePositions: a field with more positions in doubt is left as
	// read.
	maxUnsurePositions = 3
	// ambiguityMargin: a repair is kept only if the next repair that also
	// passes is at least this much less likely (log).
	ambiguityMargin = 1.1
)

// confusions are the OCR-B look-alikes across letters and digits.
var (
	toDigit  = map[byte]byte{'O': '0', 'Q': '0', 'D': '0', 'U': '0', 'I': '1', 'L': '1', 'T': '1', 'Z': '2', 'A': '4', 'S': '5', 'G': '6', 'B': '8'}
	toLetter = map[byte]byte{'0': 'O', '1': 'I', '2': 'Z', '4': 'A', '5': 'S', '6': 'G', '8': 'B'}
)

// confusable returns c's look-alike in class, if it has one.
func confusable(c byte, class charClass) (byte, bool) {
	var to byte
	var ok bool
	switch class {
	case classDigit, classCheck, classCheckOrFiller:
		to, ok = toDigit[c]
	case classAlpha:
		to, ok = toLetter[c]
	case classAlnum:
		if to, ok = toDigit[c]; !ok {
			to, ok = toLetter[c]
		}
	}
	return to, ok && class.allows(to)
}

// Correct settles a read zone. Each position first takes the reader's best
// candidate its field type allows (a digit in a date or check digit, a
// letter in a name or code, M/F/X/< for the sex). Then, for each field
// with a check digit that fails, it tries the alternatives the reader saw
// inside the field (never the check digit itself) and keeps the most
// likely combination, of at most two changes, that makes it hold. A check
// digit is never changed to another digit: a field that fails as printed
// stays invalid. The format is the one of the zone's shape that reads
// best. It returns ErrFormat when the shape matches no layout.
func Correct(lines []LineReading, now time.Time) (*Document, []Correction, error) {
	if len(lines) == 0 {
		return nil, nil, fmt.Errorf("%w: no lines", ErrFormat)
	}
	for i, l := range lines {
		if len(l) != len(lines[0]) {
			return nil, nil, fmt.Errorf("%w: line %d has %d characters, line 1 has %d", ErrFormat, i+1, len(l), len(lines[0]))
		}
	}
	formats := formatsOfShape(len(lines), len(lines[0]))
	if len(formats) == 0 {
		return nil, nil, fmt.Errorf("%w: %d lines of %d characters", ErrFormat, len(lines), len(lines[0]))
	}
	var (
		best     *Document
		bestFix  []Correction
		bestRank rank
	)
	for _, f := range formats {
		d, fixes, cost := correctAs(lines, f, now)
		pCode := 0.0
		for _, c := range lines[0][0] {
			if codeClass(f).allows(c.Char) {
				pCode += float64(c.Prob)
			}
		}
		r := rank{formatFit: pCode >= minCodeProb && codeFits(d), valid: d.Valid, passed: countValid(d.Checks), cost: cost}
		if best == nil || r.better(bestRank) {
			best, bestFix, bestRank = d, fixes, r
		}
	}
	return best, bestFix, nil
}

// rank orders readings of one zone as different formats.
type rank struct {
	formatFit bool // the reader saw a document code this format allows
	valid     bool
	passed    int
	cost      float64
}

func (r rank) better(o rank) bool {
	if r.formatFit != o.formatFit {
		return r.formatFit
	}
	if r.valid != o.valid {
		return r.valid
	}
	if r.passed != o.passed {
		return r.passed > o.passed
	}
	return r.cost < o.cost
}

// minCodeProb is how likely the reader must have found a document code
// letter the format allows for the format to fit.
const minCodeProb = 0.05

// codeFits reports whether the document code suits the format: V for
// visas, "IDFRA" for the French ID, anything but V for the others.
func codeFits(d *Document) bool {
	isVisa := d.DocumentCode != "" && d.DocumentCode[0] == 'V'
	switch d.Format {
	case MRVA, MRVB:
		return isVisa
	case FrenchID:
		return d.DocumentCode == "ID" && d.IssuingState == "FRA" && looksFrench(d.Lines, time.Time{})
	}
	return !isVisa
}

// settled is a position after settling its field type.
type settled struct {
	char byte
	prob float64
	alts []alt // other characters of its class the reader saw, cheapest first
}

type alt struct {
	char byte
	cost float64
}

// correctAs corrects lines as format f; cost is the total log-likelihood
// the corrections gave up.
//
// A position a check digit covers keeps a change (of field type, or to an
// alternative the reader saw) only when its check fails as read and holds
// with the change: otherwise the field is reported as read. Positions no
// check covers (names, sex, state codes) change only from a character
// outside their field type to the reader's own candidate inside it; a
// state code is never fitted to a table of codes.
func correctAs(lines []LineReading, f Format, now time.Time) (*Document, []Correction, float64) {
	classes := classMap(f)
	// The Russian internal passport writes Cyrillic names with digits
	// standing for letters.
	if len(lines) > 0 && russianInternal(lines[0].Text()) {
		for _, fd := range layoutOf(f).fields {
			if fd.name == fieldNames {
				for i := fd.at.start; i < fd.at.end; i++ {
					classes[fd.at.line][i] = classAlnum
				}
			}
		}
	}
	// State codes are read as printed: a few documents print digits there
	// (Romanian ID cards). No check digit covers them, so the line's
	// context (an O among letters) does not decide either: the glyph does.
	stateCode := map[[2]int]bool{}
	for _, fd := range layoutOf(f).fields {
		if fd.name == fieldIssuingState || fd.name == fieldNationality {
			for i := fd.at.start; i < fd.at.end; i++ {
				classes[fd.at.line][i] = classAlnum
				stateCode[[2]int{fd.at.line, i}] = true
			}
		}
	}
	reason := map[[2]int]string{}
	pos := make([][]settled, len(lines))
	text := make([][]byte, len(lines))
	asRead := make([][]byte, len(lines))
	for li, l := range lines {
		pos[li] = make([]settled, len(l))
		text[li] = make([]byte, len(l))
		asRead[li] = []byte(l.Text())
		for i, cands := range l {
			s, _ := settle(cands, classes[li][i])
			if at := [2]int{li, i}; stateCode[at] && len(cands) > 0 && cands[0].Context {
				if to, ok := twinOf(cands[0].Char); ok {
					s = settled{char: to, prob: probOf(cands, to)}
					reason[at] = "glyph, not context"
				}
			}
			pos[li][i] = s
			text[li][i] = s.char
		}
	}
	endOfNames := fillersAfterNames(f, text, pos, reason)
	// Fields with their own check digit first, then the composite over what
	// no other check covers.
	checks := checksOf(f, stringsOf(text))
	covered := map[[2]int]bool{}
	for _, cd := range checks {
		covered[[2]int{cd.digit.line, cd.digit.start}] = true
	}
	var explained []string
	settleCheck := func(cd checkDef, free [][2]int) {
		_, _, misread := searchFix(text, pos, cd, free)
		own := append(slices.Clone(free), [2]int{cd.digit.line, cd.digit.start})
		if failedAsRead(asRead, cd) && cd.holds(text) {
			for _, p := range own {
				reason[p] = "check digit"
			}
			return
		}
		// Not proven: the field as read.
		for _, p := range own {
			text[p[0]][p[1]] = asRead[p[0]][p[1]]
		}
		if misread {
			explained = append(explained, cd.name)
		}
	}
	for _, cd := range checks {
		if cd.name == CheckComposite {
			continue
		}
		free := positionsOf(cd.data, nil)
		settleCheck(cd, free)
		for _, p := range free {
			covered[p] = true
		}
	}
	for _, cd := range checks {
		if cd.name == CheckComposite {
			settleCheck(cd, positionsOf(cd.data, covered))
		}
	}
	var fixes []Correction
	cost := 0.0
	for li := range text {
		for i, c := range text[li] {
			if c == asRead[li][i] {
				continue
			}
			r := reason[[2]int{li, i}]
			if r == "" {
				r = "field type"
			}
			fixes = append(fixes, Correction{li, i, asRead[li][i], c, r})
			cost += math.Log(max(probOf(lines[li][i], asRead[li][i]), 1e-6) / max(probOf(lines[li][i], c), 1e-6))
		}
	}
	d := parseAs(stringsOf(text), f, now)
	d.misreadExplains = explained
	d.nameFillers = endOfNames
	// A change no check digit proves (a digit read in a name, given as its
	// look-alike letter) is never silent.
	for _, c := range fixes {
		if c.Reason != "field type" {
			continue
		}
		field := "line"
		for _, fd := range layoutOf(f).fields {
			if fd.at.line == c.Line && c.Pos >= fd.at.start && c.Pos < fd.at.end {
				field = fd.name
				break
			}
		}
		d.Warnings = append(d.Warnings, Problem{field, fmt.Sprintf("%q read at position %d of line %d, reported as %q (field type, no check digit)", c.From, c.Pos+1, c.Line+1, c.To)})
	}
	return d, fixes, cost
}

// namesEnd is how many fillers in a row, read surely, end the names: a
// name's parts are a filler apart, surname and given names two.
const namesEnd = 3

// fillersAfterNames applies the names field's syntax (ICAO 9303: parts
// a filler apart, surname and given names two fillers apart, then
// fillers to the end): once namesEnd fillers in a row, read at inventProb
// or more, follow a letter, every later position of the field is a
// filler. A position there that the reader read unsurely as something
// else (faint fillers read "UDDUUUU" or "222") becomes a filler, with
// the reason "name syntax"; one read surely as a letter stays, as read.
// It returns the positions the syntax vouches for.
func fillersAfterNames(f Format, text [][]byte, pos [][]settled, reason map[[2]int]string) [][2]int {
	var vouched [][2]int
	for _, fd := range layoutOf(f).fields {
		if fd.name != fieldNames {
			continue
		}
		li := fd.at.line
		end := -1
		letter, run := false, 0
		for i := fd.at.start; i < fd.at.end; i++ {
			switch {
			case text[li][i] == '<' && pos[li][i].prob >= inventProb:
				run++
			case text[li][i] != '<':
				letter, run = true, 0
			default:
				run = 0
			}
			if letter && run == namesEnd {
				end = i + 1
				break
			}
		}
		if end < 0 {
			continue
		}
		for i := end; i < fd.at.end; i++ {
			if text[li][i] != '<' {
				if pos[li][i].prob >= inventProb {
					continue // a letter read surely: as read
				}
				text[li][i] = '<'
				reason[[2]int{li, i}] = "name syntax"
			}
			vouched = append(vouched, [2]int{li, i})
		}
	}
	return vouched
}

// twinOf returns the other of O and 0.
func twinOf(c byte) (byte, bool) {
	switch c {
	case 'O':
		return '0', true
	case '0':
		return 'O', true
	}
	return 0, false
}

// failedAsRead reports whether check cd fails on the lines as read.
func failedAsRead(asRead [][]byte, cd checkDef) bool { return !cd.holds(asRead) }

// holds reports whether check cd holds on text; a date it covers must
// also be a date.
func (cd checkDef) holds(text [][]byte) bool {
	data := make([]byte, 0, 64)
	for _, s := range cd.data {
		data = append(data, text[s.line][s.start:s.end]...)
	}
	if !checkHolds(string(data), text[cd.digit.line][cd.digit.start], cd.emptyMayBeFiller) {
		return false
	}
	if cd.name == CheckDateOfBirth || cd.name == CheckDateOfExpiry {
		return plausibleDate(string(data))
	}
	return true
}

// probOf is the reader's probability for c at one position; a character
// it did not list gets half its least likely candidate's, except the
// OCR-B look-alike of what it read best (O for 0, I for 1, ...), which is
// the same shape: that one gets the best reading's probability.
func probOf(cands []Candidate, c byte) float64 {
	if len(cands) > 0 && (toLetter[cands[0].Char] == c || toLetter[c] == cands[0].Char) {
		return math.Max(float64(cands[0].Prob), probListed(cands, c))
	}
	return probListed(cands, c)
}

func probListed(cands []Candidate, c byte) float64 {
	floor := float64(settleMinProb)
	for _, k := range cands {
		if k.Char == c {
			return float64(k.Prob)
		}
		floor = math.Min(floor, float64(k.Prob))
	}
	return floor / 2
}

func stringsOf(text [][]byte) []string {
	out := make([]string, len(text))
	for i, t := range text {
		out[i] = string(t)
	}
	return out
}

// positionsOf lists the positions of spans not in skip.
func positionsOf(spans []span, skip map[[2]int]bool) [][2]int {
	var out [][2]int
	for _, s := range spans {
		for i := s.start; i < s.end; i++ {
			if !skip[[2]int{s.line, i}] {
				out = append(out, [2]int{s.line, i})
			}
		}
	}
	return out
}

// settle picks the reader's best candidate the class allows and lists the
// alternatives of that class.
func settle(cands []Candidate, class charClass) (s settled, changed bool) {
	if len(cands) == 0 {
		return settled{char: '<', prob: 0}, false
	}
	top := cands[0]
	s = settled{char: top.Char, prob: float64(top.Prob)}
	if !class.allows(top.Char) {
		// The reader's best allowed candidate, where the look-alike of its
		// best reading (O for 0, 8 for B, ...) counts lookAlikeWeight
		// times: a classifier confuses exactly those.
		to, hasTo := confusable(top.Char, class)
		bestScore := -1.0
		floor := float64(settleMinProb)
		for _, c := range cands[1:] {
			floor = math.Min(floor, float64(c.Prob))
			if !class.allows(c.Char) {
				continue
			}
			score := float64(c.Prob)
			if hasTo && c.Char == to {
				score *= lookAlikeWeight
			}
			if score > bestScore {
				s.char, s.prob, bestScore = c.Char, float64(c.Prob), score
			}
		}
		if hasTo && !slices.ContainsFunc(cands, func(c Candidate) bool { return c.Char == to }) {
			// The look-alike the reader did not list: less likely than
			// anything it did.
			if score := floor / 2 * lookAlikeWeight; score > bestScore {
				s.char, s.prob, bestScore = to, floor/2, score
			}
		}
		if bestScore < 0 {
			return s, false
		}
		changed = true
	}
	if class == classCheck || class == classCheckOrFiller {
		return s, changed // a check digit has no alternatives
	}
	p := max(s.prob, 1e-6)
	for _, c := range cands {
		if c.Char != s.char && class.allows(c.Char) && float64(c.Prob) >= minAltProb {
			s.alts = append(s.alts, alt{c.Char, math.Max(0, math.Log(p/float64(c.Prob)))})
		}
	}
	if s.prob < inventProb {
		if to, ok := confusable(s.char, class); ok && !slices.ContainsFunc(s.alts, func(a alt) bool { return a.char == to }) {
			q := max((1-s.prob)/2, minAltProb)
			s.alts = append(s.alts, alt{to, math.Max(0, math.Log(p/q))})
		}
	}
	slices.SortFunc(s.alts, func(a, b alt) int { return cmp.Compare(a.cost, b.cost) })
	return s, changed
}

// searchFix makes check cd hold, if it fails, by the cheapest combination
// of at most maxChanges alternatives at the free positions, within
// maxFixCost. It edits text and returns what it changed. When it changes
// nothing, misread says whether a misread within the reader's own doubts
// would still explain the failure: the field is read too poorly to
// repair (more than maxUnsurePositions places in doubt) and some
// combination holds, or two repairs hold nearly alike. Such a failure is
// no proof of what is printed.
func searchFix(text [][]byte, pos [][]settled, cd checkDef, free [][2]int) (fixes []Correction, cost float64, misread bool) {
	holds := func() bool { return cd.holds(text) }
	if holds() {
		return nil, 0, false
	}
	// A check "digit" that is no digit proves nothing.
	if d := text[cd.digit.line][cd.digit.start]; d < '0' || d > '9' {
		return nil, 0, false
	}
	type option struct {
		at   [2]int
		char byte
		cost float64
	}
	var opts []option
	for _, p := range free {
		for _, a := range pos[p[0]][p[1]].alts {
			if a.cost <= maxFixCost {
				opts = append(opts, option{p, a.char, a.cost})
			}
		}
	}
	if len(opts) == 0 {
		return nil, 0, false
	}
	slices.SortFunc(opts, func(a, b option) int { return cmp.Compare(a.cost, b.cost) })
	if len(opts) > maxSearchPositions*2 {
		opts = opts[:maxSearchPositions*2]
	}
	set := func(o option) byte {
		old := text[o.at[0]][o.at[1]]
		text[o.at[0]][o.at[1]] = o.char
		return old
	}
	unset := func(o option, old byte) { text[o.at[0]][o.at[1]] = old }

	// A field read so poorly that several places are in doubt is not
	// repaired: some combination would pass by chance.
	unsure := map[[2]int]bool{}
	for _, o := range opts {
		unsure[o.at] = true
	}
	tooUnsure := len(unsure) > maxUnsurePositions
	bestCost, runnerUp := math.Inf(1), math.Inf(1)
	var best []option
	found := func(c float64, combo []option) {
		switch {
		case c < bestCost:
			runnerUp, bestCost, best = bestCost, c, combo
		case c < runnerUp:
			runnerUp = c
		}
	}
	for i, a := range opts {
		if a.cost > maxFixCost {
			break
		}
		oldA := set(a)
		if holds() {
			found(a.cost, []option{a})
		}
		if maxChanges >= 2 {
			for _, b := range opts[i+1:] {
				c := a.cost + b.cost
				if c > maxFixCost {
					break
				}
				if b.at == a.at {
					continue
				}
				oldB := set(b)
				if holds() {
					found(c, []option{a, b})
				}
				unset(b, oldB)
			}
		}
		unset(a, oldA)
	}
	switch {
	case best == nil:
		return nil, 0, false
	case tooUnsure:
		// Some combination of the doubts holds, and with that many
		// places in doubt one would by chance: nothing is proven either
		// way.
		return nil, 0, true
	case runnerUp-bestCost < ambiguityMargin:
		// Two repairs nearly as likely: the check digit cannot tell which.
		return nil, 0, true
	}
	for _, o := range best {
		from := set(o)
		fixes = append(fixes, Correction{o.at[0], o.at[1], from, o.char, "check digit"})
	}
	return fixes, bestCost, false
}

// plausibleDate reports whether a YYMMDD field can be a date: digits or
// fillers, a month of 1–12 and a day of 1–31 where known.
func plausibleDate(s string) bool {
	d := &Document{}
	d.parseDate("", s, time.Time{}, false)
	return len(d.Problems) == 0
}
