package uplink

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/docscan/docscan/sync/outbox"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
)

// consumer is a broker-side subscriber with a persistent session, as a
// cloud consumer would be: it deduplicates by result_id and records the
// order of first arrival.
type consumer struct {
	t      testing.TB
	client mqtt.Client
	mu     sync.Mutex
	seen   map[string]int // result_id → times received
	order  []uint64       // seq of first arrivals
	other  map[string][]string
}

func newConsumer(t testing.TB, brokerURL, filter string) *consumer {
	t.Helper()
	c := &consumer{t: t, seen: map[string]int{}, other: map[string][]string{}}
	o := mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID(fmt.Sprintf("consumer-%d", time.Now().UnixNano())).
		SetCleanSession(false).SetAutoReconnect(true).SetMaxReconnectInterval(100 * time.Millisecond).
		SetConnectRetry(true).SetConnectRetryInterval(50 * time.Millisecond).SetOrderMatters(true).SetResumeSubs(true)
	o.SetOnConnectHandler(func(cl mqtt.Client) {
		cl.Subscribe(filter, 1, c.onMessage)
	})
	c.client = mqtt.NewClient(o)
	if tok := c.client.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("consumer connect: %v", tok.Error())
	}
	// Wait for the subscription to be in place.
	tok := c.client.Subscribe(filter, 1, c.onMessage)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("consumer subscribe: %v", tok.Error())
	}
	t.Cleanup(func() { c.client.Disconnect(100) })
	return c
}

func (c *consumer) onMessage(_ mqtt.Client, m mqtt.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !strings.HasSuffix(m.Topic(), "/results") {
		c.other[m.Topic()] = append(c.other[m.Topic()], string(m.Payload()))
		return
	}
	var msg ResultMessage
	if err := json.Unmarshal(m.Payload(), &msg); err != nil {
		c.t.Errorf("consumer: bad result message: %v", err)
		return
	}
	if c.seen[msg.ResultID] == 0 {
		c.order = append(c.order, msg.Seq)
	}
	c.seen[msg.ResultID]++
}

func (c *consumer) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

func (c *consumer) has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[id] > 0
}

func (c *consumer) duplicates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.seen {
		n += k - 1
	}
	return n
}

func (c *consumer) messages(topic string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.other[topic]...)
}

func openOutbox(t testing.TB, opts outbox.Options) *outbox.Outbox {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), outbox.FileName)
	}
	o, err := outbox.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func fill(t testing.TB, o *outbox.Outbox, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		e := outbox.Entry{ResultID: ids[i], Payload: []byte(fmt.Sprintf(`{"result_id":%q,"document_number":"N%06d"}`, ids[i], i))}
		if _, err := o.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// runUplink starts Run and returns a stop function that waits for it.
func runUplink(t testing.TB, store Store, opts Options) (*Uplink, func()) {
	t.Helper()
	if opts.BackoffMin == 0 {
		opts.BackoffMin, opts.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
	}
	if opts.AckTimeout == 0 {
		opts.AckTimeout = 2 * time.Second
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 2 * time.Second
	}
	if opts.TelemetryEvery == 0 {
		opts.TelemetryEvery = -1
	}
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	u, err := New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return u, stop
}

// testLogger shows the uplink's log with -v only.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

var waitUntil = mqtttest.WaitUntil

// retained reads a retained message with a fresh subscriber.
func retained(t testing.TB, brokerURL, topic string) string {
	t.Helper()
	got := make(chan string, 1)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID(fmt.Sprintf("peek-%d", time.Now().UnixNano())))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("peek connect: %v", tok.Error())
	}
	defer c.Disconnect(50)
	c.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
		select {
		case got <- string(m.Payload()):
		default:
		}
	})
	select {
	case s := <-got:
		return s
	case <-time.After(2 * time.Second):
		return ""
	}
}

