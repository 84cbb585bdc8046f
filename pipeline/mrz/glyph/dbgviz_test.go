package glyph

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDbgViz(t *testing.T) {
	fs := os.Getenv("GLYPH_VIZ")
	if fs == "" {
		t.Skip()
	}
	r := mustReader(t)
	for _, f := range strings.Fields(fs) {
		g, _ := loadGray(f)
		line, err := r.ReadLine(g, 0)
		if err != nil {
			t.Log(err)
			continue
		}
		t.Log(f, line.Text())
		out := image.NewRGBA(g.Bounds())
		draw.Draw(out, out.Bounds(), g, g.Bounds().Min, draw.Src)
		for i, c := range line.Chars {
			col := color.RGBA{255, 0, 0, 255}
			if i%2 == 1 {
				col = color.RGBA{0, 160, 0, 255}
			}
			for x := c.Box.Min.X; x < c.Box.Max.X; x++ {
				out.Set(x, c.Box.Min.Y+i%2, col)
				out.Set(x, c.Box.Max.Y-1-i%2, col)
			}
			for y := c.Box.Min.Y; y < c.Box.Max.Y; y++ {
				out.Set(c.Box.Min.X, y, col)
			}
		}
		o, _ := os.Create(fmt.Sprintf("/tmp/gl/viz_%s.png", strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))))
		png.Encode(o, out)
		o.Close()
	}
}
