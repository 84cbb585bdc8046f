package pipeline

import (
	"image"
	"image/color"
	"math"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// minTextSkew is the least skew, in degrees, a frame is read again
// turned for: Tesseract's page analysis follows lines a few degrees off
// the horizontal itself.
const minTextSkew = 4.0

// maxTextSkew is the largest skew textSkew looks for.
const maxTextSkew = 40.0

// skewInk is the grey level under which a pixel of a frame flattened to
// white paper (imgutil.FlattenPaper) counts as ink.
const skewInk = 140

// skewSamples is about how many pixels along its longer side the frame
// is sampled at: rows of print some 10 px tall at 2000 px stay 4 px.
const skewSamples = 800

// textSkew is the angle, in degrees clockwise (y down), of the rows of
// print in g, a frame flattened to white paper: the turn at which the
// left edges of its strokes, projected across the rows, pile up most
// sharply (the sum of the squares of the counts per row), within
// ±maxTextSkew in half degrees; 0 when g shows too little ink to say.
func textSkew(g *image.Gray) float64 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	step := max(1, max(w, h)/skewSamples)
	var xs, ys []float64
	for y := 0; y < h; y += step {
		o := g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y)
		row := g.Pix[o : o+w]
		for x := step; x < w; x += step {
			// a stroke's left edge: a blob of ink (a portrait's hair)
			// would pile up along its own shape, print along its rows
			if row[x] < skewInk && row[x-step] >= skewInk {
				xs = append(xs, float64(x/step))
				ys = append(ys, float64(y/step))
			}
		}
	}
	if len(xs) < 200 {
		return 0
	}
	n := int(math.Hypot(float64(w/step), float64(h/step))) + 2
	bins := make([]int, 2*n)
	best, bestScore := 0.0, -1.0
	for k := -2 * maxTextSkew; k <= 2*maxTextSkew; k++ {
		a := k / 2 * math.Pi / 180
		sin, cos := math.Sin(a), math.Cos(a)
		clear(bins)
		for i := range xs {
			bins[int(-xs[i]*sin+ys[i]*cos)+n]++
		}
		score := 0.0
		for _, c := range bins {
			score += float64(c) * float64(c)
		}
		if score > bestScore {
			best, bestScore = k/2, score
		}
	}
	return best
}

// turnFrame returns frame turned so that rows of print at angle deg
// (textSkew's) lie level, on a canvas of the frame's size (white where
// the frame does not reach), and the homography from the turned
// frame's pixels to the frame's.
func turnFrame(frame *image.RGBA, deg float64) (*image.RGBA, imgutil.Homography) {
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	w, h := frame.Rect.Dx(), frame.Rect.Dy()
	cx, cy := float64(w)/2, float64(h)/2
	hm := imgutil.Homography{cos, -sin, cx - cos*cx + sin*cy, sin, cos, cy - sin*cx - cos*cy, 0, 0, 1}
	out := imgutil.Warp(frame, hm, w, h)
	white := color.RGBA{255, 255, 255, 255}
	for v := range h {
		for u := range w {
			if x, y := hm.Apply(float64(u)+0.5, float64(v)+0.5); x < 0 || y < 0 || x >= float64(w) || y >= float64(h) {
				out.SetRGBA(u, v, white)
			}
		}
	}
	return out, hm
}
