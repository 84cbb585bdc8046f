package seg

import (
	"image"
	"image/draw"
	"os"
	"testing"

	"golang.org/x/image/tiff"
)

func TestDbg2(t *testing.T) {
	f := os.Getenv("SEG_FILE")
	if f == "" {
		t.Skip()
	}
	debugSeg = true
	fh, _ := os.Open(f)
	im, _ := tiff.Decode(fh)
	g := image.NewGray(im.Bounds())
	draw.Draw(g, g.Bounds(), im, im.Bounds().Min, draw.Src)
	l, err := Segment(g, 0)
	t.Log(err, len(l.Cells))
	l, err = Segment(g, 30)
	t.Log(err, len(l.Cells))
}
