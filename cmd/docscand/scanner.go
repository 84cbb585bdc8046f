package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/quality"
)

// scanJoinTTL is how long a scanned side waits for its other side.
const scanJoinTTL = 10 * time.Minute

// scanner scans what lies on the glass: it lights the document white to
// identify it, then captures the lights its type needs while the
// pipeline reads what the white frame shows, and recognises the rest
// once the lights are off. The lights are exclusive: one capture at a
// time; recognition runs after the lights are free.
type scanner struct {
	hw     *hardware
	engine func() *pipeline.Engine
	log    *slog.Logger
	stats  *counters

	lights  sync.Mutex // held for the whole capture: the lights are exclusive
	mu      sync.Mutex // guards pending
	pending map[string]pendingSide
	last    atomic.Pointer[api.ScanView]
}

// pendingSide is a scanned side kept for the join with its other side,
// prepared, so the join does not recognise it again.
type pendingSide struct {
	side   api.Side
	input  *pipeline.SideInput
	frames []api.FrameView
	at     time.Time
}

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

// Scan implements api.Scanner.
func (s *scanner) Scan(ctx context.Context, req api.ScanRequest) (*pipeline.Result, error) {
	res, err := s.scan(ctx, req)
	s.stats.scanned(res, err)
	return res, err
}

func (s *scanner) scan(ctx context.Context, req api.ScanRequest) (*pipeline.Result, error) {
	if req.Join {
		if err := s.joinable(req); err != nil {
			return nil, err
		}
	}
	eng := s.engine()
	input, frames, err := s.capture(ctx, eng, req.Side, req.CountryCode)
	if err != nil {
		return nil, err
	}
	in := pipeline.Input{CountryCode: req.CountryCode}
	setSide(&in, req.Side, input)
	s.mu.Lock()
	s.expire(time.Now())
	if req.Join {
		p, ok := s.pending[req.ScanID]
		if !ok || p.side == req.Side {
			s.mu.Unlock()
			// joined by a scan that ran meanwhile
			return nil, &api.Rejection{Message: "scan_id is unknown or expired: scan the first side again"}
		}
		delete(s.pending, req.ScanID)
		setSide(&in, p.side, p.input)
		frames = append(p.frames, frames...)
	} else {
		s.pending[req.ScanID] = pendingSide{side: req.Side, input: input, frames: frames, at: time.Now()}
	}
	s.mu.Unlock()
	res, err := eng.Recognize(ctx, in)
	view := &api.ScanView{ScanID: req.ScanID, At: time.Now(), Frames: frames, Result: res}
	if res != nil {
		attachViews(view, res)
	}
	s.last.Store(view)
	return res, err
}

// joinable rejects, before any light is switched, a join with a side
// that is not waiting or is the same side again.
func (s *scanner) joinable(req api.ScanRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(time.Now())
	p, ok := s.pending[req.ScanID]
	if !ok {
		return &api.Rejection{Message: "scan_id is unknown or expired: scan the first side again"}
	}
	if p.side == req.Side {
		return &api.Rejection{Message: fmt.Sprintf("scan_id already has its %s side: scan the other side", req.Side)}
	}
	return nil
}

func setSide(in *pipeline.Input, side api.Side, si *pipeline.SideInput) {
	if side == api.Back {
		in.Back = si
	} else {
		in.Front = si
	}
}

// capture lights the document white, prepares it (finds, reads the MRZ
// of and identifies it), then captures every further light its type
// needs, reading the visual zone of the white frame meanwhile. Lights
// the board cannot make are logged and left out; their checks report
// "not done". It holds the lights for exactly the capture.
func (s *scanner) capture(ctx context.Context, eng *pipeline.Engine, side api.Side, country string) (*pipeline.SideInput, []api.FrameView, error) {
	s.lights.Lock()
	defer s.lights.Unlock()
	// On the simulator, the glass shows the side asked for: the simulated
	// user turns the card over when the terminal says so.
	if s.hw.simCam != nil {
		if err := s.hw.simCam.ShowSide(string(side)); err != nil && !errors.Is(err, camera.ErrNoSide) {
			return nil, nil, err
		}
	}
	white := identifyLight(s.hw.profile, s.hw.guard.Available())
	// captured again, within bounds, while too dark, too bright or blurred
	shot, tries, err := quality.Recapture(ctx, quality.DefaultTries, whiteCapture(s.hw.seq, eng, white, country))
	if err != nil {
		return nil, nil, err
	}
	input := &pipeline.SideInput{Scanner: true, White: shot.Image, Prepared: shot.Prepared}
	prep := shot.Prepared
	id := prep.Identification()
	frames := []api.FrameView{{Side: side, Light: white.String(), Image: input.White, Outline: id.Corners, Quality: prep.Quality(), Tries: tries}}
	if id.Type == nil {
		return input, frames, nil
	}
	plan, err := s.hw.seq.Plan(id.Lights&^white, id.UVExp)
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
	more, err := s.hw.seq.Execute(ctx, plan)
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
		frames = append(frames, api.FrameView{Side: side, Light: sh.Scheme.String(), Image: sh.Frame.Image, Outline: id.Corners})
	}
	return input, frames, nil
}

// attachViews copies the recognition's outlines and zones onto the frames
// of each side, for the status page.
func attachViews(view *api.ScanView, res *pipeline.Result) {
	for _, sv := range res.Views {
		side := api.Front
		if sv.Side == "back" {
			side = api.Back
		}
		zones := make([]api.Zone, 0, len(sv.Zones))
		for _, z := range sv.Zones {
			zones = append(zones, api.Zone{Name: z.Name, Region: z.Region})
		}
		for i := range view.Frames {
			f := &view.Frames[i]
			if f.Side == side {
				if sv.Outline != nil {
					f.Outline = sv.Outline
				}
				f.Zones = zones
			}
		}
	}
}

// expire forgets sides that waited too long for their other side.
func (s *scanner) expire(now time.Time) {
	for id, p := range s.pending {
		if now.Sub(p.at) > scanJoinTTL {
			delete(s.pending, id)
		}
	}
}

// LastScan implements api.LastScanProvider.
func (s *scanner) LastScan() *api.ScanView { return s.last.Load() }
