//go:build hwtest && linux

// Tests of the V4L2 camera against a real kernel driver: vivid, Linux's
// virtual capture device, in the VM that .ci/hwtest/hwtest.sh boots
// (see docs/testing.md). HWTEST_VIDEO names the device.

package camera_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
)

// vivid's private controls (drivers/media/test-drivers/vivid/vivid-ctrls.c).
const (
	vividTestPattern webcam.ControlID = 0x00f0f000 // menu, see tpg_pattern_strings
	vividOSDMode     webcam.ControlID = 0x00f0f001 // 0 all, 1 counters, 2 none
	vividPercDropped webcam.ControlID = 0x00f0f040 // % of frames the "sensor" drops
	vividDisconnect  webcam.ControlID = 0x00f0f041 // button: unregister the device

	pattern75Bars = 0
	patternBlack  = 5
	patternWhite  = 6
)

func videoPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("HWTEST_VIDEO")
	if p == "" {
		t.Fatal("HWTEST_VIDEO is not set: run these tests with .ci/hwtest/hwtest.sh")
	}
	return p
}

// vivid is a second handle on the device, as a test bench would use to
// change what the "sensor" sees while the camera under test streams.
// V4L2 lets any handle set controls.
type vivid struct {
	t    *testing.T
	path string
}

func newVivid(t *testing.T) vivid {
	v := vivid{t: t, path: videoPath(t)}
	// A known state whatever an earlier test left: colour bars, no text
	// overlay, no dropped frames, 30 frames/s at 640x360. The size comes
	// first: vivid lowers the rate for large sizes and keeps it after.
	v.set(vividTestPattern, pattern75Bars)
	v.set(vividOSDMode, 2)
	v.set(vividPercDropped, 0)
	v.with(func(w *webcam.Webcam) error {
		if _, _, _, err := w.SetImageFormat(webcam.PixelFormat(packFourCC("YUYV")), 640, 360); err != nil {
			return err
		}
		return w.SetFramerate(30)
	})
	return v
}

func (v vivid) with(f func(w *webcam.Webcam) error) {
	v.t.Helper()
	w, err := webcam.Open(v.path)
	if err != nil {
		v.t.Fatalf("opening %s for control: %v", v.path, err)
	}
	defer w.Close()
	if err := f(w); err != nil {
		v.t.Fatal(err)
	}
}

func (v vivid) set(id webcam.ControlID, val int32) {
	v.t.Helper()
	v.with(func(w *webcam.Webcam) error { return w.SetControl(id, val) })
}

func (v vivid) frameSizes(fourcc string) []webcam.FrameSize {
	var out []webcam.FrameSize
	v.with(func(w *webcam.Webcam) error {
		out = w.GetSupportedFrameSizes(webcam.PixelFormat(packFourCC(fourcc)))
		return nil
	})
	return out
}

func packFourCC(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func openCamera(t *testing.T, opts camera.V4L2Options) *camera.V4L2 {
	t.Helper()
	c, err := camera.OpenV4L2(videoPath(t), opts)
	if err != nil {
		t.Fatalf("OpenV4L2: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func wantPixFmt() string {
	if f := os.Getenv("HWTEST_PIXFMT"); f != "" {
		return f
	}
	return camera.FourCCYUYV
}

// luma is the mean Rec. 601 luma of a region.
func luma(img image.Image, r image.Rectangle) float64 {
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			sum += float64(g.Y)
			n++
		}
	}
	return sum / float64(n)
}

func meanRGB(img image.Image, r image.Rectangle) (rr, gg, bb float64) {
	n := 0.0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			rr += float64(c.R)
			gg += float64(c.G)
			bb += float64(c.B)
			n++
		}
	}
	return rr / n, gg / n, bb / n
}

// barRect is the middle of colour bar i of 8, away from its edges.
func barRect(b image.Rectangle, i int) image.Rectangle {
	w, h := b.Dx(), b.Dy()
	x0 := b.Min.X + i*w/8 + w/32
	return image.Rect(x0, b.Min.Y+h/3, x0+w/16, b.Min.Y+2*h/3)
}

