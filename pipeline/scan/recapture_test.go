package scan

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docscan/docscan/camera"
	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// dimFirst is the simulated board's light with its first exposures dim:
// an LED warming up, or a hand's shadow that passes.
type dimFirst struct {
	src   camera.Illumination
	dim   int64 // exposures left dim
	scale float64
}

func (d *dimFirst) OnFractions(from, to time.Time) [hal.NumChannels]float64 {
	f := d.src.OnFractions(from, to)
	if atomic.AddInt64(&d.dim, -1) >= 0 {
		for i := range f {
			f[i] *= d.scale
		}
	}
	return f
}

// On the simulated board and camera, a first white frame too dark (the
// light at 1/32) is captured again and the second, lit right, is kept
// and identified; with the light dim every time, the tries stop at their
// bound and the answer still comes, its quality saying why.
func TestWhiteCaptureAgainWhenDark(t *testing.T) {
	if testing.Short() {
		t.Skip("renders a card and captures it on the simulator")
	}
	ctx := context.Background()
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := specimen.DefaultFonts()
	if errors.Is(err, specimen.ErrNoFonts) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	glass := t.TempDir()
	if err := sp.WriteDir(glass); err != nil {
		t.Fatal(err)
	}
	eng, err := pipeline.New(db, nil, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		dim       int64
		wantTries int
		wantKept  int
	}{
		{"dark once", 1, 2, 1},
		{"dark every time", 100, quality.DefaultTries, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leds := hal.NewSimLEDs(hal.SetOf(hal.AllChannels...))
			defer leds.Close()
			guard, err := lights.NewGuard(leds, lights.DefaultUVLimits(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			profile := lights.DefaultProfile()
			cam, err := camera.NewSim(&dimFirst{src: leds, dim: tc.dim, scale: 1.0 / 32}, camera.SimOptions{Size: image.Pt(1600, 1200)})
			if err != nil {
				t.Fatal(err)
			}
			defer cam.Close()
			if err := cam.Place(glass); err != nil {
				t.Fatal(err)
			}
			if _, err := cam.Configure(ctx, hal.Format{PixelFormat: camera.FourCCYUYV, Width: 1600, Height: 1200}); err != nil {
				t.Fatal(err)
			}
			seq, err := lights.NewSequencer(guard, cam, profile, lights.SequencerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			white := identifyLight(profile, guard.Available())
			shot, tries, err := quality.Recapture(ctx, quality.DefaultTries, whiteCapture(seq, eng, white, "kz"))
			if err != nil {
				t.Fatal(err)
			}
			if len(tries) != tc.wantTries || !tries[tc.wantKept].Kept {
				t.Fatalf("%d tries, want %d, the %d. kept: %+v", len(tries), tc.wantTries, tc.wantKept+1, tries)
			}
			first := tries[0].Quality
			if !first.Has(quality.NameBrightness) && !first.Has(quality.NameContrast) {
				t.Errorf("the dark frame passes: %s (brightness %+v)", first.Reason, first.Brightness)
			}
			kept := shot.Prepared.Quality()
			if tc.dim == 1 {
				if !kept.OK {
					t.Errorf("the frame lit right fails: %s", kept.Reason)
				}
				if shot.Prepared.Identification().Type == nil {
					t.Error("the frame lit right is not identified")
				}
			} else if kept.OK {
				t.Error("a dark frame kept with quality ok")
			}
			t.Logf("tries: %s", triesSummary(tries))
		})
	}
}

func triesSummary(tries []quality.Try) string {
	s := ""
	for i, t := range tries {
		s += "[" + string(rune('1'+i)) + ": brightness "
		if b := t.Quality.Brightness; b != nil {
			s += fmt.Sprintf("%g", b.Value)
		}
		s += " " + t.Quality.Reason + "]"
	}
	return s
}
