package camera

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/docscan/docscan/hal"
)

func writeImage(t *testing.T, path string, w, h int, v uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if filepath.Ext(path) == ".png" {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func grey(img image.Image) uint8 {
	return color.GrayModel.Convert(img.At(1, 1)).(color.Gray).Y
}

func TestDirServesInNameOrder(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "2-ir.png"), 8, 6, 20)
	writeImage(t, filepath.Join(dir, "1-white.jpg"), 8, 6, 200)
	writeImage(t, filepath.Join(dir, "3-uv.PNG"), 8, 6, 90)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Configure(context.Background(), hal.Format{Width: 1920, Height: 1080})
	if err != nil || f != (hal.Format{PixelFormat: "JPEG", Width: 8, Height: 6}) {
		t.Fatalf("Configure = %v, %v", f, err)
	}
	want := []uint8{200, 20, 90, 200} // wraps around
	for i, w := range want {
		fr, err := d.Capture(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		g := grey(fr.Image)
		if g < w-3 || g > w+3 { // JPEG is lossy
			t.Errorf("capture %d: grey %d, want %d", i, g, w)
		}
		if fr.Seq != uint64(i+1) {
			t.Errorf("capture %d: seq %d", i, fr.Seq)
		}
	}
	_ = d.Close()
	if _, err := d.Capture(context.Background()); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestDirErrors(t *testing.T) {
	if _, err := NewDir(t.TempDir(), nil); err == nil {
		t.Error("empty folder accepted")
	}
	if _, err := NewDir(filepath.Join(t.TempDir(), "missing"), nil); err == nil {
		t.Error("missing folder accepted")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Capture(context.Background()); err == nil {
		t.Error("a corrupt image was served")
	}
}

func TestParseSpec(t *testing.T) {
	cases := []struct {
		in   string
		want Spec
		ok   bool
	}{
		{"sim", Spec{Kind: "sim"}, true},
		{"v4l2:/dev/video0", Spec{Kind: "v4l2", Path: "/dev/video0"}, true},
		{"v4l2:/dev/v4l/by-id/usb-cam-video-index0", Spec{Kind: "v4l2", Path: "/dev/v4l/by-id/usb-cam-video-index0"}, true},
		{"dir:./photos", Spec{Kind: "dir", Path: "./photos"}, true},
		{"dir:/a:b", Spec{Kind: "dir", Path: "/a:b"}, true},
		{"", Spec{}, false},
		{"sim:x", Spec{}, false},
		{"v4l2:", Spec{}, false},
		{"v4l2:video0", Spec{}, false},
		{"dir:", Spec{}, false},
		{"usb", Spec{}, false},
	}
	for _, c := range cases {
		got, err := ParseSpec(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSpec(%q) = %+v, %v", c.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadSpec) {
			t.Errorf("ParseSpec(%q) error %v is not ErrBadSpec", c.in, err)
		}
		if err == nil {
			if back, err := ParseSpec(got.String()); err != nil || back != got {
				t.Errorf("round trip of %q: %+v, %v", c.in, back, err)
			}
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"sim", "v4l2:/dev/video0", "dir:x", "v4l2:", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err != nil {
			return
		}
		if back, err := ParseSpec(spec.String()); err != nil || back != spec {
			t.Fatalf("%q parsed to %+v, which does not round-trip: %+v %v", s, spec, back, err)
		}
	})
}

// TestDirUsesItsDecoder: the decoder the daemon injects (recognition's,
// which turns a photo upright by its EXIF orientation) serves both the
// format and the frames.
func TestDirUsesItsDecoder(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "1-white.jpg"), 8, 6, 200)
	calls := 0
	quarter := func(r io.Reader) (image.Image, error) {
		calls++
		img, _, err := image.Decode(r)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		return image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx())), nil
	}
	d, err := NewDir(dir, quarter)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Configure(context.Background(), hal.Format{})
	if err != nil || f.Width != 6 || f.Height != 8 {
		t.Fatalf("Configure = %v, %v", f, err)
	}
	fr, err := d.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b := fr.Image.Bounds(); b.Dx() != 6 || b.Dy() != 8 || calls != 2 {
		t.Errorf("frame %v after %d decodes", b, calls)
	}
}
