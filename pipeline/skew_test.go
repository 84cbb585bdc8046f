package pipeline

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// TestTextSkew: rows of word-like strokes turned by a known angle, beside
// a solid dark blob (a portrait's hair, whose own shape must not set the
// angle), read within a degree; a frame with hardly any ink reads 0.
func TestTextSkew(t *testing.T) {
	for _, deg := range []float64{-30, -14, -5, 0, 9, 22, 35} {
		g := image.NewGray(image.Rect(0, 0, 1200, 900))
		for i := range g.Pix {
			g.Pix[i] = 255
		}
		a := deg * math.Pi / 180
		sin, cos := math.Sin(a), math.Cos(a)
		ink := func(u, v float64) {
			x, y := int(600+u*cos-v*sin), int(450+u*sin+v*cos)
			if image.Pt(x, y).In(g.Rect) {
				g.SetGray(x, y, color.Gray{30})
			}
		}
		// eight rows of words: strokes 3 px wide and 16 tall, 9 apart,
		// a gap of 30 between words
		for row := range 8 {
			v := -250 + float64(row)*50
			for u := -300.0; u < 300; u += 9 {
				if int(u+300)%90 >= 60 {
					continue
				}
				for dv := 0.0; dv < 16; dv += 0.5 {
					for du := 0.0; du < 3; du += 0.5 {
						ink(u+du, v+dv)
					}
				}
			}
		}
		// a disc of solid ink, 200 px across
		for y := 550; y < 750; y++ {
			for x := 100; x < 300; x++ {
				if math.Hypot(float64(x-200), float64(y-650)) < 100 {
					g.SetGray(x, y, color.Gray{20})
				}
			}
		}
		if got := textSkew(g); math.Abs(got-deg) > 1 {
			t.Errorf("turned %v°: skew %v°", deg, got)
		}
	}
	// a frame whose origin is not (0, 0): a sub-image of a turned one
	g := image.NewGray(image.Rect(0, 0, 900, 700))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for row := range 6 {
		for u := 0; u < 500; u += 9 {
			for dv := range 14 {
				for du := range 3 {
					x := 200 + u + du
					y := 200 + row*45 + dv + u/5 // about 11.3° down to the right
					g.SetGray(x, y, color.Gray{30})
				}
			}
		}
	}
	sub := g.SubImage(image.Rect(150, 150, 800, 600)).(*image.Gray)
	if got := textSkew(sub); math.Abs(got-11.3) > 1 {
		t.Errorf("a sub-image: skew %v°, want about 11.3°", got)
	}
	blank := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if got := textSkew(blank); got != 0 {
		t.Errorf("a blank frame: skew %v°, want 0", got)
	}
}
