package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/scan"
)

// decodeUpright is the dir: camera's decoder: a phone's photo turned
// upright by its EXIF orientation, as recognition's uploads are.
func decodeUpright(r io.Reader) (image.Image, error) {
	img, _, err := imgutil.Decode(r)
	return img, err
}

// hardware is the scanner's hardware, with the simulated LEDs kept for
// the tests and the simulated camera (nil on real hardware).
type hardware struct {
	*scan.Hardware
	simLEDs *hal.SimLEDs
	simCam  *camera.Sim
}

// openHardware opens the LEDs first and wraps them in the guard, so that
// whatever fails later, closing the guard switches them off.
func openHardware(ctx context.Context, s *settings, log *slog.Logger) (_ *hardware, err error) {
	h := &hardware{Hardware: &scan.Hardware{}}
	defer func() {
		if err != nil {
			h.Close()
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
			h.Presence = pres
		}
		h.CloseBoard = sim.Close
	case "gpio":
		hw, err := board.OpenGPIO(s.board, log)
		if err != nil {
			return nil, err
		}
		leds = hw.LEDs
		if hw.Presence != nil {
			h.Presence = hw.Presence
		}
		h.CloseBoard = hw.Close
	}
	limits := lights.DefaultUVLimits()
	limits.MaxOn, limits.MaxDuty = s.uvMaxOn, s.uvDuty
	if h.Guard, err = lights.NewGuard(leds, limits, log); err != nil {
		return nil, err
	}
	if h.Profile, err = s.board.LightProfile(); err != nil {
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
		h.Camera, h.simCam, h.Glass = cam, cam, cam
		if s.simDoc != "" {
			if err := cam.Place(s.simDoc); err != nil {
				return nil, fmt.Errorf("-sim-doc: %w", err)
			}
		}
	case "v4l2":
		if h.Camera, err = camera.OpenV4L2(spec.Path, camera.V4L2Options{Log: log}); err != nil {
			return nil, err
		}
	case "dir":
		if h.Camera, err = camera.NewDir(spec.Path, decodeUpright); err != nil {
			return nil, err
		}
	}
	got, err := h.Camera.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 1600, Height: 1200})
	if err != nil {
		return nil, fmt.Errorf("camera %s: %w", spec, err)
	}
	log.Info("camera ready", "camera", spec.String(), "format", got.String())
	h.Seq, err = lights.NewSequencer(h.Guard, h.Camera, h.Profile, lights.SequencerOptions{Settle: s.settle, Log: log})
	if err != nil {
		return nil, err
	}
	return h, nil
}
