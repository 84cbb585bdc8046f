// Package uplink owns the device's MQTT link to the fleet: it drains the
// outbox to docscan/<device-id>/results with QoS 1 and a window of
// messages in flight, deletes each result when its PUBACK arrives, keeps
// docscan/<device-id>/status ("online", last will "offline"), publishes
// telemetry, and answers remote commands on docscan/<device-id>/reply.
//
// The outbox is the store: each connection uses CleanSession and paho's
// memory store, and whatever was not acknowledged on a connection is sent
// again from the outbox on the next one. Delivery is at least once;
// consumers deduplicate by result_id. docs/mqtt.md documents every topic
// and payload.
//
// A broker that takes results but acknowledges none is met with restraint
// (resend.go): the reconnect backoff keeps growing, the next connection
// re-sends only the oldest overdue result until one is acknowledged,
// re-sends draw on a budget per second, and Health says degraded.
package uplink

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/docscan/docscan/sync/outbox"
)

// Store is what the uplink needs from the outbox (*outbox.Outbox).
type Store interface {
	Pending(after uint64, max int) ([]outbox.Record, error)
	Ack(ctx context.Context, seqs ...uint64) error
	Changed() <-chan struct{}
	Stats() outbox.Stats
}

// Options configure New. Zero values take the documented defaults.
type Options struct {
	// Brokers are tried in order: tcp://host:1883, ssl://host:8883 (also
	// tls://, mqtts://), ws://, wss://.
	Brokers []string
	// DeviceID names the topics: docscan/<DeviceID>/... Letters, digits,
	// '.', '_' and '-', at most 64.
	DeviceID string
	// ClientID defaults to "docscan-" + DeviceID.
	ClientID string
	Username string
	Password string
	// TLS for ssl:// brokers; LoadTLS builds one with a CA and a client
	// certificate (mutual TLS).
	TLS *tls.Config

	// Window is the number of results in flight. Default 32.
	Window int
	// AckTimeout bounds the wait for each token (PUBACK, SUBACK). A
	// timeout ends the connection; unacknowledged results are sent again
	// on the next. A result unacknowledged this long after it was first
	// sent is overdue, and Health says degraded. Default 10 s.
	AckTimeout time.Duration
	// ResendRate caps re-sends of overdue results, per second, in bursts
	// of up to Window. Default 10; negative: no cap.
	ResendRate float64
	// ConnectTimeout bounds the CONNECT/CONNACK exchange. Default 10 s.
	ConnectTimeout time.Duration
	// KeepAlive is MQTT's keep-alive. Default 30 s.
	KeepAlive time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay, which doubles
	// after each failed connection, with jitter. Defaults 1 s and 2 min.
	BackoffMin, BackoffMax time.Duration

	// TelemetryEvery is the telemetry period. Default 60 s; negative
	// disables telemetry.
	TelemetryEvery time.Duration
	// Telemetry returns the parts of the telemetry the daemon owns; the
	// uplink adds the rest (see Telemetry). May be nil.
	Telemetry func(ctx context.Context) Telemetry
	// ThermalDir is where CPU temperature is read. Default /sys/class/thermal.
	ThermalDir string
	// DataDir is the filesystem whose free space telemetry reports.
	DataDir string

	// Handlers answer docscan/<id>/cmd/<name> by name (scan, lights-test,
	// keys, typedb, config). ping is built in; other names get an error
	// reply.
	Handlers map[string]Handler
	// CommandTimeout bounds one handler call. Default 2 min.
	CommandTimeout time.Duration
	// CommandKeys are the ed25519 public keys whose signed commands run;
	// with none, every command is refused (auth.go).
	CommandKeys []ed25519.PublicKey
	// CommandWindow is how far a command's timestamp may be from the
	// device's clock, either way. Default 5 min.
	CommandWindow time.Duration
	// MaxCommandBytes caps a command payload. Default 16 MiB (a typedb
	// bundle travels inline).
	MaxCommandBytes int

	Logger *slog.Logger
}

var deviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (o *Options) setDefaults() error {
	if !deviceIDPattern.MatchString(o.DeviceID) {
		return fmt.Errorf("uplink: device id %q: want 1-64 letters, digits, '.', '_' or '-'", o.DeviceID)
	}
	if len(o.Brokers) == 0 {
		return errors.New("uplink: no broker")
	}
	for _, b := range o.Brokers {
		u, err := url.Parse(b)
		if err != nil {
			return fmt.Errorf("uplink: broker %q: %w", b, err)
		}
		switch u.Scheme {
		case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		default:
			return fmt.Errorf("uplink: broker %q: unsupported scheme %q", b, u.Scheme)
		}
	}
	if o.ClientID == "" {
		o.ClientID = "docscan-" + o.DeviceID
	}
	if o.Window <= 0 {
		o.Window = 32
	}
	if o.Window > 1000 {
		return errors.New("uplink: Window above 1000")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.AckTimeout, 10*time.Second)
	def(&o.ConnectTimeout, 10*time.Second)
	def(&o.KeepAlive, 30*time.Second)
	def(&o.BackoffMin, time.Second)
	def(&o.BackoffMax, 2*time.Minute)
	def(&o.CommandTimeout, 2*time.Minute)
	def(&o.CommandWindow, 5*time.Minute)
	if o.ResendRate == 0 {
		o.ResendRate = 10
	}
	if o.TelemetryEvery == 0 {
		o.TelemetryEvery = time.Minute
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	if o.ThermalDir == "" {
		o.ThermalDir = "/sys/class/thermal"
	}
	if o.MaxCommandBytes <= 0 {
		o.MaxCommandBytes = 16 << 20
	}
	for name, h := range o.Handlers {
		if !commandNamePattern.MatchString(name) || name == "ping" || h == nil {
			return fmt.Errorf("uplink: handler %q: bad name, reserved, or nil", name)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// Topics are one device's topic names.
type Topics struct {
	Results   string // docscan/<id>/results
	Status    string // docscan/<id>/status
	Telemetry string // docscan/<id>/telemetry
	Commands  string // docscan/<id>/cmd/+ (subscription filter)
	Reply     string // docscan/<id>/reply
	cmdPrefix string
}

// TopicsFor returns the topics of a device.
func TopicsFor(deviceID string) Topics {
	base := "docscan/" + deviceID + "/"
	return Topics{
		Results:   base + "results",
		Status:    base + "status",
		Telemetry: base + "telemetry",
		Commands:  base + "cmd/+",
		Reply:     base + "reply",
		cmdPrefix: base + "cmd/",
	}
}

// Status payloads on the retained status topic.
const (
	StatusOnline  = "online"
	StatusOffline = "offline"
)

// Errors that end a connection.
var (
	ErrAckTimeout = errors.New("uplink: no acknowledgement in time")
	// ErrNotDelivered: a token completed while the connection was down;
	// the result is treated as not delivered and sent again.
	ErrNotDelivered = errors.New("uplink: token completed while disconnected")
)

// Stats is a snapshot for health and telemetry.
type Stats struct {
	Connected       bool
	ConnectedSince  time.Time
	Connections     uint64 // successful CONNACKs
	ConnectFailures uint64
	Published       uint64 // result publishes issued, re-sends included
	Acked           uint64 // result PUBACKs received while connected
	AckTimeouts     uint64
	// Resends counts publishes of results that had been sent before
	// without an acknowledgement.
	Resends uint64
	// Unacked is the number of results sent and not yet acknowledged,
	// over all connections since the daemon started; Overdue those of them
	// first sent more than AckTimeout ago; OldestUnacked the time since
	// the oldest of them was first sent (0 when none).
	Unacked       int
	Overdue       int
	OldestUnacked time.Duration
	Commands      uint64
	CommandErrors uint64
	// Refused counts commands refused by authentication, by reason
	// (Refused* constants).
	Refused   map[string]uint64
	Poison    uint64 // stored results that could not be encoded (left in the outbox)
	LastError string
}

// Uplink is the MQTT side. Create with New, then Run.
type Uplink struct {
	store   Store
	opts    Options
	topics  Topics
	log     *slog.Logger
	started time.Time

	mu             sync.Mutex
	client         mqtt.Client // current connection, nil when down
	connectedSince time.Time
	lastErr        string
	sent           unackedSet // results sent and not acknowledged, across connections
	// probe: the last connection had results unacknowledged and got no
	// result PUBACK, so the next sends one result at a time until one is
	// acknowledged.
	probe bool

	connections, connectFailures, published, acked, ackTimeouts, resends atomic.Uint64
	commands, commandErrors, poison                                      atomic.Uint64
	budget                                                               *tokenBucket

	incoming chan mqtt.Message
	replies  *replyCache
	auth     *authenticator
}

// New checks the options; nothing connects before Run.
func New(store Store, opts Options) (*Uplink, error) {
	if store == nil {
		return nil, errors.New("uplink: nil store")
	}
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	return &Uplink{
		store:    store,
		opts:     opts,
		topics:   TopicsFor(opts.DeviceID),
		log:      opts.Logger.With("component", "uplink"),
		started:  time.Now(),
		incoming: make(chan mqtt.Message, 16),
		replies:  newReplyCache(64),
		auth:     newAuthenticator(opts.DeviceID, opts.CommandKeys, opts.CommandWindow),
		sent:     unackedSet{},
		budget:   newTokenBucket(opts.ResendRate, opts.Window),
	}, nil
}

// Topics returns the device's topics.
func (u *Uplink) Topics() Topics { return u.topics }

// Stats returns a snapshot.
func (u *Uplink) Stats() Stats {
	u.mu.Lock()
	s := Stats{Connected: u.client != nil, ConnectedSince: u.connectedSince, LastError: u.lastErr}
	s.Unacked, s.Overdue, s.OldestUnacked = u.sent.summary(time.Now(), u.opts.AckTimeout)
	u.mu.Unlock()
	s.Resends = u.resends.Load()
	s.Connections = u.connections.Load()
	s.ConnectFailures = u.connectFailures.Load()
	s.Published = u.published.Load()
	s.Acked = u.acked.Load()
	s.AckTimeouts = u.ackTimeouts.Load()
	s.Commands = u.commands.Load()
	s.CommandErrors = u.commandErrors.Load()
	s.Poison = u.poison.Load()
	s.Refused = u.auth.refusals()
	return s
}

// Run connects and delivers until ctx ends, reconnecting with exponential
// backoff and jitter. On the way out it publishes "offline" and
// disconnects cleanly. It returns nil when ctx ends.
func (u *Uplink) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		u.commandWorker(ctx)
	}()
	defer wg.Wait()
	attempt := 0
	for {
		delivering, err := u.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		// Only a connection that delivered resets the backoff: one the
		// broker accepted (CONNACK, SUBACK) but on which it acknowledged
		// no result keeps it growing.
		if delivering {
			attempt = 0
		}
		delay := backoff(attempt, u.opts.BackoffMin, u.opts.BackoffMax, rand.Float64())
		attempt++
		u.mu.Lock()
		u.lastErr = err.Error()
		u.mu.Unlock()
		u.log.Warn("uplink: disconnected", "err", err, "retry_in", delay.Round(time.Millisecond))
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
	}
}

// backoff is min·2^attempt capped at max, with "equal jitter": half of it
// fixed and half random (r in [0,1)), so a fleet that lost its broker
// together does not reconnect together.
func backoff(attempt int, min, max time.Duration, r float64) time.Duration {
	d := max
	if attempt < 30 && min<<attempt < max && min<<attempt > 0 {
		d = min << attempt
	}
	return d/2 + time.Duration(r*float64(d/2))
}

func (u *Uplink) clientOptions(onLost func(error)) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions()
	for _, b := range u.opts.Brokers {
		o.AddBroker(b)
	}
	o.SetClientID(u.opts.ClientID)
	o.SetProtocolVersion(4)
	o.SetCleanSession(true)
	o.SetStore(mqtt.NewMemoryStore())
	o.SetAutoReconnect(false)
	o.SetConnectRetry(false)
	o.SetResumeSubs(false)
	o.SetOrderMatters(false) // command handlers must not block acknowledgements
	o.SetKeepAlive(u.opts.KeepAlive)
	o.SetPingTimeout(u.opts.AckTimeout)
	o.SetConnectTimeout(u.opts.ConnectTimeout)
	o.SetWriteTimeout(u.opts.AckTimeout)
	o.SetBinaryWill(u.topics.Status, []byte(StatusOffline), 1, true)
	if u.opts.Username != "" {
		o.SetUsername(u.opts.Username)
		o.SetPassword(u.opts.Password)
	}
	if u.opts.TLS != nil {
		o.SetTLSConfig(u.opts.TLS)
	}
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) { onLost(err) })
	return o
}

