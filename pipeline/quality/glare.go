package quality

import (
	"image"
	"math"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// glareCell is the side of a glare grid's cell, in page pixels.
const glareCell = 8

// clipLevel is the luma at and above which a pixel is clipped white.
const clipLevel = 250

// glareGrid marks the page's glare in cells of glareCell² pixels.
type glareGrid struct {
	w, h   int // cells
	glare  []bool
	pw, ph int // page pixels
}

// whitePaper is the median cell luma from which a page's own paper is
// taken to clip (a white page scanned): glare cannot be told from it,
// and too bright a page is brightness's to say.
const whitePaper = 245

// newGlareGrid marks glare: cells whose mean luma is clipLevel or more
// (no print left in them) and that lie beyond inkReach of any print, in
// blobs that hold such a square 2·coreRadius+1 cells across.
// Print lines and the white gaps between them are thinner than that; a
// specular spot over print washes it out whole.
//
// When no outline was found (located false) the page is the whole frame:
// a clipped blob touching its edge is the white table or paper around the
// document, not glare.
func newGlareGrid(g *image.Gray, located bool) *glareGrid {
	pw, ph := g.Rect.Dx(), g.Rect.Dy()
	gg := &glareGrid{w: (pw + glareCell - 1) / glareCell, h: (ph + glareCell - 1) / glareCell, pw: pw, ph: ph}
	n := gg.w * gg.h
	sum := make([]uint32, n)
	cnt := make([]uint16, n)
	darkest := make([]uint8, n)
	for i := range darkest {
		darkest[i] = 255
	}
	// every 2nd pixel each way: a glare spot is many cells wide
	for y := 0; y < ph; y += 2 {
		row := g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):][:pw]
		base := (y / glareCell) * gg.w
		for x := 0; x < pw; x += 2 {
			c := base + x/glareCell
			sum[c] += uint32(row[x])
			cnt[c]++
			darkest[c] = min(darkest[c], row[x])
		}
	}
	mean := make([]uint8, n)
	var hist [256]int
	for i := range mean {
		if cnt[i] > 0 {
			mean[i] = uint8(sum[i] / uint32(cnt[i]))
		}
		hist[mean[i]]++
	}
	gg.glare = make([]bool, n)
	if imgutil.Quantile(&hist, n, 0.5) >= whitePaper {
		return gg
	}
	// clipped, and no print at full contrast near: a white band that an
	// MRZ is printed on clips around its black characters, but hides
	// none of them (another hand's Kazakh card read as 52 % glare over
	// its MRZ); a specular spot washes out the print under it
	near := gg.nearInk(darkest)
	clipped := make([]bool, n)
	for i := range clipped {
		clipped[i] = mean[i] >= clipLevel && !near[i]
	}
	seen := make([]bool, n)
	var blob, stack []int
	for i := range n {
		if seen[i] || !clipped[i] {
			continue
		}
		blob, stack = blob[:0], append(stack[:0], i)
		seen[i] = true
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			blob = append(blob, c)
			cx, cy := c%gg.w, c/gg.w
			for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				x, y := cx+d[0], cy+d[1]
				if x < 0 || y < 0 || x >= gg.w || y >= gg.h {
					continue
				}
				if k := y*gg.w + x; !seen[k] && clipped[k] {
					seen[k] = true
					stack = append(stack, k)
				}
			}
		}
		if gg.hasCore(blob, clipped) && (located || !gg.touchesEdge(blob)) {
			for _, c := range blob {
				gg.glare[c] = true
			}
		}
	}
	return gg
}

// inkLevel is the luma under which a cell's darkest pixel is print at
// full contrast, which no glare has washed.
const inkLevel = 100

// inkReach is how many cells (2 mm at 12 px/mm) from print at full
// contrast a clipped cell is still paper beside print, not glare: the
// white between lines and letters, and a white band's margin around its
// print.
const inkReach = 3

// nearInk marks the cells within inkReach (either way, and across) of a
// cell holding print at full contrast.
func (gg *glareGrid) nearInk(darkest []uint8) []bool {
	near := make([]bool, len(darkest))
	for c, d := range darkest {
		if d >= inkLevel {
			continue
		}
		cx, cy := c%gg.w, c/gg.w
		for y := max(0, cy-inkReach); y <= min(gg.h-1, cy+inkReach); y++ {
			for x := max(0, cx-inkReach); x <= min(gg.w-1, cx+inkReach); x++ {
				near[y*gg.w+x] = true
			}
		}
	}
	return near
}

