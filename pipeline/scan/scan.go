// Package scan is the head of the pipeline on the device: it drives the
// lights and the camera, hands the frames to recognition and joins the
// two sides of a document scanned one after the other. The recognition
// core (package pipeline) stays pure; this package owns the hardware's
// use: the lights are exclusive, one capture or lights test at a time.
package scan

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/quality"
)

// DefaultJoinTTL is how long a scanned side waits for its other side.
const DefaultJoinTTL = 10 * time.Minute

// Side is a document side.
type Side string

// The sides.
const (
	Front Side = "front"
	Back  Side = "back"
)

// Request is one scan of one side.
type Request struct {
	Side        Side
	CountryCode string
	// ScanID names the scan. A first side is kept under it for a later
	// join until the join TTL passes.
	ScanID string
	// Join is true when this side is to be joined with the one scanned
	// before under the same ScanID.
	Join bool
}

// View is what the status page draws of a scan.
type View struct {
	ScanID string
	At     time.Time
	Frames []Frame
	// Result is the scan's recognition, nil when it failed. Its Checks
	// with an Evidence.Region are drawn over the frames of their side.
	Result *pipeline.Result
}

// Frame is one captured frame.
type Frame struct {
	Side  Side
	Light string // the lighting scheme, e.g. lights.Mask.String(): "White_Front"
	Image image.Image
	// Outline is the document's corners in the frame, in pixels,
	// clockwise from top-left; nil when the document was not found, and
	// then the whole frame is taken as the side.
	Outline []image.Point
	// Zones are the regions read, in normalised side coordinates ([x0,
	// y0, x1, y1]), as the recognition reports them. Only their names are
	// shown, never the text read.
	Zones []pipeline.ZoneView
	// Quality is the white frame's image quality; nil for other lights.
	Quality *quality.Report
	// Tries are the white frame's captures, each with its quality, the
	// one kept marked: more than one when it was captured again.
	Tries []quality.Try
}

// Rejection is an error that rejects a request with a contract message
// (the API answers 400 with it).
type Rejection struct{ Message string }

func (r *Rejection) Error() string      { return r.Message }
func (r *Rejection) APIMessage() string { return r.Message }

// MsgJoinUnknown is the rejection of a join whose first side is not
// waiting (never scanned, expired or already joined).
const MsgJoinUnknown = "scan_id is unknown or expired: scan the first side again"

// Glass is the simulator's glass: it turns the card to the side asked
// for, as a user does when the terminal tells them to.
type Glass interface {
	ShowSide(name string) error
}

// Hardware is the scanner's LEDs behind the UV guard, its camera, the
// sequencer that captures under each light, and an optional presence
// input. cmd opens the parts by name and fills it in.
type Hardware struct {
	Guard    *lights.Guard
	Profile  lights.Profile
	Camera   hal.Camera
	Seq      *lights.Sequencer
	Presence hal.Presence // nil when the board has none
	Glass    Glass        // the simulator's glass, nil on real hardware
	// CloseBoard releases the board after the LEDs are off; may be nil.
	CloseBoard func() error
}

// Close switches every LED off and releases the hardware.
func (h *Hardware) Close() error {
	var errs []error
	if h.Guard != nil {
		errs = append(errs, h.Guard.Close())
	}
	if h.Camera != nil {
		errs = append(errs, h.Camera.Close())
	}
	if h.Presence != nil {
		errs = append(errs, h.Presence.Close())
	}
	if h.CloseBoard != nil {
		errs = append(errs, h.CloseBoard())
	}
	return errors.Join(errs...)
}

// Options configure New.
type Options struct {
	Hardware *Hardware
	// Engine returns the recognition engine to use for the next scan (it
	// changes when a new typedb is installed).
	Engine func() *pipeline.Engine
	Log    *slog.Logger
	// JoinTTL is how long a first side waits for its other side;
	// DefaultJoinTTL when zero.
	JoinTTL time.Duration
	// OnScan, when set, is called after every scan with its outcome
	// (the daemon's telemetry counts there).
	OnScan func(res *pipeline.Result, err error)
	// LightsTestOn is how long TestLights keeps each channel on; 200 ms
	// when zero.
	LightsTestOn time.Duration
}

// Scanner scans what lies on the glass: it lights the document white to
// identify it, then captures the lights its type needs while the pipeline
// reads what the white frame shows, and recognises the rest once the
// lights are off. It is safe for concurrent use.
type Scanner struct {
	hw   *Hardware
	opts Options
	log  *slog.Logger

	// lights is held for a whole capture and a whole lights test: one
	// user of the LEDs at a time. A channel, so a waiter can give up.
	lights chan struct{}

	mu      sync.Mutex // guards pending
	pending map[string]*pendingSide
	last    atomic.Pointer[View]
}

