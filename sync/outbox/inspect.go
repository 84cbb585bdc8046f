package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Reader is read-only access for technicians (docscan outbox ls|show). It
// takes bbolt's shared lock, which a running docscand (holding the
// exclusive one) denies: opening then fails with ErrLocked after
// lockTimeout. Damaged files are reported as ErrCorrupt, never repaired.
type Reader struct {
	db   *bolt.DB
	path string
	keys *keyring // read from the key file at open
}

// RecordInfo is a record's metadata, without payload or image data.
type RecordInfo struct {
	Seq          uint64
	ResultID     string
	Created      time.Time
	Delivered    time.Time // zero while pending
	Size         int
	PayloadBytes int
	Images       map[string]int // name → bytes
}

// ErrNotFound: no record with that sequence number.
var ErrNotFound = errors.New("outbox: no such record")

// OpenReadOnly opens the outbox file at path for reading.
func OpenReadOnly(path string, lockTimeout time.Duration) (*Reader, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if lockTimeout <= 0 {
		lockTimeout = time.Second
	}
	db, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	keys, err := readKeyringFile(keysPath(path))
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Reader{db: db, path: path, keys: keys}, nil
}

// Close releases the file.
func (r *Reader) Close() error { return r.db.Close() }

// view runs fn in a read transaction with damage turned into ErrCorrupt.
func (r *Reader) view(fn func(tx *bolt.Tx) error) (err error) {
	defer guard(&err, "read")
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return r.db.View(fn)
}

// List calls fn for every undelivered record in order, then for every
// delivered one kept for retention, in delivery order.
func (r *Reader) List(fn func(RecordInfo) error) error {
	return r.view(func(tx *bolt.Tx) error { return listTx(tx, r.keys, fn) })
}

// List is Reader.List on the open outbox, for the daemon that holds it
// (GET /api/v1/outbox): metadata only, never a payload or an image.
func (o *Outbox) List(fn func(RecordInfo) error) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.db.View(func(tx *bolt.Tx) error { return listTx(tx, o.keys, fn) })
}

func listTx(tx *bolt.Tx, keys keySource, fn func(RecordInfo) error) error {
	for _, name := range [][]byte{bucketPending, bucketDelivered} {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			info, err := recordInfo(name, k, v, keys)
			if err != nil {
				return err
			}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	return nil
}

func recordInfo(bucket, k, v []byte, keys keySource) (RecordInfo, error) {
	rec, err := decodeRecord(v, keys, false, false)
	if err != nil {
		return RecordInfo{}, fmt.Errorf("%w: record %x in %s: %w", ErrCorrupt, k, bucket, err)
	}
	seq := beUint64(k)
	if string(bucket) == string(bucketDelivered) && len(k) == 16 {
		seq = beUint64(k[8:])
	}
	info := RecordInfo{
		Seq: seq, ResultID: rec.ResultID, Created: rec.Created, Delivered: rec.Delivered,
		Size: rec.Size, PayloadBytes: len(rec.Payload),
	}
	if len(rec.Images) > 0 {
		info.Images = make(map[string]int, len(rec.Images))
		for n, d := range rec.Images {
			info.Images[n] = len(d)
		}
	}
	return info, nil
}

// Get returns one record, pending or delivered, with copies of its data.
func (r *Reader) Get(seq uint64) (Record, error) {
	var out Record
	found := false
	err := r.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketPending); b != nil {
			if v := b.Get(seqKey(seq)); v != nil {
				rec, err := decodeRecord(v, r.keys, true, false)
				if err != nil {
					return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
				}
				out, found = rec, true
				return nil
			}
		}
		if b := tx.Bucket(bucketDelivered); b != nil {
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(k) == 16 && beUint64(k[8:]) == seq {
					rec, err := decodeRecord(v, r.keys, true, false)
					if err != nil {
						return fmt.Errorf("%w: record %d: %w", ErrCorrupt, seq, err)
					}
					out, found = rec, true
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if !found {
		return out, fmt.Errorf("%w: %d", ErrNotFound, seq)
	}
	out.Seq = seq
	return out, nil
}

// IsNotExist reports whether err means there is no outbox file.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
