package specimen

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// quadrants returns a test card: four flat colours, so a sampled point's
// colour tells where in the document it came from.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cs := [4]color.RGBA{{250, 30, 30, 255}, {30, 250, 30, 255}, {30, 30, 250, 255}, {250, 250, 30, 255}}
	for y := range h {
		for x := range w {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			img.SetRGBA(x, y, cs[q])
		}
	}
	return img
}

func TestDegradeGeometry(t *testing.T) {
	src := quadrants(400, 250)
	for _, rot := range []float64{0, 3.5, -4} {
		d := Degradation{Frame: image.Pt(800, 600), Scale: 0.5, Rotate: rot, Shift: [2]float64{0.5, -0.5}}
		p, err := Degrade([]*image.RGBA{src, src}, d, 1)
		if err != nil {
			t.Fatal(err)
		}
		out := p.Layers[0]
		if out.Rect.Dx() != 800 || out.Rect.Dy() != 600 {
			t.Fatalf("frame %v", out.Rect)
		}
		// the document is half the frame wide: 400 pixels, 250 high
		c := p.Corners
		if top := math.Hypot(c[1][0]-c[0][0], c[1][1]-c[0][1]); math.Abs(top-400) > 0.01 {
			t.Errorf("rot %v: top edge %.2f, want 400", rot, top)
		}
		if left := math.Hypot(c[3][0]-c[0][0], c[3][1]-c[0][1]); math.Abs(left-250) > 0.01 {
			t.Errorf("rot %v: left edge %.2f, want 250", rot, left)
		}
		// counter-clockwise: the top edge rises to the right for rot > 0
		if rot > 0 && !(c[1][1] < c[0][1]) {
			t.Errorf("rot %v: top-right y %.1f not above top-left y %.1f", rot, c[1][1], c[0][1])
		}
		// sampling near each corner, a bit inside, finds that quadrant's colour
		cx, cy := (c[0][0]+c[2][0])/2, (c[0][1]+c[2][1])/2
		want := []color.RGBA{{250, 30, 30, 255}, {30, 250, 30, 255}, {250, 250, 30, 255}, {30, 30, 250, 255}}
		for i, k := range c {
			x, y := int(k[0]+(cx-k[0])*0.2), int(k[1]+(cy-k[1])*0.2)
			if got := out.RGBAAt(x, y); got != want[i] {
				t.Errorf("rot %v corner %d at (%d,%d): %v, want %v", rot, i, x, y, got, want[i])
			}
		}
		// outside the document is background
		if got := out.RGBAAt(2, 2); got != (color.RGBA{38, 38, 42, 255}) {
			t.Errorf("background %v", got)
		}
		if !bytes.Equal(p.Layers[0].Pix, p.Layers[1].Pix) {
			t.Error("layers placed differently")
		}
	}
}

