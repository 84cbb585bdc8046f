package hal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/pin"
)

// GPIOOptions tune a GPIOLEDs.
type GPIOOptions struct {
	// ActiveLow lists the channels whose driver lights the LED when the
	// line is low. Levels are inverted in software, because periph's line
	// requests carry no active-low flag.
	ActiveLow ChannelSet
	// Groups are multi-line handles (such as a gpioioctl.LineSet) that hold
	// some of the lines; the lines of one group are written in a single
	// operation. A line is matched to a group by identity with one of the
	// group's Pins, or else by name. Lines in no group are written one by
	// one.
	Groups []gpio.Group
	// Release is called by Close after every line is off, to give the
	// lines back (for example closing the LineSet). Optional.
	Release func() error
}

// GPIOLEDs drives LED channels through periph GPIO output lines. The lines
// are looked up by the caller (cmd) and injected, so this package keeps no
// registry.
type GPIOLEDs struct {
	mu        sync.Mutex
	lines     [NumChannels]gpio.PinOut
	available ChannelSet
	activeLow ChannelSet
	groups    []ledGroup
	loose     []Channel // channels written line by line
	release   func() error
	state     ChannelSet
	closed    bool
}

// ledGroup is one gpio.Group and the channel behind each of its offsets.
type ledGroup struct {
	g       gpio.Group
	offsets map[Channel]int
	mask    gpio.GPIOValue
	// disabled is set once the group said it cannot write; its lines are
	// then written one by one.
	disabled bool
}

// NewGPIOLEDs drives the given lines. It switches every line off before
// returning, so the board starts dark whatever state a previous process
// left it in.
func NewGPIOLEDs(lines map[Channel]gpio.PinOut, opts GPIOOptions) (*GPIOLEDs, error) {
	l := &GPIOLEDs{activeLow: opts.ActiveLow, release: opts.Release}
	for c, p := range lines {
		if c >= numChannels {
			return nil, fmt.Errorf("%w: %v", ErrUnknownChannel, c)
		}
		if p == nil {
			return nil, fmt.Errorf("no line for channel %s", c)
		}
		l.lines[c] = p
		l.available |= SetOf(c)
	}
	if l.available == 0 {
		return nil, errors.New("no LED lines given")
	}
	if extra := opts.ActiveLow &^ l.available; extra != 0 {
		return nil, fmt.Errorf("active-low channels without a line: %s", extra)
	}
	grouped := ChannelSet(0)
	for gi, g := range opts.Groups {
		lg := ledGroup{g: g, offsets: map[Channel]int{}}
		pins := g.Pins()
		if len(pins) > 64 {
			return nil, fmt.Errorf("group %d has %d lines; at most 64 can be written at once", gi, len(pins))
		}
		for _, c := range l.available.Channels() {
			off := groupOffset(pins, l.lines[c])
			if off < 0 {
				continue
			}
			if grouped.Has(c) {
				return nil, fmt.Errorf("channel %s is in more than one group", c)
			}
			grouped |= SetOf(c)
			lg.offsets[c] = off
			lg.mask |= 1 << off
		}
		if len(lg.offsets) == 0 {
			return nil, fmt.Errorf("group %d holds none of the LED lines", gi)
		}
		l.groups = append(l.groups, lg)
	}
	l.loose = (l.available &^ grouped).Channels()
	// Start dark: write every line, whatever we believe the state is.
	if err := l.writeLocked(0, true); err != nil {
		return nil, fmt.Errorf("switching LEDs off at start: %w", err)
	}
	return l, nil
}

// groupOffset finds p among pins, by identity and else by name.
func groupOffset(pins []pin.Pin, p gpio.PinOut) int {
	for i, q := range pins {
		if q == pin.Pin(p) {
			return i
		}
	}
	for i, q := range pins {
		if q != nil && q.Name() != "" && q.Name() == p.Name() {
			return i
		}
	}
	return -1
}

// Set implements LEDs. Grouped lines are switched in one write; loose
// lines are switched off before any is switched on, so that no moment
// lights more channels than the old or the new state.
func (l *GPIOLEDs) Set(on ChannelSet) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if missing := on &^ l.available; missing != 0 {
		return fmt.Errorf("%w: %s", ErrChannelMissing, missing)
	}
	return l.writeLocked(on, false)
}

// writeLocked drives the lines to on. When force is false, lines already
// in the wanted state are not rewritten.
func (l *GPIOLEDs) writeLocked(on ChannelSet, force bool) error {
	var errs []error
	for gi := range l.groups {
		lg := &l.groups[gi]
		if lg.disabled {
			continue
		}
		var value gpio.GPIOValue
		for c, off := range lg.offsets {
			if l.level(c, on.Has(c)) == gpio.High {
				value |= 1 << off
			}
		}
		err := lg.g.Out(value, lg.mask)
		switch {
		case err == nil:
			for c := range lg.offsets {
				l.state = l.state&^SetOf(c) | on&SetOf(c)
			}
		case errors.Is(err, gpio.ErrGroupFeatureNotImplemented):
			// The driver cannot write the group; fall back for good.
			lg.disabled = true
			for c := range lg.offsets {
				l.loose = append(l.loose, c)
			}
			slices.Sort(l.loose)
		default:
			errs = append(errs, fmt.Errorf("writing LED group %s: %w", lg.g, err))
		}
	}
	// Loose lines: off first, then on.
	for _, phase := range []bool{false, true} {
		for _, c := range l.loose {
			want := on.Has(c)
			if want != phase {
				continue
			}
			if !force && l.state.Has(c) == want {
				continue
			}
			if err := l.lines[c].Out(l.level(c, want)); err != nil {
				errs = append(errs, fmt.Errorf("writing LED %s (%s): %w", c, l.lines[c].Name(), err))
				continue
			}
			l.state = l.state&^SetOf(c) | on&SetOf(c)
		}
	}
	return errors.Join(errs...)
}