func TestDeliversInOrderAndDeletesOnPuback(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-1/#")
	ob := openOutbox(t, outbox.Options{})
	ids := fill(t, ob, "r", 400)
	u, stop := runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: "dev-1", Window: 16})
	waitUntil(t, 10*time.Second, "all results delivered", func() bool { return cons.distinct() == len(ids) })
	waitUntil(t, 5*time.Second, "outbox drained", func() bool { return ob.Stats().Depth == 0 })
	cons.mu.Lock()
	for i, seq := range cons.order {
		if seq != uint64(i+1) {
			cons.mu.Unlock()
			t.Fatalf("arrival %d has seq %d: order not kept", i, seq)
		}
	}
	cons.mu.Unlock()
	if st := u.Stats(); st.Acked != uint64(len(ids)) || !st.Connected {
		t.Fatalf("stats = %+v", st)
	}
	if s := retained(t, b.URL(), "docscan/dev-1/status"); s != StatusOnline {
		t.Fatalf("retained status while running = %q", s)
	}
	// New results keep flowing on the same connection.
	more := fill(t, ob, "late", 5)
	waitUntil(t, 5*time.Second, "late results", func() bool { return cons.has(more[4]) })
	stop()
	if s := retained(t, b.URL(), "docscan/dev-1/status"); s != StatusOffline {
		t.Fatalf("retained status after shutdown = %q", s)
	}
}

