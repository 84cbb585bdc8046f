package specimen

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// Degradation says how a side is placed in a camera frame and spoiled, the
// way a phone photo or a cheap scanner would. Zero fields do nothing,
// except Frame and Scale, which take defaults.
type Degradation struct {
	// Frame is the output size; zero means 1600×1200.
	Frame image.Point
	// Scale is the document's width as a fraction of the frame's (before
	// rotation); zero means 0.8. The document is shrunk further if it
	// would not fit.
	Scale float64
	// Shift moves the document's centre off the frame's, as a fraction
	// (-1..1) of the free margin in x and y.
	Shift [2]float64
	// Rotate is the document's rotation in degrees, counter-clockwise.
	Rotate float64
	// Light is the strength (0..1) of uneven lighting: a gradient in
	// direction LightAngle (radians) plus a vignette.
	Light      float64
	LightAngle float64
	// Blur is the standard deviation of a Gaussian blur, in frame pixels.
	Blur float64
	// Noise is the standard deviation of sensor noise, in 8-bit levels.
	Noise float64
	// JPEGQuality, when 1..100, round-trips each layer through JPEG.
	JPEGQuality int
	// Background is the colour around the document; zero means dark grey.
	Background color.RGBA

	// The fields below are the varied captures' (VariedCapture); zero
	// leaves a frame exactly as without them.

	// Tilt turns the document out of the image plane, in degrees, about
	// its horizontal and its vertical axis, seen by a phone camera: the
	// perspective of a card photographed at an angle.
	Tilt [2]float64
	// CornerRadius rounds the document's corners, as a fraction of its
	// width (an ID-1 card's 3.18 mm is 0.037).
	CornerRadius float64
	// Desk is the strength (0..1) of a wood-grain texture on the
	// background.
	Desk float64
	// Glare is the strength (0..1) of a specular highlight centred at
	// GlareAt (fractions of the frame) with a radius of GlareSize (a
	// fraction of the frame's diagonal).
	Glare     float64
	GlareAt   [2]float64
	GlareSize float64
	// Shadow is the depth (0..1) of a soft shadow over the part of the
	// frame beyond a line through ShadowAt (fractions of the frame) at
	// ShadowAngle (radians).
	Shadow      float64
	ShadowAt    [2]float64
	ShadowAngle float64
}

// RandomDegradation draws moderate degradations: the document at 65–90 %
// of the frame anywhere in it, rotated up to ±4°, uneven light, blur,
// noise, and JPEG in most cases.
func RandomDegradation(rng *rand.Rand) Degradation {
	d := Degradation{
		Scale:      0.65 + 0.25*rng.Float64(),
		Shift:      [2]float64{2*rng.Float64() - 1, 2*rng.Float64() - 1},
		Rotate:     8*rng.Float64() - 4,
		Light:      0.35 * rng.Float64(),
		LightAngle: 2 * math.Pi * rng.Float64(),
		Blur:       1.2 * rng.Float64(),
		Noise:      6 * rng.Float64(),
	}
	if rng.IntN(10) < 7 {
		d.JPEGQuality = 60 + rng.IntN(36)
	}
	return d
}

// Placed is the output of Degrade: the degraded layers and where the
// document's corners landed.
type Placed struct {
	Layers []*image.RGBA
	// Corners are the document's top-left, top-right, bottom-right and
	// bottom-left corners in frame pixels.
	Corners [4][2]float64
}

// Degrade places every layer of one side in a frame with the same
// geometry (as a scanner's white, IR and UV frames share it) and spoils
// each; seed drives the noise.
func Degrade(layers []*image.RGBA, d Degradation, seed int64) (*Placed, error) {
	if len(layers) == 0 {
		return nil, errors.New("specimen: degrade: no layers")
	}
	src := layers[0].Rect
	for _, l := range layers[1:] {
		if l.Rect != src {
			return nil, fmt.Errorf("specimen: degrade: layers differ in size (%v, %v)", src, l.Rect)
		}
	}
	if d.Frame == (image.Point{}) {
		d.Frame = image.Pt(1600, 1200)
	}
	if d.Frame.X < 16 || d.Frame.Y < 16 || d.Frame.X > 10000 || d.Frame.Y > 10000 {
		return nil, fmt.Errorf("specimen: degrade: frame %v out of range", d.Frame)
	}
	if d.Scale == 0 {
		d.Scale = 0.8
	}
	if d.Background == (color.RGBA{}) {
		d.Background = color.RGBA{38, 38, 42, 255}
	}
	if d.Tilt != [2]float64{} || d.CornerRadius > 0 {
		return degradeProjective(layers, d, seed)
	}
	fw, fh := float64(d.Frame.X), float64(d.Frame.Y)
	sw, sh := float64(src.Dx()), float64(src.Dy())
	th := d.Rotate * math.Pi / 180
	cos, sin := math.Cos(th), math.Sin(th)
	s := d.Scale * fw / sw
	// shrink until the rotated document fits
	bw := func(s float64) (float64, float64) {
		return s * (sw*math.Abs(cos) + sh*math.Abs(sin)), s * (sw*math.Abs(sin) + sh*math.Abs(cos))
	}
	if w, h := bw(s); w > fw || h > fh {
		s *= math.Min(fw/w, fh/h) * 0.98
	}
	w, h := bw(s)
	cx := fw/2 + clampF(d.Shift[0], -1, 1)*(fw-w)/2
	cy := fh/2 + clampF(d.Shift[1], -1, 1)*(fh-h)/2

	// forward map: doc (u, v) → frame; y grows down, so a counter-clockwise
	// turn on screen is a negative angle in these coordinates
	s2d := f64.Aff3{
		s * cos, s * sin, cx - sw/2*s*cos - sh/2*s*sin,
		-s * sin, s * cos, cy + sw/2*s*sin - sh/2*s*cos,
	}
	var p Placed
	for i, c := range [4][2]float64{{0, 0}, {sw, 0}, {sw, sh}, {0, sh}} {
		p.Corners[i][0] = s2d[0]*c[0] + s2d[1]*c[1] + s2d[2]
		p.Corners[i][1] = s2d[3]*c[0] + s2d[4]*c[1] + s2d[5]
	}
	light := lightMap(d)
	rng := rand.New(rand.NewPCG(uint64(seed), 0xde9ade))
	for _, l := range layers {
		out := background(d, seed)
		// the kernel widens when it shrinks, so fine print is averaged,
		// not aliased
		xdraw.BiLinear.Transform(out, s2d, l, l.Rect, xdraw.Over, nil)
		out, err := spoil(out, d, light, rng)
		if err != nil {
			return nil, err
		}
		p.Layers = append(p.Layers, out)
	}
	return &p, nil
}

