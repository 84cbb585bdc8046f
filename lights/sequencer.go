package lights

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/docscan/docscan/hal"
)

// DefaultSettle is how long the sequencer waits after switching LEDs
// before it sets the exposure and captures: LED drivers and phosphors
// (white LEDs, UV-excited inks) need a few milliseconds, and auto-exposure
// cameras a little more.
const DefaultSettle = 50 * time.Millisecond

// SequencerOptions tune a Sequencer.
type SequencerOptions struct {
	// Settle is the wait between switching a light on and capturing. 0
	// means DefaultSettle.
	Settle time.Duration
	// Exposure is the camera exposure per single-bit scheme, in the
	// camera's units; schemes not listed use 0 (automatic). The UV
	// exposure of a scan comes from the document type (uv_exp) and takes
	// precedence for steps that light UV.
	Exposure map[Mask]int
	// Log may be nil.
	Log *slog.Logger
}

// Sequencer switches the lights a document side needs, one lighting scheme
// at a time, and captures a fresh frame under each.
type Sequencer struct {
	guard   *Guard
	cam     hal.Camera
	profile Profile
	opts    SequencerOptions
	log     *slog.Logger
	mu      sync.Mutex // one scan at a time: the camera is single-user
}

// NewSequencer makes a sequencer. It takes a *Guard rather than any
// hal.LEDs so that the UV limits and the telemetry cannot be bypassed.
func NewSequencer(g *Guard, cam hal.Camera, p Profile, opts SequencerOptions) (*Sequencer, error) {
	if g == nil || cam == nil {
		return nil, errors.New("sequencer needs LEDs and a camera")
	}
	if opts.Settle == 0 {
		opts.Settle = DefaultSettle
	}
	if opts.Settle < 0 {
		return nil, fmt.Errorf("negative settle time %s", opts.Settle)
	}
	for m := range opts.Exposure {
		if m == 0 || m&(m-1) != 0 {
			return nil, fmt.Errorf("exposure key %s is not a single scheme", m)
		}
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sequencer{guard: g, cam: cam, profile: p, opts: opts, log: log}, nil
}

// Step is one capture of a plan: a channel set, lit once, and the
// schemes whose frame it gives.
type Step struct {
	Schemes  Mask
	Channels hal.ChannelSet
	Exposure int
}

// Plan is the ordered list of captures for a mask. Steps are ordered by
// their lowest scheme bit, so the order is stable and follows the API's
// bit order (White_Top before IR_Top before UV before White_Front ...).
// Schemes that light the same channels with the same exposure share one
// step.
type Plan struct {
	Steps []Step
	// Missing lists what the board cannot make; nil when nothing is
	// missing. Its schemes are not in Steps.
	Missing *MissingError
}

// Plan works out the captures for mask m; uvExposure is the document
// type's uv_exp (0: automatic). The returned error is the plan's Missing
// (a *MissingError) when some schemes cannot be made; the plan still
// holds the steps for the others, so a caller may scan what it can and
// report the rest.
func (s *Sequencer) Plan(m Mask, uvExposure int) (Plan, error) {
	var p Plan
	if err := s.profile.Check(m, s.guard.Available()); err != nil {
		var me *MissingError
		if !errors.As(err, &me) {
			return Plan{}, err
		}
		p.Missing = me
		m &^= me.Missing()
	}
	index := map[[2]int]int{} // (channels, exposure) → step
	for _, b := range m.Bits() {
		set, _ := s.profile.Channels(b)
		exp := s.opts.Exposure[b]
		if set.Has(hal.UV) && uvExposure != 0 {
			exp = uvExposure
		}
		key := [2]int{int(set), exp}
		if i, ok := index[key]; ok {
			p.Steps[i].Schemes |= b
			continue
		}
		index[key] = len(p.Steps)
		p.Steps = append(p.Steps, Step{Schemes: b, Channels: set, Exposure: exp})
	}
	sort.SliceStable(p.Steps, func(i, j int) bool {
		return lowest(p.Steps[i].Schemes) < lowest(p.Steps[j].Schemes)
	})
	if p.Missing != nil {
		return p, p.Missing
	}
	return p, nil
}

func lowest(m Mask) Mask { return m & -m }

// Shot is the frame captured for one scheme.
type Shot struct {
	Scheme   Mask
	Channels hal.ChannelSet
	Exposure int
	// ExposureSet is false when the camera has no exposure control and
	// kept its own (hal.ErrUnsupported).
	ExposureSet bool
	Frame       hal.Frame
	// LitAt and OffAt are when the channels were switched on and off.
	LitAt, OffAt time.Time
}

// ErrCapturePanic wraps a panic raised while capturing; the lights were
// switched off before it was returned.
var ErrCapturePanic = errors.New("panic during capture")

// Capture scans mask m strictly: when the board cannot make every scheme
// it returns the *MissingError and switches nothing. Otherwise it returns
// one Shot per scheme, in bit order.
func (s *Sequencer) Capture(ctx context.Context, m Mask, uvExposure int) ([]Shot, error) {
	p, err := s.Plan(m, uvExposure)
	if err != nil {
		return nil, err
	}
	return s.Execute(ctx, p)
}

// Execute runs a plan: for each step it switches exactly the step's
// channels, waits the settle time, sets the exposure, captures a fresh
// frame and switches the channels off. All LEDs are off when it returns,
// whatever happened: a capture error, ctx ending, or a panic in the
// camera (returned as ErrCapturePanic). If switching off itself fails,
// that error is joined to the result.
func (s *Sequencer) Execute(ctx context.Context, p Plan) (shots []Shot, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic during capture", "panic", r, "stack", string(debug.Stack()))
			shots, err = nil, fmt.Errorf("%w: %v", ErrCapturePanic, r)
		}
		if offErr := s.guard.Set(0); offErr != nil {
			err = errors.Join(err, fmt.Errorf("switching LEDs off: %w", offErr))
		}
	}()
	for _, st := range p.Steps {
		sh, err := s.step(ctx, st)
		if err != nil {
			return nil, fmt.Errorf("capturing %s: %w", st.Schemes, err)
		}
		for _, b := range st.Schemes.Bits() {
			sh.Scheme = b
			shots = append(shots, sh)
		}
	}
	sort.SliceStable(shots, func(i, j int) bool { return shots[i].Scheme < shots[j].Scheme })
	return shots, nil
}