// level returns the line level that makes channel c lit (or dark).
func (l *GPIOLEDs) level(c Channel, lit bool) gpio.Level {
	return gpio.Level(lit != l.activeLow.Has(c))
}

// State implements LEDs: the channels last written as lit.
func (l *GPIOLEDs) State() ChannelSet {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// Available implements LEDs.
func (l *GPIOLEDs) Available() ChannelSet { return l.available }

// Grouped reports how many channels are written through a group (in one
// write per group) rather than line by line.
func (l *GPIOLEDs) Grouped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.available.Len() - len(l.loose)
}

// Close implements LEDs: every line is written off (even those believed
// off), then the lines are released.
func (l *GPIOLEDs) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.writeLocked(0, true)
	if l.release != nil {
		err = errors.Join(err, l.release())
	}
	return err
}

// PresenceOptions tune a GPIOPresence.
type PresenceOptions struct {
	// ActiveLow means the input reads low while a document lies on the
	// glass (a switch to ground with a pull-up), so placing it is a
	// falling edge.
	ActiveLow bool
	// Pull is the bias to request; gpio.PullNoChange keeps the line's.
	Pull gpio.Pull
	// Debounce is how long the input must go without an edge for its
	// level to count. 0 means 20 ms.
	Debounce time.Duration
	// Poll bounds how long one wait blocks in the driver before the
	// context is checked again. 0 means 100 ms.
	Poll time.Duration
	// Release is called by Close. Optional.
	Release func() error
}

// GPIOPresence is a document-presence input on a periph GPIO line. It
// reports placements, not levels: a document counts once, when the line
// settles at the active level after it had settled at the other.
type GPIOPresence struct {
	pin    gpio.PinIn
	active gpio.Level
	opts   PresenceOptions
	// waitMu serialises WaitPlaced calls and guards present, the level
	// the line last settled at, so that one placement is reported once.
	waitMu  sync.Mutex
	present bool
	closeMu sync.Mutex
	closed  bool
}

// NewGPIOPresence configures p as an input with edge detection in both
// directions: removing a document matters as much as placing one.
func NewGPIOPresence(p gpio.PinIn, opts PresenceOptions) (*GPIOPresence, error) {
	if p == nil {
		return nil, errors.New("no presence line given")
	}
	if opts.Debounce == 0 {
		opts.Debounce = 20 * time.Millisecond
	}
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	active := gpio.High
	if opts.ActiveLow {
		active = gpio.Low
	}
	if err := p.In(opts.Pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("configuring presence input %s: %w", p.Name(), err)
	}
	// A document already lying on the glass at start does not count:
	// only placing one does.
	return &GPIOPresence{pin: p, active: active, opts: opts, present: p.Read() == active}, nil
}

// WaitPlaced implements Presence. It returns when the line settles at the
// active level, having last settled at the inactive one. The line has
// settled once no edge came for the debounce time, so a switch that
// bounces, even for longer than one wait, reports a single placement:
// bounces after the report are read as the same document lying there.
func (g *GPIOPresence) WaitPlaced(ctx context.Context) error {
	g.waitMu.Lock()
	defer g.waitMu.Unlock()
	// Interrupt a blocked driver wait as soon as ctx ends, where the
	// driver supports it; the bounded poll covers the others.
	stop := context.AfterFunc(ctx, func() { _ = g.pin.Halt() })
	defer stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if g.isClosed() {
			return ErrClosed
		}
		if g.pin.WaitForEdge(g.opts.Debounce) {
			continue // not settled yet
		}
		if err := ctx.Err(); err != nil {
			return err // the wait was halted, not quiet
		}
		placed := g.pin.Read() == g.active
		wasPresent := g.present
		g.present = placed
		if placed && !wasPresent {
			return nil
		}
		// Settled: block until the line moves, or Poll passes so that a
		// driver that cannot be halted still sees ctx and Close.
		g.pin.WaitForEdge(g.opts.Poll)
	}
}

func (g *GPIOPresence) isClosed() bool {
	g.closeMu.Lock()
	defer g.closeMu.Unlock()
	return g.closed
}

// Close implements Presence.
func (g *GPIOPresence) Close() error {
	g.closeMu.Lock()
	if g.closed {
		g.closeMu.Unlock()
		return nil
	}
	g.closed = true
	g.closeMu.Unlock()
	err := g.pin.Halt()
	if g.opts.Release != nil {
		err = errors.Join(err, g.opts.Release())
	}
	return err
}

var (
	_ LEDs     = (*GPIOLEDs)(nil)
	_ Presence = (*GPIOPresence)(nil)
)
