package imgutil

import (
	"image"
	"testing"
)

// unevenPage is a w×h page whose paper is dim on its left half and
// bright on its right, the left paper darker than the right ink, and
// 30 levels darker still over rows [tintFrom, tintTo); ink where isInk.
func unevenPage(w, h int, isInk func(x, y int) bool, tintFrom, tintTo int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			paper, ink := 110, 40
			if x >= w/2 {
				paper, ink = 235, 125
			}
			if y >= tintFrom && y < tintTo {
				paper -= 30
			}
			v := paper
			if isInk(x, y) {
				v = ink
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	return g
}

// wholeAndPart is g, and a part of it in its own coordinates.
func wholeAndPart(g *image.Gray) []struct {
	name string
	img  *image.Gray
} {
	b := g.Rect
	return []struct {
		name string
		img  *image.Gray
	}{{"whole", g}, {"a part, in its own coordinates", g.SubImage(image.Rect(b.Min.X+8, b.Min.Y+4, b.Max.X-8, b.Max.Y-4)).(*image.Gray)}}
}

func TestFlattenPaper(t *testing.T) {
	// paper dim on the left (a tint, a shadow), bright on the right
	// (glare); ink strokes on both, the left paper darker than the right
	// ink so that no one threshold splits ink from paper
	const w, h = 256, 64
	g := unevenPage(w, h, func(x, y int) bool { return x%16 < 4 && y > 8 && y < h-8 }, 0, 0) // strokes 4 px wide
	for _, c := range wholeAndPart(g) {
		t.Run(c.name, func(t *testing.T) {
			f := FlattenPaper(c.img, 32)
			if f.Rect != c.img.Rect {
				t.Fatalf("rect %v, want %v", f.Rect, c.img.Rect)
			}
			var hist [256]int
			for y := f.Rect.Min.Y; y < f.Rect.Max.Y; y++ {
				for x := f.Rect.Min.X; x < f.Rect.Max.X; x++ {
					hist[f.GrayAt(x, y).Y]++
				}
			}
			th := uint8(Otsu(&hist))
			for y := f.Rect.Min.Y + 10; y < f.Rect.Max.Y-10; y++ {
				for x := f.Rect.Min.X; x < f.Rect.Max.X; x++ {
					if x > w/2-32 && x < w/2+32 {
						continue // within a tile of the step the paper is blended
					}
					inked := x%16 < 4
					if got := f.GrayAt(x, y).Y <= th; got != inked {
						t.Fatalf("(%d,%d) = %d: ink %v under threshold %d, want %v", x, y, f.GrayAt(x, y).Y, got, th, inked)
					}
				}
			}
		})
	}
	if got := FlattenPaper(image.NewGray(image.Rect(0, 0, 0, 0)), 32); got.Rect.Dx() != 0 {
		t.Errorf("empty image: %v", got.Rect)
	}
}

func TestLocalThreshold(t *testing.T) {
	// paper dim on the left, bright on the right, a darker band of
	// artwork across the middle rows; ink strokes everywhere, the left
	// paper darker than the right ink
	const w, h = 256, 96
	isInk := func(x, y int) bool { return x%16 < 3 && y > 8 && y < h-8 }
	g := unevenPage(w, h, isInk, 30, 66) // a tinted band over rows 30–65
	for _, c := range wholeAndPart(g) {
		t.Run(c.name, func(t *testing.T) {
			b := LocalThreshold(c.img, 8, 20)
			if b.Rect != c.img.Rect {
				t.Fatalf("rect %v, want %v", b.Rect, c.img.Rect)
			}
			// every stroke is ink and the paper paper, but within the
			// square of a step in the paper's brightness, where either
			// may go the other way
			near := func(v, edge int) bool { return v >= edge-8 && v < edge+8 }
			for y := b.Rect.Min.Y; y < b.Rect.Max.Y; y++ {
				for x := b.Rect.Min.X; x < b.Rect.Max.X; x++ {
					if near(x, w/2) || near(y, 30) || near(y, 66) {
						continue
					}
					if got := b.GrayAt(x, y).Y; isInk(x, y) != (got == 0) {
						t.Fatalf("(%d,%d) is %d, ink %v", x, y, got, isInk(x, y))
					}
				}
			}
		})
	}
	if b := LocalThreshold(image.NewGray(image.Rectangle{}), 8, 20); !b.Rect.Empty() {
		t.Errorf("empty image: %v", b.Rect)
	}
}
