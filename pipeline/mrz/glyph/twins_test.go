package glyph

import (
	"math/rand/v2"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/synth"
)

// twinErrors reads rendered lines and counts the twins (O and 0) read
// wrong, with and without the height trend.
func twinErrors(t *testing.T, r *Reader, faces []*synth.Face, texts []string, opt synth.Options, seed uint64) (twins, withTrend, without int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	defer func(v bool) { heightTrend = v }(heightTrend)
	for _, text := range texts {
		l, err := synth.Render(rng, faces, text, opt)
		if err != nil {
			t.Fatal(err)
		}
		read := [2]string{}
		for k, on := range [2]bool{true, false} {
			heightTrend = on
			line, err := r.ReadLine(l.Image, len(text))
			if err != nil {
				t.Fatal(err)
			}
			read[k] = line.Text()
		}
		for i := range text {
			if text[i] != 'O' && text[i] != '0' {
				continue
			}
			twins++
			if len(read[0]) != len(text) || read[0][i] != text[i] {
				t.Logf("read %q for %q", read[0], text)
				withTrend++
			}
			if len(read[1]) != len(text) || read[1][i] != text[i] {
				without++
			}
		}
	}
	return twins, withTrend, without
}

// twinTexts have letters and digits at both ends, and two characters
// of its own class on each side of every twin, so context alone would
// settle each.
var twinTexts = []string{
	"ABCDEFG<<12045<HIJKLMN<<7891023<<KLMNPQ<<128",
	"12034<<PQRSTUV<<6789123<<WXYOZABCDE<<1234056",
	"12304<<KLMONPR<<678912<<ABCDEF<<HIJKOLM<4508",
	"PQROSTU<<12034<<VWXYZAB<<456789<<CDEFGH<4506",
}

func twinSetup(t *testing.T) ([]*synth.Face, *Reader) {
	t.Helper()
	faces, err := synth.LoadFaces(synth.DefaultFontDir)
	if err != nil {
		t.Skipf("OCR-B font not installed (Debian fonts-ocr-b): %v", err)
	}
	return faces, mustReader(t)
}

// TestTwinHeightTrend: OCR-B lines photographed at an angle (shrinking or
// growing by a fifth from end to end), printed by a printer that draws
// its 0 with the O's outline at the digits' height (some do), so the
// glyph's shape cannot tell and its height must. Twins among digits at
// the small end are as short as capitals at the large end: measured
// against the heights expected where they stand, context settles them.
func TestTwinHeightTrend(t *testing.T) {
	faces, r := twinSetup(t)
	for _, tc := range []struct {
		name  string
		persp float64
	}{{"shrinking", -0.22}, {"growing", 0.22}} {
		t.Run(tc.name, func(t *testing.T) {
			opt := synth.Options{MinCap: 22, MaxCap: 30, Clean: true, Twins: 1, Persp: tc.persp}
			twins, with, without := twinErrors(t, r, faces, twinTexts, opt, 3)
			t.Logf("%d twins, read wrong: %d with the trend, %d without", twins, with, without)
			if with > without || with > 0 {
				t.Errorf("%d of %d twins wrong with the trend (%d without)", with, twins, without)
			}
		})
	}
}

// TestTwinsDrawnAlike: a printer that draws its 0 exactly as its O
// (outline and size) while its other digits stand taller than its
// capitals, straight and at an angle. The twins' heights then say O
// whatever they are: nothing may settle a twin wrong on their word (where
// the line cannot tell, the classifier's reading stands).
func TestTwinsDrawnAlike(t *testing.T) {
	faces, r := twinSetup(t)
	rng := rand.New(rand.NewPCG(5, 1))
	for _, persp := range []float64{-0.22, 0, 0.22} {
		for _, text := range twinTexts {
			l, err := synth.Render(rng, faces, text, synth.Options{MinCap: 22, MaxCap: 30, Clean: true, Twins: 3, Persp: persp})
			if err != nil {
				t.Fatal(err)
			}
			line, err := r.ReadLine(l.Image, len(text))
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range line.Chars {
				if c.Context && c.Cands[0].Char != text[i] {
					t.Errorf("persp %v: %q read %q: char %d settled to %c by context", persp, text, line.Text(), i, c.Cands[0].Char)
				}
			}
		}
	}
}
