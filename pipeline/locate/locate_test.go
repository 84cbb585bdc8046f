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
	"time"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

func renderer(t testing.TB) *specimen.Renderer {
	t.Helper()
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		t.Skip(err)
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cornerError is the largest distance between found and true corners,
// allowing the found quad to start at either long edge.
func cornerError(q imgutil.Quad, truth [4][2]float64) float64 {
	best := math.Inf(1)
	for _, k := range []int{0, 1, 2, 3} {
		r := q.Rotate(k)
		e := 0.0
		for i := range 4 {
			e = math.Max(e, math.Hypot(r[i].X-truth[i][0], r[i].Y-truth[i][1]))
		}
		best = math.Min(best, e)
	}
	return best
}

func TestFindOnGlassAndPhotos(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(7, 7))
	for i, ref := range []string{"kz-id-2014", "kz-id-2023", "kz-passport", "icao-td2"} {
		spec, err := r.Render(ctx, ref, specimen.Options{Seed: int64(i), Today: today, PxPerMM: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range spec.Sides {
			for j := range 3 {
				d := specimen.RandomDegradation(rng)
				if j == 1 {
					d.Rotate = 90 + d.Rotate // portrait in the frame
				}
				if j == 2 {
					d.Background = color.RGBA{150, 120, 90, 255} // a wooden table
				}
				p, err := specimen.Degrade([]*image.RGBA{side.White}, d, int64(j))
				if err != nil {
					t.Fatal(err)
				}
				o, err := Find(ctx, p.Layers[0])
				if err != nil {
					t.Errorf("%s %s #%d: %v", ref, side.Name, j, err)
					continue
				}
				if e := cornerError(o.Quad, p.Corners); e > 4 {
					t.Errorf("%s %s #%d: corners off by %.1f px (got %v, want %v)", ref, side.Name, j, e, o.Quad, p.Corners)
				}
				if w, h := o.Quad.Sides(); w < h {
					t.Errorf("%s %s #%d: first edge is the short one", ref, side.Name, j)
				}
			}
		}
	}
}

// invert returns the inverse of a homography.
func invert(h imgutil.Homography) imgutil.Homography {
	a, b, c, d, e, f, g, k, l := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	inv := imgutil.Homography{
		e*l - f*k, c*k - b*l, b*f - c*e,
		f*g - d*l, a*l - c*g, c*d - a*f,
		d*k - e*g, b*g - a*k, a*e - b*d,
	}
	for i := range inv {
		inv[i] /= inv[8]
	}
	return inv
}

// TestFindInPerspective: a card seen by a tilted camera, its far edge
// shorter, is still found, up to the MRZ engine's limit (far edge 30 %
// shorter); a region whose opposite edges differ more is not a card.
func TestFindInPerspective(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	spec, err := r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 4, PxPerMM: 10})
	if err != nil {
		t.Fatal(err)
	}
	doc := spec.Sides[1].White
	dw, dh := float64(doc.Rect.Dx()), float64(doc.Rect.Dy())
	for _, c := range []struct {
		far   float64 // the far edge's length against the near one's
		found bool
	}{{1, true}, {0.85, true}, {0.72, true}, {0.6, false}} {
		// the near (bottom) edge 1000 px wide, the far edge shortened
		// about the centre, the card 620 px tall in the frame
		const near, height, cx, top = 1000.0, 620.0, 800.0, 290.0
		q := imgutil.Quad{
			{X: cx - c.far*near/2, Y: top}, {X: cx + c.far*near/2, Y: top},
			{X: cx + near/2, Y: top + height}, {X: cx - near/2, Y: top + height},
		}
		toFrame, err := imgutil.QuadToRect(q, dw, dh)
		if err != nil {
			t.Fatal(err)
		}
		frame := imgutil.Warp(doc, invert(toFrame), 1600, 1200)
		o, err := Find(ctx, frame)
		if !c.found {
			if err == nil {
				t.Errorf("far edge %.2f: found %v, want ErrNoDocument", c.far, o.Quad)
			}
			continue
		}
		if err != nil {
			t.Errorf("far edge %.2f: %v", c.far, err)
			continue
		}
		var truth [4][2]float64
		for i, p := range q {
			truth[i] = [2]float64{p.X, p.Y}
		}
		if e := cornerError(o.Quad, truth); e > 6 {
			t.Errorf("far edge %.2f: corners off by %.1f px (got %v, want %v)", c.far, e, o.Quad, q)
		}
	}
}

