package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blackjack/webcam"

	"github.com/docscan/docscan/hal"
)

// device is the ioctl-free boundary of the V4L2 camera: the calls it makes,
// as github.com/blackjack/webcam offers them, plus reading the format
// back. Tests put a fake behind it; webcamDevice is the real one.
type device interface {
	GetSupportedFormats() map[webcam.PixelFormat]string
	GetSupportedFrameSizes(webcam.PixelFormat) []webcam.FrameSize
	SetImageFormat(webcam.PixelFormat, uint32, uint32) (webcam.PixelFormat, uint32, uint32, error)
	// CurrentFormat returns the format the driver really uses.
	CurrentFormat() (rawFormat, error)
	SetBufferCount(uint32) error
	StartStreaming() error
	// WaitForFrame waits up to timeout seconds; 0 only polls. It returns a
	// *webcam.Timeout when no frame is ready.
	WaitForFrame(timeout uint32) error
	GetFrame() ([]byte, uint32, error)
	ReleaseFrame(uint32) error
	GetControls() map[webcam.ControlID]webcam.Control
	SetControl(webcam.ControlID, int32) error
	GetFramerate() (float32, error)
	GetSupportedFramerates(webcam.PixelFormat, uint32, uint32) []webcam.FrameRate
	SetFramerate(float32) error
	Close() error
}

// webcamDevice is the real device.
type webcamDevice struct {
	*webcam.Webcam
	path string
}

func (d webcamDevice) CurrentFormat() (rawFormat, error) { return queryFormat(d.path) }

func openWebcam(path string) (device, error) {
	w, err := webcam.Open(path)
	if err != nil {
		return nil, err
	}
	return webcamDevice{Webcam: w, path: path}, nil
}

// V4L2 control ids used for exposure.
const (
	cidExposure         webcam.ControlID = 0x00980911 // V4L2_CID_EXPOSURE (sensor drivers)
	cidExposureAuto     webcam.ControlID = 0x009a0901 // V4L2_CID_EXPOSURE_AUTO (menu)
	cidExposureAbsolute webcam.ControlID = 0x009a0902 // V4L2_CID_EXPOSURE_ABSOLUTE, 100 µs units
	exposureManual                       = 1          // V4L2_EXPOSURE_MANUAL
	exposureAperture                     = 3          // V4L2_EXPOSURE_APERTURE_PRIORITY (UVC "auto")
	exposureAuto                         = 0          // V4L2_EXPOSURE_AUTO
)

// V4L2Options tune a V4L2 camera. Zero fields take the defaults.
type V4L2Options struct {
	// Buffers is the number of driver buffers, 2..4. Default 3.
	Buffers int
	// StaleFrames is how many frames to drop, after those already waiting,
	// before a frame counts as exposed after Capture began. One is the
	// frame being exposed and transferred when Capture was called; sensors
	// that expose the next frame while sending one need a second. Default 2.
	StaleFrames int
	// Timeout bounds one Capture (and a Configure's reopening). Default 3 s.
	Timeout time.Duration
	// Poll is the interval between checks for a frame. blackjack/webcam
	// waits in whole seconds, too coarse to honour a context, so the camera
	// polls. Default 2 ms.
	Poll time.Duration
	// ReopenMin and ReopenMax bound the backoff between attempts to reopen
	// a device that disappeared. Defaults 100 ms and 5 s.
	ReopenMin, ReopenMax time.Duration
	// Formats is the pixel-format preference. Default YUYV, GREY, MJPG.
	Formats []string
	// Log may be nil.
	Log *slog.Logger
}

