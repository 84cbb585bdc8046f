package mlp

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestLearnsAndRoundTrips trains a tiny net on a separable problem and
// checks the encoded model reads back identically.
func TestLearnsAndRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := New(rng, 8, 16, 3)
	n.Meta = "test"
	tr := &Trainer{Net: n, LR: 0.1, Momentum: 0.9, Workers: 2}
	sample := func() ([]float32, int) {
		x := make([]float32, 8)
		y := rng.IntN(3)
		for i := range x {
			x[i] = float32(rng.Float64() * 0.2)
		}
		x[y*2] = 1 // class y lights input 2y
		return x, y
	}
	var right int
	for step := 0; step < 300; step++ {
		xs := make([][]float32, 16)
		ys := make([]int, 16)
		for i := range xs {
			xs[i], ys[i] = sample()
		}
		_, right = tr.Step(xs, ys)
	}
	if right < 15 {
		t.Fatalf("last batch %d/16 right", right)
	}
	data, err := n.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := sample()
	p1, p2 := make([]float32, 3), make([]float32, 3)
	n.Forward(x, n.NewScratch(), p1)
	m.Forward(x, m.NewScratch(), p2)
	for i := range p1 {
		if p1[i] != p2[i] || m.Meta != "test" {
			t.Fatalf("round trip differs: %v vs %v", p1, p2)
		}
	}
	for _, bad := range [][]byte{nil, []byte("MLP1"), data[:len(data)-3], append(append([]byte{}, data...), 0)} {
		if _, err := Unmarshal(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("corrupt model (%d bytes): err = %v", len(bad), err)
		}
	}
}