// pendingSide is a scanned side kept for the join with its other side,
// prepared, so the join does not recognise it again. Its timer forgets it
// when the join TTL passes.
type pendingSide struct {
	side   Side
	input  *pipeline.SideInput
	frames []Frame
	timer  *time.Timer
}

// New returns a Scanner over the hardware.
func New(opts Options) *Scanner {
	if opts.JoinTTL <= 0 {
		opts.JoinTTL = DefaultJoinTTL
	}
	if opts.LightsTestOn <= 0 {
		opts.LightsTestOn = 200 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Scanner{hw: opts.Hardware, opts: opts, log: opts.Log, lights: make(chan struct{}, 1), pending: map[string]*pendingSide{}}
}

// Close forgets every waiting side and stops their timers.
func (s *Scanner) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, p := range s.pending {
		p.timer.Stop()
		delete(s.pending, id)
	}
}

// Waiting is the number of first sides waiting for their other side.
func (s *Scanner) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// LastScan returns the last scan's view, nil before the first.
func (s *Scanner) LastScan() *View { return s.last.Load() }

// Scan captures the side on the glass and recognises it, joined with its
// other side when req.Join says so. A join with a side that is not
// waiting is a *Rejection, returned before any light is switched.
func (s *Scanner) Scan(ctx context.Context, req Request) (*pipeline.Result, error) {
	res, err := s.scan(ctx, req)
	if s.opts.OnScan != nil {
		s.opts.OnScan(res, err)
	}
	return res, err
}

func (s *Scanner) scan(ctx context.Context, req Request) (*pipeline.Result, error) {
	if req.Join {
		if err := s.joinable(req); err != nil {
			return nil, err
		}
	}
	eng := s.opts.Engine()
	input, frames, err := s.capture(ctx, eng, req.Side, req.CountryCode)
	if err != nil {
		return nil, err
	}
	in := pipeline.Input{CountryCode: req.CountryCode}
	setSide(&in, req.Side, input)
	if req.Join {
		p, err := s.take(req)
		if err != nil {
			return nil, err
		}
		setSide(&in, p.side, p.input)
		frames = append(p.frames, frames...)
	} else {
		s.keep(req, input, frames)
	}
	res, err := eng.Recognize(ctx, in)
	view := &View{ScanID: req.ScanID, At: time.Now(), Frames: frames, Result: res}
	if res != nil {
		attachViews(view, res)
	}
	s.last.Store(view)
	return res, err
}

// keep holds a first side for its join until the TTL passes.
func (s *Scanner) keep(req Request, input *pipeline.SideInput, frames []Frame) {
	p := &pendingSide{side: req.Side, input: input, frames: frames}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.pending[req.ScanID]; ok {
		old.timer.Stop()
	}
	s.pending[req.ScanID] = p
	p.timer = time.AfterFunc(s.opts.JoinTTL, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.pending[req.ScanID] == p {
			delete(s.pending, req.ScanID)
		}
	})
}

// take removes the side waiting for req's join.
func (s *Scanner) take(req Request) (*pendingSide, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[req.ScanID]
	if !ok || p.side == req.Side {
		// joined by a scan that ran meanwhile, or expired during this one
		return nil, &Rejection{Message: MsgJoinUnknown}
	}
	p.timer.Stop()
	delete(s.pending, req.ScanID)
	return p, nil
}

// joinable rejects, before any light is switched, a join with a side
// that is not waiting or is the same side again.
func (s *Scanner) joinable(req Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[req.ScanID]
	if !ok {
		return &Rejection{Message: MsgJoinUnknown}
	}
	if p.side == req.Side {
		return &Rejection{Message: fmt.Sprintf("scan_id already has its %s side: scan the other side", req.Side)}
	}
	return nil
}

func setSide(in *pipeline.Input, side Side, si *pipeline.SideInput) {
	if side == Back {
		in.Back = si
	} else {
		in.Front = si
	}
}

// takeLights waits for the lights, or for ctx.
func (s *Scanner) takeLights(ctx context.Context) error {
	select {
	case s.lights <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the lights: %w", ctx.Err())
	}
}

func (s *Scanner) releaseLights() { <-s.lights }

