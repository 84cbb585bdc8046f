package mrz

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

// TestStatusOfFieldsWithoutCheckDigit: a field no check digit covers
// (state codes, names) is reported as the glyphs were read; what a rule
// changes there is flagged, and a letter made of a surely read digit is
// no sure answer.
func TestStatusOfFieldsWithoutCheckDigit(t *testing.T) {
	c := func(ch byte, p float32) Candidate { return Candidate{Char: ch, Prob: p} }
	byContext := func(ch byte, p float32) Candidate { return Candidate{Char: ch, Prob: p, Context: true} }
	tests := []struct {
		name       string
		lines      []string
		at         map[[2]int][]Candidate
		wantLines  []string
		wantStatus Status
		wantReason string // a part of Reason
		wantWarn   string // a part of one warning
	}{
		{
			name:       "state code: an O the reader put first by context is the glyph's 0",
			lines:      specTD3,
			at:         map[[2]int][]Candidate{{0, 4}: {byContext('O', 0.95), c('0', 0.04)}},
			wantLines:  []string{"P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]},
			wantStatus: StatusUnsure, wantReason: `issuing_state "UT0"`,
		},
		{
			name:       "state code: an O the glyph shows stays",
			lines:      specTD3,
			at:         map[[2]int][]Candidate{{0, 4}: {c('O', 0.95), c('0', 0.04)}},
			wantLines:  specTD3,
			wantStatus: StatusValid,
		},
		{
			name:       "state code: a 0 the reader put first by context is the glyph's O",
			lines:      withChar(specTD3, 1, 12, '0'),
			at:         map[[2]int][]Candidate{{1, 12}: {byContext('0', 0.9), c('O', 0.08)}},
			wantLines:  specTD3,
			wantStatus: StatusValid,
		},
		{
			name:       "nationality: a digit read is never made the letter of a known code",
			lines:      []string{specTD1[0], "7408122F1204159C0D<<<<<<<<<<<6", specTD1[2]},
			at:         map[[2]int][]Candidate{{1, 16}: {c('0', 0.97), c('O', 0.02)}},
			wantLines:  []string{specTD1[0], "7408122F1204159C0D<<<<<<<<<<<6", specTD1[2]},
			wantStatus: StatusUnsure, wantReason: `nationality "C0D"`,
		},
		{
			name: "a line read a character early: a filler before the state code's letters",
			// a border read as I before "P<AUS", the last filler lost:
			// the names SCITIZEN, and no check digit covers them
			lines:      []string{"IP<AUSCITIZEN<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<", "PA09404097AUS8406077F1903212<17331334P<<<<08"},
			wantLines:  []string{"IP<AUSCITIZEN<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<", "PA09404097AUS8406077F1903212<17331334P<<<<08"},
			wantStatus: StatusUnsure, wantReason: `issuing_state "<AU", a filler before a letter`,
		},
		{
			name: "a valid zone: a code that is no known code, read in doubt",
			// no check digit covers a nationality: a Dutch passport's
			// NLD with its N read as M at 0.57 was answered valid
			lines:      []string{specTD3[0], "L898902C36MLD7408122F1204159ZE184226B<<<<<10"},
			at:         map[[2]int][]Candidate{{1, 10}: {c('M', 0.57), c('N', 0.41)}},
			wantLines:  []string{specTD3[0], "L898902C36MLD7408122F1204159ZE184226B<<<<<10"},
			wantStatus: StatusUnsure, wantReason: `nationality "MLD", no known code, read in doubt`,
		},
		{
			name:       "a valid zone: a code that is no known code, read surely, is reported as read",
			lines:      []string{specTD3[0], "L898902C36MLD7408122F1204159ZE184226B<<<<<10"},
			at:         map[[2]int][]Candidate{{1, 10}: {c('M', 0.97), c('N', 0.02)}},
			wantLines:  []string{specTD3[0], "L898902C36MLD7408122F1204159ZE184226B<<<<<10"},
			wantStatus: StatusValid, wantWarn: `nationality: "MLD" is neither`,
		},
		{
			name:       "a code filled out at its end is one",
			lines:      []string{"P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"},
			wantLines:  []string{"P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"},
			wantStatus: StatusValid,
		},
		{
			name:       "name: a surely read 5 given as S is no sure answer",
			lines:      []string{specTD1[0], specTD1[1], "ERIK5SON<<ANNA<MARIA<<<<<<<<<<"},
			at:         map[[2]int][]Candidate{{2, 4}: {c('5', 0.95), c('S', 0.03)}},
			wantLines:  specTD1,
			wantStatus: StatusUnsure, wantReason: "line 3 position 5",
			wantWarn: `'5' read at position 5 of line 3, reported as 'S'`,
		},
		{
			name:       "name: a 0 read is the letter O, flagged",
			lines:      []string{specTD1[0], specTD1[1], "ERIKSS0N<<ANNA<MARIA<<<<<<<<<<"},
			at:         map[[2]int][]Candidate{{2, 6}: {c('0', 0.93), c('O', 0.05)}},
			wantLines:  specTD1,
			wantStatus: StatusValid,
			wantWarn:   `'0' read at position 7 of line 3, reported as 'O'`,
		},
		{
			name:       "name: context over the glyph is kept (the field allows letters only)",
			lines:      specTD1,
			at:         map[[2]int][]Candidate{{2, 6}: {byContext('O', 0.93), c('0', 0.05)}},
			wantLines:  specTD1,
			wantStatus: StatusValid,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := resultOf(reading(tc.lines, tc.at), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Lines, tc.wantLines) || res.Status != tc.wantStatus || !strings.Contains(res.Reason, tc.wantReason) {
				t.Errorf("got %q %s (%s), want %q %s (%s)", res.Lines, res.Status, res.Reason, tc.wantLines, tc.wantStatus, tc.wantReason)
			}
			warned := tc.wantWarn == ""
			for _, w := range res.Warnings {
				warned = warned || strings.Contains(w.String(), tc.wantWarn)
			}
			if !warned {
				t.Errorf("warnings %v, want one with %q", res.Warnings, tc.wantWarn)
			}
		})
	}
}

