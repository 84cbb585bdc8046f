package api

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/api/entitle"
)

type fakeHealth struct{ h DeviceHealth }

func (f *fakeHealth) Health(ctx context.Context) DeviceHealth { return f.h }

func healthyDevice() DeviceHealth {
	return DeviceHealth{
		Camera:      Component{State: StateOK, Detail: "sim 1280x800"},
		GPIO:        Component{State: StateOK},
		MQTT:        Component{State: StateDegraded, Detail: "offline since 12:00"},
		Outbox:      Component{State: StateOK},
		OutboxDepth: 3,
		TypeDB:      TypeDBInfo{Version: "2025.06.1", Checksum: "sha256:0123abcd", Types: 12},
	}
}

func TestHealthAndReady(t *testing.T) {
	fh := &fakeHealth{h: healthyDevice()}
	h := newHarness(t, func(o *Options) { o.Health = fh })
	for _, path := range []string{"/healthz", "/readyz"} {
		r := h.get(t, path, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		var b healthBody
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatal(err)
		}
		if b.Build.Version != "v0.0.0-test" || b.Build.Commit != "abc1234" || b.TypeDB.Checksum != "sha256:0123abcd" ||
			b.OutboxDepth != 3 || b.MQTT.State != StateDegraded || b.Camera.State != StateOK || b.Recognize.Workers != 2 {
			t.Fatalf("%s: %+v", path, b)
		}
	}
	fh.h.Camera = Component{State: StateDown, Detail: "no frames"}
	if r := h.get(t, "/readyz", nil); r.status != 503 || !strings.Contains(string(r.body), `"not_ready"`) {
		t.Fatalf("camera down: %d %s", r.status, r.body)
	}
	if r := h.get(t, "/healthz", nil); r.status != 200 {
		t.Fatalf("healthz with camera down: %d", r.status)
	}
	// Without a Health everything is "disabled" and the server is ready.
	bare := newHarness(t, nil)
	if r := bare.get(t, "/readyz", nil); r.status != 200 || !strings.Contains(string(r.body), `"disabled"`) {
		t.Fatalf("bare: %d %s", r.status, r.body)
	}
}

