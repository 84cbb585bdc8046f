package uplink

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/docscan/docscan/sync/outbox"
	"github.com/docscan/docscan/sync/uplink/mqtttest"
)

// TestPubackDropBoundedResends runs the uplink against a real Mosquitto
// through a proxy that drops every PUBACK for a few seconds, then passes
// traffic again. While nothing is acknowledged the backoff must grow, each
// new connection may re-send only the oldest overdue result, and health
// must say degraded; afterwards every result arrives and the outbox
// drains.
func TestPubackDropBoundedResends(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-pa/results")
	p := mqtttest.StartProxy(t, b.Addr())
	p.DropPubacks(true)
	ob := openOutbox(t, outbox.Options{})
	ids := fill(t, ob, "pa", 20)
	const (
		window     = 8
		ackTimeout = 300 * time.Millisecond
		bmin, bmax = 100 * time.Millisecond, 2 * time.Second
		drop       = 5 * time.Second
	)
	u, _ := runUplink(t, ob, Options{Brokers: []string{p.URL()}, DeviceID: "dev-pa", Window: window,
		AckTimeout: ackTimeout, BackoffMin: bmin, BackoffMax: bmax})

	start := time.Now()
	healthOK, samples := 0, 0
	for time.Since(start) < drop {
		time.Sleep(50 * time.Millisecond)
		if pubs := p.Publishes(); len(pubs) == 0 || time.Since(pubs[0].At) < ackTimeout+50*time.Millisecond {
			continue // nothing can be overdue yet
		}
		samples++
		if h := u.Health(); h.OK {
			healthOK++
		} else if h.Reason == "" {
			t.Error("degraded without a reason")
		}
	}
	dropEnd := time.Now()
	st := u.Stats()
	p.DropPubacks(false)

	// What went through the proxy while PUBACKs were dropped.
	sends := map[string]int{}
	total := 0
	for _, pub := range p.Publishes() {
		if pub.Topic != "docscan/dev-pa/results" || pub.At.After(dropEnd) {
			continue
		}
		var m ResultMessage
		if err := json.Unmarshal(pub.Payload, &m); err != nil {
			t.Fatal(err)
		}
		sends[m.ResultID]++
		total++
	}
	resends := total - len(sends)
	var connects []time.Time
	for _, c := range p.Connects() {
		if c.Before(dropEnd) {
			connects = append(connects, c)
		}
	}
	// Each connection lasts at least ackTimeout (the first PUBACK it waits
	// for never comes) and is followed by at least half the backoff of its
	// attempt: count how many connections that leaves room for.
	maxConnects, at := 1, ackTimeout+backoff(0, bmin, bmax, 0)
	for i := 1; at <= drop; i++ {
		maxConnects++
		at += ackTimeout + backoff(i, bmin, bmax, 0)
	}
	t.Logf("drop phase %v: %d connections (bound %d), %d result PUBLISHes of %d distinct results, %d re-sends, %d PUBACKs dropped; health ok in %d of %d samples; stats %+v",
		drop, len(connects), maxConnects, total, len(sends), resends, p.DroppedPubacks(), healthOK, samples, st)
	if p.DroppedPubacks() == 0 || len(connects) < 2 {
		t.Fatalf("the drop phase did not exercise reconnects: %d PUBACKs dropped, %d connections", p.DroppedPubacks(), len(connects))
	}
	if len(connects) > maxConnects {
		t.Errorf("%d connections in %v: the backoff did not grow while nothing was acknowledged (at most %d with it)", len(connects), drop, maxConnects)
	}
	if resends > len(connects)-1 {
		t.Errorf("%d re-sends over %d reconnections: more than the one oldest overdue result per connection", resends, len(connects)-1)
	}
	for id, n := range sends {
		if id != ids[0] && n > 1 {
			t.Errorf("result %s sent %d times while nothing was acknowledged; only the oldest may be re-sent", id, n)
		}
	}
	if healthOK > 0 {
		t.Errorf("health said ok in %d of %d samples while no result was acknowledged", healthOK, samples)
	}
	if st.Resends < uint64(resends) || st.Resends > uint64(resends)+1 || st.Unacked == 0 || st.OldestUnacked < drop-time.Second {
		t.Errorf("stats during the drop: resends %d (proxy saw %d), unacked %d, oldest %v", st.Resends, resends, st.Unacked, st.OldestUnacked)
	}

	// Traffic passes again: everything arrives, the outbox drains, health
	// recovers.
	waitUntil(t, 15*time.Second, "outbox drained", func() bool { return ob.Stats().Depth == 0 })
	waitUntil(t, 5*time.Second, "consumer has every result", func() bool { return cons.distinct() == len(ids) })
	for _, id := range ids {
		if !cons.has(id) {
			t.Fatalf("result %s lost", id)
		}
	}
	waitUntil(t, 5*time.Second, "health ok", func() bool { return u.Health().OK })
	if st := u.Stats(); st.Unacked != 0 || st.OldestUnacked != 0 || st.Acked < uint64(len(ids)) {
		t.Errorf("after recovery: %d acked, %d unacked, oldest %v", st.Acked, st.Unacked, st.OldestUnacked)
	}
}

