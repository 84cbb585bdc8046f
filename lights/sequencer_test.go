package lights

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
)

const (
	testPeriod = 4 * time.Millisecond
	testSettle = 8 * time.Millisecond
	testDark   = 10
)

// testDocument has three clearly different layers.
func testDocument() camera.SideImages {
	const w, h = 48, 30
	var layers [3]*image.RGBA
	for i := range layers {
		layers[i] = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			layers[camera.LayerWhite].SetRGBA(x, y, color.RGBA{uint8(100 + x*3), uint8(200 - y*2), 150, 255})
			layers[camera.LayerIR].SetRGBA(x, y, color.RGBA{uint8(40 + y*5), uint8(40 + y*5), uint8(40 + y*5), 255})
			uv := color.RGBA{15, 15, 25, 255}
			if x > 20 && x < 35 && y > 5 && y < 20 {
				uv = color.RGBA{50, 80, 230, 255}
			}
			layers[camera.LayerUV].SetRGBA(x, y, uv)
		}
	}
	return camera.SideImages{Name: "front", Layers: [3]image.Image{layers[0], layers[1], layers[2]}}
}

// rig is a simulated scanner: SimLEDs behind a Guard, a noise-free
// simulated camera reading them, and a camera wrapper that records and
// injects faults.
type rig struct {
	leds  *hal.SimLEDs
	guard *Guard
	sim   *camera.Sim
	cam   *faultyCamera
	seq   *Sequencer
	doc   camera.SideImages
}

func newRig(t *testing.T, available hal.ChannelSet, lim UVLimits) *rig {
	t.Helper()
	r := &rig{leds: hal.NewSimLEDs(available), doc: testDocument()}
	var err error
	if r.guard, err = NewGuard(r.leds, lim, nil); err != nil {
		t.Fatal(err)
	}
	off := image.Pt(8, 5)
	r.sim, err = camera.NewSim(r.leds, camera.SimOptions{
		Size: image.Pt(64, 40), FramePeriod: testPeriod, Noise: -1, Dark: testDark, DocScale: 1, DocOffset: &off,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.sim.PlaceSides([]camera.SideImages{r.doc}); err != nil {
		t.Fatal(err)
	}
	r.cam = &faultyCamera{Camera: r.sim}
	if r.seq, err = NewSequencer(r.guard, r.cam, DefaultProfile(), SequencerOptions{Settle: testSettle}); err != nil {
		t.Fatal(err)
	}
	return r
}

type faultyCamera struct {
	hal.Camera
	mu        sync.Mutex
	captures  int
	exposures []int
	failAt    int // 1-based capture that fails; 0 never
	panicAt   int
	expErr    error
	onCapture func() // runs at the start of every capture
}

var errSensor = errors.New("sensor fell off")

func (c *faultyCamera) SetExposure(ctx context.Context, v int) error {
	c.mu.Lock()
	c.exposures = append(c.exposures, v)
	err := c.expErr
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.Camera.SetExposure(ctx, v)
}

func (c *faultyCamera) Capture(ctx context.Context) (hal.Frame, error) {
	c.mu.Lock()
	c.captures++
	n := c.captures
	hook := c.onCapture
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	if n == c.panicAt {
		panic("driver bug")
	}
	if n == c.failAt {
		return hal.Frame{}, errSensor
	}
	return c.Camera.Capture(ctx)
}

// expectedFrame composes what the camera must see under channels, the
// slow way, for comparison.
func (r *rig) expectedPixel(set hal.ChannelSet, x, y int) [3]int {
	rect := r.sim.DocumentRect()
	out := [3]int{testDark, testDark, testDark}
	if !image.Pt(x, y).In(rect) {
		return out
	}
	var acc [3]float64
	for _, c := range set.Channels() {
		rr, g, b, _ := r.doc.Layers[camera.ChannelLayer(c)].At(x-rect.Min.X, y-rect.Min.Y).RGBA()
		gain := camera.DefaultGains[c]
		acc[0] += gain * float64(rr>>8)
		acc[1] += gain * float64(g>>8)
		acc[2] += gain * float64(b>>8)
	}
	for k := range out {
		out[k] = min(255, int(math.Round(acc[k]))+testDark)
	}
	return out
}

// frameMatches reports how many channel values differ by more than 1.
func (r *rig) frameMismatch(img image.Image, set hal.ChannelSet) int {
	bad := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			want := r.expectedPixel(set, x, y)
			p := img.(*image.RGBA).RGBAAt(x, y)
			for k, v := range []uint8{p.R, p.G, p.B} {
				if d := int(v) - want[k]; d < -1 || d > 1 {
					bad++
				}
			}
		}
	}
	return bad
}

