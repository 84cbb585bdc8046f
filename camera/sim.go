package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/docscan/docscan/hal"
)

// Illumination tells the simulated camera how much each LED channel was
// lit during an exposure. hal.SimLEDs implements it.
type Illumination interface {
	OnFractions(from, to time.Time) [hal.NumChannels]float64
}

// Layer names a per-light image of a document side, as written by
// `docscan specimen`: DIR/<side>/<layer>.png.
type Layer int

// The layers a side carries.
const (
	LayerWhite Layer = iota
	LayerIR
	LayerUV
	numLayers
)

var layerFiles = [numLayers]string{"white.png", "ir.png", "uv.png"}

// String returns the layer's file name.
func (l Layer) String() string { return layerFiles[l] }

// ChannelLayer returns the layer a channel lights: white and axial
// channels the white layer, IR channels the IR layer, UV the UV layer.
func ChannelLayer(c hal.Channel) Layer {
	switch c {
	case hal.IRTop, hal.IRSide, hal.IRFront:
		return LayerIR
	case hal.UV:
		return LayerUV
	default:
		return LayerWhite
	}
}

// DefaultGains are the channel brightnesses of the simulator, relative to
// one light showing its layer as rendered. The axial lights are dimmer.
var DefaultGains = [hal.NumChannels]float64{
	hal.WhiteTop: 1, hal.WhiteSide: 1, hal.WhiteFront: 1,
	hal.IRTop: 1, hal.IRSide: 1, hal.IRFront: 1,
	hal.UV:        1,
	hal.AxialLeft: 0.6, hal.AxialRight: 0.6,
}

// SimOptions tune the simulated camera. Zero fields take the defaults.
type SimOptions struct {
	// Size is the frame size. Default 2592×1944, a common 5 MP document
	// camera: an ID-1 card rendered at 600 dpi fits at its own resolution.
	Size image.Point
	// FramePeriod is the sensor's frame time; each frame is exposed for a
	// whole period. Default 33 ms.
	FramePeriod time.Duration
	// Noise is the standard deviation of the sensor noise in 8-bit levels.
	// Default 2; negative means none.
	Noise float64
	// Dark is the black level added to every pixel. Default 10; negative
	// means 0.
	Dark int
	// DocScale is frame pixels per layer pixel. 0 keeps the layers' own
	// resolution when the document fits in 80 % of the frame and shrinks
	// it to 80 % otherwise.
	DocScale float64
	// DocOffset is where the document's top-left corner lies in the frame;
	// nil centres it.
	DocOffset *image.Point
	// Gains are per-channel brightnesses; all zero means DefaultGains.
	Gains [hal.NumChannels]float64
	// Seed makes the noise reproducible.
	Seed uint64
}

func (o SimOptions) withDefaults() SimOptions {
	if o.Size == (image.Point{}) {
		o.Size = image.Pt(2592, 1944)
	}
	if o.FramePeriod == 0 {
		o.FramePeriod = 33 * time.Millisecond
	}
	if o.Noise == 0 {
		o.Noise = 2
	}
	if o.Noise < 0 {
		o.Noise = 0
	}
	if o.Dark == 0 {
		o.Dark = 10
	}
	if o.Dark < 0 {
		o.Dark = 0
	}
	if o.Gains == ([hal.NumChannels]float64{}) {
		o.Gains = DefaultGains
	}
	return o
}

// SideImages are the three layers of one document side. All three must
// have the same size.
type SideImages struct {
	Name   string
	Layers [numLayers]image.Image
}

// Sim is the simulated camera. Frames follow a real frame clock: a frame
// is exposed for one FramePeriod, delivered at its end, and Capture
// returns the first frame whose exposure starts after it was called. Each
// frame is the dark glass plus, over the document, the sum of the layers
// weighted by how long each channel was lit during that exposure, plus
// noise.
//
// Placing, turning and resizing render the layers into frame geometry
// (once per side and size); Capture only composes, so it is never held up
// by a render.
type Sim struct {
	lights Illumination
	opts   SimOptions
	t0     time.Time

	renderMu sync.Mutex // serialises the document changes, which render

	mu       sync.Mutex
	size     image.Point
	sides    []SideImages // nil: the glass is empty
	scenes   []*scene     // per side at the current size, nil until rendered
	side     int
	exposure int
	closed   bool
	rng      *rand.Rand
	noise    []int8
}

