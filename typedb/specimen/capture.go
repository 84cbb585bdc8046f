package specimen

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"

	"github.com/docscan/docscan/typedb"
	xdraw "golang.org/x/image/draw"
)

// Capture kinds a varied specimen is photographed or scanned with.
const (
	CaptureScanner = "scanner" // on a flatbed's dark glass: square on, little blur
	CapturePhone   = "phone"   // on a desk: perspective, glare, shadow, blur, JPEG
)

// The bounds of VariedCapture at strength 1.
const (
	MaxTilt       = 15 // degrees out of the image plane
	MinJPEGPhone  = 70 // the lowest JPEG quality of a phone capture
	MaxPhoneBlur  = 2.0
	MaxPhoneNoise = 8.0
)

// VariedCapture draws how a side is captured by kind (CaptureScanner or
// CapturePhone) at strength 0–1 (1 takes every bound to its limit):
//   - scanner: the document on a dark glass, turned up to ±3°, light
//     blur and noise, JPEG 85–95 half the time;
//   - phone: on a desk of any colour and grain, turned anywhere (up to
//     ±20°, and a quarter of the time held the other way), tilted out of
//     plane up to MaxTilt, uneven light, glare, shadow, blur up to
//     MaxPhoneBlur, noise, and JPEG down to MinJPEGPhone.
//
// Both round the document's corners.
func VariedCapture(rng *rand.Rand, kind string, strength float64) Degradation {
	s := clampF(strength, 0, 1)
	d := Degradation{
		Shift:        [2]float64{2*rng.Float64() - 1, 2*rng.Float64() - 1},
		LightAngle:   2 * math.Pi * rng.Float64(),
		CornerRadius: 0.025 + 0.015*rng.Float64(),
	}
	if kind == CaptureScanner {
		v := uint8(8 + rng.IntN(24))
		d.Background = color.RGBA{v, v, v + uint8(rng.IntN(4)), 255}
		d.Scale = 0.6 + 0.3*rng.Float64()
		d.Rotate = s * 3 * (2*rng.Float64() - 1)
		d.Light = s * 0.15 * rng.Float64()
		d.Blur = s * 0.8 * rng.Float64()
		d.Noise = s * 3 * rng.Float64()
		if rng.IntN(2) == 0 {
			d.JPEGQuality = 95 - int(math.Round(s*10*rng.Float64()))
		}
		return d
	}
	// a desk: any hue, from dark to light
	base := 40 + 180*rng.Float64()
	tint := [3]float64{rng.Float64(), rng.Float64(), rng.Float64()}
	d.Background = color.RGBA{
		clampByte(base * (0.7 + 0.5*tint[0])), clampByte(base * (0.7 + 0.5*tint[1])), clampByte(base * (0.7 + 0.5*tint[2])), 255}
	d.Desk = 0.3 + 0.7*rng.Float64()
	d.Scale = 0.45 + 0.45*rng.Float64()
	d.Rotate = s * 20 * (2*rng.Float64() - 1)
	if rng.IntN(4) == 0 {
		d.Rotate += float64(90 * (1 + rng.IntN(3)))
	}
	tilt, dir := s*MaxTilt*math.Sqrt(rng.Float64()), 2*math.Pi*rng.Float64()
	d.Tilt = [2]float64{tilt * math.Cos(dir), tilt * math.Sin(dir)}
	d.Light = s * 0.4 * rng.Float64()
	if rng.IntN(10) < 6 {
		d.Glare = s * (0.3 + 0.6*rng.Float64())
		d.GlareAt = [2]float64{0.2 + 0.6*rng.Float64(), 0.2 + 0.6*rng.Float64()}
		d.GlareSize = 0.04 + 0.1*rng.Float64()
	}
	if rng.IntN(2) == 0 {
		d.Shadow = s * 0.5 * rng.Float64()
		d.ShadowAt = [2]float64{rng.Float64(), rng.Float64()}
		d.ShadowAngle = 2 * math.Pi * rng.Float64()
	}
	d.Blur = s * MaxPhoneBlur * rng.Float64()
	d.Noise = 1 + s*(MaxPhoneNoise-1)*rng.Float64()
	d.JPEGQuality = 95 - int(math.Round(s*float64(95-MinJPEGPhone)*rng.Float64()))
	return d
}

