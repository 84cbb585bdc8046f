package imgutil

import (
	"errors"
	"image"
	"math"
	"math/bits"
	"slices"
)

// A baseline JPEG encoder for the result images (4:2:0, the standard
// Huffman tables, the IJG quality scale): image/jpeg's encoder converts
// every pixel through color.RGBToYCbCr, divides every coefficient, and
// writes the stream a byte at a time through an interface, which made it
// a sixth of a recognition's CPU. This one converts from RGBA rows in
// fixed point, subsamples chroma before converting it, uses a
// floating-point AAN DCT whose scale folds into the quantiser (a multiply
// per coefficient), and packs bits 64 at a time.

// zigzag[i] is the natural (row-major) index of the i-th coefficient in
// zig-zag order.
var zigzag = func() (z [64]int) {
	i, x, y := 0, 0, 0
	for i < 64 {
		z[i] = 8*y + x
		i++
		if (x+y)%2 == 0 { // moving up and right
			switch {
			case x == 7:
				y++
			case y == 0:
				x++
			default:
				x, y = x+1, y-1
			}
		} else { // moving down and left
			switch {
			case y == 7:
				x++
			case x == 0:
				y++
			default:
				x, y = x-1, y+1
			}
		}
	}
	return z
}()

// The quantisation tables of ITU T.81 Annex K.1, in natural order.
var (
	baseLumaQuant = [64]uint8{
		16, 11, 10, 16, 24, 40, 51, 61,
		12, 12, 14, 19, 26, 58, 60, 55,
		14, 13, 16, 24, 40, 57, 69, 56,
		14, 17, 22, 29, 51, 87, 80, 62,
		18, 22, 37, 56, 68, 109, 103, 77,
		24, 35, 55, 64, 81, 104, 113, 92,
		49, 64, 78, 87, 103, 121, 120, 101,
		72, 92, 95, 98, 112, 100, 103, 99,
	}
	baseChromaQuant = [64]uint8{
		17, 18, 24, 47, 99, 99, 99, 99,
		18, 21, 26, 66, 99, 99, 99, 99,
		24, 26, 56, 99, 99, 99, 99, 99,
		47, 66, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	}
)

// huffSpec is a Huffman table as JPEG's DHT carries it: the number of
// codes of each length 1..16, then the symbols in code order.
type huffSpec struct {
	counts  [16]uint8
	symbols []uint8
}

