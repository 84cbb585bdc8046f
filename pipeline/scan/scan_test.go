package scan

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// rig is a scanner on the simulated board with a specimen on the glass.
type rig struct {
	leds *hal.SimLEDs
	cam  *gateCamera
	s    *Scanner
}

// gateCamera passes captures to the simulated camera; while gated, a
// capture announces itself and waits to be let through, so a test can
// act in the middle of a scan.
type gateCamera struct {
	hal.Camera
	mu      sync.Mutex
	gated   bool
	arrived chan struct{}
	release chan struct{}
}

func (c *gateCamera) gate() (arrived <-chan struct{}, release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gated, c.arrived, c.release = true, make(chan struct{}), make(chan struct{})
	rel := c.release
	return c.arrived, func() { close(rel) }
}

func (c *gateCamera) Capture(ctx context.Context) (hal.Frame, error) {
	c.mu.Lock()
	gated, arrived, release := c.gated, c.arrived, c.release
	c.gated = false
	c.mu.Unlock()
	if gated {
		close(arrived)
		select {
		case <-release:
		case <-ctx.Done():
			return hal.Frame{}, ctx.Err()
		}
	}
	return c.Camera.Capture(ctx)
}

var (
	engineOnce sync.Once
	engine     *pipeline.Engine
	engineErr  error
	glassOnce  sync.Once
	glassDir   string
	glassErr   error
)

// sharedEngine is one engine for the package's tests: a Tesseract pool
// is expensive to start.
func sharedEngine(t *testing.T) *pipeline.Engine {
	t.Helper()
	engineOnce.Do(func() {
		db, err := typedb.Default()
		if err != nil {
			engineErr = err
			return
		}
		pool, err := ocr.NewPool(ocr.Options{Workers: 1})
		if err != nil {
			engineErr = err
			return
		}
		engine, engineErr = pipeline.New(db, pool, pipeline.Options{})
	})
	if errors.Is(engineErr, ocr.ErrUnavailable) {
		t.Skip("needs Tesseract:", engineErr)
	}
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// glass renders a genuine two-sided Kazakh ID card once, as `docscan
// specimen` writes it.
func glass(t *testing.T) string {
	t.Helper()
	glassOnce.Do(func() {
		db, err := typedb.Default()
		if err != nil {
			glassErr = err
			return
		}
		fonts, err := specimen.DefaultFonts()
		if err != nil {
			glassErr = err
			return
		}
		r, err := specimen.NewRenderer(db, fonts)
		if err != nil {
			glassErr = err
			return
		}
		sp, err := r.Render(context.Background(), "kz-id-2014", specimen.Options{Seed: 11, Variant: specimen.Genuine})
		if err != nil {
			glassErr = err
			return
		}
		// Package-level: the files outlive any one test.
		glassDir = filepath.Join(scanTestDir, "glass")
		glassErr = sp.WriteDir(glassDir)
	})
	if glassErr != nil {
		t.Skip("cannot render the specimen:", glassErr)
	}
	return glassDir
}

var scanTestDir string

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "scan-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		scanTestDir = dir
		return m.Run()
	}()
	os.Exit(code)
}

func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	eng := sharedEngine(t)
	dir := glass(t)
	leds := hal.NewSimLEDs(hal.SetOf(hal.AllChannels...))
	log := slog.New(slog.DiscardHandler)
	guard, err := lights.NewGuard(leds, lights.DefaultUVLimits(), log)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := camera.NewSim(leds, camera.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Place(dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := sim.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 1600, Height: 1200}); err != nil {
		t.Fatal(err)
	}
	cam := &gateCamera{Camera: sim}
	seq, err := lights.NewSequencer(guard, cam, lights.DefaultProfile(), lights.SequencerOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	hw := &Hardware{Guard: guard, Profile: lights.DefaultProfile(), Camera: cam, Seq: seq, Glass: sim}
	opts.Hardware, opts.Log = hw, log
	opts.Engine = func() *pipeline.Engine { return eng }
	s := New(opts)
	t.Cleanup(func() {
		s.Close()
		if err := hw.Close(); err != nil {
			t.Error(err)
		}
	})
	return &rig{leds: leds, cam: cam, s: s}
}