// background returns a frame filled with d's background: a uniform
// colour, or with Desk a wood grain drawn from seed.
func background(d Degradation, seed int64) *image.RGBA {
	out := image.NewRGBA(image.Rectangle{Max: d.Frame})
	draw.Draw(out, out.Rect, &image.Uniform{d.Background}, image.Point{}, draw.Src)
	if d.Desk <= 0 {
		return out
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xde5c))
	ang := math.Pi * rng.Float64()
	ca, sa := math.Cos(ang), math.Sin(ang)
	p1, p2 := 6+10*rng.Float64(), 80+200*rng.Float64()
	for y := range d.Frame.Y {
		for x := range d.Frame.X {
			u, v := float64(x)*ca+float64(y)*sa, -float64(x)*sa+float64(y)*ca
			g := math.Sin(2 * math.Pi * (v/p1 + 0.8*math.Sin(2*math.Pi*u/p2) + 0.3*math.Sin(2*math.Pi*v/(p2*1.7))))
			k := 1 + d.Desk*(0.12*g+0.04*(rng.Float64()-0.5))
			o := out.PixOffset(x, y)
			out.Pix[o] = clampByte(float64(out.Pix[o]) * k)
			out.Pix[o+1] = clampByte(float64(out.Pix[o+1]) * k)
			out.Pix[o+2] = clampByte(float64(out.Pix[o+2]) * k)
		}
	}
	return out
}

// glareShadow lays d's glare and shadow over a frame.
func glareShadow(img *image.RGBA, d Degradation) {
	if d.Glare <= 0 && d.Shadow <= 0 {
		return
	}
	fw, fh := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	diag := math.Hypot(fw, fh)
	gx, gy := d.GlareAt[0]*fw, d.GlareAt[1]*fh
	gs := math.Max(d.GlareSize, 0.01) * diag
	sx, sy := d.ShadowAt[0]*fw, d.ShadowAt[1]*fh
	nx, ny := math.Cos(d.ShadowAngle), math.Sin(d.ShadowAngle)
	soft := 0.03 * diag
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			px, py := float64(x)+0.5, float64(y)+0.5
			o := img.PixOffset(x, y)
			if d.Shadow > 0 {
				k := 1 - d.Shadow*smooth(-soft, soft, (px-sx)*nx+(py-sy)*ny)
				for c := range 3 {
					img.Pix[o+c] = clampByte(float64(img.Pix[o+c]) * k)
				}
			}
			if d.Glare > 0 {
				r2 := ((px-gx)*(px-gx) + (py-gy)*(py-gy)) / (gs * gs)
				if r2 < 9 {
					g := d.Glare * math.Exp(-r2/2)
					for c := range 3 {
						v := float64(img.Pix[o+c])
						img.Pix[o+c] = clampByte(v + (255-v)*g)
					}
				}
			}
		}
	}
}

// degradeProjective is Degrade for a tilted document or one with round
// corners: a homography from the document to the frame, sampled
// bilinearly, the background showing beyond its edges and corners.
func degradeProjective(layers []*image.RGBA, d Degradation, seed int64) (*Placed, error) {
	fw, fh := float64(d.Frame.X), float64(d.Frame.Y)
	src := layers[0].Rect
	sw, sh := float64(src.Dx()), float64(src.Dy())
	th := d.Rotate * math.Pi / 180
	cos, sin := math.Cos(th), math.Sin(th)
	tx, ty := d.Tilt[0]*math.Pi/180, d.Tilt[1]*math.Pi/180
	f := 0.9 * math.Max(fw, fh) // the camera's focal length, in pixels
	// corners at scale s, about the document's centre
	corners := func(s float64) (c [4][2]float64, w, h float64) {
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for i, p := range [4][2]float64{{-sw / 2, -sh / 2}, {sw / 2, -sh / 2}, {sw / 2, sh / 2}, {-sw / 2, sh / 2}} {
			x, y := p[0]*s, p[1]*s
			// turn about the horizontal axis, then the vertical one
			y1, z1 := y*math.Cos(tx), y*math.Sin(tx)
			x2, z2 := x*math.Cos(ty)+z1*math.Sin(ty), -x*math.Sin(ty)+z1*math.Cos(ty)
			k := f / (f + z2)
			px, py := x2*k, y1*k
			// then in the image plane (y down: counter-clockwise is negative)
			c[i] = [2]float64{px*cos + py*sin, -px*sin + py*cos}
			minX, maxX = math.Min(minX, c[i][0]), math.Max(maxX, c[i][0])
			minY, maxY = math.Min(minY, c[i][1]), math.Max(maxY, c[i][1])
		}
		return c, maxX - minX, maxY - minY
	}
	s := d.Scale * fw / sw
	c, w, h := corners(s)
	for range 8 {
		if w <= fw*0.99 && h <= fh*0.99 {
			break
		}
		s *= math.Min(fw/w, fh/h) * 0.98
		c, w, h = corners(s)
	}
	cx := fw/2 + clampF(d.Shift[0], -1, 1)*(fw-w)/2
	cy := fh/2 + clampF(d.Shift[1], -1, 1)*(fh-h)/2
	var p Placed
	for i := range c {
		p.Corners[i] = [2]float64{c[i][0] + cx, c[i][1] + cy}
	}
	// shrink the layers first where the frame shows them much smaller,
	// so fine print is averaged, not aliased
	scaled := layers
	if s < 0.75 {
		nw, nh := int(math.Ceil(sw*s*1.3)), int(math.Ceil(sh*s*1.3))
		scaled = nil
		for _, l := range layers {
			dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
			xdraw.BiLinear.Scale(dst, dst.Rect, l, l.Rect, xdraw.Src, nil)
			scaled = append(scaled, dst)
		}
	}
	lw, lh := float64(scaled[0].Rect.Dx()), float64(scaled[0].Rect.Dy())
	hm, err := homography([4][2]float64{{0, 0}, {lw, 0}, {lw, lh}, {0, lh}}, p.Corners)
	if err != nil {
		return nil, err
	}
	inv, err := invert3(hm)
	if err != nil {
		return nil, err
	}
	rad := d.CornerRadius * lw
	light := lightMap(d)
	rng := rand.New(rand.NewPCG(uint64(seed), 0xde9ade))
	for _, l := range scaled {
		out := background(d, seed)
		warp(out, l, inv, rad)
		out, err := spoil(out, d, light, rng)
		if err != nil {
			return nil, err
		}
		p.Layers = append(p.Layers, out)
	}
	return &p, nil
}