// identifyLight is the white scheme used to find and identify a document
// before its type says which lights it needs.
func identifyLight(p lights.Profile, available hal.ChannelSet) lights.Mask {
	for _, m := range []lights.Mask{lights.WhiteFront, lights.WhiteTop, lights.WhiteSide} {
		if p.Check(m, available) == nil {
			return m
		}
	}
	return lights.WhiteFront
}

// capture lights the document white, prepares it (finds, reads the MRZ
// of and identifies it), then captures every further light its type
// needs, reading the visual zone of the white frame meanwhile. Lights
// the board cannot make are logged and left out; their checks report
// "not done". It holds the lights for exactly the capture.
func (s *Scanner) capture(ctx context.Context, eng *pipeline.Engine, side Side, country string) (*pipeline.SideInput, []Frame, error) {
	if err := s.takeLights(ctx); err != nil {
		return nil, nil, err
	}
	defer s.releaseLights()
	// On the simulator, the glass shows the side asked for: the simulated
	// user turns the card over when the terminal says so.
	if s.hw.Glass != nil {
		if err := s.hw.Glass.ShowSide(string(side)); err != nil && !errors.Is(err, camera.ErrNoSide) {
			return nil, nil, err
		}
	}
	white := identifyLight(s.hw.Profile, s.hw.Guard.Available())
	// captured again, within bounds, while too dark, too bright or blurred
	shot, tries, err := quality.Recapture(ctx, quality.DefaultTries, whiteCapture(s.hw.Seq, eng, white, country))
	if err != nil {
		return nil, nil, err
	}
	input := &pipeline.SideInput{Scanner: true, White: shot.Image, Prepared: shot.Prepared}
	prep := shot.Prepared
	id := prep.Identification()
	frames := []Frame{{Side: side, Light: white.String(), Image: input.White, Outline: id.Corners, Quality: prep.Quality(), Tries: tries}}
	if id.Type == nil {
		return input, frames, nil
	}
	plan, err := s.hw.Seq.Plan(id.Lights&^white, id.UVExp)
	if err != nil {
		return nil, nil, err
	}
	if plan.Missing != nil {
		s.log.Warn("board cannot make every light the document needs", "missing", plan.Missing.Missing().String(), "type_id", id.Type.ID)
	}
	// The visual zone needs only the white frame: it is read while the
	// other lights capture, and the recognition finds it done.
	readCtx, stopRead := context.WithCancel(ctx)
	go func() {
		defer stopRead()
		if err := prep.ReadVisualZone(readCtx); err != nil && readCtx.Err() == nil {
			s.log.Debug("reading the visual zone during capture", "err", err)
		}
	}()
	more, err := s.hw.Seq.Execute(ctx, plan)
	if err != nil {
		stopRead()
		return nil, nil, fmt.Errorf("capture: %w", err)
	}
	_, ir, uv := lights.Pick(more)
	if ir != nil {
		input.IR = ir.Frame.Image
	}
	if uv != nil {
		input.UV = uv.Frame.Image
	}
	for _, sh := range more {
		frames = append(frames, Frame{Side: side, Light: sh.Scheme.String(), Image: sh.Frame.Image, Outline: id.Corners})
	}
	return input, frames, nil
}

// attachViews copies the recognition's outlines and zones onto the frames
// of each side, for the status page.
func attachViews(view *View, res *pipeline.Result) {
	for _, sv := range res.Views {
		side := Front
		if sv.Side == "back" {
			side = Back
		}
		for i := range view.Frames {
			f := &view.Frames[i]
			if f.Side == side {
				if sv.Outline != nil {
					f.Outline = sv.Outline
				}
				f.Zones = sv.Zones
			}
		}
	}
}

// TestLights lights each channel in turn and reports which switched. It
// waits for the lights like a scan does, so it never switches them in the
// middle of a capture.
func (s *Scanner) TestLights(ctx context.Context) (map[string]string, error) {
	if err := s.takeLights(ctx); err != nil {
		return nil, err
	}
	defer s.releaseLights()
	g := s.hw.Guard
	defer g.Set(0) //nolint:errcheck // best effort: the guard's own close is the last word
	report := map[string]string{}
	for _, c := range g.Available().Channels() {
		if c == hal.UV {
			if err := g.WaitUV(ctx); err != nil {
				return report, err
			}
		}
		err := g.Set(hal.SetOf(c))
		if err == nil {
			err = hal.Sleep(ctx, s.opts.LightsTestOn)
		}
		if oerr := g.Set(0); err == nil {
			err = oerr
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return report, err
		}
		report[c.String()] = "ok"
		if err != nil {
			report[c.String()] = err.Error()
		}
	}
	return report, nil
}
