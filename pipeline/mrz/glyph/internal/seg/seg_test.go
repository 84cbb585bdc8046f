package seg

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/synth"
)

// TestSegmentSynthetic checks on degraded synthetic lines that the cells
// land on the rendered characters.
func TestSegmentSynthetic(t *testing.T) {
	faces, err := synth.LoadFaces(synth.DefaultFontDir)
	if err != nil {
		t.Skipf("OCR-B font not installed (fonts-ocr-b): %v", err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, want := range []bool{true, false} {
		var okCount, okAlign, total int
		for i := 0; i < 120; i++ {
			n := []int{30, 36, 44}[i%3]
			line, err := synth.Render(rng, faces, synth.RandomText(rng, n), synth.Options{MinCap: 9, MaxCap: 60, Steady: true})
			if err != nil {
				t.Fatal(err)
			}
			wl := 0
			if want {
				wl = n
			}
			total++
			l, err := Segment(line.Image, wl)
			if err != nil {
				continue
			}
			if len(l.Cells) != n {
				continue
			}
			okCount++
			bad := 0
			for k, c := range l.Cells {
				tc := line.Cells[k]
				tx := float64(tc.Min.X+tc.Max.X) / 2
				ix := float64(c.Box.Min.X+c.Box.Max.X) / 2
				if math.Abs(tx-ix) > 0.3*line.Pitch {
					bad++
				}
			}
			if bad == 0 {
				okAlign++
			}
		}
		t.Logf("wantLen given=%v: count right %d/%d, aligned %d/%d", want, okCount, total, okAlign, total)
		// These lines carry the harshest training degradations (neighbour
		// lines, rules, dot print, heavy blur); the floor guards against
		// regressions, not perfection.
		if float64(okAlign) < 0.7*float64(total) {
			t.Errorf("wantLen given=%v: only %d/%d lines segmented onto the characters", want, okAlign, total)
		}
	}
}
