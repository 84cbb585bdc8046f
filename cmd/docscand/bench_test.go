package main

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/docscan/docscan/api/loadtest"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// photoJPEG renders one side of doc as a phone photo: placed on a
// background, slightly rotated, unevenly lit, noisy, JPEG.
func photoJPEG(tb testing.TB, doc string, seed int64) []byte {
	tb.Helper()
	db, err := typedb.Default()
	if err != nil {
		tb.Fatal(err)
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		tb.Skip("specimen fonts missing:", err)
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		tb.Fatal(err)
	}
	sp, err := r.Render(context.Background(), doc, specimen.Options{Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	side := sp.Sides[len(sp.Sides)-1] // the MRZ side
	placed, err := specimen.Degrade([]*image.RGBA{side.White}, specimen.Degradation{
		Frame: image.Pt(1600, 1200), Scale: 0.85, Rotate: 2, Light: 0.2, Noise: 3, JPEGQuality: 90,
	}, seed)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, placed.Layers[0], &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkLoad posts single-side MRZ documents (a TD3 passport page
// photographed, 1.9 MP JPEG) to /api/v1/recognize from concurrent clients
// on loopback, against the whole daemon in this process: recognitions per
// second, p50 and p99 latency, peak RSS, and RSS growth over the run.
// DOCSCAN_LOAD_REQUESTS sets the requests (default 5000).
func BenchmarkLoad(b *testing.B) {
	requests := 5000
	if s := os.Getenv("DOCSCAN_LOAD_REQUESTS"); s != "" {
		requests, _ = strconv.Atoi(s)
	}
	photo := photoJPEG(b, "icao-td3", 5)
	_, base, _ := startDaemon(b, "-hal", "sim", "-camera", "sim", "-workers", "2")
	cfg := loadtest.Config{
		URL: base + "/api/v1/recognize", APIKey: testKey, CountryCode: "kz",
		Front: photo, Clients: 4, Requests: 40, Duration: 5 * time.Minute,
	}
	// Warm up: every worker's Tesseract loaded, buffers grown.
	if _, err := loadtest.Run(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	cfg.Requests = requests
	b.ResetTimer()
	for b.Loop() {
		rep, err := loadtest.Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if rep.OK != rep.Sent {
			b.Errorf("%d of %d answered 200: %v", rep.OK, rep.Sent, rep.Statuses)
		}
		b.ReportMetric(rep.PerSecond, "rec/s")
		b.ReportMetric(float64(rep.P50.Milliseconds()), "p50-ms")
		b.ReportMetric(float64(rep.P99.Milliseconds()), "p99-ms")
		b.ReportMetric(float64(rep.PeakRSSKiB)/1024, "peak-RSS-MiB")
		b.ReportMetric(100*float64(rep.RSSEndKiB-rep.RSSStartKiB)/float64(rep.RSSStartKiB), "RSS-growth-%")
		b.Logf("%d requests: %s", requests, rep)
	}
}
