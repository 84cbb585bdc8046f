// Package mrztest renders test scenes for the MRZ engine: MRZ lines in
// the Debian OCR-B font on a document with other print, placed in a
// frame at any rotation, with perspective, busy background, glare, low
// contrast, blur, noise and JPEG compression, together with where the
// lines ended up.
package mrztest

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
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Font files from Debian's fonts-ocr-b and fonts-dejavu-core. The
// x/image rasteriser cannot parse a few glyphs of the regular OCR-B ('8'
// and '<' use the CFF flex1 operator); those come from the sharp style,
// which has the same metrics.
const (
	OCRBPath      = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
	OCRBSharpPath = "/usr/share/fonts/opentype/ocr-b/OCRBS.otf"
	DejaVuPath    = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	// DejaVuMonoPath is a monospace font that is not OCR-B, as some
	// states and other hands print their MRZs in.
	DejaVuMonoPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
	// LiberationMonoPath and NotoMonoPath are further monospace fonts
	// (Debian's fonts-liberation2 and fonts-noto-mono) that varied
	// specimens print MRZs in.
	LiberationMonoPath = "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf"
	NotoMonoPath       = "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf"
)

// ErrNoFont is returned when a font file is not installed.
var ErrNoFont = errors.New("mrztest: font not installed")

// Fonts are the parsed fonts scenes are drawn with.
type Fonts struct {
	ocrb, ocrbSharp, text, mono *opentype.Font

	mu    sync.Mutex
	other map[string]*opentype.Font // MonoPath fonts, parsed on first use
}

func loadFont(path string) (*opentype.Font, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoFont, err)
	}
	return opentype.Parse(b)
}

// Font returns the font of the file at path, parsed once.
func (f *Fonts) Font(path string) (*opentype.Font, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fo, ok := f.other[path]; ok {
		return fo, nil
	}
	fo, err := loadFont(path)
	if err != nil {
		return nil, err
	}
	if f.other == nil {
		f.other = map[string]*opentype.Font{}
	}
	f.other[path] = fo
	return fo, nil
}

// LoadFonts parses the OCR-B and DejaVu fonts.
func LoadFonts() (*Fonts, error) {
	load := loadFont
	o, err := load(OCRBPath)
	if err != nil {
		return nil, err
	}
	os, err := load(OCRBSharpPath)
	if err != nil {
		return nil, err
	}
	t, err := load(DejaVuPath)
	if err != nil {
		return nil, err
	}
	m, err := load(DejaVuMonoPath)
	if err != nil {
		return nil, err
	}
	return &Fonts{ocrb: o, ocrbSharp: os, text: t, mono: m}, nil
}

// Scene describes one rendered photo of a document.
type Scene struct {
	Lines []string
	// CapHeight is the MRZ character height in document pixels (20).
	CapHeight float64
	// Rotate turns the document clockwise in the frame, in degrees.
	Rotate float64
	// Perspective shortens the document's top edge by this fraction
	// (0–0.3), as seen by a tilted camera.
	Perspective float64
	// Scale is frame pixels per document pixel (1).
	Scale float64
	// Margin is the frame's extra size around the document, relative to
	// its size (0.3).
	Margin float64
	// LineStep is the distance between the lines' baselines, in
	// character heights (1.85; ICAO's 6 lines per inch with the smallest
	// characters give about 2.1).
	LineStep float64
	// Bottom is the distance from the last line's baseline to the
	// document's bottom edge, in character heights (1.2): small puts the
	// last line against the edge, as some cards print it.
	Bottom float64
	// Plain draws the lines in DejaVu Sans instead of OCR-B: ordinary
	// print where an MRZ would be.
	Plain bool
	// Mono draws the lines in DejaVu Sans Mono, at its own pitch: an MRZ
	// in another monospace font.
	Mono bool
	// MonoPath, when set, draws the lines in the monospace font of this
	// file instead (LiberationMonoPath, NotoMonoPath); Render returns
	// ErrNoFont when it is not installed.
	MonoPath string
	// Pitch sets the characters' pitch, in character heights, instead
	// of the font's own advance: above about 1.1, letters spaced wider
	// than OCR-B's, as some printers set another monospace font.
	Pitch float64
	Busy  bool // a cluttered background instead of a plain one
	Glare bool // a bright reflection across part of the document
	// MRZGlare adds a reflection of this brightness (grey levels) centred
	// on the middle of the MRZ.
	MRZGlare float64
	// Rule draws a grey printed rule (a frame's edge, a line of the data
	// page) above the first MRZ line: Rule[0] and Rule[1] are its gaps
	// above the characters' tops at the line's first and last character,
	// in character heights (0 touches them); nil draws none.
	Rule  []float64
	Dim   float64 // print contrast: 1 full (default), 0.35 faint
	Blur  float64 // Gaussian sigma in frame pixels
	Noise float64 // standard deviation of added noise, grey levels
	JPEG  int     // JPEG quality, 0 for none
	Seed  uint64
}

