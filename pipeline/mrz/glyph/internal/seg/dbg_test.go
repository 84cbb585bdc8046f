package seg

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

func TestDbgDraw(t *testing.T) {
	fs := os.Getenv("SEG_FILES")
	if fs == "" {
		t.Skip()
	}
	for _, f := range strings.Fields(fs) {
		fh, _ := os.Open(f)
		im, _ := tiff.Decode(fh)
		fh.Close()
		g := image.NewGray(im.Bounds())
		draw.Draw(g, g.Bounds(), im, im.Bounds().Min, draw.Src)
		l, err := Segment(g, 0)
		if err != nil {
			t.Log(err)
			continue
		}
		t.Logf("%s n=%d pitch %.2f cap %.1f slope %.4f", f, len(l.Cells), l.Pitch, l.Cap, l.slope)
		out := image.NewRGBA(g.Bounds())
		draw.Draw(out, out.Bounds(), g, g.Bounds().Min, draw.Src)
		for i, c := range l.Cells {
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
		o, _ := os.Create(fmt.Sprintf("/tmp/gl/seg_%s.png", strings.TrimSuffix(f[strings.LastIndex(f, "/")+1:], ".tif")))
		png.Encode(o, out)
		o.Close()
	}
}
