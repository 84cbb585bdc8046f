package mlp

import (
	"math"
	"sync"
)

// Trainer runs mini-batch SGD with momentum and weight decay, splitting
// each batch across workers.
type Trainer struct {
	Net      *Net
	LR       float32
	Momentum float32
	Decay    float32
	Smooth   float32 // label smoothing
	Workers  int

	vel  [][]float32 // per layer: weights then biases
	velB [][]float32
}

type grads struct {
	gw, gb [][]float32
	act    [][]float32
	delta  [][]float32
	probs  []float32
	loss   float64
	right  int
}

func (t *Trainer) newGrads() *grads {
	n := t.Net
	g := &grads{probs: make([]float32, n.Sizes[len(n.Sizes)-1])}
	for k := range n.W {
		g.gw = append(g.gw, make([]float32, len(n.W[k])))
		g.gb = append(g.gb, make([]float32, len(n.B[k])))
	}
	for _, s := range n.Sizes {
		g.act = append(g.act, make([]float32, s))
		g.delta = append(g.delta, make([]float32, s))
	}
	return g
}

// Step trains on one batch (xs[i] with label ys[i]) and returns the mean
// loss and the number classified right before the update.
func (t *Trainer) Step(xs [][]float32, ys []int) (float64, int) {
	n := t.Net
	if t.vel == nil {
		for k := range n.W {
			t.vel = append(t.vel, make([]float32, len(n.W[k])))
			t.velB = append(t.velB, make([]float32, len(n.B[k])))
		}
	}
	workers := max(1, t.Workers)
	gs := make([]*grads, workers)
	var wg sync.WaitGroup
	for wi := 0; wi < workers; wi++ {
		gs[wi] = t.newGrads()
		wg.Add(1)
		go func(g *grads, lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				t.backprop(g, xs[i], ys[i])
			}
		}(gs[wi], wi*len(xs)/workers, (wi+1)*len(xs)/workers)
	}
	wg.Wait()
	var loss float64
	right := 0
	for _, g := range gs {
		loss += g.loss
		right += g.right
	}
	scale := 1 / float32(len(xs))
	for k := range n.W {
		w, v := n.W[k], t.vel[k]
		for i := range w {
			var s float32
			for _, g := range gs {
				s += g.gw[k][i]
			}
			v[i] = t.Momentum*v[i] - t.LR*(s*scale+t.Decay*w[i])
			w[i] += v[i]
		}
		b, vb := n.B[k], t.velB[k]
		for i := range b {
			var s float32
			for _, g := range gs {
				s += g.gb[k][i]
			}
			vb[i] = t.Momentum*vb[i] - t.LR*s*scale
			b[i] += vb[i]
		}
	}
	return loss / float64(len(xs)), right
}

func (t *Trainer) backprop(g *grads, x []float32, y int) {
	n := t.Net
	L := len(n.W)
	copy(g.act[0], x)
	for k := 0; k < L; k++ {
		in, o := g.act[k], g.act[k+1]
		no := n.Sizes[k+1]
		copy(o, n.B[k])
		for i, v := range in {
			if v != 0 {
				axpy(v, n.W[k][i*no:(i+1)*no], o)
			}
		}
		if k < L-1 {
			for j := range o {
				if o[j] < 0 {
					o[j] = 0
				}
			}
		}
	}
	softmax(g.act[L], g.probs)
	best := 0
	for j, p := range g.probs {
		if p > g.probs[best] {
			best = j
		}
	}
	if best == y {
		g.right++
	}
	nc := float32(len(g.probs))
	d := g.delta[L]
	for j, p := range g.probs {
		target := t.Smooth / nc
		if j == y {
			target += 1 - t.Smooth
		}
		d[j] = p - target
	}
	g.loss -= math.Log(float64(max(g.probs[y], 1e-9)))
	for k := L - 1; k >= 0; k-- {
		in := g.act[k]
		no := n.Sizes[k+1]
		dout := g.delta[k+1]
		gw := g.gw[k]
		for j, v := range dout {
			g.gb[k][j] += v
		}
		din := g.delta[k]
		for i, v := range in {
			if v == 0 {
				din[i] = 0
				continue
			}
			axpy(v, dout, gw[i*no:(i+1)*no])
			if k > 0 {
				row := n.W[k][i*no : (i+1)*no]
				var s float32
				for j, dv := range dout {
					s += row[j] * dv
				}
				din[i] = s // act>0 here, so the ReLU passes it
			}
		}
	}
}