// TestDigitsInLetterFieldsRendered prints digits where letters are
// expected — a zero in the nationality and in the issuing state, which a
// letter O would turn into a known code, and a 5 in a name — and renders
// the zones under degradations of our own. No answer given as sure may
// differ from the zone as printed: the digit is reported as read (then
// the zone is unsure, since the letter would make a known code) or the
// zone is unsure or not read.
func TestDigitsInLetterFieldsRendered(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	td1C0D := []string{specTD1[0], "7408122F1204159C0D<<<<<<<<<<<6", specTD1[2]}
	td3UT0 := []string{"P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]}
	td1Name5 := []string{specTD1[0], specTD1[1], "ERIK5SON<<ANNA<MARIA<<<<<<<<<<"}
	scenes := []mrztest.Scene{
		{Lines: td1C0D},
		{Lines: td1C0D, Blur: 1.2, Noise: 8, Rotate: 4},
		{Lines: td1C0D, CapHeight: 10, JPEG: 45},
		{Lines: td1C0D, Dim: 0.4, Noise: 6, Perspective: 0.15},
		{Lines: td3UT0},
		{Lines: td3UT0, Blur: 1.5, JPEG: 50, Rotate: -6},
		{Lines: td3UT0, CapHeight: 9, Noise: 10},
		{Lines: td1Name5, Blur: 1, Noise: 6},
		{Lines: td1Name5, CapHeight: 10, JPEG: 40, Rotate: 8},
	}
	if testing.Short() {
		scenes = scenes[:3]
	}
	var asPrinted, unsure, none int
	for i, sc := range scenes {
		sc.Seed = uint64(700 + i)
		img, _, err := sc.Render(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Read(context.Background(), img)
		switch {
		case err != nil:
			none++
		case !slices.Equal(res.Lines, sc.Lines) && res.Status != StatusUnsure:
			t.Errorf("scene %d: a wrong zone reported %s:\n%s\nprinted\n%s", i, res.Status, strings.Join(res.Lines, "\n"), strings.Join(sc.Lines, "\n"))
		case res.Status == StatusUnsure:
			unsure++
			if slices.Equal(res.Lines, sc.Lines) {
				asPrinted++
			}
		default:
			asPrinted++
		}
	}
	t.Logf("rendered digits in letter fields: %d read as printed, %d unsure (no answer), %d not read, of %d", asPrinted, unsure, none, len(scenes))
}

// TestFailureAMisreadExplainsIsUnsure: a check digit that fails as read
// is a fraud signal (StatusInvalid) only when no misread within the
// reader's own doubts explains it. A field read with more places in
// doubt than the corrector repairs, where some of them would make the
// check hold, is unsure; the same doubts that cannot make it hold leave
// the failure standing.
func TestFailureAMisreadExplainsIsUnsure(t *testing.T) {
	c := func(ch byte, p float32) Candidate { return Candidate{Char: ch, Prob: p} }
	// TD1 with optional data AB1234567 (line 1, positions 16–24): only
	// the composite check covers it.
	printed := []string{"I<UTOD231458907AB1234567<<<<<<", "7408122F1204159UTO<<<<<<<<<<<1", specTD1[2]}
	fiveAsS := map[[2]int][]Candidate{{0, 21}: {c('S', 0.58), c('5', 0.3)}}
	manyDoubts := map[[2]int][]Candidate{
		{0, 16}: {c('B', 0.9), c('8', 0.08)},
		{0, 18}: {c('2', 0.9), c('Z', 0.08)},
		{0, 19}: {c('3', 0.9), c('8', 0.08)},
		{0, 22}: {c('6', 0.9), c('G', 0.08)},
	}
	with := func(a, b map[[2]int][]Candidate) map[[2]int][]Candidate {
		out := map[[2]int][]Candidate{}
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name       string
		lines      []string
		at         map[[2]int][]Candidate
		wantStatus Status
		wantReason string
	}{
		{"one doubt that makes it hold: repaired", withChar(printed, 0, 21, 'S'), fiveAsS, StatusValid, ""},
		{"a doubt that makes it hold among too many to repair: unsure", withChar(printed, 0, 21, 'S'), with(fiveAsS, manyDoubts), StatusUnsure, "composite check digit"},
		{"read surely, the digit printed wrong: invalid", withChar(printed, 1, 29, '4'), nil, StatusInvalid, ""},
		{"many doubts, none of which makes it hold: invalid", withChar(printed, 1, 29, '4'), manyDoubts, StatusInvalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := resultOf(reading(tc.lines, tc.at), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.wantStatus || !strings.Contains(res.Reason, tc.wantReason) {
				t.Errorf("got %q %s (%s), want %s (%s)", res.Lines, res.Status, res.Reason, tc.wantStatus, tc.wantReason)
			}
		})
	}
}

// TestFillersAfterNames: once the names have ended (three fillers in a
// row, read surely, after a letter), every later position of the names
// field is a filler: faint fillers read unsurely as letters or digits
// become fillers and are vouched for by that syntax; a letter read
// surely there stays as read; a single or double filler between name
// parts ends nothing.
func TestFillersAfterNames(t *testing.T) {
	c := func(ch byte, p float32) Candidate { return Candidate{Char: ch, Prob: p} }
	printed := []string{"P<AUSCITIZEN<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<<", "PA09404097AUS8406077F1903212<17331334P<<<<08"}
	faint := map[[2]int][]Candidate{
		{0, 27}: {c('2', 0.43), c('<', 0.29)},
		{0, 28}: {c('2', 0.43), c('<', 0.23)},
		{0, 40}: {c('D', 0.22), c('<', 0.20)},
		{0, 41}: {c('U', 0.42), c('D', 0.10), c('<', 0.06)},
		{0, 43}: {c('U', 0.51), c('D', 0.20)}, // '<' not even listed
	}
	tests := []struct {
		name       string
		lines      []string
		at         map[[2]int][]Candidate
		wantLine0  string
		wantStatus Status
	}{
		{"faint fillers read as letters", []string{"P<AUSCITIZEN<<JANE<<<<<<<<<22<<<<<<<<<<<DU<U", printed[1]}, faint, printed[0], StatusValid},
		{"a letter read surely after the names stays", []string{"P<AUSCITIZEN<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<K", printed[1]}, nil, "P<AUSCITIZEN<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<K", StatusValid},
		{"parts a filler or two apart are names", []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"},
			map[[2]int][]Candidate{{0, 20}: {c('M', 0.45), c('<', 0.3)}}, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", StatusUnsure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := resultOf(reading(tc.lines, tc.at), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if res.Lines[0] != tc.wantLine0 || res.Status != tc.wantStatus {
				t.Errorf("got %q %s (%s), want %q %s", res.Lines[0], res.Status, res.Reason, tc.wantLine0, tc.wantStatus)
			}
		})
	}
}

