package lights

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docscan/docscan/hal"
)

// UVLimits bound how much the UV LEDs may be on, for the eyes of whoever
// stands at the scanner and for the LEDs' life.
type UVLimits struct {
	// MaxOn is the longest UV may stay on continuously; the Guard switches
	// it off when this passes. Default 2 s.
	MaxOn time.Duration
	// Window and MaxDuty bound the UV duty cycle: within any Window, UV is
	// on at most MaxDuty of the time. Defaults 60 s and 0.25.
	Window  time.Duration
	MaxDuty float64
}

// DefaultUVLimits returns MaxOn 2 s, at most 25 % of any 60 s.
func DefaultUVLimits() UVLimits {
	return UVLimits{MaxOn: 2 * time.Second, Window: time.Minute, MaxDuty: 0.25}
}

func (l UVLimits) withDefaults() UVLimits {
	d := DefaultUVLimits()
	if l.MaxOn == 0 {
		l.MaxOn = d.MaxOn
	}
	if l.Window == 0 {
		l.Window = d.Window
	}
	if l.MaxDuty == 0 {
		l.MaxDuty = d.MaxDuty
	}
	return l
}

func (l UVLimits) validate() error {
	if l.MaxOn <= 0 || l.Window <= 0 || l.MaxDuty <= 0 || l.MaxDuty > 1 {
		return fmt.Errorf("invalid UV limits %+v", l)
	}
	if budget := time.Duration(l.MaxDuty * float64(l.Window)); l.MaxOn > budget {
		return fmt.Errorf("UV max on-time %s exceeds the duty budget %s of the %s window", l.MaxOn, budget, l.Window)
	}
	return nil
}

// ErrUVDuty is returned by Guard.Set when switching UV on now could break
// the duty-cycle limit. Guard.WaitUV waits until it cannot.
var ErrUVDuty = errors.New("UV duty-cycle limit reached")

// ErrUVCutoff is returned by the sequencer when the Guard had to switch UV
// off because it stayed on longer than UVLimits.MaxOn.
var ErrUVCutoff = errors.New("UV switched off by the on-time limit")

// Guard wraps the board's LEDs with the UV safety limits and counts the
// on-time of every channel. It implements hal.LEDs, so everything that
// switches lights (the sequencer, the operator CLI) goes through it.
//
// Duty cycle: Set refuses to switch UV on (ErrUVDuty) unless, counting
// the UV on-time within the last Window, a further MaxOn of UV would still
// stay within MaxDuty of the Window. Because the on-time watchdog never
// lets one switch-on last longer than MaxOn, this keeps the limit in every
// window. WaitUV blocks until switching on is allowed; the sequencer uses
// it, so a scan waits rather than fails.
type Guard struct {
	inner  hal.LEDs
	limits UVLimits
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	state     hal.ChannelSet
	uv        []span // UV on-periods that may still lie within the window
	uvTimer   *time.Timer
	uvGen     uint64
	cutoffs   uint64
	refusals  uint64
	closed    bool
	onSince   [hal.NumChannels]time.Time
	onTotal   [hal.NumChannels]time.Duration
	switchOns [hal.NumChannels]uint64
}

type span struct{ from, to time.Time } // to is zero while on

// NewGuard wraps inner. Zero fields of limits take their defaults. log
// may be nil.
func NewGuard(inner hal.LEDs, limits UVLimits, log *slog.Logger) (*Guard, error) {
	limits = limits.withDefaults()
	if err := limits.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Guard{inner: inner, limits: limits, log: log, now: time.Now}
	g.state = inner.State()
	t := g.now()
	for _, c := range g.state.Channels() {
		g.onSince[c] = t
	}
	if g.state.Has(hal.UV) {
		// Lit before we were given the board: cut it now rather than trust
		// an unknown on-time.
		if err := inner.Set(g.state &^ hal.SetOf(hal.UV)); err != nil {
			return nil, fmt.Errorf("switching UV off: %w", err)
		}
		g.state = inner.State()
	}
	return g, nil
}

// Limits returns the limits in force.
func (g *Guard) Limits() UVLimits { return g.limits }

// Set implements hal.LEDs with the UV limits.
func (g *Guard) Set(on hal.ChannelSet) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return hal.ErrClosed
	}
	t := g.now()
	if on.Has(hal.UV) && !g.state.Has(hal.UV) {
		if wait := g.uvWaitLocked(t); wait > 0 {
			g.refusals++
			return fmt.Errorf("%w: UV allowed again in %s", ErrUVDuty, wait.Round(time.Millisecond))
		}
	}
	err := g.inner.Set(on)
	// Account for what the hardware really is now, even after a partial
	// failure.
	g.accountLocked(g.inner.State(), g.now())
	return err
}