// Point is a frame position.
type Point struct{ X, Y float64 }

// Truth says where the MRZ lines are in the frame: each line's centre
// line from its first character to its last, in reading order.
type Truth struct {
	Lines     [][2]Point
	CapHeight float64 // in frame pixels, near the lines' middle
}

// Render draws the scene.
func (s Scene) Render(f *Fonts) (*image.Gray, Truth, error) {
	if len(s.Lines) == 0 {
		return nil, Truth{}, errors.New("mrztest: no lines")
	}
	if s.CapHeight == 0 {
		s.CapHeight = 20
	}
	if s.Scale == 0 {
		s.Scale = 1
	}
	if s.Margin == 0 {
		s.Margin = 0.3
	}
	if s.Dim == 0 {
		s.Dim = 1
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x6d727a))
	doc, lines, err := s.document(f, rng)
	if err != nil {
		return nil, Truth{}, err
	}
	frame, h := s.place(doc, lines, rng)
	var t Truth
	for _, l := range lines {
		a, b := h.apply(l[0].X, l[0].Y), h.apply(l[1].X, l[1].Y)
		t.Lines = append(t.Lines, [2]Point{a, b})
	}
	mid := lines[len(lines)/2]
	cx, cy := (mid[0].X+mid[1].X)/2, (mid[0].Y+mid[1].Y)/2
	p0, p1 := h.apply(cx, cy-s.CapHeight/2), h.apply(cx, cy+s.CapHeight/2)
	t.CapHeight = math.Hypot(p1.X-p0.X, p1.Y-p0.Y)

	if s.Blur > 0 {
		gaussBlur(frame, s.Blur)
	}
	if s.Noise > 0 {
		for i, v := range frame.Pix {
			frame.Pix[i] = clamp(float64(v) + rng.NormFloat64()*s.Noise)
		}
	}
	if s.JPEG > 0 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, frame, &jpeg.Options{Quality: s.JPEG}); err != nil {
			return nil, Truth{}, err
		}
		img, err := jpeg.Decode(&buf)
		if err != nil {
			return nil, Truth{}, err
		}
		g, ok := img.(*image.Gray)
		if !ok {
			return nil, Truth{}, fmt.Errorf("mrztest: JPEG decoded as %T", img)
		}
		frame = g
	}
	return frame, t, nil
}

