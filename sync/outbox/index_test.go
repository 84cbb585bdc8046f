package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkIndex reads the result index and checks it against the records:
// every kept record's result_id has an entry, each entry names a record
// with that id, and none names a record that is gone. It returns each
// entry's bucket tag by result_id.
func checkIndex(t *testing.T, o *Outbox) map[string]string {
	t.Helper()
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := map[string]string{}
	err := o.db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex)
		if idx == nil {
			return errors.New("no index bucket")
		}
		ids := map[string]bool{}
		for _, name := range [][]byte{bucketPending, bucketDelivered} {
			if bk := tx.Bucket(name); bk != nil {
				_ = bk.ForEach(func(k, v []byte) error {
					h, _ := decodeRecord(v, nil, false, true)
					ids[h.ResultID] = true
					return nil
				})
			}
		}
		err := idx.ForEach(func(k, loc []byte) error {
			id := string(k)
			_, v := lookup(tx, id)
			if v == nil {
				return fmt.Errorf("index entry %s names no record", id)
			}
			if h, _ := decodeRecord(v, nil, false, true); h.ResultID != id {
				return fmt.Errorf("index entry %s names a record of %s", id, h.ResultID)
			}
			delete(ids, id)
			out[id] = string(loc[:1])
			return nil
		})
		if err == nil && len(ids) > 0 {
			err = fmt.Errorf("records without an index entry: %v", ids)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The index follows every way a record comes and goes: put, a repeated
// result_id, ack into retention, drop-oldest at the cap, purge, the
// retention and TTL sweeps, and a file written before the index existed.
func TestResultIndex(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	path := filepath.Join(t.TempDir(), FileName)
	o := openT(t, Options{Path: path, Retention: time.Hour, TTL: 24 * time.Hour, SweepEvery: 5 * time.Millisecond, Now: clock.Now,
		MaxCount: 5, WhenFull: DropOldest})
	var seqs []uint64
	for i := range 4 {
		seqs = append(seqs, put(t, o, entry(fmt.Sprintf("r%d", i), 100)))
	}
	dup := put(t, o, entry("r1", 120)) // the same result_id again: the newest wins
	if rec, err := o.Find("r1"); err != nil || rec.Seq != dup {
		t.Fatalf("Find(r1) = %d, %v; want the newest, %d", rec.Seq, err, dup)
	}
	if err := o.Ack(ctx, seqs[0], seqs[2]); err != nil {
		t.Fatal(err)
	}
	if got := checkIndex(t, o); got["r0"] != "d" || got["r2"] != "d" || got["r3"] != "p" || got["r1"] != "p" || len(got) != 4 {
		t.Fatalf("index after acks: %v", got)
	}
	// At the cap the delivered ones go first, then the oldest pending.
	for i := 4; i < 8; i++ {
		put(t, o, entry(fmt.Sprintf("r%d", i), 100))
	}
	got := checkIndex(t, o)
	for _, gone := range []string{"r0", "r2"} {
		if _, err := o.Find(gone); !errors.Is(err, ErrNotFound) || got[gone] != "" {
			t.Errorf("Find(%s) after eviction: %v", gone, err)
		}
	}
	if len(got) != o.Stats().Depth {
		t.Errorf("%d index entries for %d records", len(got), o.Stats().Depth)
	}
	if n, err := o.Purge(ctx, PurgeSpec{Seqs: []uint64{dup}}); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if _, err := o.Find("r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find(r1) after its purge: %v", err)
	}
	checkIndex(t, o)

	// A file without an index (written before it existed) gets one at Open.
	o.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketIndex) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	o = openT(t, Options{Path: path, Retention: time.Hour, TTL: 24 * time.Hour, SweepEvery: 5 * time.Millisecond, Now: clock.Now, MaxCount: 5})
	if got := checkIndex(t, o); len(got) != o.Stats().Depth || len(got) == 0 {
		t.Fatalf("rebuilt index %v for %d records", got, o.Stats().Depth)
	}
	if rec, err := o.Find("r7"); err != nil || rec.ResultID != "r7" {
		t.Fatalf("Find(r7) after the rebuild: %v", err)
	}

	// The TTL sweep takes the pending ones and their entries.
	clock.Add(25 * time.Hour)
	waitFor(t, "pending results expired", func() bool { return o.Stats().Depth == 0 })
	if got := checkIndex(t, o); len(got) != 0 {
		t.Errorf("index after the sweep: %v", got)
	}
	put(t, o, entry("late", 100))
	if n, err := o.Purge(ctx, PurgeSpec{}); err != nil || n != 1 {
		t.Fatalf("purge all: %d %v", n, err)
	}
	if got := checkIndex(t, o); len(got) != 0 {
		t.Errorf("index after purging all: %v", got)
	}
}
