package api

import (
	"image/color"
	"testing"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// TestUploadEXIFOrientation: an upload is turned upright by its EXIF
// orientation before recognition sees it; the quarter turns and their
// mirrors swap width and height.
func TestUploadEXIFOrientation(t *testing.T) {
	raw := testJPEG(t, 40, 24)
	for o := imgutil.OrientNormal; o <= imgutil.OrientRotate270; o++ {
		file, err := imgutil.WithOrientation(raw, o)
		if err != nil {
			t.Fatal(err)
		}
		c, e := checkImage(fieldFront, &upload{filename: "photo.jpg", data: file}, DefaultMaxPixels)
		if e != nil {
			t.Fatalf("orientation %d: %v", o, e)
		}
		img, e := c.decode()
		if e != nil {
			t.Fatalf("orientation %d: %v", o, e)
		}
		w, h := 40, 24
		if o >= imgutil.OrientTranspose {
			w, h = h, w
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("orientation %d: decoded %v, want %d×%d", o, b, w, h)
		}
	}
}

// TestFitBudget: images that fit the decode budget at their own size are
// recognised at it; two 12 MP phone photos (refused before: 2×276 MB
// against 192 MiB) are shrunk to the largest size that fits; a request
// that would not fit even at minShrinkPixels is refused.
func TestFitBudget(t *testing.T) {
	jpg := func(w, h int) *checkedImage {
		return &checkedImage{width: w, height: h, model: color.YCbCrModel}
	}
	for _, c := range []struct {
		name    string
		imgs    []*checkedImage
		total   int64
		shrunk  bool
		ok      bool
		atLeast int // the frame kept, when shrunk
	}{
		{"two 2 MP photos at their size", []*checkedImage{jpg(1600, 1200), jpg(1600, 1200)}, DefaultDecodeMemory, false, true, 0},
		{"one 12 MP photo", []*checkedImage{jpg(4000, 3000)}, DefaultDecodeMemory, true, true, 6_000_000},
		{"two 12 MP photos", []*checkedImage{jpg(4000, 3000), jpg(4000, 3000)}, DefaultDecodeMemory, true, true, 3_000_000},
		{"two 12 MP photos, a tiny budget", []*checkedImage{jpg(4000, 3000), jpg(4000, 3000)}, 64 << 20, false, false, 0},
	} {
		m, cost, ok := fitBudget(c.imgs, c.total)
		if ok != c.ok || (m > 0) != c.shrunk {
			t.Errorf("%s: maxPixels %d ok %v", c.name, m, ok)
			continue
		}
		if ok && cost > c.total {
			t.Errorf("%s: cost %d over the budget %d", c.name, cost, c.total)
		}
		if c.shrunk && m < c.atLeast {
			t.Errorf("%s: shrunk to %d px, want at least %d", c.name, m, c.atLeast)
		}
	}
}

// TestPhotoShrunkUpright: an image decoded for a budget that asks for it
// is shrunk, then turned upright by its EXIF orientation.
func TestPhotoShrunkUpright(t *testing.T) {
	file, err := imgutil.WithOrientation(testJPEG(t, 4000, 3000), imgutil.OrientRotate90)
	if err != nil {
		t.Fatal(err)
	}
	c, e := checkImage(fieldFront, &upload{filename: "photo.jpg", data: file}, DefaultMaxPixels)
	if e != nil {
		t.Fatal(e)
	}
	c.maxPixels = 3_000_000
	img, e := c.decode()
	if e != nil {
		t.Fatal(e)
	}
	if b := img.Bounds(); b.Dx() != 1500 || b.Dy() != 2000 {
		t.Errorf("decoded %v, want 1500×2000: shrunk to 3 MP and turned upright", b)
	}
}
