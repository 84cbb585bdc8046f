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

// TestFindByTracedSidesGlareOverACorner photographs cards on a light
// grey desk with a glare on the card's laminate over one of its corners:
// the corner is washed out to the desk's grey, the region that stands
// out loses it, and Find misses the card (or cuts the corner off).
// FindByTracedSides finds the corners of every card Find misses (within
// 3 % of its diagonal: the corner it gives back is where the sides it
// traced meet). The cards are tinted: a grey one (the generic TD1) on
// this desk makes no region at all, which no threshold mends.
func TestFindByTracedSidesGlareOverACorner(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	desk := color.RGBA{196, 198, 194, 255}
	var tally fallbackTally
	for i, ref := range []string{"kz-id-2014", "kz-id-2023", "kz-passport"} {
		spec, err := r.Render(ctx, ref, specimen.Options{Seed: int64(70 + i), PxPerMM: 10})
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range []struct {
			rotate float64
			corner int
		}{{-9, 3}, {6, 0}, {-3, 2}} {
			// the glare's centre on the corner: the card washes out to the desk's grey
			at := [2]float64{float64(c.corner/2 ^ c.corner%2), float64(c.corner / 2)}
			card := specimen.LaminateGlare(spec.Sides[0].White, at, 0.3, 200)
			d := specimen.Degradation{Scale: 0.6, Rotate: c.rotate, Background: desk, Noise: 3, Blur: 1, JPEGQuality: 85}
			p, err := specimen.Degrade([]*image.RGBA{card}, d, int64(i))
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%s, glare over corner %d (placement %d)", ref, c.corner, k)
			tally.add(fallbackPlaces(ctx, t, p, what, FindByTracedSides, 0.03))
		}
	}
	tally.report(t, "glare over a corner", 9, "FindByTracedSides")
}

// TestFindByTracedSidesNothing: shapes that trace no quadrilateral's
// sides give no outline: an empty desk with a glare, and a disc.
func TestFindByTracedSidesNothing(t *testing.T) {
	const w, h = 800, 600
	for name, shade := range map[string]func(x, y int) color.RGBA{
		"glare on a desk": func(x, y int) color.RGBA {
			g := math.Max(0, 1-math.Hypot(float64(x-250), float64(y-400))/260)
			return color.RGBA{uint8(150 + 100*g), uint8(110 + 140*g), uint8(70 + 180*g), 255}
		},
		"a disc": func(x, y int) color.RGBA {
			if math.Hypot(float64(x-400), float64(y-300)) < 200 {
				return color.RGBA{120, 200, 120, 255}
			}
			return color.RGBA{60, 60, 60, 255}
		},
	} {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.SetRGBA(x, y, shade(x, y))
			}
		}
		if o, err := FindByTracedSides(context.Background(), img); !errors.Is(err, ErrNoDocument) {
			t.Errorf("%s: outline %v, err %v; want ErrNoDocument", name, o.Quad, err)
		}
	}
}

// fallbackPlaces scores a frame p for a fallback finder: missed is
// whether Find misses the document (no outline within 2 % of the
// diagonal), found whether find then places its corners within tol of
// the diagonal (the test fails where it does not).
func fallbackPlaces(ctx context.Context, t *testing.T, p *specimen.Placed, what string, find func(context.Context, *image.RGBA) (Outline, error), tol float64) (missed, found bool) {
	t.Helper()
	if foundNear(ctx, t, p, what+" (Find)") {
		return false, false
	}
	o, err := find(ctx, p.Layers[0])
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return true, false
	}
	diag := math.Hypot(p.Corners[0][0]-p.Corners[2][0], p.Corners[0][1]-p.Corners[2][1])
	if e := cornerError(o.Quad, p.Corners); e > tol*diag {
		t.Errorf("%s: corners off by %.1f px (%.1f %% of the diagonal)", what, e, 100*e/diag)
		return true, false
	}
	return true, true
}

// fallbackTally counts, over a test's scenes, the documents Find missed
// and those of them a fallback finder found (fallbackPlaces).
type fallbackTally struct{ missed, found int }

func (c *fallbackTally) add(missed, found bool) {
	if missed {
		c.missed++
	}
	if found {
		c.found++
	}
}

// report logs the tally of n scenes and fails the test when Find missed
// none of them: the scenes no longer test what Find cannot do.
func (c fallbackTally) report(t *testing.T, scenes string, n int, fallback string) {
	t.Helper()
	t.Logf("%s: Find missed %d of %d cards, %s found %d of them", scenes, c.missed, n, fallback, c.found)
	if c.missed == 0 {
		t.Errorf("Find found every card: the scenes no longer test what Find cannot do")
	}
}
