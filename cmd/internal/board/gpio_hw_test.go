//go:build hwtest && linux

// Tests of the board wiring on real kernel drivers: the default profile
// opened through periph's gpioioctl driver on a gpio-sim chip whose lines
// carry the profile's names, and the LED sequencer driving those lines
// while the V4L2 camera captures from vivid. Line levels are read through
// gpio-sim's sysfs attributes, never through periph. They run in the VM
// that .ci/hwtest/hwtest.sh boots (see docs/testing.md).

package board_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
)

// TestMain doubles as the source of the VM's line names: with
// HWTEST_PRINT_LINES=1 it prints the default profile's lines, one
// "kind channel line" per line, so the gpio-sim chip is named from the
// code the daemon uses.
func TestMain(m *testing.M) {
	if os.Getenv("HWTEST_PRINT_LINES") == "1" {
		p := board.RaspberryPi()
		lines, err := p.Lines()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, c := range hal.AllChannels {
			if l, ok := lines[c]; ok {
				fmt.Printf("led %s %s\n", c, l)
			}
		}
		if p.Presence != "" {
			fmt.Printf("presence - %s\n", p.Presence)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// gpioSim reads and drives gpio-sim lines through sysfs, by line name.
type gpioSim struct {
	t      *testing.T
	sysfs  string
	offset map[string]int
}

func newGPIOSim(t *testing.T) *gpioSim {
	t.Helper()
	sysfs, cfg := os.Getenv("HWTEST_GPIOSIM"), os.Getenv("HWTEST_GPIOSIM_CONFIG")
	if sysfs == "" || cfg == "" {
		t.Fatal("HWTEST_GPIOSIM and HWTEST_GPIOSIM_CONFIG are not set: run these tests with .ci/hwtest/hwtest.sh")
	}
	// The line names as the kernel was configured with them (configfs),
	// independent of periph.
	dirs, err := filepath.Glob(filepath.Join(cfg, "line*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no gpio-sim lines under %s: %v", cfg, err)
	}
	s := &gpioSim{t: t, sysfs: sysfs, offset: map[string]int{}}
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
	return s
}

func (s *gpioSim) attr(line, attr string) string {
	off, ok := s.offset[line]
	if !ok {
		s.t.Fatalf("gpio-sim has no line named %q", line)
	}
	return filepath.Join(s.sysfs, fmt.Sprintf("sim_gpio%d", off), attr)
}

// value is the line's level as the chip sees it.
func (s *gpioSim) value(line string) int {
	b, err := os.ReadFile(s.attr(line, "value"))
	if err != nil {
		s.t.Fatal(err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		s.t.Fatal(err)
	}
	return v
}

// pull sets the simulated pull ("pull-up" or "pull-down"): the level an
// input line reads, as a switch or a resistor would make it.
func (s *gpioSim) pull(line, pull string) {
	if err := os.WriteFile(s.attr(line, "pull"), []byte(pull), 0); err != nil {
		s.t.Fatal(err)
	}
}

// high returns the LED channels whose lines are high.
func (s *gpioSim) high(lines map[hal.Channel]string) hal.ChannelSet {
	var set hal.ChannelSet
	for c, l := range lines {
		if s.value(l) == 1 {
			set |= hal.SetOf(c)
		}
	}
	return set
}

func profileLines(t *testing.T, p board.Profile) map[hal.Channel]string {
	t.Helper()
	lines, err := p.Lines()
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func openBoard(t *testing.T, p board.Profile) *board.Hardware {
	t.Helper()
	hw, err := board.OpenGPIO(p, nil)
	if err != nil {
		t.Fatalf("OpenGPIO(%s): %v", p.Name, err)
	}
	t.Cleanup(func() { _ = hw.Close() })
	return hw
}

// TestHWBoardOpen opens the default profile on the chip: every line is
// found, all LEDs switch in one write, and the board starts dark.
func TestHWBoardOpen(t *testing.T) {
	sim := newGPIOSim(t)
	p := board.RaspberryPi()
	lines := profileLines(t, p)
	for _, l := range lines {
		sim.pull(l, "pull-up") // as if a previous process had left them high
	}
	t.Cleanup(func() {
		for _, l := range lines {
			sim.pull(l, "pull-down")
		}
	})
	hw := openBoard(t, p)
	if hw.Grouped != len(lines) {
		t.Errorf("%d of %d channels are written together; one chip should take them all in one line set", hw.Grouped, len(lines))
	}
	if got := sim.high(lines); got != 0 {
		t.Errorf("after OpenGPIO the lines of %s are high, want all off", got)
	}
	if hw.Presence == nil {
		t.Error("the default profile has a presence input, but no Presence")
	}
	if err := hw.Close(); err != nil {
		t.Fatal(err)
	}
	// Released: the lines follow their pull again and can be requested anew.
	if got := sim.high(lines); got != hal.AllChannelSet {
		t.Errorf("after Close only %s follow their pull-up; the others are still held", got)
	}
	openBoard(t, p)
}

// TestHWBoardChannels switches each channel alone, then all, and checks
// that exactly the named lines are driven, with active-low channels
// inverted.
func TestHWBoardChannels(t *testing.T) {
	sim := newGPIOSim(t)
	for _, activeLow := range [][]string{nil, {hal.UV.String(), hal.IRFront.String()}} {
		t.Run(fmt.Sprintf("active-low %v", activeLow), func(t *testing.T) {
			p := board.RaspberryPi()
			p.ActiveLow = activeLow
			lines := profileLines(t, p)
			var inverted hal.ChannelSet
			for _, n := range activeLow {
				c, _ := hal.ParseChannel(n)
				inverted |= hal.SetOf(c)
			}
			hw := openBoard(t, p)
			check := func(lit hal.ChannelSet) {
				t.Helper()
				if got, want := sim.high(lines), lit^inverted; got != want {
					t.Errorf("lit %s: lines high for %s, want %s", lit, got, want)
				}
				if hw.LEDs.State() != lit {
					t.Errorf("State() = %s, want %s", hw.LEDs.State(), lit)
				}
			}
			check(0)
			for _, c := range hal.AllChannels {
				if err := hw.LEDs.Set(hal.SetOf(c)); err != nil {
					t.Fatal(err)
				}
				check(hal.SetOf(c))
			}
			if err := hw.LEDs.Set(hal.AllChannelSet); err != nil {
				t.Fatal(err)
			}
			check(hal.AllChannelSet)
			if err := hw.LEDs.Set(0); err != nil {
				t.Fatal(err)
			}
			check(0)
		})
	}
}

// TestHWBoardMissingAndBusyLines: a profile naming a line the chip lacks
// fails with ErrLineNotFound and holds nothing; a line another process
// holds fails the open, and the error says who holds it.
func TestHWBoardMissingAndBusyLines(t *testing.T) {
	p := board.RaspberryPi()
	p.LEDs[hal.IRSide.String()] = "GPIO99"
	_, err := board.OpenGPIO(p, nil)
	if !errors.Is(err, board.ErrLineNotFound) || !strings.Contains(err.Error(), "GPIO99") {
		t.Fatalf("OpenGPIO with a missing line = %v, want ErrLineNotFound naming GPIO99", err)
	}
	// Nothing was left requested.
	hw := openBoard(t, board.RaspberryPi())
	_, err = board.OpenGPIO(board.RaspberryPi(), nil)
	if err == nil {
		t.Fatal("a second OpenGPIO of lines in use succeeded")
	}
	// periph's gpioioctl turns the errno into a plain string, so
	// errors.Is(err, syscall.EBUSY) cannot hold; the message must say it.
	if !strings.Contains(err.Error(), syscall.EBUSY.Error()) {
		t.Errorf("second open: %v, want %q", err, syscall.EBUSY.Error())
	}
	if err := hw.Close(); err != nil {
		t.Fatal(err)
	}
	openBoard(t, board.RaspberryPi())
}

// feeder stands in for the light reaching the sensor: it watches the LED
// lines through sysfs and sets vivid's test pattern to match, so frames
// show which LEDs were lit while they were exposed. White lights give
// white, IR red, UV blue, the axial lights green, and darkness black.
type feeder struct {
	sim     *gpioSim
	lines   map[hal.Channel]string
	ctl     *webcam.Webcam
	stop    chan struct{}
	done    chan struct{}
	changes atomic.Int64
}

var (
	patternBlack int32 = 5
	patternWhite int32 = 6
	patternRed   int32 = 7
	patternGreen int32 = 8
	patternBlue  int32 = 9
)

const (
	vividTestPattern webcam.ControlID = 0x00f0f000
	vividOSDMode     webcam.ControlID = 0x00f0f001
	vividPercDropped webcam.ControlID = 0x00f0f040
)

// patternFor is the test pattern a set of lit channels shows.
func patternFor(lit hal.ChannelSet) int32 {
	switch {
	case lit&hal.SetOf(hal.WhiteTop, hal.WhiteSide, hal.WhiteFront) != 0:
		return patternWhite
	case lit&hal.SetOf(hal.IRTop, hal.IRSide, hal.IRFront) != 0:
		return patternRed
	case lit.Has(hal.UV):
		return patternBlue
	case lit != 0:
		return patternGreen
	}
	return patternBlack
}

func startFeeder(t *testing.T, sim *gpioSim, lines map[hal.Channel]string) *feeder {
	t.Helper()
	video := os.Getenv("HWTEST_VIDEO")
	if video == "" {
		t.Fatal("HWTEST_VIDEO is not set")
	}
	ctl, err := webcam.Open(video)
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range map[webcam.ControlID]int32{vividOSDMode: 2, vividPercDropped: 0, vividTestPattern: patternBlack} {
		if err := ctl.SetControl(id, v); err != nil {
			t.Fatal(err)
		}
	}
	// 30 frames/s at the size the tests use (vivid starts at 5).
	if _, _, _, err := ctl.SetImageFormat(webcam.PixelFormat(packFourCC("YUYV")), 640, 360); err != nil {
		t.Fatal(err)
	}
	if err := ctl.SetFramerate(30); err != nil {
		t.Fatal(err)
	}
	f := &feeder{sim: sim, lines: lines, ctl: ctl, stop: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	t.Cleanup(func() {
		close(f.stop)
		<-f.done
		_ = ctl.Close()
	})
	return f
}

func (f *feeder) run() {
	defer close(f.done)
	shown := int32(-1)
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		lit := hal.ChannelSet(0)
		for c, l := range f.lines {
			b, err := os.ReadFile(f.sim.attr(l, "value"))
			if err == nil && strings.TrimSpace(string(b)) == "1" {
				lit |= hal.SetOf(c)
			}
		}
		if p := patternFor(lit); p != shown {
			if f.ctl.SetControl(vividTestPattern, p) == nil {
				shown = p
				f.changes.Add(1)
			}
		}
		time.Sleep(time.Millisecond)
	}
}

func (f *feeder) dropFrames(percent int32) error { return f.ctl.SetControl(vividPercDropped, percent) }

func packFourCC(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// probe wraps the camera and records which LED lines were high, read
// through sysfs, when each capture began and ended.
type probe struct {
	hal.Camera
	sim    *gpioSim
	lines  map[hal.Channel]string
	mu     sync.Mutex
	before []hal.ChannelSet
	after  []hal.ChannelSet
	// onCapture runs before capture n (0-based) is passed on.
	onCapture func(n int)
}

func (p *probe) Capture(ctx context.Context) (hal.Frame, error) {
	p.mu.Lock()
	n := len(p.before)
	p.before = append(p.before, p.sim.high(p.lines))
	p.mu.Unlock()
	if p.onCapture != nil {
		p.onCapture(n)
	}
	f, err := p.Camera.Capture(ctx)
	p.mu.Lock()
	p.after = append(p.after, p.sim.high(p.lines))
	p.mu.Unlock()
	return f, err
}

func openVivid(t *testing.T, opts camera.V4L2Options) *camera.V4L2 {
	t.Helper()
	cam, err := camera.OpenV4L2(os.Getenv("HWTEST_VIDEO"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cam.Close() })
	if _, err := cam.Configure(context.Background(), hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	return cam
}

// colourOf names the test pattern a frame shows.
func colourOf(img image.Image) int32 {
	b := img.Bounds()
	var r, g, bl, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 8 {
		for x := b.Min.X; x < b.Max.X; x += 8 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			r, g, bl, n = r+float64(c.R), g+float64(c.G), bl+float64(c.B), n+1
		}
	}
	r, g, bl = r/n, g/n, bl/n
	hi := func(v float64) bool { return v > 150 }
	lo := func(v float64) bool { return v < 80 }
	switch {
	case hi(r) && hi(g) && hi(bl):
		return patternWhite
	case hi(r) && lo(g) && lo(bl):
		return patternRed
	case lo(r) && hi(g) && lo(bl):
		return patternGreen
	case lo(r) && lo(g) && hi(bl):
		return patternBlue
	case lo(r) && lo(g) && lo(bl):
		return patternBlack
	}
	return -1
}

var patternNames = map[int32]string{5: "black", 6: "white", 7: "red", 8: "green", 9: "blue", -1: "mixed"}

func newSequencer(t *testing.T, hw *board.Hardware, cam hal.Camera) (*lights.Sequencer, *lights.Guard) {
	t.Helper()
	guard, err := lights.NewGuard(hw.LEDs, lights.UVLimits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := board.RaspberryPi().LightProfile()
	if err != nil {
		t.Fatal(err)
	}
	seq, err := lights.NewSequencer(guard, cam, lp, lights.SequencerOptions{Settle: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return seq, guard
}

// TestHWSequencer scans a mask on the real board and camera: during each
// capture exactly the lines of that step's channels are high, the frame
// shows the light those lines made, and every line is low afterwards.
func TestHWSequencer(t *testing.T) {
	sim := newGPIOSim(t)
	p := board.RaspberryPi()
	lines := profileLines(t, p)
	f := startFeeder(t, sim, lines)
	hw := openBoard(t, p)
	pr := &probe{Camera: openVivid(t, camera.V4L2Options{}), sim: sim, lines: lines}
	seq, _ := newSequencer(t, hw, pr)

	mask := lights.WhiteTop | lights.IRTop | lights.UV | lights.AxialWhiteLeft | lights.WhiteFront | lights.IRFront
	shots, err := seq.Capture(context.Background(), mask, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(shots) != len(mask.Bits()) || len(pr.before) != len(shots) {
		t.Fatalf("%d shots, %d captures for %d schemes", len(shots), len(pr.before), len(mask.Bits()))
	}
	for i, sh := range shots {
		if pr.before[i] != sh.Channels || pr.after[i] != sh.Channels {
			t.Errorf("%s: lines high at capture start %s, end %s; want exactly %s", sh.Scheme, pr.before[i], pr.after[i], sh.Channels)
		}
		if got, want := colourOf(sh.Frame.Image), patternFor(sh.Channels); got != want {
			t.Errorf("%s: frame shows %s, want %s (the light of %s)", sh.Scheme, patternNames[got], patternNames[want], sh.Channels)
		}
	}
	if got := sim.high(lines); got != 0 {
		t.Errorf("after the scan %s are still high", got)
	}
	if f.changes.Load() < int64(len(shots)) {
		t.Errorf("the feeder saw %d light changes for %d shots", f.changes.Load(), len(shots))
	}
}

// TestHWSequencerFailure makes the camera fail in the middle of a scan,
// while a light is on (vivid drops every frame, so the capture times
// out; then a panic in the camera): the error comes back and every line
// is low.
func TestHWSequencerFailure(t *testing.T) {
	sim := newGPIOSim(t)
	p := board.RaspberryPi()
	lines := profileLines(t, p)
	f := startFeeder(t, sim, lines)
	hw := openBoard(t, p)
	cam := openVivid(t, camera.V4L2Options{Timeout: 600 * time.Millisecond})
	mask := lights.WhiteTop | lights.IRTop | lights.UV

	t.Run("timeout", func(t *testing.T) {
		pr := &probe{Camera: cam, sim: sim, lines: lines, onCapture: func(n int) {
			if n == 1 {
				if err := f.dropFrames(100); err != nil {
					t.Error(err)
				}
			}
		}}
		defer func() { _ = f.dropFrames(0) }()
		seq, guard := newSequencer(t, hw, pr)
		_, err := seq.Capture(context.Background(), mask, 0)
		if !errors.Is(err, hal.ErrTimeout) {
			t.Fatalf("scan with a stalled camera = %v, want hal.ErrTimeout", err)
		}
		if len(pr.before) != 2 || pr.before[1] != hal.SetOf(hal.IRTop) {
			t.Fatalf("the failing capture began with %v high, want ir-top", pr.before)
		}
		if got := sim.high(lines); got != 0 {
			t.Errorf("after the failure %s are still high", got)
		}
		if guard.State() != 0 {
			t.Errorf("guard state %s after the failure", guard.State())
		}
	})
	t.Run("panic", func(t *testing.T) {
		pr := &probe{Camera: cam, sim: sim, lines: lines, onCapture: func(n int) {
			if n == 2 {
				panic("camera driver bug")
			}
		}}
		seq, _ := newSequencer(t, hw, pr)
		_, err := seq.Capture(context.Background(), mask, 0)
		if !errors.Is(err, lights.ErrCapturePanic) {
			t.Fatalf("scan with a panicking camera = %v, want ErrCapturePanic", err)
		}
		if len(pr.before) != 3 || pr.before[2] != hal.SetOf(hal.UV) {
			t.Fatalf("the panicking capture began with %v high, want uv", pr.before)
		}
		if got := sim.high(lines); got != 0 {
			t.Errorf("after the panic %s are still high", got)
		}
	})
}

// TestHWPresence places and removes a document by changing the simulated
// pull of the presence line: the default profile's input is active-low
// with a pull-up, so placing is a falling edge.
func TestHWPresence(t *testing.T) {
	sim := newGPIOSim(t)
	p := board.RaspberryPi()
	sim.pull(p.Presence, "pull-up")
	t.Cleanup(func() { sim.pull(p.Presence, "pull-down") })
	hw := openBoard(t, p)
	ctx := context.Background()

	wait := func(d time.Duration) error {
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return hw.Presence.WaitPlaced(c)
	}
	if err := wait(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitPlaced with an empty glass = %v, want the deadline", err)
	}
	for i := range 3 {
		done := make(chan error, 1)
		go func() { done <- wait(5 * time.Second) }()
		time.Sleep(100 * time.Millisecond)
		sim.pull(p.Presence, "pull-down") // placed
		if err := <-done; err != nil {
			t.Fatalf("placement %d: WaitPlaced = %v", i, err)
		}
		sim.pull(p.Presence, "pull-up") // removed
	}
	// A blip shorter than the debounce is not a document.
	done := make(chan error, 1)
	go func() { done <- wait(600 * time.Millisecond) }()
	time.Sleep(100 * time.Millisecond)
	sim.pull(p.Presence, "pull-down")
	sim.pull(p.Presence, "pull-up")
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitPlaced after a blip = %v, want the deadline", err)
	}
	// Cancelling returns promptly.
	c, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	if err := hw.Presence.WaitPlaced(c); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled WaitPlaced = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancelled WaitPlaced returned after %v", el)
	}
}
