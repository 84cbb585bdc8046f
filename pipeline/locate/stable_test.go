package locate

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
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
	var tally fallbackTally
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
			tally.add(fallbackPlaces(ctx, t, p, what, FindByStableDistance, 0.02))
		}
	}
	tally.report(t, "glare on the desk", 12, "FindByStableDistance")
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
	var tally fallbackTally
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
			tally.add(fallbackPlaces(ctx, t, p, what, FindByStableDistance, 0.03))
		}
	}
	tally.report(t, "quiet pale green cloth", 9, "FindByStableDistance")
}

// TestFindByStableDistanceGrainyPaleGlass scans pale cards on glass
// six levels darker than their paper, whose grain varies by about as
// much pixel to pixel (a light card on a scanner's light glass, as
// generic-html-2's Croatian ID by another hand): Find misses them, and
// the smoothed quiet-desk pass finds the corners of each (within 2 % of
// its diagonal).
func TestFindByStableDistanceGrainyPaleGlass(t *testing.T) {
	ctx := context.Background()
	var tally fallbackTally
	for k, rotate := range []float64{2, -7, 16, 95} {
		p := paleCardOnGlass(1137, 770, rotate, 6, 5.5, uint64(k))
		what := fmt.Sprintf("pale card turned %g°", rotate)
		tally.add(fallbackPlaces(ctx, t, p, what, FindByStableDistance, 0.02))
	}
	tally.report(t, "grainy pale glass", 4, "FindByStableDistance")
}

// paleCardOnGlass draws a w×h scan of an ID-1 card (paper 246, a dark
// header band, a grey portrait and dark lines of print) turned by rotate
// degrees about the frame's centre, 70 % of the frame's width long (80 %
// of its height, stood up), on glass step levels darker than the paper,
// with grain of deviation grain.
func paleCardOnGlass(w, h int, rotate, step, grain float64, seed uint64) *specimen.Placed {
	const paper = 246.0
	cw := 0.7 * float64(w)
	if a := math.Mod(math.Abs(rotate), 180); a > 45 && a < 135 {
		cw = 0.8 * float64(h) // standing on its short side
	}
	ch := cw * 54 / 85.6
	sin, cos := math.Sincos(rotate * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			// the frame pixel in card coordinates (u, v from 0 to 1)
			dx, dy := float64(x)-cx, float64(y)-cy
			u := (cos*dx+sin*dy)/cw + 0.5
			v := (-sin*dx+cos*dy)/ch + 0.5
			c := paper - step
			switch {
			case u < 0 || u > 1 || v < 0 || v > 1:
			case v < 0.14:
				c = 60 // header band
			case u > 0.05 && u < 0.3 && v > 0.2 && v < 0.7:
				c = 140 // portrait
			case u > 0.36 && u < 0.36+0.4*math.Mod(v*7, 1) && math.Mod(v*7, 1) > 0.55 && v < 0.65:
				c = 40 // print
			default:
				c = paper
			}
			o := img.PixOffset(x, y)
			for k := range 3 {
				img.Pix[o+k] = uint8(c)
			}
			img.Pix[o+3] = 255
		}
	}
	addGrain(img, grain, seed)
	var corners [4][2]float64
	for i, uv := range [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}} {
		du, dv := uv[0]*cw, uv[1]*ch
		corners[i] = [2]float64{cx + cos*du - sin*dv, cy + sin*du + cos*dv}
	}
	return &specimen.Placed{Layers: []*image.RGBA{img}, Corners: corners}
}

// TestFindByStableDistanceGrainyGlassAlone: grainy pale glass under a
// light falling off across it, with no document, gives no outline.
func TestFindByStableDistanceGrainyGlassAlone(t *testing.T) {
	const w, h = 1100, 760
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(7, 7))
	for y := range h {
		for x := range w {
			v := 236 + 8*float64(x)/w - 5*float64(y)/h + 5*rng.NormFloat64()
			g := uint8(math.Max(0, math.Min(255, v)))
			img.SetRGBA(x, y, color.RGBA{g, g, g - 2, 255})
		}
	}
	if o, err := FindByStableDistance(context.Background(), img); !errors.Is(err, ErrNoDocument) {
		t.Errorf("outline %v on bare glass, err %v; want ErrNoDocument", o.Quad, err)
	}
}

// meanColour is the mean of each colour channel over img: how light a
// side looks from afar, its print and pattern with its paper.
func meanColour(img *image.RGBA) [3]float64 {
	var sum [3]float64
	for i := 0; i < len(img.Pix); i += 4 {
		for k := range 3 {
			sum[k] += float64(img.Pix[i+k])
		}
	}
	n := float64(len(img.Pix) / 4)
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}

// addGrain adds independent Gaussian noise of deviation sd to every
// pixel's channels of img, frame pixel by frame pixel (a scan's grain;
// Degrade's noise is laid on before the frame is resampled).
func addGrain(img *image.RGBA, sd float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < len(img.Pix); i += 4 {
		for k := range 3 {
			v := float64(img.Pix[i+k]) + sd*rng.NormFloat64()
			img.Pix[i+k] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
}
