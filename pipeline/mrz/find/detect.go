package find

import (
	"cmp"
	"image"
	"math"
	"slices"
)

// Detection tuning, in pixels of the pyramid level searched. A level
// finds lines whose characters are roughly 3 to 16 pixels tall; the
// pyramid covers larger text.
const (
	detectMaxSide = 1024 // the first level is at most this large
	maxLevels     = 3
	minLevelSide  = 100
	inkRadius     = 10
	inkRatio      = 0.86
	inkMinDiff    = 10
	// The second, sensitive look for faint print, when the first finds
	// nothing readable.
	faintInkRatio   = 0.94
	faintInkMinDiff = 5
	smearGap        = 5
	minBlobPixels   = 60
	minElongation   = 7
	minThick        = 2.5
	maxThick        = 24
	minFill         = 0.4
	maxTilt         = 35 * math.Pi / 180
)

// level is one step of the detection pyramid.
type level struct {
	p     *plane
	scale float64 // full-resolution pixels per level pixel
}

// pyramid returns the detection levels of g: the first no larger than
// detectMaxSide, each next one half the previous.
func pyramid(g *image.Gray) []level {
	side := max(g.Bounds().Dx(), g.Bounds().Dy())
	f := 1
	for side/f > detectMaxSide {
		f++
	}
	levels := []level{{shrink(g, f), float64(f)}}
	for len(levels) < maxLevels {
		last := levels[len(levels)-1]
		if min(last.p.w, last.p.h)/2 < minLevelSide {
			break
		}
		levels = append(levels, level{last.p.half(), last.scale * 2})
	}
	return levels
}

// lineCand is a blob that may be one MRZ line, in full-resolution
// coordinates.
type lineCand struct {
	cx, cy        float64
	theta         float64 // direction of the line, (-π/2, π/2]
	length, thick float64
	fill          float64
	score         float64
}

// findLines returns the line-like blobs of one level: long, thin, well
// filled dark bands, lying within maxTilt of the rows (vertical=false)
// or of the columns (vertical=true).
func findLines(lv level, mask []uint8, vertical bool) []lineCand {
	return findLinesIn(mask, lv.p.w, lv.p.h, lv.scale, vertical)
}

// findLinesIn is findLines on a w×h mask of a level of the given scale.
func findLinesIn(mask []uint8, w, h int, scale float64, vertical bool) []lineCand {
	var smeared []uint8
	if vertical {
		smeared = smearCols(mask, w, h, smearGap)
	} else {
		smeared = smearRows(mask, w, h, smearGap)
	}
	var out []lineCand
	for _, b := range components(smeared, w, h, minBlobPixels) {
		cx, cy, theta, length, thick := b.shape()
		if thick < minThick || thick > maxThick || length < minElongation*thick {
			continue
		}
		tilt := math.Abs(theta)
		if vertical {
			tilt = math.Pi/2 - tilt
		}
		if tilt > maxTilt {
			continue
		}
		fill := float64(b.n) / (length * thick)
		if fill < minFill {
			continue
		}
		s := scale
		out = append(out, lineCand{
			cx: (cx+0.5)*s - 0.5, cy: (cy+0.5)*s - 0.5,
			theta: theta, length: length * s, thick: thick * s,
			fill:  fill,
			score: math.Min(length/thick, 50) * math.Min(fill, 1),
		})
	}
	return out
}

// detect returns the line candidates of all levels and both directions,
// best first, without near duplicates.
func detect(levels []level, faint bool) []lineCand {
	return ranked(detectLines(levels, faint))
}

// detectLines is detect's candidates as found, unranked.
func detectLines(levels []level, faint bool) []lineCand {
	ratio, minDiff := float32(inkRatio), float32(inkMinDiff)
	if faint {
		ratio, minDiff = faintInkRatio, faintInkMinDiff
	}
	var all []lineCand
	for _, lv := range levels {
		mask := inkMask(lv.p, inkRadius, ratio, minDiff)
		all = append(all, findLines(lv, mask, false)...)
		all = append(all, findLines(lv, mask, true)...)
	}
	return all
}

