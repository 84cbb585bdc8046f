package mrz

import (
	"context"
	"errors"
	"image"
	"image/draw"
	"slices"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/find"
	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

// specRUInternal is a Russian internal passport's zone built for the
// tests: ЧЕРНЫШЁВ ЮЛИЯ ЭДУАРДОВНА, no expiry date.
var specRUInternal = []string{
	"PNRUS3ERNY42V<<7LI8<6DUARDOVNA<<<<<<<<<<<<<<",
	"1234567897RUS8503150F<<<<<<<1150101770012<86",
}

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name                 string
		lines                []string
		variant              string
		surname, given       string
		surnameNat, givenNat string
	}{
		{"Russian internal passport", specRUInternal, VariantRussianInternal, "3ERNY42V", "7LI8 6DUARDOVNA", "ЧЕРНЫШЁВ", "ЮЛИЯ ЭДУАРДОВНА"},
		{"French ID 1988", specFrench, VariantFrenchID, "BERTHIER", "CORINNE", "", ""},
		{"plain TD3", specTD3, "", "ERIKSSON", "ANNA MARIA", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseAt(tt.lines, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Valid {
				t.Errorf("not valid: %v %v", d.Checks, d.Problems)
			}
			if d.Variant != tt.variant || d.Surname != tt.surname || d.GivenNames != tt.given ||
				d.SurnameNational != tt.surnameNat || d.GivenNamesNational != tt.givenNat {
				t.Errorf("variant %q names %q %q national %q %q", d.Variant, d.Surname, d.GivenNames, d.SurnameNational, d.GivenNamesNational)
			}
			if tt.variant == VariantRussianInternal {
				if d.ExpiryDate != (Date{}) || len(d.Warnings) != 0 {
					t.Errorf("expiry %+v warnings %v, want none", d.ExpiryDate, d.Warnings)
				}
			}
		})
	}
}

// TestCorrectRussianInternalKeepsDigitNames: the digits of its names stand
// for letters and are not turned into look-alike letters.
func TestCorrectRussianInternalKeepsDigitNames(t *testing.T) {
	d, fixes, err := Correct(reading(specRUInternal, nil), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Lines, specRUInternal) || len(fixes) != 0 || !d.Valid {
		t.Errorf("lines %q fixes %v valid %v", d.Lines, fixes, d.Valid)
	}
}

// TestReadRussianInternalRendered reads a rendered Russian internal
// passport zone, slightly skewed and compressed.
func TestReadRussianInternalRendered(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	img, _, err := mrztest.Scene{Lines: specRUInternal, Rotate: 3, JPEG: 60, Noise: 4, Seed: 11}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Read(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Lines, specRUInternal) || res.Status != StatusValid || res.Variant != VariantRussianInternal || res.SurnameNational != "ЧЕРНЫШЁВ" {
		t.Errorf("lines %q status %s (%s) variant %q surname %q", res.Lines, res.Status, res.Reason, res.Variant, res.SurnameNational)
	}
}