// scene is a document side rendered into frame geometry: one RGBA plane
// per layer covering the part of the frame the document occupies.
// Immutable once built.
type scene struct {
	layers [numLayers]*image.RGBA // bounds: rect
	rect   image.Rectangle        // the visible document, in frame pixels
}

// ErrNoSide is returned when asking for a side the document lacks, or
// turning over a document that is not there.
var ErrNoSide = errors.New("no such document side")

// NewSim makes a simulated camera lit by lights, with an empty glass.
func NewSim(lights Illumination, opts SimOptions) (*Sim, error) {
	if lights == nil {
		return nil, errors.New("simulated camera needs an illumination source")
	}
	opts = opts.withDefaults()
	if err := checkSize(opts.Size); err != nil {
		return nil, err
	}
	if opts.FramePeriod < 0 || opts.DocScale < 0 {
		return nil, fmt.Errorf("invalid simulator options %+v", opts)
	}
	s := &Sim{lights: lights, opts: opts, t0: time.Now(), size: opts.Size,
		rng: rand.New(rand.NewPCG(opts.Seed, 0x5eed))}
	if opts.Noise > 0 {
		s.noise = make([]int8, noiseTableSize)
		for i := range s.noise {
			v := math.Round(s.rng.NormFloat64() * opts.Noise)
			s.noise[i] = int8(max(-127, min(127, v)))
		}
	}
	return s, nil
}

// noiseTableSize is larger than any frame row (8192 pixels × 4 bytes), so
// each row takes its noise from a random offset in it.
const noiseTableSize = 1 << 20

func checkSize(p image.Point) error {
	if p.X < 16 || p.Y < 16 || p.X > 8192 || p.Y > 8192 {
		return fmt.Errorf("frame size %dx%d out of range 16..8192", p.X, p.Y)
	}
	return nil
}