func (o V4L2Options) withDefaults() V4L2Options {
	if o.Buffers == 0 {
		o.Buffers = 3
	}
	o.Buffers = max(2, min(4, o.Buffers))
	if o.StaleFrames == 0 {
		o.StaleFrames = 2
	}
	if o.StaleFrames < 0 {
		o.StaleFrames = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Millisecond
	}
	if o.ReopenMin <= 0 {
		o.ReopenMin = 100 * time.Millisecond
	}
	if o.ReopenMax < o.ReopenMin {
		o.ReopenMax = max(5*time.Second, o.ReopenMin)
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{FourCCYUYV, FourCCGrey, FourCCMJPG}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// V4L2 is a camera on a Video4Linux2 capture device.
//
// Fresh frames: V4L2 fills queued buffers in order, so when Capture is
// called every buffer already filled, and the one being filled, hold light
// from before the call. Capture first hands back every buffer that is
// ready, then drops StaleFrames more, and also drops any frame that
// arrives less than one frame period after the call. blackjack/webcam
// v0.6.1 does not expose the driver's buffer timestamps or sequence
// numbers, so Frame.Time is when the buffer was dequeued, and Frame.Seq
// follows the frame clock: it counts the frame periods since streaming
// began (at least one per buffer), so frames the driver dropped for want
// of a buffer still leave a gap.
type V4L2 struct {
	path string
	opts V4L2Options
	open func(string) (device, error)

	mu        sync.Mutex
	dev       device // nil after a failure, until reopened
	streaming bool
	want      hal.Format
	format    rawFormat
	period    time.Duration
	exposure  int
	hasExp    bool // an exposure was set and must survive a reopen
	seq       uint64
	// seqT0 and seqBase anchor the sequence to time: the first buffer of a
	// stream was dequeued at seqT0 and numbered seqBase.
	seqT0    time.Time
	seqBase  uint64
	backoff  time.Duration
	nextOpen time.Time
	closed   bool
}

// OpenV4L2 opens the capture device at path (e.g. /dev/video0).
func OpenV4L2(path string, opts V4L2Options) (*V4L2, error) {
	return newV4L2(path, opts, openWebcam)
}

func newV4L2(path string, opts V4L2Options, open func(string) (device, error)) (*V4L2, error) {
	c := &V4L2{path: path, opts: opts.withDefaults(), open: open}
	dev, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	c.dev = dev
	c.backoff = c.opts.ReopenMin
	return c, nil
}

// Configure implements hal.Camera. It picks the pixel format (want's if
// the device has it, else the first of Options.Formats the device has),
// asks for want's size (the largest the device lists when zero), and
// returns the format the driver really chose, which is what frames will
// have. It restarts the device, since V4L2 refuses a new format while
// buffers are allocated.
func (c *V4L2) Configure(ctx context.Context, want hal.Format) (hal.Format, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return hal.Format{}, hal.ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	c.want = want
	if c.streaming {
		c.dropDevice(nil)
	}
	if err := c.ensureStreaming(ctx); err != nil {
		return hal.Format{}, err
	}
	return c.halFormat(), nil
}

func (c *V4L2) halFormat() hal.Format {
	return hal.Format{PixelFormat: c.format.fourcc, Width: c.format.width, Height: c.format.height}
}

// Format returns the format in use (zero before the first Configure or
// Capture).
func (c *V4L2) Format() hal.Format {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.halFormat()
}

// ensureStreaming reopens the device if needed and starts streaming.
func (c *V4L2) ensureStreaming(ctx context.Context) error {
	for {
		if c.dev == nil {
			if err := c.reopen(ctx); err != nil {
				return err
			}
		}
		if c.streaming {
			return nil
		}
		err := c.start()
		if err == nil {
			return nil
		}
		var fe *formatError
		if errors.As(err, &fe) {
			return err // the device works but cannot give what we need
		}
		c.dropDevice(err)
		if ctx.Err() != nil {
			return err
		}
	}
}

// formatError is a negotiation failure; reopening will not help.
type formatError struct{ msg string }

func (e *formatError) Error() string { return e.msg }

// start negotiates the format and starts streaming on c.dev.
func (c *V4L2) start() error {
	formats := c.dev.GetSupportedFormats()
	pf, err := choosePixelFormat(formats, c.want.PixelFormat, c.opts.Formats)
	if err != nil {
		return err
	}
	w, h := uint32(max(0, c.want.Width)), uint32(max(0, c.want.Height))
	if w == 0 || h == 0 {
		w, h = largestSize(c.dev.GetSupportedFrameSizes(pf))
	}
	// The sizes SetImageFormat returns are the ones asked for (webcam
	// v0.6.1), so the real format is read back below.
	if _, _, _, err := c.dev.SetImageFormat(pf, w, h); err != nil {
		return fmt.Errorf("setting format %s %dx%d: %w", fourccString(uint32(pf)), w, h, err)
	}
	rf, err := c.dev.CurrentFormat()
	if err != nil {
		return err
	}
	if !decodable(rf.fourcc) {
		return &formatError{fmt.Sprintf("driver chose pixel format %q, which docscan cannot decode", rf.fourcc)}
	}
	if rf.width <= 0 || rf.height <= 0 {
		return &formatError{fmt.Sprintf("driver reports frame size %dx%d", rf.width, rf.height)}
	}
	// Drivers keep whatever rate they were left at (vivid starts at 5
	// fps); the fastest the format allows keeps each light's capture short.
	if fps := fastestRate(c.dev.GetSupportedFramerates(pf, uint32(rf.width), uint32(rf.height))); fps > 0 {
		if err := c.dev.SetFramerate(fps); err != nil {
			c.opts.Log.Warn("camera frame rate not set", "device", c.path, "fps", fps, "err", err)
		}
	}
	if err := c.dev.SetBufferCount(uint32(c.opts.Buffers)); err != nil {
		return err
	}
	if err := c.dev.StartStreaming(); err != nil {
		return err
	}
	c.format = rf
	c.streaming = true
	c.seqT0 = time.Time{}
	c.period = 0
	if fps, err := c.dev.GetFramerate(); err == nil && fps > 0 {
		c.period = time.Duration(float64(time.Second) / float64(fps))
	}
	if c.hasExp {
		if err := c.applyExposure(c.exposure); err != nil && !errors.Is(err, hal.ErrUnsupported) {
			return err
		}
	}
	c.opts.Log.Info("camera streaming", "device", c.path, "format", c.halFormat().String(),
		"stride", rf.bytesPerLine, "period", c.period, "buffers", c.opts.Buffers)
	return nil
}

// fastestRate returns the highest frame rate among a format's frame
// intervals (fps = denominator / numerator), 0 when none is listed.
func fastestRate(rates []webcam.FrameRate) float32 {
	var best float32
	for _, r := range rates {
		if r.MinNumerator == 0 {
			continue
		}
		if fps := float32(r.MaxDenominator) / float32(r.MinNumerator); fps > best {
			best = fps
		}
	}
	return best
}

func decodable(fourcc string) bool {
	switch fourcc {
	case FourCCYUYV, FourCCGrey, FourCCMJPG, FourCCJPEG:
		return true
	}
	return false
}

// choosePixelFormat returns want if the device has it, else the first
// preferred format it has.
func choosePixelFormat(have map[webcam.PixelFormat]string, want string, prefs []string) (webcam.PixelFormat, error) {
	if want != "" {
		if !decodable(want) {
			return 0, &formatError{fmt.Sprintf("pixel format %q is not one docscan decodes (YUYV, GREY, MJPG, JPEG)", want)}
		}
		if _, ok := have[webcam.PixelFormat(fourcc(want))]; ok {
			return webcam.PixelFormat(fourcc(want)), nil
		}
	}
	for _, p := range prefs {
		if _, ok := have[webcam.PixelFormat(fourcc(p))]; ok && decodable(p) {
			return webcam.PixelFormat(fourcc(p)), nil
		}
	}
	var names []string
	for pf := range have {
		names = append(names, fourccString(uint32(pf)))
	}
	sort.Strings(names)
	return 0, &formatError{fmt.Sprintf("device offers no usable pixel format (has %s; want one of %s)",
		strings.Join(names, ", "), strings.Join(prefs, ", "))}
}

// largestSize returns the largest frame size listed (by area), or 0×0 to
// let the driver choose when nothing is listed.
func largestSize(sizes []webcam.FrameSize) (uint32, uint32) {
	var w, h uint32
	for _, s := range sizes {
		if uint64(s.MaxWidth)*uint64(s.MaxHeight) > uint64(w)*uint64(h) {
			w, h = s.MaxWidth, s.MaxHeight
		}
	}
	return w, h
}

// dropDevice closes the device after a failure; the next use reopens it.
func (c *V4L2) dropDevice(cause error) {
	if c.dev == nil {
		return
	}
	if cause != nil {
		// Back off before the reopen too, so that a device that opens but
		// fails to stream is not hammered.
		c.opts.Log.Warn("camera failed; will reopen", "device", c.path, "err", cause, "in", c.backoff)
		c.nextOpen = time.Now().Add(c.backoff)
		c.backoff = min(2*c.backoff, c.opts.ReopenMax)
	}
	_ = c.dev.Close()
	c.dev = nil
	c.streaming = false
}

// reopen opens the device again, waiting the backoff between attempts,
// until it succeeds or ctx ends.
func (c *V4L2) reopen(ctx context.Context) error {
	var last error
	for {
		if wait := time.Until(c.nextOpen); wait > 0 {
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				return c.unavailable(ctx, last)
			}
			if err := hal.Sleep(ctx, wait); err != nil {
				return c.unavailable(ctx, last)
			}
		}
		dev, err := c.open(c.path)
		if err == nil {
			c.dev = dev
			c.opts.Log.Info("camera reopened", "device", c.path)
			return nil
		}
		last = err
		c.nextOpen = time.Now().Add(c.backoff)
		c.backoff = min(2*c.backoff, c.opts.ReopenMax)
		if ctx.Err() != nil {
			return c.unavailable(ctx, last)
		}
	}
}

// ErrDeviceGone is returned when the device cannot be opened.
var ErrDeviceGone = errors.New("camera device unavailable")

func (c *V4L2) unavailable(ctx context.Context, last error) error {
	if last == nil {
		last = ctx.Err()
	}
	return fmt.Errorf("%w: %s: %w", ErrDeviceGone, c.path, last)
}

// SetExposure implements hal.Camera. exposure is in the units of
// V4L2_CID_EXPOSURE_ABSOLUTE (100 µs) when the device has it, else of
// V4L2_CID_EXPOSURE; 0 selects automatic exposure. A device with neither
// returns hal.ErrUnsupported for a manual value.
func (c *V4L2) SetExposure(ctx context.Context, exposure int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return hal.ErrClosed
	}
	if c.hasExp && c.exposure == exposure && c.dev != nil {
		return nil
	}
	c.exposure, c.hasExp = exposure, true
	if c.dev == nil {
		return nil // applied when the device is back
	}
	return c.applyExposure(exposure)
}