// TestHoldingCheckProvesOnlyASureEnoughReading: a check digit that holds
// vouches for the characters it covers only when the reading is more
// likely right than a misread, which holds one time in ten. A document
// number read with two places in doubt, its check holding, is valid; the
// same with five places in doubt (the glyph model reading a font it was
// not trained on) is unsure: such a reading holds by chance.
func TestHoldingCheckProvesOnlyASureEnoughReading(t *testing.T) {
	c := func(ch byte, p float32) Candidate { return Candidate{Char: ch, Prob: p} }
	// specTD1's document number D23145890 (line 1, positions 6–14).
	doubt := func(n int) map[[2]int][]Candidate {
		m := map[[2]int][]Candidate{}
		for i := range n {
			at := [2]int{0, 6 + i}
			m[at] = []Candidate{c(specTD1[0][6+i], 0.45), c('B', 0.3)}
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		doubts int
		want   Status
	}{
		{"read surely", 0, StatusValid},
		{"two places in doubt", 2, StatusValid},
		{"five places in doubt", 5, StatusUnsure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := resultOf(reading(specTD1, doubt(tc.doubts)), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.want || !slices.Equal(res.Lines, specTD1) {
				t.Errorf("got %q %s (%s), want %s", res.Lines, res.Status, res.Reason, tc.want)
			}
		})
	}
}
