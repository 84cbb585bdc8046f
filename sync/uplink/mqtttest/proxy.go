package mqtttest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// MQTT control packet types (the high nibble of the fixed header's first
// byte), MQTT 3.1.1 section 2.2.1.
const (
	TypeConnect = 1
	TypeConnack = 2
	TypePublish = 3
	TypePuback  = 4
)

// Publish is one PUBLISH packet a client sent through a Proxy.
type Publish struct {
	At       time.Time
	Topic    string
	QoS      byte
	Dup      bool
	PacketID uint16 // 0 for QoS 0
	Payload  []byte
}

// Proxy sits between MQTT clients and a broker. It reads every packet in
// both directions (fixed header and remaining length), records what the
// clients publish and connect, and on demand drops the broker's PUBACKs:
// a broker that takes results but never acknowledges them, while SUBACK,
// PINGRESP and everything else pass. Stalled, it passes nothing from the
// broker but CONNACK.
type Proxy struct {
	t      testing.TB
	l      net.Listener
	target string
	// pubacks is how many PUBACKs each connection passes before the rest
	// are dropped; negative: all pass.
	pubacks atomic.Int64
	stall   atomic.Bool

	mu        sync.Mutex
	conns     []net.Conn
	publishes []Publish
	connects  []time.Time
	dropped   int
}

// StartProxy listens on a free loopback port and forwards each connection
// to target (host:port). It stops when the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, l: l, target: target}
	p.pubacks.Store(-1)
	go p.serve()
	t.Cleanup(func() { l.Close(); p.CutAll() })
	return p
}

// URL is the proxy's address for an MQTT client.
func (p *Proxy) URL() string { return "tcp://" + p.l.Addr().String() }

// DropPubacks starts (true) or stops (false) dropping PUBACK packets from
// the broker to the clients, on open and new connections alike.
func (p *Proxy) DropPubacks(on bool) {
	if on {
		p.PassPubacks(0)
	} else {
		p.PassPubacks(-1)
	}
}

// Stall starts (true) or stops (false) dropping everything the broker
// sends but CONNACK: a broker that accepts connections and then says
// nothing.
func (p *Proxy) Stall(on bool) { p.stall.Store(on) }

// PassPubacks lets the first n PUBACKs of each connection pass and drops
// the rest: a broker that acknowledges a little, then stalls. Negative n
// passes all.
func (p *Proxy) PassPubacks(n int) { p.pubacks.Store(int64(n)) }

// Publishes returns the PUBLISH packets clients sent, in order.
func (p *Proxy) Publishes() []Publish {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Publish(nil), p.publishes...)
}

// Connects returns when each CONNECT packet passed.
func (p *Proxy) Connects() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.connects...)
}

// DroppedPubacks counts the PUBACK packets dropped so far.
func (p *Proxy) DroppedPubacks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// CutAll closes every open connection abruptly (no DISCONNECT).
func (p *Proxy) CutAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *Proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(up, c, p.fromClient)
		go p.pipe(c, up, p.fromBroker())
	}
}

// pipe copies packets from src to dst while keep says so, then closes
// both ends.
func (p *Proxy) pipe(dst, src net.Conn, keep func(typ byte, flags byte, body []byte) bool) {
	defer dst.Close()
	defer src.Close()
	r := bufio.NewReader(src)
	for {
		raw, body, err := ReadPacket(r)
		if err != nil {
			return
		}
		if !keep(raw[0]>>4, raw[0]&0x0f, body) {
			continue
		}
		if _, err := dst.Write(raw); err != nil {
			return
		}
	}
}

func (p *Proxy) fromClient(typ, flags byte, body []byte) bool {
	switch typ {
	case TypeConnect:
		p.mu.Lock()
		p.connects = append(p.connects, time.Now())
		p.mu.Unlock()
	case TypePublish:
		pub, err := parsePublish(flags, body)
		if err != nil {
			p.t.Errorf("proxy: %v", err)
			return true
		}
		p.mu.Lock()
		p.publishes = append(p.publishes, pub)
		p.mu.Unlock()
	}
	return true
}

// fromBroker returns the filter of one connection's broker side.
func (p *Proxy) fromBroker() func(typ, flags byte, body []byte) bool {
	var passed int64
	return func(typ, _ byte, _ []byte) bool {
		if p.stall.Load() {
			return typ == TypeConnack
		}
		if typ != TypePuback {
			return true
		}
		if n := p.pubacks.Load(); n < 0 || passed < n {
			passed++
			return true
		}
		p.mu.Lock()
		p.dropped++
		p.mu.Unlock()
		return false
	}
}

// ReadPacket reads one MQTT control packet: raw is the whole packet as
// read, body what follows the fixed header.
func ReadPacket(r *bufio.Reader) (raw, body []byte, err error) {
	first, err := r.ReadByte()
	if err != nil {
		return nil, nil, err
	}
	raw = append(raw, first)
	// Remaining length: 1-4 bytes, 7 bits each, least significant first.
	n, mult := 0, 1
	for i := 0; ; i++ {
		if i == 4 {
			return nil, nil, errors.New("mqtt: remaining length longer than 4 bytes")
		}
		b, err := r.ReadByte()
		if err != nil {
			return nil, nil, err
		}
		raw = append(raw, b)
		n += int(b&0x7f) * mult
		mult *= 128
		if b&0x80 == 0 {
			break
		}
	}
	head := len(raw)
	// Grown as bytes arrive: a bogus length costs no memory up front.
	buf := bytes.NewBuffer(raw)
	if _, err := io.CopyN(buf, r, int64(n)); err != nil {
		return nil, nil, fmt.Errorf("mqtt: packet body: %w", err)
	}
	raw = buf.Bytes()
	return raw, raw[head:], nil
}

// parsePublish reads a PUBLISH packet's variable header and payload.
func parsePublish(flags byte, body []byte) (Publish, error) {
	pub := Publish{At: time.Now(), QoS: flags >> 1 & 3, Dup: flags&8 != 0}
	if len(body) < 2 {
		return pub, fmt.Errorf("publish: %d bytes", len(body))
	}
	tl := int(binary.BigEndian.Uint16(body))
	body = body[2:]
	if len(body) < tl {
		return pub, errors.New("publish: topic past the end")
	}
	pub.Topic, body = string(body[:tl]), body[tl:]
	if pub.QoS > 0 {
		if len(body) < 2 {
			return pub, errors.New("publish: no packet id")
		}
		pub.PacketID, body = binary.BigEndian.Uint16(body), body[2:]
	}
	pub.Payload = append([]byte(nil), body...)
	return pub, nil
}

// WaitUntil polls cond every 10 ms and fails the test when it is still
// false after timeout.
func WaitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
