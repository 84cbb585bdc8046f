package locate

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/docscan/docscan/typedb/specimen"
)

// TestFindByStableDistanceGlareOnTheDesk photographs cards on a wooden
// desk with a glare on the desk beside them, bright enough to join them
// at Otsu's threshold in some frames: FindByStableDistance finds the
// corners of every card that Find does not (within 2 % of its diagonal).
func TestFindByStableDistanceGlareOnTheDesk(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	desk := color.RGBA{150, 110, 70, 255}
	missed, found := 0, 0
	for i, ref := range []string{"kz-id-2014", "kz-id-2023", "icao-td1", "kz-passport"} {
		spec, err := r.Render(ctx, ref, specimen.Options{Seed: int64(60 + i), PxPerMM: 10})
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range []struct {
			rotate         float64
			shift, glareAt [2]float64
		}{
			{-13, [2]float64{0.9, -0.3}, [2]float64{0.27, 0.69}},
			{-4, [2]float64{-0.9, 0.2}, [2]float64{0.75, 0.45}},
			{5, [2]float64{0.8, 0.6}, [2]float64{0.3, 0.3}},
		} {
			d := specimen.Degradation{Scale: 0.6, Rotate: c.rotate, Shift: c.shift, Background: desk, Desk: 0.9,
				Glare: 0.75, GlareAt: c.glareAt, GlareSize: 0.2, Noise: 4, Blur: 1, JPEGQuality: 85}
			p, err := specimen.Degrade([]*image.RGBA{spec.Sides[0].White}, d, int64(i))
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%s, placement %d", ref, k)
			m, f := fallbackPlaces(ctx, t, p, what, FindByStableDistance, 0.02)
			if m {
				missed++
			}
			if f {
				found++
			}
		}
	}
	t.Logf("glare on the desk: Find missed %d of 12 cards, FindByStableDistance found %d of them", missed, found)
	if missed == 0 {
		t.Errorf("Find found every card: the scenes no longer test what Find cannot do")
	}
}

// TestFindByStableDistanceNothing: a desk with a glare and no document
// gives no outline.
func TestFindByStableDistanceNothing(t *testing.T) {
	const w, h = 800, 600
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g := math.Max(0, 1-math.Hypot(float64(x-250), float64(y-400))/260)
			img.SetRGBA(x, y, color.RGBA{uint8(150 + 100*g), uint8(110 + 140*g), uint8(70 + 180*g), 255})
		}
	}
	if o, err := FindByStableDistance(context.Background(), img); !errors.Is(err, ErrNoDocument) {
		t.Errorf("outline %v on an empty desk, err %v; want ErrNoDocument", o.Quad, err)
	}
}

// TestFindByStableDistanceQuietDesk photographs green cards on a pale
// green cloth that varies less than the card stands out from it, and by
// less than the least threshold Find takes: Find misses them, and the
// thresholds below it, above the cloth's own variation, find the
// corners of each (within 3 % of its diagonal).
func TestFindByStableDistanceQuietDesk(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	cloth := color.RGBA{198, 222, 182, 255}
	missed, found := 0, 0
	for i := range 3 {
		spec, err := r.Render(ctx, "kz-id-2023", specimen.Options{Seed: int64(80 + i), PxPerMM: 10})
		if err != nil {
			t.Fatal(err)
		}
		for k, rotate := range []float64{-70, 12, 95} {
			d := specimen.Degradation{Scale: 0.55, Rotate: rotate, Background: cloth, Desk: 0.3, Noise: 3, Blur: 1, JPEGQuality: 85}
			p, err := specimen.Degrade([]*image.RGBA{spec.Sides[0].White}, d, int64(i))
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("card %d turned %g° (placement %d)", i, rotate, k)
			m, f := fallbackPlaces(ctx, t, p, what, FindByStableDistance, 0.03)
			if m {
				missed++
			}
			if f {
				found++
			}
		}
	}
	t.Logf("quiet pale green cloth: Find missed %d of 9 cards, FindByStableDistance found %d of them", missed, found)
	if missed == 0 {
		t.Errorf("Find found every card: the scenes no longer test what Find cannot do")
	}
}
