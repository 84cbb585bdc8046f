// Package outbox owns the durable store of results waiting to leave the
// device: a bbolt file in the data directory (FileName) where every result is
// committed, with fsync, before the caller answers, and from which the uplink
// deletes it when the broker acknowledges it.
//
// Writes from concurrent callers are group-committed: one goroutine takes
// every request queued while the previous commit was syncing and applies
// them in one transaction, so a burst costs one fsync, not one per result.
//
// Each record's payload and images are sealed with a key of its own, kept
// in a separate file and zeroed when the record leaves (keys.go), so that
// no delivered result can be read from the card.
//
// Keys are big-endian sequence numbers from bbolt's NextSequence, so a
// cursor walks the outbox in FIFO order. Sequence numbers survive
// compaction but restart after a corrupt file is moved aside: consumers
// deduplicate by result_id, never by sequence.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the outbox's file inside the data directory.
const FileName = "outbox.db"

var (
	bucketPending   = []byte("pending")
	bucketDelivered = []byte("delivered")
)

// Errors callers can test with errors.Is.
var (
	// ErrFull: the outbox is at its cap and the policy is Refuse. The API
	// answers 503.
	ErrFull = errors.New("outbox: full")
	// ErrTooLarge: one result is larger than the byte cap.
	ErrTooLarge = errors.New("outbox: result larger than the outbox's byte cap")
	// ErrClosed: the outbox was closed.
	ErrClosed = errors.New("outbox: closed")
	// ErrLocked: another process (usually docscand) holds the file.
	ErrLocked = errors.New("outbox: file is locked by another process")
	// ErrFileTooLarge: the file exceeds what this platform may map.
	ErrFileTooLarge = errors.New("outbox: file larger than this platform's limit")
	// ErrCorrupt: the file is damaged (returned by read-only access; Open
	// moves a corrupt file aside instead).
	ErrCorrupt = errors.New("outbox: file is corrupt")
)

// Policy says what Put does when the outbox is at its cap.
type Policy int

const (
	// Refuse new results with ErrFull (the API answers 503); nothing
	// stored is lost.
	Refuse Policy = iota
	// DropOldest deletes the oldest undelivered results to make room; each
	// one is counted under DropFull.
	DropOldest
)

func (p Policy) String() string {
	switch p {
	case Refuse:
		return "refuse"
	case DropOldest:
		return "drop-oldest"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy reads "refuse" or "drop-oldest".
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "refuse":
		return Refuse, nil
	case "drop-oldest":
		return DropOldest, nil
	}
	return 0, fmt.Errorf("outbox: unknown full policy %q (want refuse or drop-oldest)", s)
}

// Reasons a result left the outbox without being delivered, or was not
// accepted; the keys of Stats.Drops.
const (
	DropFull     = "full"      // oldest undelivered result dropped for room (DropOldest)
	DropRefused  = "refused"   // new result refused, outbox full (Refuse)
	DropTooLarge = "too_large" // new result larger than the byte cap
	DropTTL      = "ttl"       // undelivered result older than Options.TTL
	DropCorrupt  = "corrupt"   // stored record unreadable, deleted at open
	DropPurged   = "purged"    // removed by a technician (Purge)
)

