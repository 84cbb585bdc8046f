package outbox

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

const maxBatchBytes = 16 << 20

// run is the single writer: it group-commits requests and runs the sweep.
func (o *Outbox) run() {
	defer close(o.finished)
	sweep := time.NewTicker(o.opts.SweepEvery)
	defer sweep.Stop()
	for {
		select {
		case r := <-o.reqs:
			o.commit(o.collect(r))
		case <-sweep.C:
			o.sweep()
		case <-o.quit:
			for {
				select {
				case r := <-o.reqs:
					o.commit(o.collect(r))
				default:
					return
				}
			}
		}
	}
}

// collect takes every request already queued behind first: those that
// arrived while the previous commit was syncing share the next one.
func (o *Outbox) collect(first *request) []*request {
	batch := []*request{first}
	if o.opts.oneTxPerPut {
		return batch
	}
	// The byte bound keeps a burst of large results (images) from
	// building one huge transaction in memory.
	size := len(first.value)
	for len(batch) < o.opts.MaxBatch && size < maxBatchBytes {
		select {
		case r := <-o.reqs:
			batch = append(batch, r)
			size += len(r.value)
		default:
			return batch
		}
	}
	return batch
}

// snapshot copies the counters for a transaction to work on; they replace
// the live ones only if it commits.
func (o *Outbox) snapshot() counters {
	o.statMu.Lock()
	defer o.statMu.Unlock()
	c := o.st
	c.drops = maps.Clone(o.st.drops)
	return c
}

func (o *Outbox) publish(c counters) {
	o.statMu.Lock()
	o.st = c
	o.statMu.Unlock()
}

func (o *Outbox) failCommit(err error) {
	o.statMu.Lock()
	o.st.commitFailures++
	o.st.lastCommitErr = err.Error()
	o.statMu.Unlock()
	o.log.Error("outbox: commit failed", "err", err)
}

// errNoDB: a compaction could not reopen the file.
var errNoDB = errors.New("outbox: database unavailable after a failed compaction; restart docscand")

