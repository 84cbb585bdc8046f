package quality

import (
	"context"
	"errors"
	"image"
	"math"
	"testing"
)

// A frame too dark, then one exposed right: the scanner keeps the second
// and stops; a frame blurred by motion every time: it tries its bound and
// keeps the least bad; a capture error ends the tries.
func TestRecapture(t *testing.T) {
	g, typ := cleanPage(t)
	dark := mapGray(g, func(v float64) float64 { return v / 16 }) // 4 stops under
	shaken := blur(g, 8)
	th := Default()
	frames := func(seq ...*image.Gray) func(context.Context, int, *Report) (*image.Gray, *Report, error) {
		return func(_ context.Context, try int, _ *Report) (*image.Gray, *Report, error) {
			f := seq[min(try, len(seq)-1)]
			return f, Assess(withPage(input(g, typ), f), th), nil
		}
	}
	got, tries, err := Recapture(context.Background(), 3, frames(dark, g, g))
	if err != nil {
		t.Fatal(err)
	}
	if got != g || len(tries) != 2 || tries[0].Kept || !tries[1].Kept || !tries[0].Quality.Has(NameBrightness) {
		t.Errorf("dark then good: kept %v after %d tries %+v", got == g, len(tries), tries)
	}

	_, tries, err = Recapture(context.Background(), 3, frames(shaken))
	if err != nil {
		t.Fatal(err)
	}
	if len(tries) != 3 || !tries[0].Kept || !tries[2].Quality.Has(NameFocus) {
		t.Errorf("blurred every time: %d tries, first kept %v", len(tries), tries[0].Kept)
	}

	boom := errors.New("camera gone")
	_, _, err = Recapture(context.Background(), 3, func(context.Context, int, *Report) (int, *Report, error) { return 0, nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("capture error: %v", err)
	}

	// the last report reaches the next try, to change the exposure
	var seen []float64
	_, _, _ = Recapture(context.Background(), 2, func(_ context.Context, try int, last *Report) (int, *Report, error) {
		if last != nil {
			seen = append(seen, last.Brightness.Value)
		}
		return try, Assess(withPage(input(g, typ), dark), th), nil
	})
	if len(seen) != 1 || math.Abs(seen[0]-Assess(withPage(input(g, typ), dark), th).Brightness.Value) > 0 {
		t.Errorf("last reports seen %v", seen)
	}
}
