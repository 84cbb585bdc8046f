// Package board owns the board profile of a docscan scanner: which GPIO
// line drives each LED channel (and whether it is active-low), the
// optional document-presence input, and overrides of the lighting-scheme
// mapping. It resolves a profile into real periph lines (host.Init, line
// lookup by name on the GPIO character devices, one LineSet per chip so
// that the LEDs switch in one write) and hands cmd a hal.LEDs and
// hal.Presence. It lives in cmd because it uses periph's global driver
// registry, which library code must not.
//
// A profile is YAML, either a file of its own or the "board:" section of
// the daemon's config file:
//
//	board:
//	  name: raspberry-pi
//	  leds:                 # channel → GPIO line name
//	    white-top: GPIO17
//	    uv: GPIO5
//	  active_low: [uv]      # channels lit when their line is low
//	  presence: GPIO26      # optional document-presence input
//	  presence_active_low: true
//	  presence_pull: up     # up | down | none
//	  schemes:              # optional: lighting scheme → channels
//	    OVI: [white-side, white-top]
package board

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
	"periph.io/x/conn/v3/gpio"

	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
)

// Profile is a board profile as configured.
type Profile struct {
	Name string `yaml:"name,omitempty"`
	// LEDs maps channel names (hal.Channel.String, e.g. "ir-front") to GPIO
	// line names (e.g. "GPIO25").
	LEDs map[string]string `yaml:"leds"`
	// ActiveLow lists the channels whose driver lights the LED on a low
	// line.
	ActiveLow []string `yaml:"active_low,omitempty"`
	// Presence is the line of the document-presence input; empty for none.
	Presence          string `yaml:"presence,omitempty"`
	PresenceActiveLow bool   `yaml:"presence_active_low,omitempty"`
	// PresencePull is up, down or none; empty means up for an active-low
	// input and down otherwise.
	PresencePull string `yaml:"presence_pull,omitempty"`
	// Schemes overrides lights.DefaultProfile: scheme name → channel names
	// (an empty list removes the scheme).
	Schemes map[string][]string `yaml:"schemes,omitempty"`
}

// RaspberryPi is the default profile: the LED drivers and the presence
// switch on free header pins of a Raspberry Pi 4 or 5 (no I²C, SPI, UART
// or PCM pins), named as the Pi's GPIO character device names them. The
// presence switch closes to ground, with the pull-up on.
func RaspberryPi() Profile {
	return Profile{
		Name: "raspberry-pi",
		LEDs: map[string]string{
			hal.WhiteTop.String():   "GPIO17", // header pin 11
			hal.WhiteSide.String():  "GPIO27", // pin 13
			hal.WhiteFront.String(): "GPIO22", // pin 15
			hal.IRTop.String():      "GPIO23", // pin 16
			hal.IRSide.String():     "GPIO24", // pin 18
			hal.IRFront.String():    "GPIO25", // pin 22
			hal.UV.String():         "GPIO5",  // pin 29
			hal.AxialLeft.String():  "GPIO6",  // pin 31
			hal.AxialRight.String(): "GPIO16", // pin 36
		},
		Presence:          "GPIO26", // pin 37
		PresenceActiveLow: true,
		PresencePull:      "up",
	}
}