// spoil applies the light, glare, shadow, blur, noise and JPEG of d to a
// placed frame.
func spoil(out *image.RGBA, d Degradation, light []float64, rng *rand.Rand) (*image.RGBA, error) {
	{
		if light != nil {
			for i, j := 0, 0; i < len(out.Pix); i, j = i+4, j+1 {
				k := light[j]
				out.Pix[i] = clampByte(float64(out.Pix[i]) * k)
				out.Pix[i+1] = clampByte(float64(out.Pix[i+1]) * k)
				out.Pix[i+2] = clampByte(float64(out.Pix[i+2]) * k)
			}
		}
		glareShadow(out, d)
		if d.Blur > 0.05 {
			out = gaussianBlur(out, d.Blur)
		}
		if d.Noise > 0 {
			// shared (luminance) noise plus a little per channel
			for i := 0; i < len(out.Pix); i += 4 {
				n := rng.NormFloat64() * d.Noise
				c := rng.Uint64()
				for k := range 3 {
					u := float64(int(c>>(16*k))&0xffff)/65535 - 0.5 // uniform, sd ≈ 0.29
					out.Pix[i+k] = clampByte(float64(out.Pix[i+k]) + n + u*d.Noise)
				}
			}
		}
		if d.JPEGQuality >= 1 && d.JPEGQuality <= 100 {
			var err error
			if out, err = jpegRoundTrip(out, d.JPEGQuality); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func clampF(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func clampByte(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// lightMap returns the brightness factor of every frame pixel (row
// major), or nil for even light: a gradient plus a vignette.
func lightMap(d Degradation) []float64 {
	if d.Light <= 0 {
		return nil
	}
	fw, fh := float64(d.Frame.X), float64(d.Frame.Y)
	dx, dy := math.Cos(d.LightAngle), math.Sin(d.LightAngle)
	half := (math.Abs(dx)*fw + math.Abs(dy)*fh) / 2
	m := make([]float64, d.Frame.X*d.Frame.Y)
	for y := range d.Frame.Y {
		for x := range d.Frame.X {
			px, py := float64(x)+0.5-fw/2, float64(y)+0.5-fh/2
			g := (px*dx + py*dy) / half // -1..1 along the gradient
			r := (px*px)/(fw*fw/4) + (py*py)/(fh*fh/4)
			m[y*d.Frame.X+x] = 1 - d.Light*(0.35*(1+g)+0.3*math.Min(r, 1))
		}
	}
	return m
}

// gaussianBlur blurs img with a separable Gaussian of standard deviation
// sigma, clamping at the edges.
func gaussianBlur(img *image.RGBA, sigma float64) *image.RGBA {
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	var sum float32
	for i := range k {
		x := float64(i - r)
		k[i] = float32(math.Exp(-x * x / (2 * sigma * sigma)))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	// horizontal pass into a float buffer, a padded row at a time
	tmp := make([]float32, w*h*4)
	row := make([]float32, (w+2*r)*4)
	for y := range h {
		src := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := -r; x < w+r; x++ {
			sx := min(max(x, 0), w-1)
			for c := range 3 {
				row[(x+r)*4+c] = float32(src[4*sx+c])
			}
		}
		dst := tmp[y*w*4 : (y+1)*w*4]
		for x := range w {
			var a0, a1, a2 float32
			base := x * 4
			for i, kv := range k {
				o := base + i*4
				a0 += kv * row[o]
				a1 += kv * row[o+1]
				a2 += kv * row[o+2]
			}
			dst[x*4], dst[x*4+1], dst[x*4+2] = a0, a1, a2
		}
	}
	// vertical pass
	out := image.NewRGBA(img.Rect)
	acc := make([]float32, w*4)
	for y := range h {
		clear(acc)
		for i, kv := range k {
			sy := min(max(y+i-r, 0), h-1)
			src := tmp[sy*w*4 : (sy+1)*w*4]
			for j := range acc {
				acc[j] += kv * src[j]
			}
		}
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := range w {
			dst[4*x] = clampByte(float64(acc[4*x]))
			dst[4*x+1] = clampByte(float64(acc[4*x+1]))
			dst[4*x+2] = clampByte(float64(acc[4*x+2]))
			dst[4*x+3] = 255
		}
	}
	return out
}

func jpegRoundTrip(img *image.RGBA, q int) (*image.RGBA, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, fmt.Errorf("specimen: degrade: jpeg: %w", err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("specimen: degrade: jpeg: %w", err)
	}
	out := image.NewRGBA(dec.Bounds())
	draw.Draw(out, out.Rect, dec, dec.Bounds().Min, draw.Src)
	return out, nil
}
