package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/api/loadtest"
)

// flatPNG is a light grey RGBA PNG of w×h, 16 or 8 bits a channel.
// Flat content compresses a 40 MP image to a few hundred KB, far under
// the upload limit; decoded it is as large as its pixels say. The audit
// sent the 16-bit 6300×6300 one (39.7 MP, under the 40 MP pixel limit):
// image/png decodes it to an NRGBA64 of 8 bytes a pixel, 318 MB.
func flatPNG(tb testing.TB, w, h int, sixteen bool) []byte {
	tb.Helper()
	var img image.Image
	if sixteen {
		m := image.NewNRGBA64(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetNRGBA64(x, y, color.NRGBA64{R: 0xe000, G: 0xe000, B: 0xe000, A: 0xffff})
			}
		}
		img = m
	} else {
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = 0xe0
		}
		img = m
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkWorstImageMemory posts large flat PNGs from 4 concurrent
// clients to docscand run as its own process (2 workers), and reports the
// daemon's peak RSS (VmHWM) over the run and how the requests were
// answered. The bar is 300 MB. The cases:
//
//   - audit-16bit-6300: the audit's 16-bit 6300×6300 RGBA PNG;
//   - rgba8-6300: the same pixels at 8 bits;
//   - worst-passing-16bit and -8bit: the largest RGBA squares that pass
//     the default limits (-max-decode-bytes; the decode budget shrinks
//     them to fit -decode-memory).
func BenchmarkWorstImageMemory(b *testing.B) {
	// the largest squares that pass the per-image limit: the shared
	// budget shrinks what it cannot hold at its own size
	largest := func(m color.Model) int {
		side := 6300
		bpp := int64(4)
		if m == color.NRGBA64Model {
			bpp = 8
		}
		for int64(side*side)*bpp > api.DefaultMaxDecodeBytes {
			side -= 10
		}
		return side
	}
	for _, c := range []struct {
		name    string
		side    int
		sixteen bool
	}{
		{"audit-16bit-6300", 6300, true},
		{"rgba8-6300", 6300, false},
		{"worst-passing-16bit", largest(color.NRGBA64Model), true},
		{"worst-passing-8bit", largest(color.NRGBAModel), false},
	} {
		b.Run(c.name, func(b *testing.B) {
			img := flatPNG(b, c.side, c.side, c.sixteen)
			b.Logf("%d×%d PNG, 16-bit %t: %d bytes", c.side, c.side, c.sixteen, len(img))
			// DOCSCAN_BENCH_DAEMON_ARGS adds daemon flags, e.g. to compare
			// "-memory-limit 0" or another -decode-memory in one command
			extra := strings.Fields(os.Getenv("DOCSCAN_BENCH_DAEMON_ARGS"))
			base, pid := startDaemonProcess(b, append([]string{"-hal", "sim", "-camera", "sim", "-workers", "2"}, extra...)...)
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
		})
	}
}
