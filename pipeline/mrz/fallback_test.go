package mrz

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz/find"
	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
	"github.com/docscan/docscan/pipeline/ocr"
)

// scriptedLines answers a zone's lines in turn, whatever the pixels.
type scriptedLines struct {
	mu    sync.Mutex
	lines []string
	confs []float64
	calls int
}

func (s *scriptedLines) ReadLineText(context.Context, *image.Gray) (string, float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.calls % len(s.lines)
	s.calls++
	return s.lines[i], s.confs[i], nil
}

func renderScene(t *testing.T, sc mrztest.Scene) *image.Gray {
	t.Helper()
	img, _, err := sc.Render(loadFonts(t))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFallbackReader: a zone the glyph reader cannot read surely (an MRZ
// in another monospace font) is taken from the fallback reader only when
// its check digits all hold and its name line is sure: each letter read
// surely by Tesseract, or by the glyph reader too, and none the glyph
// reader does not see; a zone read surely, and a block of words, never
// reach the fallback.
func TestFallbackReader(t *testing.T) {
	mono := mrztest.Scene{Lines: specTD1, Mono: true, Seed: 5}
	badDigit := slices.Clone(specTD1)
	badDigit[1] = badDigit[1][:29] + "7"
	// as Tesseract reads a font other than OCR-B: an O for the number's
	// 0, the names' run of fillers as one, and little confidence in lines
	// of whitelisted characters
	tessLike := []string{strings.Replace(specTD1[0], "890", "89O", 1), specTD1[1], "ERIKSSON<<ANNA<MARIA<"}
	otherName := slices.Clone(specTD1)
	otherName[2] = strings.Replace(otherName[2], "ERIKSSON", "ERIKSSEN", 1)
	words := mrztest.Scene{Plain: true, Seed: 6, Lines: []string{
		"THE HOLDER OF THIS CARD IS A CITIZEN", "OF THE STATE AND IS ENTITLED TO THE", "PROTECTION OF ITS CONSULAR OFFICES"}}
	for _, tc := range []struct {
		name      string
		scene     mrztest.Scene
		lines     []string
		confs     []float64
		wantValid bool // the fallback's reading is the answer
		wantCalls bool // the fallback is asked at all
	}{
		{"check digits hold, names sure: taken", mono, specTD1, []float64{0.9, 0.05, 0.9}, true, true},
		{"a check digit fails: not taken", mono, badDigit, []float64{0.9, 0.9, 0.9}, false, true},
		{"an O its check digit proves a 0, fillers lost: taken", mono, tessLike, []float64{0.2, 0.2, 0.9}, true, true},
		{"names unsure to Tesseract, sure to the glyph reader too: taken", mono, specTD1, []float64{0.9, 0.9, 0.2}, true, true},
		{"a name letter the glyph reader does not see: not taken", mono, otherName, []float64{0.9, 0.9, 0.9}, false, true},
		{"OCR-B read surely: never asked", mrztest.Scene{Lines: specTD1, Seed: 5}, specTD1, []float64{0.9, 0.9, 0.9}, true, false},
		{"words, no fillers: never asked", words, specTD1, []float64{0.9, 0.9, 0.9}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &scriptedLines{lines: tc.lines, confs: tc.confs}
			e, err := New(WithClock(func() time.Time { return testNow }), WithFallback(fb))
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.ReadGray(context.Background(), renderScene(t, tc.scene))
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			if (fb.calls > 0) != tc.wantCalls {
				t.Errorf("fallback asked %d times, want asked %v", fb.calls, tc.wantCalls)
			}
			if slices.Equal(tc.lines, otherName) && err == nil && res.Status == StatusValid {
				t.Errorf("a name letter the two readers disagree on answered valid: %q", res.Lines)
			}
			valid := err == nil && res.Status == StatusValid && slices.Equal(res.Lines, specTD1)
			if valid != tc.wantValid {
				t.Errorf("answer valid %v, want %v (err %v, result %+v)", valid, tc.wantValid, err, res)
			}
			if tc.wantValid && tc.wantCalls && !slices.ContainsFunc(res.Warnings, func(p Problem) bool { return p.Reason == WarnFallback }) {
				t.Errorf("warnings %v lack %q", res.Warnings, WarnFallback)
			}
		})
	}
}

// tesseractEngine is an engine with the product's Tesseract fallback,
// closed with the test; the test is skipped in short mode and where
// Tesseract is not available.
func tesseractEngine(t *testing.T) *Engine {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	pool, err := ocr.NewPool(ocr.Options{Workers: 1})
	if errors.Is(err, ocr.ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e, err := New(WithClock(func() time.Time { return testNow }), WithFallback(tesseractLines{pool}))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// tesseractLines is the product's fallback, as package pipeline builds
// it, for the test with real Tesseract.
type tesseractLines struct{ pool *ocr.Pool }

func (r tesseractLines) ReadLineText(ctx context.Context, line *image.Gray) (string, float64, error) {
	t, err := r.pool.Read(ctx, line, ocr.Request{Languages: "eng", Mode: ocr.PSMSingleLine, Whitelist: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"})
	return t.Text, t.Confidence / 100, err
}

// TestFallbackTesseractReadsMonospaceMRZ: MRZs printed in DejaVu Sans
// Mono, which the OCR-B glyph model reads unsurely or not at all, come
// back exact and valid through the real Tesseract fallback.
func TestFallbackTesseractReadsMonospaceMRZ(t *testing.T) {
	e := tesseractEngine(t)
	plain := newTestEngine(t)
	// No check digit covers the state codes: another state than UTO,
	// whose O Tesseract may read as 0 in this font, keeps them valid.
	che := cheLines
	for _, tc := range []struct {
		name  string
		scene mrztest.Scene
	}{
		{"TD1", mrztest.Scene{Lines: che(specTD1), Mono: true, Seed: 7}},
		{"TD1 turned", mrztest.Scene{Lines: che(specTD1), Mono: true, Rotate: 4, Seed: 8}},
		{"TD3", mrztest.Scene{Lines: che(specTD3), Mono: true, Seed: 9}},
		{"TD1 upside down", mrztest.Scene{Lines: che(specTD1), Mono: true, Rotate: 178, Seed: 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := renderScene(t, tc.scene)
			if res, err := plain.ReadGray(context.Background(), img); err == nil && res.Status == StatusValid {
				t.Errorf("the glyph reader alone reads it (%q): the case tests nothing", res.Lines)
			}
			res, err := e.ReadGray(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != StatusValid || !slices.Equal(res.Lines, tc.scene.Lines) {
				t.Errorf("got %q %s (%s), want %q valid", res.Lines, res.Status, res.Reason, tc.scene.Lines)
			}
		})
	}
	// UTO's O, which Tesseract reads as 0 here: never a valid answer
	// with a code changed, only an unsure one or none.
	for _, lines := range [][]string{specTD1, specTD3} {
		res, err := e.ReadGray(context.Background(), renderScene(t, mrztest.Scene{Lines: lines, Mono: true, Seed: 11}))
		if err == nil && res.Status == StatusValid && !slices.Equal(res.Lines, lines) {
			t.Errorf("%q answered valid, printed %q", res.Lines, lines)
		}
	}
}

// TestFallbackNamesSeenByGlyphs: the fallback's name line, which no
// check digit covers, is taken only where the glyph reader also sees
// each of its letters: a letter it does not see at all (W where MARIA
// has R) leaves the zone unsure, however sure the fallback was.
func TestFallbackNamesSeenByGlyphs(t *testing.T) {
	mono := renderScene(t, mrztest.Scene{Lines: specTD1, Mono: true, Seed: 5})
	misread := []string{specTD1[0], specTD1[1], strings.Replace(specTD1[2], "MARIA", "MAWIA", 1)}
	for _, tc := range []struct {
		name  string
		lines []string
		want  bool // the fallback's zone is the answer
	}{
		{"the letters the glyphs see", specTD1, true},
		{"a letter the glyphs do not see", misread, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &scriptedLines{lines: tc.lines, confs: []float64{0.9, 0.9, 0.95}}
			e, err := New(WithClock(func() time.Time { return testNow }), WithFallback(fb))
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.ReadGray(context.Background(), mono)
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			taken := err == nil && res.Status == StatusValid && slices.Equal(res.Lines, tc.lines)
			if taken != tc.want {
				t.Errorf("fallback's zone taken %v, want %v (err %v, result %+v)", taken, tc.want, err, res)
			}
		})
	}
}

// TestRealigned: a misaligned zone's valid reading stands when the zone
// run on reads the same, gives way to the run-on reading when that is
// valid, and is unsure otherwise; an aligned zone is not read again.
// The glyph reader's zones (checkAlignment) and the fallback's go
// through it: renderer varied, seed 2727, a name line whose faded first
// letter the cut left out was read "ASILEVA" for VASILEVA by the
// fallback, valid, since no check digit covers names, and raised a false
// alarm against the visual zone; run on, Tesseract read VASILEVA.
func TestRealigned(t *testing.T) {
	e := newTestEngine(t)
	g := newPage(image.NewGray(image.Rect(0, 0, 1000, 400)))
	line := func(x0, x1, y float64) find.Line {
		return find.Line{P0: find.Point{X: x0, Y: y}, P1: find.Point{X: x1, Y: y}, Height: 20}
	}
	even := find.Zone{Lines: []find.Line{line(100, 700, 100), line(100, 700, 140), line(100, 700, 180)}}
	short := find.Zone{Lines: []find.Line{line(100, 700, 100), line(100, 700, 140), line(125, 700, 180)}}
	read := func(lines []string, st Status) *candidate {
		return &candidate{res: &Result{Document: &Document{Lines: lines, Valid: st == StatusValid}, Status: st}}
	}
	other := []string{specTD1[0], specTD1[1], "X" + specTD1[2][1:]}
	for _, tc := range []struct {
		name   string
		zone   find.Zone
		again  *candidate
		want   []string
		status Status
		reads  int
	}{
		{"aligned: not read again", even, read(other, StatusValid), specTD1, StatusValid, 0},
		{"run on, read the same", short, read(specTD1, StatusValid), specTD1, StatusValid, 1},
		{"run on, read otherwise and valid", short, read(other, StatusValid), other, StatusValid, 1},
		{"run on, read otherwise and unsure", short, read(other, StatusUnsure), specTD1, StatusUnsure, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reads := 0
			got, err := e.realigned(context.Background(), g, tc.zone, read(specTD1, StatusValid), func(find.Zone) (*candidate, error) {
				reads++
				return tc.again, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.res.Lines, tc.want) || got.res.Status != tc.status || reads != tc.reads {
				t.Errorf("got %q %s after %d reads, want %q %s after %d", got.res.Lines, got.res.Status, reads, tc.want, tc.status, tc.reads)
			}
		})
	}
}
