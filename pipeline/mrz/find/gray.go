package find

import (
	"image"
	"image/color"
	"math"
)

// Gray returns img as a grey image with its origin at (0, 0), reading the
// luma plane directly where the decoder produced one (JPEG) so that a
// camera frame costs one copy.
func Gray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			i := src.PixOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*w:(y+1)*w], src.Pix[i:i+w])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			i := src.YOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*w:(y+1)*w], src.Y[i:i+w])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*w : (y+1)*w]
			for x := range dst {
				p := row[4*x : 4*x+3 : 4*x+3]
				dst[x] = luma(p[0], p[1], p[2])
			}
		}
	case *image.NRGBA:
		// Transparent pixels are composed over white, like paper.
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*w : (y+1)*w]
			for x := range dst {
				p := row[4*x : 4*x+4 : 4*x+4]
				l, a := int(luma(p[0], p[1], p[2])), int(p[3])
				dst[x] = uint8((l*a + 255*(255-a)) / 255)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				out.Pix[y*w+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			}
		}
	}
	return out
}

func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// plane is a grey raster with float samples, used for the small working
// copies.
type plane struct {
	w, h int
	p    []float32
}

func newPlane(w, h int) *plane { return &plane{w, h, make([]float32, w*h)} }

// shrink returns g reduced by the integer factor f with box averaging.
func shrink(g *image.Gray, f int) *plane {
	gw, gh := g.Bounds().Dx(), g.Bounds().Dy()
	w, h := gw/f, gh/f
	if f <= 1 {
		w, h = gw, gh
	}
	out := newPlane(w, h)
	if f <= 1 {
		for i, v := range g.Pix[:w*h] {
			out.p[i] = float32(v)
		}
		return out
	}
	acc := make([]uint32, w)
	inv := 1 / float32(f*f)
	for y := 0; y < h; y++ {
		clear(acc)
		for dy := 0; dy < f; dy++ {
			row := g.Pix[(y*f+dy)*g.Stride:]
			for x := 0; x < w; x++ {
				s := uint32(0)
				for _, v := range row[x*f : x*f+f] {
					s += uint32(v)
				}
				acc[x] += s
			}
		}
		dst := out.p[y*w : (y+1)*w]
		for x := range dst {
			dst[x] = float32(acc[x]) * inv
		}
	}
	return out
}

// half returns p reduced by two.
func (p *plane) half() *plane {
	w, h := p.w/2, p.h/2
	out := newPlane(w, h)
	for y := 0; y < h; y++ {
		r0 := p.p[2*y*p.w:]
		r1 := p.p[(2*y+1)*p.w:]
		dst := out.p[y*w : (y+1)*w]
		for x := range dst {
			dst[x] = (r0[2*x] + r0[2*x+1] + r1[2*x] + r1[2*x+1]) * 0.25
		}
	}
	return out
}

// sampler reads a grey image at fractional coordinates, bilinearly;
// outside the image it returns the nearest edge pixel.
type sampler struct {
	pix    []uint8
	stride int
	w, h   int
}

func newSampler(g *image.Gray) sampler {
	b := g.Bounds()
	return sampler{g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], g.Stride, b.Dx(), b.Dy()}
}

func (s sampler) at(x, y float64) float32 {
	x = math.Max(0, math.Min(x, float64(s.w-1)))
	y = math.Max(0, math.Min(y, float64(s.h-1)))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, s.w-1), min(y0+1, s.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	r0, r1 := s.pix[y0*s.stride:], s.pix[y1*s.stride:]
	top := float32(r0[x0]) + (float32(r0[x1])-float32(r0[x0]))*fx
	bot := float32(r1[x0]) + (float32(r1[x1])-float32(r1[x0]))*fx
	return top + (bot-top)*fy
}

// box averages s over a square of side 1/scale around (x, y) when
// scale < 1 (reducing), else samples bilinearly.
func (s sampler) box(x, y, scale float64) float32 {
	if scale >= 0.75 {
		return s.at(x, y)
	}
	r := 0.5 / scale
	n := int(math.Ceil(r))
	if n > 6 {
		n = 6
	}
	step := r / float64(n)
	var sum float32
	cnt := 0
	for dy := -n; dy <= n; dy++ {
		for dx := -n; dx <= n; dx++ {
			sum += s.at(x+float64(dx)*step, y+float64(dy)*step)
			cnt++
		}
	}
	return sum / float32(cnt)
}

// source is a raster to sample in full-resolution coordinates: the full
// image (scale 1) or a pyramid level.
type source struct {
	f32   []float32 // level pixels, or
	u8    []uint8   // full-resolution pixels
	w, h  int
	sw    int     // row stride
	scale float64 // full-resolution pixels per source pixel
}

func graySource(g *image.Gray) source {
	b := g.Bounds()
	return source{u8: g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], w: b.Dx(), h: b.Dy(), sw: g.Stride, scale: 1}
}

func levelSource(lv level) source {
	return source{f32: lv.p.p, w: lv.p.w, h: lv.p.h, sw: lv.p.w, scale: lv.scale}
}

// inside reports whether full-resolution (x, y) lies in the image.
func (s source) inside(x, y float64) bool {
	return x >= -0.5 && y >= -0.5 && x < float64(s.w)*s.scale-0.5 && y < float64(s.h)*s.scale-0.5
}

// fill samples the source along a grid: dst[j*w+i] is the value at
// (ox + i*ax + j*bx, oy + i*ay + j*by) in full-resolution coordinates.
func (s source) fill(dst []float32, w, h int, ox, oy, ax, ay, bx, by float64) {
	// To source coordinates.
	k := 1 / s.scale
	ox, oy = (ox+0.5)*k-0.5, (oy+0.5)*k-0.5
	ax, ay, bx, by = ax*k, ay*k, bx*k, by*k
	maxX, maxY := float64(s.w-1), float64(s.h-1)
	for j := 0; j < h; j++ {
		x := ox + float64(j)*bx
		y := oy + float64(j)*by
		row := dst[j*w : (j+1)*w]
		for i := range row {
			cx := math.Max(0, math.Min(x, maxX))
			cy := math.Max(0, math.Min(y, maxY))
			x0, y0 := int(cx), int(cy)
			x1, y1 := min(x0+1, s.w-1), min(y0+1, s.h-1)
			fx, fy := float32(cx-float64(x0)), float32(cy-float64(y0))
			var a, b, c, d float32
			if s.f32 != nil {
				a, b = s.f32[y0*s.sw+x0], s.f32[y0*s.sw+x1]
				c, d = s.f32[y1*s.sw+x0], s.f32[y1*s.sw+x1]
			} else {
				a, b = float32(s.u8[y0*s.sw+x0]), float32(s.u8[y0*s.sw+x1])
				c, d = float32(s.u8[y1*s.sw+x0]), float32(s.u8[y1*s.sw+x1])
			}
			top := a + (b-a)*fx
			row[i] = top + (c+(d-c)*fx-top)*fy
			x += ax
			y += ay
		}
	}
}

// sourceFor returns the coarsest source that still has at least one
// pixel per step full-resolution pixels (step ≥ 1 reduces).
func sourceFor(g *image.Gray, levels []level, step float64) source {
	best := graySource(g)
	for _, lv := range levels {
		if lv.scale <= step*1.01 {
			best = levelSource(lv)
		}
	}
	return best
}
