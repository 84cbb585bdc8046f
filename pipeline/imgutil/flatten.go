package imgutil

import "image"

// FlattenPaper returns g with its paper made even white: each pixel is
// divided by the paper's brightness around it (the 90th percentile of
// tile×tile tiles, interpolated between tile centres). A page whose
// header is printed on a darker tint than its body, or half in glare,
// half in shadow, otherwise makes one global threshold (Tesseract's
// Otsu) take a whole tinted region for ink and lose the text on it.
// Print broader than a tile (a portrait, a dark bar) fades with the
// paper: what stays is the print darker than its surround.
func FlattenPaper(g *image.Gray, tile int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w == 0 || h == 0 || tile <= 0 {
		return g
	}
	tx, ty, paper := paperLevels(g, tile)
	out := image.NewGray(g.Rect) // the same coordinates: word boxes stay put
	// the paper at a point: bilinear between the four nearest tile
	// centres (clamped at the border)
	at := func(n, p int) (int, int, float64) {
		f := (float64(p)+0.5)/float64(tile) - 0.5
		i0 := int(f)
		if f < 0 {
			return 0, 0, 0
		}
		if i0 >= n-1 {
			return n - 1, n - 1, 0
		}
		return i0, i0 + 1, f - float64(i0)
	}
	for y := range h {
		j0, j1, fy := at(ty, y)
		for x := range w {
			i0, i1, fx := at(tx, x)
			top := paper[j0*tx+i0]*(1-fx) + paper[j0*tx+i1]*fx
			bot := paper[j1*tx+i0]*(1-fx) + paper[j1*tx+i1]*fx
			bg := top*(1-fy) + bot*fy
			v := float64(g.Pix[y*g.Stride+x]) * 255 / bg
			out.Pix[y*out.Stride+x] = uint8(min(v, 255))
		}
	}
	return out
}

// paperLevels is the paper's brightness in each tile×tile tile of g
// (its 90th percentile), tx tiles across and ty down, row by row.
func paperLevels(g *image.Gray, tile int) (tx, ty int, paper []float64) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tx, ty = (w+tile-1)/tile, (h+tile-1)/tile
	paper = make([]float64, tx*ty)
	for j := range ty {
		for i := range tx {
			var hist [256]int
			n := 0
			for y := j * tile; y < min(h, (j+1)*tile); y++ {
				row := g.Pix[y*g.Stride+i*tile : y*g.Stride+min(w, (i+1)*tile)] // Pix starts at Rect.Min
				for _, v := range row {
					hist[v]++
				}
				n += len(row)
			}
			paper[j*tx+i] = float64(max(quantile(&hist, n, 0.9), 1))
		}
	}
	return tx, ty, paper
}

// LocalThreshold returns g made black and white against its own
// surroundings: a pixel is ink (0) when it is darker by more than offset
// than the mean of the (2·radius+1)² square around it, paper (255)
// otherwise. Tesseract's one global threshold loses a page's text where
// artwork crosses it (a guilloche band over the names, a dark portrait
// beside them), and its layout analysis then takes the whole band for a
// picture; print judged against its own surround stays.
func LocalThreshold(g *image.Gray, radius int, offset uint8) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect) // the same coordinates: word boxes stay put
	if w == 0 || h == 0 {
		return out
	}
	// sum[(y)*(w+1)+x] is the sum of the pixels above and left of (x, y)
	sum := make([]uint64, (w+1)*(h+1))
	for y := range h {
		row := g.Pix[y*g.Stride : y*g.Stride+w] // Pix starts at Rect.Min
		var run uint64
		for x, v := range row {
			run += uint64(v)
			sum[(y+1)*(w+1)+x+1] = sum[y*(w+1)+x+1] + run
		}
	}
	for y := range h {
		y0, y1 := max(0, y-radius), min(h, y+radius+1)
		for x := range w {
			x0, x1 := max(0, x-radius), min(w, x+radius+1)
			s := sum[y1*(w+1)+x1] - sum[y0*(w+1)+x1] - sum[y1*(w+1)+x0] + sum[y0*(w+1)+x0]
			mean := s / uint64((y1-y0)*(x1-x0))
			v := 255
			if uint64(g.Pix[y*g.Stride+x])+uint64(offset) < mean {
				v = 0
			}
			out.Pix[y*out.Stride+x] = uint8(v)
		}
	}
	return out
}
