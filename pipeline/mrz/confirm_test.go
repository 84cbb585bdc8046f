package mrz

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

// cheLines is lines with the state UTO as CHE: no check digit covers the
// state codes, and UTO's O, which another font's reader may take for 0,
// would leave such a zone unsure whatever else it does.
func cheLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.ReplaceAll(l, "UTO", "CHE")
	}
	return out
}

// renderMono renders sc in the monospace font at path, skipping the
// test when the font is not installed.
func renderMono(t *testing.T, sc mrztest.Scene, path string) *mrztest.Scene {
	t.Helper()
	sc.MonoPath = path
	if _, err := loadFonts(t).Font(path); errors.Is(err, mrztest.ErrNoFont) {
		t.Skipf("font %s: %v", path, err)
	}
	return &sc
}

// confirmedFailure reports whether res is an answer of the fallback
// reader that the glyph reader confirmed as failing.
func confirmedFailure(res *Result) bool {
	return res != nil && slices.ContainsFunc(res.Warnings, func(p Problem) bool { return p.Reason == WarnConfirmed })
}

// TestConfirmFailureScripted: a fallback reading whose check digit fails
// is answered as an invalid zone (a fraud signal) only when the glyph
// reader, reading the same print, sees every character of it and doubts
// none that would make the checks hold. The fallback is scripted, the
// print is real: MRZs rendered in Liberation Mono and Noto Sans Mono,
// which the OCR-B glyph model reads unsurely.
func TestConfirmFailureScripted(t *testing.T) {
	td1 := cheLines(specTD1)
	expiry7 := withChar(td1, 1, 10, '7') // 120415 printed 127415: the expiry's check fails
	// A date of birth read 740812 -> 740512 where 740812 is printed: a
	// misread of the fallback's, at a place the glyph reader doubts.
	misread := withChar(td1, 1, 3, '5')
	// A letter the glyph reader does not see where the print has another.
	unseen := withChar(expiry7, 0, 9, 'W')
	for _, f := range []struct {
		path  string
		faint mrztest.Scene // blurred and faint: the glyph reader's doubts explain the failure
	}{
		{mrztest.LiberationMonoPath, mrztest.Scene{Seed: 7, Dim: 0.35, Blur: 1.2, Noise: 6}},
		// No faint scene for Noto Sans Mono: once its lines are cut at
		// their true height (the finder bridges a sans face's dips in
		// ink between its bars), the glyph reader reads its faint
		// blurred print surely, and the tampered print comes back
		// invalid, as printed; fainter print is not found at all.
		{mrztest.NotoMonoPath, mrztest.Scene{}},
	} {
		font := f.path
		name := font[strings.LastIndex(font, "/")+1:]
		for _, tc := range []struct {
			name    string
			printed []string
			said    []string // what the fallback reads
			scene   mrztest.Scene
			want    Status // "" for no answer
		}{
			{"tampered, read as printed: invalid", expiry7, expiry7, mrztest.Scene{Seed: 1}, StatusInvalid},
			{"tampered, rotated, read as printed: invalid", expiry7, expiry7, mrztest.Scene{Seed: 4, Rotate: 3, JPEG: 60}, StatusInvalid},
			{"genuine, read as printed: valid", td1, td1, mrztest.Scene{Seed: 1}, StatusValid},
			{"genuine, a digit misread where the glyphs doubt it: not invalid", td1, misread, mrztest.Scene{Seed: 1}, ""},
			{"tampered, a letter the glyphs do not see: not invalid", expiry7, unseen, mrztest.Scene{Seed: 1}, ""},
			{"tampered, blurred faint print the glyphs doubt: not invalid", expiry7, expiry7, f.faint, ""},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				if tc.scene.Seed == 0 {
					t.Skip("no such scene for this font")
				}
				sc := renderMono(t, tc.scene, font)
				sc.Lines = tc.printed
				fb := &scriptedLines{lines: tc.said, confs: []float64{0.9, 0.9, 0.9}}
				e, err := New(WithClock(func() time.Time { return testNow }), WithFallback(fb))
				if err != nil {
					t.Fatal(err)
				}
				res, err := e.ReadGray(context.Background(), renderScene(t, *sc))
				if err != nil && !errors.Is(err, ErrNotFound) {
					t.Fatal(err)
				}
				if fb.calls == 0 {
					t.Fatalf("the fallback was not asked: the glyph reader answered %+v (%v)", res, err)
				}
				switch tc.want {
				case StatusInvalid:
					if err != nil || res.Status != StatusInvalid || !slices.Equal(res.Lines, tc.printed) || !confirmedFailure(res) || res.Checks[CheckDateOfExpiry] {
						t.Errorf("got %+v (%v), want %q invalid, confirmed, the expiry's check failing", res, err, tc.printed)
					}
				case StatusValid:
					if err != nil || res.Status != StatusValid || !slices.Equal(res.Lines, tc.printed) {
						t.Errorf("got %+v (%v), want %q valid", res, err, tc.printed)
					}
				default:
					if err == nil && res.Status == StatusInvalid {
						t.Errorf("got %q invalid (%v), printed %q: a fraud signal the readers do not both prove", res.Lines, res.Warnings, tc.printed)
					}
				}
			})
		}
	}
}

