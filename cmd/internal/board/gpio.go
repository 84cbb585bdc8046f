package board

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
	"periph.io/x/host/v3/gpioioctl"

	"github.com/docscan/docscan/hal"
)

// Hardware is a board opened on real GPIO lines.
type Hardware struct {
	LEDs *hal.GPIOLEDs
	// Presence is nil when the profile has no presence input.
	Presence *hal.GPIOPresence
	// Grouped is how many LED channels switch through a multi-line
	// request (one write per chip) rather than line by line.
	Grouped int
}

// Close switches every LED off and releases all lines.
func (h *Hardware) Close() error {
	err := h.LEDs.Close()
	if h.Presence != nil {
		err = errors.Join(err, h.Presence.Close())
	}
	return err
}

// chip is one GPIO controller as board needs it; ioctlChip is the real one
// (a /dev/gpiochipN through periph's gpioioctl driver).
type chip interface {
	Name() string
	HasLine(name string) bool
	// Consumer names who held the line when the chip was scanned ("" if
	// nobody), for error messages about busy lines.
	Consumer(name string) string
	// Outputs requests the lines as outputs in one request; the returned
	// group writes them together, pins are in names order.
	Outputs(names []string) (gpio.Group, []gpio.PinOut, func() error, error)
	// Input returns the line for use as an input.
	Input(name string) (gpio.PinIn, func() error, error)
}

type ioctlChip struct{ c *gpioioctl.GPIOChip }

func (c ioctlChip) Name() string             { return c.c.Name() + " (" + c.c.Label() + ")" }
func (c ioctlChip) HasLine(name string) bool { return c.c.ByName(name) != nil }
func (c ioctlChip) Consumer(name string) string {
	if l := c.c.ByName(name); l != nil {
		return l.Consumer()
	}
	return ""
}

func (c ioctlChip) Outputs(names []string) (gpio.Group, []gpio.PinOut, func() error, error) {
	ls, err := c.c.LineSet(gpioioctl.LineOutput, gpio.NoEdge, gpio.PullNoChange, names...)
	if err != nil {
		return nil, nil, nil, err
	}
	pins := make([]gpio.PinOut, len(names))
	for i, n := range names {
		p, ok := ls.ByName(n).(gpio.PinOut)
		if !ok {
			_ = ls.Close()
			return nil, nil, nil, fmt.Errorf("line %s missing from its line set", n)
		}
		pins[i] = p
	}
	return ls, pins, ls.Close, nil
}

func (c ioctlChip) Input(name string) (gpio.PinIn, func() error, error) {
	l := c.c.ByName(name)
	if l == nil {
		return nil, nil, fmt.Errorf("line %s not on %s", name, c.Name())
	}
	return l, func() error { l.Close(); return nil }, nil
}

// lineSource is where lines are looked up: the GPIO chips first, then
// periph's registry (drivers without a chip, such as bcm283x memory
// mapping or sysfs).
type lineSource struct {
	chips    []chip
	byName   func(string) gpio.PinIO
	failures []string // drivers that failed to load, for error messages
}

// OpenGPIO initialises periph's host drivers and opens the profile's
// lines. All LEDs are off when it returns. log may be nil.
func OpenGPIO(p Profile, log *slog.Logger) (*Hardware, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	state, err := host.Init()
	if err != nil {
		return nil, fmt.Errorf("initialising periph: %w", err)
	}
	src := lineSource{byName: gpioreg.ByName}
	for _, f := range state.Failed {
		log.Warn("periph driver failed", "driver", f.D.String(), "err", f.Err)
		src.failures = append(src.failures, fmt.Sprintf("%s: %v", f.D, f.Err))
	}
	for _, f := range state.Skipped {
		if f.D.String() == "ioctl-gpio" {
			src.failures = append(src.failures, fmt.Sprintf("%s skipped: %v", f.D, f.Err))
		}
	}
	for _, c := range gpioioctl.Chips {
		src.chips = append(src.chips, ioctlChip{c})
	}
	return open(p, src, log)
}

