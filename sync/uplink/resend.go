package uplink

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// A broker can accept a connection and the results sent on it and never
// acknowledge them (a proxy that drops PUBACKs, a broker out of memory).
// The outbox must then neither be re-sent wholesale on every reconnect nor
// look healthy. This file holds what the uplink remembers for that:
// which results were sent and not acknowledged (across connections, in
// memory), a budget for re-sending them, and the health it derives.

// unackedSet maps the seq of each result sent and not yet acknowledged to
// when it was first sent. It lives as long as the Uplink, so the age of
// an overdue result keeps growing across reconnects. Guarded by Uplink.mu.
type unackedSet map[uint64]time.Time

func (s unackedSet) has(seq uint64) bool { _, ok := s[seq]; return ok }

// note records a send; a re-send keeps the first time.
func (s unackedSet) note(seq uint64, now time.Time) {
	if _, ok := s[seq]; !ok {
		s[seq] = now
	}
}

func (s unackedSet) forget(seq uint64) { delete(s, seq) }

// forgetBetween drops the seqs strictly between lo and hi: the outbox
// skipped them, so they left it without an acknowledgement (TTL,
// drop-oldest) and will never be acknowledged.
func (s unackedSet) forgetBetween(lo, hi uint64) {
	for seq := range s {
		if seq > lo && seq < hi {
			delete(s, seq)
		}
	}
}

// summary counts the results, those first sent more than deadline ago,
// and the age of the oldest.
func (s unackedSet) summary(now time.Time, deadline time.Duration) (n, overdue int, oldest time.Duration) {
	for _, first := range s {
		age := now.Sub(first)
		if age > deadline {
			overdue++
		}
		oldest = max(oldest, age)
	}
	return len(s), overdue, oldest
}

// tokenBucket lets through rate events per second on average, in bursts
// of up to burst; a rate below zero lets everything through.
type tokenBucket struct {
	rate, burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(max(burst, 1)), tokens: float64(max(burst, 1)), last: time.Now()}
}

// take spends a token if there is one; otherwise it says how long until
// there will be.
func (b *tokenBucket) take(now time.Time) (ok bool, wait time.Duration) {
	if b.rate < 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// wait blocks until a token is spent or ctx ends.
func (b *tokenBucket) wait(ctx context.Context) error {
	for {
		ok, d := b.take(time.Now())
		if ok {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// Health is the uplink's state for the daemon's /healthz and status page.
type Health struct {
	// OK: connected, and no result waits for its PUBACK past AckTimeout.
	OK bool
	// Reason says why not, without personal data.
	Reason string
}

// Health reports whether results are being delivered. It is degraded
// while disconnected, and while connected but the oldest result sent has
// gone unacknowledged for longer than AckTimeout.
func (u *Uplink) Health() Health {
	st := u.Stats()
	switch {
	case !st.Connected && st.LastError == "":
		return Health{Reason: "not connected yet, results wait in the outbox"}
	case !st.Connected:
		return Health{Reason: "offline, results wait in the outbox: " + st.LastError}
	case st.Overdue > 0:
		return Health{Reason: fmt.Sprintf("connected, but the oldest result sent has had no PUBACK for %s (deadline %s, %d overdue); "+
			"results stay in the outbox and are re-sent at a bounded rate", st.OldestUnacked.Round(100*time.Millisecond), u.opts.AckTimeout, st.Overdue)}
	}
	return Health{OK: true}
}
