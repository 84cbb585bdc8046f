package camera

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/docscan/docscan/hal"
)

// fakeSensor models a V4L2 capture device at the boundary the camera uses.
// Frame k is exposed during [t0+k·P, t0+(k+1)·P] and becomes ready to
// dequeue `latency` after its exposure ends, like a USB camera that sends
// one frame while exposing the next. A frame that finds no queued buffer
// is dropped, as drivers do. Every frame carries its index in the first
// four luma samples, so a test can look up when it was exposed.
type fakeSensor struct {
	mu      sync.Mutex
	period  time.Duration
	latency time.Duration
	formats map[webcam.PixelFormat]string
	sizes   []webcam.FrameSize
	// pick is the driver's choice for a requested format.
	pick     func(pf webcam.PixelFormat, w, h uint32) rawFormat
	controls map[webcam.ControlID]webcam.Control
	mjpeg    []byte // served as every frame when the format is MJPG
	// rates are the frame rates the driver lists; nil lists none.
	rates []float32

	// Fault injection.
	openFails int  // opens that fail before one succeeds
	stalled   bool // no frames are produced
	emptyNext int  // frames delivered with no data

	// Observations.
	opens      int
	bufCounts  []uint32
	setFormats []rawFormat
	ctrlLog    []string
	t0         time.Time
	started    bool
	current    *fakeDev
}

type fakeFrame struct {
	k   int
	buf []byte
}

// fakeDev is one open handle.
type fakeDev struct {
	s         *fakeSensor
	format    rawFormat
	bufCount  uint32
	queued    int
	ready     []fakeFrame
	out       map[uint32]fakeFrame
	nextIdx   uint32
	next      int // next frame index to produce
	streaming bool
	gone      bool
	closed    bool
}

func newFakeSensor() *fakeSensor {
	s := &fakeSensor{
		period:  10 * time.Millisecond,
		latency: 10 * time.Millisecond,
		formats: map[webcam.PixelFormat]string{
			webcam.PixelFormat(fourcc("YUYV")): "YUYV 4:2:2",
			webcam.PixelFormat(fourcc("MJPG")): "Motion-JPEG",
		},
		sizes: []webcam.FrameSize{{MinWidth: 320, MaxWidth: 320, MinHeight: 240, MaxHeight: 240},
			{MinWidth: 64, MaxWidth: 64, MinHeight: 48, MaxHeight: 48}},
		controls: map[webcam.ControlID]webcam.Control{},
	}
	// By default the driver snaps every request to 64×48 and pads lines.
	s.pick = func(pf webcam.PixelFormat, w, h uint32) rawFormat {
		return rawFormat{fourcc: fourccString(uint32(pf)), width: 64, height: 48, bytesPerLine: 64*2 + 32}
	}
	return s
}

func (s *fakeSensor) open(path string) (device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opens++
	if s.openFails > 0 {
		s.openFails--
		return nil, syscall.ENOENT
	}
	d := &fakeDev{s: s, out: map[uint32]fakeFrame{}}
	s.current = d
	return d, nil
}

// unplug makes the open handle fail as a removed USB device does.
func (s *fakeSensor) unplug(failedOpens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current.gone = true
	s.openFails = failedOpens
}

// exposureStart is when frame k began to be exposed.
func (s *fakeSensor) exposureStart(k int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t0.Add(time.Duration(k) * s.period)
}

func (d *fakeDev) check() error {
	if d.closed {
		return syscall.EBADF
	}
	if d.gone {
		return syscall.ENODEV
	}
	return nil
}

// advance produces the frames that became ready by now.
func (d *fakeDev) advance() {
	s := d.s
	if !d.streaming || s.stalled {
		return
	}
	now := time.Now()
	for {
		ready := s.t0.Add(time.Duration(d.next+1)*s.period + s.latency)
		if ready.After(now) {
			return
		}
		k := d.next
		d.next++
		if d.queued == 0 {
			continue // no buffer: the driver drops the frame
		}
		d.queued--
		d.ready = append(d.ready, fakeFrame{k: k, buf: d.render(k)})
	}
}