// warp draws src into dst through inv (frame → document), bilinearly;
// where a tap falls off the document, or outside its corners rounded to
// radius rad, dst's own pixel shows.
func warp(dst, src *image.RGBA, inv [9]float64, rad float64) {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	fw, fh := float64(sw), float64(sh)
	inside := func(x, y int) bool {
		if x < 0 || y < 0 || x >= sw || y >= sh {
			return false
		}
		if rad <= 0 {
			return true
		}
		px, py := float64(x)+0.5, float64(y)+0.5
		cx, cy := math.Min(math.Max(px, rad), fw-rad), math.Min(math.Max(py, rad), fh-rad)
		return (px-cx)*(px-cx)+(py-cy)*(py-cy) <= rad*rad
	}
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			X, Y := float64(x)+0.5, float64(y)+0.5
			wz := inv[6]*X + inv[7]*Y + inv[8]
			u := (inv[0]*X+inv[1]*Y+inv[2])/wz - 0.5
			v := (inv[3]*X+inv[4]*Y+inv[5])/wz - 0.5
			if u < -1 || v < -1 || u > fw || v > fh {
				continue
			}
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			ax, ay := u-float64(x0), v-float64(y0)
			o := dst.PixOffset(x, y)
			var acc [3]float64
			for _, t := range [4]struct {
				dx, dy int
				w      float64
			}{{0, 0, (1 - ax) * (1 - ay)}, {1, 0, ax * (1 - ay)}, {0, 1, (1 - ax) * ay}, {1, 1, ax * ay}} {
				sx, sy := x0+t.dx, y0+t.dy
				if inside(sx, sy) {
					so := src.PixOffset(sx, sy)
					for c := range 3 {
						acc[c] += t.w * float64(src.Pix[so+c])
					}
				} else {
					for c := range 3 {
						acc[c] += t.w * float64(dst.Pix[o+c])
					}
				}
			}
			for c := range 3 {
				dst.Pix[o+c] = clampByte(acc[c])
			}
		}
	}
}

// homography returns the 3×3 matrix (row major, h[8] = 1) that maps each
// from[i] to to[i].
func homography(from, to [4][2]float64) ([9]float64, error) {
	var a [8][9]float64
	for i := range 4 {
		x, y, X, Y := from[i][0], from[i][1], to[i][0], to[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -X * x, -X * y, X}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -Y * x, -Y * y, Y}
	}
	// Gaussian elimination with partial pivoting
	for col := range 8 {
		piv := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		if math.Abs(a[piv][col]) < 1e-12 {
			return [9]float64{}, errors.New("specimen: degrade: degenerate placement")
		}
		a[col], a[piv] = a[piv], a[col]
		for r := range 8 {
			if r == col {
				continue
			}
			k := a[r][col] / a[col][col]
			for c := col; c < 9; c++ {
				a[r][c] -= k * a[col][c]
			}
		}
	}
	var h [9]float64
	for i := range 8 {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h, nil
}