func TestTwoSidedScan(t *testing.T) {
	var scans, failures int
	r := newRig(t, Options{OnScan: func(_ *pipeline.Result, err error) {
		scans++
		if err != nil {
			failures++
		}
	}})
	ctx := context.Background()
	front, err := r.s.Scan(ctx, Request{Side: Front, CountryCode: "kz", ScanID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if front.DocumentType.Frontside == nil || front.DocumentType.Backside != nil {
		t.Fatalf("front alone: types %+v", front.DocumentType)
	}
	if r.s.Waiting() != 1 {
		t.Fatalf("%d sides waiting after the first, want 1", r.s.Waiting())
	}

	// A join that cannot be made is refused before any light switches.
	lit := len(r.leds.History())
	for _, req := range []Request{
		{Side: Back, ScanID: "nope", Join: true},
		{Side: Front, ScanID: "s1", Join: true},
	} {
		var rej *Rejection
		if _, err := r.s.Scan(ctx, req); !errors.As(err, &rej) {
			t.Errorf("join %+v: %v, want a Rejection", req, err)
		}
	}
	if n := len(r.leds.History()); n != lit {
		t.Errorf("a refused join switched the lights %d times", n-lit)
	}

	both, err := r.s.Scan(ctx, Request{Side: Back, CountryCode: "kz", ScanID: "s1", Join: true})
	if err != nil {
		t.Fatal(err)
	}
	if both.DocumentType.Frontside == nil || both.DocumentType.Backside == nil {
		t.Fatalf("joined: types %+v", both.DocumentType)
	}
	if both.DocumentNumber == "" || both.MRZ == nil {
		t.Errorf("joined: document number %q, mrz %v: the back's MRZ was not read", both.DocumentNumber, both.MRZ)
	}
	if r.s.Waiting() != 0 {
		t.Errorf("%d sides waiting after the join", r.s.Waiting())
	}
	view := r.s.LastScan()
	sides := map[Side]int{}
	for _, f := range view.Frames {
		sides[f.Side]++
	}
	if view.ScanID != "s1" || view.Result != both || sides[Front] < 2 || sides[Back] < 1 {
		t.Errorf("last view: id %s, frames by side %v", view.ScanID, sides)
	}
	if scans != 4 || failures != 2 {
		t.Errorf("OnScan saw %d scans, %d failed; want 4 and 2", scans, failures)
	}
	if st := r.leds.State(); st != 0 {
		t.Errorf("LEDs %s on after the scans", st)
	}
}

// A first side that waits longer than the TTL is forgotten by its timer,
// with no other scan coming; its join is then refused.
func TestJoinExpires(t *testing.T) {
	r := newRig(t, Options{JoinTTL: 50 * time.Millisecond})
	ctx := context.Background()
	if _, err := r.s.Scan(ctx, Request{Side: Front, CountryCode: "kz", ScanID: "s1"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.s.Waiting() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the waiting side was never expired")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var rej *Rejection
	if _, err := r.s.Scan(ctx, Request{Side: Back, ScanID: "s1", Join: true}); !errors.As(err, &rej) || rej.Message != MsgJoinUnknown {
		t.Fatalf("join after expiry: %v", err)
	}
}

// A lights test that arrives in the middle of a capture waits for the
// scan's lights: the LEDs do not change until the capture is over.
func TestLightsTestWaitsForScan(t *testing.T) {
	r := newRig(t, Options{LightsTestOn: time.Millisecond})
	ctx := context.Background()
	arrived, release := r.cam.gate()
	scanDone := make(chan error, 1)
	go func() {
		_, err := r.s.Scan(ctx, Request{Side: Front, CountryCode: "kz", ScanID: "s1"})
		scanDone <- err
	}()
	<-arrived // the white light is on, the frame is being taken
	during := r.leds.State()
	if during == 0 {
		t.Fatal("no light on during the capture")
	}
	changes := len(r.leds.History())

	// A lights test whose caller gives up while waiting touches nothing.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := r.s.TestLights(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lights test abandoned while waiting: %v", err)
	}

	type outcome struct {
		report map[string]string
		err    error
	}
	testDone := make(chan outcome, 1)
	go func() {
		rep, err := r.s.TestLights(ctx)
		testDone <- outcome{rep, err}
	}()
	select {
	case o := <-testDone:
		t.Fatalf("the lights test ran during the capture: %v %v", o.report, o.err)
	case <-time.After(150 * time.Millisecond):
	}
	if st, n := r.leds.State(), len(r.leds.History()); st != during || n != changes {
		t.Fatalf("the lights changed mid-capture: %s (was %s), %d changes (was %d)", st, during, n, changes)
	}
	release()
	if err := <-scanDone; err != nil {
		t.Fatal(err)
	}
	o := <-testDone
	if o.err != nil {
		t.Fatal(o.err)
	}
	if len(o.report) != len(hal.AllChannels) {
		t.Errorf("report %v: want every channel", o.report)
	}
	for ch, v := range o.report {
		if v != "ok" {
			t.Errorf("%s: %s", ch, v)
		}
	}
	if st := r.leds.State(); st != 0 {
		t.Errorf("LEDs %s on after the lights test", st)
	}
}
