package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docscan/docscan/api/loadtest"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
	"github.com/docscan/docscan/typedb/specimen"
)

// photoJPEG renders one side of doc as a phone photo: placed on a
// background, slightly rotated, unevenly lit, noisy, JPEG.
func photoJPEG(tb testing.TB, doc string, seed int64) []byte {
	tb.Helper()
	sp := renderSpecimen(tb, doc, seed, specimen.Genuine)
	side := sp.Sides[len(sp.Sides)-1] // the MRZ side
	placed, err := specimen.Degrade([]*image.RGBA{side.White}, specimen.Degradation{
		Frame: image.Pt(1600, 1200), Scale: 0.85, Rotate: 2, Light: 0.2, Noise: 3, JPEGQuality: 90,
	}, seed)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, placed.Layers[0], &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkLoad posts single-side MRZ documents, photographed (1.9 MP
// JPEG), to /api/v1/recognize from concurrent clients on loopback,
// against docscand built and run as its own process: recognitions per
// second, p50 and p99 latency, and the daemon's CPU per recognition, peak
// RSS and RSS growth over the run. Results are delivered to a Mosquitto broker on loopback, as a
// connected terminal's are. The cases:
//
//   - kz-passport: a Kazakh passport's data page with country_code=kz,
//     what a terminal at a Kazakh desk sends: identified against the
//     Kazakh types, anchors read, every visual-zone field read. Closed
//     loop (4 clients, as fast as answers come): the throughput, and the
//     run the RSS bar is judged on.
//   - kz-passport-at-5rps: the same, open loop at 5 requests per second:
//     the latency at the bar's rate.
//   - icao-td3: a generic ICAO passport page (a state with no national
//     type) with country_code=kz, closed loop: fewer fields.
//
// DOCSCAN_LOAD_REQUESTS sets the closed-loop requests of kz-passport
// (default 5000, the RSS bar's count); the other cases send a fifth of
// that (at least 100).
func BenchmarkLoad(b *testing.B) {
	requests := 5000
	if s := os.Getenv("DOCSCAN_LOAD_REQUESTS"); s != "" {
		var err error
		if requests, err = strconv.Atoi(s); err != nil || requests < 1 {
			b.Fatalf("DOCSCAN_LOAD_REQUESTS=%q", s)
		}
	}
	short := max(100, requests/5)
	for _, c := range []struct {
		name, doc string
		requests  int
		rate      float64
	}{
		{"kz-passport", "kz-passport", requests, 0},
		{"kz-passport-at-5rps", "kz-passport", short, 5},
		{"icao-td3", "icao-td3", short, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			photo := photoJPEG(b, c.doc, 5)
			// a terminal delivers its results: over a real broker on
			// loopback, so the outbox stays small as it does in service
			// (undelivered, 5,000 results would fill it and get 503)
			broker := mqtttest.Start(b, "", false)
			// The daemon runs as its own process, as in service: its RSS
			// is its own, not the harness's or an earlier case's.
			base, pid := startDaemonProcess(b, "-hal", "sim", "-camera", "sim", "-workers", "2",
				"-mqtt", broker.URL(), "-device-id", "bench", "-telemetry-interval", "0")
			cfg := loadtest.Config{
				URL: base + "/api/v1/recognize", APIKey: testKey, CountryCode: "kz",
				Front: photo, Clients: 4, Requests: 40, Duration: 30 * time.Minute, PID: pid,
			}
			// Warm up: every worker's Tesseract loaded, buffers grown.
			if _, err := loadtest.Run(context.Background(), cfg); err != nil {
				b.Fatal(err)
			}
			cfg.Requests, cfg.Rate = c.requests, c.rate
			if c.rate > 0 {
				cfg.Clients = 16 // enough that a slow answer does not hold the pace back
			}
			b.ResetTimer()
			for b.Loop() {
				cpu0 := cpuTime(b, pid)
				rep, err := loadtest.Run(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				cpu := cpuTime(b, pid) - cpu0
				if rep.OK != rep.Sent {
					b.Errorf("%d of %d answered 200: %v", rep.OK, rep.Sent, rep.Statuses)
				}
				b.ReportMetric(rep.PerSecond, "rec/s")
				b.ReportMetric(float64(rep.P50.Milliseconds()), "p50-ms")
				b.ReportMetric(float64(rep.P99.Milliseconds()), "p99-ms")
				b.ReportMetric(float64(cpu.Milliseconds())/float64(max(rep.OK, 1)), "cpu-ms/rec")
				b.ReportMetric(float64(rep.PeakRSSKiB)/1024, "peak-RSS-MiB")
				b.ReportMetric(rep.Growth(), "RSS-growth-%")
				b.Logf("%d requests: %s, CPU %v", c.requests, rep, cpu.Round(time.Millisecond))
			}
		})
	}
}

// startDaemonProcess builds docscand and runs it as a child process with
// the given flags, on a free port with its data in a temporary folder,
// and returns its base URL and process id; it is stopped with SIGTERM
// when the benchmark ends.
func startDaemonProcess(tb testing.TB, args ...string) (string, int) {
	tb.Helper()
	if _, err := ocr.NewPool(ocr.Options{}); errors.Is(err, ocr.ErrUnavailable) {
		tb.Skip("needs Tesseract:", err)
	}
	bin := filepath.Join(tb.TempDir(), "docscand")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("building docscand: %v\n%s", err, out)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", mqtttest.FreePort(tb))
	args = append([]string{"-listen", addr, "-data", tb.TempDir(), "-api-key", testKey, "-log-level", "warn"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var logBuf syncBuffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() {
			tb.Logf("daemon log:\n%s", logBuf.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, cmd.Process.Pid
			}
		}
		select {
		case err := <-exited:
			tb.Fatalf("docscand exited: %v\n%s", err, logBuf.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("docscand not ready in 60 s\n%s", logBuf.String())
		}
	}
}

// cpuTime is the user and system CPU the daemon's process has used: what
// a recognition costs whatever else the machine runs.
func cpuTime(tb testing.TB, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// utime and stime are fields 14 and 15, counted after the command
	// name's closing parenthesis (the name may hold spaces).
	rest := string(data[bytes.LastIndexByte(data, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		tb.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100
