package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/docscan/docscan/sync/uplink/mqtttest"
	"github.com/docscan/docscan/typedb/specimen"
)

// TestNoPersonalDataOnDiskAfterDelivery is the SD-card thief's view: two
// Kazakh IDs recognised over HTTP, delivered to a real Mosquitto, the
// daemon stopped; then every file in the data directory is searched, raw,
// for the names, numbers and image bytes that were sent.
func TestNoPersonalDataOnDiskAfterDelivery(t *testing.T) {
	broker := mqtttest.Start(t, "", false)
	delivered := make(chan []byte, 8)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker.URL()).SetClientID("fleet"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("consumer connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	c.Subscribe("docscan/dev-rest/results", 1, func(_ mqtt.Client, m mqtt.Message) {
		delivered <- append([]byte(nil), m.Payload()...)
	}).Wait()

	data := t.TempDir()
	d, base, stop := startDaemon(t, "-hal", "sim", "-camera", "sim", "-data", data,
		"-mqtt", broker.URL(), "-device-id", "dev-rest", "-telemetry-interval", "0")
	var markers [][]byte
	for _, seed := range []int64{21, 22} {
		glass, _ := renderGlass(t, "kz-id-2014", seed, specimen.Genuine)
		code, res := postSides(t, base, glass)
		if code != http.StatusOK {
			t.Fatalf("recognize: %d %v", code, res["detail"])
		}
		for _, f := range []string{"last_name", "first_name", "patronymic", "document_number", "personal_number"} {
			if v, _ := res[f].(string); len(v) >= 5 {
				markers = append(markers, []byte(v))
			}
		}
		if imgs, _ := res["images"].(map[string]any); imgs != nil {
			s, _ := imgs["front_side_image"].(string)
			if raw, err := base64.StdEncoding.DecodeString(s); err == nil && len(raw) > 2048 {
				markers = append(markers, raw[1024:1088])
			}
		}
	}
	if len(markers) < 10 {
		t.Fatalf("only %d markers read from the answers; the test would prove little", len(markers))
	}
	// The fleet got them: the markers are what was sent.
	for range 2 {
		select {
		case p := <-delivered:
			if !bytes.Contains(p, markers[0]) && !bytes.Contains(p, markers[len(markers)/2]) {
				t.Logf("a delivered result without the first markers (%d bytes)", len(p))
			}
		case <-time.After(30 * time.Second):
			t.Fatal("results not delivered")
		}
	}
	mqtttest.WaitUntil(t, 20*time.Second, "outbox drained", func() bool { return d.ob.Stats().Depth == 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	var files []string
	err := filepath.WalkDir(data, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, filepath.Base(path))
		for _, m := range markers {
			if bytes.Contains(raw, m) {
				t.Errorf("%s holds %d bytes of a delivered result (%.12q…)", filepath.Base(path), len(m), m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d markers searched in %v", len(markers), files)
}

// postSides posts a rendered glass's white front and back to /recognize
// as a terminal does.
func postSides(t *testing.T, base, glass string) (int, map[string]any) {
	t.Helper()
	return postImages(t, base, "kz", map[string]string{
		"frontside_image": filepath.Join(glass, "front", "white.png"),
		"backside_image":  filepath.Join(glass, "back", "white.png"),
	})
}