// waitToken waits for a token within timeout; a token that completes
// after the connection ended does not count.
func waitToken(ctx context.Context, tok mqtt.Token, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ErrNotDelivered
		}
		return nil
	case <-t.C:
		return ErrAckTimeout
	case <-ctx.Done():
		return ErrNotDelivered
	}
}

// session runs one connection. delivering reports that the broker
// acknowledged a result on it, or acknowledged the status while no result
// waited for an acknowledgement; only that resets the backoff.
func (u *Uplink) session(ctx context.Context) (delivering bool, err error) {
	sess, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	client := mqtt.NewClient(u.clientOptions(func(err error) {
		cancel(fmt.Errorf("uplink: connection lost: %w", err))
	}))
	if err := waitToken(sess, client.Connect(), u.opts.ConnectTimeout); err != nil {
		client.Disconnect(0)
		u.connectFailures.Add(1)
		return false, fmt.Errorf("uplink: connect: %w", err)
	}
	u.connections.Add(1)
	u.setClient(client)
	defer u.setClient(nil)
	u.log.Info("uplink: connected", "brokers", u.opts.Brokers)

	var resultAcked, statusAcked atomic.Bool
	acks := make(chan uint64, 4*u.opts.Window)
	var ackerDone sync.WaitGroup
	ackerDone.Add(1)
	go func() {
		defer ackerDone.Done()
		u.acker(ctx, acks)
	}()
	var wg sync.WaitGroup
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				cancel(err)
			}
		}()
	}
	run(func() error { return u.announce(sess, client, &statusAcked) })
	// The window: a slot is taken per publish and freed when its token
	// completes. One goroutine publishes, on one connection, in sequence
	// order, so order is kept per device. After a connection on which
	// nothing was acknowledged, all slots but one are held back until the
	// first PUBACK: one overdue result probes the broker, not the window.
	slots := make(chan struct{}, u.opts.Window)
	flights := make(chan flight, u.opts.Window)
	held := 0
	u.mu.Lock()
	if u.probe {
		held = u.opts.Window - 1
	}
	u.mu.Unlock()
	for range held {
		slots <- struct{}{}
	}
	run(func() error { return u.publishLoop(sess, client, slots, flights) })
	run(func() error { return u.complete(sess, client, flights, slots, held, acks, &resultAcked) })
	run(func() error { return u.telemetryLoop(sess, client) })

	<-sess.Done()
	if ctx.Err() != nil { // shutdown: say so, then leave cleanly
		tok := client.Publish(u.topics.Status, 1, true, StatusOffline)
		tok.WaitTimeout(min(u.opts.AckTimeout, 2*time.Second))
		client.Disconnect(250)
	} else {
		client.Disconnect(0)
	}
	wg.Wait()
	close(acks)
	ackerDone.Wait() // deletions land before the next connection reads the outbox
	u.mu.Lock()
	waiting := len(u.sent) > 0
	if waiting && !resultAcked.Load() {
		u.probe = true
	}
	u.mu.Unlock()
	return resultAcked.Load() || (statusAcked.Load() && !waiting), context.Cause(sess)
}