// accountLocked records a transition to st at t.
func (g *Guard) accountLocked(st hal.ChannelSet, t time.Time) {
	old := g.state
	for _, c := range hal.AllChannels {
		was, is := old.Has(c), st.Has(c)
		switch {
		case !was && is:
			g.onSince[c] = t
			g.switchOns[c]++
		case was && !is:
			g.onTotal[c] += t.Sub(g.onSince[c])
		}
	}
	switch {
	case !old.Has(hal.UV) && st.Has(hal.UV):
		g.uv = append(g.uv, span{from: t})
		g.uvGen++
		gen := g.uvGen
		g.uvTimer = time.AfterFunc(g.limits.MaxOn, func() { g.cutUV(gen) })
	case old.Has(hal.UV) && !st.Has(hal.UV):
		if n := len(g.uv); n > 0 && g.uv[n-1].to.IsZero() {
			g.uv[n-1].to = t
		}
		if g.uvTimer != nil {
			g.uvTimer.Stop()
			g.uvTimer = nil
		}
	}
	g.state = st
}

// cutUV is the on-time watchdog: UV switched on as generation gen is still
// on after MaxOn.
func (g *Guard) cutUV(gen uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if gen != g.uvGen || !g.state.Has(hal.UV) {
		return
	}
	g.cutoffs++
	g.log.Warn("UV on-time limit reached; switching UV off", "limit", g.limits.MaxOn)
	if err := g.inner.Set(g.state &^ hal.SetOf(hal.UV)); err != nil {
		g.log.Error("switching UV off failed; switching everything off", "err", err)
		_ = g.inner.Set(0)
	}
	g.accountLocked(g.inner.State(), g.now())
}

// uvUsedLocked returns the UV on-time within the window ending at t, and
// drops periods that ended before the window.
func (g *Guard) uvUsedLocked(t time.Time) time.Duration {
	start := t.Add(-g.limits.Window)
	keep := g.uv[:0]
	var used time.Duration
	for _, s := range g.uv {
		to := s.to
		if to.IsZero() {
			to = t
		}
		if !to.After(start) {
			continue
		}
		keep = append(keep, s)
		from := s.from
		if from.Before(start) {
			from = start
		}
		used += to.Sub(from)
	}
	g.uv = keep
	return used
}

// uvWaitLocked returns how long from t until UV may be switched on, 0 if
// it may be now. UV is assumed off while waiting.
func (g *Guard) uvWaitLocked(t time.Time) time.Duration {
	budget := time.Duration(g.limits.MaxDuty * float64(g.limits.Window))
	excess := g.uvUsedLocked(t) + g.limits.MaxOn - budget
	if excess <= 0 {
		return 0
	}
	// Slide the window start forward until excess on-time has left it.
	start := t.Add(-g.limits.Window)
	var left time.Duration
	for _, s := range g.uv {
		from, to := s.from, s.to
		if to.IsZero() {
			to = t
		}
		if from.Before(start) {
			from = start
		}
		d := to.Sub(from)
		if left+d >= excess {
			return from.Add(excess - left).Sub(start)
		}
		left += d
	}
	return g.limits.Window // unreachable with consistent spans
}

// WaitUV blocks until switching UV on is allowed by the duty-cycle limit,
// or ctx ends.
func (g *Guard) WaitUV(ctx context.Context) error {
	for {
		g.mu.Lock()
		wait := g.uvWaitLocked(g.now())
		g.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		g.log.Info("waiting for the UV duty-cycle limit", "wait", wait.Round(time.Millisecond))
		t := time.NewTimer(wait + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// State implements hal.LEDs.
func (g *Guard) State() hal.ChannelSet {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state
}

// Available implements hal.LEDs.
func (g *Guard) Available() hal.ChannelSet { return g.inner.Available() }

// Close implements hal.LEDs: everything off, then the board is released.
func (g *Guard) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	err := g.inner.Close()
	g.accountLocked(0, g.now())
	return err
}

// UVCutoffs returns how many times the on-time watchdog switched UV off.
func (g *Guard) UVCutoffs() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cutoffs
}

// ChannelStats is one channel's telemetry.
type ChannelStats struct {
	Channel hal.Channel   `json:"-"`
	Name    string        `json:"channel"`
	OnTime  time.Duration `json:"on_time_ns"`
	// SwitchOns counts how often the channel was switched on.
	SwitchOns uint64 `json:"switch_ons"`
	On        bool   `json:"on"`
}

// Stats is a snapshot of the LED telemetry since the Guard was made.
type Stats struct {
	Channels []ChannelStats `json:"channels"`
	// UVDuty is the fraction of the last UVLimits.Window during which UV
	// was on.
	UVDuty float64 `json:"uv_duty"`
	// UVCutoffs counts switch-offs by the on-time watchdog; UVRefusals
	// counts switch-ons refused by the duty-cycle limit.
	UVCutoffs  uint64 `json:"uv_cutoffs"`
	UVRefusals uint64 `json:"uv_refusals"`
}

// Stats returns the telemetry snapshot. On-times include the current
// on-period of lit channels.
func (g *Guard) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.now()
	var s Stats
	for _, c := range g.inner.Available().Channels() {
		cs := ChannelStats{Channel: c, Name: c.String(), OnTime: g.onTotal[c], SwitchOns: g.switchOns[c], On: g.state.Has(c)}
		if cs.On {
			cs.OnTime += t.Sub(g.onSince[c])
		}
		s.Channels = append(s.Channels, cs)
	}
	s.UVDuty = float64(g.uvUsedLocked(t)) / float64(g.limits.Window)
	s.UVCutoffs, s.UVRefusals = g.cutoffs, g.refusals
	return s
}

var _ hal.LEDs = (*Guard)(nil)
