package loadtest

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := Percentile(ds, tc.q); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.q, got, tc.want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

// Run counts what the server answered and sends real multipart bodies.
func TestRun(t *testing.T) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" {
			w.WriteHeader(400)
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil || r.FormValue("api_key") != "k" || r.MultipartForm.File["frontside_image"] == nil {
			w.WriteHeader(400)
			return
		}
		if n.Add(1)%4 == 0 {
			w.WriteHeader(503)
			return
		}
		_, _ = io.WriteString(w, `{}`)
	}))
	defer ts.Close()
	rep, err := Run(context.Background(), Config{URL: ts.URL, APIKey: "k", Front: []byte("\xff\xd8\xff"), Clients: 3, Requests: 40})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 40 || rep.OK != 30 || rep.Busy != 10 || rep.Failed != 0 || rep.P50 <= 0 || rep.P99 < rep.P50 {
		t.Fatalf("%+v", rep)
	}
	if rep.PeakRSSKiB <= 0 {
		t.Fatalf("no RSS read: %+v", rep)
	}
	// Paced: 10 requests at 50/s take about 180 ms.
	start := time.Now()
	rep, err = Run(context.Background(), Config{URL: ts.URL, APIKey: "k", Front: []byte("x"), Clients: 2, Requests: 10, Rate: 50})
	if err != nil || rep.Sent != 10 {
		t.Fatalf("%+v %v", rep, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("paced run took %v", d)
	}
	// Bounded in time.
	rep, err = Run(context.Background(), Config{URL: ts.URL, APIKey: "k", Front: []byte("x"), Requests: 1 << 30, Rate: 20, Duration: 200 * time.Millisecond})
	if err != nil || rep.Sent > 10 {
		t.Fatalf("time bound: %+v %v", rep, err)
	}
}

func TestTenthsAndGrowth(t *testing.T) {
	for _, c := range []struct {
		samples     []int64
		early, late int64
		growth      float64
	}{
		{nil, 0, 0, 0},
		{[]int64{100}, 100, 100, 0},
		{[]int64{100, 200, 300}, 100, 300, 200},
		// a tenth of 20 samples is 2: the GC's saw-tooth averages out
		{[]int64{100, 120, 90, 130, 100, 120, 100, 120, 100, 120, 100, 120, 100, 120, 100, 120, 100, 120, 105, 115}, 110, 110, 0},
	} {
		e, l := tenths(c.samples)
		g := Report{RSSEarlyKiB: e, RSSLateKiB: l}.Growth()
		if e != c.early || l != c.late || g != c.growth {
			t.Errorf("tenths(%v) = %d, %d (growth %.1f); want %d, %d (%.1f)", c.samples, e, l, g, c.early, c.late, c.growth)
		}
	}
}