func (d *fakeDev) render(k int) []byte {
	s := d.s
	if s.emptyNext > 0 {
		s.emptyNext--
		return nil
	}
	f := d.format
	switch f.fourcc {
	case "MJPG":
		return append([]byte(nil), s.mjpeg...)
	case "GREY":
		buf := make([]byte, f.bytesPerLine*f.height)
		binary.LittleEndian.PutUint32(buf, uint32(k))
		return buf
	}
	buf := make([]byte, f.bytesPerLine*f.height)
	for i := 1; i < len(buf); i += 2 {
		buf[i] = 128
	}
	var kb [4]byte
	binary.LittleEndian.PutUint32(kb[:], uint32(k))
	for i, b := range kb {
		buf[2*i] = b // Y0..Y3
	}
	return buf
}

func (d *fakeDev) GetSupportedFormats() map[webcam.PixelFormat]string { return d.s.formats }
func (d *fakeDev) GetSupportedFrameSizes(webcam.PixelFormat) []webcam.FrameSize {
	return d.s.sizes
}
func (d *fakeDev) SetImageFormat(pf webcam.PixelFormat, w, h uint32) (webcam.PixelFormat, uint32, uint32, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.check(); err != nil {
		return 0, 0, 0, err
	}
	if d.streaming {
		return 0, 0, 0, syscall.EBUSY
	}
	d.format = d.s.pick(pf, w, h)
	d.s.setFormats = append(d.s.setFormats, rawFormat{fourcc: fourccString(uint32(pf)), width: int(w), height: int(h)})
	return pf, w, h, nil // like webcam v0.6.1: echoes the request
}
func (d *fakeDev) CurrentFormat() (rawFormat, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return d.format, d.check()
}
func (d *fakeDev) SetBufferCount(n uint32) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.bufCount = n
	d.s.bufCounts = append(d.s.bufCounts, n)
	return nil
}
func (d *fakeDev) StartStreaming() error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.check(); err != nil {
		return err
	}
	d.streaming = true
	d.queued = int(d.bufCount)
	d.s.t0 = time.Now()
	d.s.started = true
	d.next = 0
	return nil
}
func (d *fakeDev) WaitForFrame(timeout uint32) error {
	if timeout != 0 {
		panic("the camera must only poll")
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.check(); err != nil {
		return err
	}
	d.advance()
	if len(d.ready) == 0 {
		return new(webcam.Timeout)
	}
	return nil
}
func (d *fakeDev) GetFrame() ([]byte, uint32, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.check(); err != nil {
		return nil, 0, err
	}
	d.advance()
	if len(d.ready) == 0 {
		return nil, 0, syscall.EAGAIN
	}
	f := d.ready[0]
	d.ready = d.ready[1:]
	idx := d.nextIdx
	d.nextIdx++
	d.out[idx] = f
	return f.buf, idx, nil
}
func (d *fakeDev) ReleaseFrame(idx uint32) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.check(); err != nil {
		return err
	}
	if _, ok := d.out[idx]; !ok {
		return syscall.EINVAL
	}
	delete(d.out, idx)
	d.queued++
	return nil
}
func (d *fakeDev) GetControls() map[webcam.ControlID]webcam.Control { return d.s.controls }
func (d *fakeDev) SetControl(id webcam.ControlID, v int32) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.check(); err != nil {
		return err
	}
	if _, ok := d.s.controls[id]; !ok {
		return syscall.EINVAL
	}
	d.s.ctrlLog = append(d.s.ctrlLog, ctrlName(id)+"="+strconv.Itoa(int(v)))
	return nil
}
func (d *fakeDev) GetFramerate() (float32, error) {
	return float32(time.Second) / float32(d.s.period), nil
}
func (d *fakeDev) GetSupportedFramerates(webcam.PixelFormat, uint32, uint32) []webcam.FrameRate {
	var out []webcam.FrameRate
	for _, fps := range d.s.rates {
		out = append(out, webcam.FrameRate{MinNumerator: 1, MaxNumerator: 1, MinDenominator: uint32(fps), MaxDenominator: uint32(fps)})
	}
	return out
}
func (d *fakeDev) SetFramerate(fps float32) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if d.streaming {
		return syscall.EBUSY
	}
	d.s.period = time.Duration(float32(time.Second) / fps)
	return nil
}
func (d *fakeDev) Close() error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.closed, d.streaming = true, false
	return nil
}

