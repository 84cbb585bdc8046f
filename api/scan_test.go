package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/scan"
	"github.com/google/uuid"
)

// fakeScanner keeps first sides by scan id as a real one keeps frames,
// and records how many scans ran at once.
type fakeScanner struct {
	mu       sync.Mutex
	sides    map[string]scan.Side
	calls    []scan.Request
	hold     time.Duration
	running  atomic.Int32
	maxSeen  atomic.Int32
	started  chan string // when set, receives each scan's country code as it starts
	release  chan struct{}
	failWith error
}

func newFakeScanner() *fakeScanner { return &fakeScanner{sides: map[string]scan.Side{}} }

func (f *fakeScanner) Scan(ctx context.Context, req scan.Request) (*pipeline.Result, error) {
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, req)
	started, release, hold, failWith := f.started, f.release, f.hold, f.failWith
	f.mu.Unlock()
	if started != nil {
		started <- req.CountryCode
	}
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	time.Sleep(hold)
	if failWith != nil {
		return nil, failWith
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Join {
		first, ok := f.sides[req.ScanID]
		if !ok {
			return nil, &Rejection{Message: "Unknown or expired scan_id"}
		}
		if first == req.Side {
			return nil, &Rejection{Message: "This side was scanned already"}
		}
	}
	f.sides[req.ScanID] = req.Side
	res := fixedResult()
	if req.Side == scan.Front && !req.Join {
		res.DocumentType.Backside = nil
	}
	return res, nil
}

func scanHarness(t *testing.T, sc *fakeScanner, mod func(*Options)) *harness {
	return newHarness(t, func(o *Options) {
		o.Scanner = sc
		if mod != nil {
			mod(o)
		}
	})
}

func TestScanTwoSides(t *testing.T) {
	sc := newFakeScanner()
	h := scanHarness(t, sc, nil)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := tr.post(h, t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz"), value("side", "front")})
			if r.status != 200 {
				t.Fatalf("front: %d %s", r.status, r.body)
			}
			m := checkResultBody(t, h, r)
			scanID, _ := m["scan_id"].(string)
			if _, err := uuid.Parse(scanID); err != nil {
				t.Fatalf("scan_id %q", scanID)
			}
			r = tr.post(h, t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz"), value("side", "back"), value("scan_id", scanID)})
			if r.status != 200 {
				t.Fatalf("back: %d %s", r.status, r.body)
			}
			m2 := checkResultBody(t, h, r)
			if m2["scan_id"] != scanID || m2["result_id"] == m["result_id"] {
				t.Fatalf("join: scan_id %v (want %s), result ids %v %v", m2["scan_id"], scanID, m["result_id"], m2["result_id"])
			}
			// The stored result keeps the scan_id its answer carried.
			for _, id := range []any{m["result_id"], m2["result_id"]} {
				r := h.get(t, fmt.Sprintf("/api/v1/results/%v", id), map[string]string{"X-API-Key": keyActive})
				var stored map[string]any
				if err := json.Unmarshal(r.body, &stored); err != nil || r.status != 200 || stored["scan_id"] != scanID {
					t.Fatalf("GET /api/v1/results/%v: %d, scan_id %v (want %s)", id, r.status, stored["scan_id"], scanID)
				}
			}
			sc.mu.Lock()
			last := sc.calls[len(sc.calls)-1]
			sc.mu.Unlock()
			if !last.Join || last.ScanID != scanID || last.Side != scan.Back {
				t.Fatalf("scanner got %+v", last)
			}
		})
	}
}

func TestScanURLEncoded(t *testing.T) {
	h := scanHarness(t, newFakeScanner(), nil)
	form := url.Values{"api_key": {keyActive}, "country_code": {"kz"}}
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/api/v1/scan", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := h.do(t, req)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// curl -d, as the README shows it.
	curl := curlPath(t)
	dir := t.TempDir()
	cr := runCurl(t, curl, dir, []string{"-sS", "-o", dir + "/body", "-D", dir + "/headers", "-w", "%{http_code}",
		"-d", "api_key=" + keyActive, "-d", "country_code=kz", "-d", "side=front", h.ts.URL + "/api/v1/scan"}, "POST", "/api/v1/scan")
	if cr.status != 200 {
		t.Fatalf("curl: %d %s", cr.status, cr.body)
	}
}

