package identify

import (
	"image"
	"math"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/typedb"
)

// chroma is a colour with its brightness divided out, so uneven light and
// exposure leave it alone.
type chroma [3]float64

func chromaOf(c [3]float64) chroma {
	s := c[0] + c[1] + c[2]
	if s < 1 {
		return chroma{1.0 / 3, 1.0 / 3, 1.0 / 3}
	}
	return chroma{c[0] / s, c[1] / s, c[2] / s}
}

func chromaRGB(c typedb.RGB) chroma {
	return chromaOf([3]float64{float64(c[0]), float64(c[1]), float64(c[2])})
}

func (a chroma) dist(b chroma) float64 {
	return math.Abs(a[0]-b[0]) + math.Abs(a[1]-b[1]) + math.Abs(a[2]-b[2])
}

func luma3(c [3]float64) float64 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }

func lumaRGB(c typedb.RGB) float64 {
	return luma3([3]float64{float64(c[0]), float64(c[1]), float64(c[2])})
}

// Tolerances of the signature features, in chroma (L1) and in luma ratio.
const (
	tolPaper = 0.03
	tolPatch = 0.035
	tolRatio = 0.10
	tolInk   = 0.10
)

// SignatureScore compares the thumbnail of a side with t's layout and
// colour signature: the paper's colour away from print, each patch's
// colour and its brightness relative to the paper, and the colour of the
// ink of the printed headers or labels. 1 is a perfect match.
func SignatureScore(th *image.RGBA, t *typedb.Type) float64 {
	sig := t.Signature
	w, h := th.Rect.Dx(), th.Rect.Dy()
	paper, ok := paperColour(th, t)
	if !ok {
		return 0
	}
	var errs []float64
	e := chromaOf(paper).dist(chromaRGB(sig.Paper)) / tolPaper
	errs = append(errs, e*e)
	pl := luma3(paper)
	for _, p := range sig.Patches {
		r := inset(p.Zone.Pixels(w, h), 1)
		if r.Dx() < 2 || r.Dy() < 2 {
			continue
		}
		st := imgutil.RegionStats(th, r, 1)
		e := chromaOf(st.Median).dist(chromaRGB(p.RGB)) / tolPatch
		errs = append(errs, e*e)
		if pl > 0 {
			want := lumaRGB(p.RGB) / lumaRGB(sig.Paper)
			e := (luma3(st.Median)/pl - want) / tolRatio
			errs = append(errs, e*e)
		}
	}
	if ink, ok := inkColour(th, t); ok {
		e := chromaOf(ink).dist(chromaRGB(sig.Ink)) / tolInk
		errs = append(errs, e*e)
	}
	s := 0.0
	for _, e := range errs {
		s += e
	}
	return math.Exp(-s / float64(len(errs)) / 2)
}

func inset(r image.Rectangle, d int) image.Rectangle {
	return image.Rect(r.Min.X+d, r.Min.Y+d, r.Max.X-d, r.Max.Y-d)
}

// paperColour is the median colour of the side where t prints nothing
// and has no patch, decor, portrait or MRZ.
func paperColour(th *image.RGBA, t *typedb.Type) ([3]float64, bool) {
	w, h := th.Rect.Dx(), th.Rect.Dy()
	var skip []image.Rectangle
	for _, p := range t.Signature.Patches {
		skip = append(skip, p.Zone.Pixels(w, h))
	}
	for _, d := range t.Decor {
		skip = append(skip, d.Zone.Pixels(w, h))
	}
	if t.FaceZone != nil {
		skip = append(skip, t.FaceZone.Pixels(w, h))
	}
	if t.MRZZone != nil {
		skip = append(skip, t.MRZZone.Pixels(w, h))
	}
	for _, f := range t.UVFeatures {
		skip = append(skip, f.Zone.Pixels(w, h))
	}
	// the rectangles to skip, marked on the sampled grid (every other
	// pixel, inside a one-pixel margin); the median comes from
	// histograms, the values being bytes
	skipped := make([]bool, w*h)
	for _, r := range skip {
		r = r.Intersect(th.Rect)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := skipped[y*w:]
			for x := r.Min.X; x < r.Max.X; x++ {
				row[x] = true
			}
		}
	}
	var hist [3][256]int
	n := 0
	for y := 1; y < h-1; y += 2 {
		row := th.Pix[y*th.Stride:]
		sk := skipped[y*w:]
		for x := 1; x < w-1; x += 2 {
			if sk[x] {
				continue
			}
			hist[0][row[4*x]]++
			hist[1][row[4*x+1]]++
			hist[2][row[4*x+2]]++
			n++
		}
	}
	if n < 50 {
		return [3]float64{}, false
	}
	var out [3]float64
	for k := range 3 {
		out[k] = float64(imgutil.Quantile(&hist[k], n, 0.5))
	}
	return out, true
}

// inkColour is the mean colour of the darkest tenth of the pixels in the
// header zones (or, without headers, the label zones).
func inkColour(th *image.RGBA, t *typedb.Type) ([3]float64, bool) {
	w, h := th.Rect.Dx(), th.Rect.Dy()
	var zones []image.Rectangle
	for _, a := range t.Anchors {
		if a.Kind == "header" {
			zones = append(zones, a.Zone.Pixels(w, h))
		}
	}
	if len(zones) == 0 {
		for _, a := range t.Anchors {
			zones = append(zones, a.Zone.Pixels(w, h))
		}
	}
	var hist [256]int
	n := 0
	for _, z := range zones {
		z = z.Intersect(th.Rect)
		for y := z.Min.Y; y < z.Max.Y; y++ {
			row := th.Pix[th.PixOffset(z.Min.X, y):]
			for x := 0; x < z.Dx(); x++ {
				hist[imgutil.Luma(row[4*x], row[4*x+1], row[4*x+2])]++
				n++
			}
		}
	}
	if n < 40 {
		return [3]float64{}, false
	}
	cut := uint8(imgutil.Quantile(&hist, n, 0.1))
	var out [3]float64
	k := 0.0
	for _, z := range zones {
		z = z.Intersect(th.Rect)
		for y := z.Min.Y; y < z.Max.Y; y++ {
			row := th.Pix[th.PixOffset(z.Min.X, y):]
			for x := 0; x < z.Dx(); x++ {
				p := row[4*x : 4*x+3]
				if imgutil.Luma(p[0], p[1], p[2]) <= cut {
					out[0] += float64(p[0])
					out[1] += float64(p[1])
					out[2] += float64(p[2])
					k++
				}
			}
		}
	}
	for i := range out {
		out[i] /= k
	}
	return out, true
}
