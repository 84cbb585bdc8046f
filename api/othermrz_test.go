package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"slices"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// engineRecognizer is the daemon's recognizer: the real pipeline.
type engineRecognizer struct{ e *pipeline.Engine }

func (r engineRecognizer) Recognize(ctx context.Context, req RecognizeRequest) (*pipeline.Result, error) {
	in := pipeline.Input{CountryCode: req.CountryCode}
	if req.Front != nil {
		in.Front = &pipeline.SideInput{White: req.Front}
	}
	if req.Back != nil {
		in.Back = &pipeline.SideInput{White: req.Back}
	}
	return r.e.Recognize(ctx, in)
}

// TestRecognizeOtherMRZOverHTTP posts photos of one and of two documents
// to the real pipeline: the second document's MRZ is answered in
// other_mrz, with its side, besides the first's in mrz; one document
// answers other_mrz [].
func TestRecognizeOtherMRZOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	today := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		t.Skipf("fonts: %v", err)
	}
	if err := fonts.LoadFamilies(); err != nil {
		t.Fatal(err)
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Options{Workers: 2})
	if errors.Is(err, ocr.ErrUnavailable) {
		t.Skipf("tesseract: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	eng, err := pipeline.New(db, pool, pipeline.Options{Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Recognizer = engineRecognizer{eng} })

	// page renders doc and returns the white side that prints its MRZ.
	page := func(doc string, seed int64) (*image.RGBA, []string) {
		spec, err := r.Render(context.Background(), doc, specimen.Options{Seed: seed, Today: today, PxPerMM: 12})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range spec.Sides {
			if spec.Truth.MRZ != nil && s.Name == spec.Truth.MRZ.Side {
				return s.White, spec.Truth.MRZ.Lines
			}
		}
		t.Fatalf("%s prints no MRZ", doc)
		return nil, nil
	}
	passport, passportMRZ := page("kz-passport", 3)
	card, cardMRZ := page("kz-id-2014", 4)
	// photo lays the pages side by side on a dark table, as JPEG.
	photo := func(pages ...*image.RGBA) []byte {
		const m = 40
		w, hgt := m, 0
		for _, p := range pages {
			w, hgt = w+p.Rect.Dx()+m, max(hgt, p.Rect.Dy()+2*m)
		}
		img := image.NewRGBA(image.Rect(0, 0, w, hgt))
		draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{38, 38, 42, 255}), image.Point{}, draw.Src)
		x := m
		for _, p := range pages {
			draw.Draw(img, p.Rect.Add(image.Pt(x, m)), p, p.Rect.Min, draw.Src)
			x += p.Rect.Dx() + m
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}

	type mrzJSON struct {
		Lines  []string `json:"lines"`
		Status string   `json:"status"`
		Side   string   `json:"side"`
	}
	tests := []struct {
		name  string
		img   []byte
		mrz   []string
		other [][]string
	}{
		{"passport beside an identity card", photo(passport, card), passportMRZ, [][]string{cardMRZ}},
		{"passport alone", photo(passport), passportMRZ, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", tt.img), value("country_code", "kz")})
			if rep.status != 200 {
				t.Fatalf("status %d: %s", rep.status, rep.body)
			}
			checkAgainstSpec(t, "POST", "/api/v1/recognize", rep)
			var body struct {
				MRZ      *mrzJSON        `json:"mrz"`
				OtherRaw json.RawMessage `json:"other_mrz"`
			}
			if err := json.Unmarshal(rep.body, &body); err != nil {
				t.Fatal(err)
			}
			if body.MRZ == nil || !slices.Equal(body.MRZ.Lines, tt.mrz) || body.MRZ.Side != "" {
				t.Errorf("mrz %+v, want %q without a side", body.MRZ, tt.mrz)
			}
			var others []mrzJSON
			if err := json.Unmarshal(body.OtherRaw, &others); err != nil || others == nil {
				t.Fatalf("other_mrz %s is not an array: %v", body.OtherRaw, err)
			}
			var got [][]string
			for _, o := range others {
				got = append(got, o.Lines)
				if o.Side != "front" || o.Status != "valid" {
					t.Errorf("other %q: side %q status %q", o.Lines, o.Side, o.Status)
				}
			}
			if !slices.EqualFunc(got, tt.other, slices.Equal) {
				t.Errorf("other_mrz %q, want %q", got, tt.other)
			}
		})
	}
}
