package lights

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docscan/docscan/hal"
)

type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time       { return c.t }
func (c *manualClock) step(d time.Duration) { c.t = c.t.Add(d) }

// newClockedGuard returns a guard whose duty accounting follows clk. The
// on-time watchdog still runs on real timers; limits keep it out of the
// way unless a test wants it.
func newClockedGuard(t *testing.T, lim UVLimits) (*Guard, *hal.SimLEDs, *manualClock) {
	t.Helper()
	leds := hal.NewSimLEDs(hal.AllChannelSet)
	g, err := NewGuard(leds, lim, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &manualClock{t: time.Unix(5000, 0)}
	g.now = clk.now
	return g, leds, clk
}

func TestGuardDutyCycle(t *testing.T) {
	// Budget: 25 % of 10 s = 2.5 s; one switch-on may last 1 s, so UV may
	// be switched on while at most 1.5 s were used in the last 10 s.
	g, _, clk := newClockedGuard(t, UVLimits{MaxOn: time.Second, Window: 10 * time.Second, MaxDuty: 0.25})
	on := func() error { return g.Set(hal.SetOf(hal.UV)) }
	off := func() { _ = g.Set(0) }

	// t=0: 0.8 s of UV.
	if err := on(); err != nil {
		t.Fatal(err)
	}
	clk.step(800 * time.Millisecond)
	off()
	// t=1: 0.7 s more (1.5 s used: the limit exactly).
	clk.step(200 * time.Millisecond)
	if err := on(); err != nil {
		t.Fatalf("second switch-on: %v", err)
	}
	clk.step(700 * time.Millisecond)
	off()
	// t=2: 1.5 s used; a further switch-on could reach 2.5 s: allowed.
	clk.step(300 * time.Millisecond)
	if err := on(); err != nil {
		t.Fatalf("third switch-on at the edge: %v", err)
	}
	clk.step(100 * time.Millisecond)
	off()
	// t=2.1: 1.6 s used → refused until 0.1 s of the oldest period has
	// left the window: the window starts at -7.9 s, the first period
	// began at 0, so the wait is 7.9 + 0.1 = 8.0 s.
	err := on()
	if !errors.Is(err, ErrUVDuty) {
		t.Fatalf("switch-on over the budget: %v", err)
	}
	g.mu.Lock()
	wait := g.uvWaitLocked(clk.now())
	g.mu.Unlock()
	if wait != 8*time.Second {
		t.Errorf("wait %s, want 8s", wait)
	}
	// Other channels are not limited.
	if err := g.Set(hal.SetOf(hal.WhiteTop)); err != nil {
		t.Errorf("white refused: %v", err)
	}
	off()
	clk.step(wait - time.Millisecond)
	if err := on(); !errors.Is(err, ErrUVDuty) {
		t.Errorf("1 ms early: %v", err)
	}
	clk.step(time.Millisecond)
	if err := on(); err != nil {
		t.Errorf("after the wait: %v", err)
	}
	off()
	st := g.Stats()
	if st.UVRefusals != 2 {
		t.Errorf("refusals %d, want 2", st.UVRefusals)
	}
}

func TestGuardWaitUV(t *testing.T) {
	g, _, clk := newClockedGuard(t, UVLimits{MaxOn: 40 * time.Millisecond, Window: 200 * time.Millisecond, MaxDuty: 0.25})
	_ = g.Set(hal.SetOf(hal.UV))
	clk.step(30 * time.Millisecond)
	_ = g.Set(0)
	// 30 ms used + 40 ms > 50 ms budget: must wait until 20 ms of the
	// period have left the window, i.e. until the window starts at 20 ms:
	// now (30 ms) + 190 ms.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := g.WaitUV(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitUV = %v, want the context to end first", err)
	}
	clk.step(190 * time.Millisecond)
	if err := g.WaitUV(context.Background()); err != nil {
		t.Errorf("WaitUV after the window slid: %v", err)
	}
}

