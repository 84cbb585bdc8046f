package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
)

// scanJoinTTL is how long a scanned side waits for its other side.
const scanJoinTTL = 10 * time.Minute

// scanner scans what lies on the glass: it lights the document white to
// identify it, then captures the lights its type needs, and recognises
// the frames. The lights are exclusive: one scan at a time.
type scanner struct {
	hw     *hardware
	engine func() *pipeline.Engine
	log    *slog.Logger
	stats  *counters

	mu      sync.Mutex // held for the whole capture: the lights are exclusive
	pending map[string]pendingSide
	last    atomic.Pointer[api.ScanView]
}

// pendingSide is a scanned side kept for the join with its other side.
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(time.Now())
	var joined *pendingSide
	if req.Join {
		p, ok := s.pending[req.ScanID]
		if !ok {
			return nil, &api.Rejection{Message: "scan_id is unknown or expired: scan the first side again"}
		}
		if p.side == req.Side {
			return nil, &api.Rejection{Message: fmt.Sprintf("scan_id already has its %s side: scan the other side", req.Side)}
		}
		joined = &p
	}

	// On the simulator, the glass shows the side asked for: the simulated
	// user turns the card over when the terminal says so.
	if s.hw.simCam != nil {
		if err := s.hw.simCam.ShowSide(string(req.Side)); err != nil && !errors.Is(err, camera.ErrNoSide) {
			return nil, err
		}
	}

	input, frames, err := s.capture(ctx, req.Side, req.CountryCode)
	if err != nil {
		return nil, err
	}
	in := pipeline.Input{CountryCode: req.CountryCode}
	setSide(&in, req.Side, input)
	if joined != nil {
		setSide(&in, joined.side, joined.input)
		frames = append(joined.frames, frames...)
		delete(s.pending, req.ScanID)
	} else {
		s.pending[req.ScanID] = pendingSide{side: req.Side, input: input, frames: frames, at: time.Now()}
	}
	res, err := s.engine().Recognize(ctx, in)
	view := &api.ScanView{ScanID: req.ScanID, At: time.Now(), Frames: frames, Result: res}
	if res != nil {
		attachViews(view, res)
	}
	s.last.Store(view)
	return res, err
}

func setSide(in *pipeline.Input, side api.Side, si *pipeline.SideInput) {
	if side == api.Back {
		in.Back = si
	} else {
		in.Front = si
	}
}

// capture lights the document white, identifies it, then captures every
// further light its type needs. Lights the board cannot make are logged
// and left out; their checks report "not done".
func (s *scanner) capture(ctx context.Context, side api.Side, country string) (*pipeline.SideInput, []api.FrameView, error) {
	white := identifyLight(s.hw.profile, s.hw.guard.Available())
	shots, err := s.hw.seq.Capture(ctx, white, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("white capture: %w", err)
	}
	input := &pipeline.SideInput{Scanner: true, White: shots[0].Frame.Image}
	id, err := s.engine().Identify(ctx, input.White, country)
	if err != nil {
		return nil, nil, err
	}
	var outline []image.Point
	if id != nil {
		outline = id.Corners
	}
	frames := []api.FrameView{{Side: side, Light: white.String(), Image: input.White, Outline: outline}}
	if id == nil || id.Type == nil {
		return input, frames, nil
	}
	plan, err := s.hw.seq.Plan(id.Lights&^white, id.UVExp)
	if err != nil {
		return nil, nil, err
	}
	if plan.Missing != nil {
		s.log.Warn("board cannot make every light the document needs", "missing", plan.Missing.Missing().String(), "type_id", id.Type.ID)
	}
	more, err := s.hw.seq.Execute(ctx, plan)
	if err != nil {
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
		frames = append(frames, api.FrameView{Side: side, Light: sh.Scheme.String(), Image: sh.Frame.Image, Outline: outline})
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
