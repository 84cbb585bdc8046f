package hal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/pin"
)

// testGroup is a gpio.Group over gpiotest pins that counts its writes, so
// tests can tell a single group write from per-line writes.
type testGroup struct {
	pins     []*gpiotest.Pin
	mu       sync.Mutex
	writes   int
	disabled bool // answers ErrGroupFeatureNotImplemented
	fail     error
}

func (g *testGroup) Pins() []pin.Pin {
	out := make([]pin.Pin, len(g.pins))
	for i, p := range g.pins {
		out[i] = p
	}
	return out
}
func (g *testGroup) ByOffset(o int) pin.Pin  { return g.pins[o] }
func (g *testGroup) ByName(n string) pin.Pin { return nil }
func (g *testGroup) ByNumber(n int) pin.Pin  { return nil }
func (g *testGroup) String() string          { return "testgroup" }
func (g *testGroup) Halt() error             { return nil }
func (g *testGroup) Read(gpio.GPIOValue) (gpio.GPIOValue, error) {
	return 0, gpio.ErrGroupFeatureNotImplemented
}
func (g *testGroup) WaitForEdge(time.Duration) (int, gpio.Edge, error) {
	return 0, gpio.NoEdge, gpio.ErrGroupFeatureNotImplemented
}
func (g *testGroup) Out(value, mask gpio.GPIOValue) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.disabled {
		return gpio.ErrGroupFeatureNotImplemented
	}
	if g.fail != nil {
		return g.fail
	}
	g.writes++
	for i, p := range g.pins {
		if mask&(1<<i) != 0 {
			_ = p.Out(gpio.Level(value&(1<<i) != 0))
		}
	}
	return nil
}

// countingPin counts single-line writes.
type countingPin struct {
	*gpiotest.Pin
	writes *int
	fail   error
}

func (p countingPin) Out(l gpio.Level) error {
	if p.fail != nil {
		return p.fail
	}
	*p.writes++
	return p.Pin.Out(l)
}

func newPins(n int, level gpio.Level) []*gpiotest.Pin {
	pins := make([]*gpiotest.Pin, n)
	for i := range pins {
		pins[i] = &gpiotest.Pin{N: fmt.Sprintf("GPIO%d", 10+i), Num: 10 + i, L: level}
	}
	return pins
}

func levels(pins []*gpiotest.Pin) string {
	b := make([]byte, len(pins))
	for i, p := range pins {
		b[i] = '0'
		if p.Read() {
			b[i] = '1'
		}
	}
	return string(b)
}

func TestGPIOLEDsPerLine(t *testing.T) {
	// Lines start high, as a crashed process might have left them: the
	// constructor must switch everything off.
	pins := newPins(3, gpio.High)
	writes := 0
	lines := map[Channel]gpio.PinOut{
		WhiteTop: countingPin{pins[0], &writes, nil},
		IRTop:    countingPin{pins[1], &writes, nil},
		UV:       countingPin{pins[2], &writes, nil},
	}
	l, err := NewGPIOLEDs(lines, GPIOOptions{ActiveLow: SetOf(UV)})
	if err != nil {
		t.Fatal(err)
	}
	// UV is active-low: off means high.
	if got := levels(pins); got != "001" {
		t.Fatalf("after start lines = %s, want 001", got)
	}
	steps := []struct {
		set  ChannelSet
		want string
	}{
		{SetOf(WhiteTop), "101"},
		{SetOf(UV), "000"},
		{SetOf(WhiteTop, IRTop, UV), "110"},
		{0, "001"},
	}
	for _, s := range steps {
		if err := l.Set(s.set); err != nil {
			t.Fatalf("Set(%s): %v", s.set, err)
		}
		if got := levels(pins); got != s.want {
			t.Errorf("Set(%s): lines %s, want %s", s.set, got, s.want)
		}
		if l.State() != s.set {
			t.Errorf("State = %s, want %s", l.State(), s.set)
		}
	}
	if err := l.Set(SetOf(WhiteSide)); !errors.Is(err, ErrChannelMissing) {
		t.Errorf("Set(missing) = %v, want ErrChannelMissing", err)
	}
	if l.Available() != SetOf(WhiteTop, IRTop, UV) {
		t.Errorf("Available = %s", l.Available())
	}
	if l.Grouped() != 0 {
		t.Errorf("Grouped = %d, want 0", l.Grouped())
	}
	_ = l.Set(SetOf(WhiteTop, IRTop))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := levels(pins); got != "001" {
		t.Errorf("after Close lines = %s, want 001", got)
	}
	if err := l.Set(SetOf(WhiteTop)); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
}