func TestScanErrors(t *testing.T) {
	sc := newFakeScanner()
	h := scanHarness(t, sc, nil)
	cases := []struct {
		name   string
		parts  []part
		status int
		detail string
	}{
		{"401 missing key", []part{value("country_code", "kz")}, 401, MsgAPIKeyMissing},
		{"401 unknown key", []part{value("api_key", keyUnknown), value("country_code", "kz")}, 401, MsgAPIKeyInvalid},
		{"400 ended", []part{value("api_key", keyEnded), value("country_code", "kz")}, 400, MsgNoActiveOrFuture},
		{"400 side", []part{value("api_key", keyActive), value("country_code", "kz"), value("side", "left")}, 400, MsgSideInvalid},
		{"400 country", []part{value("api_key", keyActive)}, 400, MsgCountryMissing},
		{"400 scan_id malformed", []part{value("api_key", keyActive), value("country_code", "kz"), value("side", "back"), value("scan_id", "123")}, 400, MsgScanIDInvalid},
		{"400 scan_id unknown (scanner's message)", []part{value("api_key", keyActive), value("country_code", "kz"), value("side", "back"), value("scan_id", uuid.NewString())}, 400, "Unknown or expired scan_id"},
	}
	for _, tr := range transports {
		for _, tc := range cases {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				r := tr.post(h, t, "/api/v1/scan", tc.parts)
				if r.status != tc.status || r.detail(t) != tc.detail {
					t.Fatalf("%d %s", r.status, r.body)
				}
			})
		}
	}
	sc.mu.Lock()
	sc.failWith = &Rejection{Message: MsgFrontsideNotFound}
	sc.mu.Unlock()
	r := h.postGo(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz")})
	if r.status != 400 || r.detail(t) != MsgFrontsideNotFound {
		t.Fatalf("%d %s", r.status, r.body)
	}

	none := newHarness(t, nil)
	r = none.postGo(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz")})
	if r.status != 501 || r.detail(t) != MsgNoScanner {
		t.Fatalf("no scanner: %d %s", r.status, r.body)
	}
}

// Scans run one at a time, in arrival order; beyond the queue the answer
// is 503 at once; a waiting client that leaves frees its place.
func TestScanSerialised(t *testing.T) {
	sc := newFakeScanner()
	sc.started = make(chan string, 16)
	sc.release = make(chan struct{})
	h := scanHarness(t, sc, func(o *Options) { o.ScanQueueLength = 3 })
	countries := []string{"kz", "ru", "de", "fr"}
	var replies []<-chan reply
	for i, cc := range countries {
		replies = append(replies, h.postAsync(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", cc)}))
		if i == 0 {
			if got := <-sc.started; got != "kz" {
				t.Fatalf("first scan %s", got)
			}
		} else {
			// Let each request reach the line before the next is sent.
			waitFor(t, func() bool { return len(h.srv.scanAdmit) == i+1 })
		}
	}
	// One running, three waiting: the fifth is refused at once.
	r := h.postGo(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "it")})
	if r.status != 503 || r.detail(t) != MsgScanQueueFull || r.header.Get("Retry-After") == "" {
		t.Fatalf("fifth: %d %s", r.status, r.body)
	}
	for i := range countries {
		sc.release <- struct{}{}
		if i+1 < len(countries) {
			if got := <-sc.started; got != countries[i+1] {
				t.Fatalf("scan %d was %s, want %s (arrival order)", i+1, got, countries[i+1])
			}
		}
	}
	for _, ch := range replies {
		if r := <-ch; r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	if m := sc.maxSeen.Load(); m != 1 {
		t.Fatalf("%d scans ran at once", m)
	}

	// A client that gives up while waiting leaves the line.
	first := h.postAsync(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz")})
	<-sc.started
	body, ctype := multipartBody(t, []part{value("api_key", keyActive), value("country_code", "ru")})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.ts.URL+"/api/v1/scan", body)
	req.Header.Set("Content-Type", ctype)
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		if resp, err := h.ts.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, func() bool { return len(h.srv.scanAdmit) == 2 })
	cancel()
	<-gone
	waitFor(t, func() bool { return len(h.srv.scanAdmit) == 1 })
	sc.release <- struct{}{}
	if r := <-first; r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	select {
	case cc := <-sc.started:
		t.Fatalf("the abandoned scan (%s) ran", cc)
	case <-time.After(100 * time.Millisecond):
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// scannerFunc adapts a function to Scanner.
type scannerFunc func(ctx context.Context, req scan.Request) (*pipeline.Result, error)

func (f scannerFunc) Scan(ctx context.Context, req scan.Request) (*pipeline.Result, error) {
	return f(ctx, req)
}

// A scan asked for by a presence edge or an MQTT command takes the same
// path as POST /api/v1/scan: the country default, the store, the metrics.
func TestScanAndStore(t *testing.T) {
	var got []scan.Request
	h := newHarness(t, func(o *Options) {
		o.Scanner = scannerFunc(func(_ context.Context, req scan.Request) (*pipeline.Result, error) {
			got = append(got, req)
			if req.Side == scan.Back {
				return nil, errors.New("camera unplugged")
			}
			res := fixedResult()
			res.CountryCode = ""
			return res, nil
		})
	})
	ctx := context.Background()
	id, err := h.srv.ScanAndStore(ctx, scan.Front, "KZ")
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.store.Get(ctx, id)
	if err != nil || res == nil {
		t.Fatalf("stored result %s: %v", id, err)
	}
	if res.CountryCode != "kz" || len(got) != 1 || got[0].Join || got[0].ScanID == "" || got[0].CountryCode != "kz" {
		t.Errorf("country %q, requests %+v", res.CountryCode, got)
	}
	if _, err := h.srv.ScanAndStore(ctx, scan.Back, ""); err == nil {
		t.Error("a failed scan was stored")
	}
	if _, err := h.srv.ScanAndStore(ctx, scan.Front, "kaz"); err == nil || len(got) != 2 {
		t.Errorf("a bad country code: %v after %d scans", err, len(got))
	}
	if h.store.len() != 1 {
		t.Errorf("%d results stored, want 1", h.store.len())
	}
	metrics := string(h.get(t, "/metrics", nil).body)
	for _, want := range []string{
		`docscan_scans_total{outcome="ok",side="front"} 1`,
		`docscan_stage_duration_seconds_count{stage="store"} 1`,
		`docscan_checks_failed_total{check="mrz_check_digits"} 1`,
		`docscan_scans_total{outcome="error",side="back"} 1`,
		`docscan_scans_total{outcome="rejected",side="front"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