// TestReadAllTwoZones reads an image holding two documents' zones (a
// collage, as residence permits are photographed): both are reported.
func TestReadAllTwoZones(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	a, _, err := mrztest.Scene{Lines: specTD3, Rotate: 2, Seed: 21}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := mrztest.Scene{Lines: specTD1, Rotate: -3, JPEG: 70, Seed: 22}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	ab, bb := a.Bounds(), b.Bounds()
	both := image.NewGray(image.Rect(0, 0, max(ab.Dx(), bb.Dx()), ab.Dy()+bb.Dy()))
	draw.Draw(both, both.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(both, ab.Sub(ab.Min), a, ab.Min, draw.Src)
	draw.Draw(both, bb.Sub(bb.Min).Add(image.Pt(0, ab.Dy())), b, bb.Min, draw.Src)
	res, err := e.ReadAll(context.Background(), both)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range res {
		got = append(got, r.Lines)
		if r.Status != StatusValid {
			t.Errorf("%q: status %s (%s)", r.Lines, r.Status, r.Reason)
		}
	}
	if len(res) != 2 || !slices.ContainsFunc(got, func(l []string) bool { return slices.Equal(l, specTD3) }) ||
		!slices.ContainsFunc(got, func(l []string) bool { return slices.Equal(l, specTD1) }) {
		t.Errorf("read %q, want the TD3 and the TD1", got)
	}
}

// TestReadGrayOthers: the best zone is ReadGray's, and every further zone
// of the image is reported besides it, once; an image of one zone has no
// others.
func TestReadGrayOthers(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	render := func(lines []string, rotate float64, jpeg int, seed uint64) image.Image {
		img, _, err := mrztest.Scene{Lines: lines, Rotate: rotate, JPEG: jpeg, Seed: seed}.Render(f)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	// stack draws images one below the other on white.
	stack := func(imgs ...image.Image) *image.Gray {
		w, h := 0, 0
		for _, m := range imgs {
			w, h = max(w, m.Bounds().Dx()), h+m.Bounds().Dy()
		}
		out := image.NewGray(image.Rect(0, 0, w, h))
		draw.Draw(out, out.Rect, image.White, image.Point{}, draw.Src)
		y := 0
		for _, m := range imgs {
			b := m.Bounds()
			draw.Draw(out, b.Sub(b.Min).Add(image.Pt(0, y)), m, b.Min, draw.Src)
			y += b.Dy()
		}
		return out
	}
	td3, td1 := render(specTD3, 2, 0, 21), render(specTD1, -3, 70, 22)
	tests := []struct {
		name string
		img  *image.Gray
		want [][]string // every zone, best or other
	}{
		{"TD3 above TD1", stack(td3, td1), [][]string{specTD3, specTD1}},
		{"TD1 above TD3", stack(td1, td3), [][]string{specTD1, specTD3}},
		{"TD3 alone", stack(td3), [][]string{specTD3}},
		{"TD1 alone", stack(td1), [][]string{specTD1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := e.ReadGray(context.Background(), tt.img)
			if err != nil {
				t.Fatal(err)
			}
			best, others, err := e.ReadGrayOthers(context.Background(), tt.img)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(best.Lines, want.Lines) || best.Region != want.Region {
				t.Errorf("best %q at %v, ReadGray's %q at %v", best.Lines, best.Region, want.Lines, want.Region)
			}
			got := [][]string{best.Lines}
			for _, o := range others {
				got = append(got, o.Lines)
				if o.Status != StatusValid {
					t.Errorf("other %q: status %s (%s)", o.Lines, o.Status, o.Reason)
				}
				if o.Region.Overlaps(best.Region) {
					t.Errorf("other %q at %v overlaps the best at %v", o.Lines, o.Region, best.Region)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("read %q, want %q", got, tt.want)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(l []string) bool { return slices.Equal(l, w) }) {
					t.Errorf("read %q, want %q among them", got, w)
				}
			}
		})
	}
}

// TestReadGrayOthersCancelled: a cancelled search ends with the context's
// error.
func TestReadGrayOthersCancelled(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	img, _, err := mrztest.Scene{Lines: specTD3, Seed: 21}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := e.ReadGrayOthers(ctx, find.Gray(img)); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// TestReadGrayFurther: the zones away from the part set aside are read,
// and none there.
func TestReadGrayFurther(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	a, _, err := mrztest.Scene{Lines: specTD3, Rotate: 2, Seed: 21}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := mrztest.Scene{Lines: specTD1, Rotate: -3, JPEG: 70, Seed: 22}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	ab, bb := a.Bounds(), b.Bounds()
	both := image.NewGray(image.Rect(0, 0, max(ab.Dx(), bb.Dx()), ab.Dy()+bb.Dy()))
	draw.Draw(both, both.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(both, ab.Sub(ab.Min), a, ab.Min, draw.Src)
	draw.Draw(both, bb.Sub(bb.Min).Add(image.Pt(0, ab.Dy())), b, bb.Min, draw.Src)
	split := float64(ab.Dy())
	tests := []struct {
		name string
		skip func(x, y float64) bool
		want [][]string
	}{
		{"nothing set aside", nil, [][]string{specTD3, specTD1}},
		{"the TD3 read", func(_, y float64) bool { return y < split }, [][]string{specTD1}},
		{"the TD1 read", func(_, y float64) bool { return y >= split }, [][]string{specTD3}},
		{"all read", func(_, _ float64) bool { return true }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.ReadGrayFurther(context.Background(), both, tt.skip)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, r := range res {
				got = append(got, r.Lines)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("read %q, want %q", got, tt.want)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(l []string) bool { return slices.Equal(l, w) }) {
					t.Errorf("read %q, want %q among them", got, w)
				}
			}
		})
	}
}
