package api

import (
	"image"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/pipeline/scan"
)

// The status page shows a white frame's quality, measure by measure, its
// glare drawn where it lies, and the captures it took.
func TestStatusFrameQuality(t *testing.T) {
	region := [4]float64{0.1, 0.6, 0.5, 0.9}
	glared := &quality.Report{Failed: []string{quality.NameGlare}, Reason: "glare over the mrz",
		Glare:      &quality.Glare{Measure: quality.Measure{Value: 0.2, Threshold: 0.05}, Where: []string{"mrz"}, Region: &region},
		Brightness: &quality.Range{Value: 130, Threshold: [2]float64{15, 230}, OK: true}}
	dark := &quality.Report{Failed: []string{quality.NameBrightness}, Reason: "too dark"}
	f := scan.Frame{Side: "front", Light: "White_Top", Image: image.NewRGBA(image.Rect(0, 0, 80, 50)), Quality: glared,
		Tries: []quality.Try{{Quality: dark}, {Quality: glared, Kept: true}}}
	fs := renderFrame(f, nil)
	all := strings.Join(append(fs.Quality, fs.Tries...), "\n")
	for _, want := range []string{"quality: glare over the mrz", "glare 0.2 (≤ 0.05) FAILS", "brightness 130 (15–230) ok", "capture 1: too dark", "capture 2: glare over the mrz, kept"} {
		if !strings.Contains(all, want) {
			t.Errorf("status lines lack %q:\n%s", want, all)
		}
	}
	if len(fs.Checks) != 1 || fs.Checks[0].Name != "glare" {
		t.Errorf("glare not drawn: %+v", fs.Checks)
	}
	if fs := renderFrame(scan.Frame{Side: "front", Image: f.Image}, nil); fs.Quality != nil || fs.Tries != nil {
		t.Errorf("a frame without quality shows %v %v", fs.Quality, fs.Tries)
	}
}