// LoadSides reads the document layers under dir: each subfolder holding
// white.png, ir.png and uv.png is a side. "front" comes first and "back"
// second; other sides follow in name order.
func LoadSides(dir string) ([]SideImages, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading document folder: %w", err)
	}
	var sides []SideImages
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), layerFiles[LayerWhite])); err != nil {
			continue
		}
		side := SideImages{Name: e.Name()}
		for l := range numLayers {
			img, err := readPNG(filepath.Join(dir, e.Name(), layerFiles[l]))
			if err != nil {
				return nil, fmt.Errorf("side %s: %w", e.Name(), err)
			}
			side.Layers[l] = img
		}
		sides = append(sides, side)
	}
	if len(sides) == 0 {
		return nil, fmt.Errorf("no document side under %s (want %s/<side>/white.png, ir.png, uv.png)", dir, dir)
	}
	rank := func(n string) int {
		switch n {
		case "front":
			return 0
		case "back":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(sides, func(a, b SideImages) int {
		if ra, rb := rank(a.Name), rank(b.Name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
	return sides, nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", filepath.Base(path), err)
	}
	return img, nil
}

// Place puts the document whose layers are under dir on the glass,
// showing its first side.
func (s *Sim) Place(dir string) error {
	sides, err := LoadSides(dir)
	if err != nil {
		return err
	}
	return s.PlaceSides(sides)
}

// PlaceSides puts a document given as images on the glass, showing its
// first side.
func (s *Sim) PlaceSides(sides []SideImages) error {
	if len(sides) == 0 {
		return errors.New("a document needs at least one side")
	}
	for _, sd := range sides {
		b := sd.Layers[LayerWhite]
		if b == nil {
			return fmt.Errorf("side %s has no white layer", sd.Name)
		}
		for l, img := range sd.Layers {
			if img == nil {
				return fmt.Errorf("side %s has no %s layer", sd.Name, Layer(l))
			}
			if img.Bounds().Size() != b.Bounds().Size() {
				return fmt.Errorf("side %s: %s is %v but white.png is %v", sd.Name, Layer(l), img.Bounds().Size(), b.Bounds().Size())
			}
		}
	}
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	s.mu.Lock()
	size := s.size
	s.mu.Unlock()
	sc := s.render(sides[0], size)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sides = sides
	s.scenes = make([]*scene, len(sides))
	s.scenes[0] = sc
	s.side = 0
	return nil
}

// Turn turns the document over: the next side faces the camera (front →
// back → front).
func (s *Sim) Turn() error {
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	s.mu.Lock()
	n := len(s.sides)
	next := 0
	if n > 0 {
		next = (s.side + 1) % n
	}
	s.mu.Unlock()
	if n == 0 {
		return fmt.Errorf("%w: the glass is empty", ErrNoSide)
	}
	s.showLocked(next)
	return nil
}

// ShowSide makes the named side face the camera.
func (s *Sim) ShowSide(name string) error {
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	s.mu.Lock()
	idx := -1
	for i, sd := range s.sides {
		if sd.Name == name {
			idx = i
		}
	}
	s.mu.Unlock()
	if idx < 0 {
		return fmt.Errorf("%w %q", ErrNoSide, name)
	}
	s.showLocked(idx)
	return nil
}

// showLocked shows side i, rendering it if needed. Called with renderMu
// held, so the document cannot change meanwhile.
func (s *Sim) showLocked(i int) {
	s.mu.Lock()
	sc, sd, size := s.scenes[i], s.sides[i], s.size
	s.mu.Unlock()
	if sc == nil {
		sc = s.render(sd, size)
	}
	s.mu.Lock()
	s.scenes[i] = sc
	s.side = i
	s.mu.Unlock()
}

// Side returns the name of the side facing the camera, "" when the glass
// is empty.
func (s *Sim) Side() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sides) == 0 {
		return ""
	}
	return s.sides[s.side].Name
}

// Remove takes the document off the glass.
func (s *Sim) Remove() {
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sides, s.scenes, s.side = nil, nil, 0
}

// DocumentRect returns where the document lies in the frame (empty when
// the glass is empty).
func (s *Sim) DocumentRect() image.Rectangle {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sides) == 0 || s.scenes[s.side] == nil {
		return image.Rectangle{}
	}
	return s.scenes[s.side].rect
}

// LastExposure returns the exposure last set.
func (s *Sim) LastExposure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exposure
}

// render places a side in a frame of the given size.
func (s *Sim) render(sd SideImages, size image.Point) *scene {
	src := sd.Layers[LayerWhite].Bounds().Size()
	scale := s.opts.DocScale
	if scale == 0 {
		scale = min(1, 0.8*min(float64(size.X)/float64(src.X), float64(size.Y)/float64(src.Y)))
	}
	dst := image.Pt(max(1, int(math.Round(float64(src.X)*scale))), max(1, int(math.Round(float64(src.Y)*scale))))
	off := image.Pt((size.X-dst.X)/2, (size.Y-dst.Y)/2)
	if s.opts.DocOffset != nil {
		off = *s.opts.DocOffset
	}
	placed := image.Rectangle{Min: off, Max: off.Add(dst)}
	sc := &scene{rect: placed.Intersect(image.Rectangle{Max: size})}
	for l, img := range sd.Layers {
		plane := image.NewRGBA(sc.rect)
		if dst == src {
			draw.Draw(plane, sc.rect, img, img.Bounds().Min.Add(sc.rect.Min.Sub(placed.Min)), draw.Src)
		} else {
			// Bilinear from the nearest 2×2 source pixels: fast enough to
			// render a 600 dpi card in tens of milliseconds.
			xdraw.ApproxBiLinear.Scale(plane, placed, img, img.Bounds(), xdraw.Src, nil)
		}
		sc.layers[l] = plane
	}
	return sc
}

