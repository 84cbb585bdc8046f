package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline/imgutil"
)

// decodeUpright is the dir: camera's decoder: a phone's photo turned
// upright by its EXIF orientation, as recognition's uploads are.
func decodeUpright(r io.Reader) (image.Image, error) {
	img, _, err := imgutil.Decode(r)
	return img, err
}

// hardware is the scanner's LEDs (behind the UV guard), camera and
// optional presence input, opened from the settings.
type hardware struct {
	guard    *lights.Guard
	profile  lights.Profile
	camera   hal.Camera
	presence hal.Presence // nil when the board has none
	seq      *lights.Sequencer

	// The simulator's parts, nil on real hardware.
	simLEDs *hal.SimLEDs
	simCam  *camera.Sim

	closeBoard func() error
}

// openHardware opens the LEDs first and wraps them in the guard, so that
// whatever fails later, closing the guard switches them off.
func openHardware(ctx context.Context, s *settings, log *slog.Logger) (_ *hardware, err error) {
	h := &hardware{}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	var leds hal.LEDs
	switch s.hal {
	case "sim":
		sim, pres, err := board.OpenSim(s.board)
		if err != nil {
			return nil, err
		}
		leds, h.simLEDs = sim, sim
		if pres != nil {
			h.presence = pres
		}
		h.closeBoard = sim.Close
	case "gpio":
		hw, err := board.OpenGPIO(s.board, log)
		if err != nil {
			return nil, err
		}
		leds = hw.LEDs
		if hw.Presence != nil {
			h.presence = hw.Presence
		}
		h.closeBoard = hw.Close
	}
	limits := lights.DefaultUVLimits()
	limits.MaxOn, limits.MaxDuty = s.uvMaxOn, s.uvDuty
	if h.guard, err = lights.NewGuard(leds, limits, log); err != nil {
		return nil, err
	}
	if h.profile, err = s.board.LightProfile(); err != nil {
		return nil, err
	}

	spec, err := camera.ParseSpec(s.camera)
	if err != nil {
		return nil, err
	}
	switch spec.Kind {
	case "sim":
		cam, err := camera.NewSim(h.simLEDs, camera.SimOptions{})
		if err != nil {
			return nil, err
		}
		h.camera, h.simCam = cam, cam
		if s.simDoc != "" {
			if err := cam.Place(s.simDoc); err != nil {
				return nil, fmt.Errorf("-sim-doc: %w", err)
			}
		}
	case "v4l2":
		if h.camera, err = camera.OpenV4L2(spec.Path, camera.V4L2Options{Log: log}); err != nil {
			return nil, err
		}
	case "dir":
		if h.camera, err = camera.NewDir(spec.Path, decodeUpright); err != nil {
			return nil, err
		}
	}
	got, err := h.camera.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 1600, Height: 1200})
	if err != nil {
		return nil, fmt.Errorf("camera %s: %w", spec, err)
	}
	log.Info("camera ready", "camera", spec.String(), "format", got.String())
	h.seq, err = lights.NewSequencer(h.guard, h.camera, h.profile, lights.SequencerOptions{Settle: s.settle, Log: log})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// close switches every LED off and releases the hardware.
func (h *hardware) close() error {
	var errs []error
	if h.guard != nil {
		errs = append(errs, h.guard.Close())
	}
	if h.camera != nil {
		errs = append(errs, h.camera.Close())
	}
	if h.presence != nil {
		errs = append(errs, h.presence.Close())
	}
	if h.closeBoard != nil {
		errs = append(errs, h.closeBoard())
	}
	return errors.Join(errs...)
}
