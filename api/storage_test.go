package api

import (
	"context"
	"errors"
	"image/color"
	"testing"
	"time"
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

// Recognitions share one decode budget: while one holds its share,
// another that needs more than is left waits, and gets 503 with
// Retry-After when its deadline comes first; released, the budget is
// whole again; a cost over the whole budget is refused at once (400).
func TestDecodeBudgetShared(t *testing.T) {
	one := ImageCost(32, 32, color.YCbCrModel)
	b := newDecodeBudget(one + one/2)
	release, e := b.acquire(context.Background(), one, time.Second)
	if e != nil {
		t.Fatal(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	start := time.Now()
	_, e = b.acquire(ctx, one, 3*time.Second)
	cancel()
	if e == nil || e.status != 503 || e.retryAfter != 3*time.Second {
		t.Fatalf("second while the first holds its share: %+v", e)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Errorf("refused after %v: it did not wait", d)
	}
	// a waiter is let in as soon as the share comes back
	got := make(chan *httpError, 1)
	go func() {
		rel, e := b.acquire(context.Background(), one, time.Second)
		if e == nil {
			rel()
		}
		got <- e
	}()
	release()
	if e := <-got; e != nil {
		t.Fatalf("after release: %+v", e)
	}
	if _, e := b.acquire(context.Background(), 2*one, time.Second); e == nil || e.status != 400 {
		t.Fatalf("a cost over the whole budget: %+v", e)
	}
}