// Options configure Open. Zero values take the documented defaults.
type Options struct {
	// Path of the bbolt file, usually filepath.Join(dataDir, FileName).
	Path string
	// MaxCount caps the number of stored results (undelivered plus
	// delivered ones kept for Retention). Default 100000.
	MaxCount int
	// MaxBytes caps their stored size. Default min(256 MiB, MaxFileSize/4);
	// at most MaxFileSize/2, leaving room for bbolt's page overhead.
	MaxBytes int64
	// WhenFull is the policy at the cap. Delivered results kept for
	// Retention are always evicted first, under either policy.
	WhenFull Policy
	// Retention keeps delivered results (and their images) this long;
	// 0 deletes them on acknowledgement.
	Retention time.Duration
	// TTL expires undelivered results this old; 0 (default) never.
	TTL time.Duration
	// Images are the image names stored, and so sent; others are dropped
	// at Put and never touch the disk. Nil means DefaultImages; an empty
	// non-nil slice keeps none.
	Images []string
	// MaxFileSize is the largest file opened or grown. Default
	// DefaultMaxFileSize for this platform.
	MaxFileSize int64
	// CompactMinSize: after a backlog drains, a file at least this big whose
	// live data is under a quarter of it is compacted. Default 64 MiB;
	// negative disables compaction.
	CompactMinSize int64
	// SweepEvery is how often retention, TTL and compaction are checked.
	// Default one minute.
	SweepEvery time.Duration
	// MaxBatch caps the requests applied in one transaction. Default 1000.
	MaxBatch int
	// LockTimeout bounds the wait for bbolt's file lock. Default 5 s.
	LockTimeout time.Duration
	// SkipCheck skips bbolt's full consistency check at open (records are
	// still all decoded). For very large files on slow storage.
	SkipCheck bool
	// Logger receives errors and the corruption report. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time

	// oneTxPerPut disables group commit; it exists for the benchmark's
	// baseline.
	oneTxPerPut bool
}

