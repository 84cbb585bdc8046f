package board

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/pin"

	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
)

func TestRaspberryPiProfile(t *testing.T) {
	p := RaspberryPi()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Available() != hal.AllChannelSet {
		t.Errorf("default board has %s, want every channel", p.Available())
	}
	lp, err := p.LightProfile()
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.Check(25165824|152|3224, p.Available()); err != nil {
		t.Errorf("API example masks on the default board: %v", err)
	}
	if !strings.Contains(p.String(), "white-top=GPIO17") || !strings.Contains(p.String(), "presence=GPIO26") {
		t.Errorf("String = %q", p.String())
	}
}

func TestParse(t *testing.T) {
	standalone := `
name: bench
leds:
  white-top: GPIO17
  uv: GPIO5
active_low: [uv]
presence: GPIO26
presence_active_low: true
schemes:
  OVI: [white-top]
`
	inConfig := `
listen: 127.0.0.1:8080
hal: gpio
board:
  leds:
    ir-front: LED_IR
`
	p, err := Parse([]byte(standalone))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "bench" || p.Available() != hal.SetOf(hal.WhiteTop, hal.UV) || p.Presence != "GPIO26" {
		t.Errorf("parsed %+v", p)
	}
	if al, _ := p.activeLow(); al != hal.SetOf(hal.UV) {
		t.Errorf("active-low %s", al)
	}
	if pull, _ := p.pull(); pull != gpio.PullUp {
		t.Errorf("pull %v, want up for an active-low input", pull)
	}
	lp, _ := p.LightProfile()
	if set, _ := lp.Channels(lights.OVI); set != hal.SetOf(hal.WhiteTop) {
		t.Errorf("OVI → %s", set)
	}
	q, err := Parse([]byte(inConfig))
	if err != nil {
		t.Fatal(err)
	}
	if q.LEDs["ir-front"] != "LED_IR" || len(q.LEDs) != 1 {
		t.Errorf("board section: %+v", q)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "board.yaml")
	if err := os.WriteFile(path, []byte(standalone), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := Load(path); err != nil || r.Name != "bench" {
		t.Errorf("Load = %+v, %v", r, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file loaded")
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"not yaml":            "leds: [",
		"not a mapping":       "- a\n- b\n",
		"no leds":             "name: x\n",
		"typo in a field":     "leds: {uv: GPIO5}\nactive_lo: [uv]\n",
		"unknown channel":     "leds: {uv-254: GPIO5}\n",
		"line used twice":     "leds: {uv: GPIO5, ir-top: GPIO5}\n",
		"empty line":          "leds: {uv: ''}\n",
		"active-low unknown":  "leds: {uv: GPIO5}\nactive_low: [ir-top]\n",
		"presence is an LED":  "leds: {uv: GPIO5}\npresence: GPIO5\n",
		"bad pull":            "leds: {uv: GPIO5}\npresence: GPIO6\npresence_pull: sideways\n",
		"bad scheme":          "leds: {uv: GPIO5}\nschemes: {Infrared: [uv]}\n",
		"bad scheme channel":  "leds: {uv: GPIO5}\nschemes: {UV: [uv-254]}\n",
		"board not a mapping": "board: 3\n",
	}
	for name, doc := range cases {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("leds: {uv: GPIO5}\n"))
	f.Add([]byte("board:\n  leds:\n    white-top: GPIO17\n  presence: GPIO26\n"))
	f.Add([]byte("leds: {uv: GPIO5}\nschemes: {OVI: []}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		if p.Validate() != nil || p.Available() == 0 {
			t.Fatalf("accepted an invalid profile %+v", p)
		}
	})
}

// fakeChip is a GPIO chip made of gpiotest pins.
type fakeChip struct {
	name     string
	pins     map[string]*gpiotest.Pin
	busy     map[string]string // line → consumer
	requests [][]string
	released int
}

func newFakeChip(name string, lines ...string) *fakeChip {
	c := &fakeChip{name: name, pins: map[string]*gpiotest.Pin{}, busy: map[string]string{}}
	for i, l := range lines {
		c.pins[l] = &gpiotest.Pin{N: l, Num: i, L: gpio.High, EdgesChan: make(chan gpio.Level, 2)}
	}
	return c
}

func (c *fakeChip) Name() string              { return c.name }
func (c *fakeChip) HasLine(n string) bool     { return c.pins[n] != nil }
func (c *fakeChip) Consumer(n string) string  { return c.busy[n] }
func (c *fakeChip) level(n string) gpio.Level { return c.pins[n].Read() }
func (c *fakeChip) releaseOne() error         { c.released++; return nil }
func (c *fakeChip) Input(n string) (gpio.PinIn, func() error, error) {
	if c.busy[n] != "" {
		return nil, nil, syscall.EBUSY
	}
	return c.pins[n], c.releaseOne, nil
}
func (c *fakeChip) Outputs(names []string) (gpio.Group, []gpio.PinOut, func() error, error) {
	for _, n := range names {
		if c.busy[n] != "" {
			return nil, nil, nil, syscall.EBUSY
		}
	}
	c.requests = append(c.requests, names)
	g := &fakeGroup{}
	outs := make([]gpio.PinOut, len(names))
	for i, n := range names {
		g.pins = append(g.pins, c.pins[n])
		outs[i] = c.pins[n]
	}
	return g, outs, c.releaseOne, nil
}

type fakeGroup struct {
	pins   []*gpiotest.Pin
	writes int
}

func (g *fakeGroup) Pins() []pin.Pin {
	out := make([]pin.Pin, len(g.pins))
	for i, p := range g.pins {
		out[i] = p
	}
	return out
}
func (g *fakeGroup) ByOffset(int) pin.Pin  { return nil }
func (g *fakeGroup) ByName(string) pin.Pin { return nil }
func (g *fakeGroup) ByNumber(int) pin.Pin  { return nil }
func (g *fakeGroup) String() string        { return "fakegroup" }
func (g *fakeGroup) Halt() error           { return nil }
func (g *fakeGroup) Read(gpio.GPIOValue) (gpio.GPIOValue, error) {
	return 0, gpio.ErrGroupFeatureNotImplemented
}
func (g *fakeGroup) WaitForEdge(time.Duration) (int, gpio.Edge, error) {
	return 0, 0, gpio.ErrGroupFeatureNotImplemented
}
func (g *fakeGroup) Out(v, mask gpio.GPIOValue) error {
	g.writes++
	for i, p := range g.pins {
		if mask&(1<<i) != 0 {
			_ = p.Out(v&(1<<i) != 0)
		}
	}
	return nil
}

func TestOpenResolvesLines(t *testing.T) {
	p := RaspberryPi()
	p.ActiveLow = []string{"uv"}
	// Two chips: most lines on the first, UV and presence on the second,
	// axial-right only in periph's registry.
	c0 := newFakeChip("gpiochip0", "GPIO17", "GPIO27", "GPIO22", "GPIO23", "GPIO24", "GPIO25", "GPIO6")
	c1 := newFakeChip("gpiochip1", "GPIO5", "GPIO26")
	loose := &gpiotest.Pin{N: "GPIO16", L: gpio.High}
	src := lineSource{chips: []chip{c0, c1}, byName: func(n string) gpio.PinIO {
		if n == "GPIO16" {
			return loose
		}
		return nil
	}}
	hw, err := open(p, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Everything starts off: active-high lines low, the active-low UV high.
	for _, n := range []string{"GPIO17", "GPIO27", "GPIO22", "GPIO23", "GPIO24", "GPIO25", "GPIO6"} {
		if c0.level(n) != gpio.Low {
			t.Errorf("%s not off at start", n)
		}
	}
	if c1.level("GPIO5") != gpio.High || loose.Read() != gpio.Low {
		t.Error("UV (active-low) or the registry line not off at start")
	}
	if hw.Grouped != 8 {
		t.Errorf("grouped %d, want 8 (7 on chip 0, 1 on chip 1)", hw.Grouped)
	}
	if len(c0.requests) != 1 || len(c0.requests[0]) != 7 {
		t.Errorf("chip 0 requests %v, want one request of 7 lines", c0.requests)
	}
	if err := hw.LEDs.Set(hal.SetOf(hal.UV, hal.WhiteTop, hal.AxialRight)); err != nil {
		t.Fatal(err)
	}
	if c1.level("GPIO5") != gpio.Low || c0.level("GPIO17") != gpio.High || loose.Read() != gpio.High {
		t.Error("lines not switched as asked")
	}
	// Presence: active-low with a falling edge.
	if hw.Presence == nil {
		t.Fatal("no presence input")
	}
	if c1.pins["GPIO26"].P != gpio.PullUp {
		t.Errorf("presence pull %v", c1.pins["GPIO26"].P)
	}
	// A placement (the line falls and stays low) is reported, whether
	// made before the wait or during it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c1.pins["GPIO26"].EdgesChan <- gpio.Low
	if err := hw.Presence.WaitPlaced(ctx); err != nil {
		t.Errorf("presence: %v", err)
	}
	if err := hw.Close(); err != nil {
		t.Fatal(err)
	}
	if c0.level("GPIO17") != gpio.Low || c1.level("GPIO5") != gpio.High || loose.Read() != gpio.Low {
		t.Error("lines not off after Close")
	}
	if c0.released != 1 || c1.released != 2 {
		t.Errorf("released %d and %d, want 1 and 2", c0.released, c1.released)
	}
}

func TestOpenReportsMissingAndBusyLines(t *testing.T) {
	p := Profile{LEDs: map[string]string{"white-top": "GPIO17", "uv": "GPIO5"}, Presence: "GPIO26"}
	c0 := newFakeChip("gpiochip0", "GPIO17")
	_, err := open(p, lineSource{chips: []chip{c0}, failures: []string{"bcm283x-gpio: no /dev/gpiomem"}}, nil)
	if !errors.Is(err, ErrLineNotFound) {
		t.Fatalf("open = %v, want ErrLineNotFound", err)
	}
	for _, want := range []string{"GPIO5 (uv)", "GPIO26 (presence)", "gpiochip0", "bcm283x-gpio"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(c0.requests) != 0 {
		t.Error("lines requested although some were missing")
	}

	busy := newFakeChip("gpiochip0", "GPIO17", "GPIO5", "GPIO26")
	busy.busy["GPIO5"] = "docscand@4242"
	_, err = open(p, lineSource{chips: []chip{busy}}, nil)
	if !errors.Is(err, syscall.EBUSY) || !strings.Contains(err.Error(), "GPIO5 by docscand@4242") {
		t.Errorf("busy: %v", err)
	}

	// A busy presence line releases the LED lines already taken, off.
	pres := newFakeChip("gpiochip0", "GPIO17", "GPIO5", "GPIO26")
	pres.busy["GPIO26"] = "other@1"
	if _, err := open(p, lineSource{chips: []chip{pres}}, nil); !errors.Is(err, syscall.EBUSY) {
		t.Errorf("busy presence: %v", err)
	}
	if pres.released != 1 || pres.level("GPIO17") != gpio.Low {
		t.Errorf("LED lines not released off after a failure (released %d)", pres.released)
	}

	if _, err := open(p, lineSource{}, nil); !strings.Contains(err.Error(), "no GPIO chip found") {
		t.Errorf("no chips: %v", err)
	}
}

func TestOpenGPIOWithoutChips(t *testing.T) {
	if _, err := os.Stat("/dev/gpiochip0"); err == nil {
		t.Skip("this machine has a GPIO chip; the VM test covers real chips")
	}
	_, err := OpenGPIO(RaspberryPi(), nil)
	if !errors.Is(err, ErrLineNotFound) {
		t.Fatalf("OpenGPIO without GPIO chips = %v, want ErrLineNotFound", err)
	}
}

func TestOpenSim(t *testing.T) {
	p := Profile{LEDs: map[string]string{"white-top": "A", "ir-top": "B"}}
	leds, pres, err := OpenSim(p)
	if err != nil {
		t.Fatal(err)
	}
	if leds.Available() != hal.SetOf(hal.WhiteTop, hal.IRTop) || pres != nil {
		t.Errorf("available %s, presence %v", leds.Available(), pres)
	}
	p.Presence = "C"
	if _, pres, _ := OpenSim(p); pres == nil {
		t.Error("no simulated presence input")
	}
	if _, _, err := OpenSim(Profile{}); err == nil {
		t.Error("empty profile accepted")
	}
}