// invert3 inverts a 3×3 matrix.
func invert3(m [9]float64) ([9]float64, error) {
	det := m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
	if math.Abs(det) < 1e-12 {
		return [9]float64{}, errors.New("specimen: degrade: singular placement")
	}
	return [9]float64{
		(m[4]*m[8] - m[5]*m[7]) / det, (m[2]*m[7] - m[1]*m[8]) / det, (m[1]*m[5] - m[2]*m[4]) / det,
		(m[5]*m[6] - m[3]*m[8]) / det, (m[0]*m[8] - m[2]*m[6]) / det, (m[2]*m[3] - m[0]*m[5]) / det,
		(m[3]*m[7] - m[4]*m[6]) / det, (m[1]*m[6] - m[0]*m[7]) / det, (m[0]*m[4] - m[1]*m[3]) / det,
	}, nil
}

// Captured is one side of a specimen as a scanner or a phone caught it.
type Captured struct {
	Side typedb.SideName `json:"side"`
	Kind string          `json:"kind"`
	// Degradation is what was drawn; its JPEGQuality is applied by
	// Images and by WriteCaptures, not yet to Layers.
	Degradation Degradation `json:"degradation"`
	// Corners are the document's corners in the frame (see Placed).
	Corners [4][2]float64 `json:"corners"`
	// Layers are the white frame, then for a scanner the IR and UV ones.
	Layers []*image.RGBA `json:"-"`
}

// CaptureSides captures every side of spec by kind (CaptureScanner,
// CapturePhone, or "" to draw one of them from seed for the document) at
// strength 0–1, each side drawn by VariedCapture from seed.
func CaptureSides(ctx context.Context, spec *Specimen, kind string, strength float64, seed int64) ([]Captured, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xc4a7))
	switch kind {
	case "":
		kind = CaptureScanner
		if rng.IntN(2) == 0 {
			kind = CapturePhone
		}
	case CaptureScanner, CapturePhone:
	default:
		return nil, fmt.Errorf("specimen: unknown capture %q (want %s or %s)", kind, CaptureScanner, CapturePhone)
	}
	var out []Captured
	for i, s := range spec.Sides {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := VariedCapture(rng, kind, strength)
		layers := []*image.RGBA{s.White}
		if kind == CaptureScanner {
			layers = append(layers, s.IR, s.UV)
		}
		q := d.JPEGQuality
		d.JPEGQuality = 0
		p, err := Degrade(layers, d, seed*7+int64(i))
		if err != nil {
			return nil, err
		}
		d.JPEGQuality = q
		out = append(out, Captured{Side: s.Name, Kind: kind, Degradation: d, Corners: p.Corners, Layers: p.Layers})
	}
	return out, nil
}

// Images returns the captured layers as a file of the drawn JPEG quality
// would decode them.
func (c Captured) Images() ([]*image.RGBA, error) {
	q := c.Degradation.JPEGQuality
	if q < 1 || q > 100 {
		return c.Layers, nil
	}
	out := make([]*image.RGBA, len(c.Layers))
	for i, l := range c.Layers {
		var err error
		if out[i], err = jpegRoundTrip(l, q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LaminateGlare returns a copy of card with a glare on its laminate: a
// reflection that washes the card out towards grey (to level, 0..255)
// over a disc centred at at (fractions of the card's width and height)
// of radius radius (a part of its width), full for the inner part and
// fading to nothing at its rim. Unlike Degradation's Glare, which lights
// the whole frame, it lies on the card alone: the matte desk beside it
// does not reflect it.
func LaminateGlare(card *image.RGBA, at [2]float64, radius float64, level uint8) *image.RGBA {
	b := card.Rect
	out := image.NewRGBA(b)
	copy(out.Pix, card.Pix)
	cx := float64(b.Min.X) + at[0]*float64(b.Dx())
	cy := float64(b.Min.Y) + at[1]*float64(b.Dy())
	rad := math.Max(radius*float64(b.Dx()), 1)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			// full within 3/8 of the radius, fading to its rim
			g := math.Min(1, math.Max(0, 1.6-1.6*math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)/rad))
			if g == 0 {
				continue
			}
			o := out.PixOffset(x, y)
			for k := range 3 {
				v := float64(out.Pix[o+k])
				out.Pix[o+k] = clampByte(v + (float64(level)-v)*g)
			}
		}
	}
	return out
}