func (u *Uplink) setClient(c mqtt.Client) {
	u.mu.Lock()
	u.client = c
	if c != nil {
		u.connectedSince = time.Now()
	} else {
		u.connectedSince = time.Time{}
	}
	u.mu.Unlock()
}

// announce subscribes to commands, then publishes the retained "online":
// an operator who sees the device online can send it a command at once.
// A SUBACK proves little (a broker may take subscriptions and still drop
// publishes); statusAcked is set on the status's PUBACK.
func (u *Uplink) announce(ctx context.Context, c mqtt.Client, statusAcked *atomic.Bool) error {
	if err := waitToken(ctx, c.Subscribe(u.topics.Commands, 1, u.onCommand), u.opts.AckTimeout); err != nil {
		return u.tokenErr("subscribe", err)
	}
	if err := waitToken(ctx, c.Publish(u.topics.Status, 1, true, StatusOnline), u.opts.AckTimeout); err != nil {
		return u.tokenErr("status", err)
	}
	statusAcked.Store(true)
	return nil
}

func (u *Uplink) tokenErr(what string, err error) error {
	if errors.Is(err, ErrAckTimeout) {
		u.ackTimeouts.Add(1)
	}
	return fmt.Errorf("uplink: %s: %w", what, err)
}

type flight struct {
	seq  uint64
	tok  mqtt.Token
	sent time.Time
}

