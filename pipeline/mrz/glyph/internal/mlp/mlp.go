// Package mlp is a small multilayer perceptron (ReLU hidden layers,
// softmax output) with inference tuned for sparse inputs, mini-batch
// training, and a compact binary file format.
package mlp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
)

// Net is immutable once trained or loaded; Forward is safe for concurrent
// use with separate scratch buffers.
type Net struct {
	Sizes []int // input, hidden..., output
	// W[k] maps layer k to layer k+1, stored input-major:
	// W[k][i*Sizes[k+1]+j] is the weight from unit i to unit j, so a
	// zero input skips a whole contiguous row.
	W [][]float32
	B [][]float32
	// Meta is free-form text stored with the weights (class names, raster
	// size), checked by the caller.
	Meta string
}

// New returns a net with He-initialised weights.
func New(rng *rand.Rand, sizes ...int) *Net {
	n := &Net{Sizes: sizes}
	for k := 0; k+1 < len(sizes); k++ {
		in, out := sizes[k], sizes[k+1]
		w := make([]float32, in*out)
		s := math.Sqrt(2 / float64(in))
		for i := range w {
			w[i] = float32(rng.NormFloat64() * s)
		}
		n.W = append(n.W, w)
		n.B = append(n.B, make([]float32, out))
	}
	return n
}

// Scratch holds per-call activations.
type Scratch struct{ act [][]float32 }

// NewScratch allocates activations for n.
func (n *Net) NewScratch() *Scratch {
	s := &Scratch{}
	for _, z := range n.Sizes {
		s.act = append(s.act, make([]float32, z))
	}
	return s
}

// Forward computes class probabilities for x into out (length of the
// output layer).
func (n *Net) Forward(x []float32, s *Scratch, out []float32) {
	copy(s.act[0], x)
	L := len(n.W)
	for k := 0; k < L; k++ {
		in, o := s.act[k], s.act[k+1]
		no := n.Sizes[k+1]
		copy(o, n.B[k])
		w := n.W[k]
		for i, v := range in {
			if v == 0 {
				continue
			}
			row := w[i*no : (i+1)*no]
			axpy(v, row, o)
		}
		if k < L-1 {
			for j := range o {
				if o[j] < 0 {
					o[j] = 0
				}
			}
		}
	}
	softmax(s.act[L], out)
}

// axpy adds a*x to y.
func axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+8 <= len(x); i += 8 {
		xs, ys := x[i:i+8:i+8], y[i:i+8:i+8]
		ys[0] += a * xs[0]
		ys[1] += a * xs[1]
		ys[2] += a * xs[2]
		ys[3] += a * xs[3]
		ys[4] += a * xs[4]
		ys[5] += a * xs[5]
		ys[6] += a * xs[6]
		ys[7] += a * xs[7]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

func softmax(z, out []float32) {
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	for i, v := range z {
		e := math.Exp(float64(v - m))
		out[i] = float32(e)
		s += e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / s)
	}
}

const magic = "MLP1"

// ErrFormat reports a malformed model file.
var ErrFormat = errors.New("mlp: bad model file")

// MarshalBinary encodes the net.
func (n *Net) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(magic)
	put := func(v uint32) { _ = binary.Write(&b, binary.LittleEndian, v) }
	put(uint32(len(n.Meta)))
	b.WriteString(n.Meta)
	put(uint32(len(n.Sizes)))
	for _, s := range n.Sizes {
		put(uint32(s))
	}
	for k := range n.W {
		if err := binary.Write(&b, binary.LittleEndian, n.W[k]); err != nil {
			return nil, err
		}
		if err := binary.Write(&b, binary.LittleEndian, n.B[k]); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// Unmarshal decodes a net written by MarshalBinary.
func Unmarshal(data []byte) (*Net, error) {
	r := bytes.NewReader(data)
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(r, m); err != nil || string(m) != magic {
		return nil, fmt.Errorf("%w: magic", ErrFormat)
	}
	get := func() (int, error) {
		var v uint32
		if err := binary.Read(r, binary.LittleEndian, &v); err != nil {
			return 0, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		if v > 1<<20 {
			return 0, fmt.Errorf("%w: size %d", ErrFormat, v)
		}
		return int(v), nil
	}
	ml, err := get()
	if err != nil {
		return nil, err
	}
	meta := make([]byte, ml)
	if _, err := io.ReadFull(r, meta); err != nil {
		return nil, fmt.Errorf("%w: meta: %w", ErrFormat, err)
	}
	nl, err := get()
	if err != nil {
		return nil, err
	}
	if nl < 2 || nl > 8 {
		return nil, fmt.Errorf("%w: %d layers", ErrFormat, nl)
	}
	n := &Net{Meta: string(meta)}
	for i := 0; i < nl; i++ {
		s, err := get()
		if err != nil {
			return nil, err
		}
		if s < 1 || s > 8192 {
			return nil, fmt.Errorf("%w: layer size %d", ErrFormat, s)
		}
		n.Sizes = append(n.Sizes, s)
	}
	for k := 0; k+1 < nl; k++ {
		w := make([]float32, n.Sizes[k]*n.Sizes[k+1])
		b := make([]float32, n.Sizes[k+1])
		if err := binary.Read(r, binary.LittleEndian, w); err != nil {
			return nil, fmt.Errorf("%w: weights: %w", ErrFormat, err)
		}
		if err := binary.Read(r, binary.LittleEndian, b); err != nil {
			return nil, fmt.Errorf("%w: biases: %w", ErrFormat, err)
		}
		for _, v := range w {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: non-finite weight", ErrFormat)
			}
		}
		n.W = append(n.W, w)
		n.B = append(n.B, b)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrFormat, r.Len())
	}
	return n, nil
}
