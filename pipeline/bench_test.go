package pipeline

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// scannerFrames renders a genuine Kazakh ID card (2014) at the
// simulator's resolution and places both sides on the dark glass of
// 1600×1200 frames under white, IR and UV, as the sim camera does.
func scannerFrames(b *testing.B) Input {
	b.Helper()
	ev := newEvalEnv(b)
	spec, err := ev.r.Render(context.Background(), "kz-id-2014", specimen.Options{Seed: 3, Today: evalToday})
	if err != nil {
		b.Fatal(err)
	}
	in := Input{CountryCode: "kz"}
	for i, s := range spec.Sides {
		d := specimen.Degradation{Scale: 0.8, Rotate: 1.5, Noise: 2, Background: color.RGBA{10, 10, 12, 255}}
		p, err := specimen.Degrade([]*image.RGBA{s.White, s.IR, s.UV}, d, int64(i))
		if err != nil {
			b.Fatal(err)
		}
		si := &SideInput{White: p.Layers[0], IR: p.Layers[1], UV: p.Layers[2], Scanner: true}
		if s.Name == typedb.Front {
			in.Front = si
		} else {
			in.Back = si
		}
	}
	return in
}

// BenchmarkRecognizeKZIDScanner is the bar: a two-sided Kazakh ID card
// from scanner frames (white, IR, UV per side), warm. It reports the
// median per stage, summed over the sides (they run in parallel, so the
// sum can exceed the total), and the median total.
func BenchmarkRecognizeKZIDScanner(b *testing.B) {
	in := scannerFrames(b)
	eng := newEvalEnv(b).eng
	ctx := context.Background()
	if _, err := eng.Recognize(ctx, in); err != nil { // warm the Tesseract clients
		b.Fatal(err)
	}
	stages := map[Stage][]time.Duration{}
	var totals []time.Duration
	b.ResetTimer()
	for range b.N {
		res, err := eng.Recognize(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if res.FailureReason != "None" {
			b.Fatalf("genuine card: %s", res.FailureReason)
		}
		per := map[Stage]time.Duration{}
		for _, t := range res.Timings {
			per[t.Stage] += t.Duration
		}
		for s, d := range per {
			stages[s] = append(stages[s], d)
		}
		totals = append(totals, res.Elapsed)
	}
	b.StopTimer()
	for s, ds := range stages {
		b.ReportMetric(ms(median(ds)), string(s)+"-ms")
	}
	b.ReportMetric(ms(median(totals)), "median-ms")
}

// BenchmarkBaselineTesseractCLI is the baseline of the same run: the
// stock `tesseract` command reading one side's white frame as a page
// (OMP_THREAD_LIMIT=1, kaz+rus) — what one would run without docscan,
// and it reads neither the MRZ nor the other side.
func BenchmarkBaselineTesseractCLI(b *testing.B) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		b.Skip("tesseract not installed")
	}
	in := scannerFrames(b)
	path := filepath.Join(b.TempDir(), "front.png")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := png.Encode(f, in.Front.White); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var totals []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		cmd := exec.Command("tesseract", path, "stdout", "-l", "kaz+rus", "--psm", "3")
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tesseract: %v: %s", err, out)
		}
		totals = append(totals, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(ms(median(totals)), "median-ms")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
