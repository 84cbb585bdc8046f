package pipeline

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"math/rand/v2"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// apiExample is the response example of the Document Recognition API's
// documentation (../shared/seeds/document-recognition-api.txt), made
// valid JSON: its fdsid_list.list arrays are cut off in the page and are
// empty here, and its images object names front_side_image twice where
// the field list says back_side_image.
const apiExample = `{
"first_name": "Тест",
"last_name": "Тестов",
"patronymic": "Тестович",
"personal_number": "123456789012",
"date_of_birth": "01.10.1996",
"document_number": "document_number",
"date_of_issue": "02.07.2012",
"date_of_expiry": "02.07.2022",
"country_code": "kz",
"document_type": {
 "frontside": {
  "p": 0.9425698518753053,
  "id": -1040772594,
  "uv_exp": 6,
  "fdsid_list": {"list": [], "d_mrz": false, "d_type": 12, "d_year": "2014-2022", "d_format": 0, "icao_code": "KAZ",
   "d_state_code": null, "d_state_name": null, "d_description": "Identity Card", "d_country_name": "Kazakhstan"},
  "document_name": "Kazakhstan - Id Card (2014-2022)",
  "rfid_presence": 0,
  "necessary_lights": 25165824,
  "check_authenticity": 524837,
  "authenticity_necessary_lights": 152
 },
 "backside": {
  "document_name": "Kazakhstan - Id Card (2014) Side B",
  "id": -1040772430,
  "p": 0.9406079649925234,
  "rfid_presence": 1,
  "fdsid_list": {"icao_code": "KAZ", "list": [], "d_type": 12, "d_format": 0, "d_mrz": true, "d_description": "Identity Card",
   "d_year": "2014", "d_country_name": "Kazakhstan", "d_state_code": null, "d_state_name": null},
  "necessary_lights": 25165824,
  "check_authenticity": 10552359,
  "uv_exp": 6,
  "authenticity_necessary_lights": 3224
 }
},
"images": {"face_photo": "base64", "front_side_image": "base64", "back_side_image": "base64"},
"failure_reason": "None"
}`

// personalKeys are the example's personal data: their values differ.
var personalKeys = map[string]bool{"first_name": true, "last_name": true, "patronymic": true, "personal_number": true,
	"date_of_birth": true, "document_number": true, "date_of_issue": true, "date_of_expiry": true, "authority": true}

func keysOf(m map[string]any) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// TestAPIExampleReproduced recognises a genuine Kazakh ID card
// (2014–2022) from scanner frames and compares the response with the
// API's example: every key of the example is there with the same type;
// the document types match field for field except p; failure_reason is
// "None"; images are base64 JPEGs.
func TestAPIExampleReproduced(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	spec, err := ev.r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 77, Today: evalToday, PxPerMM: 16})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(77, 1))
	in := Input{CountryCode: "kz"}
	for i, s := range spec.Sides {
		d := specimen.RandomDegradation(rng)
		d.Background = color.RGBA{12, 12, 14, 255}
		p, err := specimen.Degrade([]*image.RGBA{s.White, s.IR, s.UV}, d, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		si := &SideInput{White: p.Layers[0], IR: p.Layers[1], UV: p.Layers[2], Scanner: true}
		if s.Name == typedb.Front {
			in.Front = si
		} else {
			in.Back = si
		}
	}
	res, err := ev.eng.Recognize(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(apiExample), &want); err != nil {
		t.Fatal(err)
	}
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			t.Errorf("key %q missing", k)
			continue
		}
		if reflect.TypeOf(gv) != reflect.TypeOf(wv) {
			t.Errorf("%s: %T, want %T", k, gv, wv)
		}
		switch {
		case k == "document_type":
			for _, side := range []string{"frontside", "backside"} {
				g, _ := gv.(map[string]any)[side].(map[string]any)
				w := wv.(map[string]any)[side].(map[string]any)
				if g == nil {
					t.Errorf("%s is null", side)
					continue
				}
				if !reflect.DeepEqual(keysOf(g), keysOf(w)) {
					t.Errorf("%s keys %v, want %v", side, keysOf(g), keysOf(w))
				}
				p, _ := g["p"].(float64)
				if p <= 0.5 || p > 1 {
					t.Errorf("%s p = %v, want a confident 0.5..1", side, p)
				}
				delete(g, "p")
				delete(w, "p")
				if !reflect.DeepEqual(g, w) {
					gj, _ := json.Marshal(g)
					wj, _ := json.Marshal(w)
					t.Errorf("%s:\n got %s\nwant %s", side, gj, wj)
				}
			}
		case k == "images":
			for _, ik := range keysOf(wv.(map[string]any)) {
				s, _ := gv.(map[string]any)[ik].(string)
				if len(s) < 1000 || s[:4] != "/9j/" { // base64 of a JPEG's FF D8 FF
					t.Errorf("images.%s is not a base64 JPEG", ik)
				}
			}
		case personalKeys[k]:
			if gv == "" {
				t.Errorf("%s is empty", k)
			}
		default:
			if !reflect.DeepEqual(gv, wv) {
				t.Errorf("%s = %v, want %v", k, gv, wv)
			}
		}
	}
	date := regexp.MustCompile(`^\d\d\.\d\d\.\d{4}$`)
	for _, k := range []string{"date_of_birth", "date_of_issue", "date_of_expiry"} {
		if s, _ := got[k].(string); !date.MatchString(s) {
			t.Errorf("%s is not dd.mm.yyyy", k)
		}
	}
	if !regexp.MustCompile(`\p{Cyrillic}`).MatchString(res.LastName) {
		t.Errorf("last_name is not in Cyrillic as printed")
	}
}