func ctrlName(id webcam.ControlID) string {
	switch id {
	case cidExposureAuto:
		return "auto"
	case cidExposureAbsolute:
		return "absolute"
	case cidExposure:
		return "exposure"
	}
	return "other"
}

// frameIndex reads the index the fake wrote into a frame.
func frameIndex(t *testing.T, img image.Image) int {
	t.Helper()
	switch m := img.(type) {
	case *image.YCbCr:
		return int(binary.LittleEndian.Uint32(m.Y[:4]))
	case *image.Gray:
		return int(binary.LittleEndian.Uint32(m.Pix[:4]))
	}
	t.Fatalf("unexpected image type %T", img)
	return -1
}

func fastOpts() V4L2Options {
	return V4L2Options{Timeout: 500 * time.Millisecond, Poll: time.Millisecond, ReopenMin: 2 * time.Millisecond, ReopenMax: 10 * time.Millisecond}
}

func TestV4L2UsesTheSizeTheDriverChose(t *testing.T) {
	s := newFakeSensor()
	c, err := newV4L2("/dev/video9", fastOpts(), s.open)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Configure(context.Background(), hal.Format{Width: 1920, Height: 1080})
	if err != nil {
		t.Fatal(err)
	}
	want := hal.Format{PixelFormat: "YUYV", Width: 64, Height: 48}
	if got != want {
		t.Errorf("Configure = %v, want %v (the driver's choice)", got, want)
	}
	if s.setFormats[0] != (rawFormat{fourcc: "YUYV", width: 1920, height: 1080}) {
		t.Errorf("asked for %v", s.setFormats[0])
	}
	if !slices.Equal(s.bufCounts, []uint32{3}) {
		t.Errorf("buffer counts %v, want [3]", s.bufCounts)
	}
	f, err := c.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Image.Bounds().Size() != image.Pt(64, 48) {
		t.Errorf("frame size %v", f.Image.Bounds().Size())
	}
	// The padding bytes of each line must not leak into the image: the
	// fake's padding is zero, its chroma 128.
	ycc := f.Image.(*image.YCbCr)
	if ycc.Cb[ycc.COffset(63, 47)] != 128 || ycc.Cr[ycc.COffset(0, 47)] != 128 {
		t.Error("chroma read from the wrong place: stride ignored")
	}
}

func TestV4L2ConfigureLargestWhenNoSizeAsked(t *testing.T) {
	s := newFakeSensor()
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	if s.setFormats[0].width != 320 || s.setFormats[0].height != 240 {
		t.Errorf("asked for %v, want the largest listed 320x240", s.setFormats[0])
	}
}

func TestV4L2FormatChoice(t *testing.T) {
	cases := []struct {
		name    string
		have    []string
		want    string
		chosen  string
		wantErr bool
	}{
		{"prefers YUYV", []string{"MJPG", "GREY", "YUYV"}, "", "YUYV", false},
		{"then GREY", []string{"MJPG", "GREY"}, "", "GREY", false},
		{"then MJPG", []string{"MJPG", "RGB3"}, "", "MJPG", false},
		{"asked for and present", []string{"MJPG", "YUYV"}, "MJPG", "MJPG", false},
		{"asked for but absent", []string{"YUYV"}, "GREY", "YUYV", false},
		{"nothing usable", []string{"RGB3", "NV12"}, "", "", true},
		{"asked for undecodable", []string{"YUYV", "NV12"}, "NV12", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeSensor()
			s.formats = map[webcam.PixelFormat]string{}
			for _, f := range tc.have {
				s.formats[webcam.PixelFormat(fourcc(f))] = f
			}
			c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
			defer c.Close()
			got, err := c.Configure(context.Background(), hal.Format{PixelFormat: tc.want})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Configure = %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.PixelFormat != tc.chosen {
				t.Errorf("chose %s, want %s", got.PixelFormat, tc.chosen)
			}
		})
	}
}

func TestV4L2DriverSubstitutesUndecodableFormat(t *testing.T) {
	s := newFakeSensor()
	s.pick = func(webcam.PixelFormat, uint32, uint32) rawFormat {
		return rawFormat{fourcc: "NV12", width: 64, height: 48}
	}
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err == nil {
		t.Fatal("accepted a format it cannot decode")
	}
}