func TestSequencerCapturesEachScheme(t *testing.T) {
	cases := []struct {
		name  string
		mask  Mask
		uvExp int
		steps []hal.ChannelSet // LED sets, in order
		exps  []int
	}{
		{"API necessary_lights White_Front|IR_Front", 25165824, 6,
			[]hal.ChannelSet{hal.SetOf(hal.WhiteFront), hal.SetOf(hal.IRFront)}, []int{0, 0}},
		{"API authenticity IR_Top|IR_Side|UV with uv_exp", 152, 6,
			[]hal.ChannelSet{hal.SetOf(hal.IRTop), hal.SetOf(hal.IRSide), hal.SetOf(hal.UV)}, []int{0, 0, 6}},
		{"API authenticity with axial", 3224, 0,
			[]hal.ChannelSet{hal.SetOf(hal.IRTop), hal.SetOf(hal.IRSide), hal.SetOf(hal.UV), hal.SetOf(hal.AxialLeft), hal.SetOf(hal.AxialRight)},
			[]int{0, 0, 0, 0, 0}},
		{"OVI and White_Side share one capture", OVI | WhiteSide | WhiteTop, 0,
			[]hal.ChannelSet{hal.SetOf(hal.WhiteSide), hal.SetOf(hal.WhiteTop)}, []int{0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, hal.AllChannelSet, UVLimits{})
			shots, err := r.seq.Capture(context.Background(), tc.mask, tc.uvExp)
			if err != nil {
				t.Fatal(err)
			}
			// One shot per scheme, in bit order.
			bits := tc.mask.Bits()
			if len(shots) != len(bits) {
				t.Fatalf("%d shots for %d schemes", len(shots), len(bits))
			}
			for i, sh := range shots {
				if sh.Scheme != bits[i] {
					t.Errorf("shot %d is %s, want %s", i, sh.Scheme, bits[i])
				}
				want, _ := DefaultProfile().Channels(sh.Scheme)
				if sh.Channels != want {
					t.Errorf("%s lit %s, want %s", sh.Scheme, sh.Channels, want)
				}
				if bad := r.frameMismatch(sh.Frame.Image, sh.Channels); bad > 0 {
					t.Errorf("%s: frame differs from its layer in %d values", sh.Scheme, bad)
				}
				if !sh.ExposureSet {
					t.Errorf("%s: exposure not set", sh.Scheme)
				}
			}
			// The LED log: exactly each step's channels, then off, in order.
			h := r.leds.History()
			if len(h) != 2*len(tc.steps) {
				t.Fatalf("LED log %v, want %d steps on/off", h, len(tc.steps))
			}
			for i, set := range tc.steps {
				on, off := h[2*i], h[2*i+1]
				if on.State != set || off.State != 0 {
					t.Errorf("step %d: log %s then %s, want %s then off", i, on.State, off.State, set)
				}
				// The frame of this step: exposed after the settle time,
				// delivered before the lights went off.
				var sh Shot
				for _, s := range shots {
					if s.Channels == set {
						sh = s
					}
				}
				exposureStart := sh.Frame.Time.Add(-testPeriod)
				if exposureStart.Before(on.Time.Add(testSettle)) {
					t.Errorf("step %d: exposure began %s after the light, settle is %s", i, exposureStart.Sub(on.Time), testSettle)
				}
				if off.Time.Before(sh.Frame.Time) {
					t.Errorf("step %d: light off before the exposure ended", i)
				}
			}
			if r.leds.State() != 0 {
				t.Errorf("LEDs left on: %s", r.leds.State())
			}
			if len(r.cam.exposures) != len(tc.exps) {
				t.Fatalf("exposures %v, want %v", r.cam.exposures, tc.exps)
			}
			for i := range tc.exps {
				if r.cam.exposures[i] != tc.exps[i] {
					t.Errorf("exposures %v, want %v", r.cam.exposures, tc.exps)
					break
				}
			}
			// Telemetry counted every switch-on.
			st := r.guard.Stats()
			for _, cs := range st.Channels {
				n := uint64(0)
				for _, set := range tc.steps {
					if set.Has(cs.Channel) {
						n++
					}
				}
				if cs.SwitchOns != n || (n > 0) != (cs.OnTime > testSettle) {
					t.Errorf("telemetry %s: %d switch-ons, on %s; want %d", cs.Name, cs.SwitchOns, cs.OnTime, n)
				}
			}
		})
	}
}

