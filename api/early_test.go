package api

import (
	"bytes"
	"testing"
)

// A refused key sent before a large file gets its answer without the
// server reading the file, over Go's client and curl.
func TestEarlyRefusalLargeUpload(t *testing.T) {
	h := newHarness(t, nil)
	big := append(append([]byte{}, magicJPEG...), bytes.Repeat([]byte{7}, 15<<20)...)
	parts := []part{value("api_key", keyUnknown), file("frontside_image", "f.jpg", big), value("country_code", "kz")}
	for _, tr := range transports {
		r := tr.post(h, t, "/api/v1/recognize", parts)
		if r.status != 401 || r.detail(t) != MsgAPIKeyInvalid {
			t.Fatalf("%s: %d %s", tr.name, r.status, r.body)
		}
	}
}