// TestV4L2FreshFrames calls Capture at random moments of a running stream
// and checks, against the fake's exposure times, that every frame returned
// began its exposure after Capture was called.
func TestV4L2FreshFrames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stale int
		fresh bool
	}{
		{"default drops enough", 0, true},
		// Negative control: without dropping, the sensor's pipeline hands
		// back frames exposed before the call, and the check catches it.
		{"no dropping shows stale frames", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeSensor()
			opts := fastOpts()
			opts.StaleFrames = tc.stale
			c, _ := newV4L2("/dev/video9", opts, s.open)
			defer c.Close()
			if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
				t.Fatal(err)
			}
			staleSeen := 0
			lastSeq := uint64(0)
			for i := range 8 {
				// Let the buffers fill with old frames, at varying phases.
				time.Sleep(35*time.Millisecond + time.Duration(i)*3*time.Millisecond)
				called := time.Now()
				f, err := c.Capture(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				k := frameIndex(t, f.Image)
				if s.exposureStart(k).Before(called) {
					staleSeen++
				}
				if f.Seq <= lastSeq {
					t.Errorf("sequence went from %d to %d", lastSeq, f.Seq)
				}
				lastSeq = f.Seq
				if f.Time.Before(called) {
					t.Errorf("frame time %v before the call %v", f.Time, called)
				}
			}
			if tc.fresh && staleSeen > 0 {
				t.Errorf("%d of 8 frames were exposed before Capture was called", staleSeen)
			}
			if !tc.fresh && staleSeen == 0 {
				t.Error("negative control found no stale frame: the test cannot tell")
			}
		})
	}
}

func TestV4L2Timeout(t *testing.T) {
	s := newFakeSensor()
	opts := fastOpts()
	opts.Timeout = 40 * time.Millisecond
	c, _ := newV4L2("/dev/video9", opts, s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.stalled = true
	s.mu.Unlock()
	start := time.Now()
	_, err := c.Capture(context.Background())
	if !errors.Is(err, hal.ErrTimeout) {
		t.Fatalf("Capture = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s to time out", d)
	}
	// The caller's context ending is reported as such, not as a timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Capture(ctx); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, hal.ErrTimeout) {
		t.Errorf("Capture(cancelled) = %v", err)
	}
	// A stalled stream is restarted: once frames flow again, capture works.
	s.mu.Lock()
	s.stalled = false
	s.mu.Unlock()
	if _, err := c.Capture(context.Background()); err != nil {
		t.Errorf("after the stall: %v", err)
	}
}

func TestV4L2ReopensWhenDeviceDisappears(t *testing.T) {
	s := newFakeSensor()
	s.controls = map[webcam.ControlID]webcam.Control{
		cidExposureAuto:     {Name: "Auto Exposure", Min: 0, Max: 3},
		cidExposureAbsolute: {Name: "Exposure Time, Absolute", Min: 1, Max: 5000},
	}
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetExposure(context.Background(), 60); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Capture(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.unplug(3)
	s.mu.Lock()
	s.ctrlLog = nil
	opensBefore := s.opens
	s.mu.Unlock()
	f, err := c.Capture(context.Background())
	if err != nil {
		t.Fatalf("Capture after unplug: %v", err)
	}
	if f.Image == nil {
		t.Fatal("no image")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.opens - opensBefore; n != 4 {
		t.Errorf("%d open attempts, want 3 failures then 1 success", n)
	}
	if !slices.Equal(s.ctrlLog, []string{"auto=1", "absolute=60"}) {
		t.Errorf("exposure not restored after reopen: %v", s.ctrlLog)
	}
}

func TestV4L2GivesUpWhenDeviceStaysAway(t *testing.T) {
	s := newFakeSensor()
	opts := fastOpts()
	opts.Timeout = 60 * time.Millisecond
	c, _ := newV4L2("/dev/video9", opts, s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	s.unplug(1 << 30)
	_, err := c.Capture(context.Background())
	if !errors.Is(err, hal.ErrTimeout) || !errors.Is(err, ErrDeviceGone) {
		t.Errorf("Capture = %v, want ErrTimeout and ErrDeviceGone", err)
	}
}

func TestV4L2SkipsUnusableFrames(t *testing.T) {
	s := newFakeSensor()
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.emptyNext = 10 // the next frames are empty
	s.mu.Unlock()
	if _, err := c.Capture(context.Background()); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	s.mu.Lock()
	left := s.emptyNext
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("returned before the empty frames were over (%d left)", left)
	}
}

func TestV4L2Exposure(t *testing.T) {
	full := map[webcam.ControlID]webcam.Control{
		cidExposureAuto:     {Min: 0, Max: 3},
		cidExposureAbsolute: {Min: 3, Max: 2047},
	}
	cases := []struct {
		name     string
		controls map[webcam.ControlID]webcam.Control
		values   []int
		log      []string
		err      error
	}{
		{"manual then auto", full, []int{6, 0}, []string{"auto=1", "absolute=6", "auto=3"}, nil},
		{"clamped to range", full, []int{1}, []string{"auto=1", "absolute=3"}, nil},
		{"repeat is not rewritten", full, []int{6, 6}, []string{"auto=1", "absolute=6"}, nil},
		{"sensor exposure control", map[webcam.ControlID]webcam.Control{cidExposure: {Min: 1, Max: 100}}, []int{9}, []string{"exposure=9"}, nil},
		{"none: auto is fine", nil, []int{0}, nil, nil},
		{"none: manual unsupported", nil, []int{5}, nil, hal.ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeSensor()
			s.controls = tc.controls
			c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
			defer c.Close()
			if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
				t.Fatal(err)
			}
			var err error
			for _, v := range tc.values {
				if err = c.SetExposure(context.Background(), v); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("SetExposure = %v, want %v", err, tc.err)
			}
			if !slices.Equal(s.ctrlLog, tc.log) {
				t.Errorf("controls %v, want %v", s.ctrlLog, tc.log)
			}
		})
	}
}

