package uplink

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/docscan/docscan/sync/outbox"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
)

func TestParseCommand(t *testing.T) {
	tp := TopicsFor("dev")
	tests := []struct {
		name, topic, payload string
		wantErr              bool
		wantCorr, wantArgs   string
	}{
		{"ping", "docscan/dev/cmd/ping", `{"correlation_id":"c1"}`, false, "c1", ""},
		{"args kept raw", "docscan/dev/cmd/config", `{"correlation_id":"c2","args":{"k":[1,2]}}`, false, "c2", `{"k":[1,2]}`},
		{"null args", "docscan/dev/cmd/scan", `{"correlation_id":"c3","args":null}`, false, "c3", ""},
		{"other device", "docscan/other/cmd/ping", `{"correlation_id":"c"}`, true, "", ""},
		{"nested name", "docscan/dev/cmd/a/b", `{"correlation_id":"c"}`, true, "", ""},
		{"upper-case name", "docscan/dev/cmd/Ping", `{"correlation_id":"c"}`, true, "", ""},
		{"no correlation id", "docscan/dev/cmd/ping", `{}`, true, "", ""},
		{"empty correlation id", "docscan/dev/cmd/ping", `{"correlation_id":""}`, true, "", ""},
		{"control char in id", "docscan/dev/cmd/ping", `{"correlation_id":"a\u0007"}`, true, "", ""},
		{"unknown field keeps id", "docscan/dev/cmd/ping", `{"correlation_id":"c4","extra":1}`, true, "c4", ""},
		{"not an object", "docscan/dev/cmd/ping", `[1]`, true, "", ""},
		{"trailing data", "docscan/dev/cmd/ping", `{"correlation_id":"c"} {}`, true, "", ""},
		{"empty payload", "docscan/dev/cmd/ping", ``, true, "", ""},
		{"too large", "docscan/dev/cmd/ping", `{"correlation_id":"c","args":"` + strings.Repeat("a", 100) + `"}`, true, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCommand(tp, tc.topic, []byte(tc.payload), 100)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %t", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadCommand) {
				t.Fatalf("error %v does not wrap ErrBadCommand", err)
			}
			if c.CorrelationID != tc.wantCorr || string(c.Args) != tc.wantArgs {
				t.Fatalf("command = %+v", c)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	tp := TopicsFor("dev")
	f.Add("docscan/dev/cmd/ping", []byte(`{"correlation_id":"c1"}`))
	f.Add("docscan/dev/cmd/typedb", []byte(`{"correlation_id":"c2","args":{"bundle":"AAAA","signature":"BBBB"}}`))
	f.Add("docscan/dev/cmd/config", []byte(`{"correlation_id":"c3","args":{"telemetry_every":"30s"},"x":1}`))
	f.Add("docscan/dev/cmd/", []byte(`null`))
	f.Add("docscan/dev/cmd/keys", []byte("{\"correlation_id\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		c, err := ParseCommand(tp, topic, payload, 1<<16)
		if err != nil {
			if !errors.Is(err, ErrBadCommand) {
				t.Fatalf("error not wrapped: %v", err)
			}
			if c.CorrelationID != "" && !validCorrelationID(c.CorrelationID) {
				t.Fatalf("invalid correlation id returned: %q", c.CorrelationID)
			}
			return
		}
		if !commandNamePattern.MatchString(c.Name) || !validCorrelationID(c.CorrelationID) {
			t.Fatalf("accepted a bad command: %+v", c)
		}
		if c.Args != nil && !json.Valid(c.Args) {
			t.Fatalf("args not JSON: %q", c.Args)
		}
		// A reply to it must always encode.
		u := &Uplink{}
		if b := u.encodeReply(Reply{CorrelationID: c.CorrelationID, Command: c.Name, OK: true, Result: c.Args}); !json.Valid(b) {
			t.Fatalf("reply not JSON: %s", b)
		}
	})
}

// requester publishes commands and collects replies by correlation id.
type requester struct {
	t       *testing.T
	client  mqtt.Client
	replies chan Reply
}

func newRequester(t *testing.T, brokerURL, device string) *requester {
	r := &requester{t: t, replies: make(chan Reply, 32)}
	r.client = mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID("operator-" + device))
	if tok := r.client.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	tok := r.client.Subscribe("docscan/"+device+"/reply", 1, func(_ mqtt.Client, m mqtt.Message) {
		var rep Reply
		if err := json.Unmarshal(m.Payload(), &rep); err != nil {
			t.Errorf("reply not JSON: %s", m.Payload())
		}
		r.replies <- rep
	})
	tok.Wait()
	t.Cleanup(func() { r.client.Disconnect(50) })
	return r
}

func (r *requester) call(topic, payload string) Reply {
	r.t.Helper()
	r.client.Publish(topic, 1, false, payload).Wait()
	select {
	case rep := <-r.replies:
		return rep
	case <-time.After(5 * time.Second):
		r.t.Fatalf("no reply to %s %s", topic, payload)
		return Reply{}
	}
}

func TestCommands(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	var lightsCalls atomic.Int32
	handlers := map[string]Handler{
		"lights-test": func(ctx context.Context, args []byte) (any, error) {
			lightsCalls.Add(1)
			var a struct{ Channels []string }
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, err
			}
			return map[string]any{"tested": a.Channels}, nil
		},
		"scan": func(ctx context.Context, args []byte) (any, error) { return nil, errTestHandler },
		"keys": func(ctx context.Context, args []byte) (any, error) { panic("boom") },
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ob := openOutbox(t, outbox.Options{})
	u, _ := runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: "dev-c", Handlers: handlers, CommandKeys: []ed25519.PublicKey{pub}})
	waitUntil(t, 5*time.Second, "connected", func() bool { return u.Stats().Connected })
	r := newRequester(t, b.URL(), "dev-c")
	time.Sleep(100 * time.Millisecond) // the uplink's SUBSCRIBE follows its CONNACK

	// sign signs a request given as {"correlation_id", "args"}; a
	// payload that is not such an object goes as it is.
	sign := func(t *testing.T, name, payload string) string {
		var req struct {
			CorrelationID string          `json:"correlation_id"`
			Args          json.RawMessage `json:"args"`
		}
		if err := json.Unmarshal([]byte(payload), &req); err != nil || req.CorrelationID == "" {
			return payload
		}
		b, err := SignCommand(priv, "dev-c", name, req.CorrelationID, req.Args, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, cmd, payload string
		wantOK             bool
		wantCorr           string
		check              func(t *testing.T, rep Reply)
	}{
		{"ping", "ping", `{"correlation_id":"p1"}`, true, "p1", func(t *testing.T, rep Reply) {
			m, _ := rep.Result.(map[string]any)
			if m["pong"] != true || m["device_id"] != "dev-c" {
				t.Fatalf("ping result = %v", rep.Result)
			}
		}},
		{"handler with args", "lights-test", `{"correlation_id":"l1","args":{"channels":["white","uv"]}}`, true, "l1", func(t *testing.T, rep Reply) {
			b, _ := json.Marshal(rep.Result)
			if string(b) != `{"tested":["white","uv"]}` {
				t.Fatalf("result = %s", b)
			}
		}},
		{"repeat is answered from the cache", "lights-test", `{"correlation_id":"l1","args":{"channels":["white","uv"]}}`, true, "l1", func(t *testing.T, rep Reply) {
			if n := lightsCalls.Load(); n != 1 {
				t.Fatalf("handler ran %d times for one correlation id", n)
			}
		}},
		{"handler error", "scan", `{"correlation_id":"s1"}`, false, "s1", func(t *testing.T, rep Reply) {
			if rep.Error != errTestHandler.Error() {
				t.Fatalf("error = %q", rep.Error)
			}
		}},
		{"handler panic", "keys", `{"correlation_id":"k1"}`, false, "k1", nil},
		{"unknown command", "reboot", `{"correlation_id":"u1"}`, false, "u1", func(t *testing.T, rep Reply) {
			if !strings.Contains(rep.Error, "unknown command") {
				t.Fatalf("error = %q", rep.Error)
			}
		}},
		{"malformed payload", "ping", `{"correlation_id":"m1",`, false, "", nil},
		{"missing correlation id", "ping", `{"args":1}`, false, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := r.call("docscan/dev-c/cmd/"+tc.cmd, sign(t, tc.cmd, tc.payload))
			if rep.OK != tc.wantOK || rep.CorrelationID != tc.wantCorr || rep.Command != tc.cmd {
				t.Fatalf("reply = %+v", rep)
			}
			if !rep.OK && rep.Error == "" {
				t.Fatal("error reply without error text")
			}
			if tc.check != nil {
				tc.check(t, rep)
			}
		})
	}
	if st := u.Stats(); st.CommandErrors < 5 {
		t.Fatalf("command errors = %d", st.CommandErrors)
	}
}

