package uplink

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docscan/docscan/sync/outbox"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
)

// BenchmarkDrain measures draining a backlog from the outbox to a local
// Mosquitto (started by the benchmark), one message in flight as the
// baseline, then with a window of 32; the second reports its speed-up
// over the first from the same run. One op drains 500 results of ~1 KB,
// deleting each on its PUBACK; the connection set-up is included.
func BenchmarkDrain(b *testing.B) {
	const perOp = 500
	broker := mqtttest.Start(b, "", false)
	var baseline float64
	for _, window := range []int{1, 32} {
		b.Run(fmt.Sprintf("window-%d", window), func(b *testing.B) {
			ob, err := outbox.Open(outbox.Options{Path: filepath.Join(b.TempDir(), outbox.FileName)})
			if err != nil {
				b.Fatal(err)
			}
			defer ob.Close()
			pad := strings.Repeat("x", 1000)
			var elapsed time.Duration
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				var wg sync.WaitGroup
				for p := 0; p < 16; p++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := p; i < perOp; i += 16 {
							id := fmt.Sprintf("b%d-%d", n, i)
							if _, err := ob.Put(context.Background(), outbox.Entry{ResultID: id, Payload: []byte(`{"result_id":"` + id + `","pad":"` + pad + `"}`)}); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				u, err := New(ob, Options{Brokers: []string{broker.URL()}, DeviceID: "bench", Window: window, TelemetryEvery: -1, Logger: testLogger()})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				b.StartTimer()
				start := time.Now()
				go func() { done <- u.Run(ctx) }()
				for ob.Stats().Depth > 0 {
					time.Sleep(200 * time.Microsecond)
				}
				elapsed += time.Since(start)
				b.StopTimer()
				cancel()
				<-done
			}
			rate := float64(b.N*perOp) / elapsed.Seconds()
			b.ReportMetric(rate, "results/s")
			b.ReportMetric(0, "ns/op")
			if window == 1 {
				baseline = rate
			} else if baseline > 0 {
				b.ReportMetric(rate/baseline, "x-vs-window-1")
			}
		})
	}
}
