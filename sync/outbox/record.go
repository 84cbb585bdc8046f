package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"
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

// Stored value layout, version 1 (all integers big-endian or uvarint):
//
//	[0]      version = 1
//	[1]      flags (reserved, 0)
//	[2:10]   created, Unix nanoseconds
//	[10:18]  delivered, Unix nanoseconds; 0 while pending
//	uvarint len, result_id
//	uvarint len, payload
//	uvarint count, then per image: uvarint len, name, uvarint len, data
const (
	recordVersion   = 1
	offCreated      = 2
	offDelivered    = 10
	recordHeaderLen = 18
	keyLen          = 8
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
	b[0] = recordVersion
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

func setCreated(v []byte, t time.Time) {
	binary.BigEndian.PutUint64(v[offCreated:], uint64(t.UnixNano()))
}

func setDelivered(v []byte, t time.Time) {
	binary.BigEndian.PutUint64(v[offDelivered:], uint64(t.UnixNano()))
}

// recordCreated reads only the header; v must have passed decodeRecord once.
func recordCreated(v []byte) (time.Time, bool) {
	if len(v) < recordHeaderLen || v[0] != recordVersion {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[offCreated:]))), true
}

// decodeRecord parses a stored value. With copyData the returned slices
// do not alias v (bbolt's memory is only valid inside its transaction).
// With headerOnly the payload and images are skipped but still bounds-checked.
func decodeRecord(v []byte, copyData, headerOnly bool) (Record, error) {
	var r Record
	if len(v) < recordHeaderLen {
		return r, fmt.Errorf("%w: %d bytes, shorter than the header", errBadRecord, len(v))
	}
	if v[0] != recordVersion {
		return r, fmt.Errorf("%w: version %d", errBadRecord, v[0])
	}
	r.Created = time.Unix(0, int64(binary.BigEndian.Uint64(v[offCreated:])))
	if d := int64(binary.BigEndian.Uint64(v[offDelivered:])); d != 0 {
		r.Delivered = time.Unix(0, d)
	}
	rest := v[recordHeaderLen:]
	next := func(what string, limit uint64) ([]byte, error) {
		n, k := binary.Uvarint(rest)
		if k <= 0 {
			return nil, fmt.Errorf("%w: bad length of %s", errBadRecord, what)
		}
		if n > limit || n > uint64(len(rest)-k) {
			return nil, fmt.Errorf("%w: %s length %d out of range", errBadRecord, what, n)
		}
		out := rest[k : k+int(n)]
		rest = rest[k+int(n):]
		return out, nil
	}
	id, err := next("result_id", maxResultIDLen)
	if err != nil {
		return r, err
	}
	r.ResultID = string(id)
	payload, err := next("payload", uint64(len(v)))
	if err != nil {
		return r, err
	}
	if !headerOnly {
		r.Payload = payload
		if copyData {
			r.Payload = append([]byte(nil), payload...)
		}
	}
	count, k := binary.Uvarint(rest)
	if k <= 0 || count > maxImages {
		return r, fmt.Errorf("%w: bad image count", errBadRecord)
	}
	rest = rest[k:]
	for i := uint64(0); i < count; i++ {
		name, err := next("image name", maxImageNameLen)
		if err != nil {
			return r, err
		}
		data, err := next("image", uint64(len(v)))
		if err != nil {
			return r, err
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
		return r, fmt.Errorf("%w: %d trailing bytes", errBadRecord, len(rest))
	}
	r.Size = len(v) + keyLen
	return r, nil
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