// TestCommandAuthentication sends the audit's anonymous "keys replace"
// and every other forgery through a real broker: each is refused on
// reply, counted by reason, and the handler never runs.
func TestCommandAuthentication(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	var keysCalls atomic.Int32
	handlers := map[string]Handler{
		"keys": func(ctx context.Context, args []byte) (any, error) { keysCalls.Add(1); return "applied", nil },
	}
	ob := openOutbox(t, outbox.Options{})
	u, _ := runUplink(t, ob, Options{Brokers: []string{b.URL()}, DeviceID: "dev-a", Handlers: handlers,
		CommandKeys: []ed25519.PublicKey{pub}, CommandWindow: time.Minute})
	waitUntil(t, 5*time.Second, "connected", func() bool { return u.Stats().Connected })
	r := newRequester(t, b.URL(), "dev-a")
	time.Sleep(100 * time.Millisecond)

	args := json.RawMessage(`{"mode":"replace","keys":[{"key":"attacker"}]}`)
	signed := func(key ed25519.PrivateKey, device, corr string, at time.Time) string {
		p, err := SignCommand(key, device, "keys", corr, args, at)
		if err != nil {
			t.Fatal(err)
		}
		return string(p)
	}
	replayed := signed(priv, "dev-a", "r1", time.Now())
	// tamper changes the arguments after signing.
	tamper := func(p string) string {
		return strings.Replace(p, `"attacker"`, `"attacker2"`, 1)
	}
	tests := []struct {
		name, payload, wantReason string
	}{
		{"anonymous keys replace", `{"correlation_id":"a1","args":` + string(args) + `}`, RefusedUnsigned},
		{"unknown key", signed(stranger, "dev-a", "a2", time.Now()), RefusedUnknownKey},
		{"arguments changed after signing", tamper(signed(priv, "dev-a", "a3", time.Now())), RefusedBadSignature},
		{"for another device", signed(priv, "dev-b", "a4", time.Now()), RefusedOtherDevice},
		{"too old", signed(priv, "dev-a", "a5", time.Now().Add(-2*time.Minute)), RefusedStale},
		{"from the future", signed(priv, "dev-a", "a6", time.Now().Add(2*time.Minute)), RefusedStale},
		{"valid", replayed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := r.call("docscan/dev-a/cmd/keys", tc.payload)
			if tc.wantReason == "" {
				if !rep.OK {
					t.Fatalf("a valid command was refused: %+v", rep)
				}
				return
			}
			if rep.OK || !strings.Contains(rep.Error, tc.wantReason) {
				t.Fatalf("reply = %+v, want refusal %q", rep, tc.wantReason)
			}
		})
	}
	// A repeat is answered from the reply cache while it holds the
	// command; once 64 others have pushed it out, the same signed message
	// within the window is refused by its nonce, not run again.
	for i := range 64 {
		p, _ := SignCommand(priv, "dev-a", "ping", fmt.Sprintf("p%d", i), nil, time.Now())
		if rep := r.call("docscan/dev-a/cmd/ping", string(p)); !rep.OK {
			t.Fatalf("ping: %+v", rep)
		}
	}
	if rep := r.call("docscan/dev-a/cmd/keys", replayed); rep.OK || !strings.Contains(rep.Error, RefusedReplayed) {
		t.Fatalf("replay: %+v", rep)
	}
	if n := keysCalls.Load(); n != 1 {
		t.Fatalf("the keys handler ran %d times, want 1 (the valid command)", n)
	}
	got := u.Stats().Refused
	for _, reason := range []string{RefusedUnsigned, RefusedUnknownKey, RefusedBadSignature, RefusedOtherDevice, RefusedReplayed} {
		if got[reason] != 1 {
			t.Errorf("refused[%s] = %d, want 1 (all: %v)", reason, got[reason], got)
		}
	}
	if got[RefusedStale] != 2 {
		t.Errorf("refused[stale] = %d, want 2", got[RefusedStale])
	}
}
