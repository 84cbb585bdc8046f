package scan

import (
	"context"
	"fmt"
	"image"

	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/quality"
)

// whiteShot is one white capture of a side and the side prepared from it.
type whiteShot struct {
	Image    image.Image
	Prepared *pipeline.PreparedSide
}

// whiteCapture is quality.Recapture's capture for the white frame: the
// lights' white scheme captured and the side prepared, its quality the
// prepared side's.
func whiteCapture(seq *lights.Sequencer, eng *pipeline.Engine, white lights.Mask, country string) func(context.Context, int, *quality.Report) (whiteShot, *quality.Report, error) {
	return func(ctx context.Context, _ int, _ *quality.Report) (whiteShot, *quality.Report, error) {
		shots, err := seq.Capture(ctx, white, 0)
		if err != nil {
			return whiteShot{}, nil, fmt.Errorf("white capture: %w", err)
		}
		prep, err := eng.Prepare(ctx, shots[0].Frame.Image, country)
		if err != nil {
			return whiteShot{}, nil, err
		}
		return whiteShot{Image: shots[0].Frame.Image, Prepared: prep}, prep.Quality(), nil
	}
}
