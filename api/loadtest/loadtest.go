// Package loadtest owns the load harness for docscand's HTTP API:
// concurrent clients posting real multipart recognize requests on
// loopback, bounded in count and time, reporting recognitions per second,
// latency percentiles and the memory of the process it runs in (the
// server is expected in-process, as in the benchmarks).
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is one load run. Requests and Duration both bound it; the run
// stops at whichever comes first.
type Config struct {
	// URL is the recognize endpoint, e.g. http://127.0.0.1:8080/api/v1/recognize.
	URL         string
	APIKey      string
	CountryCode string
	// Front and Back are the image files sent; either may be nil.
	Front, Back         []byte
	FrontName, BackName string // default front.jpg / back.jpg
	// Clients is the number of concurrent clients (default 4).
	Clients int
	// Requests bounds the requests sent (default 100).
	Requests int
	// Duration bounds the run (default 60 s).
	Duration time.Duration
	// Rate, when > 0, paces the requests at that many per second over all
	// clients (open loop, as a line of terminals would); 0 sends as fast
	// as the clients get answers (closed loop, the throughput).
	Rate float64
	// Client defaults to a client with a connection per worker.
	Client *http.Client
	// PID is the process whose memory the report gives: the server's,
	// when it runs apart; 0 is this process.
	PID int
}

// Report is what a run measured.
type Report struct {
	Sent, OK, Busy, Failed int
	Statuses               map[int]int
	Elapsed                time.Duration
	// PerSecond is OK answers per second of the run.
	PerSecond     float64
	P50, P99, Max time.Duration
	// RSS of this process in KiB: at the start, at the end, and its peak
	// during the run (VmHWM, reset at the start where the kernel allows).
	// Zero where /proc is missing.
	RSSStartKiB, RSSEndKiB, PeakRSSKiB int64
	// RSSEarlyKiB and RSSLateKiB are the mean RSS over the first and the
	// last tenth of the run (sampled every RSSSampleEvery): growth between
	// them is a trend, where two instants differ by whatever the garbage
	// collector had just done.
	RSSEarlyKiB, RSSLateKiB int64
}

// RSSSampleEvery is how often Run samples the RSS.
const RSSSampleEvery = 250 * time.Millisecond

// Growth is the RSS growth over the run, in per cent: late against early.
func (r Report) Growth() float64 {
	if r.RSSEarlyKiB <= 0 {
		return 0
	}
	return 100 * float64(r.RSSLateKiB-r.RSSEarlyKiB) / float64(r.RSSEarlyKiB)
}

func (r Report) String() string {
	return fmt.Sprintf("%d sent, %d ok, %d busy, %d failed in %v: %.2f recognitions/s, p50 %v, p99 %v, max %v, RSS %d→%d KiB (first tenth %d, last tenth %d: %+.1f%%), peak %d KiB",
		r.Sent, r.OK, r.Busy, r.Failed, r.Elapsed.Round(time.Millisecond), r.PerSecond,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond),
		r.RSSStartKiB, r.RSSEndKiB, r.RSSEarlyKiB, r.RSSLateKiB, r.Growth(), r.PeakRSSKiB)
}