func (c *V4L2) applyExposure(exposure int) error {
	ctrls := c.dev.GetControls()
	_, hasAuto := ctrls[cidExposureAuto]
	if exposure == 0 {
		if !hasAuto {
			return nil // no exposure control: the device is automatic already
		}
		if err := c.dev.SetControl(cidExposureAuto, exposureAperture); err != nil {
			if err2 := c.dev.SetControl(cidExposureAuto, exposureAuto); err2 != nil {
				return fmt.Errorf("selecting automatic exposure: %w", err)
			}
		}
		return nil
	}
	id := cidExposureAbsolute
	ctrl, ok := ctrls[id]
	if !ok {
		id = cidExposure
		if ctrl, ok = ctrls[id]; !ok {
			return fmt.Errorf("manual exposure %d: %w", exposure, hal.ErrUnsupported)
		}
	}
	if hasAuto {
		if err := c.dev.SetControl(cidExposureAuto, exposureManual); err != nil {
			return fmt.Errorf("selecting manual exposure: %w", err)
		}
	}
	v := int32(min(max(exposure, int(ctrl.Min)), int(ctrl.Max)))
	if int(v) != exposure {
		c.opts.Log.Warn("exposure outside the device's range; clamped", "want", exposure, "set", v, "min", ctrl.Min, "max", ctrl.Max)
	}
	if err := c.dev.SetControl(id, v); err != nil {
		return fmt.Errorf("setting exposure %d: %w", v, err)
	}
	return nil
}