// checkColourBars checks vivid's 75% colour bars (white, yellow, cyan,
// green, magenta, red, blue, black), which only a correct decoding of
// the driver's real layout gives.
func checkColourBars(t *testing.T, img image.Image, grey bool) {
	t.Helper()
	b := img.Bounds()
	if grey {
		prev := 256.0
		for i := range 8 {
			y := luma(img, barRect(b, i))
			if y >= prev-5 {
				t.Errorf("bar %d luma %.0f, want clearly below bar %d's %.0f (bars darken left to right)", i, y, i-1, prev)
			}
			prev = y
		}
		return
	}
	// Which of R, G, B each bar carries.
	want := []struct {
		name    string
		r, g, b bool
	}{
		{"white", true, true, true}, {"yellow", true, true, false}, {"cyan", false, true, true},
		{"green", false, true, false}, {"magenta", true, false, true}, {"red", true, false, false},
		{"blue", false, false, true}, {"black", false, false, false},
	}
	for i, w := range want {
		r, g, bl := meanRGB(img, barRect(b, i))
		on := func(v float64, lit bool) bool {
			if lit {
				return v > 120
			}
			return v < 60
		}
		if !on(r, w.r) || !on(g, w.g) || !on(bl, w.b) {
			t.Errorf("bar %d: mean RGB (%.0f, %.0f, %.0f), want %s", i, r, g, bl, w.name)
		}
	}
}

// TestHWV4L2Negotiate asks for sizes vivid's webcam input does not have
// and checks that Configure returns the size the driver chose, that it
// is one the driver lists, and that frames have exactly that size and
// decode to the test pattern.
func TestHWV4L2Negotiate(t *testing.T) {
	newVivid(t)
	cases := []struct {
		name   string
		want   hal.Format
		expect image.Point // vivid's nearest webcam size
	}{
		{"asked pixel format, nearest size", hal.Format{PixelFormat: wantPixFmt(), Width: 1000, Height: 700}, image.Pt(1280, 720)},
		{"grey, small", hal.Format{PixelFormat: camera.FourCCGrey, Width: 300, Height: 200}, image.Pt(320, 180)},
		{"no size: largest listed", hal.Format{PixelFormat: camera.FourCCGrey}, image.Pt(3840, 2160)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cam := openCamera(t, camera.V4L2Options{Timeout: 10 * time.Second})
			got, err := cam.Configure(ctx, tc.want)
			if err != nil {
				t.Fatalf("Configure(%v): %v", tc.want, err)
			}
			if got.PixelFormat != tc.want.PixelFormat {
				t.Errorf("pixel format %q, want %q", got.PixelFormat, tc.want.PixelFormat)
			}
			if image.Pt(got.Width, got.Height) != tc.expect {
				t.Errorf("Configure returned %dx%d, want vivid's choice %v", got.Width, got.Height, tc.expect)
			}
			if cam.Format() != got {
				t.Errorf("Format() = %v, Configure returned %v", cam.Format(), got)
			}
			listed := false
			for _, s := range (vivid{t: t, path: videoPath(t)}).frameSizes(got.PixelFormat) {
				listed = listed || (s.MaxWidth == uint32(got.Width) && s.MaxHeight == uint32(got.Height))
			}
			if !listed {
				t.Errorf("%dx%d is not a size the driver lists", got.Width, got.Height)
			}
			f, err := cam.Capture(ctx)
			if err != nil {
				t.Fatalf("Capture: %v", err)
			}
			if f.Image.Bounds() != image.Rect(0, 0, got.Width, got.Height) {
				t.Fatalf("frame bounds %v, want %dx%d", f.Image.Bounds(), got.Width, got.Height)
			}
			checkColourBars(t, f.Image, got.PixelFormat == camera.FourCCGrey)
		})
	}
}

// TestHWV4L2RefusesUndecodable: a format the driver has but docscan
// cannot decode is refused with a clear error, not streamed as garbage.
func TestHWV4L2RefusesUndecodable(t *testing.T) {
	newVivid(t)
	cam := openCamera(t, camera.V4L2Options{Timeout: 2 * time.Second})
	_, err := cam.Configure(context.Background(), hal.Format{PixelFormat: "UYVY", Width: 640, Height: 360})
	if err == nil || !strings.Contains(err.Error(), "UYVY") {
		t.Fatalf("Configure(UYVY) = %v, want an error naming UYVY", err)
	}
	// The camera is still usable with a format it can decode.
	if _, err := cam.Configure(context.Background(), hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatalf("Configure(YUYV) after a refused format: %v", err)
	}
	if _, err := cam.Capture(context.Background()); err != nil {
		t.Fatalf("Capture: %v", err)
	}
}