func TestGuardCutsUVAfterMaxOn(t *testing.T) {
	leds := hal.NewSimLEDs(hal.AllChannelSet)
	g, err := NewGuard(leds, UVLimits{MaxOn: 20 * time.Millisecond, Window: time.Second, MaxDuty: 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Set(hal.SetOf(hal.UV, hal.WhiteTop)); err != nil {
		t.Fatal(err)
	}
	lit := leds.History()[0].Time
	deadline := time.Now().Add(5 * time.Second)
	for leds.State().Has(hal.UV) && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	h := leds.History()
	if len(h) != 2 || h[1].State != hal.SetOf(hal.WhiteTop) {
		t.Fatalf("history %v: UV should have been cut, white kept", h)
	}
	if on := h[1].Time.Sub(lit); on < 20*time.Millisecond {
		t.Errorf("UV cut after %s, before the limit", on)
	}
	if g.UVCutoffs() != 1 || g.State() != hal.SetOf(hal.WhiteTop) {
		t.Errorf("cutoffs %d state %s", g.UVCutoffs(), g.State())
	}
	// Switching UV off in time does not trigger the watchdog.
	_ = g.Set(hal.SetOf(hal.UV))
	_ = g.Set(0)
	time.Sleep(40 * time.Millisecond)
	if g.UVCutoffs() != 1 {
		t.Errorf("watchdog fired for a UV period already over")
	}
}

func TestGuardTelemetry(t *testing.T) {
	g, _, clk := newClockedGuard(t, UVLimits{MaxOn: time.Second, Window: 10 * time.Second, MaxDuty: 0.5})
	_ = g.Set(hal.SetOf(hal.WhiteTop, hal.UV))
	clk.step(300 * time.Millisecond)
	_ = g.Set(hal.SetOf(hal.WhiteTop))
	clk.step(200 * time.Millisecond)
	_ = g.Set(0)
	_ = g.Set(hal.SetOf(hal.IRSide))
	clk.step(100 * time.Millisecond)
	st := g.Stats()
	want := map[hal.Channel]struct {
		on  time.Duration
		n   uint64
		lit bool
	}{
		hal.WhiteTop: {500 * time.Millisecond, 1, false},
		hal.UV:       {300 * time.Millisecond, 1, false},
		hal.IRSide:   {100 * time.Millisecond, 1, true}, // still on: counted up to now
		hal.IRTop:    {0, 0, false},
	}
	for _, cs := range st.Channels {
		w, ok := want[cs.Channel]
		if !ok {
			continue
		}
		if cs.OnTime != w.on || cs.SwitchOns != w.n || cs.On != w.lit {
			t.Errorf("%s: %+v, want on %s ×%d lit %v", cs.Channel, cs, w.on, w.n, w.lit)
		}
	}
	if len(st.Channels) != hal.NumChannels {
		t.Errorf("%d channels in stats", len(st.Channels))
	}
	if st.UVDuty != 0.03 {
		t.Errorf("UV duty %v, want 0.03 (300 ms of 10 s)", st.UVDuty)
	}
}

func TestGuardRejectsBadLimitsAndCutsInheritedUV(t *testing.T) {
	leds := hal.NewSimLEDs(hal.AllChannelSet)
	for _, lim := range []UVLimits{
		{MaxOn: -time.Second},
		{MaxDuty: 1.5},
		{MaxOn: 30 * time.Second, Window: time.Minute, MaxDuty: 0.25}, // MaxOn over the budget
	} {
		if _, err := NewGuard(leds, lim, nil); err == nil {
			t.Errorf("limits %+v accepted", lim)
		}
	}
	_ = leds.Set(hal.SetOf(hal.UV, hal.IRTop))
	g, err := NewGuard(leds, UVLimits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if leds.State() != hal.SetOf(hal.IRTop) || g.State() != hal.SetOf(hal.IRTop) {
		t.Errorf("UV lit before the guard was not cut: %s", leds.State())
	}
	if err := g.Close(); err != nil || leds.State() != 0 {
		t.Errorf("Close: %v, state %s", err, leds.State())
	}
	if err := g.Set(hal.SetOf(hal.IRTop)); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Set after Close: %v", err)
	}
}