// document draws the document and returns where its MRZ lines are.
func (s Scene) document(f *Fonts, rng *rand.Rand) (*image.Gray, [][2]Point, error) {
	capH := s.CapHeight
	faces := make([]font.Face, 2)
	fonts := []*opentype.Font{f.ocrb, f.ocrbSharp}
	switch {
	case s.MonoPath != "":
		m, err := f.Font(s.MonoPath)
		if err != nil {
			return nil, nil, err
		}
		fonts = []*opentype.Font{m, m}
	case s.Mono:
		fonts = []*opentype.Font{f.mono, f.mono}
	}
	for i, fo := range fonts {
		// Size so that the capitals are capH tall (H is 0.6 em or so).
		probe, err := opentype.NewFace(fo, &opentype.FaceOptions{Size: 100, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, nil, err
		}
		hb, _, _ := probe.GlyphBounds('H')
		probe.Close()
		capEm := float64(hb.Max.Y-hb.Min.Y) / 64 / 100
		face, err := opentype.NewFace(fo, &opentype.FaceOptions{Size: capH / capEm, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, nil, err
		}
		defer face.Close()
		faces[i] = face
	}
	adv, _ := faces[0].GlyphAdvance('H')
	pitch := float64(adv) / 64
	if s.Pitch > 0 {
		pitch = s.Pitch * capH
	}
	n := len(s.Lines[0])
	margin := 2.5 * pitch
	w := int(float64(n)*pitch + 2*margin)
	ratio := 1.42 // passport page
	if n == 30 {
		ratio = 1.585 // ID-1 card
	}
	h := int(float64(w) / ratio)
	lineStep := 1.85 * capH
	if s.LineStep > 0 {
		lineStep = s.LineStep * capH
	}
	bottom := 1.2 * capH
	if s.Bottom > 0 {
		bottom = s.Bottom * capH
	}
	if float64(h) < float64(len(s.Lines))*lineStep+bottom+4*capH {
		return nil, nil, errors.New("mrztest: document too small for its lines")
	}

	doc := image.NewGray(image.Rect(0, 0, w, h))
	paper := 215 + rng.Float64()*30
	phase := rng.Float64() * 6
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x), float64(y)
			// Faint guilloche.
			v := paper + 7*math.Sin(fx*0.11+3*math.Sin(fy*0.05+phase)) + 4*math.Sin((fx+fy)*0.031)
			doc.Pix[y*w+x] = clamp(v)
		}
	}
	ink := func(level float64) image.Image {
		return image.NewUniform(color.Gray{clamp(paper - (paper-level)*s.Dim)})
	}
	// A portrait-like dark block and some printed text above the MRZ.
	ph := float64(h) - float64(len(s.Lines))*lineStep - bottom - 2*capH
	photo := image.Rect(int(margin), int(1.5*capH), int(margin+0.75*ph), int(1.5*capH+ph))
	draw.Draw(doc, photo, ink(90+rng.Float64()*40), image.Point{}, draw.Src)
	text, err := opentype.NewFace(f.text, &opentype.FaceOptions{Size: capH * 0.9, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, nil, err
	}
	defer text.Close()
	words := []string{"SURNAME", "GIVEN NAMES", "NATIONALITY", "DATE OF BIRTH", "PLACE OF BIRTH", "AUTHORITY", "12 JAN 1980", "SPECIMEN", "UTOPIA", "DATE OF EXPIRY"}
	td := &font.Drawer{Dst: doc, Src: ink(70), Face: text}
	for y := 1.5*capH + capH; y < 1.5*capH+ph; y += 1.6 * capH {
		td.Dot = fixed.P(photo.Max.X+int(2*capH), int(y))
		td.DrawString(words[rng.IntN(len(words))])
	}

	// The MRZ: characters placed on the pitch, as printers do.
	src := ink(25)
	if s.Plain {
		faces = []font.Face{text}
	}
	var lines [][2]Point
	for i, l := range s.Lines {
		base := float64(h) - bottom - float64(len(s.Lines)-1-i)*lineStep
		for k := 0; k < len(l); k++ {
			x := margin + (float64(k)+0.5)*pitch
			for _, face := range faces {
				cw, _ := face.GlyphAdvance(rune(l[k]))
				dot := fixed.Point26_6{X: fixed.Int26_6((x - float64(cw)/128) * 64), Y: fixed.Int26_6(base * 64)}
				dr, mask, mp, _, ok := face.Glyph(dot, rune(l[k]))
				if ok {
					draw.DrawMask(doc, dr, src, image.Point{}, mask, mp, draw.Over)
					break
				}
			}
		}
		mid := base - capH/2
		lines = append(lines, [2]Point{{margin, mid}, {margin + float64(len(l))*pitch, mid}})
	}
	if len(s.Rule) == 2 {
		// across the page, through the gaps given at the first and last
		// character; a tenth of a character height thick (at least 1.2
		// px), anti-aliased, grey
		top := lines[0][0].Y - capH/2
		x0, x1 := margin, margin+float64(n)*pitch
		thick := math.Max(1.2, 0.1*capH)
		level := paper - (paper-95)*s.Dim
		for x := 0; x < w; x++ {
			gap := s.Rule[0] + (s.Rule[1]-s.Rule[0])*(float64(x)-x0)/(x1-x0)
			yc := top - gap*capH - thick/2
			for y := int(yc - thick); y <= int(yc+thick)+1; y++ {
				if y < 0 || y >= h {
					continue
				}
				cover := math.Max(0, math.Min(1, thick/2+0.5-math.Abs(float64(y)+0.5-yc)))
				i := y*w + x
				doc.Pix[i] = clamp(math.Min(float64(doc.Pix[i]), float64(doc.Pix[i])*(1-cover)+level*cover))
			}
		}
	}
	return doc, lines, nil
}

// homography maps document to frame coordinates.
type homography [9]float64

func (m homography) apply(x, y float64) Point {
	d := m[6]*x + m[7]*y + m[8]
	return Point{(m[0]*x + m[1]*y + m[2]) / d, (m[3]*x + m[4]*y + m[5]) / d}
}