func (o *Outbox) commit(batch []*request) {
	now := o.opts.Now()
	replies := make([]reply, len(batch))
	var st counters
	added, removed := false, false
	var gone []uint32 // key slots of the records this batch deletes
	o.mu.RLock()
	err := errNoDB
	if o.db != nil {
		// The new records' keys reach the card before the records do.
		err = o.keys.sync()
	}
	if o.db != nil && err == nil {
		err = o.db.Update(func(tx *bolt.Tx) error {
			st = o.snapshot()
			added, removed = false, false
			gone = gone[:0]
			pending, err := tx.CreateBucketIfNotExists(bucketPending)
			if err != nil {
				return err
			}
			delivered, err := tx.CreateBucketIfNotExists(bucketDelivered)
			if err != nil {
				return err
			}
			idx, err := tx.CreateBucketIfNotExists(bucketIndex)
			if err != nil {
				return err
			}
			b := buckets{tx: tx, pending: pending, delivered: delivered, idx: idx, st: &st, gone: &gone}
			for i, r := range batch {
				var err error
				switch r.kind {
				case reqPut:
					replies[i], err = o.applyPut(b, r, now)
					added = added || replies[i].err == nil
				case reqAck:
					err = o.applyAck(b, r.seqs, now)
					removed = true
				case reqPurge:
					replies[i].n, err = applyPurge(b, r.purge)
					removed = removed || replies[i].n > 0
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	o.mu.RUnlock()
	if err != nil {
		err = fmt.Errorf("outbox: commit: %w", err)
		o.failCommit(err)
		for i := range replies {
			replies[i] = reply{err: err}
		}
	} else {
		o.publish(st)
		if added {
			o.signalChanged()
		}
	}
	// Keys of records that are not stored (refused, or the commit failed)
	// and of records the commit deleted are destroyed. If this fails or
	// the device stops first, Open destroys every key no record holds.
	for i, r := range batch {
		if r.kind == reqPut && r.sealed && (err != nil || replies[i].err != nil) {
			gone = append(gone, r.slot)
		}
	}
	if err != nil {
		gone = gone[:0]
		for _, r := range batch {
			if r.kind == reqPut && r.sealed {
				gone = append(gone, r.slot)
			}
		}
	}
	if serr := o.keys.shred(gone); serr != nil {
		o.log.Error("outbox: destroying record keys failed; retried at the next start", "err", serr)
	}
	for i, r := range batch {
		r.done <- replies[i]
	}
	if removed && err == nil {
		o.maybeCompact()
	}
}

type buckets struct {
	tx                 *bolt.Tx
	pending, delivered *bolt.Bucket
	idx                *bolt.Bucket // the result index
	st                 *counters
	gone               *[]uint32 // key slots of the records deleted
}

// forget notes the key slot of a record about to be deleted, so its key is
// destroyed once the deletion commits. Call it before the delete: v
// belongs to the transaction's page.
func forget(gone *[]uint32, v []byte) {
	if slot, ok := recordSlot(v); ok {
		*gone = append(*gone, slot)
	}
}

func (o *Outbox) fits(b buckets, size int64) bool {
	return b.st.pendingCount+b.st.deliveredCount+1 <= o.opts.MaxCount &&
		b.st.pendingBytes+b.st.deliveredBytes+size <= o.opts.MaxBytes
}

// applyPut stores one result. A per-result refusal is in the reply; the
// error return aborts the whole transaction.
func (o *Outbox) applyPut(b buckets, r *request, now time.Time) (reply, error) {
	size := int64(len(r.value) + keyLen)
	if size > o.opts.MaxBytes {
		b.st.drops[DropTooLarge]++
		return reply{err: fmt.Errorf("%w: %d bytes, cap %d", ErrTooLarge, size, o.opts.MaxBytes)}, nil
	}
	if b.tx.Size()+size > o.opts.MaxFileSize {
		b.st.drops[DropRefused]++
		return reply{err: fmt.Errorf("%w: file at its size limit %d", ErrFull, o.opts.MaxFileSize)}, nil
	}
	for !o.fits(b, size) {
		switch {
		case b.st.deliveredCount > 0:
			n, err := deleteFirst(b.delivered, b.idx, indexDelivered, b.gone)
			if err != nil {
				return reply{}, err
			}
			b.st.deliveredCount--
			b.st.deliveredBytes -= int64(n)
		case o.opts.WhenFull == DropOldest && b.st.pendingCount > 0:
			n, err := deleteFirst(b.pending, b.idx, indexPending, b.gone)
			if err != nil {
				return reply{}, err
			}
			b.st.pendingCount--
			b.st.pendingBytes -= int64(n)
			b.st.drops[DropFull]++
		default:
			b.st.drops[DropRefused]++
			return reply{err: fmt.Errorf("%w: %d results, %d bytes (caps %d, %d)", ErrFull,
				b.st.pendingCount+b.st.deliveredCount, b.st.pendingBytes+b.st.deliveredBytes,
				o.opts.MaxCount, o.opts.MaxBytes)}, nil
		}
	}
	seq, err := b.pending.NextSequence()
	if err != nil {
		return reply{}, err
	}
	setCreated(r.value, now)
	if err := b.pending.Put(seqKey(seq), r.value); err != nil {
		return reply{}, err
	}
	if err := setIndex(b.idx, r.resultID, indexPending, seqKey(seq)); err != nil {
		return reply{}, err
	}
	b.st.pendingCount++
	b.st.pendingBytes += size
	b.st.enqueued++
	return reply{seq: seq}, nil
}

// deleteFirst removes a bucket's first record and returns its accounted size.
func deleteFirst(bk, idx *bolt.Bucket, tag byte, gone *[]uint32) (int, error) {
	c := bk.Cursor()
	k, v := c.First()
	if k == nil {
		return 0, errors.New("outbox: counters say non-empty but the bucket is empty")
	}
	n := len(v) + keyLen
	if err := unindex(idx, tag, k, v); err != nil {
		return 0, err
	}
	forget(gone, v)
	return n, c.Delete()
}

func (o *Outbox) applyAck(b buckets, seqs []uint64, now time.Time) error {
	for _, seq := range seqs {
		key := seqKey(seq)
		v := b.pending.Get(key)
		if v == nil {
			continue // dropped, expired or acked twice
		}
		size := int64(len(v) + keyLen)
		var to []byte // where the record goes: nil when it is not kept
		if o.opts.Retention > 0 {
			to = deliveredKey(now, seq)
		}
		if err := moveIndex(b.idx, v, indexPending, key, indexDelivered, to); err != nil {
			return err
		}
		if to != nil {
			kept := append([]byte(nil), v...)
			setDelivered(kept, now)
			if err := b.delivered.Put(to, kept); err != nil {
				return err
			}
			b.st.deliveredCount++
			b.st.deliveredBytes += size
		} else {
			forget(b.gone, v)
		}
		if err := b.pending.Delete(key); err != nil {
			return err
		}
		b.st.pendingCount--
		b.st.pendingBytes -= size
		b.st.acked++
	}
	return nil
}

func applyPurge(b buckets, spec PurgeSpec) (int, error) {
	n := 0
	if len(spec.Seqs) == 0 {
		if !spec.DeliveredOnly {
			for c := b.pending.Cursor(); ; {
				k, v := c.First()
				if k == nil {
					break
				}
				b.st.pendingBytes -= int64(len(v) + keyLen)
				if err := unindex(b.idx, indexPending, k, v); err != nil {
					return n, err
				}
				forget(b.gone, v)
				if err := c.Delete(); err != nil {
					return n, err
				}
				b.st.pendingCount--
				b.st.drops[DropPurged]++
				n++
			}
		}
		for c := b.delivered.Cursor(); ; {
			k, v := c.First()
			if k == nil {
				break
			}
			b.st.deliveredBytes -= int64(len(v) + keyLen)
			if err := unindex(b.idx, indexDelivered, k, v); err != nil {
				return n, err
			}
			forget(b.gone, v)
			if err := c.Delete(); err != nil {
				return n, err
			}
			b.st.deliveredCount--
			n++
		}
		return n, nil
	}
	want := make(map[uint64]bool, len(spec.Seqs))
	for _, s := range spec.Seqs {
		want[s] = true
	}
	if !spec.DeliveredOnly {
		for s := range want {
			v := b.pending.Get(seqKey(s))
			if v == nil {
				continue
			}
			size := int64(len(v) + keyLen)
			if err := unindex(b.idx, indexPending, seqKey(s), v); err != nil {
				return n, err
			}
			forget(b.gone, v)
			if err := b.pending.Delete(seqKey(s)); err != nil {
				return n, err
			}
			b.st.pendingCount--
			b.st.pendingBytes -= size
			b.st.drops[DropPurged]++
			delete(want, s)
			n++
		}
	}
	var keys [][]byte
	var sizes []int
	_ = b.delivered.ForEach(func(k, v []byte) error {
		if want[beUint64(k[8:])] {
			keys = append(keys, append([]byte(nil), k...))
			sizes = append(sizes, len(v)+keyLen)
		}
		return nil
	})
	for i, k := range keys {
		v := b.delivered.Get(k)
		if err := unindex(b.idx, indexDelivered, k, v); err != nil {
			return n, err
		}
		forget(b.gone, v)
		if err := b.delivered.Delete(k); err != nil {
			return n, err
		}
		b.st.deliveredCount--
		b.st.deliveredBytes -= int64(sizes[i])
		n++
	}
	return n, nil
}

// sweep purges delivered results past Retention and undelivered ones past
// TTL, then considers compaction.
func (o *Outbox) sweep() {
	if o.opts.Retention > 0 || o.opts.TTL > 0 {
		now := o.opts.Now()
		var st counters
		var gone []uint32
		o.mu.RLock()
		err := errNoDB
		if o.db != nil {
			err = o.db.Update(func(tx *bolt.Tx) error {
				st = o.snapshot()
				gone = gone[:0]
				idx := tx.Bucket(bucketIndex)
				if bk := tx.Bucket(bucketDelivered); bk != nil && o.opts.Retention > 0 {
					cutoff := deliveredKey(now.Add(-o.opts.Retention), ^uint64(0))
					c := bk.Cursor()
					for k, v := c.First(); k != nil && string(k) <= string(cutoff); k, v = c.First() {
						st.deliveredBytes -= int64(len(v) + keyLen)
						st.deliveredCount--
						if err := unindex(idx, indexDelivered, k, v); err != nil {
							return err
						}
						forget(&gone, v)
						if err := c.Delete(); err != nil {
							return err
						}
					}
				}
				if bk := tx.Bucket(bucketPending); bk != nil && o.opts.TTL > 0 {
					cutoff := now.Add(-o.opts.TTL)
					c := bk.Cursor()
					for k, v := c.First(); k != nil; k, v = c.First() {
						created, ok := recordCreated(v)
						if !ok || created.After(cutoff) {
							break
						}
						st.pendingBytes -= int64(len(v) + keyLen)
						st.pendingCount--
						st.drops[DropTTL]++
						if err := unindex(idx, indexPending, k, v); err != nil {
							return err
						}
						forget(&gone, v)
						if err := c.Delete(); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		o.mu.RUnlock()
		if err != nil {
			o.failCommit(fmt.Errorf("outbox: sweep: %w", err))
			return
		}
		o.publish(st)
		if err := o.keys.shred(gone); err != nil {
			o.log.Error("outbox: destroying record keys failed; retried at the next start", "err", err)
		}
	}
	o.maybeCompact()
}

// maybeCompact rewrites the file once a backlog has drained: bbolt never
// shrinks its file, so after a large backlog the space stays reserved
// (and mapped) until compacted.
func (o *Outbox) maybeCompact() {
	if o.opts.CompactMinSize < 0 {
		return
	}
	fi, err := os.Stat(o.opts.Path)
	if err != nil || fi.Size() < o.opts.CompactMinSize {
		return
	}
	o.statMu.Lock()
	live := o.st.pendingBytes + o.st.deliveredBytes
	o.statMu.Unlock()
	if live*4 >= fi.Size() {
		return
	}
	if err := o.compact(); err != nil {
		o.log.Error("outbox: compaction failed", "err", err)
	}
}

// compact copies the live data into PATH.compact with bolt.Compact, then
// renames it over PATH (atomic) and syncs the directory. A crash before
// the rename leaves the old file intact (Open removes the partial copy);
// after it, the new one is complete. Requests wait in the queue meanwhile.
func (o *Outbox) compact() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.db == nil {
		return errNoDB
	}
	path, tmp := o.opts.Path, compactPath(o.opts.Path)
	before, _ := os.Stat(path)
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return err
	}
	dst, err := bolt.Open(tmp, 0o600, o.boltOptions(false))
	if err != nil {
		return fmt.Errorf("open %s: %w", tmp, err)
	}
	err = bolt.Compact(dst, o.db, 64<<20)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	if err := o.db.Close(); err != nil {
		o.log.Error("outbox: close before compaction rename", "err", err)
	}
	o.db = nil
	renameErr := os.Rename(tmp, path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(path))
	}
	db, err := openBolt(path, o.boltOptions(false))
	if err != nil {
		o.log.Error("outbox: reopen after compaction failed; outbox unavailable", "err", err)
		return err
	}
	o.db = db
	if renameErr != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename: %w", renameErr)
	}
	after, _ := os.Stat(path)
	o.statMu.Lock()
	o.st.compactions++
	o.statMu.Unlock()
	if before != nil && after != nil {
		o.log.Info("outbox: compacted", "before_bytes", before.Size(), "after_bytes", after.Size())
	}
	return nil
}