func TestImagesTravelAsStored(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	got := make(chan ResultMessage, 1)
	c := newConsumer(t, b.URL(), "nothing")
	c.client.Subscribe("docscan/dev-img/results", 1, func(_ mqtt.Client, m mqtt.Message) {
		var msg ResultMessage
		json.Unmarshal(m.Payload(), &msg)
		got <- msg
	}).Wait()
	ob := openOutbox(t, outbox.Options{}) // default: sides, no face photo
	e := outbox.Entry{ResultID: "img-1", Payload: []byte(`{"result_id":"img-1","images":{"face_photo":"","front_side_image":"","back_side_image":""}}`),
		Images: map[string][]byte{outbox.ImageFacePhoto: []byte("FACE"), outbox.ImageFrontSide: []byte("FRONT")}}
	if _, err := ob.Put(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: "dev-img"})
	select {
	case msg := <-got:
		if string(msg.Images[outbox.ImageFrontSide]) != "FRONT" || len(msg.Images) != 1 {
			t.Fatalf("images = %v", msg.Images)
		}
		if strings.Contains(string(msg.Images[outbox.ImageFacePhoto]), "FACE") {
			t.Fatal("face photo travelled inside the result")
		}
		if msg.ResultID != "img-1" || msg.DeviceID != "dev-img" || msg.Schema != 1 {
			t.Fatalf("envelope = %+v", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no result message")
	}
}

func TestBrokerRestartWhileResultsKeepComing(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-2/results")
	ob := openOutbox(t, outbox.Options{})
	u, _ := runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: "dev-2", Window: 8, AckTimeout: time.Second})

	var ids []string
	var mu sync.Mutex
	producing := make(chan struct{})
	go func() {
		defer close(producing)
		for i := 0; i < 600; i++ {
			id := fmt.Sprintf("r-%d", i)
			e := outbox.Entry{ResultID: id, Payload: []byte(`{"result_id":"` + id + `"}`)}
			if _, err := ob.Put(context.Background(), e); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	b.Stop()
	stoppedAt := u.Stats().Acked
	time.Sleep(400 * time.Millisecond) // results pile up in the outbox
	if ob.Stats().Depth == 0 {
		t.Fatal("nothing waited in the outbox while the broker was down")
	}
	b.Start()
	<-producing
	waitUntil(t, 15*time.Second, "outbox drained after restart", func() bool { return ob.Stats().Depth == 0 })
	mu.Lock()
	defer mu.Unlock()
	waitUntil(t, 10*time.Second, "consumer has every result", func() bool { return cons.distinct() == len(ids) })
	for _, id := range ids {
		if !cons.has(id) {
			t.Fatalf("result %s lost", id)
		}
	}
	st := u.Stats()
	if st.Connections < 2 || st.ConnectFailures == 0 || st.Acked <= stoppedAt {
		t.Fatalf("uplink did not reconnect: %+v", st)
	}
	t.Logf("%d results, %d duplicates at the consumer, %d connections, %d failed connects", len(ids), cons.duplicates(), st.Connections, st.ConnectFailures)
}

func TestStallingBrokerDeletesNothingThenRedelivers(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-3/results")
	p := mqtttest.StartProxy(t, b.Addr())
	p.Stall(true)
	ob := openOutbox(t, outbox.Options{})
	ids := fill(t, ob, "s", 50)
	u, _ := runUplink(t, ob, Options{Brokers: []string{p.URL()}, DeviceID: "dev-3", Window: 8,
		AckTimeout: 300 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	// The broker receives the publishes (the consumer sees them), but no
	// acknowledgement comes back.
	waitUntil(t, 10*time.Second, "publishes reaching the broker and timing out twice", func() bool {
		return cons.distinct() > 0 && u.Stats().AckTimeouts >= 2
	})
	if st := ob.Stats(); st.Depth != len(ids) || st.Acked != 0 {
		t.Fatalf("results deleted without acknowledgement: %+v", st)
	}
	if st := u.Stats(); st.Acked != 0 || st.Published == 0 {
		t.Fatalf("uplink stats during stall: %+v", st)
	}
	p.Stall(false)
	p.CutAll()
	waitUntil(t, 10*time.Second, "outbox drained once acknowledgements flow", func() bool { return ob.Stats().Depth == 0 })
	waitUntil(t, 5*time.Second, "consumer has all", func() bool { return cons.distinct() == len(ids) })
	if cons.duplicates() == 0 {
		t.Fatal("expected redelivery of the unacknowledged results")
	}
}

func TestLastWillOnAbruptLoss(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-4/status")
	p := mqtttest.StartProxy(t, b.Addr())
	ob := openOutbox(t, outbox.Options{})
	u, _ := runUplink(t, ob, Options{Brokers: []string{p.URL()}, DeviceID: "dev-4", KeepAlive: 2 * time.Second})
	waitUntil(t, 5*time.Second, "online", func() bool { return len(cons.messages("docscan/dev-4/status")) >= 1 })
	p.CutAll()
	waitUntil(t, 10*time.Second, "will, then online again", func() bool {
		m := cons.messages("docscan/dev-4/status")
		return len(m) >= 3 && m[1] == StatusOffline && m[2] == StatusOnline
	})
	if u.Stats().Connections < 2 {
		t.Fatalf("no reconnect: %+v", u.Stats())
	}
}

func TestMutualTLSAndPassword(t *testing.T) {
	pki := makePKI(t)
	pwFile := filepath.Join(t.TempDir(), "passwd")
	if out, err := exec.Command("mosquitto_passwd", "-c", "-b", pwFile, "device-1", "s3cret").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd: %v %s", err, out)
	}
	b := mqtttest.Start(t, fmt.Sprintf(`cafile %s
certfile %s
keyfile %s
require_certificate true
allow_anonymous false
password_file %s
`, pki.caFile, pki.serverCert, pki.serverKey, pwFile), true)

	withCert, err := LoadTLS(pki.caFile, pki.clientCert, pki.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	noCert, err := LoadTLS(pki.caFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		tls       *tls.Config
		user, pw  string
		delivered bool
	}{
		{"client certificate and password", withCert, "device-1", "s3cret", true},
		{"no client certificate", noCert, "device-1", "s3cret", false},
		{"wrong password", withCert, "device-1", "nope", false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ob := openOutbox(t, outbox.Options{})
			fill(t, ob, "tls", 5)
			u, stop := runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: fmt.Sprintf("dev-tls-%d", i),
				TLS: tc.tls, Username: tc.user, Password: tc.pw})
			if tc.delivered {
				waitUntil(t, 10*time.Second, "delivery over mutual TLS", func() bool { return ob.Stats().Depth == 0 })
				return
			}
			waitUntil(t, 10*time.Second, "refused connections", func() bool { return u.Stats().ConnectFailures >= 2 })
			stop()
			if st := u.Stats(); st.Connections != 0 || ob.Stats().Depth != 5 {
				t.Fatalf("connected without credentials: %+v", st)
			}
		})
	}
}

