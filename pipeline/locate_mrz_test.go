package pipeline

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"log/slog"
	"math"
	"sync/atomic"
	"testing"

	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// TestMRZAnchorsThePage: a passport data page as the locate stage meets
// it where no outline gives it away — a booklet spread (the data page is
// the half with the MRZ), light on light, turned a quarter, cropped at the
// page's edge — is found by its MRZ: recognised (never "not found"), its
// MRZ read exactly, and its corners where the page lies. (Rendered by our
// own renderer: the real-image twin is cmd/docscan's
// TestRealMRZSidesAreFound.)
func TestMRZAnchorsThePage(t *testing.T) {
	db, spec := renderTD3Page(t)
	page := spec.Sides[0].White
	pw, ph := page.Rect.Dx(), page.Rect.Dy()
	eng, err := New(db, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	light := color.RGBA{236, 234, 228, 255}
	// spread: a blank facing page above the data page, both on a light
	// table
	spread := func() (*image.RGBA, image.Point) {
		m := 60
		img := image.NewRGBA(image.Rect(0, 0, pw+2*m, 2*ph+2*m))
		draw.Draw(img, img.Rect, &image.Uniform{light}, image.Point{}, draw.Src)
		draw.Draw(img, image.Rect(m, m, m+pw, m+ph), &image.Uniform{color.RGBA{244, 240, 230, 255}}, image.Point{}, draw.Src)
		at := image.Pt(m, m+ph)
		draw.Draw(img, image.Rectangle{Min: at, Max: at.Add(page.Rect.Size())}, page, image.Point{}, draw.Src)
		return img, at
	}
	s, at := spread()
	cases := []struct {
		name    string
		img     *image.RGBA
		corners [4]image.Point // the data page's, clockwise from its top-left
	}{
		{"spread, light on light", s, [4]image.Point{at, at.Add(image.Pt(pw, 0)), at.Add(image.Pt(pw, ph)), at.Add(image.Pt(0, ph))}},
		{"spread turned a quarter", quarterTurn(s), func() [4]image.Point {
			// (x, y) → (H-1-y, x) for a clockwise quarter turn; the page's
			// own corners, from its top-left, move with it
			H := s.Rect.Dy()
			f := func(p image.Point) image.Point { return image.Pt(H-p.Y, p.X) }
			return [4]image.Point{f(at), f(at.Add(image.Pt(pw, 0))), f(at.Add(image.Pt(pw, ph))), f(at.Add(image.Pt(0, ph)))}
		}()},
		{"cropped at the page's edge", cropIn(page, 8), [4]image.Point{{-8, -8}, {pw - 8, -8}, {pw - 8, ph - 8}, {-8, ph - 8}}},
	}
	for _, c := range cases {
		res, err := eng.Recognize(context.Background(), Input{Front: &SideInput{White: c.img}})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if res.MRZ == nil || !equalLines(res.MRZ.Lines, spec.Truth.MRZ.Lines) {
			t.Errorf("%s: MRZ %v, want %v", c.name, res.MRZ, spec.Truth.MRZ.Lines)
		}
		if len(res.Views) == 0 || len(res.Views[0].Outline) != 4 {
			t.Errorf("%s: no outline", c.name)
			continue
		}
		for i, p := range res.Views[0].Outline {
			w := c.corners[i]
			if d := math.Hypot(float64(p.X-w.X), float64(p.Y-w.Y)); d > 0.05*float64(pw) {
				t.Errorf("%s: corner %d at %v, want %v (off %.0f px)", c.name, i, p, w, d)
			}
		}
	}
}

// renderTD3Page renders, with the type database it returns, a generic
// TD3 passport data page at 6 px/mm (a 125 mm page is 750 px).
func renderTD3Page(t *testing.T) (*typedb.DB, *specimen.Specimen) {
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
	spec, err := r.Render(context.Background(), "icao-td3", specimen.Options{Seed: 5, PxPerMM: 6})
	if err != nil {
		t.Fatal(err)
	}
	return db, spec
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// quarterTurn turns img a quarter clockwise.
func quarterTurn(img *image.RGBA) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := range h {
		for x := range w {
			out.SetRGBA(h-1-y, x, img.RGBAAt(x, y))
		}
	}
	return out
}

// cropIn cuts n pixels off every edge.
func cropIn(img *image.RGBA, n int) *image.RGBA {
	b := img.Rect.Inset(n)
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// mrzReads counts the MRZ engine's reads of an image (its "mrz read"
// records).
type mrzReads struct {
	slog.Handler
	n *atomic.Int32
}

func (h mrzReads) Enabled(context.Context, slog.Level) bool { return true }

func (h mrzReads) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "mrz read" {
		h.n.Add(1)
	}
	return nil
}

func (h mrzReads) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h mrzReads) WithGroup(string) slog.Handler      { return h }

// TestAFramelessPageIsReadOnce: a page no outline stands out from (cropped
// at its edge) has its MRZ read once, in the frame at the frame's own
// resolution, which places the page; the whole frame resampled to a
// page's shape is not read as well.
func TestAFramelessPageIsReadOnce(t *testing.T) {
	db, spec := renderTD3Page(t)
	var reads atomic.Int32
	eng, err := New(db, nil, Options{Logger: slog.New(mrzReads{n: &reads})})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recognize(context.Background(), Input{Front: &SideInput{White: cropIn(spec.Sides[0].White, 8)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MRZ == nil || !equalLines(res.MRZ.Lines, spec.Truth.MRZ.Lines) {
		t.Fatalf("MRZ %v, want %v", res.MRZ, spec.Truth.MRZ.Lines)
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("the MRZ was read %d times, want once", n)
	}
}
