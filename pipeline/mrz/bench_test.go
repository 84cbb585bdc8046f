package mrz

import (
	"context"
	"errors"
	"github.com/docscan/docscan/pipeline/mrz/internal/evaldata"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz/find"
	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

// benchPhoto returns a 1.5-megapixel photo with an MRZ and a file
// holding it for Tesseract: the Australian passport photo of the
// evaluation set when it is there, else a rendered one.
func benchPhoto(b *testing.B) (image.Image, string) {
	b.Helper()
	dir, derr := evaldata.Dir()
	path := filepath.Join(dir, "passporteye", "62_pass-aus.png")
	if _, err := os.Stat(path); derr == nil && err == nil {
		return decodeFile(b, path), path
	}
	f, err := mrztest.LoadFonts()
	if errors.Is(err, mrztest.ErrNoFont) {
		b.Skipf("no evaluation photo and no fonts to render one: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	img, _, err := mrztest.Scene{Lines: specTD3, CapHeight: 24, Rotate: -8, Perspective: 0.1, Busy: true, Margin: 0.15, JPEG: 85, Seed: 7}.Render(f)
	if err != nil {
		b.Fatal(err)
	}
	path = filepath.Join(b.TempDir(), "photo.png")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, img); err != nil {
		b.Fatal(err)
	}
	return img, path
}

func medianMS(ts []time.Duration) float64 {
	s := slices.Clone(ts)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

// BenchmarkReadPhoto finds and reads the MRZ of a 1.5-megapixel photo,
// then runs Tesseract (eng, MRZ whitelist, one thread, --psm 6) on the
// same image, and reports the medians and their ratio.
func BenchmarkReadPhoto(b *testing.B) {
	img, path := benchPhoto(b)
	e, err := New()
	if err != nil {
		b.Fatal(err)
	}
	px := img.Bounds().Dx() * img.Bounds().Dy()
	b.Logf("photo %s, %.2f megapixels", filepath.Base(path), float64(px)/1e6)
	var mrzMS float64
	b.Run("mrz", func(b *testing.B) {
		if _, err := e.Read(context.Background(), img); err != nil { // warm
			b.Fatal(err)
		}
		ts := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := e.Read(context.Background(), img); err != nil {
				b.Fatal(err)
			}
			ts = append(ts, time.Since(t0))
		}
		mrzMS = medianMS(ts)
		b.ReportMetric(mrzMS, "ms-median")
	})
	// ReadGrayOthers, as the pipeline calls it: the further zones it
	// looks for after the best must cost little on a photo of one.
	b.Run("mrz-others", func(b *testing.B) {
		ts := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			_, others, err := e.ReadGrayOthers(context.Background(), find.Gray(img))
			if err != nil {
				b.Fatal(err)
			}
			if len(others) != 0 {
				b.Fatalf("%d further zones on a photo of one", len(others))
			}
			ts = append(ts, time.Since(t0))
		}
		b.ReportMetric(medianMS(ts), "ms-median")
	})
	b.Run("tesseract", func(b *testing.B) {
		bin, err := exec.LookPath("tesseract")
		if err != nil {
			b.Skip("tesseract not installed")
		}
		run := func() {
			cmd := exec.Command(bin, path, "stdout", "--psm", "6", "-c", "tessedit_char_whitelist=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("tesseract: %v: %s", err, out)
			}
		}
		run() // warm the page cache
		ts := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			run()
			ts = append(ts, time.Since(t0))
		}
		tessMS := medianMS(ts)
		b.ReportMetric(tessMS, "ms-median")
		if mrzMS > 0 {
			b.ReportMetric(tessMS/mrzMS, "x-faster-than-tesseract")
		}
	})
}
