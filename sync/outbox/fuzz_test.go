package outbox

import (
	"bytes"
	"testing"
	"time"
)

// fixedKeys is a keySource for tests: slot → key.
type fixedKeys map[uint32][]byte

func (f fixedKeys) key(slot uint32) ([]byte, bool) {
	k, ok := f[slot]
	return k, ok
}

func FuzzDecodeRecord(f *testing.F) {
	created := time.Unix(1700000000, 5)
	keys := fixedKeys{3: bytes.Repeat([]byte{7}, slotLen)}
	plain1 := encodeRecord(Entry{ResultID: "r1", Payload: []byte(`{"a":1}`)}, created)
	plain2 := encodeRecord(Entry{ResultID: "r2", Payload: []byte(`{}`), Images: map[string][]byte{"front_side_image": {1, 2, 3}, "x": nil}}, created)
	f.Add(plain1)
	f.Add(plain2)
	for _, p := range [][]byte{plain1, plain2} {
		sealed, err := sealRecord(p, 3, keys[3])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sealed)
	}
	f.Add([]byte{1, 0})
	f.Add([]byte{2, 0})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodeRecord(v, keys, true, false)
		if err != nil {
			return
		}
		h, err := decodeRecord(v, nil, false, true)
		if err != nil || h.ResultID != r.ResultID || h.Size != r.Size {
			t.Fatalf("header-only decode disagrees: %+v %v", h, err)
		}
		// What decodes must re-encode and decode again (records are
		// written only by encodeRecord and sealRecord).
		e := Entry{ResultID: r.ResultID, Payload: r.Payload, Images: r.Images}
		again := encodeRecord(e, r.Created)
		if v[0] == recordVersion {
			if again, err = sealRecord(again, 3, keys[3]); err != nil {
				t.Fatal(err)
			}
		}
		back, err := decodeRecord(again, keys, true, false)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if back.ResultID != r.ResultID || !bytes.Equal(back.Payload, r.Payload) || len(back.Images) != len(r.Images) {
			t.Fatalf("re-encoded record differs: %+v, want %+v", back, r)
		}
	})
}
