package outbox

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Record is one stored result as the outbox holds it.
type Record struct {
	Seq      uint64
	ResultID string
	// Created is when the result was committed.
	Created time.Time
	// Delivered is when the broker acknowledged it; zero while pending.
	Delivered time.Time
	// Payload is the result's JSON, as given to Put (the caller keeps the
	// images out of it and gives them as Images).
	Payload []byte
	// Images holds the image blobs the outbox keeps (Options.Images).
	Images map[string][]byte
	// Size is the stored size in bytes (key and value).
	Size int
}

// Stored value layout (all integers big-endian or uvarint). Version 2,
// written since records are sealed:
//
//	[0]      version = 2
//	[1]      flags (reserved, 0)
//	[2:10]   created, Unix nanoseconds
//	[10:18]  delivered, Unix nanoseconds; 0 while pending
//	[18:22]  key slot in the key file
//	[22:34]  nonce
//	uvarint len, result_id
//	the body sealed with the slot's key (result_id as additional data)
//
// The body: uvarint len, payload; uvarint count, then per image: uvarint
// len, name, uvarint len, data. Version 1, from before sealing, has the
// same 18-byte header, then result_id and the body in the clear; it is
// still read.
const (
	recordVersionPlain = 1
	recordVersion      = 2
	offCreated         = 2
	offDelivered       = 10
	offSlot            = 18
	offNonce           = 22
	recordHeaderLen    = 18
	sealedHeaderLen    = offNonce + chacha20poly1305.NonceSize
	keyLen             = 8
)

// Limits that bound what decode accepts, so a damaged value cannot make it
// allocate absurdly.
const (
	maxResultIDLen  = 256
	maxImageNameLen = 64
	maxImages       = 16
)

var errBadRecord = errors.New("outbox: malformed record")

func encodeRecord(e Entry, created time.Time) []byte {
	names := make([]string, 0, len(e.Images))
	size := recordHeaderLen + 3*binary.MaxVarintLen64 + len(e.ResultID) + len(e.Payload)
	for name, data := range e.Images {
		names = append(names, name)
		size += 2*binary.MaxVarintLen64 + len(name) + len(data)
	}
	sort.Strings(names)
	b := make([]byte, recordHeaderLen, size)
	b[0] = recordVersionPlain
	binary.BigEndian.PutUint64(b[offCreated:], uint64(created.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(e.ResultID)))
	b = append(b, e.ResultID...)
	b = binary.AppendUvarint(b, uint64(len(e.Payload)))
	b = append(b, e.Payload...)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.AppendUvarint(b, uint64(len(e.Images[name])))
		b = append(b, e.Images[name]...)
	}
	return b
}

// sealRecord turns a plain record (encodeRecord's) into a sealed one
// under key, stored in slot.
func sealRecord(plain []byte, slot uint32, key []byte) ([]byte, error) {
	rest := plain[recordHeaderLen:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)-k) {
		return nil, fmt.Errorf("%w: bad result_id", errBadRecord)
	}
	idField, body := rest[:k+int(n)], rest[k+int(n):]
	id := rest[k : k+int(n)]
	v := make([]byte, sealedHeaderLen, sealedHeaderLen+len(idField)+len(body)+chacha20poly1305.Overhead)
	copy(v, plain[:recordHeaderLen])
	v[0] = recordVersion
	binary.BigEndian.PutUint32(v[offSlot:], slot)
	nonce := v[offNonce:sealedHeaderLen]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("outbox: nonce: %w", err)
	}
	v = append(v, idField...)
	sealed, err := sealBody(key, nonce, body, id)
	if err != nil {
		return nil, err
	}
	return append(v, sealed...), nil
}

// recordSlot is the key slot of a sealed record; false for a plain one or
// a value too short to hold one.
func recordSlot(v []byte) (uint32, bool) {
	if len(v) < sealedHeaderLen || v[0] != recordVersion {
		return 0, false
	}
	return binary.BigEndian.Uint32(v[offSlot:]), true
}

func setCreated(v []byte, t time.Time) {
	binary.BigEndian.PutUint64(v[offCreated:], uint64(t.UnixNano()))
}

func setDelivered(v []byte, t time.Time) {
	binary.BigEndian.PutUint64(v[offDelivered:], uint64(t.UnixNano()))
}

// recordCreated reads only the header; v must have passed decodeRecord once.
func recordCreated(v []byte) (time.Time, bool) {
	if len(v) < recordHeaderLen || (v[0] != recordVersion && v[0] != recordVersionPlain) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[offCreated:]))), true
}