// Configure implements hal.Camera. The simulator takes any size in
// 16..8192 and always delivers RGBA.
func (s *Sim) Configure(ctx context.Context, want hal.Format) (hal.Format, error) {
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return hal.Format{}, hal.ErrClosed
	}
	size := s.size
	if want.Width != 0 || want.Height != 0 {
		size = image.Pt(want.Width, want.Height)
		if err := checkSize(size); err != nil {
			s.mu.Unlock()
			return hal.Format{}, err
		}
	}
	changed := size != s.size
	if changed {
		s.size = size
		s.scenes = make([]*scene, len(s.sides))
	}
	present, cur := len(s.sides) > 0, s.side
	s.mu.Unlock()
	if changed && present {
		s.showLocked(cur)
	}
	return hal.Format{PixelFormat: "RGBA", Width: size.X, Height: size.Y}, nil
}

// SetExposure implements hal.Camera. The simulator records the value but
// renders every exposure as correctly chosen.
func (s *Sim) SetExposure(ctx context.Context, exposure int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return hal.ErrClosed
	}
	s.exposure = exposure
	return nil
}

// Capture implements hal.Camera: it waits for the end of the first frame
// whose exposure starts at or after the call, then composes that frame.
func (s *Sim) Capture(ctx context.Context) (hal.Frame, error) {
	called := time.Now()
	p := s.opts.FramePeriod
	n := uint64(0)
	if p > 0 {
		since := called.Sub(s.t0)
		n = uint64((since + p - 1) / p) // ceil: exposure starts ≥ called
	}
	start := s.t0.Add(time.Duration(n) * p)
	end := start.Add(p)
	if p > 0 {
		if err := hal.Sleep(ctx, time.Until(end)); err != nil {
			return hal.Frame{}, err
		}
	} else if err := ctx.Err(); err != nil {
		return hal.Frame{}, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return hal.Frame{}, hal.ErrClosed
	}
	var sc *scene
	if len(s.sides) > 0 {
		sc = s.scenes[s.side]
	}
	size := s.size
	var offsets []int
	if len(s.noise) > 0 {
		offsets = make([]int, size.Y)
		for i := range offsets {
			offsets[i] = s.rng.IntN(len(s.noise) - size.X*4)
		}
	}
	s.mu.Unlock()
	var frac [hal.NumChannels]float64
	if p > 0 {
		frac = s.lights.OnFractions(start, end)
	} else {
		frac = s.lights.OnFractions(called, called)
	}
	img := image.NewRGBA(image.Rectangle{Max: size})
	compose(img, sc, s.weights(frac), s.opts.Dark, s.noise, offsets)
	return hal.Frame{Image: img, Seq: n, Time: end}, nil
}

// weights turns per-channel on-fractions into per-layer weights, in 1/256.
func (s *Sim) weights(frac [hal.NumChannels]float64) [numLayers]uint32 {
	var w [numLayers]float64
	for c, f := range frac {
		w[ChannelLayer(hal.Channel(c))] += f * s.opts.Gains[c]
	}
	var out [numLayers]uint32
	for l, v := range w {
		out[l] = uint32(math.Round(min(v, 64) * 256))
	}
	return out
}