// The typical Huffman tables of ITU T.81 Annex K.3: luminance DC and AC,
// chrominance DC and AC.
var stdHuffman = [4]huffSpec{
	{[16]uint8{0, 1, 5, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d}, []uint8{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
	{[16]uint8{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77}, []uint8{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
}

// huffCode is a symbol's code: its bits, right-aligned, and length.
type huffCode struct {
	bits uint32
	n    uint8
}

// huffCodes are the codes of stdHuffman, indexed by symbol.
var huffCodes = func() (out [4][256]huffCode) {
	for t, s := range stdHuffman {
		code, k := uint32(0), 0
		for l, c := range s.counts {
			for range c {
				out[t][s.symbols[k]] = huffCode{code, uint8(l + 1)}
				code++
				k++
			}
			code <<= 1
		}
	}
	return out
}()

// aanScale[k] is the AAN DCT's output scale for frequency k.
var aanScale = func() (s [8]float64) {
	s[0] = 1
	for k := 1; k < 8; k++ {
		s[k] = math.Cos(float64(k)*math.Pi/16) * math.Sqrt2
	}
	return s
}()

// jpegTables are one quality's quantisers: the tables as written (zig-zag
// order) and the multipliers that turn AAN outputs into quantised
// coefficients (natural order).
type jpegTables struct {
	quant [2][64]uint8
	mul   [2][64]float32
}

func newJPEGTables(quality int) *jpegTables {
	quality = max(1, min(100, quality))
	scale := 200 - 2*quality
	if quality < 50 {
		scale = 5000 / quality
	}
	t := &jpegTables{}
	for c, base := range [2]*[64]uint8{&baseLumaQuant, &baseChromaQuant} {
		for i := range 64 {
			q := max(1, min(255, (int(base[i])*scale+50)/100))
			t.mul[c][i] = float32(1 / (float64(q) * aanScale[i/8] * aanScale[i%8] * 8))
		}
		for z, n := range zigzag {
			t.quant[c][z] = uint8(max(1, min(255, (int(base[n])*scale+50)/100)))
		}
	}
	return t
}

// AppendJPEG appends img encoded as a baseline JPEG of the given quality
// (1..100) to dst and returns the extended buffer.
func AppendJPEG(dst []byte, img *image.RGBA, quality int) ([]byte, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w < 1 || h < 1 || w >= 1<<16 || h >= 1<<16 {
		return dst, errors.New("imgutil: jpeg: image size out of range")
	}
	t := newJPEGTables(quality)
	// room for a document at the usual qualities (a quarter to a third
	// of a byte a pixel), so the buffer seldom grows
	dst = slices.Grow(dst, w*h/3+1024)
	dst = appendJPEGHeaders(dst, t, w, h)
	e := jpegEncoder{out: dst, t: t}
	e.encode(img)
	e.flushBits()
	e.out = append(e.out, 0xff, 0xd9)
	return e.out, nil
}

func appendJPEGHeaders(b []byte, t *jpegTables, w, h int) []byte {
	b = append(b, 0xff, 0xd8) // SOI
	// DQT: both tables, 8-bit
	b = append(b, 0xff, 0xdb, 0, 2+2*65)
	for c := range 2 {
		b = append(b, uint8(c))
		b = append(b, t.quant[c][:]...)
	}
	// SOF0: 8-bit, three components, luma sampled 2×2, chroma 1×1
	b = append(b, 0xff, 0xc0, 0, 17, 8, uint8(h>>8), uint8(h), uint8(w>>8), uint8(w), 3,
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	// DHT: the four tables
	n := 2
	for _, s := range stdHuffman {
		n += 17 + len(s.symbols)
	}
	b = append(b, 0xff, 0xc4, uint8(n>>8), uint8(n))
	for i, s := range stdHuffman {
		b = append(b, [4]uint8{0x00, 0x10, 0x01, 0x11}[i])
		b = append(b, s.counts[:]...)
		b = append(b, s.symbols...)
	}
	// SOS: three components, luma tables 0, chroma tables 1
	return append(b, 0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
}

// jpegEncoder writes the entropy-coded data of one image.
type jpegEncoder struct {
	out   []byte
	t     *jpegTables
	acc   uint64 // pending bits, left-aligned
	nbits uint
	dc    [3]int32 // the previous block's DC per component
}

// emit appends the n low bits of v (n ≤ 32) to the stream.
func (e *jpegEncoder) emit(v uint32, n uint) {
	e.acc |= uint64(v) << (64 - e.nbits - n)
	e.nbits += n
	if e.nbits >= 32 {
		e.flush32()
	}
}

// flush32 writes the top 32 pending bits, stuffing a zero after each 0xff.
func (e *jpegEncoder) flush32() {
	w := uint32(e.acc >> 32)
	if !hasFF(w) {
		e.out = append(e.out, uint8(w>>24), uint8(w>>16), uint8(w>>8), uint8(w))
	} else {
		for s := 24; s >= 0; s -= 8 {
			c := uint8(w >> s)
			e.out = append(e.out, c)
			if c == 0xff {
				e.out = append(e.out, 0)
			}
		}
	}
	e.acc <<= 32
	e.nbits -= 32
}

// hasFF reports whether any byte of w is 0xff.
func hasFF(w uint32) bool {
	x := ^w // a 0xff byte becomes 0x00
	return (x-0x01010101)&^x&0x80808080 != 0
}

// flushBits pads the last byte with ones, as T.81 asks.
func (e *jpegEncoder) flushBits() {
	for e.nbits >= 8 {
		c := uint8(e.acc >> 56)
		e.out = append(e.out, c)
		if c == 0xff {
			e.out = append(e.out, 0)
		}
		e.acc <<= 8
		e.nbits -= 8
	}
	if e.nbits > 0 {
		c := uint8(e.acc>>56) | uint8(0xff>>e.nbits)
		e.out = append(e.out, c)
		if c == 0xff {
			e.out = append(e.out, 0)
		}
		e.acc, e.nbits = 0, 0
	}
}

// encode writes the MCUs: 16×16 pixels, four luma blocks and one block
// of each chroma component, edges padded by repeating the last pixel.
func (e *jpegEncoder) encode(img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	mw := (w + 15) &^ 15
	// one MCU row of planes, level-shifted: luma mw×16, chroma mw/2×8
	ys := make([]float32, mw*16)
	cbs := make([]float32, mw/2*8)
	crs := make([]float32, mw/2*8)
	var blk [64]float32
	for my := 0; my < h; my += 16 {
		e.planes(img, my, ys, cbs, crs)
		for mx := 0; mx < mw; mx += 16 {
			for b := range 4 {
				x0, y0 := mx+8*(b&1), 8*(b>>1)
				for r := range 8 {
					copy(blk[8*r:8*r+8], ys[(y0+r)*mw+x0:])
				}
				e.block(&blk, 0)
			}
			for c, plane := range [2][]float32{cbs, crs} {
				for r := range 8 {
					copy(blk[8*r:8*r+8], plane[r*mw/2+mx/2:])
				}
				e.block(&blk, 1+c)
			}
		}
	}
}

// planes converts the MCU row starting at image row my into luma and
// 2×2-averaged chroma, minus 128, in Rec. 601 full range (JFIF).
func (e *jpegEncoder) planes(img *image.RGBA, my int, ys, cbs, crs []float32) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	mw := len(ys) / 16
	cw := mw / 2
	row := func(y int) []uint8 {
		y = min(y, h-1)
		o := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
		return img.Pix[o : o+4*w]
	}
	luma := func(p []uint8) float32 {
		return float32((19595*int32(p[0])+38470*int32(p[1])+7471*int32(p[2])+1<<15)>>16) - 128
	}
	for r := 0; r < 16; r += 2 {
		top, bot := row(my+r), row(my+r+1)
		yt, yb := ys[r*mw:(r+1)*mw], ys[(r+1)*mw:(r+2)*mw]
		cb, cr := cbs[r/2*cw:(r/2+1)*cw], crs[r/2*cw:(r/2+1)*cw]
		for cx := range cw {
			// the 2×2 pixels, the last column repeated past the edge
			x0, x1 := min(2*cx, w-1), min(2*cx+1, w-1)
			a, b := top[4*x0:4*x0+3:4*x0+3], top[4*x1:4*x1+3:4*x1+3]
			c, d := bot[4*x0:4*x0+3:4*x0+3], bot[4*x1:4*x1+3:4*x1+3]
			yt[2*cx], yt[2*cx+1] = luma(a), luma(b)
			yb[2*cx], yb[2*cx+1] = luma(c), luma(d)
			sr := int32(a[0]) + int32(b[0]) + int32(c[0]) + int32(d[0])
			sg := int32(a[1]) + int32(b[1]) + int32(c[1]) + int32(d[1])
			sb := int32(a[2]) + int32(b[2]) + int32(c[2]) + int32(d[2])
			// chroma of the mean colour (the sums are 4 times it)
			cb[cx] = float32(-11059*sr-21709*sg+32768*sb) * (1.0 / (4 * 65536))
			cr[cx] = float32(32768*sr-27439*sg-5329*sb) * (1.0 / (4 * 65536))
		}
	}
}

// block transforms, quantises and writes one 8×8 block of component c
// (0 luma, 1 Cb, 2 Cr).
func (e *jpegEncoder) block(b *[64]float32, c int) {
	fdctAAN(b)
	tab := 0
	if c > 0 {
		tab = 1
	}
	mul := &e.t.mul[tab]
	dcCodes, acCodes := &huffCodes[2*tab], &huffCodes[2*tab+1]
	dc := quantise(b[0], mul[0])
	diff := dc - e.dc[c]
	e.dc[c] = dc
	n, m := magnitude(diff)
	hc := dcCodes[n]
	e.emit(hc.bits, uint(hc.n))
	if n > 0 {
		e.emit(m, n)
	}
	run := 0
	for z := 1; z < 64; z++ {
		k := zigzag[z]
		v := quantise(b[k], mul[k])
		if v == 0 {
			run++
			continue
		}
		for run > 15 {
			zrl := acCodes[0xf0]
			e.emit(zrl.bits, uint(zrl.n))
			run -= 16
		}
		n, m := magnitude(v)
		hc := acCodes[uint8(run<<4)|uint8(n)]
		e.emit(hc.bits, uint(hc.n))
		e.emit(m, n)
		run = 0
	}
	if run > 0 {
		eob := acCodes[0x00]
		e.emit(eob.bits, uint(eob.n))
	}
}

// quantise rounds x·mul to the nearest integer, halves up, without a
// branch: the offset keeps the sum positive for any coefficient of 8-bit
// samples (|x·mul| < 2048), and float32 still resolves halves there.
func quantise(x, mul float32) int32 {
	return int32(x*mul+16384.5) - 16384
}

// magnitude is a coefficient's size category and its magnitude bits:
// negative values are sent as their ones' complement.
func magnitude(v int32) (uint, uint32) {
	a := v
	if v < 0 {
		a = -v
		v--
	}
	n := uint(bits.Len32(uint32(a)))
	return n, uint32(v) & (1<<n - 1)
}

// fdctAAN is the forward 8×8 DCT by Arai, Agui and Nakajima's
// factorisation, rows then columns; output (u, v) is the true
// coefficient times 8·aanScale[u]·aanScale[v], which the quantiser's
// multipliers divide out.
func fdctAAN(b *[64]float32) {
	for i := 0; i < 64; i += 8 {
		fdct1(b[i : i+8 : i+8])
	}
	var col [8]float32
	for i := range 8 {
		for k := range 8 {
			col[k] = b[8*k+i]
		}
		fdct1(col[:])
		for k := range 8 {
			b[8*k+i] = col[k]
		}
	}
}

// fdct1 is the one-dimensional AAN DCT of eight values, in place.
func fdct1(d []float32) {
	_ = d[7]
	t0, t7 := d[0]+d[7], d[0]-d[7]
	t1, t6 := d[1]+d[6], d[1]-d[6]
	t2, t5 := d[2]+d[5], d[2]-d[5]
	t3, t4 := d[3]+d[4], d[3]-d[4]

	// even part
	t10, t13 := t0+t3, t0-t3
	t11, t12 := t1+t2, t1-t2
	d[0] = t10 + t11
	d[4] = t10 - t11
	z1 := (t12 + t13) * 0.70710678
	d[2] = t13 + z1
	d[6] = t13 - z1

	// odd part
	t10 = t4 + t5
	t11 = t5 + t6
	t12 = t6 + t7
	z5 := (t10 - t12) * 0.38268343
	z2 := 0.54119610*t10 + z5
	z4 := 1.30656296*t12 + z5
	z3 := t11 * 0.70710678
	z11, z13 := t7+z3, t7-z3
	d[5] = z13 + z2
	d[3] = z13 - z2
	d[1] = z11 + z4
	d[7] = z11 - z4
}
