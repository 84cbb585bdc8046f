package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

var testKey = strings.Repeat("k", 48)

// renderSpecimen renders doc with the default database and fonts.
func renderSpecimen(tb testing.TB, doc string, seed int64, v specimen.Variant) *specimen.Specimen {
	tb.Helper()
	db, err := typedb.Default()
	if err != nil {
		tb.Fatal(err)
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		tb.Skip("specimen fonts missing:", err)
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		tb.Fatal(err)
	}
	sp, err := r.Render(context.Background(), doc, specimen.Options{Seed: seed, Variant: v})
	if err != nil {
		tb.Fatal(err)
	}
	return sp
}

// renderGlass writes a specimen of doc to a temporary folder, as
// `docscan specimen` does, and returns the folder and its truth.
func renderGlass(tb testing.TB, doc string, seed int64, v specimen.Variant) (string, specimen.Truth) {
	tb.Helper()
	sp := renderSpecimen(tb, doc, seed, v)
	dir := filepath.Join(tb.TempDir(), "glass")
	if err := sp.WriteDir(dir); err != nil {
		tb.Fatal(err)
	}
	return dir, sp.Truth
}

// startDaemon runs the daemon in this process with the given flags and
// returns it and its base URL; it stops when the test ends.
func startDaemon(t testing.TB, args ...string) (*daemon, string, func() error) {
	t.Helper()
	if _, err := ocr.NewPool(ocr.Options{}); errors.Is(err, ocr.ErrUnavailable) {
		t.Skip("needs Tesseract:", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", mqtttest.FreePort(t))
	args = append([]string{"-listen", addr, "-data", t.TempDir(), "-api-key", testKey, "-workers", "1"}, args...)
	s, err := parseSettings(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf syncBuffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := newDaemon(s, log, new(slog.LevelVar))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.run(ctx) }()
	select {
	case <-d.ready:
	case err := <-errc:
		t.Fatalf("daemon failed to start: %v\n%s", err, logBuf.String())
	case <-time.After(60 * time.Second):
		t.Fatal("daemon not ready in 60 s")
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			stopErr = <-errc
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("daemon log:\n%s", logBuf.String())
				}
			})
			if strings.Contains(logBuf.String(), "КУЗНЕЦОВ") {
				t.Error("the log carries personal data")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return d, "http://" + addr, stop
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func postForm(t *testing.T, url string, fields map[string]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	resp, err := http.Post(url, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode, out
}

// TestScanOnSimulator is the whole scan path: the daemon on the simulated
// board and camera with a genuine Kazakh ID on the glass, scanned side by
// side over HTTP, stored, delivered over MQTT, and stopped with every LED
// off.
func TestScanOnSimulator(t *testing.T) {
	glass, truth := renderGlass(t, "kz-id-2014", 11, specimen.Genuine)
	broker := mqtttest.Start(t, "", false)
	results := make(chan string, 4)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker.URL()).SetClientID("consumer"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("consumer connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	c.Subscribe("docscan/dev-e2e/results", 1, func(_ mqtt.Client, m mqtt.Message) {
		var r struct {
			ResultID string `json:"result_id"`
		}
		_ = json.Unmarshal(m.Payload(), &r)
		results <- r.ResultID
	}).Wait()

	d, base, stop := startDaemon(t, "-hal", "sim", "-camera", "sim", "-sim-doc", glass,
		"-mqtt", broker.URL(), "-device-id", "dev-e2e", "-telemetry-interval", "0")

	code, front := postForm(t, base+"/api/v1/scan", map[string]string{"api_key": testKey, "country_code": "kz", "side": "front"})
	if code != http.StatusOK {
		t.Fatalf("scan front: %d %v", code, front["detail"])
	}
	if front["last_name"] != truth.Person.LastName || front["personal_number"] != truth.IIN {
		t.Errorf("front read %q %q, want %q %q", front["last_name"], front["personal_number"], truth.Person.LastName, truth.IIN)
	}
	code, both := postForm(t, base+"/api/v1/scan", map[string]string{"api_key": testKey, "country_code": "kz", "side": "back", "scan_id": front["scan_id"].(string)})
	if code != http.StatusOK {
		t.Fatalf("scan back: %d %v", code, both["detail"])
	}
	if both["document_number"] != truth.Person.DocumentNumber {
		t.Errorf("document_number %q, want %q", both["document_number"], truth.Person.DocumentNumber)
	}
	types := both["document_type"].(map[string]any)
	for side, id := range map[string]float64{"frontside": -1040772594, "backside": -1040772430} {
		dt, _ := types[side].(map[string]any)
		if dt == nil || dt["id"] != id {
			t.Errorf("%s type %v, want id %v", side, dt, id)
		}
	}
	mrz, _ := both["mrz"].(map[string]any)
	if mrz == nil || mrz["valid"] != true {
		t.Errorf("mrz %v, want a valid one", both["mrz"])
	}
	if both["failure_reason"] != "None" {
		t.Errorf("failure_reason %q for a genuine card; checks %v", both["failure_reason"], both["checks"])
	}
	// each side's image quality, measured on the scanner's frames
	q, _ := both["quality"].(map[string]any)
	for _, side := range []string{"frontside", "backside"} {
		if sq, _ := q[side].(map[string]any); sq == nil || sq["ok"] != true {
			t.Errorf("%s quality %v, want ok on the simulator", side, q[side])
		}
	}

	// Both answers were stored and leave over MQTT.
	want := map[string]bool{front["result_id"].(string): true, both["result_id"].(string): true}
	for len(want) > 0 {
		select {
		case id := <-results:
			delete(want, id)
		case <-time.After(20 * time.Second):
			t.Fatalf("results not delivered over MQTT: %v", want)
		}
	}

	// The LEDs switched exactly the lights each side needs: white to
	// identify, then the type's other lights, one at a time.
	sawUV, sawIR := false, false
	for _, ch := range d.hw.simLEDs.History() {
		if ch.State.Len() > 1 {
			t.Errorf("more than one channel lit at once: %s", ch.State)
		}
		sawUV = sawUV || ch.State.Has(hal.UV)
		sawIR = sawIR || ch.State.Has(hal.IRFront)
	}
	if !sawUV || !sawIR {
		t.Errorf("UV lit %v, IR lit %v; the KZ ID needs both", sawUV, sawIR)
	}

	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if st := d.hw.simLEDs.State(); st != 0 {
		t.Errorf("LEDs %s after stop, want off", st)
	}
}

// TestRecognizeUploadAndFetch posts photos as the cloud API's clients do,
// then reads the stored result back.
func TestRecognizeUploadAndFetch(t *testing.T) {
	glass, truth := renderGlass(t, "kz-id-2014", 12, specimen.Genuine)
	_, base, _ := startDaemon(t, "-hal", "sim", "-camera", "sim", "-outbox-retention", "1h")
	code, res := postSides(t, base, glass)
	if code != http.StatusOK {
		t.Fatalf("recognize: %d %v", code, res["detail"])
	}
	if res["document_number"] != truth.Person.DocumentNumber {
		t.Errorf("document_number %q, want %q", res["document_number"], truth.Person.DocumentNumber)
	}
	// A photo has no IR or UV frame: those checks are not done, never passed.
	for _, c := range res["checks"].([]any) {
		c := c.(map[string]any)
		if strings.HasPrefix(c["name"].(string), "uv_") && c["status"] != "not_done" {
			t.Errorf("check %v on a photo: %v, want not_done", c["name"], c["status"])
		}
	}

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/results/"+res["result_id"].(string), nil)
	req.Header.Set("X-API-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || got["result_id"] != res["result_id"] || got["document_number"] != res["document_number"] {
		t.Errorf("GET result: %d %v", resp.StatusCode, got["detail"])
	}
	if img, _ := got["images"].(map[string]any); img == nil || img["front_side_image"] == "" || img["face_photo"] != "" {
		t.Errorf("stored images: want the front side kept and no face photo")
	}
}

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "docscand.yaml")
	os.WriteFile(cfg, []byte("listen: 127.0.0.1:9999\napi-key: [a, b]\nboard:\n  leds: {white-front: GPIO1, uv: GPIO2}\n"), 0o600)
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(*settings) error
	}{
		{"defaults", nil, "", func(s *settings) error {
			if s.listen != "127.0.0.1:8080" || s.hal != "sim" || s.camera != "sim" {
				return fmt.Errorf("%+v", s)
			}
			return nil
		}},
		{"config file and board", []string{"-config", cfg, "-api-key", "c"}, "", func(s *settings) error {
			if s.listen != "127.0.0.1:9999" || len(s.apiKeys) != 1 || s.board.Available() != hal.SetOf(hal.WhiteFront, hal.UV) {
				return fmt.Errorf("listen %s keys %v board %s", s.listen, s.apiKeys, s.board.Available())
			}
			return nil
		}},
		{"sim camera needs sim hal", []string{"-hal", "gpio"}, "-camera sim needs -hal sim", nil},
		{"bad hal", []string{"-hal", "x"}, "-hal", nil},
		{"bad policy", []string{"-outbox-when-full", "x"}, "full policy", nil},
		{"half TLS", []string{"-tls-cert", "c"}, "-tls-key", nil},
		{"stray argument", []string{"x"}, "unexpected", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSettings(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.check(s); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPresenceStartsAScan: placing a document (an edge on the presence
// input) scans its front and stores the result like any other.
func TestPresenceStartsAScan(t *testing.T) {
	glass, _ := renderGlass(t, "kz-id-2014", 13, specimen.Genuine)
	d, _, _ := startDaemon(t, "-hal", "sim", "-camera", "sim", "-sim-doc", glass)
	pres, ok := d.hw.Presence.(*hal.SimPresence)
	if !ok {
		t.Fatalf("presence input %T, want the simulated one of the default profile", d.hw.Presence)
	}
	pres.Trigger()
	deadline := time.Now().Add(60 * time.Second)
	for d.ob.Stats().Enqueued == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no result stored after the document was placed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d.stats.scans.Load() != 1 {
		t.Errorf("%d scans, want 1", d.stats.scans.Load())
	}
}
