package imgutil

import (
	"math"
	"testing"
)

// photographed projects a wMM×hMM rectangle, turned by roll degrees in
// its plane, tilted by tilt degrees about the frame's x axis and pan
// degrees about its y axis, at distance z (mm) in front of a pinhole
// camera of focal length f (px) looking at the centre of a fw×fh frame,
// its centre offset by (ox, oy) mm.
func photographed(wMM, hMM, roll, tilt, pan, z, f, ox, oy float64, fw, fh int) Quad {
	rad := math.Pi / 180
	cr, sr := math.Cos(roll*rad), math.Sin(roll*rad)
	ct, st := math.Cos(tilt*rad), math.Sin(tilt*rad)
	cp, sp := math.Cos(pan*rad), math.Sin(pan*rad)
	var q Quad
	for i, c := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		x, y := c[0]*wMM/2, c[1]*hMM/2
		x, y = x*cr-y*sr, x*sr+y*cr
		// tilt about x, then pan about y
		y, zz := y*ct, y*st
		x, zz = x*cp+zz*sp, -x*sp+zz*cp
		x, y, zz = x+ox, y+oy, zz+z
		q[i] = Point{float64(fw)/2 + f*x/zz, float64(fh)/2 + f*y/zz}
	}
	return q
}

func TestQuadAspect(t *testing.T) {
	const fw, fh = 2000, 1500
	for _, c := range []struct {
		name                           string
		wMM, hMM, roll, tilt, pan, off float64
		f                              float64
		tol                            float64 // of the true aspect
	}{
		// both pairs of sides converge: the focal length comes from the
		// quad, and the aspect is exact
		{"card tilted and panned", 85.6, 54, 5, 15, 10, 20, 1800, 0.005},
		{"passport page tilted and panned", 125, 88, -8, 12, -12, -30, 1500, 0.005},
		{"card tilted and panned, a long lens", 85.6, 54, -3, 10, 12, 0, 6000, 0.005},
		// one pair stays parallel: no focal length, the mean of the
		// sides, off by the foreshortening
		{"card tilted only", 85.6, 54, 0, 15, 0, 0, 1800, 0.04},
		{"card flat, turned", 85.6, 54, 30, 0, 0, 10, 1800, 0.001},
		{"card upright (a scanner)", 85.6, 54, 0, 0, 0, 0, 1800, 0.001},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := photographed(c.wMM, c.hMM, c.roll, c.tilt, c.pan, 160, c.f, c.off, c.off/2, fw, fh)
			want := c.wMM / c.hMM
			got := q.Aspect(fw, fh)
			if math.Abs(got-want) > c.tol*want {
				sw, sh := q.Sides()
				t.Errorf("aspect %.3f, want %.3f (mean of the sides %.3f)", got, want, sw/sh)
			}
		})
	}
	// a keystone no camera made (the top edge narrowed, the height
	// kept): its sides' mean
	q := Quad{{160, 100}, {1840, 100}, {2000, 1100}, {0, 1100}}
	if got, sw := q.Aspect(fw, fh), (1680.0+2000)/2/math.Hypot(160, 1000); math.Abs(got-sw) > 1e-9 {
		t.Errorf("keystone: aspect %.4f, want the mean of its sides %.4f", got, sw)
	}
	// degenerate quads give the mean, never NaN
	for _, q := range []Quad{{}, {{0, 0}, {10, 0}, {10, 0}, {0, 0}}} {
		if got := q.Aspect(fw, fh); math.IsNaN(got) || math.IsInf(got, 0) {
			t.Errorf("%v: aspect %v", q, got)
		}
	}
}
