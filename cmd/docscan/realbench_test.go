package main

import (
	"context"
	"errors"
	"image"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// BenchmarkReal times recognition of the real images of ../shared/eval
// with a warm engine (as the daemon holds one), against the stock
// `tesseract` CLI reading the same files as pages, in the same run: one
// op is every passporteye JPEG once, or every kz-dev card's two sides.
//
//	go test -run '^$' -bench BenchmarkReal -benchtime 1x ./cmd/docscan/
func BenchmarkReal(b *testing.B) {
	root := filepath.Join(sharedDir(b), "eval")
	jpegs, _ := filepath.Glob(filepath.Join(root, "mrz", "passporteye", "*.jpg"))
	sort.Strings(jpegs)
	fronts, _ := filepath.Glob(filepath.Join(root, "kz-dev", "*_front.*"))
	sort.Strings(fronts)
	var pairs [][2]string
	for _, f := range fronts {
		backs, _ := filepath.Glob(f[:len(f)-len(filepath.Base(f))] + filepath.Base(f)[:3] + "_back.*")
		if len(backs) == 1 {
			pairs = append(pairs, [2]string{f, backs[0]})
		}
	}
	db, err := typedb.Default()
	if err != nil {
		b.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Options{Workers: runtime.NumCPU()})
	if errors.Is(err, ocr.ErrUnavailable) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	eng, err := pipeline.New(db, pool, pipeline.Options{})
	if err != nil {
		b.Fatal(err)
	}
	load := func(p string) image.Image {
		img, err := loadImage(p)
		if err != nil {
			b.Fatal(err)
		}
		return img
	}
	cli := func(b *testing.B, path, lang string) {
		if out, err := exec.Command("tesseract", path, "stdout", "-l", lang, "--psm", "3").CombinedOutput(); err != nil {
			b.Fatalf("tesseract: %v: %s", err, out)
		}
	}
	_, noCLI := exec.LookPath("tesseract")
	b.Run("passporteye-jpeg/docscan", func(b *testing.B) {
		for range b.N {
			for _, p := range jpegs {
				// refusals count: they cost what they cost
				_, _ = eng.Recognize(context.Background(), pipeline.Input{Front: &pipeline.SideInput{White: load(p)}})
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*max(1, len(jpegs))), "ms/image")
	})
	b.Run("passporteye-jpeg/tesseract-cli", func(b *testing.B) {
		if noCLI != nil {
			b.Skip("tesseract not installed")
		}
		for range b.N {
			for _, p := range jpegs {
				cli(b, p, "eng")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*max(1, len(jpegs))), "ms/image")
	})
	b.Run("kz-dev-two-sided/docscan", func(b *testing.B) {
		var took []time.Duration
		for range b.N {
			for _, p := range pairs {
				in := pipeline.Input{CountryCode: "kz", Front: &pipeline.SideInput{White: load(p[0])}, Back: &pipeline.SideInput{White: load(p[1])}}
				t0 := time.Now()
				_, _ = eng.Recognize(context.Background(), in)
				took = append(took, time.Since(t0))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*max(1, len(pairs))), "ms/card")
		// the bar is the median recognition (decoding the files aside)
		if len(took) > 0 {
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms/card")
		}
	})
	b.Run("kz-dev-two-sided/tesseract-cli", func(b *testing.B) {
		if noCLI != nil {
			b.Skip("tesseract not installed")
		}
		for range b.N {
			for _, p := range pairs {
				cli(b, p[0], "kaz+rus")
				cli(b, p[1], "kaz+rus")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*max(1, len(pairs))), "ms/card")
	})
}