func TestGPIOLEDsGroupWritesOnce(t *testing.T) {
	pins := newPins(4, gpio.Low)
	g := &testGroup{pins: pins}
	lineWrites := 0
	// Channels map to group offsets out of order, and one line (offset 3)
	// of the group is not an LED: it must never be touched.
	pins[3].L = gpio.High
	lines := map[Channel]gpio.PinOut{
		IRFront:    pins[0],
		WhiteFront: pins[2],
		UV:         pins[1],
		AxialLeft:  countingPin{&gpiotest.Pin{N: "LOOSE"}, &lineWrites, nil},
	}
	released := false
	l, err := NewGPIOLEDs(lines, GPIOOptions{Groups: []gpio.Group{g}, Release: func() error { released = true; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if l.Grouped() != 3 {
		t.Fatalf("Grouped = %d, want 3", l.Grouped())
	}
	g.writes, lineWrites = 0, 0
	if err := l.Set(SetOf(IRFront, WhiteFront, UV)); err != nil {
		t.Fatal(err)
	}
	if g.writes != 1 || lineWrites != 0 {
		t.Errorf("group writes %d, line writes %d; want 1 and 0", g.writes, lineWrites)
	}
	if got := levels(pins); got != "1111" {
		t.Errorf("lines = %s, want 1111", got)
	}
	if err := l.Set(SetOf(AxialLeft)); err != nil {
		t.Fatal(err)
	}
	if got := levels(pins); got != "0001" {
		t.Errorf("lines = %s, want 0001 (offset 3 untouched)", got)
	}
	if g.writes != 2 || lineWrites != 1 {
		t.Errorf("group writes %d, line writes %d; want 2 and 1", g.writes, lineWrites)
	}
	if err := l.Close(); err != nil || !released {
		t.Errorf("Close = %v, released = %v", err, released)
	}
}

func TestGPIOLEDsGroupFallback(t *testing.T) {
	pins := newPins(2, gpio.High)
	g := &testGroup{pins: pins, disabled: true}
	l, err := NewGPIOLEDs(map[Channel]gpio.PinOut{WhiteTop: pins[0], WhiteSide: pins[1]}, GPIOOptions{Groups: []gpio.Group{g}})
	if err != nil {
		t.Fatal(err)
	}
	if got := levels(pins); got != "00" {
		t.Fatalf("start lines = %s, want 00 via per-line fallback", got)
	}
	if l.Grouped() != 0 {
		t.Errorf("Grouped = %d after fallback, want 0", l.Grouped())
	}
	if err := l.Set(SetOf(WhiteSide)); err != nil {
		t.Fatal(err)
	}
	if got := levels(pins); got != "01" {
		t.Errorf("lines = %s, want 01", got)
	}
}

func TestGPIOLEDsWriteError(t *testing.T) {
	pins := newPins(2, gpio.Low)
	boom := errors.New("line gone")
	g := &testGroup{pins: pins}
	l, err := NewGPIOLEDs(map[Channel]gpio.PinOut{WhiteTop: pins[0], IRTop: pins[1]}, GPIOOptions{Groups: []gpio.Group{g}})
	if err != nil {
		t.Fatal(err)
	}
	g.fail = boom
	if err := l.Set(SetOf(WhiteTop)); !errors.Is(err, boom) {
		t.Errorf("Set = %v, want %v", err, boom)
	}
	if l.State() != 0 {
		t.Errorf("State after failed write = %s, want off", l.State())
	}
}

func TestNewGPIOLEDsRejects(t *testing.T) {
	p := &gpiotest.Pin{N: "A"}
	other := &testGroup{pins: newPins(1, gpio.Low)}
	other.pins[0].N = "B"
	cases := []struct {
		name  string
		lines map[Channel]gpio.PinOut
		opts  GPIOOptions
	}{
		{"none", nil, GPIOOptions{}},
		{"nil line", map[Channel]gpio.PinOut{UV: nil}, GPIOOptions{}},
		{"bad channel", map[Channel]gpio.PinOut{Channel(42): p}, GPIOOptions{}},
		{"active-low without line", map[Channel]gpio.PinOut{UV: p}, GPIOOptions{ActiveLow: SetOf(IRTop)}},
		{"group without our lines", map[Channel]gpio.PinOut{UV: p}, GPIOOptions{Groups: []gpio.Group{other}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewGPIOLEDs(c.lines, c.opts); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestGPIOPresence(t *testing.T) {
	cases := []struct {
		name      string
		activeLow bool
		idle      gpio.Level
		edges     []gpio.Level
	}{
		// A bounce to the inactive level first must be ignored.
		{"active-high", false, gpio.Low, []gpio.Level{gpio.Low, gpio.High}},
		{"active-low", true, gpio.High, []gpio.Level{gpio.High, gpio.Low}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &gpiotest.Pin{N: "PRESENCE", L: c.idle, EdgesChan: make(chan gpio.Level, 4)}
			pr, err := NewGPIOPresence(p, PresenceOptions{ActiveLow: c.activeLow, Debounce: time.Millisecond, Poll: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- pr.WaitPlaced(context.Background()) }()
			select {
			case err := <-done:
				t.Fatalf("returned before any edge: %v", err)
			case <-time.After(30 * time.Millisecond):
			}
			for _, e := range c.edges {
				p.EdgesChan <- e
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("edge not seen")
			}
		})
	}
}

// TestGPIOPresenceOnePlacementOnce: a switch that is still bouncing when
// its placement has been reported, or a document that lay there from the
// start, is not a new placement; lifting and placing again is.
func TestGPIOPresenceOnePlacementOnce(t *testing.T) {
	const debounce = 10 * time.Millisecond
	wait := func(pr *GPIOPresence, d time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return pr.WaitPlaced(ctx)
	}
	p := &gpiotest.Pin{N: "PRESENCE", L: gpio.Low, EdgesChan: make(chan gpio.Level, 8)}
	pr, err := NewGPIOPresence(p, PresenceOptions{Debounce: debounce, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- wait(pr, time.Second) }()
	time.Sleep(3 * debounce)
	p.EdgesChan <- gpio.High
	if err := <-done; err != nil {
		t.Fatalf("placement: %v", err)
	}
	// The contacts bounce once more after the report, while the next
	// wait runs: the same document, still lying there.
	go func() { done <- wait(pr, 30*debounce) }()
	time.Sleep(3 * debounce)
	p.EdgesChan <- gpio.Low
	time.Sleep(debounce / 5)
	p.EdgesChan <- gpio.High
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("late bounce of the same placement = %v, want the deadline", err)
	}
	// Lifted, then placed again: a new placement.
	p.EdgesChan <- gpio.Low
	time.Sleep(3 * debounce)
	go func() { done <- wait(pr, time.Second) }()
	time.Sleep(3 * debounce)
	p.EdgesChan <- gpio.High
	if err := <-done; err != nil {
		t.Errorf("placing again = %v", err)
	}

	// A document lying there when the input opens is not a placement.
	lying := &gpiotest.Pin{N: "PRESENCE", L: gpio.High, EdgesChan: make(chan gpio.Level, 1)}
	pr, err = NewGPIOPresence(lying, PresenceOptions{Debounce: debounce, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(pr, 10*debounce); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("document lying there at start = %v, want the deadline", err)
	}
}

func TestGPIOPresenceContextAndClose(t *testing.T) {
	p := &gpiotest.Pin{N: "PRESENCE", EdgesChan: make(chan gpio.Level, 1)}
	pr, err := NewGPIOPresence(p, PresenceOptions{Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := pr.WaitPlaced(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitPlaced = %v, want deadline exceeded", err)
	}
	done := make(chan error, 1)
	go func() { done <- pr.WaitPlaced(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	if err := pr.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("WaitPlaced after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the wait")
	}
}

func TestGPIOPresenceNeedsEdgeSupport(t *testing.T) {
	// gpiotest refuses edge detection without an edge channel, as a
	// driver without interrupts would: the error must surface.
	if _, err := NewGPIOPresence(&gpiotest.Pin{N: "X"}, PresenceOptions{}); err == nil {
		t.Error("accepted a line without edge support")
	}
}