// detectDiagonal returns the line candidates lying near the diagonals,
// which the rows' and columns' smearing leaves between them (a page
// turned some 40–50°): each level's mask turned 45°, searched along its
// rows and columns, and the candidates turned back; unranked.
func detectDiagonal(levels []level) []lineCand {
	var all []lineCand
	for _, lv := range levels {
		mask := inkMask(lv.p, inkRadius, inkRatio, inkMinDiff)
		turned, d, back := turn45(mask, lv.p.w, lv.p.h)
		for _, vertical := range []bool{false, true} {
			for _, c := range findLinesIn(turned, d, d, lv.scale, vertical) {
				c.cx, c.cy, c.theta = back(c.cx, c.cy, c.theta, lv.scale)
				all = append(all, c)
			}
		}
	}
	return all
}

// turn45 returns the w×h mask turned 45° (clockwise on screen) about its
// centre into a d×d square that holds all of it, and the mapping of a
// candidate found there (full-resolution centre and direction, at the
// level's scale) back to the mask's image.
func turn45(mask []uint8, w, h int) ([]uint8, int, func(cx, cy, theta, scale float64) (float64, float64, float64)) {
	d := int(math.Ceil(float64(w+h)/math.Sqrt2)) + 2
	out := make([]uint8, d*d)
	c, mx, my := float64(d)/2, float64(w)/2, float64(h)/2
	const k = math.Sqrt2 / 2
	for y := range d {
		dy := float64(y) + 0.5 - c
		for x := range d {
			dx := float64(x) + 0.5 - c
			// the turned square's pixel comes from the mask turned back
			sx, sy := int(k*dx+k*dy+mx), int(-k*dx+k*dy+my)
			if sx >= 0 && sx < w && sy >= 0 && sy < h {
				out[y*d+x] = mask[sy*w+sx]
			}
		}
	}
	back := func(cx, cy, theta, scale float64) (float64, float64, float64) {
		// to the turned level's pixels, back through the turn, to full
		// resolution
		dx, dy := (cx+0.5)/scale-0.5+0.5-c, (cy+0.5)/scale-0.5+0.5-c
		sx, sy := k*dx+k*dy+mx-0.5, -k*dx+k*dy+my-0.5
		theta -= math.Pi / 4
		if theta <= -math.Pi/2 {
			theta += math.Pi
		}
		return (sx+0.5)*scale - 0.5, (sy+0.5)*scale - 0.5, theta
	}
	return out, d, back
}

// ranked scores the candidates up for a parallel partner and returns
// them best first, without near duplicates.
func ranked(all []lineCand) []lineCand {
	// A line with a parallel partner of about its length nearby is more
	// likely an MRZ line than a lone one.
	for i := range all {
		a := &all[i]
		for j := range all {
			b := &all[j]
			if i == j || !parallel(a.theta, b.theta, 4) || math.Abs(b.length/a.length-1) > 0.25 {
				continue
			}
			du, dv := offset(a, b.cx, b.cy)
			if math.Abs(du) < 0.15*a.length && math.Abs(dv) > 1.2*a.thick && math.Abs(dv) < 4*a.thick {
				a.score *= 1.5
				break
			}
		}
	}
	slices.SortFunc(all, func(a, b lineCand) int { return cmp.Compare(b.score, a.score) })
	var out []lineCand
	for _, c := range all {
		dup := false
		for _, o := range out {
			du, dv := offset(&o, c.cx, c.cy)
			if parallel(o.theta, c.theta, 5) && math.Abs(dv) < 0.7*o.thick && math.Abs(du) < 0.3*o.length {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// offset returns (x, y) relative to the centre of c, along and across it.
func offset(c *lineCand, x, y float64) (du, dv float64) {
	dx, dy := x-c.cx, y-c.cy
	cs, sn := math.Cos(c.theta), math.Sin(c.theta)
	return dx*cs + dy*sn, -dx*sn + dy*cs
}

// parallel reports whether two directions differ by at most tol degrees.
func parallel(a, b, tol float64) bool {
	d := math.Abs(a - b)
	d = math.Mod(d, math.Pi)
	if d > math.Pi/2 {
		d = math.Pi - d
	}
	return d <= tol*math.Pi/180
}
