package mrz

import (
	"context"
	"slices"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/find"
	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

// TestFurtherZonesReadLikeAnMRZ holds readsLikeMRZ to rendered zones:
// every zone of a degraded MRZ that reads valid reads like an MRZ one
// way up or the other, and no zone of a page of ordinary print (a visual
// zone's names and captions in a sans font) does.
func TestFurtherZonesReadLikeAnMRZ(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	mrzs := []mrztest.Scene{
		{Lines: specTD3},
		{Lines: specTD3, Rotate: 180, Blur: 1.2, Noise: 6},
		{Lines: specTD3, JPEG: 35, Rotate: 4},
		{Lines: specTD3, Dim: 0.35, Blur: 0.8, Noise: 3},
		{Lines: specTD3, CapHeight: 8},
		{Lines: specTD3, Perspective: 0.15, Rotate: 2},
		{Lines: specTD3, MRZGlare: 160, Rotate: 2},
		{Lines: specTD1, CapHeight: 8, JPEG: 70},
		{Lines: specTD1, Rotate: 181, JPEG: 50},
		{Lines: specTD1, LineStep: 1.5, Blur: 0.8, JPEG: 75},
		{Lines: specTD2, Rotate: 90, Blur: 1},
		{Lines: specMRVB, Rotate: 4, Noise: 8},
		{Lines: specFrench, Rotate: 1, JPEG: 60},
	}
	plain := []mrztest.Scene{
		{Lines: []string{"SURNAME / NOM    ERIKSSON", "GIVEN NAMES / PRENOMS    ANNA MARIA"}, Plain: true},
		{Lines: []string{"DATE OF BIRTH 12 AUG 1974  PLACE OF BIRTH ZENITH", "DATE OF ISSUE 16 APR 2007  AUTHORITY PASSPORT OFFICE"}, Plain: true, JPEG: 60, Rotate: 3},
		{Lines: []string{"NOT A MACHINE READABLE ZONE AT ALL, JUST", "ORDINARY PRINT IN TWO LINES OF 44 LETTERS"}, Plain: true, CapHeight: 13, JPEG: 70},
		{Lines: []string{"REPUBLIC OF UTOPIA", "PASSPORT  PASSEPORT  PASAPORTE", "NATIONALITY UTOPIAN  SEX F"}, Plain: true, Blur: 0.8, Noise: 4},
	}
	// zones returns every zone found in the scene: whether it reads like
	// an MRZ, and whether it reads valid.
	zones := func(sc mrztest.Scene, seed uint64) (like, valid []bool) {
		sc.Seed = seed
		img, _, err := sc.Render(f)
		if err != nil {
			t.Fatal(err)
		}
		g := find.Gray(img)
		found, _ := find.Finder{}.Find(context.Background(), g)
		for _, z := range found {
			pg := newPage(g)
			c, err := e.readZone(context.Background(), pg, z)
			like = append(like, e.readsLikeMRZ(pg, z))
			valid = append(valid, err == nil && c.res.Status == StatusValid)
		}
		return like, valid
	}
	for i, sc := range mrzs {
		like, valid := zones(sc, uint64(300+i))
		if !slices.Contains(valid, true) {
			t.Errorf("MRZ scene %d (%q…): no zone reads valid", i, sc.Lines[0][:10])
		}
		for k := range like {
			if valid[k] && !like[k] {
				t.Errorf("MRZ scene %d (%q…): a zone reads valid, but not like an MRZ in its first passes", i, sc.Lines[0][:10])
			}
		}
	}
	for i, sc := range plain {
		like, _ := zones(sc, uint64(400+i))
		if slices.Contains(like, true) {
			t.Errorf("ordinary print %q: a zone of the page reads like an MRZ (%v)", sc.Lines[0], like)
		}
	}
}
