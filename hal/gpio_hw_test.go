//go:build hwtest && linux

// Tests of the periph GPIO HAL on a real kernel GPIO chip (gpio-sim),
// through periph's gpioioctl driver, in the VM that .ci/hwtest/hwtest.sh
// boots (see docs/testing.md). Levels are read and inputs driven through
// gpio-sim's sysfs attributes, never through periph.

package hal_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3"
	"periph.io/x/host/v3/gpioioctl"

	"github.com/docscan/docscan/hal"
)

// knownBugs are bugs in the code under test that these tests reproduce
// and that are reported to its owners. While one is listed, its test
// passes only if the bug still shows, and fails once it is fixed, so
// that the entry goes with the fix.
var knownBugs = map[string]string{}

// expectFixed checks behaviour that a listed known bug breaks.
func expectFixed(t *testing.T, bug string, ok bool, failure string) {
	t.Helper()
	if _, known := knownBugs[bug]; !known {
		if !ok {
			t.Error(failure)
		}
		return
	}
	if ok {
		t.Errorf("known bug %q no longer shows: remove it from knownBugs", bug)
		return
	}
	t.Logf("KNOWN BUG %s reproduced: %s", bug, failure)
}

type simLines struct {
	t      *testing.T
	sysfs  string
	offset map[string]int
	leds   map[hal.Channel]string
	pres   string
}

// newSimLines reads the chip's line names from configfs and the roles
// the harness gave them from HWTEST_LINES.
func newSimLines(t *testing.T) *simLines {
	t.Helper()
	sysfs, cfg, linesFile := os.Getenv("HWTEST_GPIOSIM"), os.Getenv("HWTEST_GPIOSIM_CONFIG"), os.Getenv("HWTEST_LINES")
	if sysfs == "" || cfg == "" || linesFile == "" {
		t.Fatal("HWTEST_GPIOSIM, HWTEST_GPIOSIM_CONFIG and HWTEST_LINES are not set: run these tests with .ci/hwtest/hwtest.sh")
	}
	s := &simLines{t: t, sysfs: sysfs, offset: map[string]int{}, leds: map[hal.Channel]string{}}
	dirs, _ := filepath.Glob(filepath.Join(cfg, "line*"))
	for _, d := range dirs {
		off, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "line"))
		if err != nil {
			continue
		}
		name, err := os.ReadFile(filepath.Join(d, "name"))
		if err != nil {
			t.Fatal(err)
		}
		s.offset[strings.TrimSpace(string(name))] = off
	}
	f, err := os.Open(linesFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		switch fields[0] {
		case "led":
			c, err := hal.ParseChannel(fields[1])
			if err != nil {
				t.Fatal(err)
			}
			s.leds[c] = fields[2]
		case "presence":
			s.pres = fields[2]
		}
	}
	if len(s.leds) == 0 || s.pres == "" {
		t.Fatalf("%s names no LED or presence lines", linesFile)
	}
	return s
}

func (s *simLines) attr(line, attr string) string {
	off, ok := s.offset[line]
	if !ok {
		s.t.Fatalf("gpio-sim has no line %q", line)
	}
	return filepath.Join(s.sysfs, fmt.Sprintf("sim_gpio%d", off), attr)
}

func (s *simLines) value(line string) int {
	b, err := os.ReadFile(s.attr(line, "value"))
	if err != nil {
		s.t.Fatal(err)
	}
	return int(b[0] - '0')
}

func (s *simLines) pull(line, pull string) {
	if err := os.WriteFile(s.attr(line, "pull"), []byte(pull), 0); err != nil {
		s.t.Fatal(err)
	}
}

func (s *simLines) high() hal.ChannelSet {
	var set hal.ChannelSet
	for c, l := range s.leds {
		if s.value(l) == 1 {
			set |= hal.SetOf(c)
		}
	}
	return set
}

// chip initialises periph and returns the gpio-sim chip.
func chip(t *testing.T) *gpioioctl.GPIOChip {
	t.Helper()
	state, err := host.Init()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range state.Failed {
		t.Logf("periph driver %s failed: %v", f.D, f.Err)
	}
	want := os.Getenv("HWTEST_GPIOCHIP")
	for _, c := range gpioioctl.Chips {
		if c.Path() == want {
			return c
		}
	}
	t.Fatalf("periph's gpioioctl did not find %s (chips: %d)", want, len(gpioioctl.Chips))
	return nil
}

