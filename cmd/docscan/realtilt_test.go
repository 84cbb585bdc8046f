package main

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// keystoned returns img as a camera tilted back would show it: the top
// edge narrowed by narrow of the width on each side, the height kept
// (ImageMagick's -distort Perspective with the top corners moved in);
// beyond the image's edge its border pixels continue, as a desk does.
func keystoned(t testing.TB, img image.Image, narrow float64) *image.RGBA {
	t.Helper()
	src := imgutil.RGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	fw, fh := float64(w), float64(h)
	// the output pixel (u, v) shows the source point the inverse of the
	// distortion takes it to: the output's narrowed top row spans the
	// source's whole width
	wide := narrow * fw / (1 - 2*narrow)
	inv, err := imgutil.QuadToRect(imgutil.Quad{{X: -wide}, {X: fw + wide}, {X: fw, Y: fh}, {Y: fh}}, fw, fh)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for v := range h {
		for u := range w {
			x, y := inv.Apply(float64(u)+0.5, float64(v)+0.5)
			xi, yi := min(max(int(x), 0), w-1), min(max(int(y), 0), h-1)
			copy(out.Pix[v*out.Stride+4*u:v*out.Stride+4*u+4], src.Pix[yi*src.Stride+4*xi:])
		}
	}
	return out
}

// TestRealKZTilted: the Kazakh cards drawn by another hand, each side
// photographed with the camera tilted back (its top edge 8 % narrower
// on each side): every side is identified as its document's. A card's
// front so tilted measured, by the mean of its sides, a passport page's
// shape, and was taken for the Kazakh passport beside its own back.
func TestRealKZTilted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	dir := filepath.Join(sharedDir(t), "eval", "kz-dev")
	b, err := os.ReadFile(filepath.Join(dir, "ground_truth.json"))
	if err != nil {
		t.Skipf("kz-dev not found: %v", err)
	}
	var gt map[string]struct {
		Front, Back, Type string
	}
	if err := json.Unmarshal(b, &gt); err != nil {
		t.Fatal(err)
	}
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Options{Workers: runtime.NumCPU()})
	if errors.Is(err, ocr.ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	eng, err := pipeline.New(db, pool, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range slices.Sorted(maps.Keys(gt)) {
		g := gt[id]
		for _, side := range []struct {
			file string
			name typedb.SideName
		}{{g.Front, typedb.Front}, {g.Back, typedb.Back}} {
			img, err := loadImage(filepath.Join(dir, side.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := eng.Identify(context.Background(), keystoned(t, img, 0.08), "kz")
			if err != nil {
				t.Errorf("%s: %v", side.file, err)
				continue
			}
			if got.Type == nil || got.Type.Document != g.Type || got.Type.Side != side.name {
				name := "nothing"
				if got.Type != nil {
					name = got.Type.DocumentName
				}
				t.Errorf("%s tilted: identified as %s, want %s's %s", side.file, name, g.Type, side.name)
			}
		}
	}
}