// compose writes dark + Σ weight·layer + noise into dst. It is the hot
// loop of the simulator (see BenchmarkCompose): only the lit layers are
// read, and only over the document.
func compose(dst *image.RGBA, sc *scene, w [numLayers]uint32, dark int, noise []int8, rowOffsets []int) {
	size := dst.Rect.Size()
	var planes []*image.RGBA
	var weights []uint32
	var doc image.Rectangle
	if sc != nil {
		doc = sc.rect
		for l := range numLayers {
			if w[l] != 0 {
				planes = append(planes, sc.layers[l])
				weights = append(weights, w[l])
			}
		}
	}
	// A zero-noise table keeps the inner loops free of branches.
	if len(noise) == 0 {
		noise, rowOffsets = zeroNoise[:], nil
	}
	n := size.X * 4
	x0, x1 := doc.Min.X*4, doc.Max.X*4
	for y := 0; y < size.Y; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+n]
		o := 0
		if rowOffsets != nil {
			o = min(rowOffsets[y], len(noise)-n)
		}
		nz := noise[o : o+n]
		if len(planes) == 0 || y < doc.Min.Y || y >= doc.Max.Y {
			composeRow0(row, nz, dark)
			continue
		}
		composeRow0(row[:x0], nz[:x0], dark)
		composeRow0(row[x1:], nz[x1:], dark)
		r, z := row[x0:x1], nz[x0:x1]
		line := func(p *image.RGBA) []uint8 {
			i := (y - doc.Min.Y) * p.Stride
			return p.Pix[i : i+x1-x0]
		}
		switch len(planes) {
		case 1:
			composeRow1(r, line(planes[0]), weights[0], z, dark)
		case 2:
			composeRow2(r, line(planes[0]), line(planes[1]), weights[0], weights[1], z, dark)
		default:
			composeRow3(r, line(planes[0]), line(planes[1]), line(planes[2]), weights[0], weights[1], weights[2], z, dark)
		}
	}
}

var zeroNoise [8192 * 4]int8

// clamp8 compiles to conditional moves, not branches, which matters
// where bright layers saturate.
func clamp8(v int) uint8 { return uint8(min(max(v, 0), 255)) }

func composeRow0(row []uint8, nz []int8, dark int) {
	nz = nz[:len(row)]
	for i := 0; i+3 < len(row); i += 4 {
		row[i] = clamp8(dark + int(nz[i]))
		row[i+1] = clamp8(dark + int(nz[i+1]))
		row[i+2] = clamp8(dark + int(nz[i+2]))
		row[i+3] = 0xff
	}
}

func composeRow1(row, a []uint8, wa uint32, nz []int8, dark int) {
	a, nz = a[:len(row)], nz[:len(row)]
	d := dark
	for i := 0; i+3 < len(row); i += 4 {
		row[i] = clamp8(int((wa*uint32(a[i])+128)>>8) + d + int(nz[i]))
		row[i+1] = clamp8(int((wa*uint32(a[i+1])+128)>>8) + d + int(nz[i+1]))
		row[i+2] = clamp8(int((wa*uint32(a[i+2])+128)>>8) + d + int(nz[i+2]))
		row[i+3] = 0xff
	}
}

func composeRow2(row, a, b []uint8, wa, wb uint32, nz []int8, dark int) {
	a, b, nz = a[:len(row)], b[:len(row)], nz[:len(row)]
	d := dark
	for i := 0; i+3 < len(row); i += 4 {
		row[i] = clamp8(int((wa*uint32(a[i])+wb*uint32(b[i])+128)>>8) + d + int(nz[i]))
		row[i+1] = clamp8(int((wa*uint32(a[i+1])+wb*uint32(b[i+1])+128)>>8) + d + int(nz[i+1]))
		row[i+2] = clamp8(int((wa*uint32(a[i+2])+wb*uint32(b[i+2])+128)>>8) + d + int(nz[i+2]))
		row[i+3] = 0xff
	}
}

func composeRow3(row, a, b, c []uint8, wa, wb, wc uint32, nz []int8, dark int) {
	a, b, c, nz = a[:len(row)], b[:len(row)], c[:len(row)], nz[:len(row)]
	d := dark
	for i := 0; i+3 < len(row); i += 4 {
		row[i] = clamp8(int((wa*uint32(a[i])+wb*uint32(b[i])+wc*uint32(c[i])+128)>>8) + d + int(nz[i]))
		row[i+1] = clamp8(int((wa*uint32(a[i+1])+wb*uint32(b[i+1])+wc*uint32(c[i+1])+128)>>8) + d + int(nz[i+1]))
		row[i+2] = clamp8(int((wa*uint32(a[i+2])+wb*uint32(b[i+2])+wc*uint32(c[i+2])+128)>>8) + d + int(nz[i+2]))
		row[i+3] = 0xff
	}
}

// Close implements hal.Camera.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

var _ hal.Camera = (*Sim)(nil)
