package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
)

const lightsUsage = `usage: docscan lights [flags] off | on CHANNEL[,CHANNEL...] | test

  off    switch every LED off and release the lines. Run by systemd's
         ExecStopPost: when docscand has died, the kernel has freed its
         lines, and this drives them to their off level (on a Raspberry Pi
         a line keeps its last level after release). If a live process
         still holds them, the error names it.
  on     switch the channels on until interrupted (or -for passes), then
         off. UV stays on at most its safety limit (2 s).
  test   switch each channel on for -on-time in turn and report.

channels: white-top white-side white-front ir-top ir-side ir-front uv
          axial-left axial-right (or "all" for on)
flags (before or after the command):
`

// runLights is the technicians' LED tool.
func runLights(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lights", flag.ContinueOnError)
	fs.SetOutput(stderr)
	halKind := fs.String("hal", "gpio", "hardware: gpio (the board's GPIO lines) or sim (a simulated board, prints its LED log)")
	config := fs.String("config", "", "board profile YAML, or the daemon's config file with a board: section (default: the built-in Raspberry Pi profile)")
	onTime := fs.Duration("on-time", 300*time.Millisecond, "test: how long each channel is lit")
	gap := fs.Duration("gap", 200*time.Millisecond, "test: dark pause between channels")
	forDur := fs.Duration("for", 0, "on: switch off after this long (0: until interrupted)")
	verbose := fs.Bool("v", false, "log periph and safety events")
	fs.Usage = func() {
		fmt.Fprint(stderr, lightsUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return usagef("missing command: off, on or test")
	}
	cmd, rest := rest[0], rest[1:]
	var operand string
	if cmd == "on" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return usagef("lights on: which channel? (e.g. lights on white-top)")
		}
		operand, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	profile := board.RaspberryPi()
	if *config != "" {
		p, cfgHAL, err := loadLightsConfig(*config)
		if err != nil {
			return err
		}
		profile = p
		halGiven := false
		fs.Visit(func(f *flag.Flag) { halGiven = halGiven || f.Name == "hal" })
		if cfgHAL != "" && !halGiven {
			*halKind = cfgHAL // the daemon's own choice, e.g. sim on a test install
		}
	}

	// The presence input plays no part here; leaving it out means a fault
	// on it cannot stop the LEDs from being switched off.
	profile.Presence = ""
	var leds hal.LEDs
	var sim *hal.SimLEDs
	switch *halKind {
	case "gpio":
		hw, err := board.OpenGPIO(profile, log)
		if err != nil {
			return err
		}
		leds = hw.LEDs
	case "sim":
		s, _, err := board.OpenSim(profile)
		if err != nil {
			return err
		}
		leds, sim = s, s
	default:
		return usagef("-hal %q: want gpio or sim", *halKind)
	}
	lines, _ := profile.Lines()

	var err error
	switch cmd {
	case "off":
		err = leds.Close()
		if err == nil {
			fmt.Fprintf(stdout, "all LEDs off (%s)\n", profile)
		}
	case "on":
		err = lightsOn(ctx, leds, operand, *forDur, lines, log, stdout)
	case "test":
		err = lightsTest(ctx, leds, *onTime, *gap, lines, log, stdout)
	default:
		_ = leds.Close()
		fs.Usage()
		return usagef("unknown lights command %q", cmd)
	}
	if sim != nil {
		printLEDLog(stdout, sim.History())
	}
	return err
}

// parseChannels reads "white-top,uv" or "all".
func parseChannels(s string, available hal.ChannelSet) (hal.ChannelSet, error) {
	if s == "all" {
		return available, nil
	}
	var set hal.ChannelSet
	for _, name := range strings.Split(s, ",") {
		c, err := hal.ParseChannel(strings.TrimSpace(name))
		if err != nil {
			return 0, err
		}
		set |= hal.SetOf(c)
	}
	if missing := set &^ available; missing != 0 {
		return 0, fmt.Errorf("%w: %s (this board has %s)", hal.ErrChannelMissing, missing, available)
	}
	return set, nil
}