// A server with no API key at all refuses everything: it says so at
// start and /readyz is 503 with api_keys down; one stored key makes it
// ready.
func TestNoAPIKeyIsNotReady(t *testing.T) {
	store, err := entitle.Open(filepath.Join(t.TempDir(), entitle.FileName))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.APIKeys, o.Entitlements = nil, store })
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.srv.Serve(ctx, ln) }()
	r := h.get(t, "/readyz", nil)
	var b healthBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatal(err)
	}
	if r.status != 503 || b.Status != "not_ready" || b.APIKeys.State != StateDown || !strings.Contains(b.APIKeys.Detail, "no API key") {
		t.Fatalf("no key: %d %s", r.status, r.body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "no API key configured") {
		t.Fatalf("no warning at start:\n%s", logs)
	}
	k, err := entitle.NewKey(keyActive, "test", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Add(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	if r := h.get(t, "/readyz", nil); r.status != 200 || !strings.Contains(string(r.body), `"api_keys":{"state":"ok"`) {
		t.Fatalf("with a key: %d %s", r.status, r.body)
	}
}

func TestMetrics(t *testing.T) {
	led := map[string]float64{"white-front": 12.5, "uv": 0.75}
	h := newHarness(t, func(o *Options) {
		o.Device = DeviceMetrics{
			OutboxDepth:   func() int { return 7 },
			OutboxDropped: func() uint64 { return 2 },
			LEDOnSeconds:  func() map[string]float64 { return led },
			UVDutyCycle:   func() float64 { return 0.125 },
		}
		o.Scanner = newFakeScanner()
	})
	jpg := testJPEG(t, 32, 32)
	h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")})
	h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyUnknown), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")})
	h.postGo(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz")})
	h.srv.ObserveStage("mrz", 30*time.Millisecond)

	r := h.get(t, "/metrics", nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	text := string(r.body)
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			name := strings.Fields(line)[2]
			std := strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
			if !strings.HasPrefix(name, "docscan_") && !std {
				t.Errorf("metric %s starts with neither docscan_ nor the standard go_ or process_", name)
			}
		}
	}
	for _, want := range []string{
		`docscan_http_request_duration_seconds_bucket{code="200",method="POST",route="recognize"`,
		`docscan_recognitions_total{outcome="ok"} 1`,
		`docscan_recognitions_total{outcome="unauthorized"} 1`,
		`docscan_scans_total{outcome="ok",side="front"} 1`,
		`docscan_stage_duration_seconds_count{stage="decode"} 1`,
		`docscan_stage_duration_seconds_count{stage="recognize"} 1`,
		`docscan_stage_duration_seconds_count{stage="store"} 2`,
		`docscan_stage_duration_seconds_count{stage="scan"} 1`,
		`docscan_stage_duration_seconds_count{stage="mrz"} 1`,
		`docscan_checks_failed_total{check="mrz_check_digits"} 2`,
		`docscan_outbox_depth 7`,
		`docscan_outbox_dropped_total 2`,
		`docscan_led_on_seconds_total{channel="uv"} 0.75`,
		`docscan_led_on_seconds_total{channel="white-front"} 12.5`,
		`docscan_uv_duty_ratio 0.125`,
		`docscan_build_info{commit="abc1234",date="2025-06-01T00:00:00Z",goversion=`,
		`docscan_recognize_in_flight 0`,
		"\ngo_goroutines ",
		"\nprocess_resident_memory_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t, nil)
	r := h.get(t, "/openapi.json", nil)
	if r.status != 200 {
		t.Fatal(r.status)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" || doc["info"].(map[string]any)["version"] != "v0.0.0-test" {
		t.Fatalf("%v %v", doc["openapi"], doc["info"])
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	h := newHarness(t, nil)
	hs := h.srv.HTTPServer()
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 {
		t.Fatalf("a phase without a timeout: %+v", hs)
	}
	if hs.Addr != "127.0.0.1:8080" {
		t.Fatalf("default address %q, want loopback", hs.Addr)
	}
	if hs.WriteTimeout <= DefaultRequestTimeout {
		t.Fatal("WriteTimeout must outlast a request's work")
	}
}

// A client that sends half a header is cut off after ReadHeaderTimeout.
func TestSlowHeaderCutOff(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ReadHeaderTimeout = 200 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	if err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "docscan test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With a certificate the server speaks only HTTPS; Serve stops when its
// context ends, letting a recognition in flight finish and be stored.
func TestTLSAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	rec := &fakeRecognizer{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	store := newMemStore()
	srv, err := New(Options{Recognizer: rec, Store: store, APIKeys: []string{keyStatic},
		TLSCertFile: certFile, TLSKeyFile: keyFile, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	base := "https://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("https: %d", resp.StatusCode)
	}
	// Plain HTTP is refused.
	if resp, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served")
		}
	}
	// curl over TLS.
	if curl, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command(curl, "-sS", "--cacert", certFile, base+"/healthz").CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"status":"ok"`) {
			t.Fatalf("curl https: %v %s", err, out)
		}
	}

	body, ctype := multipartBody(t, []part{value("api_key", keyStatic), file("frontside_image", "f.jpg", testJPEG(t, 16, 16)), value("country_code", "kz")})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/recognize", body)
	req.Header.Set("Content-Type", ctype)
	answered := make(chan int, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-rec.entered
	cancel() // shutdown begins with a recognition in flight
	time.Sleep(50 * time.Millisecond)
	close(rec.block)
	if code := <-answered; code != 200 {
		t.Fatalf("in-flight request during shutdown: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if store.len() != 1 {
		t.Fatal("in-flight result not stored")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"no recognizer": {Store: newMemStore()},
		"no store":      {Recognizer: &fakeRecognizer{}},
		"short key":     {Recognizer: &fakeRecognizer{}, Store: newMemStore(), APIKeys: []string{"short"}},
		"half TLS":      {Recognizer: &fakeRecognizer{}, Store: newMemStore(), TLSCertFile: "c.pem"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The contract's JavaScript example, run from a page of another origin:
// CORS lets the page read the answer.
func TestCORS(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.AllowedOrigins = []string{"http://terminal.local"} })
	req, _ := http.NewRequest(http.MethodOptions, h.ts.URL+"/api/v1/recognize", nil)
	req.Header.Set("Origin", "http://terminal.local")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Private-Network", "true")
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://terminal.local" ||
		resp.Header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	req.Header.Set("Origin", "http://evil.example")
	resp, err = h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("an origin not allowed got CORS headers")
	}
}

func TestWriteJSONKeepsMRZFiller(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]string{"line": "P<UTOERIKSSON<<ANNA"})
	if body := rec.Body.String(); !strings.Contains(body, "P<UTOERIKSSON<<ANNA") {
		t.Errorf("body %s: want the MRZ's '<' unescaped", body)
	}
}

// promtool, Prometheus's own linter, finds nothing to say about /metrics.
func TestMetricsPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install -y prometheus; make test's deps do)")
	}
	h := newHarness(t, func(o *Options) {
		o.Device = DeviceMetrics{LEDOnSeconds: func() map[string]float64 { return map[string]float64{"uv": 1} }}
	})
	h.get(t, "/readyz", nil)
	r := h.get(t, "/metrics", nil)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(r.body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
