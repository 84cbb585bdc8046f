package pipeline

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/docscan/docscan/typedb/specimen"
)

// TestQualitySweep measures, on our renderer, how the MRZ read and the
// focus and resolution measures move with blur and with the document's
// size in the frame: the measurement behind those two defaults
// (docs/recognition.md). It is a measurement, not a check: QUALITY_SWEEP=1
// runs it.
func TestQualitySweep(t *testing.T) {
	if os.Getenv("QUALITY_SWEEP") == "" {
		t.Skip("a measurement: QUALITY_SWEEP=1 runs it")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	docs := []string{"icao-td3", "kz-id-2014", "icao-td1"}
	type knob struct {
		name  string
		steps []float64
		set   func(*specimen.Degradation, float64)
	}
	knobs := []knob{
		{"blur σ px (scale 0.8)", []float64{0, 1, 1.5, 2, 2.5, 3, 4, 5}, func(d *specimen.Degradation, v float64) { d.Blur = v }},
		{"scale in 800×600 (no blur)", []float64{0.8, 0.6, 0.45, 0.35, 0.3, 0.25}, func(d *specimen.Degradation, v float64) { d.Scale, d.Frame = v, image.Pt(800, 600) }},
	}
	knobs = append(knobs, knob{"exposure stops (scale 0.8)", []float64{-3, -2, -1.5, -1, 0, 1, 1.5, 2, 2.5, 3}, func(d *specimen.Degradation, v float64) { exposure = v }})
	for _, k := range knobs {
		if f := os.Getenv("QUALITY_SWEEP"); f != "1" && !strings.HasPrefix(k.name, f) {
			continue
		}
		for _, v := range k.steps {
			exact, n := 0, 0
			line := fmt.Sprintf("%s %5.2f:", k.name, v)
			for _, doc := range docs {
				for seed := int64(1); seed <= 3; seed++ {
					spec, err := ev.r.Render(ctx, doc, specimen.Options{Seed: seed, Today: evalToday, PxPerMM: 16})
					if err != nil {
						t.Fatal(err)
					}
					var side *specimen.Side
					for i := range spec.Sides {
						if spec.Truth.MRZ != nil && spec.Sides[i].Name == spec.Truth.MRZ.Side {
							side = &spec.Sides[i]
						}
					}
					d := specimen.Degradation{Scale: 0.8, Background: typedbDark}
					exposure = 0
					k.set(&d, v)
					p, err := specimen.Degrade([]*image.RGBA{side.White}, d, seed)
					if err != nil {
						t.Fatal(err)
					}
					if exposure != 0 {
						expose(p.Layers[0], exposure)
					}
					ps, err := ev.eng.Prepare(ctx, p.Layers[0], "")
					if err != nil {
						t.Fatal(err)
					}
					q := ps.Quality()
					n++
					ok := ps.base.mrz != nil && slices.Equal(ps.base.mrz.Summary().Lines, spec.Truth.MRZ.Lines)
					if ok {
						exact++
					}
					f := -1.0
					if q.Focus != nil {
						f = q.Focus.Value
					}
					line += fmt.Sprintf(" [%s focus %.3f dpi %.0f bright %.0f contrast %.0f %v]", doc, f, q.Resolution.Value, q.Brightness.Value, q.Contrast.Value, ok)
				}
			}
			t.Logf("%s MRZ exact %d/%d\n", line, exact, n)
		}
	}
}

var typedbDark = photoBackgrounds[0]

// exposure is the sweep's exposure in stops, applied by expose.
var exposure float64

// expose scales every level by 2^stops, clipping: a frame exposed longer
// or shorter.
func expose(img *image.RGBA, stops float64) {
	g := math.Pow(2, stops)
	for i, v := range img.Pix {
		if i%4 != 3 {
			img.Pix[i] = uint8(math.Min(255, math.Round(float64(v)*g)))
		}
	}
}