// touchesEdge reports whether a blob reaches the page's edge.
func (gg *glareGrid) touchesEdge(blob []int) bool {
	for _, c := range blob {
		if x, y := c%gg.w, c/gg.w; x == 0 || y == 0 || x == gg.w-1 || y == gg.h-1 {
			return true
		}
	}
	return false
}

// coreRadius is the radius, in cells, of the square a glare blob must
// hold whole: a spot at least (2·coreRadius+1)·glareCell pixels (3.3 mm at
// 12 px/mm) across. The white gaps between print lines are thinner.
const coreRadius = 2

// hasCore reports whether a clipped blob holds a clipped square of
// coreRadius around one of its cells.
func (gg *glareGrid) hasCore(blob []int, clipped []bool) bool {
	for _, c := range blob {
		cx, cy := c%gg.w, c/gg.w
		if cx < coreRadius || cy < coreRadius || cx >= gg.w-coreRadius || cy >= gg.h-coreRadius {
			continue
		}
		whole := true
		for dy := -coreRadius; dy <= coreRadius && whole; dy++ {
			for dx := -coreRadius; dx <= coreRadius; dx++ {
				if !clipped[(cy+dy)*gg.w+cx+dx] {
					whole = false
					break
				}
			}
		}
		if whole {
			return true
		}
	}
	return false
}

// cells is a normalised region in cells, clipped.
func (gg *glareGrid) cells(z [4]float64) (x0, y0, x1, y1 int) {
	x0 = max(0, int(z[0]*float64(gg.pw))/glareCell)
	y0 = max(0, int(z[1]*float64(gg.ph))/glareCell)
	x1 = min(gg.w, int(math.Ceil(z[2]*float64(gg.pw)/glareCell)))
	y1 = min(gg.h, int(math.Ceil(z[3]*float64(gg.ph)/glareCell)))
	return
}

// share is the glare cells' share inside a normalised region.
func (gg *glareGrid) share(z [4]float64) float64 {
	x0, y0, x1, y1 := gg.cells(z)
	var c, t int
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if gg.glare[y*gg.w+x] {
				c++
			}
			t++
		}
	}
	if t == 0 {
		return 0
	}
	return float64(c) / float64(t)
}

// gridZones are the page's ninths, for a page whose zones are unknown.
var gridZones = func() []Zone {
	rows := []string{"top", "middle", "bottom"}
	cols := []string{"left", "centre", "right"}
	var out []Zone
	for r, rn := range rows {
		for c, cn := range cols {
			name := rn + "-" + cn
			if rn == "middle" {
				name = cn // "left", "centre", "right"
			}
			out = append(out, Zone{Name: name, Region: [4]float64{float64(c) / 3, float64(r) / 3, float64(c+1) / 3, float64(r+1) / 3}})
		}
	}
	return out
}()

// measure is the glare over the zones (the page's ninths when none):
// the worst zone's share, and the zones over limit.
func (gg *glareGrid) measure(zones []Zone, limit float64) *Glare {
	if len(zones) == 0 {
		zones = gridZones
	}
	out := &Glare{Measure: Measure{Threshold: limit}, Where: []string{}}
	for _, z := range zones {
		s := gg.share(z.Region)
		out.Value = math.Max(out.Value, s)
		if s > limit {
			out.Where = append(out.Where, z.Name)
		}
	}
	out.Value = round3(out.Value)
	out.OK = len(out.Where) == 0
	if !out.OK {
		out.Region = gg.region()
	}
	return out
}

// region bounds the cells that are mostly glare.
func (gg *glareGrid) region() *[4]float64 {
	x0, y0, x1, y1 := gg.w, gg.h, -1, -1
	for y := range gg.h {
		for x := range gg.w {
			if gg.glare[y*gg.w+x] {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return nil
	}
	r := [4]float64{
		round3(math.Min(1, float64(x0*glareCell)/float64(gg.pw))), round3(math.Min(1, float64(y0*glareCell)/float64(gg.ph))),
		round3(math.Min(1, float64((x1+1)*glareCell)/float64(gg.pw))), round3(math.Min(1, float64((y1+1)*glareCell)/float64(gg.ph))),
	}
	return &r
}

// flipped is the grid turned half a turn.
func (gg *glareGrid) flipped() *glareGrid {
	out := &glareGrid{w: gg.w, h: gg.h, pw: gg.pw, ph: gg.ph, glare: make([]bool, len(gg.glare))}
	n := len(gg.glare)
	for i, v := range gg.glare {
		out.glare[n-1-i] = v
	}
	return out
}
