package vz

import (
	"image"
	"testing"
)

// TestClearEdgeRules: columns inked down a window's whole height at its
// edges are a page's rim or shadow and are cleared; where the window's
// edge is the side's, however wide the band that starts near it. A
// value's letters, a tall band that no run of such columns joins to an
// edge, and inside the side, artwork beyond the near columns, stay.
func TestClearEdgeRules(t *testing.T) {
	const w, h = 200, 40
	type span struct{ x0, x1, y0, y1 int }
	value := span{20, 120, 12, 28} // a line of print
	tests := []struct {
		name    string
		inside  bool // the window lies inside the side, not at its edges
		ink     []span
		cleared []span // ink that must go
		kept    []span // ink that must stay
	}{
		{
			name:    "a rim in the last columns",
			ink:     []span{value, {198, 200, 0, h}, {0, 2, 0, h}},
			cleared: []span{{198, 200, 0, h}, {0, 2, 0, h}},
			kept:    []span{value},
		},
		{
			// the New Zealand passport's right edge: a shadow 26 px
			// wide, then a few columns fading out, then the lighter desk
			name:    "a wide shadow a few columns in",
			ink:     []span{value, {160, 190, 0, h}, {190, 194, 10, 30}},
			cleared: []span{{160, 194, 0, h}},
			kept:    []span{value},
		},
		{
			// a chip's hologram by the window's edge, inside the side
			name:    "a wide band inside the side",
			inside:  true,
			ink:     []span{value, {160, 190, 0, h}, {190, 194, 10, 30}},
			cleared: []span{{180, 190, 0, h}},
			kept:    []span{value, {160, 180, 0, h}, {190, 194, 10, 30}},
		},
		{
			name: "a letter's stem by the edge",
			ink:  []span{value, {190, 193, 12, 28}},
			kept: []span{value, {190, 193, 12, 28}},
		},
		{
			// full columns, but cut off from the edge by paper wider
			// than the near margin: artwork inside the window
			name: "a tall band inside the window",
			ink:  []span{value, {140, 150, 0, h}},
			kept: []span{value, {140, 150, 0, h}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := make([]uint8, w*h)
			for _, s := range tt.ink {
				for y := s.y0; y < s.y1; y++ {
					for x := s.x0; x < s.x1; x++ {
						m[y*w+x] = 2
					}
				}
			}
			side := image.Rect(0, 0, w, h)
			if tt.inside {
				side = image.Rect(-100, -100, w+100, h+100)
			}
			clearEdgeRules(m, image.Rect(0, 0, w, h), side)
			for _, s := range tt.cleared {
				for y := s.y0; y < s.y1; y++ {
					for x := s.x0; x < s.x1; x++ {
						if m[y*w+x] != 0 {
							t.Fatalf("ink left at (%d,%d), in %v", x, y, s)
						}
					}
				}
			}
			for _, s := range tt.kept {
				for y := s.y0; y < s.y1; y++ {
					for x := s.x0; x < s.x1; x++ {
						if m[y*w+x] == 0 {
							t.Fatalf("ink cleared at (%d,%d), in %v", x, y, s)
						}
					}
				}
			}
		})
	}
}
