package api

import (
	"fmt"

	"github.com/docscan/docscan/pipeline/quality"
)

// qualityLines is a frame's quality for the status page: the verdict,
// then each measure taken with its value and threshold.
func qualityLines(q *quality.Report) []string {
	if q == nil {
		return nil
	}
	out := []string{"quality ok"}
	if !q.OK {
		out[0] = "quality: " + q.Reason
	}
	mark := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "FAILS"
	}
	add := func(name string, m *quality.Measure, unit, cmp string) {
		if m != nil {
			out = append(out, fmt.Sprintf("%s %g%s (%s %g) %s", name, m.Value, unit, cmp, m.Threshold, mark(m.OK)))
		}
	}
	add("focus", q.Focus, " mm", "≤")
	if q.Glare != nil {
		add("glare", &q.Glare.Measure, "", "≤")
	}
	add("resolution", q.Resolution, " dpi", "≥")
	add("tilt", q.Perspective, "°", "≤")
	if q.Bounds != nil {
		add("margin", &q.Bounds.Measure, " px", "≥")
	}
	if b := q.Brightness; b != nil {
		out = append(out, fmt.Sprintf("brightness %g (%g–%g) %s", b.Value, b.Threshold[0], b.Threshold[1], mark(b.OK)))
	}
	add("contrast", q.Contrast, "", "≥")
	return out
}

// tryLines lists the captures of a frame taken more than once.
func tryLines(tries []quality.Try) []string {
	if len(tries) < 2 {
		return nil
	}
	out := make([]string, len(tries))
	for i, t := range tries {
		v := "ok"
		if !t.Quality.OK {
			v = t.Quality.Reason
		}
		kept := ""
		if t.Kept {
			kept = ", kept"
		}
		out[i] = fmt.Sprintf("capture %d: %s%s", i+1, v, kept)
	}
	return out
}