func TestFindCroppedAndEmpty(t *testing.T) {
	ctx := context.Background()
	r := renderer(t)
	// Already cropped: the document fills the image, and nothing printed
	// on it (the portrait, a photo box) may pass for the document.
	for _, c := range []struct {
		ref   string
		seeds []int64
	}{
		{"kz-id-2014", []int64{1, 2, 3, 12}},
		{"kz-id-2023", []int64{1, 2}},
		{"kz-passport", []int64{1, 2}},
	} {
		for _, seed := range c.seeds {
			spec, err := r.Render(ctx, c.ref, specimen.Options{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			for _, side := range spec.Sides {
				o, err := Find(ctx, side.White)
				if !errors.Is(err, ErrNoDocument) || !o.Cropped {
					t.Errorf("%s seed %d %s cropped: got %v, %v; want the whole image and ErrNoDocument", c.ref, seed, side.Name, o.Quad, err)
					continue
				}
				w, h := o.Quad.Sides()
				if w != float64(side.White.Rect.Dx()) || h != float64(side.White.Rect.Dy()) {
					t.Errorf("%s seed %d %s: cropped quad %v", c.ref, seed, side.Name, o.Quad)
				}
			}
		}
	}
	// empty glass
	glass := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range glass.Pix {
		glass.Pix[i] = 12
	}
	if _, err := Find(ctx, glass); !errors.Is(err, ErrNoDocument) {
		t.Errorf("empty glass: %v", err)
	}
	// tiny and degenerate inputs do not panic
	for _, sz := range []image.Point{{0, 0}, {1, 1}, {15, 200}, {17, 17}} {
		_, _ = Find(ctx, image.NewRGBA(image.Rectangle{Max: sz}))
	}
}

// FuzzFind: any pixels in, an outline or ErrNoDocument out, never a
// panic.
func FuzzFind(f *testing.F) {
	f.Add(uint16(64), uint16(48), []byte{0, 255, 12, 200})
	f.Add(uint16(17), uint16(300), []byte{1})
	f.Add(uint16(400), uint16(300), []byte{10, 10, 10, 240, 240, 240, 240, 240})
	f.Fuzz(func(t *testing.T, w, h uint16, pix []byte) {
		w, h = w%700, h%700
		img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
		if len(pix) > 0 {
			for i := range img.Pix {
				img.Pix[i] = pix[(i/4*7+i%4)%len(pix)]
			}
		}
		o, err := Find(context.Background(), img)
		if err != nil && !errors.Is(err, ErrNoDocument) {
			t.Fatalf("unexpected error %v", err)
		}
		for _, p := range o.Quad {
			if math.IsNaN(p.X) || math.IsNaN(p.Y) {
				t.Fatalf("NaN corner %v", o.Quad)
			}
		}
	})
}

// TestFindLightOnLight: a light card on a light desk, its colour too
// near the desk's for the colour distance, under light a little uneven,
// as phone photos of ID cards on paper or a pale table are: its edge
// still encloses it. Ten sides on five desks; before the edges were
// followed, 2 were found within 2 % of the card's diagonal, now 8 are
// (the pale grey table's front is not found, and its back is placed 2.3 %
// off by the colour distance). The bar is the 8.
// foundNear reports whether Find locates the document p placed within
// 2 % of its diagonal (the field zones follow their labels and the MRZ
// is found on its own), and logs why not.
func foundNear(ctx context.Context, t *testing.T, p *specimen.Placed, what string) bool {
	t.Helper()
	o, err := Find(ctx, p.Layers[0])
	if err != nil {
		t.Logf("%s: %v", what, err)
		return false
	}
	diag := math.Hypot(p.Corners[0][0]-p.Corners[2][0], p.Corners[0][1]-p.Corners[2][1])
	if e := cornerError(o.Quad, p.Corners); e > 0.02*diag {
		t.Logf("%s: corners off by %.1f px (%.1f %% of the diagonal)", what, e, 100*e/diag)
		return false
	}
	return true
}

// foundSides renders both sides of ref (seed), places each as degrade
// says (j: the side's index; placed by seed i) and counts those
// foundNear.
func foundSides(ctx context.Context, t *testing.T, r *specimen.Renderer, ref string, seed int64, i int, degrade func(j int) specimen.Degradation) (found, sides int) {
	t.Helper()
	spec, err := r.Render(ctx, ref, specimen.Options{Seed: seed, PxPerMM: 10})
	if err != nil {
		t.Fatal(err)
	}
	for j, side := range spec.Sides {
		sides++
		d := degrade(j)
		p, err := specimen.Degrade([]*image.RGBA{side.White}, d, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if foundNear(ctx, t, p, fmt.Sprintf("%s %s on %v", ref, side.Name, d.Background)) {
			found++
		}
	}
	return found, sides
}

func TestFindLightOnLight(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	found, sides := 0, 0
	for i, c := range []struct {
		ref   string
		bg    color.RGBA
		light float64
	}{
		{"kz-id-2014", color.RGBA{222, 214, 198, 255}, 0.15}, // beige paper
		{"kz-id-2014", color.RGBA{205, 208, 212, 255}, 0.2},  // pale grey table
		{"kz-id-2014", color.RGBA{232, 228, 220, 255}, 0.1},  // off-white
		{"kz-id-2023", color.RGBA{214, 216, 210, 255}, 0.2},
		{"icao-td1", color.RGBA{226, 222, 214, 255}, 0.15},
	} {
		f, n := foundSides(ctx, t, r, c.ref, int64(20+i), i, func(j int) specimen.Degradation {
			return specimen.Degradation{Scale: 0.7, Rotate: float64(3*i - 5), Light: c.light, LightAngle: float64(i + j),
				Noise: 2, JPEGQuality: 85, Background: c.bg, Shift: [2]float64{0.3, -0.2}}
		})
		found, sides = found+f, sides+n
	}
	t.Logf("found %d of %d light sides on light desks", found, sides)
	if found < 8 {
		t.Errorf("found %d of %d light sides on light desks, want at least 8", found, sides)
	}
}

func TestDilate(t *testing.T) {
	const w, h = 9, 7
	for _, c := range []struct {
		r      int
		at     [2]int
		want   int // pixels set
		corner bool
	}{
		{0, [2]int{4, 3}, 1, false},
		{1, [2]int{4, 3}, 9, false},
		{2, [2]int{4, 3}, 25, false},
		{2, [2]int{0, 0}, 9, true},
		{4, [2]int{8, 6}, 25, true},
	} {
		mask := make([]bool, w*h)
		mask[c.at[1]*w+c.at[0]] = true
		got := dilate(mask, w, h, c.r)
		n := 0
		for y := range h {
			for x := range w {
				inside := max(abs(x-c.at[0]), abs(y-c.at[1])) <= c.r
				if got[y*w+x] != inside {
					t.Fatalf("r %d at %v: pixel (%d,%d) = %v", c.r, c.at, x, y, got[y*w+x])
				}
				if got[y*w+x] {
					n++
				}
			}
		}
		if n != c.want {
			t.Errorf("r %d at %v: %d pixels, want %d", c.r, c.at, n, c.want)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestFindAtAnySize: a card filling from 15 % to 70 % of the frame (the
// whole frame is the cropped case) is found, its corners within 2 px.
func TestFindAtAnySize(t *testing.T) {
	r := renderer(t)
	ctx := context.Background()
	spec, err := r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 3, PxPerMM: 10})
	if err != nil {
		t.Fatal(err)
	}
	// a card's share of a 4:3 frame is scale² × 0.84
	for _, scale := range []float64{0.43, 0.6, 0.75, 0.9} {
		for j, side := range spec.Sides {
			d := specimen.Degradation{Scale: scale, Rotate: 5, Background: color.RGBA{90, 70, 50, 255}, Noise: 2, JPEGQuality: 85}
			p, err := specimen.Degrade([]*image.RGBA{side.White}, d, int64(j))
			if err != nil {
				t.Fatal(err)
			}
			o, err := Find(ctx, p.Layers[0])
			if err != nil {
				t.Errorf("filling %.0f %%, %s: %v", 84*scale*scale, side.Name, err)
				continue
			}
			if e := cornerError(o.Quad, p.Corners); e > 2 {
				t.Errorf("filling %.0f %%, %s: corners off by %.1f px", 84*scale*scale, side.Name, e)
			}
		}
	}
}