func (o *Options) setDefaults() error {
	if o.Path == "" {
		return errors.New("outbox: Options.Path is empty")
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxCount <= 0 {
		o.MaxCount = 100000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = min(256<<20, o.MaxFileSize/4)
	}
	if o.MaxBytes > o.MaxFileSize/2 {
		return fmt.Errorf("outbox: MaxBytes %d exceeds half of MaxFileSize %d", o.MaxBytes, o.MaxFileSize)
	}
	if o.WhenFull != Refuse && o.WhenFull != DropOldest {
		return fmt.Errorf("outbox: unknown policy %v", o.WhenFull)
	}
	if o.Retention < 0 || o.TTL < 0 {
		return errors.New("outbox: negative Retention or TTL")
	}
	if o.Images == nil {
		o.Images = DefaultImages
	}
	if o.CompactMinSize == 0 {
		o.CompactMinSize = 64 << 20
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Minute
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Recovery describes a corrupt file found at Open and moved aside.
type Recovery struct {
	At      time.Time
	Reason  string
	MovedTo string
}

// Stats is a snapshot for health, metrics and telemetry.
type Stats struct {
	Depth          int           // undelivered results
	OldestAge      time.Duration // age of the oldest undelivered result; 0 when empty
	PendingBytes   int64
	Delivered      int   // delivered results kept for Retention
	Bytes          int64 // stored bytes, pending plus delivered, counted against MaxBytes
	FileBytes      int64 // size of the bbolt file
	Enqueued       uint64
	Acked          uint64
	Drops          map[string]uint64 // by reason, since Open
	Compactions    uint64
	Recovery       *Recovery // non-nil when a corrupt file was moved aside at Open
	MaxCount       int
	MaxBytes       int64
	WhenFull       Policy
	LastCommitErr  string
	CommitFailures uint64
}

// Outbox is the durable queue. It is safe for concurrent use.
type Outbox struct {
	opts     Options
	keep     map[string]bool
	log      *slog.Logger
	recovery *Recovery
	reindex  bool // validate deleted records: rebuild the result index
	// liveSlots are the key slots of the records validate kept (nil after
	// a corrupt file was moved aside: none), for shredOrphanKeys at Open.
	liveSlots map[uint32]bool

	// mu guards db: readers take it shared; compaction swaps the file
	// under the exclusive lock.
	mu sync.RWMutex
	db *bolt.DB

	keys *keyring // the records' keys (keys.go)

	reqs     chan *request
	closeMu  sync.RWMutex
	closed   bool
	quit     chan struct{}
	finished chan struct{}

	changeMu sync.Mutex
	changed  chan struct{}

	statMu sync.Mutex
	st     counters
}

type counters struct {
	pendingCount, deliveredCount int
	pendingBytes, deliveredBytes int64
	enqueued, acked              uint64
	drops                        map[string]uint64
	compactions                  uint64
	lastCompactSize              int64
	lastCommitErr                string
	commitFailures               uint64
}

type reqKind int

const (
	reqPut reqKind = iota
	reqAck
	reqPurge
)

type request struct {
	kind reqKind
	// put
	value    []byte
	resultID string
	slot     uint32 // the key slot of a sealed value
	sealed   bool
	// submitted: the committer took the request (submit sets it).
	submitted bool
	// ack, purge
	seqs []uint64
	// purge
	purge PurgeSpec

	done chan reply
}

type reply struct {
	seq uint64
	n   int
	err error
}

// Open opens or creates the outbox file. A file that bbolt cannot open,
// or whose pages or records fail the consistency check, is renamed to
// PATH.corrupt-TIMESTAMP, an empty outbox is started, and the event is
// logged at error level and kept in Stats().Recovery for health and
// telemetry.
func Open(opts Options) (*Outbox, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	o := &Outbox{
		opts:     opts,
		log:      opts.Logger.With("component", "outbox"),
		keep:     make(map[string]bool, len(opts.Images)),
		reqs:     make(chan *request, 4*opts.MaxBatch),
		quit:     make(chan struct{}),
		finished: make(chan struct{}),
		changed:  make(chan struct{}),
	}
	o.st.drops = make(map[string]uint64)
	for _, n := range opts.Images {
		o.keep[n] = true
	}
	// A compaction interrupted before its rename leaves a partial copy.
	if err := os.Remove(compactPath(opts.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("outbox: remove stale compaction file: %w", err)
	}
	if err := checkFileSize(opts.Path, opts.MaxFileSize); err != nil {
		return nil, err
	}
	keys, err := openKeyring(keysPath(opts.Path))
	if err != nil {
		return nil, err
	}
	o.keys = keys
	db, err := o.openValidated()
	var corrupt *corruptError
	if errors.As(err, &corrupt) {
		db, err = o.recoverCorrupt(corrupt)
	}
	if err == nil {
		err = o.shredOrphanKeys()
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		keys.close()
		return nil, err
	}
	o.db = db
	go o.run()
	return o, nil
}

// shredOrphanKeys destroys every key that no stored record holds: keys of
// records deleted just before the device stopped, of records never
// committed, and, after a corrupt file was moved aside, of all the records
// in it (they will never be sent, and the file stays on the card).
func (o *Outbox) shredOrphanKeys() error {
	live := o.liveSlots
	o.liveSlots = nil
	n, err := o.keys.shredAllBut(live)
	if err != nil {
		return err
	}
	if n > 0 {
		o.log.Info("outbox: destroyed the keys of records no longer stored", "count", n)
	}
	return nil
}

func compactPath(path string) string { return path + ".compact" }

func checkFileSize(path string, max int64) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if fi.Size() > max {
		return fmt.Errorf("%w: %s is %d bytes, the limit here is %d (32-bit: %t); compact or move it on a 64-bit machine",
			ErrFileTooLarge, path, fi.Size(), max, is32bit)
	}
	return nil
}

func (o *Outbox) boltOptions(readOnly bool) *bolt.Options {
	return &bolt.Options{
		Timeout:      o.opts.LockTimeout,
		ReadOnly:     readOnly,
		FreelistType: bolt.FreelistMapType,
		// No InitialMmapSize: with a large map bbolt grows the file in
		// 16 MiB steps, which would undo compaction. NoSync stays false:
		// every commit is fsync'd.
	}
}

// openValidated opens the file and checks it; corruption comes back as a
// *corruptError, everything else (lock, permissions, I/O) as is.
func (o *Outbox) openValidated() (*bolt.DB, error) {
	db, err := openBolt(o.opts.Path, o.boltOptions(false))
	if err != nil {
		return nil, err
	}
	if err := o.validate(db); err != nil {
		db.Close()
		return nil, err
	}
	if err := ensureIndex(db, o.reindex); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

type corruptError struct{ reason string }

func (e *corruptError) Error() string { return "outbox: corrupt file: " + e.reason }
func (e *corruptError) Unwrap() error { return ErrCorrupt }

// openBolt classifies bbolt's open errors: the lock and OS errors are the
// environment's; everything else bbolt reports, or a panic while it reads
// the file, means the file is damaged.
func openBolt(path string, opts *bolt.Options) (db *bolt.DB, err error) {
	defer guard(&err, "open")
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	db, err = bolt.Open(path, 0o600, opts)
	if err == nil {
		return db, nil
	}
	var pathErr *fs.PathError
	var errno syscall.Errno
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("%w: %s (held for longer than %v; is docscand running?)", ErrLocked, path, opts.Timeout)
	case errors.As(err, &pathErr), errors.As(err, &errno):
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	return nil, &corruptError{reason: err.Error()}
}

// validate runs bbolt's consistency check and decodes every record, in
// this goroutine and with faults turned into panics, so a damaged page is
// reported rather than crashing the process. It fills the counters and
// deletes records that do not decode.
func (o *Outbox) validate(db *bolt.DB) (err error) {
	defer guard(&err, "validate")
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var bad [][]byte
	err = db.View(func(tx *bolt.Tx) error {
		var c counters
		o.liveSlots = make(map[uint32]bool)
		for _, name := range [][]byte{bucketPending, bucketDelivered} {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				if v == nil {
					return &corruptError{reason: fmt.Sprintf("unexpected nested bucket in %s", name)}
				}
				// Sealed bodies are opened too (a key lost or a body
				// damaged is found here, not by the uplink), unless
				// SkipCheck asks for a fast start: then the key's
				// presence is checked.
				if _, err := decodeRecord(v, o.keys, false, o.opts.SkipCheck); err != nil || !o.hasKey(v) {
					bad = append(bad, append(append([]byte(nil), name...), append([]byte{0}, k...)...))
					return nil
				}
				if slot, ok := recordSlot(v); ok {
					o.liveSlots[slot] = true
				}
				size := int64(len(v) + keyLen)
				if string(name) == string(bucketPending) {
					c.pendingCount++
					c.pendingBytes += size
				} else {
					c.deliveredCount++
					c.deliveredBytes += size
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Walking every record above touched every reachable page in this
		// goroutine, so bbolt's checker (which runs in its own goroutine,
		// beyond our recover) now only meets pages already proven readable.
		if !o.opts.SkipCheck {
			var problems []string
			for e := range tx.Check() {
				problems = append(problems, e.Error())
			}
			if len(problems) > 0 {
				return &corruptError{reason: fmt.Sprintf("consistency check: %d problems, first: %s", len(problems), problems[0])}
			}
		}
		o.statMu.Lock()
		c.drops = o.st.drops
		o.st = c
		o.statMu.Unlock()
		return nil
	})
	if err != nil {
		var ce *corruptError
		if errors.As(err, &ce) {
			return err
		}
		return &corruptError{reason: err.Error()}
	}
	if len(bad) == 0 {
		return nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, bk := range bad {
			name, key, _ := cutByte(bk, 0)
			if err := tx.Bucket(name).Delete(key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return &corruptError{reason: "deleting unreadable records: " + err.Error()}
	}
	o.log.Error("outbox: deleted unreadable records", "count", len(bad))
	o.reindex = true
	o.statMu.Lock()
	o.st.drops[DropCorrupt] += uint64(len(bad))
	o.statMu.Unlock()
	return nil
}

func cutByte(b []byte, sep byte) (before, after []byte, found bool) {
	for i, c := range b {
		if c == sep {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// recoverCorrupt moves the damaged file aside and starts empty.
func (o *Outbox) recoverCorrupt(cause *corruptError) (*bolt.DB, error) {
	now := o.opts.Now().UTC()
	aside := fmt.Sprintf("%s.corrupt-%s", o.opts.Path, now.Format("20060102T150405.000000000Z"))
	if err := os.Rename(o.opts.Path, aside); err != nil {
		return nil, fmt.Errorf("outbox: corrupt file %s could not be moved aside: %w (cause: %s)", o.opts.Path, err, cause.reason)
	}
	if err := syncDir(filepath.Dir(o.opts.Path)); err != nil {
		return nil, err
	}
	o.recovery = &Recovery{At: now, Reason: cause.reason, MovedTo: aside}
	o.log.Error("outbox: CORRUPT DATABASE moved aside; starting empty; undelivered results in it are not sent",
		"path", o.opts.Path, "moved_to", aside, "reason", cause.reason)
	o.liveSlots = nil // the moved file's keys all go
	o.statMu.Lock()
	o.st = counters{drops: o.st.drops}
	o.statMu.Unlock()
	db, err := openBolt(o.opts.Path, o.boltOptions(false))
	if err != nil {
		return nil, fmt.Errorf("outbox: opening a fresh file after moving the corrupt one aside: %w", err)
	}
	return db, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("outbox: sync %s: %w", dir, err)
	}
	return nil
}

// guard turns a panic (bbolt panics on some damaged pages; faults become
// panics through debug.SetPanicOnFault) into a *corruptError.
func guard(err *error, during string) {
	if r := recover(); r != nil {
		*err = &corruptError{reason: fmt.Sprintf("panic during %s: %v", during, r)}
	}
}

// Recovery reports the corrupt file moved aside at Open, or nil.
func (o *Outbox) Recovery() *Recovery { return o.recovery }

// Put stores a result durably: it returns only after the transaction
// holding it has been committed and fsync'd. Images not in Options.Images
// are dropped first. It returns the result's sequence number, or ErrFull,
// ErrTooLarge, ErrInvalidEntry, ErrClosed, or the commit's error.
func (o *Outbox) Put(ctx context.Context, e Entry) (uint64, error) {
	if len(e.Images) > 0 {
		kept := make(map[string][]byte, len(e.Images))
		for n, d := range e.Images {
			if o.keep[n] && len(d) > 0 {
				kept[n] = d
			}
		}
		e.Images = kept
	}
	if err := e.validate(); err != nil {
		return 0, err
	}
	slot, key, err := o.keys.alloc()
	if err != nil {
		return 0, err
	}
	plain := encodeRecord(e, time.Time{})
	value, err := sealRecord(plain, slot, key)
	clear(plain)
	clear(key)
	if err != nil {
		o.dropKey(slot)
		return 0, err
	}
	r := &request{kind: reqPut, value: value, resultID: e.ResultID, slot: slot, sealed: true}
	rep, err := o.submit(ctx, r)
	if !r.submitted {
		o.dropKey(slot)
	}
	return rep.seq, err
}

// hasKey reports whether a sealed record's key is in the key file (a
// plain record needs none).
func (o *Outbox) hasKey(v []byte) bool {
	slot, sealed := recordSlot(v)
	if !sealed {
		return true
	}
	_, ok := o.keys.key(slot)
	return ok
}

// dropKey destroys the key of a record that never reached the committer.
func (o *Outbox) dropKey(slot uint32) {
	if err := o.keys.shred([]uint32{slot}); err != nil {
		o.log.Error("outbox: destroying a record key failed; retried at the next start", "err", err)
	}
}

// Ack marks results delivered (their PUBACK arrived): they are deleted, or
// kept for Options.Retention. Unknown sequence numbers are ignored, since a
// result may have been dropped or expired while in flight.
func (o *Outbox) Ack(ctx context.Context, seqs ...uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := o.submit(ctx, &request{kind: reqAck, seqs: seqs})
	return err
}

// PurgeSpec selects what Purge removes.
type PurgeSpec struct {
	// Seqs lists results to remove; empty means all (subject to
	// DeliveredOnly).
	Seqs []uint64
	// DeliveredOnly removes only delivered results kept for Retention.
	DeliveredOnly bool
}

// Purge removes results for a technician and returns how many.
// Undelivered ones are counted under DropPurged.
func (o *Outbox) Purge(ctx context.Context, spec PurgeSpec) (int, error) {
	rep, err := o.submit(ctx, &request{kind: reqPurge, purge: spec})
	return rep.n, err
}

// submit hands a request to the committer and waits for its commit. Once
// handed over the wait is not abandoned on ctx: the caller must learn
// whether the result is durable.
func (o *Outbox) submit(ctx context.Context, r *request) (reply, error) {
	r.done = make(chan reply, 1)
	o.closeMu.RLock()
	if o.closed {
		o.closeMu.RUnlock()
		return reply{}, ErrClosed
	}
	select {
	case o.reqs <- r:
	case <-ctx.Done():
		o.closeMu.RUnlock()
		return reply{}, fmt.Errorf("outbox: %w", ctx.Err())
	}
	r.submitted = true
	o.closeMu.RUnlock()
	rep := <-r.done
	return rep, rep.err
}

// Changed returns a channel closed at the next commit that adds results.
// Take it before reading Pending, then wait on it if Pending was empty.
func (o *Outbox) Changed() <-chan struct{} {
	o.changeMu.Lock()
	defer o.changeMu.Unlock()
	return o.changed
}

func (o *Outbox) signalChanged() {
	o.changeMu.Lock()
	close(o.changed)
	o.changed = make(chan struct{})
	o.changeMu.Unlock()
}

// Pending returns up to max undelivered results with a sequence number
// greater than after, in order. The returned slices are copies.
func (o *Outbox) Pending(after uint64, max int) ([]Record, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return nil, ErrClosed
	}
	var out []Record
	err := o.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPending)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < max; k, v = c.Next() {
			r, err := decodeRecord(v, o.keys, true, false)
			if err != nil {
				return fmt.Errorf("outbox: record %x: %w", k, err)
			}
			r.Seq = beUint64(k)
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Stats returns a snapshot.
func (o *Outbox) Stats() Stats {
	o.statMu.Lock()
	s := Stats{
		Depth:          o.st.pendingCount,
		PendingBytes:   o.st.pendingBytes,
		Delivered:      o.st.deliveredCount,
		Bytes:          o.st.pendingBytes + o.st.deliveredBytes,
		Enqueued:       o.st.enqueued,
		Acked:          o.st.acked,
		Drops:          make(map[string]uint64, len(o.st.drops)),
		Compactions:    o.st.compactions,
		Recovery:       o.recovery,
		MaxCount:       o.opts.MaxCount,
		MaxBytes:       o.opts.MaxBytes,
		WhenFull:       o.opts.WhenFull,
		LastCommitErr:  o.st.lastCommitErr,
		CommitFailures: o.st.commitFailures,
	}
	for k, v := range o.st.drops {
		s.Drops[k] = v
	}
	o.statMu.Unlock()
	if fi, err := os.Stat(o.opts.Path); err == nil {
		s.FileBytes = fi.Size()
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil || s.Depth == 0 {
		return s
	}
	_ = o.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketPending); b != nil {
			if _, v := b.Cursor().First(); v != nil {
				if created, ok := recordCreated(v); ok {
					s.OldestAge = max(0, o.opts.Now().Sub(created))
				}
			}
		}
		return nil
	})
	return s
}

// Close finishes the queued requests and closes the file.
func (o *Outbox) Close() error {
	o.closeMu.Lock()
	if o.closed {
		o.closeMu.Unlock()
		return ErrClosed
	}
	o.closed = true
	o.closeMu.Unlock()
	close(o.quit)
	<-o.finished
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.db == nil {
		return nil
	}
	err := o.db.Close()
	o.db = nil
	if kerr := o.keys.close(); err == nil {
		err = kerr
	}
	return err
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}

// Find returns the stored result with the given result_id, pending or
// delivered and kept for Retention, with copies of its data; ErrNotFound
// when it is not kept. It is one lookup in the result index.
func (o *Outbox) Find(resultID string) (Record, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return Record{}, ErrClosed
	}
	var out Record
	found := false
	err := o.db.View(func(tx *bolt.Tx) error {
		k, v := lookup(tx, resultID)
		if v == nil {
			return nil
		}
		rec, err := decodeRecord(v, o.keys, true, false)
		if err != nil {
			return fmt.Errorf("outbox: record %x: %w", k, err)
		}
		if rec.ResultID != resultID {
			return fmt.Errorf("outbox: result index names record %x of another result", k)
		}
		rec.Seq = beUint64(k[len(k)-keyLen:])
		out, found = rec, true
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	if !found {
		return Record{}, fmt.Errorf("%w: result %s", ErrNotFound, resultID)
	}
	return out, nil
}