// TestHWV4L2Stream captures a run of frames and checks their order and
// freshness against the driver's real frame period.
func TestHWV4L2Stream(t *testing.T) {
	newVivid(t)
	const stale = 2
	cam := openCamera(t, camera.V4L2Options{StaleFrames: stale})
	ctx := context.Background()
	if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	period := time.Second / 30
	var prev hal.Frame
	for i := range 10 {
		called := time.Now()
		f, err := cam.Capture(ctx)
		if err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
		// Fresh: the frame was produced after the call, at least a period
		// past the first stale one. (The count skipped is the sequence
		// check below; emulated under load, vivid's frames jitter by more
		// than half a period, so time bounds only what jitter cannot
		// explain.)
		if d := f.Time.Sub(called); d < time.Duration(stale-1)*period {
			t.Errorf("capture %d: frame %v after the call; skipping %d stale frames at %v takes longer", i, d, stale, period)
		}
		if i > 0 {
			if f.Seq < prev.Seq+1+stale {
				t.Errorf("capture %d: seq %d after %d; at least %d frames are dequeued per capture", i, f.Seq, prev.Seq, 1+stale)
			}
			if !f.Time.After(prev.Time) {
				t.Errorf("capture %d: time %v not after the previous %v", i, f.Time, prev.Time)
			}
		}
		if f.Image.Bounds().Dx() != 640 {
			t.Fatalf("capture %d: bounds %v", i, f.Image.Bounds())
		}
		prev = f
	}
}

// knownBugs are gaps in the code under test that these tests reproduce
// and that are reported to its owners. While one is listed, its check
// passes only if the gap still shows, and fails once it is fixed, so the
// entry goes with the fix.
var knownBugs = map[string]string{}

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

