package hal

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) step(d time.Duration) { c.t = c.t.Add(d) }
func at(base time.Time, ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
func near(a, b float64) bool              { return math.Abs(a-b) < 1e-9 }

func TestSimLEDsHistory(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	base := clk.t
	s := newSimLEDs(SetOf(WhiteTop, IRTop, UV), clk.now)
	changed := s.Changed()
	clk.step(10 * time.Millisecond)
	if err := s.Set(SetOf(WhiteTop)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Error("Changed not signalled")
	}
	clk.step(10 * time.Millisecond)
	_ = s.Set(SetOf(WhiteTop)) // no transition: not recorded
	clk.step(10 * time.Millisecond)
	_ = s.Set(SetOf(IRTop, UV))
	clk.step(10 * time.Millisecond)
	_ = s.Set(0)
	if err := s.Set(SetOf(AxialLeft)); !errors.Is(err, ErrChannelMissing) {
		t.Errorf("missing channel: %v", err)
	}
	want := []Change{
		{at(base, 10), SetOf(WhiteTop)},
		{at(base, 30), SetOf(IRTop, UV)},
		{at(base, 40), 0},
	}
	got := s.History()
	if len(got) != len(want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].State != want[i].State {
			t.Errorf("change %d = %v, want %v", i, got[i], want[i])
		}
	}
	if !s.LastChange().Equal(at(base, 40)) {
		t.Errorf("LastChange = %v", s.LastChange())
	}

	// Exposure windows straddling the changes.
	f := s.OnFractions(at(base, 0), at(base, 20))
	if !near(f[WhiteTop], 0.5) || f[IRTop] != 0 {
		t.Errorf("[0,20]: %v", f)
	}
	f = s.OnFractions(at(base, 20), at(base, 40))
	if !near(f[WhiteTop], 0.5) || !near(f[IRTop], 0.5) || !near(f[UV], 0.5) {
		t.Errorf("[20,40]: %v", f)
	}
	f = s.OnFractions(at(base, 40), at(base, 100))
	for c, v := range f {
		if v != 0 {
			t.Errorf("[40,100] channel %s = %v, want dark", Channel(c), v)
		}
	}
	f = s.OnFractions(at(base, 35), at(base, 35))
	if f[UV] != 1 || f[WhiteTop] != 0 {
		t.Errorf("instant 35: %v", f)
	}
}

func TestSimLEDsHistoryLimit(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	base := clk.t
	s := newSimLEDs(AllChannelSet, clk.now)
	s.SetHistoryLimit(2)
	for _, st := range []ChannelSet{SetOf(UV), 0, SetOf(IRSide), SetOf(WhiteTop)} {
		clk.step(10 * time.Millisecond)
		_ = s.Set(st)
	}
	if h := s.History(); len(h) != 2 || h[0].State != SetOf(IRSide) || s.Dropped() != 2 {
		t.Fatalf("history %v dropped %d", h, s.Dropped())
	}
	// The state before the oldest kept change (off) is still known.
	f := s.OnFractions(at(base, 20), at(base, 40))
	if !near(f[IRSide], 0.5) || f[UV] != 0 {
		t.Errorf("fractions %v", f)
	}
}

func TestSimLEDsClose(t *testing.T) {
	s := NewSimLEDs(AllChannelSet)
	_ = s.Set(SetOf(UV))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.State() != 0 {
		t.Errorf("state after Close = %s", s.State())
	}
	if err := s.Set(SetOf(UV)); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close = %v", err)
	}
}

func TestSimPresence(t *testing.T) {
	p := NewSimPresence()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := p.WaitPlaced(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("no trigger: %v", err)
	}
	// A trigger with nobody waiting is kept; two merge into one.
	p.Trigger()
	p.Trigger()
	if err := p.WaitPlaced(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if err := p.WaitPlaced(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second wait: %v", err)
	}
	_ = p.Close()
	if err := p.WaitPlaced(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestChannelNamesRoundTrip(t *testing.T) {
	for _, c := range AllChannels {
		got, err := ParseChannel(c.String())
		if err != nil || got != c {
			t.Errorf("ParseChannel(%q) = %v, %v", c, got, err)
		}
	}
	if _, err := ParseChannel("infrared"); !errors.Is(err, ErrUnknownChannel) {
		t.Errorf("unknown name: %v", err)
	}
	if len(AllChannels) != NumChannels {
		t.Errorf("AllChannels has %d, NumChannels %d", len(AllChannels), NumChannels)
	}
}
