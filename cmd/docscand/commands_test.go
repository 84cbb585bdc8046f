package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/docscan/docscan/sync/uplink"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// fleet is an operator's MQTT client sending commands to one device.
type fleet struct {
	t       *testing.T
	key     ed25519.PrivateKey // signs the commands
	c       mqtt.Client
	device  string
	replies chan map[string]any
	results chan string
}

func newFleet(t *testing.T, url, device string) *fleet {
	f := &fleet{t: t, device: device, replies: make(chan map[string]any, 8), results: make(chan string, 8)}
	f.c = mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("fleet-" + device))
	if tok := f.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("fleet connect: %v", tok.Error())
	}
	t.Cleanup(func() { f.c.Disconnect(100) })
	f.c.Subscribe("docscan/"+device+"/reply", 1, func(_ mqtt.Client, m mqtt.Message) {
		var r map[string]any
		_ = json.Unmarshal(m.Payload(), &r)
		f.replies <- r
	}).Wait()
	online := make(chan struct{}, 1)
	f.c.Subscribe("docscan/"+device+"/status", 1, func(_ mqtt.Client, m mqtt.Message) {
		if string(m.Payload()) == "online" {
			select {
			case online <- struct{}{}:
			default:
			}
		}
	}).Wait()
	select { // commands are not queued for a device not yet subscribed
	case <-online:
	case <-time.After(20 * time.Second):
		t.Fatal("device never online")
	}
	f.c.Subscribe("docscan/"+device+"/results", 1, func(_ mqtt.Client, m mqtt.Message) {
		var r struct {
			ResultID string `json:"result_id"`
		}
		_ = json.Unmarshal(m.Payload(), &r)
		f.results <- r.ResultID
	}).Wait()
	return f
}

// call sends a command and waits for its reply.
func (f *fleet) call(name string, args any) map[string]any {
	f.t.Helper()
	corr := name + "-" + time.Now().Format("150405.000000")
	a, _ := json.Marshal(args)
	req, err := uplink.SignCommand(f.key, f.device, name, corr, a, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	f.c.Publish("docscan/"+f.device+"/cmd/"+name, 1, false, req).Wait()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case r := <-f.replies:
			if r["correlation_id"] == corr {
				return r
			}
		case <-deadline:
			f.t.Fatalf("no reply to %s", name)
		}
	}
}