// body is one request's multipart body, built once and sent many times.
func (c Config) body() ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("api_key", c.APIKey); err != nil {
		return nil, "", err
	}
	for _, f := range []struct {
		field, name string
		data        []byte
	}{{"frontside_image", c.FrontName, c.Front}, {"backside_image", c.BackName, c.Back}} {
		if f.data == nil {
			continue
		}
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.WriteField("country_code", c.CountryCode); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// Run sends the load and measures it.
func Run(ctx context.Context, c Config) (Report, error) {
	if c.URL == "" {
		return Report{}, errors.New("loadtest: URL is required")
	}
	if c.Front == nil && c.Back == nil {
		return Report{}, errors.New("loadtest: give Front or Back")
	}
	if c.Clients <= 0 {
		c.Clients = 4
	}
	if c.Requests <= 0 {
		c.Requests = 100
	}
	if c.Duration <= 0 {
		c.Duration = 60 * time.Second
	}
	if c.FrontName == "" {
		c.FrontName = "front.jpg"
	}
	if c.BackName == "" {
		c.BackName = "back.jpg"
	}
	if c.CountryCode == "" {
		c.CountryCode = "kz"
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients, MaxConnsPerHost: c.Clients}}
	}
	body, ctype, err := c.body()
	if err != nil {
		return Report{}, fmt.Errorf("loadtest: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()

	// tickets hands out the requests: all at once (closed loop) or paced.
	tickets := make(chan time.Time)
	go func() {
		defer close(tickets)
		start := time.Now()
		for i := 0; i < c.Requests; i++ {
			due := start
			if c.Rate > 0 {
				due = start.Add(time.Duration(float64(i) / c.Rate * float64(time.Second)))
				if d := time.Until(due); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
			} else {
				due = time.Now()
			}
			select {
			case tickets <- due:
			case <-ctx.Done():
				return
			}
		}
	}()

	rep := Report{Statuses: map[int]int{}}
	resetPeakRSS(c.PID)
	rep.RSSStartKiB, _, _ = ReadRSS(c.PID)
	samples := make(chan []int64, 1)
	stopSampling := make(chan struct{})
	go func() {
		var got []int64
		t := time.NewTicker(RSSSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				samples <- got
				return
			case <-t.C:
				if rss, _, err := ReadRSS(c.PID); err == nil && rss > 0 {
					got = append(got, rss)
				}
			}
		}
	}()
	var mu sync.Mutex
	var latencies []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for due := range tickets {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", ctype)
				resp, err := client.Do(req)
				status := -1
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				// Latency from when the request was due: a paced run
				// counts the time a request waited for a free client.
				lat := time.Since(due)
				mu.Lock()
				rep.Sent++
				rep.Statuses[status]++
				switch {
				case status == http.StatusOK:
					rep.OK++
					latencies = append(latencies, lat)
				case status == http.StatusServiceUnavailable:
					rep.Busy++
				default:
					rep.Failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	close(stopSampling)
	rep.RSSEarlyKiB, rep.RSSLateKiB = tenths(<-samples)
	rep.RSSEndKiB, rep.PeakRSSKiB, _ = ReadRSS(c.PID)
	if rep.Elapsed > 0 {
		rep.PerSecond = float64(rep.OK) / rep.Elapsed.Seconds()
	}
	slices.Sort(latencies)
	rep.P50, rep.P99 = Percentile(latencies, 0.50), Percentile(latencies, 0.99)
	if n := len(latencies); n > 0 {
		rep.Max = latencies[n-1]
	}
	return rep, nil
}

// Percentile returns the q-th (0..1) percentile of sorted durations, by
// the nearest-rank method; 0 for none.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// tenths returns the mean of the first and of the last tenth of the
// samples (at least one each); zeros for none.
func tenths(s []int64) (early, late int64) {
	if len(s) == 0 {
		return 0, 0
	}
	n := max(1, len(s)/10)
	mean := func(v []int64) int64 {
		var sum int64
		for _, x := range v {
			sum += x
		}
		return sum / int64(len(v))
	}
	return mean(s[:n]), mean(s[len(s)-n:])
}

// procFile is a file of process pid's /proc directory (0: this one).
func procFile(pid int, name string) string {
	if pid == 0 {
		return "/proc/self/" + name
	}
	return fmt.Sprintf("/proc/%d/%s", pid, name)
}

// resetPeakRSS starts VmHWM afresh from the current RSS (Linux 4.0 and
// later), so a run's peak is its own, not what ran before it.
func resetPeakRSS(pid int) {
	_ = os.WriteFile(procFile(pid, "clear_refs"), []byte("5"), 0)
}

// ReadRSS returns the resident set (VmRSS) of process pid (0: this one)
// and its peak (VmHWM), in KiB, from /proc.
func ReadRSS(pid int) (rssKiB, peakKiB int64, err error) {
	f, err := os.Open(procFile(pid, "status"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		n, perr := strconv.ParseInt(fields[0], 10, 64)
		if perr != nil {
			continue
		}
		switch k {
		case "VmRSS":
			rssKiB = n
		case "VmHWM":
			peakKiB = n
		}
	}
	return rssKiB, peakKiB, sc.Err()
}