func lightsOn(ctx context.Context, leds hal.LEDs, operand string, forDur time.Duration, lines map[hal.Channel]string, log *slog.Logger, stdout io.Writer) (err error) {
	g, err := lights.NewGuard(leds, lights.DefaultUVLimits(), log)
	if err != nil {
		_ = leds.Close()
		return err
	}
	defer func() { err = errors.Join(err, g.Close()) }()
	set, err := parseChannels(operand, g.Available())
	if err != nil {
		return err
	}
	if err := g.Set(set); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "on: %s (%s)", set, lineNames(set, lines))
	if set.Has(hal.UV) {
		fmt.Fprintf(stdout, "; UV goes off after %s", g.Limits().MaxOn)
	}
	if forDur > 0 {
		fmt.Fprintf(stdout, "; off in %s\n", forDur)
	} else {
		fmt.Fprintln(stdout, "; interrupt to switch off")
	}
	var deadline <-chan time.Time
	if forDur > 0 {
		t := time.NewTimer(forDur)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	reported := set
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "off")
			return nil
		case <-deadline:
			fmt.Fprintln(stdout, "off")
			return nil
		case <-tick.C:
			st := g.State()
			if st == reported {
				continue
			}
			fmt.Fprintf(stdout, "the safety limit switched off %s\n", reported&^st)
			reported = st
			if st == 0 {
				return nil
			}
		}
	}
}

func lightsTest(ctx context.Context, leds hal.LEDs, onTime, gap time.Duration, lines map[hal.Channel]string, log *slog.Logger, stdout io.Writer) (err error) {
	g, err := lights.NewGuard(leds, lights.DefaultUVLimits(), log)
	if err != nil {
		_ = leds.Close()
		return err
	}
	defer func() { err = errors.Join(err, g.Close()) }()
	if g.Available().Has(hal.UV) && onTime > g.Limits().MaxOn {
		return fmt.Errorf("-on-time %s exceeds the UV limit %s", onTime, g.Limits().MaxOn)
	}
	var failed []string
	for _, c := range g.Available().Channels() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c == hal.UV {
			if err := g.WaitUV(ctx); err != nil {
				return err
			}
		}
		start := time.Now()
		err := g.Set(hal.SetOf(c))
		if err == nil {
			err = hal.Sleep(ctx, onTime)
		}
		offErr := g.Set(0)
		lit := time.Since(start)
		if err = errors.Join(err, offErr); err != nil {
			failed = append(failed, c.String())
			fmt.Fprintf(stdout, "%-12s %-10s FAILED: %v\n", c, lines[c], err)
		} else {
			fmt.Fprintf(stdout, "%-12s %-10s ok (lit %s)\n", c, lines[c], lit.Round(time.Millisecond))
		}
		if err := hal.Sleep(ctx, gap); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("channels failed: %s", strings.Join(failed, ", "))
	}
	fmt.Fprintf(stdout, "all %d channels switched; check each lit as listed\n", g.Available().Len())
	return nil
}

func lineNames(set hal.ChannelSet, lines map[hal.Channel]string) string {
	var out []string
	for _, c := range set.Channels() {
		out = append(out, lines[c])
	}
	return strings.Join(out, ",")
}

func printLEDLog(w io.Writer, h []hal.Change) {
	if len(h) == 0 {
		fmt.Fprintln(w, "simulated LED log: no change")
		return
	}
	fmt.Fprintln(w, "simulated LED log:")
	for _, c := range h {
		fmt.Fprintf(w, "  +%8.3fs %s\n", c.Time.Sub(h[0].Time).Seconds(), c.State)
	}
}

// loadLightsConfig reads a board profile file, or the daemon's config file:
// its board: section (the built-in profile when it has none) and its hal:
// setting.
func loadLightsConfig(path string) (board.Profile, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return board.Profile{}, "", err
	}
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return board.Profile{}, "", fmt.Errorf("%s: %w", path, err)
	}
	halKind, _ := top["hal"].(string)
	_, hasBoard := top["board"]
	_, isProfile := top["leds"]
	if !hasBoard && !isProfile {
		return board.RaspberryPi(), halKind, nil
	}
	p, err := board.Parse(data)
	if err != nil {
		return board.Profile{}, "", fmt.Errorf("%s: %w", path, err)
	}
	return p, halKind, nil
}