// TestResendBudget: a broker that acknowledges a little on each
// connection, then stalls, resets the backoff every time (it delivers),
// so the window of overdue results would be re-sent on every reconnect.
// The re-send budget caps them at burst + rate·t.
func TestResendBudget(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	cons := newConsumer(t, b.URL(), "docscan/dev-rb/results")
	p := mqtttest.StartProxy(t, b.Addr())
	p.PassPubacks(2)
	ob := openOutbox(t, outbox.Options{})
	ids := fill(t, ob, "rb", 40)
	const (
		window = 8
		rate   = 2.0
		phase  = 3 * time.Second
	)
	u, _ := runUplink(t, ob, Options{Brokers: []string{p.URL()}, DeviceID: "dev-rb", Window: window, ResendRate: rate,
		AckTimeout: 300 * time.Millisecond, BackoffMin: 50 * time.Millisecond, BackoffMax: 2 * time.Second})
	start := time.Now()
	time.Sleep(phase)
	st := u.Stats()
	p.PassPubacks(-1)
	bound := uint64(window + rate*time.Since(start).Seconds() + 1)
	t.Logf("stalling phase %v: %d connections, %d acked, %d re-sends (bound %d)", phase, st.Connections, st.Acked, st.Resends, bound)
	if st.Connections < 3 || st.Acked == 0 {
		t.Fatalf("the phase did not exercise reconnects with partial delivery: %+v", st)
	}
	if st.Resends > bound {
		t.Errorf("%d re-sends in %v: over the budget of %d + %v/s", st.Resends, phase, window, rate)
	}
	waitUntil(t, 30*time.Second, "outbox drained", func() bool { return ob.Stats().Depth == 0 })
	waitUntil(t, 5*time.Second, "consumer has every result", func() bool { return cons.distinct() == len(ids) })
}

func TestTokenBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newTokenBucket(2, 3)
	b.last = t0
	steps := []struct {
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{0, true, 0}, {0, true, 0}, {0, true, 0}, // the burst
		{0, false, 500 * time.Millisecond},
		{250 * time.Millisecond, false, 250 * time.Millisecond},
		{500 * time.Millisecond, true, 0},
		{10 * time.Second, true, 0}, {10 * time.Second, true, 0}, {10 * time.Second, true, 0}, // refilled to the burst, not beyond
		{10 * time.Second, false, 500 * time.Millisecond},
	}
	for i, s := range steps {
		ok, wait := b.take(t0.Add(s.at))
		if ok != s.ok || (wait-s.wait).Abs() > time.Millisecond {
			t.Fatalf("step %d at %v: take = %v, %v; want %v, %v", i, s.at, ok, wait, s.ok, s.wait)
		}
	}
	if ok, _ := newTokenBucket(-1, 1).take(t0); !ok {
		t.Fatal("a negative rate must not limit")
	}
}

func TestUnackedSet(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := unackedSet{}
	s.note(5, t0)
	s.note(5, t0.Add(time.Second)) // a re-send keeps the first time
	s.note(7, t0.Add(2*time.Second))
	s.note(9, t0.Add(3*time.Second))
	if n, overdue, oldest := s.summary(t0.Add(4*time.Second), 1500*time.Millisecond); n != 3 || overdue != 2 || oldest != 4*time.Second {
		t.Fatalf("summary = %d, %d, %v", n, overdue, oldest)
	}
	s.forgetBetween(5, 9) // 7 was skipped by the outbox: gone
	if !s.has(5) || s.has(7) || !s.has(9) {
		t.Fatalf("after forgetBetween(5, 9): %v", s)
	}
	s.forget(5)
	s.forgetBetween(5, ^uint64(0))
	if n, _, oldest := s.summary(t0, time.Second); n != 0 || oldest != 0 {
		t.Fatalf("not empty: %v", s)
	}
}

// TestExpiredUnackedResultsAreForgotten: results sent and never
// acknowledged that then leave the outbox (TTL) must not keep health
// degraded once the outbox holds nothing overdue.
func TestExpiredUnackedResultsAreForgotten(t *testing.T) {
	b := mqtttest.Start(t, "", false)
	p := mqtttest.StartProxy(t, b.Addr())
	p.DropPubacks(true)
	ob := openOutbox(t, outbox.Options{TTL: 500 * time.Millisecond, SweepEvery: 50 * time.Millisecond})
	fill(t, ob, "ttl", 5)
	u, _ := runUplink(t, ob, Options{Brokers: []string{p.URL()}, DeviceID: "dev-ttl", Window: 4,
		AckTimeout: 200 * time.Millisecond, BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond})
	waitUntil(t, 5*time.Second, "results overdue", func() bool { return u.Stats().Overdue > 0 })
	waitUntil(t, 5*time.Second, "results expired", func() bool { return ob.Stats().Depth == 0 })
	p.DropPubacks(false)
	waitUntil(t, 5*time.Second, "health ok with nothing left to deliver", func() bool { return u.Health().OK })
	if st := u.Stats(); st.Unacked != 0 {
		t.Fatalf("expired results still counted unacknowledged: %+v", st)
	}
}