// place puts the document into a frame and returns the frame and the
// document-to-frame mapping.
func (s Scene) place(doc *image.Gray, lines [][2]Point, rng *rand.Rand) (*image.Gray, homography) {
	w, h := float64(doc.Bounds().Dx()), float64(doc.Bounds().Dy())
	// Corners, top edge shortened for perspective, then rotated and scaled.
	src := [4]Point{{0, 0}, {w, 0}, {w, h}, {0, h}}
	sh := s.Perspective * w / 2
	dst := [4]Point{{sh, s.Perspective * h * 0.3}, {w - sh, s.Perspective * h * 0.3}, {w, h}, {0, h}}
	a := s.Rotate * math.Pi / 180
	cs, sn := math.Cos(a), math.Sin(a)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range dst {
		x, y := (p.X-w/2)*s.Scale, (p.Y-h/2)*s.Scale
		dst[i] = Point{x*cs - y*sn, x*sn + y*cs}
		minX, maxX = math.Min(minX, dst[i].X), math.Max(maxX, dst[i].X)
		minY, maxY = math.Min(minY, dst[i].Y), math.Max(maxY, dst[i].Y)
	}
	mx, my := (maxX-minX)*s.Margin, (maxY-minY)*s.Margin
	fw, fh := int(maxX-minX+2*mx), int(maxY-minY+2*my)
	offX := -minX + mx*(0.5+rng.Float64())
	offY := -minY + my*(0.5+rng.Float64())
	for i := range dst {
		dst[i].X += offX
		dst[i].Y += offY
	}
	fwd := solveHomography(src, dst)
	inv := solveHomography(dst, src)

	frame := image.NewGray(image.Rect(0, 0, fw, fh))
	s.background(frame, rng)
	var glareX, glareY, glareR float64
	glare := 0.0
	if s.Glare {
		glareX, glareY = w*(0.3+0.4*rng.Float64()), h*(0.5+0.4*rng.Float64())
		glareR, glare = w*0.25, 150
	}
	if s.MRZGlare > 0 {
		first, last := lines[0], lines[len(lines)-1]
		glareX = (first[0].X + first[1].X) / 2
		glareY = (first[0].Y + last[0].Y) / 2
		glareR, glare = w*0.12, s.MRZGlare
	}
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			p := inv.apply(float64(x)+0.5, float64(y)+0.5)
			if p.X < 0 || p.Y < 0 || p.X >= w || p.Y >= h {
				continue
			}
			v := bilinear(doc, p.X-0.5, p.Y-0.5)
			if glare > 0 {
				d2 := ((p.X-glareX)*(p.X-glareX) + 4*(p.Y-glareY)*(p.Y-glareY)) / (glareR * glareR)
				v += glare * math.Exp(-d2)
			}
			frame.Pix[y*fw+x] = clamp(v)
		}
	}
	return frame, fwd
}

func (s Scene) background(frame *image.Gray, rng *rand.Rand) {
	b := frame.Bounds()
	base := 60 + rng.Float64()*80
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			frame.Pix[y*frame.Stride+x] = clamp(base + 30*float64(x)/float64(b.Dx()))
		}
	}
	if !s.Busy {
		return
	}
	for range 40 {
		r := image.Rect(rng.IntN(b.Dx()), rng.IntN(b.Dy()), 0, 0)
		r.Max = r.Min.Add(image.Pt(5+rng.IntN(b.Dx()/4), 5+rng.IntN(b.Dy()/4)))
		draw.Draw(frame, r, image.NewUniform(color.Gray{uint8(rng.IntN(256))}), image.Point{}, draw.Src)
	}
	for range 30 { // thin dark strokes
		x0, y0 := rng.Float64()*float64(b.Dx()), rng.Float64()*float64(b.Dy())
		a := rng.Float64() * math.Pi
		l := 20 + rng.Float64()*float64(b.Dx())/3
		for t := 0.0; t < l; t++ {
			x, y := int(x0+t*math.Cos(a)), int(y0+t*math.Sin(a))
			if image.Pt(x, y).In(b) {
				frame.Pix[y*frame.Stride+x] = 20
			}
		}
	}
}

// solveHomography returns the homography taking each src point to dst.
func solveHomography(src, dst [4]Point) homography {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i].X, src[i].Y, dst[i].X, dst[i].Y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var m homography
	for i := 0; i < 8; i++ {
		m[i] = a[i][8] / a[i][i]
	}
	m[8] = 1
	return m
}

func bilinear(g *image.Gray, x, y float64) float64 {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	x = math.Max(0, math.Min(x, float64(w-1)))
	y = math.Max(0, math.Min(y, float64(h-1)))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 { return float64(g.Pix[y*g.Stride+x]) }
	top := at(x0, y0) + (at(x1, y0)-at(x0, y0))*fx
	bot := at(x0, y1) + (at(x1, y1)-at(x0, y1))*fx
	return top + (bot-top)*fy
}

func gaussBlur(g *image.Gray, sigma float64) {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	tmp := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s := 0.0
			for i, kv := range k {
				xx := min(max(x+i-r, 0), w-1)
				s += kv * float64(g.Pix[y*g.Stride+xx])
			}
			tmp[y*w+x] = s
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s := 0.0
			for i, kv := range k {
				yy := min(max(y+i-r, 0), h-1)
				s += kv * tmp[yy*w+x]
			}
			g.Pix[y*g.Stride+x] = clamp(s)
		}
	}
}

func clamp(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}
