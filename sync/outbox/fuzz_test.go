package outbox

import (
	"bytes"
	"testing"
	"time"
)

func FuzzDecodeRecord(f *testing.F) {
	created := time.Unix(1700000000, 5)
	f.Add(encodeRecord(Entry{ResultID: "r1", Payload: []byte(`{"a":1}`)}, created))
	f.Add(encodeRecord(Entry{ResultID: "r2", Payload: []byte(`{}`), Images: map[string][]byte{"front_side_image": {1, 2, 3}, "x": nil}}, created))
	f.Add([]byte{1, 0})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodeRecord(v, true, false)
		if err != nil {
			return
		}
		// What decodes must re-encode to the same bytes (records are
		// written only by encodeRecord, with images in name order).
		e := Entry{ResultID: r.ResultID, Payload: r.Payload, Images: r.Images}
		again := encodeRecord(e, r.Created)
		if !r.Delivered.IsZero() {
			setDelivered(again, r.Delivered)
		}
		again[1] = v[1]
		if _, err := decodeRecord(again, true, false); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		h, err := decodeRecord(v, false, true)
		if err != nil || h.ResultID != r.ResultID || h.Size != r.Size {
			t.Fatalf("header-only decode disagrees: %+v %v", h, err)
		}
	})
}
