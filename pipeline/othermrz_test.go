package pipeline

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"slices"
	"testing"

	"github.com/docscan/docscan/typedb/specimen"
)

// mrzPage renders doc and returns the white frame of its side that prints
// the MRZ, and the MRZ's lines.
func mrzPage(t *testing.T, ev *evalEnv, doc string, seed int64) (*image.RGBA, []string) {
	t.Helper()
	spec, err := ev.r.Render(context.Background(), doc, specimen.Options{Seed: seed, Today: evalToday, PxPerMM: 12})
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

// onTable lays pages on a dark table, side by side or one below the
// other, as a photo of two documents shows them.
func onTable(stacked bool, pages ...*image.RGBA) *image.RGBA {
	const m = 40
	w, h := m, m
	for _, p := range pages {
		if stacked {
			w, h = max(w, p.Rect.Dx()+2*m), h+p.Rect.Dy()+m
		} else {
			w, h = w+p.Rect.Dx()+m, max(h, p.Rect.Dy()+2*m)
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Rect, image.NewUniform(color.RGBA{38, 38, 42, 255}), image.Point{}, draw.Src)
	at := image.Pt(m, m)
	for _, p := range pages {
		draw.Draw(out, p.Rect.Add(at), p, p.Rect.Min, draw.Src)
		if stacked {
			at.Y += p.Rect.Dy() + m
		} else {
			at.X += p.Rect.Dx() + m
		}
	}
	return out
}

// TestRecognizeOtherMRZ: a photo of two documents reports the MRZ the
// document is read from as mrz, as it would be read alone, and the other
// document's in other_mrz; a photo of one reports other_mrz [].
func TestRecognizeOtherMRZ(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		docs    []string // rendered with seeds 3, 4
		stacked bool
		primary int // the document the result is read from
	}{
		{"passport beside an identity card", []string{"kz-passport", "kz-id-2014"}, false, 0},
		{"passport above an identity card", []string{"kz-passport", "kz-id-2014"}, true, 0},
		{"TD3 above TD1", []string{"icao-td3", "icao-td1"}, true, 0},
		{"two passports side by side", []string{"kz-passport", "icao-td3"}, false, 1},
		{"one passport", []string{"kz-passport"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pages []*image.RGBA
			var lines [][]string
			for i, d := range tt.docs {
				p, l := mrzPage(t, ev, d, int64(3+i))
				pages, lines = append(pages, p), append(lines, l)
			}
			res, err := ev.eng.Recognize(ctx, Input{Front: &SideInput{White: onTable(tt.stacked, pages...)}, CountryCode: "kz"})
			if err != nil {
				t.Fatal(err)
			}
			if res.MRZ == nil || !slices.Equal(res.MRZ.Lines, lines[tt.primary]) {
				t.Fatalf("mrz %+v (%s), want %q", res.MRZ, res.MRZReason, lines[tt.primary])
			}
			// the primary is what the document alone gives
			alone, err := ev.eng.Recognize(ctx, Input{Front: &SideInput{White: onTable(false, pages[tt.primary])}, CountryCode: "kz"})
			if err != nil {
				t.Fatal(err)
			}
			if alone.MRZ == nil || !slices.Equal(alone.MRZ.Lines, res.MRZ.Lines) || alone.MRZ.Status != res.MRZ.Status ||
				alone.DocumentNumber != res.DocumentNumber || alone.LastName != res.LastName {
				t.Errorf("alone: mrz %+v number %q name %q; beside another: %+v %q %q",
					alone.MRZ, alone.DocumentNumber, alone.LastName, res.MRZ, res.DocumentNumber, res.LastName)
			}
			var got [][]string
			for _, o := range res.OtherMRZ {
				got = append(got, o.Lines)
				if o.Side != "front" || o.Status != "valid" || !o.Valid {
					t.Errorf("other %q: side %q status %q valid %v", o.Lines, o.Side, o.Status, o.Valid)
				}
			}
			want := slices.Delete(slices.Clone(lines), tt.primary, tt.primary+1)
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("other_mrz %q, want %q", got, want)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 && string(m["other_mrz"]) != "[]" {
				t.Errorf("other_mrz %s, want []", m["other_mrz"])
			}
		})
	}
}

// TestOtherMRZJSON: other_mrz is always an array, each entry the mrz
// object and its side.
func TestOtherMRZJSON(t *testing.T) {
	tests := []struct {
		name string
		in   OtherMRZs
		want string
	}{
		{"nil", nil, `[]`},
		{"empty", OtherMRZs{}, `[]`},
		{"one", OtherMRZs{{MRZSummary: MRZSummary{Lines: []string{"A", "B"}, Format: "TD3", Status: "valid"}, Side: "back"}},
			`[{"lines":["A","B"],"format":"TD3","valid":false,"checks":null,"status":"valid","confidence":0,"line_confidence":null,"char_confidence":null,"side":"back"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(struct {
				O OtherMRZs `json:"o"`
			}{tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != `{"o":`+tt.want+`}` {
				t.Errorf("got %s, want {\"o\":%s}", got, tt.want)
			}
		})
	}
}