func TestDegradeSpoilsAndIsSeeded(t *testing.T) {
	src := quadrants(300, 200)
	d := Degradation{Frame: image.Pt(400, 300), Blur: 1.5, Noise: 5, JPEGQuality: 70, Light: 0.3, LightAngle: 1}
	a, err := Degrade([]*image.RGBA{src}, d, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Degrade([]*image.RGBA{src}, d, 9)
	c, _ := Degrade([]*image.RGBA{src}, d, 10)
	if !bytes.Equal(a.Layers[0].Pix, b.Layers[0].Pix) {
		t.Error("same seed, different output")
	}
	if bytes.Equal(a.Layers[0].Pix, c.Layers[0].Pix) {
		t.Error("different seed, same noise")
	}
	clean, _ := Degrade([]*image.RGBA{src}, Degradation{Frame: image.Pt(400, 300)}, 9)
	if bytes.Equal(a.Layers[0].Pix, clean.Layers[0].Pix) {
		t.Error("degradations changed nothing")
	}
	// uneven light: one side of the frame darker than the other
	dark := Degradation{Frame: image.Pt(400, 300), Light: 0.4, LightAngle: 0}
	l, _ := Degrade([]*image.RGBA{image.NewRGBA(image.Rect(0, 0, 10, 10))}, dark, 1)
	bg := l.Layers[0]
	if left, right := bg.RGBAAt(5, 150).R, bg.RGBAAt(394, 150).R; !(right < left) {
		t.Errorf("light: left %d right %d, want the gradient darker to the right", left, right)
	}
	// a big blur smooths the quadrant edge
	edge := func(img *image.RGBA) int {
		y := 150
		maxStep := 0
		for x := 101; x < 300; x++ {
			s := int(img.RGBAAt(x, y).R) - int(img.RGBAAt(x-1, y).R)
			maxStep = max(maxStep, abs(s))
		}
		return maxStep
	}
	bl, _ := Degrade([]*image.RGBA{src}, Degradation{Frame: image.Pt(400, 300), Blur: 3}, 1)
	if e1, e2 := edge(clean.Layers[0]), edge(bl.Layers[0]); e2*3 > e1 {
		t.Errorf("blur: sharpest step %d vs %d unblurred", e2, e1)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestDegradeRejects(t *testing.T) {
	if _, err := Degrade(nil, Degradation{}, 1); err == nil {
		t.Error("no layers accepted")
	}
	if _, err := Degrade([]*image.RGBA{quadrants(10, 10), quadrants(11, 10)}, Degradation{}, 1); err == nil {
		t.Error("layers of different sizes accepted")
	}
	if _, err := Degrade([]*image.RGBA{quadrants(10, 10)}, Degradation{Frame: image.Pt(5, 100000)}, 1); err == nil {
		t.Error("absurd frame accepted")
	}
}

func TestRandomDegradationRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		d := RandomDegradation(rng)
		if d.Scale < 0.65 || d.Scale > 0.9 || math.Abs(d.Rotate) > 4 || d.Blur > 1.2 || d.Noise > 6 || d.Light > 0.35 {
			t.Fatalf("out of range: %+v", d)
		}
		if d.JPEGQuality != 0 && (d.JPEGQuality < 60 || d.JPEGQuality > 95) {
			t.Fatalf("jpeg quality %d", d.JPEGQuality)
		}
	}
}

// A rendered side survives degradation with its geometry: the document
// centre lands at the centre of its corners.
func TestDegradeRenderedSide(t *testing.T) {
	r := newRenderer(t)
	s := render(t, r, "kz-id-2014", Options{Seed: 2, PxPerMM: small})
	side := s.Sides[1]
	d := RandomDegradation(rand.New(rand.NewPCG(3, 3)))
	p, err := Degrade([]*image.RGBA{side.White, side.IR, side.UV}, d, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Layers) != 3 {
		t.Fatalf("%d layers", len(p.Layers))
	}
	for _, k := range p.Corners {
		if k[0] < 0 || k[1] < 0 || k[0] > 1600 || k[1] > 1200 {
			t.Errorf("corner %v outside the frame", k)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	r := newRenderer(b)
	for _, doc := range []string{"kz-id-2014", "kz-passport"} {
		b.Run(doc, func(b *testing.B) {
			var sides int
			for i := 0; b.Loop(); i++ {
				s := render(b, r, doc, Options{Seed: int64(i)})
				sides = len(s.Sides)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(sides), "ms/side")
		})
	}
}

// BenchmarkWriteDir is the baseline the render time compares with: the
// PNG encoding of the same layers.
func BenchmarkWriteDir(b *testing.B) {
	r := newRenderer(b)
	s := render(b, r, "kz-id-2014", Options{Seed: 1})
	dir := b.TempDir()
	for b.Loop() {
		if err := s.WriteDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/2, "ms/side")
}

func BenchmarkDegrade(b *testing.B) {
	r := newRenderer(b)
	s := render(b, r, "kz-id-2014", Options{Seed: 1})
	side := s.Sides[0]
	d := RandomDegradation(rand.New(rand.NewPCG(1, 1)))
	for i := 0; b.Loop(); i++ {
		if _, err := Degrade([]*image.RGBA{side.White, side.IR, side.UV}, d, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