func TestMQTTCommands(t *testing.T) {
	glass, _ := renderGlass(t, "kz-id-2014", 21, specimen.Genuine)
	broker := mqtttest.Start(t, "", false)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	cmdPub, cmdPriv, _ := ed25519.GenerateKey(rand.Reader)
	d, base, _ := startDaemon(t, "-hal", "sim", "-camera", "sim", "-sim-doc", glass, "-mqtt", broker.URL(),
		"-device-id", "dev-cmd", "-telemetry-interval", "0", "-typedb-trusted-key", base64.StdEncoding.EncodeToString(pub),
		"-command-key", base64.StdEncoding.EncodeToString(cmdPub))
	f := newFleet(t, broker.URL(), "dev-cmd")
	f.key = cmdPriv

	t.Run("scan", func(t *testing.T) {
		r := f.call("scan", map[string]string{"side": "front", "country_code": "kz"})
		if r["ok"] != true {
			t.Fatalf("scan: %v", r["error"])
		}
		id := r["result"].(map[string]any)["result_id"]
		select {
		case got := <-f.results:
			if got != id {
				t.Errorf("delivered %v, want %v", got, id)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("scan result not delivered")
		}
		if r := f.call("scan", map[string]string{"side": "sideways"}); r["ok"] != false {
			t.Errorf("scan of side sideways: %v", r)
		}
	})

	t.Run("lights-test", func(t *testing.T) {
		before := len(d.hw.simLEDs.History())
		r := f.call("lights-test", nil)
		if r["ok"] != true {
			t.Fatalf("lights-test: %v", r["error"])
		}
		report := r["result"].(map[string]any)
		for _, c := range d.hw.Guard.Available().Channels() {
			if report[c.String()] != "ok" {
				t.Errorf("channel %s: %v", c, report[c.String()])
			}
		}
		lit := 0
		for _, ch := range d.hw.simLEDs.History()[before:] {
			if ch.State != 0 {
				lit++
			}
		}
		if lit != d.hw.Guard.Available().Len() || d.hw.simLEDs.State() != 0 {
			t.Errorf("lit %d times, want once per channel (%d), all off after", lit, d.hw.Guard.Available().Len())
		}
	})

	t.Run("config", func(t *testing.T) {
		if r := f.call("config", map[string]string{"log-level": "debug"}); r["ok"] != true || r["result"].(map[string]any)["log-level"] != "DEBUG" {
			t.Errorf("config: %v", r)
		}
		if r := f.call("config", map[string]string{"listen": ":1"}); r["ok"] != false || !strings.Contains(r["error"].(string), "cannot be changed") {
			t.Errorf("config of listen: %v", r)
		}
	})

	t.Run("typedb", func(t *testing.T) {
		base, _ := typedb.Default()
		pp, ok := base.ByID(1900001101) // the Kazakh passport, renamed
		if !ok {
			t.Fatal("no passport type")
		}
		makeBundle := func(version string) (bundle, sig []byte) {
			renamed := *pp
			renamed.DocumentName = "Kazakhstan - Passport (bundle " + version + ")"
			bundle, _ = json.Marshal(typedb.File{Version: version, Types: []typedb.Type{renamed}})
			sig, err := typedb.Sign(bundle, priv)
			if err != nil {
				t.Fatal(err)
			}
			return bundle, sig
		}
		bundle, sig := makeBundle("2099.1")
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		badSig, _ := typedb.Sign(bundle, other)
		if r := f.call("typedb", map[string][]byte{"bundle": bundle, "signature": badSig}); r["ok"] != false {
			t.Fatalf("bundle signed by an untrusted key installed: %v", r)
		}
		if v := d.db.Load().Version(); v != base.Version() {
			t.Fatalf("version %s after a refused bundle", v)
		}
		r := f.call("typedb", map[string][]byte{"bundle": bundle, "signature": sig})
		if r["ok"] != true {
			t.Fatalf("typedb install: %v", r["error"])
		}
		first := d.db.Load().Version()
		if first == base.Version() {
			t.Errorf("version still %s after install", first)
		}
		b2, s2 := makeBundle("2099.2")
		if r := f.call("typedb", map[string][]byte{"bundle": b2, "signature": s2}); r["ok"] != true {
			t.Fatalf("second install: %v", r["error"])
		}
		if r := f.call("typedb", map[string]bool{"rollback": true}); r["ok"] != true {
			t.Fatalf("rollback: %v", r["error"])
		}
		if v := d.db.Load().Version(); v != first {
			t.Errorf("version %s after rollback, want %s", v, first)
		}
	})

	t.Run("keys", func(t *testing.T) {
		key := strings.Repeat("q", 50)
		r := f.call("keys", map[string]any{"mode": "merge", "keys": []any{map[string]any{"key": key, "subscriptions": []any{map[string]any{"technology": "document_recognition", "active": true}}}}})
		if r["ok"] != true {
			t.Fatalf("keys: %v", r["error"])
		}
	})

	// The audit's attack: anyone who can publish to the broker sends an
	// unsigned "keys replace" installing their own key.
	t.Run("anonymous keys replace is refused", func(t *testing.T) {
		attacker := strings.Repeat("z", 50)
		req, _ := json.Marshal(map[string]any{"correlation_id": "evil-1", "args": map[string]any{"mode": "replace",
			"keys": []any{map[string]any{"key": attacker, "subscriptions": []any{map[string]any{"technology": "document_recognition", "active": true}}}}}})
		f.c.Publish("docscan/dev-cmd/cmd/keys", 1, false, req).Wait()
		select {
		case r := <-f.replies:
			if r["correlation_id"] != "evil-1" || r["ok"] != false || !strings.Contains(fmt.Sprint(r["error"]), uplink.RefusedUnsigned) {
				t.Fatalf("reply = %v", r)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no reply to the unsigned command")
		}
		if err := d.keys.Check(context.Background(), attacker, "document_recognition", time.Now()); err == nil {
			t.Fatal("the attacker's key was installed")
		}
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(body), `docscan_mqtt_commands_refused_total{reason="unsigned"} 1`) {
			t.Fatalf("metrics do not count the refusal:\n%s", body)
		}
	})
}

// TestRefusedBundleFallsBack: a bundle installed under a key since
// withdrawn must not keep the scanner down; the daemon runs on the
// embedded database and says so in its health.
func TestRefusedBundleFallsBack(t *testing.T) {
	data := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	base, _ := typedb.Default()
	pp, _ := base.ByID(1900001101)
	renamed := *pp
	renamed.DocumentName = "Kazakhstan - Passport (withdrawn key)"
	bundle, _ := json.Marshal(typedb.File{Version: "2099.9", Types: []typedb.Type{renamed}})
	sig, err := typedb.Sign(bundle, priv)
	if err != nil {
		t.Fatal(err)
	}
	store := &typedb.Store{Dir: filepath.Join(data, "typedb"), Trusted: []ed25519.PublicKey{pub}}
	if _, err := store.Install(bundle, sig); err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	d, base2, _ := startDaemon(t, "-data", data, "-typedb-trusted-key", base64.StdEncoding.EncodeToString(other))
	if v := d.db.Load().Version(); v != base.Version() {
		t.Errorf("typedb %s, want the embedded %s", v, base.Version())
	}
	resp, err := http.Get(base2 + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		TypeDB struct{ State, Detail string } `json:"typedb"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	if h.TypeDB.State != "degraded" || !strings.Contains(h.TypeDB.Detail, "refused") {
		t.Errorf("healthz typedb %+v, want degraded with the reason", h.TypeDB)
	}
}