// open resolves the profile against src.
func open(p Profile, src lineSource, log *slog.Logger) (hw *Hardware, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lines, err := p.Lines()
	if err != nil {
		return nil, err
	}
	activeLow, err := p.activeLow()
	if err != nil {
		return nil, err
	}
	var releases []func() error
	releaseAll := func() error {
		var errs []error
		for i := len(releases) - 1; i >= 0; i-- {
			errs = append(errs, releases[i]())
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = releaseAll()
		}
	}()

	// Which chip holds each line.
	perChip := map[int][]hal.Channel{}
	pins := map[hal.Channel]gpio.PinOut{}
	var missing []string
	for _, c := range hal.AllChannels {
		name, ok := lines[c]
		if !ok {
			continue
		}
		ci := src.find(name)
		switch {
		case ci >= 0:
			perChip[ci] = append(perChip[ci], c)
		case src.byName != nil && src.byName(name) != nil:
			pins[c] = src.byName(name)
		default:
			missing = append(missing, fmt.Sprintf("%s (%s)", name, c))
		}
	}
	if p.Presence != "" && src.find(p.Presence) < 0 && (src.byName == nil || src.byName(p.Presence) == nil) {
		missing = append(missing, fmt.Sprintf("%s (presence)", p.Presence))
	}
	if len(missing) > 0 {
		return nil, src.missingError(missing)
	}

	var groups []gpio.Group
	for ci := range src.chips {
		chans := perChip[ci]
		if len(chans) == 0 {
			continue
		}
		names := make([]string, len(chans))
		for i, c := range chans {
			names[i] = lines[c]
		}
		g, outs, release, err := src.chips[ci].Outputs(names)
		if err != nil {
			return nil, src.requestError(ci, names, err)
		}
		releases = append(releases, release)
		groups = append(groups, g)
		for i, c := range chans {
			pins[c] = outs[i]
		}
	}
	owned := releases
	leds, err := hal.NewGPIOLEDs(pins, hal.GPIOOptions{ActiveLow: activeLow, Groups: groups, Release: func() error {
		var errs []error
		for i := len(owned) - 1; i >= 0; i-- {
			errs = append(errs, owned[i]())
		}
		return errors.Join(errs...)
	}})
	if err != nil {
		return nil, err
	}
	hw = &Hardware{LEDs: leds, Grouped: leds.Grouped()}
	// From here the LEDs own the releases.
	releases = nil
	defer func() {
		if err != nil {
			_ = leds.Close()
		}
	}()
	if p.Presence != "" {
		pres, err := openPresence(p, src)
		if err != nil {
			return nil, err
		}
		hw.Presence = pres
	}
	log.Info("board opened", "profile", p.Name, "wiring", p.String(), "grouped", hw.Grouped)
	return hw, nil
}

func openPresence(p Profile, src lineSource) (*hal.GPIOPresence, error) {
	pull, err := p.pull()
	if err != nil {
		return nil, err
	}
	var in gpio.PinIn
	release := func() error { return nil }
	if ci := src.find(p.Presence); ci >= 0 {
		in, release, err = src.chips[ci].Input(p.Presence)
		if err != nil {
			return nil, src.requestError(ci, []string{p.Presence}, err)
		}
	} else {
		in = src.byName(p.Presence)
	}
	pres, err := hal.NewGPIOPresence(in, hal.PresenceOptions{ActiveLow: p.PresenceActiveLow, Pull: pull, Release: release})
	if err != nil {
		_ = release()
		return nil, err
	}
	return pres, nil
}

func (s lineSource) find(name string) int {
	for i, c := range s.chips {
		if c.HasLine(name) {
			return i
		}
	}
	return -1
}

// ErrLineNotFound is returned when a profile names a line no GPIO chip has.
var ErrLineNotFound = errors.New("GPIO line not found")

func (s lineSource) missingError(missing []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %s", ErrLineNotFound, strings.Join(missing, ", "))
	if len(s.chips) == 0 {
		b.WriteString("; no GPIO chip found")
	} else {
		names := make([]string, len(s.chips))
		for i, c := range s.chips {
			names[i] = c.Name()
		}
		fmt.Fprintf(&b, "; chips searched: %s", strings.Join(names, ", "))
	}
	if len(s.failures) > 0 {
		fmt.Fprintf(&b, "; periph drivers: %s", strings.Join(s.failures, "; "))
	}
	return &lineError{msg: b.String(), err: ErrLineNotFound}
}

// requestError explains a failed line request, naming who holds busy
// lines.
func (s lineSource) requestError(ci int, names []string, err error) error {
	var held []string
	for _, n := range names {
		if who := s.chips[ci].Consumer(n); who != "" {
			held = append(held, n+" by "+who)
		}
	}
	msg := fmt.Sprintf("requesting %s on %s: %v", strings.Join(names, ","), s.chips[ci].Name(), err)
	if len(held) > 0 {
		msg += " (held: " + strings.Join(held, ", ") + ")"
	}
	return &lineError{msg: msg, err: err}
}

type lineError struct {
	msg string
	err error
}

func (e *lineError) Error() string { return e.msg }
func (e *lineError) Unwrap() error { return e.err }
