package seg

import (
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

func TestEvalCountDev(t *testing.T) {
	dir := os.Getenv("SEG_EVAL")
	if dir == "" {
		t.Skip("SEG_EVAL not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.tif"))
	var ok0, okN int
	for _, f := range files {
		gt, _ := os.ReadFile(strings.TrimSuffix(f, ".tif") + ".gt.txt")
		n := len(strings.TrimSpace(string(gt)))
		fh, _ := os.Open(f)
		im, err := tiff.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		g := image.NewGray(im.Bounds())
		draw.Draw(g, g.Bounds(), im, im.Bounds().Min, draw.Src)
		l, err := Segment(g, 0)
		if err == nil && len(l.Cells) == n {
			ok0++
		} else if err == nil {
			t.Logf("%s want %d got %d pitch %.1f cap %.1f", filepath.Base(f), n, len(l.Cells), l.Pitch, l.Cap)
		} else {
			t.Logf("%s %v", f, err)
		}
		l, err = Segment(g, n)
		if err == nil && len(l.Cells) == n {
			okN++
		}
	}
	t.Logf("count right: wantLen=0 %d/%d, wantLen=n %d/%d", ok0, len(files), okN, len(files))
}
