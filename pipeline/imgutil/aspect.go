package imgutil

import "math"

// Aspect returns the width over height of the rectangle that q, seen in
// a w×h frame, is the picture of: a pinhole camera looking at the
// frame's centre, as a phone is (Zhang and He, "Whiteboard scanning and
// image enhancement", 2007). A card photographed at an angle shows its
// far edges shorter than its near ones and its depth foreshortened: the
// mean of its sides misjudges its shape by up to 6 % at 15° (an ID card,
// 1.585, measures 1.64). The camera's focal length comes from the quad,
// when both pairs of its sides converge to a focal length a camera has
// (a third to five times the frame's longer side). Otherwise, a quad
// without perspective (a scanner's) or one whose perspective tells no
// focal length (one pair of sides parallel, or a sender's keystone
// correction that no camera made), it is the mean of its sides.
func (q Quad) Aspect(w, h int) float64 {
	sw, sh := q.Sides()
	mean := sw / math.Max(sh, 1)
	if w <= 0 || h <= 0 {
		return mean
	}
	cx, cy := float64(w)/2, float64(h)/2
	m := func(p Point) [3]float64 { return [3]float64{p.X - cx, p.Y - cy, 1} }
	// m1 top-left, m2 top-right, m3 bottom-left, m4 bottom-right
	m1, m2, m3, m4 := m(q[0]), m(q[1]), m(q[3]), m(q[2])
	d2 := dot(cross(m2, m4), m3)
	d3 := dot(cross(m3, m4), m2)
	if d2 == 0 || d3 == 0 {
		return mean
	}
	c14 := cross(m1, m4)
	k2, k3 := dot(c14, m3)/d2, dot(c14, m2)/d3
	var n2, n3 [3]float64
	for i := range 3 {
		n2[i] = k2*m2[i] - m1[i]
		n3[i] = k3*m3[i] - m1[i]
	}
	long := float64(max(w, h))
	p := n2[2] * n3[2]
	if math.Abs(p) < 1e-9 {
		return mean
	}
	f2 := -(n2[0]*n3[0] + n2[1]*n3[1]) / p
	if f2 < minFocal*minFocal*long*long || f2 > maxFocal*maxFocal*long*long {
		return mean
	}
	num := n2[0]*n2[0] + n2[1]*n2[1] + f2*n2[2]*n2[2]
	den := n3[0]*n3[0] + n3[1]*n3[1] + f2*n3[2]*n3[2]
	if num <= 0 || den <= 0 {
		return mean
	}
	a := math.Sqrt(num / den)
	if math.IsNaN(a) || math.IsInf(a, 0) {
		return mean
	}
	return a
}

// The focal lengths of cameras, in parts of the frame's longer side:
// a wide phone lens to a telephoto's, or a photo cropped to a fifth.
const (
	minFocal = 1.0 / 3
	maxFocal = 5.0
)

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