func (s *Sequencer) step(ctx context.Context, st Step) (Shot, error) {
	sh := Shot{Channels: st.Channels, Exposure: st.Exposure}
	if err := ctx.Err(); err != nil {
		return sh, err
	}
	if st.Channels.Has(hal.UV) {
		if err := s.guard.WaitUV(ctx); err != nil {
			return sh, err
		}
	}
	cutoffs := s.guard.UVCutoffs()
	if err := s.guard.Set(st.Channels); err != nil {
		return sh, err
	}
	sh.LitAt = time.Now()
	if err := hal.Sleep(ctx, s.opts.Settle); err != nil {
		return sh, err
	}
	switch err := s.cam.SetExposure(ctx, st.Exposure); {
	case err == nil:
		sh.ExposureSet = true
	case errors.Is(err, hal.ErrUnsupported):
		s.log.Warn("camera has no exposure control; keeping its own", "schemes", st.Schemes.String(), "exposure", st.Exposure)
	default:
		return sh, fmt.Errorf("setting exposure %d: %w", st.Exposure, err)
	}
	f, err := s.cam.Capture(ctx)
	if err != nil {
		return sh, err
	}
	if err := s.guard.Set(0); err != nil {
		return sh, err
	}
	sh.OffAt = time.Now()
	if s.guard.UVCutoffs() != cutoffs {
		return sh, fmt.Errorf("%w after %s", ErrUVCutoff, s.guard.Limits().MaxOn)
	}
	sh.Frame = f
	return sh, nil
}

// Preferred schemes for the three frames recognition reads, best first.
var (
	whitePreference = []Mask{WhiteFront, WhiteTop, WhiteSide, WhiteGray, AxialWhiteFront, AxialWhiteLeft, AxialWhiteRight, WhiteObl, OVI}
	irPreference    = []Mask{IRFront, IRTop, IRSide, IR870Obl}
	uvPreference    = []Mask{UV}
)

// Pick chooses, from a scan's shots, the white, IR and UV frames the
// recognition pipeline reads: for each, the shot of the most preferred
// scheme (White_Front before White_Top before White_Side ...; IR_Front
// before IR_Top before IR_Side; UV). A frame not scanned is nil.
func Pick(shots []Shot) (white, ir, uv *Shot) {
	find := func(pref []Mask) *Shot {
		for _, m := range pref {
			for i := range shots {
				if shots[i].Scheme == m {
					return &shots[i]
				}
			}
		}
		return nil
	}
	return find(whitePreference), find(irPreference), find(uvPreference)
}