// TestHWV4L2SequenceGaps pauses between captures while the driver keeps
// producing frames: by hal.Frame's contract the sequence number then
// jumps by at least the frames produced meanwhile.
func TestHWV4L2SequenceGaps(t *testing.T) {
	newVivid(t)
	cam := openCamera(t, camera.V4L2Options{})
	ctx := context.Background()
	if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	a, err := cam.Capture(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	b, err := cam.Capture(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 30 frames/s: at least 18 frames were produced in between; allow
	// for a slow VM by asking for half.
	produced := int(b.Time.Sub(a.Time) / (time.Second / 30))
	expectFixed(t, "frame-seq-counts-dequeues", b.Seq-a.Seq >= uint64(produced/2),
		fmt.Sprintf("seq went from %d to %d across %v, in which the driver produced about %d frames", a.Seq, b.Seq, b.Time.Sub(a.Time).Round(time.Millisecond), produced))
}

// TestHWV4L2StaleFramesExist shows, on the raw device, the stale frames
// the camera must drop: buffers filled before a pattern change still
// hold the old pattern when dequeued after it. Without this the fresh-
// frame test below could pass on a driver that had none to drop.
func TestHWV4L2StaleFramesExist(t *testing.T) {
	v := newVivid(t)
	v.set(vividTestPattern, patternBlack)
	w, err := webcam.Open(v.path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, _, _, err := w.SetImageFormat(webcam.PixelFormat(packFourCC("GREY")), 640, 360); err != nil {
		t.Fatal(err)
	}
	if err := w.SetBufferCount(3); err != nil {
		t.Fatal(err)
	}
	if err := w.StartStreaming(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // every buffer fills with black
	v.set(vividTestPattern, patternWhite)
	if err := w.WaitForFrame(2); err != nil {
		t.Fatal(err)
	}
	buf, idx, err := w.GetFrame()
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, b := range buf[:640*360] {
		mean += float64(b)
	}
	mean /= 640 * 360
	_ = w.ReleaseFrame(idx)
	if mean > 60 {
		t.Fatalf("first frame dequeued after the change has mean %.0f: the driver kept no stale frame, so the fresh-frame test proves nothing", mean)
	}
}

// TestHWV4L2FreshAfterLightChange switches vivid's pattern between black
// and white, as the LEDs switch, and captures right after each change:
// every frame must show the new pattern.
func TestHWV4L2FreshAfterLightChange(t *testing.T) {
	v := newVivid(t)
	v.set(vividTestPattern, patternBlack)
	cam := openCamera(t, camera.V4L2Options{})
	ctx := context.Background()
	if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Capture(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the driver fill every buffer
	for i := range 8 {
		pattern, bright := int32(patternWhite), true
		if i%2 == 1 {
			pattern, bright = patternBlack, false
		}
		v.set(vividTestPattern, pattern)
		f, err := cam.Capture(ctx)
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		y := luma(f.Image, f.Image.Bounds())
		if (y > 128) != bright {
			t.Fatalf("change %d: frame luma %.0f, want %s: a frame exposed before the change was returned", i, y, map[bool]string{true: "white", false: "black"}[bright])
		}
		// Let stale frames pile up again before the next change.
		time.Sleep(150 * time.Millisecond)
	}
}

// TestHWV4L2Timeout makes vivid drop every frame: Capture gives up with
// hal.ErrTimeout after Options.Timeout, the caller's deadline wins when
// it is shorter, and capturing works again once frames flow.
func TestHWV4L2Timeout(t *testing.T) {
	v := newVivid(t)
	const timeout = 700 * time.Millisecond
	cam := openCamera(t, camera.V4L2Options{Timeout: timeout})
	ctx := context.Background()
	if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	v.set(vividPercDropped, 100)
	start := time.Now()
	_, err := cam.Capture(ctx)
	if !errors.Is(err, hal.ErrTimeout) {
		t.Fatalf("Capture with no frames = %v, want hal.ErrTimeout", err)
	}
	if el := time.Since(start); el < timeout || el > 4*timeout {
		t.Errorf("gave up after %v, want about %v", el, timeout)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = cam.Capture(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, hal.ErrTimeout) {
		t.Fatalf("Capture with the caller's deadline = %v, want context.DeadlineExceeded", err)
	}
	v.set(vividPercDropped, 0)
	if _, err := cam.Capture(ctx); err != nil {
		t.Fatalf("Capture once frames flow again: %v", err)
	}
}

// TestHWV4L2Disconnect unregisters the device under the streaming camera
// (vivid's Disconnect control). vivid comes back once its last handle is
// closed; the camera must notice the failure, close, reopen and capture.
func TestHWV4L2Disconnect(t *testing.T) {
	v := newVivid(t)
	logs := &recorder{}
	cam := openCamera(t, camera.V4L2Options{Timeout: 5 * time.Second, ReopenMin: 50 * time.Millisecond,
		Log: slog.New(logs)})
	ctx := context.Background()
	if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Capture(ctx); err != nil {
		t.Fatal(err)
	}
	v.set(vividDisconnect, 0)
	if _, err := os.Stat(v.path); err != nil {
		t.Logf("device node after disconnect: %v", err)
	}
	f, err := cam.Capture(ctx)
	if err != nil {
		t.Fatalf("Capture across a disconnect: %v", err)
	}
	if f.Image.Bounds().Dx() != 640 {
		t.Errorf("format after reopening: %v", f.Image.Bounds())
	}
	if !logs.has("camera reopened") {
		t.Errorf("the camera did not reopen the device; log: %v", logs.messages())
	}
}

// TestHWV4L2CloseReopen: a closed camera refuses work, releases the
// device, and a new one on the same device streams.
func TestHWV4L2CloseReopen(t *testing.T) {
	newVivid(t)
	ctx := context.Background()
	for i := range 3 {
		cam, err := camera.OpenV4L2(videoPath(t), camera.V4L2Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
			t.Fatalf("configure %d: %v", i, err)
		}
		if _, err := cam.Capture(ctx); err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
		if err := cam.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
		if _, err := cam.Capture(ctx); !errors.Is(err, hal.ErrClosed) {
			t.Fatalf("Capture after Close = %v, want hal.ErrClosed", err)
		}
	}
}

// TestHWV4L2Exposure: vivid has no exposure control; automatic exposure
// is accepted and a manual value reported unsupported.
func TestHWV4L2Exposure(t *testing.T) {
	newVivid(t)
	cam := openCamera(t, camera.V4L2Options{})
	ctx := context.Background()
	if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 640, Height: 360}); err != nil {
		t.Fatal(err)
	}
	if err := cam.SetExposure(ctx, 0); err != nil {
		t.Errorf("SetExposure(0) = %v", err)
	}
	if err := cam.SetExposure(ctx, 100); !errors.Is(err, hal.ErrUnsupported) {
		t.Errorf("SetExposure(100) = %v, want hal.ErrUnsupported", err)
	}
	if _, err := cam.Capture(ctx); err != nil {
		t.Fatal(err)
	}
}

// recorder is a slog.Handler that keeps messages.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }
func (r *recorder) has(msg string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		if m == msg {
			return true
		}
	}
	return false
}
func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}