// keySource gives a sealed record's key by slot; false when it has none.
type keySource interface {
	key(slot uint32) ([]byte, bool)
}

// errNoKey: a sealed record whose key is gone (destroyed, or the key file
// was lost); its data cannot be read.
var errNoKey = errors.New("outbox: record key not found")

// decodeRecord parses a stored value. With copyData the returned slices
// do not alias v (bbolt's memory is only valid inside its transaction).
// With headerOnly the payload and images are skipped (a sealed body is
// not opened, keys may be nil) but still bounds-checked.
func decodeRecord(v []byte, keys keySource, copyData, headerOnly bool) (Record, error) {
	var r Record
	if len(v) < recordHeaderLen {
		return r, fmt.Errorf("%w: %d bytes, shorter than the header", errBadRecord, len(v))
	}
	sealed := false
	rest := v[recordHeaderLen:]
	switch v[0] {
	case recordVersionPlain:
	case recordVersion:
		if len(v) < sealedHeaderLen {
			return r, fmt.Errorf("%w: %d bytes, shorter than the sealed header", errBadRecord, len(v))
		}
		sealed, rest = true, v[sealedHeaderLen:]
	default:
		return r, fmt.Errorf("%w: version %d", errBadRecord, v[0])
	}
	r.Created = time.Unix(0, int64(binary.BigEndian.Uint64(v[offCreated:])))
	if d := int64(binary.BigEndian.Uint64(v[offDelivered:])); d != 0 {
		r.Delivered = time.Unix(0, d)
	}
	n, k := binary.Uvarint(rest)
	if k <= 0 {
		return r, fmt.Errorf("%w: bad length of result_id", errBadRecord)
	}
	if n > maxResultIDLen || n > uint64(len(rest)-k) {
		return r, fmt.Errorf("%w: result_id length %d out of range", errBadRecord, n)
	}
	id := rest[k : k+int(n)]
	r.ResultID = string(id)
	body := rest[k+int(n):]
	r.Size = len(v) + keyLen
	if sealed {
		if len(body) < chacha20poly1305.Overhead {
			return r, fmt.Errorf("%w: sealed body of %d bytes", errBadRecord, len(body))
		}
		if headerOnly {
			return r, nil
		}
		slot := binary.BigEndian.Uint32(v[offSlot:])
		var key []byte
		ok := false
		if keys != nil {
			key, ok = keys.key(slot)
		}
		if !ok {
			return r, fmt.Errorf("%w: slot %d", errNoKey, slot)
		}
		plain, err := openBody(key, v[offNonce:sealedHeaderLen], body, id)
		if err != nil {
			return r, fmt.Errorf("%w: sealed body does not open: %w", errBadRecord, err)
		}
		// The opened body is fresh memory: nothing to copy.
		body, copyData = plain, false
	}
	return r, decodeBody(&r, body, len(v), copyData, headerOnly)
}

// decodeBody parses the payload and images into r.
func decodeBody(r *Record, rest []byte, limit int, copyData, headerOnly bool) error {
	next := func(what string, max uint64) ([]byte, error) {
		n, k := binary.Uvarint(rest)
		if k <= 0 {
			return nil, fmt.Errorf("%w: bad length of %s", errBadRecord, what)
		}
		if n > max || n > uint64(len(rest)-k) {
			return nil, fmt.Errorf("%w: %s length %d out of range", errBadRecord, what, n)
		}
		out := rest[k : k+int(n)]
		rest = rest[k+int(n):]
		return out, nil
	}
	payload, err := next("payload", uint64(limit))
	if err != nil {
		return err
	}
	if !headerOnly {
		r.Payload = payload
		if copyData {
			r.Payload = append([]byte(nil), payload...)
		}
	}
	count, k := binary.Uvarint(rest)
	if k <= 0 || count > maxImages {
		return fmt.Errorf("%w: bad image count", errBadRecord)
	}
	rest = rest[k:]
	for i := uint64(0); i < count; i++ {
		name, err := next("image name", maxImageNameLen)
		if err != nil {
			return err
		}
		data, err := next("image", uint64(limit))
		if err != nil {
			return err
		}
		if headerOnly {
			continue
		}
		if r.Images == nil {
			r.Images = make(map[string][]byte, count)
		}
		if copyData {
			data = append([]byte(nil), data...)
		}
		r.Images[string(name)] = data
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errBadRecord, len(rest))
	}
	return nil
}

func seqKey(seq uint64) []byte {
	var k [keyLen]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// deliveredKey orders the delivered bucket by delivery time, so the
// retention sweep stops at the first record still to keep.
func deliveredKey(at time.Time, seq uint64) []byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], uint64(at.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k[:]
}
