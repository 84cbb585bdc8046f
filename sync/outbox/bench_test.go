package outbox

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

// fill stores n results through the commit path, many to a transaction
// (as a burst of group commits would), without one fsync per result.
func fill(b *testing.B, o *Outbox, n int) []string {
	b.Helper()
	ids := make([]string, n)
	const perTx = 5000
	for start := 0; start < n; start += perTx {
		batch := make([]*request, 0, perTx)
		for i := start; i < min(n, start+perTx); i++ {
			ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
			e := entry(ids[i], 400)
			slot, key, err := o.keys.alloc()
			if err != nil {
				b.Fatal(err)
			}
			v, err := sealRecord(encodeRecord(e, time.Time{}), slot, key)
			if err != nil {
				b.Fatal(err)
			}
			batch = append(batch, &request{kind: reqPut, value: v, resultID: e.ResultID, slot: slot, sealed: true, done: make(chan reply, 1)})
		}
		o.commit(batch)
		for _, r := range batch {
			if rep := <-r.done; rep.err != nil {
				b.Fatal(rep.err)
			}
		}
	}
	return ids
}

// BenchmarkFind is GET /api/v1/results/{id}'s lookup in an outbox of 1,000
// and of 100,000 results (the default cap): "index" is Find, one lookup in
// the result index; "walk" is the baseline it replaced, a walk over the
// records newest first, measured in the same run. Each op finds one
// result spread evenly through the outbox.
func BenchmarkFind(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		o, err := Open(Options{Path: filepath.Join(b.TempDir(), FileName), MaxCount: n, MaxBytes: 1 << 30, CompactMinSize: -1})
		if err != nil {
			b.Fatal(err)
		}
		ids := fill(b, o, n)
		b.Run(fmt.Sprintf("index/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				id := ids[(i*7919)%n]
				if rec, err := o.Find(id); err != nil || rec.ResultID != id {
					b.Fatal(id, err)
				}
			}
		})
		b.Run(fmt.Sprintf("walk/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				id := ids[(i*7919)%n]
				if rec, err := findByWalk(o, id); err != nil || rec.ResultID != id {
					b.Fatal(id, err)
				}
			}
		})
		o.Close()
	}
}

// findByWalk is Find as it was before the result index: every record's
// header is read, newest first, until the id matches.
func findByWalk(o *Outbox, resultID string) (Record, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out Record
	found := false
	err := o.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPending, bucketDelivered} {
			bk := tx.Bucket(name)
			if bk == nil {
				continue
			}
			c := bk.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				head, err := decodeRecord(v, nil, false, true)
				if err != nil || head.ResultID != resultID {
					continue
				}
				rec, err := decodeRecord(v, o.keys, true, false)
				if err != nil {
					return err
				}
				rec.Seq = beUint64(k[len(k)-keyLen:])
				out, found = rec, true
				return nil
			}
		}
		return nil
	})
	if err == nil && !found {
		err = ErrNotFound
	}
	return out, err
}