// TestConfirmFailureNeverAMisread: the fallback misreads one digit of a
// genuine MRZ's date (of birth in Liberation Mono, of expiry in Noto
// Sans Mono), each place and each other digit in turn (a failing check
// the print does not fail): never answered invalid. The
// glyph reader either does not see the misread digit there, or doubts
// the printed one, which makes the checks hold.
func TestConfirmFailureNeverAMisread(t *testing.T) {
	td1 := cheLines(specTD1)
	birth := [][2]int{{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}}
	expiry := [][2]int{{1, 8}, {1, 9}, {1, 10}, {1, 11}, {1, 12}, {1, 13}, {1, 14}}
	for _, f := range []struct {
		font   string
		places [][2]int
	}{{mrztest.LiberationMonoPath, birth}, {mrztest.NotoMonoPath, expiry}} {
		font, places := f.font, f.places
		if testing.Short() {
			places = places[:2]
		}
		sc := renderMono(t, mrztest.Scene{Lines: td1, Seed: 1}, font)
		img := renderScene(t, *sc)
		fb := &scriptedLines{confs: []float64{0.9, 0.9, 0.9}}
		e, err := New(WithClock(func() time.Time { return testNow }), WithFallback(fb))
		if err != nil {
			t.Fatal(err)
		}
		asked, answered := 0, 0
		for _, at := range places {
			for d := byte('0'); d <= '9'; d++ {
				if td1[at[0]][at[1]] == d {
					continue
				}
				fb.lines, fb.calls = withChar(td1, at[0], at[1], d), 0
				res, err := e.ReadGray(context.Background(), img)
				if err != nil && !errors.Is(err, ErrNotFound) {
					t.Fatal(err)
				}
				asked += min(fb.calls, 1)
				if err == nil && res.Status == StatusInvalid {
					t.Errorf("%s: the fallback read %q at line %d position %d, printed %q: answered invalid", font, d, at[0]+1, at[1]+1, td1[at[0]][at[1]])
				}
				if err == nil {
					answered++
				}
			}
		}
		if asked == 0 {
			t.Errorf("%s: the fallback was never asked: the case tests nothing", font)
		}
		t.Logf("%s: %d misreads, the fallback asked on %d, an answer (unsure) on %d", font, 9*len(places), asked, answered)
	}
}

