package glyph

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// benchLine is one real crop when the shared eval data is there, else a
// committed rendered crop of the same size class.
func benchLine(b *testing.B) (*image.Gray, string) {
	b.Helper()
	if img, err := loadGray(filepath.Join(linesDir(), "0002.tif")); err == nil {
		return img, "real 0002.tif"
	}
	return loadSamples(b, "testdata", ".png")[1].img, "testdata synth01.png"
}

// medianMS reports the median of per-iteration times in milliseconds.
func medianMS(ts []time.Duration) float64 {
	s := slices.Clone(ts)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

// BenchmarkReadLine reads one cut line with the glyph reader and then the
// same image with Tesseract (eng, MRZ whitelist, one thread), reporting
// the median of each and their ratio.
func BenchmarkReadLine(b *testing.B) {
	r, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	img, what := benchLine(b)
	b.Logf("line image: %s (%dx%d)", what, img.Bounds().Dx(), img.Bounds().Dy())
	var glyphMS float64
	b.Run("glyph", func(b *testing.B) {
		if _, err := r.ReadLine(img, 0); err != nil { // warm
			b.Fatal(err)
		}
		ts := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := r.ReadLine(img, 0); err != nil {
				b.Fatal(err)
			}
			ts = append(ts, time.Since(t0))
		}
		glyphMS = medianMS(ts)
		b.ReportMetric(glyphMS, "ms-median")
	})
	b.Run("tesseract", func(b *testing.B) {
		bin, err := exec.LookPath("tesseract")
		if err != nil {
			b.Skip("tesseract not installed")
		}
		path := filepath.Join(b.TempDir(), "line.png")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		run := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, path, "stdout", "--psm", "7",
				"-c", "tessedit_char_whitelist=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
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
		tms := medianMS(ts)
		b.ReportMetric(tms, "ms-median")
		if glyphMS > 0 {
			b.ReportMetric(tms/glyphMS, "x-slower-than-glyph")
		}
	})
}
