package hal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Change is one recorded LED transition: from Time on, exactly the
// channels in State were lit.
type Change struct {
	Time  time.Time
	State ChannelSet
}

func (c Change) String() string {
	return fmt.Sprintf("%s %s", c.Time.Format("15:04:05.000000"), c.State)
}

// DefaultSimHistory is how many changes a SimLEDs keeps before it drops
// the oldest; a daemon running for months on the simulator must not grow
// without bound.
const DefaultSimHistory = 100000

// ErrClosed is returned by a device used after Close.
var ErrClosed = errors.New("device closed")

// SimLEDs is the simulated LED board. It records every transition with a
// timestamp so that tests can assert the exact LED sequence, and lets a
// simulated camera ask how long each channel was lit during an exposure.
//
// Set calls that do not change the state are not recorded: the history
// holds transitions, as a logic analyser on the lines would.
type SimLEDs struct {
	mu        sync.Mutex
	available ChannelSet
	now       func() time.Time
	state     ChannelSet
	since     time.Time // when state began
	history   []Change
	limit     int
	dropped   int
	base      ChannelSet // state before the oldest kept change
	changed   chan struct{}
	closed    bool
}

// NewSimLEDs returns a simulated board carrying the channels in available,
// all off.
func NewSimLEDs(available ChannelSet) *SimLEDs {
	return newSimLEDs(available, time.Now)
}

// newSimLEDs lets tests inject a clock.
func newSimLEDs(available ChannelSet, now func() time.Time) *SimLEDs {
	return &SimLEDs{
		available: available & AllChannelSet,
		now:       now,
		since:     now(),
		limit:     DefaultSimHistory,
		changed:   make(chan struct{}),
	}
}

// SetHistoryLimit bounds the number of recorded changes (at least 1).
func (s *SimLEDs) SetHistoryLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = max(n, 1)
	s.trimLocked()
}

// Set implements LEDs.
func (s *SimLEDs) Set(on ChannelSet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if missing := on &^ s.available; missing != 0 {
		return fmt.Errorf("%w: %s", ErrChannelMissing, missing)
	}
	s.setLocked(on)
	return nil
}

func (s *SimLEDs) setLocked(on ChannelSet) {
	if on == s.state {
		return
	}
	t := s.now()
	s.state = on
	s.since = t
	s.history = append(s.history, Change{Time: t, State: on})
	s.trimLocked()
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *SimLEDs) trimLocked() {
	if over := len(s.history) - s.limit; over > 0 {
		s.base = s.history[over-1].State
		s.dropped += over
		s.history = append(s.history[:0], s.history[over:]...)
	}
}

// State implements LEDs.
func (s *SimLEDs) State() ChannelSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Available implements LEDs.
func (s *SimLEDs) Available() ChannelSet { return s.available }

// Close implements LEDs: it switches everything off. The history stays
// readable.
func (s *SimLEDs) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(0)
	s.closed = true
	return nil
}

// History returns a copy of the recorded transitions, oldest first.
func (s *SimLEDs) History() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Change(nil), s.history...)
}

// Dropped returns how many old transitions were discarded to respect the
// history limit.
func (s *SimLEDs) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// LastChange returns the time of the most recent transition (or of
// construction, when nothing changed yet).
func (s *SimLEDs) LastChange() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.since
}

// Changed returns a channel that is closed at the next transition.
func (s *SimLEDs) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// OnFractions returns, for each channel, the fraction of [from, to] during
// which it was lit. A simulated camera weighs each light's layer by it, so
// a frame whose exposure straddles a light change shows both lightings,
// as a real sensor would.
func (s *SimLEDs) OnFractions(from, to time.Time) [NumChannels]float64 {
	var out [NumChannels]float64
	span := to.Sub(from)
	if span <= 0 {
		// An instant: report the state at that instant.
		st := s.stateAt(from)
		for _, c := range st.Channels() {
			out[c] = 1
		}
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Walk the intervals [t_i, t_{i+1}) holding state_i, starting from the
	// state before the oldest kept change.
	prevState := s.base
	prevTime := from
	var lit [NumChannels]time.Duration
	add := func(st ChannelSet, a, b time.Time) {
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if !b.After(a) {
			return
		}
		for _, c := range st.Channels() {
			lit[c] += b.Sub(a)
		}
	}
	for _, ch := range s.history {
		add(prevState, prevTime, ch.Time)
		prevState, prevTime = ch.State, ch.Time
	}
	add(prevState, prevTime, to)
	for c := range out {
		out[c] = float64(lit[c]) / float64(span)
	}
	return out
}

func (s *SimLEDs) stateAt(t time.Time) ChannelSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.base
	for _, ch := range s.history {
		if ch.Time.After(t) {
			break
		}
		st = ch.State
	}
	return st
}

// SimPresence is a simulated document-presence input: Trigger stands for a
// document being placed on the glass.
type SimPresence struct {
	edges  chan struct{}
	mu     sync.Mutex
	closed bool
	done   chan struct{}
}

// NewSimPresence returns a simulated presence input with no pending edge.
func NewSimPresence() *SimPresence {
	return &SimPresence{edges: make(chan struct{}, 1), done: make(chan struct{})}
}

// Trigger signals that a document was placed. One trigger is kept while
// nobody waits, so a placement between two waits is not lost; further
// triggers before it is consumed merge into it, like a bouncing switch.
func (p *SimPresence) Trigger() {
	select {
	case p.edges <- struct{}{}:
	default:
	}
}

// WaitPlaced implements Presence.
func (p *SimPresence) WaitPlaced(ctx context.Context) error {
	select {
	case <-p.edges:
		return nil
	case <-p.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close implements Presence; waiters return ErrClosed.
func (p *SimPresence) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	return nil
}

var (
	_ LEDs     = (*SimLEDs)(nil)
	_ Presence = (*SimPresence)(nil)
)
