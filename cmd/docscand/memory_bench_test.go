package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/docscan/docscan/api/loadtest"
)

// worst16BitPNG is the image the audit sent: a 16-bit RGBA PNG of
// 6300×6300 (39.7 MP, under the default 40 MP pixel limit). Flat content
// compresses it to a few hundred KB; decoded by image/png it is an
// NRGBA64 of 8 bytes a pixel, 318 MB.
func worst16BitPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewNRGBA64(image.Rect(0, 0, 6300, 6300))
	for y := 0; y < 6300; y++ {
		for x := 0; x < 6300; x++ {
			img.SetNRGBA64(x, y, color.NRGBA64{R: 0xe000, G: 0xe000, B: 0xe000, A: 0xffff})
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkWorstImageMemory posts the worst image that passes the upload
// checks from 4 concurrent clients to docscand run as its own process,
// and reports the daemon's peak RSS (VmHWM) over the run, and how the
// requests were answered. The bar is 300 MB.
func BenchmarkWorstImageMemory(b *testing.B) {
	img := worst16BitPNG(b)
	b.Logf("16-bit PNG 6300×6300: %d bytes", len(img))
	base, pid := startDaemonProcess(b, "-hal", "sim", "-camera", "sim", "-workers", "2")
	cfg := loadtest.Config{
		URL: base + "/api/v1/recognize", APIKey: testKey, CountryCode: "kz",
		Front: img, FrontName: "worst.png", Clients: 4, Requests: 8, Duration: 10 * time.Minute, PID: pid,
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := loadtest.Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.PeakRSSKiB)/1024, "peak-RSS-MiB")
		b.Logf("%s; statuses %v", rep, rep.Statuses)
	}
}