func TestSequencerLeavesLightsOffOnFailure(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(r *rig) (context.Context, context.CancelFunc)
		wantErr error
		lit     int // steps lit before the failure
	}{
		{"capture fails midway", func(r *rig) (context.Context, context.CancelFunc) {
			r.cam.failAt = 2
			return context.WithCancel(context.Background())
		}, errSensor, 2},
		{"capture panics", func(r *rig) (context.Context, context.CancelFunc) {
			r.cam.panicAt = 2
			return context.WithCancel(context.Background())
		}, ErrCapturePanic, 2},
		{"context cancelled during capture", func(r *rig) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			r.cam.onCapture = cancel
			return ctx, cancel
		}, context.Canceled, 1},
		{"context cancelled during settle", func(r *rig) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(testSettle/2, cancel)
			return ctx, cancel
		}, context.Canceled, 1},
		{"exposure fails", func(r *rig) (context.Context, context.CancelFunc) {
			r.cam.expErr = errSensor
			return context.WithCancel(context.Background())
		}, errSensor, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, hal.AllChannelSet, UVLimits{})
			ctx, cancel := tc.setup(r)
			defer cancel()
			shots, err := r.seq.Capture(ctx, WhiteTop|IRTop|UV, 3)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Capture = %v, want %v", err, tc.wantErr)
			}
			if shots != nil {
				t.Errorf("shots returned with an error")
			}
			if r.leds.State() != 0 || r.guard.State() != 0 {
				t.Errorf("LEDs left on: %s", r.leds.State())
			}
			h := r.leds.History()
			if len(h) != 2*tc.lit || h[len(h)-1].State != 0 {
				t.Errorf("LED log %v, want %d steps each switched off", h, tc.lit)
			}
		})
	}
}

func TestSequencerExposureUnsupported(t *testing.T) {
	r := newRig(t, hal.AllChannelSet, UVLimits{})
	r.cam.expErr = hal.ErrUnsupported
	shots, err := r.seq.Capture(context.Background(), UV, 6)
	if err != nil {
		t.Fatal(err)
	}
	if len(shots) != 1 || shots[0].ExposureSet || shots[0].Exposure != 6 {
		t.Errorf("shots %+v: the exposure should be reported as not set", shots)
	}
}

func TestSequencerReportsMissingSchemes(t *testing.T) {
	// A board without UV and without axial lights.
	r := newRig(t, hal.AllChannelSet&^hal.SetOf(hal.UV, hal.AxialLeft, hal.AxialRight), UVLimits{})
	mask := IRTop | UV | AxialWhiteLeft | Transmitted
	_, err := r.seq.Capture(context.Background(), mask, 0)
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("Capture = %v, want a *MissingError", err)
	}
	if me.Missing() != UV|AxialWhiteLeft|Transmitted {
		t.Errorf("missing %s", me.Missing())
	}
	if len(r.leds.History()) != 0 {
		t.Errorf("lights switched although the scan was refused: %v", r.leds.History())
	}
	// Plan still offers what can be made, for a caller that scans it.
	p, err := r.seq.Plan(mask, 0)
	if !errors.As(err, &me) || p.Missing == nil {
		t.Fatalf("Plan error %v", err)
	}
	if len(p.Steps) != 1 || p.Steps[0].Schemes != IRTop {
		t.Errorf("plan %+v", p.Steps)
	}
	shots, err := r.seq.Execute(context.Background(), p)
	if err != nil || len(shots) != 1 || shots[0].Scheme != IRTop {
		t.Errorf("Execute = %v, %v", shots, err)
	}
}

func TestSequencerUVCutoff(t *testing.T) {
	r := newRig(t, hal.AllChannelSet, UVLimits{MaxOn: testSettle / 2, Window: time.Second, MaxDuty: 0.5})
	_, err := r.seq.Capture(context.Background(), UV, 0)
	if !errors.Is(err, ErrUVCutoff) {
		t.Fatalf("Capture = %v, want ErrUVCutoff", err)
	}
	if r.leds.State() != 0 {
		t.Errorf("LEDs left on: %s", r.leds.State())
	}
}