func (u *Uplink) publishLoop(ctx context.Context, c mqtt.Client, slots chan struct{}, flights chan<- flight) error {
	var after uint64
	for {
		changed := u.store.Changed()
		recs, err := u.store.Pending(after, u.opts.Window)
		if err != nil {
			return fmt.Errorf("uplink: reading the outbox: %w", err)
		}
		if len(recs) == 0 {
			// Nothing pending past after: whatever was sent beyond it left
			// the outbox unacknowledged (TTL, drop-oldest).
			u.mu.Lock()
			u.sent.forgetBetween(after, math.MaxUint64)
			u.mu.Unlock()
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		for _, r := range recs {
			u.mu.Lock()
			u.sent.forgetBetween(after, r.Seq) // gone from the outbox (TTL, drop-oldest)
			u.mu.Unlock()
			after = r.Seq
			payload, err := EncodeResult(u.opts.DeviceID, r)
			if err != nil {
				u.poison.Add(1)
				u.log.Error("uplink: stored result cannot be encoded; left in the outbox", "seq", r.Seq, "err", err)
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			u.mu.Lock()
			resend := u.sent.has(r.Seq)
			u.mu.Unlock()
			if resend {
				// Sent on an earlier connection and never acknowledged:
				// overdue. Re-sends draw on the budget.
				if err := u.budget.wait(ctx); err != nil {
					return nil
				}
				u.resends.Add(1)
			}
			now := time.Now()
			u.mu.Lock()
			u.sent.note(r.Seq, now)
			u.mu.Unlock()
			tok := c.Publish(u.topics.Results, 1, false, payload)
			u.published.Add(1)
			flights <- flight{seq: r.Seq, tok: tok, sent: now}
		}
	}
}

// complete waits for the tokens in publish order. Any failure ends the
// connection: the results not acknowledged stay in the outbox.
// held slots are released on the first acknowledgement.
func (u *Uplink) complete(ctx context.Context, c mqtt.Client, flights <-chan flight, slots <-chan struct{}, held int, acks chan<- uint64, acked *atomic.Bool) error {
	for {
		var f flight
		select {
		case f = <-flights:
		case <-ctx.Done():
			return nil
		}
		left := u.opts.AckTimeout - time.Since(f.sent)
		if err := waitToken(ctx, f.tok, max(left, 0)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return u.tokenErr(fmt.Sprintf("result seq %d", f.seq), err)
		}
		if !c.IsConnectionOpen() {
			return fmt.Errorf("%w: seq %d", ErrNotDelivered, f.seq)
		}
		acked.Store(true)
		u.acked.Add(1)
		u.mu.Lock()
		u.sent.forget(f.seq)
		u.probe = false
		u.mu.Unlock()
		acks <- f.seq
		<-slots
		for ; held > 0; held-- {
			<-slots
		}
	}
}

// acker deletes acknowledged results, many per outbox commit. It uses the
// run's context so a lost connection does not abandon deletions.
func (u *Uplink) acker(ctx context.Context, acks <-chan uint64) {
	ctx = context.WithoutCancel(ctx)
	for seq := range acks {
		batch := []uint64{seq}
		for more := true; more; {
			select {
			case s, ok := <-acks:
				if !ok {
					more = false
					break
				}
				batch = append(batch, s)
			default:
				more = false
			}
		}
		if err := u.store.Ack(ctx, batch...); err != nil {
			// They stay pending and are sent again: a duplicate, not a loss.
			u.log.Error("uplink: deleting delivered results failed", "count", len(batch), "err", err)
		}
	}
}

// ResultMessage is the payload on docscan/<id>/results.
type ResultMessage struct {
	Schema     int               `json:"schema"` // 1
	DeviceID   string            `json:"device_id"`
	Seq        uint64            `json:"seq"`
	ResultID   string            `json:"result_id"`
	EnqueuedAt time.Time         `json:"enqueued_at"`
	Result     json.RawMessage   `json:"result"`
	Images     map[string][]byte `json:"images,omitempty"` // base64 in JSON
}

// EncodeResult builds the results payload for a stored record.
func EncodeResult(deviceID string, r outbox.Record) ([]byte, error) {
	return json.Marshal(ResultMessage{
		Schema:     1,
		DeviceID:   deviceID,
		Seq:        r.Seq,
		ResultID:   r.ResultID,
		EnqueuedAt: r.Created.UTC(),
		Result:     r.Payload,
		Images:     r.Images,
	})
}