// Parse reads a profile from YAML: a document holding a "board:" key uses
// that section (the daemon's config file), any other is the profile
// itself. Unknown profile fields are errors, so a typo does not silently
// leave a light unwired.
func Parse(data []byte) (Profile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Profile{}, fmt.Errorf("board profile: %w", err)
	}
	node := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		node = doc.Content[0]
	}
	if node.Kind != yaml.MappingNode {
		return Profile{}, errors.New("board profile: not a YAML mapping")
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == "board" {
			node = node.Content[i+1]
			break
		}
	}
	// Re-encode the chosen node so the strict decoder can check its keys.
	raw, err := yaml.Marshal(node)
	if err != nil {
		return Profile{}, fmt.Errorf("board profile: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return Profile{}, fmt.Errorf("board profile: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// Load reads a profile file (see Parse).
func Load(path string) (Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("board profile: %w", err)
	}
	p, err := Parse(data)
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Validate checks channel names, line names, flags and the scheme
// overrides.
func (p Profile) Validate() error {
	if len(p.LEDs) == 0 {
		return errors.New("board profile: no LED lines (leds:)")
	}
	if _, err := p.Lines(); err != nil {
		return err
	}
	if _, err := p.activeLow(); err != nil {
		return err
	}
	if _, err := p.pull(); err != nil {
		return err
	}
	if _, err := p.LightProfile(); err != nil {
		return fmt.Errorf("board profile schemes: %w", err)
	}
	return nil
}

// Lines returns the line name of every channel the board has.
func (p Profile) Lines() (map[hal.Channel]string, error) {
	out := make(map[hal.Channel]string, len(p.LEDs))
	seen := map[string]string{}
	for name, line := range p.LEDs {
		c, err := hal.ParseChannel(name)
		if err != nil {
			return nil, fmt.Errorf("board profile: %w", err)
		}
		if _, dup := out[c]; dup {
			return nil, fmt.Errorf("board profile: channel %s given twice", c)
		}
		if strings.TrimSpace(line) == "" || strings.ContainsAny(line, "\x00\n") {
			return nil, fmt.Errorf("board profile: channel %s has no valid line name", c)
		}
		if other, dup := seen[line]; dup {
			return nil, fmt.Errorf("board profile: line %s drives both %s and %s", line, other, c)
		}
		seen[line] = c.String()
		out[c] = line
	}
	if p.Presence != "" {
		if ch, clash := seen[p.Presence]; clash {
			return nil, fmt.Errorf("board profile: presence line %s is also LED %s", p.Presence, ch)
		}
	}
	return out, nil
}

// Available returns the channels the board has.
func (p Profile) Available() hal.ChannelSet {
	lines, _ := p.Lines()
	var s hal.ChannelSet
	for c := range lines {
		s |= hal.SetOf(c)
	}
	return s
}

func (p Profile) activeLow() (hal.ChannelSet, error) {
	lines, err := p.Lines()
	if err != nil {
		return 0, err
	}
	var s hal.ChannelSet
	for _, name := range p.ActiveLow {
		c, err := hal.ParseChannel(name)
		if err != nil {
			return 0, fmt.Errorf("board profile active_low: %w", err)
		}
		if _, ok := lines[c]; !ok {
			return 0, fmt.Errorf("board profile active_low: channel %s has no line", c)
		}
		s |= hal.SetOf(c)
	}
	return s, nil
}

func (p Profile) pull() (gpio.Pull, error) {
	switch strings.ToLower(p.PresencePull) {
	case "":
		if p.PresenceActiveLow {
			return gpio.PullUp, nil
		}
		return gpio.PullDown, nil
	case "up":
		return gpio.PullUp, nil
	case "down":
		return gpio.PullDown, nil
	case "none", "float":
		return gpio.Float, nil
	}
	return 0, fmt.Errorf("board profile: presence_pull %q (want up, down or none)", p.PresencePull)
}

// LightProfile returns the lighting-scheme mapping: lights.DefaultProfile
// with this board's overrides.
func (p Profile) LightProfile() (lights.Profile, error) {
	if len(p.Schemes) == 0 {
		return lights.DefaultProfile(), nil
	}
	return lights.DefaultProfile().Override(p.Schemes)
}

// String describes the wiring in channel order, e.g.
// "white-top=GPIO17 ... uv=GPIO5(active-low)".
func (p Profile) String() string {
	lines, _ := p.Lines()
	al, _ := p.activeLow()
	var parts []string
	for _, c := range hal.AllChannels {
		if l, ok := lines[c]; ok {
			s := c.String() + "=" + l
			if al.Has(c) {
				s += "(active-low)"
			}
			parts = append(parts, s)
		}
	}
	if p.Presence != "" {
		parts = append(parts, "presence="+p.Presence)
	}
	return strings.Join(parts, " ")
}

// OpenSim returns the simulated board with the profile's channels, and a
// simulated presence input when the profile has one.
func OpenSim(p Profile) (*hal.SimLEDs, *hal.SimPresence, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	var pres *hal.SimPresence
	if p.Presence != "" {
		pres = hal.NewSimPresence()
	}
	return hal.NewSimLEDs(p.Available()), pres, nil
}