func TestTelemetry(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-5/telemetry")
	thermal := t.TempDir()
	zone := filepath.Join(thermal, "thermal_zone0")
	os.MkdirAll(zone, 0o755)
	os.WriteFile(filepath.Join(zone, "type"), []byte("cpu-thermal\n"), 0o644)
	os.WriteFile(filepath.Join(zone, "temp"), []byte("48312\n"), 0o644)
	ob := openOutbox(t, outbox.Options{})
	runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: "dev-5", TelemetryEvery: 100 * time.Millisecond,
		ThermalDir: thermal, DataDir: t.TempDir(),
		Telemetry: func(context.Context) Telemetry {
			return Telemetry{UptimeSeconds: 12, Scans: 7, ScanFailures: 1, CheckFailures: map[string]uint64{"uv_luminescence": 2},
				LEDOnSeconds: map[string]float64{"white": 1.5}, UVDuty: 0.1, TypeDBVersion: "2025.1"}
		}})
	waitUntil(t, 5*time.Second, "two telemetry messages", func() bool { return len(cons.messages("docscan/dev-5/telemetry")) >= 2 })
	var tm Telemetry
	if err := json.Unmarshal([]byte(cons.messages("docscan/dev-5/telemetry")[1]), &tm); err != nil {
		t.Fatal(err)
	}
	if tm.DeviceID != "dev-5" || tm.Scans != 7 || tm.CheckFailures["uv_luminescence"] != 2 || tm.TypeDBVersion != "2025.1" ||
		tm.CPUTempC == nil || *tm.CPUTempC != 48.312 || tm.DiskTotalBytes == 0 || tm.Uplink.Connections != 1 || tm.Schema != 1 {
		t.Fatalf("telemetry = %+v", tm)
	}
}

func TestReadCPUTemp(t *testing.T) {
	dir := t.TempDir()
	mk := func(zone, typ, temp string) {
		z := filepath.Join(dir, zone)
		os.MkdirAll(z, 0o755)
		os.WriteFile(filepath.Join(z, "type"), []byte(typ), 0o644)
		if temp != "" {
			os.WriteFile(filepath.Join(z, "temp"), []byte(temp), 0o644)
		}
	}
	if _, err := ReadCPUTemp(dir); err == nil {
		t.Fatal("no zones accepted")
	}
	mk("thermal_zone0", "battery\n", "30000\n")
	mk("thermal_zone1", "soc-thermal\n", "51234\n")
	if c, err := ReadCPUTemp(dir); err != nil || c != 51.234 {
		t.Fatalf("ReadCPUTemp = %v, %v; want the SoC zone", c, err)
	}
	os.WriteFile(filepath.Join(dir, "thermal_zone1", "temp"), []byte("hot"), 0o644)
	if c, err := ReadCPUTemp(dir); err != nil || c != 30 {
		t.Fatalf("fallback = %v, %v", c, err)
	}
}

func TestBackoff(t *testing.T) {
	min, max := 100*time.Millisecond, 5*time.Second
	for attempt := 0; attempt < 70; attempt++ {
		ceil := max
		if attempt < 6 {
			ceil = min << attempt
		}
		lo, hi := backoff(attempt, min, max, 0), backoff(attempt, min, max, 0.999999)
		if lo != ceil/2 || hi > ceil || hi < ceil*99/100 {
			t.Fatalf("attempt %d: range [%v, %v], want [%v, %v]", attempt, lo, hi, ceil/2, ceil)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	ob := openOutbox(t, outbox.Options{})
	h := func(context.Context, []byte) (any, error) { return nil, nil }
	for _, o := range []Options{
		{Brokers: []string{"tcp://x:1"}, DeviceID: ""},
		{Brokers: []string{"tcp://x:1"}, DeviceID: "a/b"},
		{Brokers: []string{"tcp://x:1"}, DeviceID: "d+"},
		{Brokers: nil, DeviceID: "d"},
		{Brokers: []string{"http://x"}, DeviceID: "d"},
		{Brokers: []string{"tcp://x:1"}, DeviceID: "d", Handlers: map[string]Handler{"ping": h}},
		{Brokers: []string{"tcp://x:1"}, DeviceID: "d", Handlers: map[string]Handler{"Bad/Name": h}},
	} {
		if _, err := New(ob, o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	if _, err := New(nil, Options{Brokers: []string{"tcp://x:1"}, DeviceID: "d"}); err == nil {
		t.Error("nil store accepted")
	}
}

var errTestHandler = errors.New("lights busy")
