package locate

import (
	"errors"
	"math"
	"testing"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/mrz/find"
)

// TestFromMRZ: an MRZ's lines laid out as ICAO 9303 prints them on a
// page (written here from the standard's figures: pitch, centring,
// bottom margin), at any angle, scale and position in the frame, give
// back that page, upright.
func TestFromMRZ(t *testing.T) {
	cases := []struct {
		format       string
		w, h         float64 // page mm
		chars, lines int
		pitch        float64 // line pitch mm as printed
		bottom       float64 // bottom line's centre above the bottom edge, mm
		angle, scale float64 // the page in the frame: degrees clockwise, px/mm
	}{
		{"TD3", 125, 88, 44, 2, 4.2, 6.0, 0, 8},
		{"TD3", 125, 88, 44, 2, 4.2, 6.0, 90, 5},
		{"TD3", 125, 88, 44, 2, 4.2, 6.0, 180, 12},
		{"TD1", 85.6, 53.98, 30, 3, 4.0, 5.0, 270, 10},
		{"TD1", 85.6, 53.98, 30, 3, 4.0, 5.0, -33, 7},
		{"TD2", 105, 74, 36, 2, 4.2, 5.5, 12, 6},
		{"FRENCH_ID", 105, 74, 36, 2, 4.2, 5.5, -8, 9}, // an ID-2 (A7) card, its zone as a TD2's
	}
	for _, c := range cases {
		a := c.angle * math.Pi / 180
		cx, cy := 900.0, 700.0 // the page's centre in the frame
		// page mm (x right, y down from the top-left) → frame pixels
		at := func(x, y float64) find.Point {
			x, y = (x-c.w/2)*c.scale, (y-c.h/2)*c.scale
			return find.Point{X: cx + x*math.Cos(a) - y*math.Sin(a), Y: cy + x*math.Sin(a) + y*math.Cos(a)}
		}
		span := float64(c.chars-1)*2.54 + 2.0
		var z find.Zone
		for i := range c.lines {
			y := c.h - c.bottom - float64(c.lines-1-i)*c.pitch
			z.Lines = append(z.Lines, find.Line{P0: at(c.w/2-span/2, y), P1: at(c.w/2+span/2, y), Height: 2.2 * c.scale})
		}
		o, zone, err := FromMRZ(z, c.format)
		if err != nil {
			t.Fatalf("%s at %v°: %v", c.format, c.angle, err)
		}
		want := [4]find.Point{at(0, 0), at(c.w, 0), at(c.w, c.h), at(0, c.h)}
		for i, p := range want {
			if d := math.Hypot(o.Quad[i].X-p.X, o.Quad[i].Y-p.Y); d > 0.01*c.scale {
				t.Errorf("%s at %v°: corner %d at %v, want %v", c.format, c.angle, i, o.Quad[i], p)
			}
		}
		if !o.MRZ || o.Cropped {
			t.Errorf("%s: outline %+v", c.format, o)
		}
		// the zone holds every line's ends
		for _, l := range z.Lines {
			for _, p := range []find.Point{l.P0, l.P1} {
				x, y := inverseAffine(o.Quad, p)
				if x < zone[0] || x > zone[2] || y < zone[1] || y > zone[3] {
					t.Errorf("%s: line end at (%.3f, %.3f) outside the zone %v", c.format, x, y, zone)
				}
			}
		}
	}
}

// inverseAffine is p in normalised coordinates of the parallelogram q.
func inverseAffine(q imgutil.Quad, p find.Point) (float64, float64) {
	ux, uy := q[1].X-q[0].X, q[1].Y-q[0].Y
	vx, vy := q[3].X-q[0].X, q[3].Y-q[0].Y
	det := ux*vy - uy*vx
	dx, dy := p.X-q[0].X, p.Y-q[0].Y
	return (dx*vy - dy*vx) / det, (ux*dy - uy*dx) / det
}

func TestFromMRZRefuses(t *testing.T) {
	line := find.Line{P0: find.Point{X: 0, Y: 100}, P1: find.Point{X: 900, Y: 100}, Height: 20}
	for name, c := range map[string]struct {
		z      find.Zone
		format string
	}{
		"unknown format":   {find.Zone{Lines: []find.Line{line, line}}, "FRENCH_ID"},
		"two lines TD1":    {find.Zone{Lines: []find.Line{line, line}}, "TD1"},
		"lines not apart":  {find.Zone{Lines: []find.Line{line, line}}, "TD3"},
		"lines of no size": {find.Zone{Lines: []find.Line{{}, {}}}, "TD3"},
	} {
		if _, _, err := FromMRZ(c.z, c.format); !errors.Is(err, ErrNoMRZPage) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
