package imgutil

import (
	"image"
	"image/color"
	"math"
)

// ViewAtMost is View for a frame of at most maxPixels: a larger one is
// shrunk, each output pixel the area average of the input it covers, to
// the largest size within maxPixels at the same aspect. maxPixels ≤ 0
// means no limit. Two frames of one size come out at one size.
func ViewAtMost(img image.Image, maxPixels int) *image.RGBA {
	b := img.Bounds()
	if maxPixels <= 0 || b.Dx()*b.Dy() <= maxPixels {
		return View(img)
	}
	s := math.Sqrt(float64(maxPixels) / float64(b.Dx()*b.Dy()))
	w, h := max(1, int(float64(b.Dx())*s)), max(1, int(float64(b.Dy())*s))
	return shrink(img, w, h)
}

// ShrunkSize is the size ViewAtMost gives a w×h frame.
func ShrunkSize(w, h, maxPixels int) (int, int) {
	if maxPixels <= 0 || w*h <= maxPixels {
		return w, h
	}
	s := math.Sqrt(float64(maxPixels) / float64(w*h))
	return max(1, int(float64(w)*s)), max(1, int(float64(h)*s))
}

// span is one output pixel's share of input pixels along an axis: input
// indices from first, with their weights (summing to 1).
type span struct {
	first   int
	weights []float32
}

// spans maps n input pixels onto m ≤ n output pixels by area.
func spans(n, m int) []span {
	out := make([]span, m)
	step := float64(n) / float64(m)
	for o := range out {
		lo, hi := float64(o)*step, float64(o+1)*step
		first := int(lo)
		var ws []float32
		for i := first; float64(i) < hi && i < n; i++ {
			cover := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
			ws = append(ws, float32(cover/step))
		}
		out[o] = span{first, ws}
	}
	return out
}

// shrink resamples img to w×h by area averaging, one input row at a time
// (rows are read in RGB and folded into the output rows they fall in).
func shrink(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	sx, sy := spans(b.Dx(), w), spans(b.Dy(), h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	row := make([]float32, 3*b.Dx()) // one input row, RGB
	acc := make([]float32, 3*w)      // the output row being built
	col := make([]float32, 3*w)      // one input row shrunk across
	readRow := rowReader(img)
	for oy, ys := range sy {
		clear(acc)
		for k, wy := range ys.weights {
			readRow(row, b.Min.Y+ys.first+k)
			for ox, xs := range sx {
				var r, g, bl float32
				for j, wx := range xs.weights {
					i := 3 * (xs.first + j)
					r += wx * row[i]
					g += wx * row[i+1]
					bl += wx * row[i+2]
				}
				col[3*ox], col[3*ox+1], col[3*ox+2] = r, g, bl
			}
			for i, v := range col {
				acc[i] += wy * v
			}
		}
		dst := out.Pix[oy*out.Stride:]
		for ox := range w {
			dst[4*ox] = uint8(min(255, acc[3*ox]+0.5))
			dst[4*ox+1] = uint8(min(255, acc[3*ox+1]+0.5))
			dst[4*ox+2] = uint8(min(255, acc[3*ox+2]+0.5))
			dst[4*ox+3] = 255
		}
	}
	return out
}

// rowReader returns a function filling dst with row y of img as RGB,
// with fast paths for what decoders give.
func rowReader(img image.Image) func(dst []float32, y int) {
	b := img.Bounds()
	switch s := img.(type) {
	case *image.RGBA:
		return func(dst []float32, y int) {
			p := s.Pix[s.PixOffset(b.Min.X, y):]
			for x := range b.Dx() {
				dst[3*x], dst[3*x+1], dst[3*x+2] = float32(p[4*x]), float32(p[4*x+1]), float32(p[4*x+2])
			}
		}
	case *image.NRGBA:
		return func(dst []float32, y int) {
			p := s.Pix[s.PixOffset(b.Min.X, y):]
			for x := range b.Dx() {
				a := float32(p[4*x+3]) / 255 // premultiplied, as RGBA is
				dst[3*x], dst[3*x+1], dst[3*x+2] = a*float32(p[4*x]), a*float32(p[4*x+1]), a*float32(p[4*x+2])
			}
		}
	case *image.Gray:
		return func(dst []float32, y int) {
			p := s.Pix[s.PixOffset(b.Min.X, y):]
			for x := range b.Dx() {
				v := float32(p[x])
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	case *image.YCbCr:
		return func(dst []float32, y int) {
			for x := range b.Dx() {
				yi, ci := s.YOffset(b.Min.X+x, y), s.COffset(b.Min.X+x, y)
				r, g, bl := color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
				dst[3*x], dst[3*x+1], dst[3*x+2] = float32(r), float32(g), float32(bl)
			}
		}
	}
	return func(dst []float32, y int) {
		for x := range b.Dx() {
			c := color.RGBAModel.Convert(img.At(b.Min.X+x, y)).(color.RGBA)
			dst[3*x], dst[3*x+1], dst[3*x+2] = float32(c.R), float32(c.G), float32(c.B)
		}
	}
}
