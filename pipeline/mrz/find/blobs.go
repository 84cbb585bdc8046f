package find

import "math"

// inkMask marks the pixels of p clearly darker than their surroundings
// (Bradley's local mean threshold over a square of radius r): printed
// strokes on paper, whatever the lighting across the frame.
func inkMask(p *plane, r int, ratio, minDiff float32) []uint8 {
	md := make([]float32, p.w)
	for i := range md {
		md[i] = minDiff
	}
	return inkMaskCols(p, r, ratio, md)
}

// inkMaskCols is inkMask with the least difference set per column.
func inkMaskCols(p *plane, r int, ratio float32, minDiff []float32) []uint8 {
	w, h := p.w, p.h
	// Integral image with a zero row and column.
	iw := w + 1
	integ := make([]float64, iw*(h+1))
	for y := 0; y < h; y++ {
		var run float64
		row := p.p[y*w : (y+1)*w]
		up := integ[y*iw:]
		cur := integ[(y+1)*iw:]
		for x, v := range row {
			run += float64(v)
			cur[x+1] = up[x+1] + run
		}
	}
	mask := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			sum := integ[y1*iw+x1] - integ[y0*iw+x1] - integ[y1*iw+x0] + integ[y0*iw+x0]
			mean := float32(sum / float64((y1-y0)*(x1-x0)))
			v := p.p[y*w+x]
			if v < mean*ratio && mean-v > minDiff[x] {
				mask[y*w+x] = 1
			}
		}
	}
	return mask
}

// smearRows fills, along each row, gaps of at most gap pixels between
// marked pixels (run-length smoothing), joining the characters of a
// horizontal line into one blob.
func smearRows(mask []uint8, w, h, gap int) []uint8 {
	out := make([]uint8, len(mask))
	copy(out, mask)
	for y := 0; y < h; y++ {
		row := out[y*w : (y+1)*w]
		last := -1
		for x, v := range row {
			if v == 0 {
				continue
			}
			if last >= 0 && x-last-1 <= gap {
				for i := last + 1; i < x; i++ {
					row[i] = 1
				}
			}
			last = x
		}
	}
	return out
}

// smearCols is smearRows down the columns.
func smearCols(mask []uint8, w, h, gap int) []uint8 {
	out := make([]uint8, len(mask))
	copy(out, mask)
	for x := 0; x < w; x++ {
		last := -1
		for y := 0; y < h; y++ {
			if out[y*w+x] == 0 {
				continue
			}
			if last >= 0 && y-last-1 <= gap {
				for i := last + 1; i < y; i++ {
					out[i*w+x] = 1
				}
			}
			last = y
		}
	}
	return out
}

// blob is a connected component of a mask with its second moments.
type blob struct {
	n                      int
	sx, sy                 float64
	sxx, syy, sxy          float64
	minX, minY, maxX, maxY int
}

// shape returns a blob's centre, direction (radians, in (-π/2, π/2]),
// length along it and thickness across it, taking it as a filled
// rectangle.
func (b *blob) shape() (cx, cy, theta, length, thick float64) {
	n := float64(b.n)
	cx, cy = b.sx/n, b.sy/n
	vxx := b.sxx/n - cx*cx + 1.0/12
	vyy := b.syy/n - cy*cy + 1.0/12
	vxy := b.sxy/n - cx*cy
	theta = 0.5 * math.Atan2(2*vxy, vxx-vyy)
	d := math.Sqrt((vxx-vyy)*(vxx-vyy)/4 + vxy*vxy)
	l1 := (vxx+vyy)/2 + d
	l2 := (vxx+vyy)/2 - d
	return cx, cy, theta, math.Sqrt(12 * l1), math.Sqrt(12 * math.Max(l2, 1.0/12))
}

// components labels the 4-connected components of mask and returns those
// of at least minN pixels.
func components(mask []uint8, w, h, minN int) []blob {
	labels := make([]int32, w*h)
	parent := []int32{0}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if mask[i] == 0 {
				continue
			}
			var left, up int32
			if x > 0 {
				left = labels[i-1]
			}
			if y > 0 {
				up = labels[i-w]
			}
			switch {
			case left == 0 && up == 0:
				l := int32(len(parent))
				parent = append(parent, l)
				labels[i] = l
			case left == 0:
				labels[i] = up
			case up == 0 || up == left:
				labels[i] = left
			default:
				a, b := find(left), find(up)
				if a != b {
					if a < b {
						parent[b] = a
					} else {
						parent[a] = b
					}
				}
				labels[i] = left
			}
		}
	}
	// Resolve to roots and accumulate moments.
	root := make([]int32, len(parent))
	idx := make([]int32, len(parent))
	var blobs []blob
	for l := range parent {
		root[l] = find(int32(l))
	}
	for l := 1; l < len(parent); l++ {
		if root[l] == int32(l) {
			idx[l] = int32(len(blobs))
			blobs = append(blobs, blob{minX: w, minY: h, maxX: -1, maxY: -1})
		}
	}
	for y := 0; y < h; y++ {
		fy := float64(y)
		for x := 0; x < w; x++ {
			l := labels[y*w+x]
			if l == 0 {
				continue
			}
			b := &blobs[idx[root[l]]]
			fx := float64(x)
			b.n++
			b.sx += fx
			b.sy += fy
			b.sxx += fx * fx
			b.syy += fy * fy
			b.sxy += fx * fy
			b.minX, b.maxX = min(b.minX, x), max(b.maxX, x)
			b.minY, b.maxY = min(b.minY, y), max(b.maxY, y)
		}
	}
	out := blobs[:0]
	for _, b := range blobs {
		if b.n >= minN {
			out = append(out, b)
		}
	}
	return out
}
