//go:build hwtest_e2e && linux

// The whole scan path on real kernel drivers, in the VM that
// `.ci/hwtest/hwtest.sh e2e` boots (build tag hwtest_e2e: the test needs
// Tesseract, so unlike the hwtest binaries it is built with cgo) (see docs/testing.md): the daemon
// opens the default board on a gpio-sim chip and its camera on a
// v4l2loopback device, which a feeder fills with the simulator's frames of
// a specimen, lit by whichever LED lines are high in gpio-sim. A scan
// over HTTP must then return the document that lies on the glass.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/blackjack/webcam/ioctl"
	"golang.org/x/sys/unix"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// TestMain renders the glass on the host when asked: the VM has no fonts.
// HWTEST_RENDER_GLASS=DIR writes a genuine Kazakh ID (2014) specimen and
// its truth.json to DIR, as `docscan specimen` would.
func TestMain(m *testing.M) {
	if dir := os.Getenv("HWTEST_RENDER_GLASS"); dir != "" {
		if err := writeE2EGlass(dir); err != nil {
			fmt.Fprintln(os.Stderr, "rendering the glass:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const e2eDoc, e2eSeed = "kz-id-2014", 21

func writeE2EGlass(dir string) error {
	db, err := typedb.Default()
	if err != nil {
		return err
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		return err
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		return err
	}
	sp, err := r.Render(context.Background(), e2eDoc, specimen.Options{Seed: e2eSeed, Variant: specimen.Genuine})
	if err != nil {
		return err
	}
	return sp.WriteDir(dir)
}

// gpioLight is the light on the glass as gpio-sim's LED lines make it: a
// channel is lit while its line is high (the default profile has no
// active-low channel). It implements camera.Illumination.
type gpioLight struct {
	files map[hal.Channel]string // sysfs value attribute per channel
	mu    sync.Mutex
	seen  map[hal.ChannelSet]bool
}

func newGPIOLight(t *testing.T) *gpioLight {
	t.Helper()
	sysfs, cfg := os.Getenv("HWTEST_GPIOSIM"), os.Getenv("HWTEST_GPIOSIM_CONFIG")
	if sysfs == "" || cfg == "" {
		t.Fatal("HWTEST_GPIOSIM and HWTEST_GPIOSIM_CONFIG are not set: run with .ci/hwtest/hwtest.sh e2e")
	}
	offset := map[string]int{}
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
		offset[strings.TrimSpace(string(name))] = off
	}
	lines, err := board.RaspberryPi().Lines()
	if err != nil {
		t.Fatal(err)
	}
	g := &gpioLight{files: map[hal.Channel]string{}, seen: map[hal.ChannelSet]bool{}}
	for c, name := range lines {
		off, ok := offset[name]
		if !ok {
			t.Fatalf("gpio-sim has no line %s", name)
		}
		g.files[c] = filepath.Join(sysfs, fmt.Sprintf("sim_gpio%d", off), "value")
	}
	return g
}

func (g *gpioLight) lit() hal.ChannelSet {
	var set hal.ChannelSet
	for c, f := range g.files {
		if b, err := os.ReadFile(f); err == nil && len(b) > 0 && b[0] == '1' {
			set |= hal.SetOf(c)
		}
	}
	return set
}

// OnFractions reports the lines' levels now as the whole exposure's: the
// frames are short next to the sequencer's settle time.
func (g *gpioLight) OnFractions(from, to time.Time) [hal.NumChannels]float64 {
	var f [hal.NumChannels]float64
	set := g.lit()
	g.mu.Lock()
	g.seen[set] = true
	g.mu.Unlock()
	for _, c := range set.Channels() {
		f[c] = 1
	}
	return f
}

func (g *gpioLight) sawLit() map[hal.ChannelSet]bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[hal.ChannelSet]bool{}
	for k := range g.seen {
		out[k] = true
	}
	return out
}

// struct v4l2_format for the output side (64-bit: the union is
// pointer-aligned, so it starts at offset 8), and struct v4l2_streamparm.
type v4l2PixFormat struct {
	width, height, pixelformat, field, bytesperline, sizeimage, colorspace, priv, flags, encoding, quantization, xferFunc uint32
}

type v4l2Format struct {
	typ uint32
	_   [unsafe.Sizeof(uintptr(0)) - 4]byte
	pix v4l2PixFormat
	_   [200 - unsafe.Sizeof(v4l2PixFormat{})]byte
}

type v4l2OutputParm struct {
	capability, outputmode, num, den, extendedmode, writebuffers uint32
	_                                                            [4]uint32
}

type v4l2StreamParm struct {
	typ uint32
	out v4l2OutputParm
	_   [200 - unsafe.Sizeof(v4l2OutputParm{})]byte
}

const (
	bufTypeVideoOutput = 2
	fieldNone          = 1
	colorspaceSRGB     = 8
)

// loopbackFeeder writes the simulator's frames into the loopback device
// in YUYV, at the rate it can make them.
type loopbackFeeder struct {
	sim    *camera.Sim
	fd     int
	size   image.Point
	frames atomic.Int64
	stop   context.CancelFunc
	done   chan error
}

func startLoopbackFeeder(t *testing.T, dev string, sim *camera.Sim, size image.Point, fps uint32) *loopbackFeeder {
	t.Helper()
	fd, err := unix.Open(dev, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("opening the loopback %s: %v", dev, err)
	}
	f := v4l2Format{typ: bufTypeVideoOutput, pix: v4l2PixFormat{
		width: uint32(size.X), height: uint32(size.Y), pixelformat: 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24,
		field: fieldNone, bytesperline: uint32(2 * size.X), sizeimage: uint32(2 * size.X * size.Y), colorspace: colorspaceSRGB,
	}}
	if err := ioctl.Ioctl(uintptr(fd), ioctl.IoRW('V', 5, unsafe.Sizeof(f)), uintptr(unsafe.Pointer(&f))); err != nil {
		t.Fatalf("VIDIOC_S_FMT on the loopback output: %v", err)
	}
	p := v4l2StreamParm{typ: bufTypeVideoOutput, out: v4l2OutputParm{num: 1, den: fps}}
	if err := ioctl.Ioctl(uintptr(fd), ioctl.IoRW('V', 22, unsafe.Sizeof(p)), uintptr(unsafe.Pointer(&p))); err != nil {
		t.Fatalf("VIDIOC_S_PARM on the loopback output: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lf := &loopbackFeeder{sim: sim, fd: fd, size: size, stop: cancel, done: make(chan error, 1)}
	go func() { lf.done <- lf.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-lf.done; err != nil {
			t.Errorf("feeder: %v", err)
		}
		_ = unix.Close(fd)
	})
	return lf
}

func (lf *loopbackFeeder) run(ctx context.Context) error {
	buf := make([]byte, 2*lf.size.X*lf.size.Y)
	for ctx.Err() == nil {
		fr, err := lf.sim.Capture(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		toYUYV(buf, fr.Image, lf.size)
		if _, err := unix.Write(lf.fd, buf); err != nil {
			return fmt.Errorf("writing a frame: %w", err)
		}
		lf.frames.Add(1)
	}
	return nil
}

// toYUYV packs an image as YUYV 4:2:2 (full-range BT.601, as the V4L2
// camera's decoder reads it).
func toYUYV(dst []byte, img image.Image, size image.Point) {
	rgba, _ := img.(*image.RGBA)
	at := func(x, y int) (uint8, uint8, uint8) {
		if rgba != nil {
			i := rgba.PixOffset(x, y)
			return rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2]
		}
		c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
		return c.R, c.G, c.B
	}
	b := img.Bounds()
	for y := range size.Y {
		row := dst[y*2*size.X:]
		for x := 0; x+1 < size.X; x += 2 {
			r0, g0, b0 := at(b.Min.X+x, b.Min.Y+y)
			r1, g1, b1 := at(b.Min.X+x+1, b.Min.Y+y)
			y0, u0, v0 := color.RGBToYCbCr(r0, g0, b0)
			y1, u1, v1 := color.RGBToYCbCr(r1, g1, b1)
			row[2*x], row[2*x+1], row[2*x+2], row[2*x+3] = y0, uint8((int(u0)+int(u1))/2), y1, uint8((int(v0)+int(v1))/2)
		}
	}
}

// TestHWScanEndToEnd scans both sides of a genuine Kazakh ID through
// POST /api/v1/scan with the daemon on gpio-sim and v4l2loopback.
func TestHWScanEndToEnd(t *testing.T) {
	glass, loop := os.Getenv("HWTEST_GLASS"), os.Getenv("HWTEST_LOOPBACK")
	if glass == "" || loop == "" {
		t.Fatal("HWTEST_GLASS and HWTEST_LOOPBACK are not set: run with .ci/hwtest/hwtest.sh e2e")
	}
	raw, err := os.ReadFile(filepath.Join(glass, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth specimen.Truth
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	light := newGPIOLight(t)
	size := image.Pt(1600, 1200) // what the daemon asks for
	sim, err := camera.NewSim(light, camera.SimOptions{Size: size, FramePeriod: 100 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Place(glass); err != nil {
		t.Fatal(err)
	}
	feeder := startLoopbackFeeder(t, loop, sim, size, 10)
	// v4l2loopback offers a capture format only once frames flow.
	for deadline := time.Now().Add(60 * time.Second); feeder.frames.Load() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the feeder wrote no frames in 60 s")
		}
	}

	// Under TCG on a busy host a frame can take seconds to arrive, longer
	// than UV's 2 s safety limit (tested in lights); a wider limit keeps
	// this test about the wiring, not the host's load.
	d, base, stop := startDaemon(t, "-hal", "gpio", "-camera", "v4l2:"+loop, "-telemetry-interval", "0", "-uv-max-on", "10s")
	if d.hw.simLEDs != nil {
		t.Fatal("the daemon runs on the simulated board, not on GPIO")
	}

	code, front := postForm(t, base+"/api/v1/scan", map[string]string{"api_key": testKey, "country_code": "kz", "side": "front"})
	if code != http.StatusOK {
		t.Fatalf("scan front: %d %v", code, front["detail"])
	}
	if front["last_name"] != truth.Person.LastName || front["personal_number"] != truth.IIN {
		t.Errorf("front read %q %q, want the specimen's %q %q", front["last_name"], front["personal_number"], truth.Person.LastName, truth.IIN)
	}
	if err := sim.Turn(); err != nil {
		t.Fatal(err)
	}
	code, both := postForm(t, base+"/api/v1/scan", map[string]string{"api_key": testKey, "country_code": "kz", "side": "back", "scan_id": fmt.Sprint(front["scan_id"])})
	if code != http.StatusOK {
		t.Fatalf("scan back: %d %v", code, both["detail"])
	}
	if both["document_number"] != truth.Person.DocumentNumber {
		t.Errorf("document_number %q, want %q", both["document_number"], truth.Person.DocumentNumber)
	}
	types, _ := both["document_type"].(map[string]any)
	for side, id := range map[string]float64{"frontside": -1040772594, "backside": -1040772430} {
		dt, _ := types[side].(map[string]any)
		if dt == nil || dt["id"] != id {
			t.Errorf("%s type %v, want id %v", side, dt, id)
		}
	}
	if mrz, _ := both["mrz"].(map[string]any); mrz == nil || mrz["valid"] != true {
		t.Errorf("mrz %v, want a valid one", both["mrz"])
	}
	if both["failure_reason"] != "None" {
		t.Errorf("failure_reason %q for a genuine card; checks %v", both["failure_reason"], both["checks"])
	}
	// The frames were lit by the real lines: the feeder saw UV and IR.
	seen := light.sawLit()
	if !seen[hal.SetOf(hal.UV)] || !seen[hal.SetOf(hal.IRFront)] {
		t.Errorf("light sets seen on the lines: %v; the KZ ID needs UV and IR front", seen)
	}
	// Dark between scans, read while the daemon still holds the lines
	// (released lines only show their pull).
	if lit := light.lit(); lit != 0 {
		t.Errorf("lines of %s high after the scan", lit)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	t.Logf("feeder wrote %d frames", feeder.frames.Load())
}
