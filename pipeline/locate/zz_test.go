package locate

import (
	"image"
	"image/draw"
	_ "image/jpeg"
	"math"
	"os"
	"testing"

	"github.com/docscan/docscan/pipeline/imgutil"
)

func TestZZKZ(t *testing.T) {
	for _, f := range []string{"001_front.jpg", "001_back.jpg", "002_front.jpg", "005_front.jpg"} {
		fh, _ := os.Open("/work/shared/eval/kz-dev/" + f)
		img, _, _ := image.Decode(fh)
		fh.Close()
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		fct := int(math.Ceil(float64(max(rgba.Rect.Dx(), rgba.Rect.Dy())) / workSize))
		small := imgutil.Downscale(rgba, fct)
		comp, area, ok := edgeRegion(small)
		w, h := small.Rect.Dx(), small.Rect.Dy()
		if !ok {
			t.Logf("%s: edge region not ok", f)
			continue
		}
		o, ok := judge(comp, area, make([]uint8, w*h), w, h)
		t.Logf("%s: edge %v %v", f, o.Quad.Scale(float64(fct)), ok)
	}
}
