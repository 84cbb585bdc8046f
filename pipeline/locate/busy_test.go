package locate

import (
	"context"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/docscan/docscan/typedb/specimen"
)

// inQuad reports whether (x, y) lies inside the convex quad c.
func inQuad(c [4][2]float64, x, y float64) bool {
	s := 0
	for i := range 4 {
		a, b := c[i], c[(i+1)%4]
		cr := (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])
		if cr > 0 {
			s++
		} else {
			s--
		}
	}
	return s == 4 || s == -4
}

// TestFindOnBusyBackgrounds: a card on wood grain, a woven cloth and pale
// wood (textures drawn here, around the card as Degrade places it) is
// found within 2 px.
func TestFindOnBusyBackgrounds(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	spec, err := r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 3, PxPerMM: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, bg := range []struct {
		name string
		at   func(x, y int) color.RGBA
	}{
		{"wood", func(x, y int) color.RGBA {
			v := 0.5 + 0.25*math.Sin(float64(y)*0.05+3*math.Sin(float64(x)*0.004)) + 0.15*math.Sin(float64(y)*0.31+float64(x)*0.01)
			return color.RGBA{uint8(120 + 70*v), uint8(80 + 50*v), uint8(40 + 30*v), 255}
		}},
		{"cloth", func(x, y int) color.RGBA {
			v := uint8(60)
			if (x/6+y/6)%2 == 0 {
				v = 110
			}
			return color.RGBA{v, v / 2, v / 3, 255}
		}},
		{"pale wood", func(x, y int) color.RGBA {
			v := 0.5 + 0.3*math.Sin(float64(y)*0.07+2*math.Sin(float64(x)*0.006))
			return color.RGBA{uint8(190 + 40*v), uint8(160 + 40*v), uint8(120 + 40*v), 255}
		}},
	} {
		for j, side := range spec.Sides {
			d := specimen.Degradation{Scale: 0.7, Rotate: 4, Background: color.RGBA{1, 2, 3, 255}, Noise: 2}
			p, err := specimen.Degrade([]*image.RGBA{side.White}, d, int64(j))
			if err != nil {
				t.Fatal(err)
			}
			img := p.Layers[0]
			for y := 0; y < img.Rect.Dy(); y++ {
				for x := 0; x < img.Rect.Dx(); x++ {
					if !inQuad(p.Corners, float64(x)+0.5, float64(y)+0.5) {
						img.SetRGBA(x, y, bg.at(x, y))
					}
				}
			}
			o, err := Find(ctx, img)
			if err != nil {
				t.Errorf("%s, %s: %v", bg.name, side.Name, err)
				continue
			}
			if e := cornerError(o.Quad, p.Corners); e > 2 {
				t.Errorf("%s, %s: corners off by %.1f px", bg.name, side.Name, e)
			}
		}
	}
}

// TestFindUnderAShadow: a shadow across a card and its desk darkens
// both; a card whose brightness is near the desk's (a pale green card on
// a light blue desk) is then told from it by its hue.
func TestFindUnderAShadow(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	found, sides := 0, 0
	for i, c := range []struct {
		ref string
		bg  color.RGBA
	}{
		{"kz-id-2023", color.RGBA{160, 205, 215, 255}}, // light blue
		{"kz-id-2014", color.RGBA{200, 160, 190, 255}}, // pink
		{"kz-id-2023", color.RGBA{190, 180, 215, 255}}, // lavender
		{"icao-td1", color.RGBA{170, 210, 170, 255}},   // pale green
	} {
		f, n := foundSides(ctx, t, r, c.ref, int64(40+i), i, func(j int) specimen.Degradation {
			return specimen.Degradation{Scale: 0.6, Rotate: float64(4*i - 6), Noise: 2, JPEGQuality: 85, Background: c.bg,
				Shift: [2]float64{0.4, -0.3}, Shadow: 0.55, ShadowAt: [2]float64{0.45 + 0.05*float64(j), 0.5}, ShadowAngle: 1 + 0.4*float64(i)}
		})
		found, sides = found+f, sides+n
	}
	t.Logf("found %d of %d sides under a shadow", found, sides)
	if found < sides-1 {
		t.Errorf("found %d of %d sides under a shadow, want at least %d", found, sides, sides-1)
	}
}