// TestHWGPIOLEDsLineByLine drives the LEDs through single-line requests
// (no group), one channel active-low, and checks every level in sysfs.
func TestHWGPIOLEDsLineByLine(t *testing.T) {
	sim := newSimLines(t)
	c := chip(t)
	pins := map[hal.Channel]gpio.PinOut{}
	var opened []*gpioioctl.GPIOLine
	for ch, name := range sim.leds {
		l := c.ByName(name)
		if l == nil {
			t.Fatalf("no line %s on %s", name, c.Path())
		}
		pins[ch] = l
		opened = append(opened, l)
	}
	activeLow := hal.SetOf(hal.UV)
	leds, err := hal.NewGPIOLEDs(pins, hal.GPIOOptions{ActiveLow: activeLow, Release: func() error {
		for _, l := range opened {
			l.Close()
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer leds.Close()
	if leds.Grouped() != 0 {
		t.Errorf("Grouped() = %d without groups", leds.Grouped())
	}
	check := func(lit hal.ChannelSet) {
		t.Helper()
		if got, want := sim.high(), lit^activeLow; got != want {
			t.Errorf("lit %s: high lines %s, want %s", lit, got, want)
		}
	}
	check(0)
	prev := hal.ChannelSet(0)
	for _, ch := range hal.AllChannels {
		// Each step switches one channel on and the previous one off.
		if err := leds.Set(hal.SetOf(ch)); err != nil {
			t.Fatal(err)
		}
		check(hal.SetOf(ch))
		prev = hal.SetOf(ch)
	}
	if err := leds.Set(prev | hal.SetOf(hal.WhiteTop)); err != nil {
		t.Fatal(err)
	}
	check(prev | hal.SetOf(hal.WhiteTop))
	if err := leds.Close(); err != nil {
		t.Fatal(err)
	}
	if err := leds.Set(hal.SetOf(hal.WhiteTop)); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Set after Close = %v", err)
	}
	// Released lines go back to their (default, low) pull.
	if got := sim.high(); got != 0 {
		t.Errorf("after Close %s are high", got)
	}
}

// TestHWGPIOLEDsGroupAndLoose puts some lines in a gpioioctl LineSet and
// leaves the others loose: the group's channels are written together,
// and every level is right.
func TestHWGPIOLEDsGroupAndLoose(t *testing.T) {
	sim := newSimLines(t)
	c := chip(t)
	grouped := []hal.Channel{hal.WhiteTop, hal.IRTop, hal.UV}
	var names []string
	for _, ch := range grouped {
		names = append(names, sim.leds[ch])
	}
	ls, err := c.LineSet(gpioioctl.LineOutput, gpio.NoEdge, gpio.PullNoChange, names...)
	if err != nil {
		t.Fatal(err)
	}
	pins := map[hal.Channel]gpio.PinOut{}
	var loose []*gpioioctl.GPIOLine
	for ch, name := range sim.leds {
		if p, ok := ls.ByName(name).(gpio.PinOut); ok {
			pins[ch] = p
			continue
		}
		l := c.ByName(name)
		pins[ch] = l
		loose = append(loose, l)
	}
	leds, err := hal.NewGPIOLEDs(pins, hal.GPIOOptions{Groups: []gpio.Group{ls}, Release: func() error {
		for _, l := range loose {
			l.Close()
		}
		return ls.Close()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer leds.Close()
	if leds.Grouped() != len(grouped) {
		t.Errorf("Grouped() = %d, want %d", leds.Grouped(), len(grouped))
	}
	for _, set := range []hal.ChannelSet{
		hal.SetOf(hal.WhiteTop, hal.IRTop),
		hal.SetOf(hal.UV, hal.WhiteSide),
		hal.AllChannelSet,
		hal.SetOf(hal.AxialRight),
		0,
	} {
		if err := leds.Set(set); err != nil {
			t.Fatal(err)
		}
		if got := sim.high(); got != set {
			t.Errorf("Set(%s): high lines %s", set, got)
		}
	}
}

// TestHWGPIOPresence drives the presence line's simulated pull: an
// active-high input with a pull-down sees a placement as a rising edge.
func TestHWGPIOPresence(t *testing.T) {
	sim := newSimLines(t)
	c := chip(t)
	line := c.ByName(sim.pres)
	sim.pull(sim.pres, "pull-down")
	p, err := hal.NewGPIOPresence(line, hal.PresenceOptions{Pull: gpio.PullNoChange, Release: func() error { line.Close(); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	wait := func(d time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return p.WaitPlaced(ctx)
	}
	done := make(chan error, 1)
	go func() { done <- wait(5 * time.Second) }()
	time.Sleep(100 * time.Millisecond)
	sim.pull(sim.pres, "pull-up")
	if err := <-done; err != nil {
		t.Fatalf("WaitPlaced = %v", err)
	}
	// Still lying there: no new placement.
	if err := wait(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitPlaced with the document still there = %v, want the deadline", err)
	}
	sim.pull(sim.pres, "pull-down")

	// Placements whose switch bounced (up, down, up, down, up, a few ms
	// apart, as contacts bounce): each is one placement. The kernel
	// queues an edge per bounce unless they come too fast to tell apart,
	// so a few rounds make sure some are queued.
	stale := 0
	for round := range 3 {
		go func() { done <- wait(5 * time.Second) }()
		time.Sleep(100 * time.Millisecond)
		for i, pull := range []string{"pull-up", "pull-down", "pull-up", "pull-down", "pull-up"} {
			if i > 0 {
				time.Sleep(3 * time.Millisecond)
			}
			sim.pull(sim.pres, pull)
		}
		if err := <-done; err != nil {
			t.Fatalf("round %d: WaitPlaced across a bouncy placement = %v", round, err)
		}
		if err := wait(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			stale++
		}
		sim.pull(sim.pres, "pull-down")
	}
	expectFixed(t, "presence-stale-edge", stale == 0,
		fmt.Sprintf("in %d of 3 rounds the next WaitPlaced, with the same document still lying there, reported a placement", stale))

	// Close interrupts a wait.
	go func() { done <- wait(5 * time.Second) }()
	time.Sleep(100 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, hal.ErrClosed) {
			t.Errorf("WaitPlaced interrupted by Close = %v, want hal.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not interrupt WaitPlaced")
	}
}