// Capture implements hal.Camera; see V4L2 for how freshness is ensured.
// It gives up after Options.Timeout with hal.ErrTimeout. When the device
// fails or disappears, it is reopened (with backoff) within that time.
func (c *V4L2) Capture(ctx context.Context) (hal.Frame, error) {
	called := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return hal.Frame{}, hal.ErrClosed
	}
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var lastErr error
	for {
		if err := c.ensureStreaming(tctx); err != nil {
			return hal.Frame{}, c.timeoutOr(ctx, tctx, err)
		}
		f, err := c.fresh(tctx, called)
		if err == nil {
			c.backoff = c.opts.ReopenMin
			return f, nil
		}
		var de *deviceError
		if !errors.As(err, &de) {
			if tctx.Err() != nil && ctx.Err() == nil {
				// Our own timeout: the stream is stuck; restart it next time.
				c.dropDevice(fmt.Errorf("no frame within %s", c.opts.Timeout))
			}
			return hal.Frame{}, c.timeoutOr(ctx, tctx, errors.Join(err, lastErr))
		}
		lastErr = err
		c.dropDevice(err)
	}
}

// timeoutOr maps the end of our own deadline to hal.ErrTimeout, and the
// caller's context ending to its error.
func (c *V4L2) timeoutOr(parent, tctx context.Context, err error) error {
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("capture: %w", perr)
	}
	if tctx.Err() != nil || errors.Is(err, ErrDeviceGone) {
		return fmt.Errorf("%w: no fresh frame from %s within %s: %w", hal.ErrTimeout, c.path, c.opts.Timeout, err)
	}
	return err
}

