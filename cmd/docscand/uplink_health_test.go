package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/sync/outbox"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
)

// TestHealthzWhileBrokerDropsPubacks: the daemon's /healthz and /metrics
// through a proxy that drops the broker's PUBACKs. The connection stands
// (CONNACK, SUBACK and PINGRESP pass), so only the unacknowledged results
// tell; mqtt must be degraded with the reason until PUBACKs pass again.
func TestHealthzWhileBrokerDropsPubacks(t *testing.T) {
	broker := mqtttest.Start(t, "", false)
	p := mqtttest.StartProxy(t, broker.Addr())
	p.DropPubacks(true)
	d, base, _ := startDaemon(t, "-mqtt", p.URL(), "-device-id", "dev-ack", "-telemetry-interval", "0",
		"-mqtt-ack-timeout", "300ms")
	for i := range 3 {
		id := fmt.Sprintf("ack-%d", i)
		if _, err := d.ob.Put(context.Background(), outbox.Entry{ResultID: id, Payload: []byte(`{"result_id":"` + id + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	type component struct{ State, Detail string }
	healthz := func() (mqtt component, depth int) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h struct {
			MQTT        component `json:"mqtt"`
			OutboxDepth int       `json:"outbox_depth"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
		return h.MQTT, h.OutboxDepth
	}
	// From the moment the first result is overdue, never ok.
	mqtttest.WaitUntil(t, 10*time.Second, "mqtt degraded for the missing PUBACKs", func() bool {
		m, _ := healthz()
		return m.State == "degraded" && strings.Contains(m.Detail, "no PUBACK")
	})
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if m, depth := healthz(); m.State != "degraded" || depth != 3 {
			t.Fatalf("while no PUBACK passes: mqtt %+v, outbox depth %d", m, depth)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	value := func(name string) float64 {
		for _, line := range strings.Split(string(metrics), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				return f
			}
		}
		t.Fatalf("/metrics lacks %s", name)
		return 0
	}
	if n, age := value("docscan_mqtt_unacked_results"), value("docscan_mqtt_oldest_unacked_seconds"); n != 3 || age < 3 {
		t.Errorf("metrics: %v unacked, the oldest for %v s; want 3 for over 3 s", n, age)
	}
	if r := value("docscan_mqtt_resends_total"); r < 1 || r > 5 {
		t.Errorf("docscan_mqtt_resends_total %v: want the oldest result re-sent once per reconnection", r)
	}

	p.DropPubacks(false)
	mqtttest.WaitUntil(t, 30*time.Second, "mqtt ok and the outbox empty", func() bool {
		m, depth := healthz()
		return m.State == "ok" && depth == 0
	})
	if st := d.up.Stats(); st.Unacked != 0 || st.Acked < 3 {
		t.Errorf("after recovery: %+v", st)
	}
}
