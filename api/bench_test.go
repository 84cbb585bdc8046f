package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"testing"
	"time"

	"github.com/docscan/docscan/api/loadtest"
	"github.com/docscan/docscan/pipeline"
)

// BenchmarkRecognize measures the server's own cost per recognition (the
// recognizer is the fixed-result fake): "direct" is the baseline without
// HTTP (header check, decode, recognize, store), "http" the same through
// multipart uploads from concurrent clients on loopback, measured with the
// load harness. The lead runs the harness with the real pipeline.
func BenchmarkRecognize(b *testing.B) {
	front := readTestdata(b, "front.jpg")
	b.Run("direct", func(b *testing.B) {
		rec, store := &fakeRecognizer{}, newMemStore()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c, e := checkImage(fieldFront, &upload{filename: "front.jpg", data: front}, DefaultMaxPixels)
			if e != nil {
				b.Fatal(e)
			}
			img, e := c.decode()
			if e != nil {
				b.Fatal(e)
			}
			res, err := rec.Recognize(context.Background(), RecognizeRequest{Front: img, CountryCode: "kz"})
			if err != nil {
				b.Fatal(err)
			}
			res.ResultID = "x"
			if err := store.Put(context.Background(), res); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("http", func(b *testing.B) {
		h := newHarness(b, func(o *Options) {
			o.Logger = slog.New(slog.DiscardHandler)
			o.Store = discardStore{} // memStore would keep every result and skew the RSS
			o.Workers = 2
			o.QueueLength = 16
		})
		cfg := loadtest.Config{
			URL: h.ts.URL + "/api/v1/recognize", APIKey: keyActive, Front: front,
			Clients: 4, Requests: 200, Duration: 60 * time.Second,
		}
		if _, err := loadtest.Run(context.Background(), cfg); err != nil { // warm-up: pools and buffers
			b.Fatal(err)
		}
		cfg.Requests = b.N
		b.ResetTimer()
		rep, err := loadtest.Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if rep.OK != rep.Sent {
			b.Fatalf("not every request succeeded: %v", rep)
		}
		b.ReportMetric(rep.PerSecond, "recognitions/s")
		b.ReportMetric(float64(rep.P50.Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(rep.P99.Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(rep.PeakRSSKiB)/1024, "peak_RSS_MiB")
		if rep.RSSStartKiB > 0 {
			b.ReportMetric(100*float64(rep.RSSEndKiB-rep.RSSStartKiB)/float64(rep.RSSStartKiB), "RSS_growth_%")
		}
	})
}

// discardStore serialises each result as a durable store would, and keeps
// nothing.
type discardStore struct{}

func (discardStore) Put(ctx context.Context, res *pipeline.Result) error {
	_, err := json.Marshal(res)
	return err
}

func (discardStore) Get(ctx context.Context, id string) (*pipeline.Result, error) {
	return nil, fs.ErrNotExist
}
