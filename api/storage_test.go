package api

import (
	"errors"
	"testing"
)

// With the data filesystem nearly full, /recognize and /scan answer 503
// with Retry-After before any recognition runs; a filesystem that cannot
// be asked is not taken for full.
func TestStorageFullRefusedFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		free   uint64
		err    error
		status int
	}{
		{"full", 1 << 20, nil, 503},
		{"room", 1 << 30, nil, 200},
		{"unknown", 0, errors.New("statfs: no such file"), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *Options) {
				o.StorageFree = func() (uint64, error) { return tc.free, tc.err }
				o.Scanner = newFakeScanner()
			})
			entered := make(chan struct{}, 4)
			h.rec.entered = entered
			parts := []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")}
			r := h.postGo(t, "/api/v1/recognize", parts)
			if r.status != tc.status {
				t.Fatalf("recognize: %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 503 {
				return
			}
			if r.detail(t) != MsgStorageFull || r.header.Get("Retry-After") == "" {
				t.Errorf("503 without the storage message or Retry-After: %s %v", r.body, r.header)
			}
			if len(entered) != 0 {
				t.Error("a recognition ran although nothing could be stored")
			}
			s := h.postGo(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz"), value("side", "front")})
			if s.status != 503 || s.detail(t) != MsgStorageFull {
				t.Errorf("scan: %d %s", s.status, s.body)
			}
		})
	}
}