func TestV4L2MJPEGWithoutHuffmanTables(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	ref, err := jpeg.Decode(bytes.NewReader(jb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	s := newFakeSensor()
	s.formats = map[webcam.PixelFormat]string{webcam.PixelFormat(fourcc("MJPG")): "Motion-JPEG"}
	s.mjpeg = stripDHT(t, jb.Bytes())
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	f, err := c.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(f.Image, ref) {
		t.Error("MJPEG frame differs from the original JPEG")
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.GrayModel.Convert(a.At(x, y)) != color.GrayModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

func TestV4L2ClosedAndBufferBounds(t *testing.T) {
	s := newFakeSensor()
	opts := fastOpts()
	opts.Buffers = 9
	c, _ := newV4L2("/dev/video9", opts, s.open)
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	if s.bufCounts[0] != 4 {
		t.Errorf("buffers %d, want at most 4", s.bufCounts[0])
	}
	_ = c.Close()
	if _, err := c.Capture(context.Background()); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Capture after Close = %v", err)
	}
	s2 := newFakeSensor()
	s2.openFails = 1
	if _, err := newV4L2("/dev/video9", fastOpts(), s2.open); err == nil {
		t.Error("opening a missing device succeeded")
	}
}

func TestV4L2PicksTheFastestFrameRate(t *testing.T) {
	s := newFakeSensor()
	s.period = 200 * time.Millisecond // left at 5 fps, as vivid starts
	s.rates = []float32{5, 15, 50}
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	if _, err := c.Configure(context.Background(), hal.Format{}); err != nil {
		t.Fatal(err)
	}
	if s.period != 20*time.Millisecond || c.period != 20*time.Millisecond {
		t.Errorf("frame period %v (camera thinks %v), want 20ms: the fastest listed rate", s.period, c.period)
	}
}

// TestV4L2SequenceCountsSensorFrames: while nobody captures, the driver
// drops frames for want of a free buffer; the sequence still counts them.
func TestV4L2SequenceCountsSensorFrames(t *testing.T) {
	s := newFakeSensor()
	c, _ := newV4L2("/dev/video9", fastOpts(), s.open)
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Configure(ctx, hal.Format{}); err != nil {
		t.Fatal(err)
	}
	f1, err := c.Capture(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * s.period)
	f2, err := c.Capture(ctx)
	if err != nil {
		t.Fatal(err)
	}
	produced := uint64(f2.Time.Sub(f1.Time) / s.period)
	if got := f2.Seq - f1.Seq; got+2 < produced || got > produced+2 {
		t.Errorf("sequence advanced %d over %v, in which the sensor made about %d frames", got, f2.Time.Sub(f1.Time), produced)
	}
}