// TestSequencerUVDutyCycle scans UV repeatedly with a tight duty limit and
// checks, from the LED log, that no window ever held more UV than allowed:
// the sequencer waited instead of failing.
func TestSequencerUVDutyCycle(t *testing.T) {
	lim := UVLimits{MaxOn: 40 * time.Millisecond, Window: 300 * time.Millisecond, MaxDuty: 0.2}
	r := newRig(t, hal.AllChannelSet, lim)
	start := time.Now()
	for range 6 {
		if _, err := r.seq.Capture(context.Background(), UV, 0); err != nil {
			t.Fatal(err)
		}
	}
	type span struct{ from, to time.Time }
	var uv []span
	for _, c := range r.leds.History() {
		if c.State.Has(hal.UV) {
			uv = append(uv, span{from: c.Time})
		} else if n := len(uv); n > 0 && uv[n-1].to.IsZero() {
			uv[n-1].to = c.Time
		}
	}
	if len(uv) != 6 {
		t.Fatalf("%d UV periods, want 6", len(uv))
	}
	var total time.Duration
	for _, s := range uv {
		total += s.to.Sub(s.from)
	}
	budget := time.Duration(lim.MaxDuty * float64(lim.Window))
	if total <= budget {
		t.Fatalf("UV on %s in all, within one budget %s: the test does not reach the limit", total, budget)
	}
	// The on-time in a sliding window peaks in windows that end when UV
	// goes off.
	for _, end := range uv {
		ws := end.to.Add(-lim.Window)
		var in time.Duration
		for _, s := range uv {
			from, to := s.from, s.to
			if from.Before(ws) {
				from = ws
			}
			if to.After(end.to) {
				to = end.to
			}
			if to.After(from) {
				in += to.Sub(from)
			}
		}
		if in > budget {
			t.Errorf("window ending %s after start held %s of UV, limit %s", end.to.Sub(start), in, budget)
		}
	}
	if d := r.guard.Stats().UVDuty; d <= 0 || d > lim.MaxDuty {
		t.Errorf("UV duty %v", d)
	}
}

func TestNewSequencerValidates(t *testing.T) {
	r := newRig(t, hal.AllChannelSet, UVLimits{})
	if _, err := NewSequencer(nil, r.sim, DefaultProfile(), SequencerOptions{}); err == nil {
		t.Error("nil guard accepted")
	}
	if _, err := NewSequencer(r.guard, r.sim, DefaultProfile(), SequencerOptions{Settle: -1}); err == nil {
		t.Error("negative settle accepted")
	}
	if _, err := NewSequencer(r.guard, r.sim, DefaultProfile(), SequencerOptions{Exposure: map[Mask]int{WhiteFull: 3}}); err == nil {
		t.Error("exposure for two schemes accepted")
	}
	s, err := NewSequencer(r.guard, r.cam, DefaultProfile(), SequencerOptions{Settle: time.Millisecond, Exposure: map[Mask]int{WhiteTop: 12, UV: 40}})
	if err != nil {
		t.Fatal(err)
	}
	// Configured exposures apply; uv_exp overrides the UV one, 0 keeps it.
	if _, err := s.Capture(context.Background(), WhiteTop|UV, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Capture(context.Background(), UV, 7); err != nil {
		t.Fatal(err)
	}
	if got := r.cam.exposures; len(got) != 3 || got[0] != 12 || got[1] != 40 || got[2] != 7 {
		t.Errorf("exposures %v, want [12 40 7]", got)
	}
}

func TestPick(t *testing.T) {
	shot := func(m Mask) Shot { return Shot{Scheme: m} }
	cases := []struct {
		name          string
		shots         []Shot
		white, ir, uv Mask
	}{
		{"API necessary lights", []Shot{shot(WhiteFront), shot(IRFront)}, WhiteFront, IRFront, 0},
		{"authenticity lights", []Shot{shot(IRTop), shot(IRSide), shot(UV), shot(AxialWhiteLeft)}, AxialWhiteLeft, IRTop, UV},
		{"white top preferred to side", []Shot{shot(WhiteSide), shot(WhiteTop)}, WhiteTop, 0, 0},
		{"none", nil, 0, 0, 0},
	}
	for _, tc := range cases {
		w, i, u := Pick(tc.shots)
		for _, c := range []struct {
			got  *Shot
			want Mask
		}{{w, tc.white}, {i, tc.ir}, {u, tc.uv}} {
			if (c.got == nil) != (c.want == 0) || (c.got != nil && c.got.Scheme != c.want) {
				t.Errorf("%s: picked %v, want %s", tc.name, c.got, c.want)
			}
		}
	}
}