// deviceError marks a failed device call; the device is reopened.
type deviceError struct {
	op  string
	err error
}

func (e *deviceError) Error() string { return e.op + ": " + e.err.Error() }
func (e *deviceError) Unwrap() error { return e.err }

// fresh returns the first frame exposed after called.
func (c *V4L2) fresh(ctx context.Context, called time.Time) (hal.Frame, error) {
	// Buffers already filled hold light from before the call.
	drained := 0
	for {
		err := c.dev.WaitForFrame(0)
		if isNoFrame(err) {
			break
		}
		if err != nil {
			return hal.Frame{}, &deviceError{"waiting for a frame", err}
		}
		_, idx, err := c.dev.GetFrame()
		if isNoFrame(err) {
			break
		}
		if err != nil {
			return hal.Frame{}, &deviceError{"dequeuing a frame", err}
		}
		drained++
		if err := c.dev.ReleaseFrame(idx); err != nil {
			return hal.Frame{}, &deviceError{"requeuing a frame", err}
		}
	}
	if drained > 0 {
		c.countFrames(time.Now(), drained)
	}
	skip := c.opts.StaleFrames
	var badFrame error
	for {
		if err := c.waitFrame(ctx); err != nil {
			return hal.Frame{}, errors.Join(err, badFrame)
		}
		buf, idx, err := c.dev.GetFrame()
		if isNoFrame(err) {
			continue
		}
		if err != nil {
			return hal.Frame{}, &deviceError{"dequeuing a frame", err}
		}
		arrived := time.Now()
		c.countFrames(arrived, 1)
		if skip > 0 || arrived.Sub(called) < c.period {
			skip = max(0, skip-1)
			if err := c.dev.ReleaseFrame(idx); err != nil {
				return hal.Frame{}, &deviceError{"requeuing a frame", err}
			}
			continue
		}
		img, derr := decodeFrame(buf, c.format) // copies out of the buffer
		if err := c.dev.ReleaseFrame(idx); err != nil {
			return hal.Frame{}, &deviceError{"requeuing a frame", err}
		}
		if derr != nil {
			// A corrupt frame (USB cameras send some): try the next one.
			badFrame = fmt.Errorf("last frame unusable: %w", derr)
			c.opts.Log.Debug("dropping unusable frame", "err", derr)
			continue
		}
		return hal.Frame{Image: img, Seq: c.seq, Time: arrived}, nil
	}
}

// countFrames numbers n buffers dequeued at t: at least one each, and as
// many as frame periods have passed since the stream's first buffer.
func (c *V4L2) countFrames(t time.Time, n int) {
	if c.period <= 0 || c.seqT0.IsZero() {
		c.seq += uint64(n)
		if c.seqT0.IsZero() {
			c.seqT0, c.seqBase = t, c.seq
		}
		return
	}
	byClock := c.seqBase + uint64((t.Sub(c.seqT0)+c.period/2)/c.period)
	c.seq = max(c.seq+uint64(n), byClock)
}

// waitFrame polls until a frame is ready or ctx ends.
func (c *V4L2) waitFrame(ctx context.Context) error {
	for {
		err := c.dev.WaitForFrame(0)
		if err == nil {
			return nil
		}
		if !isNoFrame(err) {
			return &deviceError{"waiting for a frame", err}
		}
		if err := hal.Sleep(ctx, c.opts.Poll); err != nil {
			return err
		}
	}
}

// isNoFrame reports a poll or dequeue that found nothing ready.
func isNoFrame(err error) bool {
	var to *webcam.Timeout
	return errors.As(err, &to) || errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR)
}

// Close implements hal.Camera.
func (c *V4L2) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.dev == nil {
		return nil
	}
	err := c.dev.Close()
	c.dev, c.streaming = nil, false
	return err
}

var _ hal.Camera = (*V4L2)(nil)
