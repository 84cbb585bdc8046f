package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/typedb/specimen"
)

// scanTiming is one scan seen from outside: the request's round trip and
// the time the lights were busy during it.
type scanTiming struct {
	answer  time.Duration // request sent → answer read
	capture time.Duration // first LED on → last LED off
}

// timedScan posts one scan and measures it against the simulated LEDs'
// history.
func timedScan(tb testing.TB, leds *hal.SimLEDs, url string, fields map[string]string) (scanTiming, map[string]any) {
	tb.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	w.Close()
	t0 := time.Now()
	resp, err := http.Post(url, w.FormDataContentType(), &body)
	if err != nil {
		tb.Fatal(err)
	}
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	t1 := time.Now()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("scan: %d %v %v", resp.StatusCode, err, out["detail"])
	}
	var first, last time.Time
	for _, c := range leds.History() {
		if c.Time.Before(t0) || c.Time.After(t1) {
			continue
		}
		if c.State != 0 && first.IsZero() {
			first = c.Time
		}
		if c.State == 0 {
			last = c.Time
		}
	}
	if first.IsZero() || last.Before(first) {
		tb.Fatal("no light was switched during the scan")
	}
	return scanTiming{answer: t1.Sub(t0), capture: last.Sub(first)}, out
}

// BenchmarkScan is issue 5's end-to-end scan bar on the simulator (33 ms
// frame period): a genuine two-sided Kazakh ID card on the glass, its
// front scanned, then its back joined to it, over HTTP against the whole
// daemon in this process. For each side it reports the medians of the
// request's round trip, of the capture (first LED on to last LED off,
// from the simulated LEDs' history) and of the difference, which the bar
// holds to 300 ms.
func BenchmarkScan(b *testing.B) {
	glass, _ := renderGlass(b, "kz-id-2014", 11, specimen.Genuine)
	d, base, _ := startDaemon(b, "-hal", "sim", "-camera", "sim", "-sim-doc", glass, "-workers", "2")
	url := base + "/api/v1/scan"
	scanPair := func() [2]scanTiming {
		front, res := timedScan(b, d.hw.simLEDs, url, map[string]string{"api_key": testKey, "country_code": "kz", "side": "front"})
		id, _ := res["scan_id"].(string)
		back, res := timedScan(b, d.hw.simLEDs, url, map[string]string{"api_key": testKey, "country_code": "kz", "side": "back", "scan_id": id})
		if res["failure_reason"] != "None" {
			b.Fatalf("genuine card: failure_reason %v", res["failure_reason"])
		}
		return [2]scanTiming{front, back}
	}
	scanPair() // warm: Tesseract models loaded, both sides rendered
	var runs [][2]scanTiming
	b.ResetTimer()
	for b.Loop() {
		runs = append(runs, scanPair())
	}
	b.StopTimer()
	for i, side := range []string{"front", "back"} {
		var answer, capture, over []time.Duration
		for _, r := range runs {
			answer = append(answer, r[i].answer)
			capture = append(capture, r[i].capture)
			over = append(over, r[i].answer-r[i].capture)
		}
		b.ReportMetric(msOf(medianOf(answer)), side+"-answer-ms")
		b.ReportMetric(msOf(medianOf(capture)), side+"-capture-ms")
		b.ReportMetric(msOf(medianOf(over)), side+"-over-ms")
	}
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