// TestFallbackTamperedMonoInvalid: through the real Tesseract fallback,
// an MRZ printed in Liberation Mono or Noto Sans Mono with one digit
// changed (its check digit failing as printed) is answered invalid, the
// same MRZ as issued is valid, and neither, blurred and faint, is ever
// answered invalid with lines other than those printed; the genuine one
// never invalid at all.
func TestFallbackTamperedMonoInvalid(t *testing.T) {
	e := tesseractEngine(t)
	td1, td3 := cheLines(specTD1), cheLines(specTD3)
	type tcase struct {
		name    string
		font    string
		genuine []string
		printed []string
		failing string
	}
	cases := []tcase{
		{"Liberation Mono TD1, expiry", mrztest.LiberationMonoPath, td1, withChar(td1, 1, 10, '7'), CheckDateOfExpiry},
		{"Noto Sans Mono TD1, birth date", mrztest.NotoMonoPath, td1, withChar(td1, 1, 3, '5'), CheckDateOfBirth},
		{"Noto Sans Mono TD3, expiry", mrztest.NotoMonoPath, td3, withChar(td3, 1, 24, '3'), CheckDateOfExpiry},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, sc := range []mrztest.Scene{{Seed: 1}, {Seed: 2, Blur: 1, Noise: 4}} {
				sc := renderMono(t, sc, tc.font)
				sc.Lines = tc.printed
				res, err := e.ReadGray(context.Background(), renderScene(t, *sc))
				if err != nil || res.Status != StatusInvalid || !slices.Equal(res.Lines, tc.printed) || res.Checks[tc.failing] {
					t.Errorf("tampered %+v: got %+v (%v), want %q invalid with %s failing", sc, res, err, tc.printed, tc.failing)
				}
				if i > 0 {
					continue // the genuine one blurred: see below
				}
				sc.Lines = tc.genuine
				res, err = e.ReadGray(context.Background(), renderScene(t, *sc))
				if err != nil || res.Status != StatusValid || !slices.Equal(res.Lines, tc.genuine) {
					t.Errorf("genuine %+v: got %+v (%v), want %q valid", sc, res, err, tc.genuine)
				}
			}
			for i, sc := range []mrztest.Scene{
				{Blur: 1, Noise: 4},
				{Dim: 0.35, Blur: 1.2, Noise: 6},
				{Blur: 1.7, Noise: 5},
				{CapHeight: 10, JPEG: 50},
			} {
				sc := renderMono(t, sc, tc.font)
				sc.Seed = uint64(10 + i)
				for _, lines := range [][]string{tc.printed, tc.genuine} {
					sc.Lines = lines
					res, err := e.ReadGray(context.Background(), renderScene(t, *sc))
					if err != nil {
						continue
					}
					if res.Status == StatusInvalid && (!slices.Equal(res.Lines, lines) || slices.Equal(lines, tc.genuine)) {
						t.Errorf("%+v: got %q invalid, printed %q", sc, res.Lines, lines)
					}
					if res.Status == StatusValid && !slices.Equal(res.Lines, lines) {
						t.Errorf("%+v: got %q valid, printed %q", sc, res.Lines, lines)
					}
				}
			}
		})
	}
}

// TestFitFillers: a fallback line is brought to the zone's length only
// where the difference can be fillers miscounted at its end: a filler
// or two anywhere the line ends in one, any number where it ends in a
// long run (Tesseract lost 6 of a names line's 25), and any number at
// the end of the names line once a surname is read ended by "<<"
// (Tesseract read 25 as one).
func TestFitFillers(t *testing.T) {
	names := "P<UTOZHUKOVA<<IRINA" + strings.Repeat("<", 25)
	for _, tc := range []struct {
		in        string
		want      int
		namesLine bool
		out       string
		wantOK    bool
	}{
		{names, 44, true, names, true},
		{names[:38], 44, true, names, true},
		{names + "<<<<<<<", 44, true, names, true},
		{"I<UTOD231458907<<<<<<<<<<<<<", 30, false, "I<UTOD231458907<<<<<<<<<<<<<<<", true},
		{"7408122F1204159UTO<<<<<<<<<<<<6", 30, false, "", false},                   // 31, ending in a digit
		{"L898902C36UTO7408122F1204159ZE184226B<<<<<10"[:38], 44, false, "", false}, // cut short, no run of fillers
		{"L898902C36UTO7408122F1204159ZE184226B<", 44, false, "", false},            // a data line: its end is no filler's
		{"P<UTOERIKSSON<<ANNA<MARIA<<<<<", 44, false, "", false},                    // not the names line: a run too short to lose 14
		{"P<UTOERIKSSON<<ANNA<MARIA<<<<<", 44, true, "P<UTOERIKSSON<<ANNA<MARIA" + strings.Repeat("<", 19), true},
		{"P<KAZSOKOLOV<<IURII<", 44, true, "P<KAZSOKOLOV<<IURII" + strings.Repeat("<", 25), true}, // Tesseract read 25 as one
		{"P<KAZSOKOLOV<IURII<", 44, true, "", false},                                              // no surname ended
		{names + "<<X" + strings.Repeat("<", 10), 44, true, "", false},                            // a letter in the excess
	} {
		got, ok := fitFillers(tc.in, tc.want, tc.namesLine)
		if ok != tc.wantOK || (ok && got != tc.out) {
			t.Errorf("fitFillers(%q, %d) = %q, %v; want %q, %v", tc.in, tc.want, got, ok, tc.out, tc.wantOK)
		}
	}
}
