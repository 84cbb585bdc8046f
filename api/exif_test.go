package api

import (
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
