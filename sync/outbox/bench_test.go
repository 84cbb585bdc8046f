package outbox

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// BenchmarkEnqueue measures durable enqueue (Put returns after the fsync'd
// commit) from 32 concurrent producers, one transaction per result as the
// baseline, then with group commit; the second reports its speed-up over
// the first from the same run. One op is 128 results of ~2 KB.
func BenchmarkEnqueue(b *testing.B) {
	const producers, perOp = 32, 128
	var baseline float64
	for _, mode := range []struct {
		name    string
		oneTxEa bool
	}{{"tx-per-result", true}, {"group-commit", false}} {
		b.Run(mode.name, func(b *testing.B) {
			o, err := Open(Options{Path: filepath.Join(b.TempDir(), FileName), oneTxPerPut: mode.oneTxEa, MaxCount: 1 << 30, MaxBytes: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			defer o.Close()
			entries := make([]Entry, perOp)
			for i := range entries {
				entries[i] = entry(fmt.Sprintf("bench-%d", i), 2000)
			}
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				var wg sync.WaitGroup
				for p := 0; p < producers; p++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := p; i < perOp; i += producers {
							if _, err := o.Put(context.Background(), entries[i]); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
			}
			b.StopTimer()
			rate := float64(b.N*perOp) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "results/s")
			b.ReportMetric(0, "ns/op")
			if mode.oneTxEa {
				baseline = rate
			} else if baseline > 0 {
				b.ReportMetric(rate/baseline, "x-vs-tx-per-result")
			}
		})
	}
}
