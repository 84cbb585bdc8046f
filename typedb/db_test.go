package typedb

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
)

// The API's example response's document_type, with the truncated
// fdsid_list.list written as [] and p set to the example's value.
const exampleFront = `{
 "p": 0.9425698518753053, "id": -1040772594, "uv_exp": 6,
 "fdsid_list": {"list": [], "d_mrz": false, "d_type": 12, "d_year": "2014-2022", "d_format": 0,
  "icao_code": "KAZ", "d_state_code": null, "d_state_name": null,
  "d_description": "Identity Card", "d_country_name": "Kazakhstan"},
 "document_name": "Kazakhstan - Id Card (2014-2022)", "rfid_presence": 0,
 "necessary_lights": 25165824, "check_authenticity": 524837, "authenticity_necessary_lights": 152}`

const exampleBack = `{
 "document_name": "Kazakhstan - Id Card (2014) Side B", "id": -1040772430, "p": 0.9406079649925234,
 "rfid_presence": 1,
 "fdsid_list": {"icao_code": "KAZ", "list": [], "d_type": 12, "d_format": 0, "d_mrz": true,
  "d_description": "Identity Card", "d_year": "2014", "d_country_name": "Kazakhstan",
  "d_state_code": null, "d_state_name": null},
 "necessary_lights": 25165824, "check_authenticity": 10552359, "uv_exp": 6,
 "authenticity_necessary_lights": 3224}`

func mustDefault(t testing.TB) *DB {
	t.Helper()
	db, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestExampleResponseValues(t *testing.T) {
	db := mustDefault(t)
	for _, tc := range []struct {
		id   int64
		p    float64
		want string
	}{
		{-1040772594, 0.9425698518753053, exampleFront},
		{-1040772430, 0.9406079649925234, exampleBack},
	} {
		typ, ok := db.ByID(tc.id)
		if !ok {
			t.Fatalf("id %d missing", tc.id)
		}
		got, err := json.Marshal(typ.API(tc.p))
		if err != nil {
			t.Fatal(err)
		}
		var g, w map[string]any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("id %d:\n got %s\nwant %s", tc.id, got, tc.want)
		}
	}
	front, _ := db.ByID(-1040772594)
	back, _ := db.ByID(-1040772430)
	if front.NecessaryLights != lights.WhiteFront|lights.IRFront {
		t.Errorf("front necessary_lights = %s", front.NecessaryLights)
	}
	if front.AuthenticityNecessaryLights != lights.IRTop|lights.IRSide|lights.UV {
		t.Errorf("front authenticity lights = %s", front.AuthenticityNecessaryLights)
	}
	if got := back.AuthenticityNecessaryLights.String(); got != "IR_Top|IR_Side|UV|AXIAL_White_Left|AXIAL_White_Right" {
		t.Errorf("back authenticity lights = %s", got)
	}
	if got := front.CheckAuthenticity.String(); got != "UV_Luminescence|Image_Pattern|IR_Visibility|Photo_Embed_Type|Holograms_Detection" {
		t.Errorf("front checks = %s", got)
	}
	if got := back.CheckAuthenticity.String(); got != "UV_Luminescence|IR_B900|Image_Pattern|IR_Visibility|OVI|BarcodeFormatCheck|Liveness|Extended_MRZ" {
		t.Errorf("back checks = %s", got)
	}
	if front.OtherSide != back.ID || back.OtherSide != front.ID {
		t.Errorf("side relation: front→%d back→%d", front.OtherSide, back.OtherSide)
	}
	if back.MRZFormat != MRZTD1 || front.MRZFormat != MRZNone {
		t.Errorf("MRZ formats: front %q back %q", front.MRZFormat, back.MRZFormat)
	}
}

func TestDefaultContents(t *testing.T) {
	db := mustDefault(t)
	wantDocs := []string{"icao-mrva", "icao-mrvb", "icao-td1", "icao-td2", "icao-td3", "kz-id-2014", "kz-id-2023", "kz-passport"}
	if got := db.Documents(); !reflect.DeepEqual(got, wantDocs) {
		t.Errorf("documents = %v, want %v", got, wantDocs)
	}
	for _, f := range []MRZFormat{MRZTD1, MRZTD2, MRZTD3, MRZMRVA, MRZMRVB} {
		if g := db.Generic(f); len(g) != 1 {
			t.Errorf("generic %s: %d types", f, len(g))
		}
	}
	pp := db.Document("kz-passport")
	if len(pp) != 1 || pp[0].MRZFormat != MRZTD3 || pp[0].FDSIDList.DType != 11 {
		t.Errorf("passport: %+v", pp)
	}
	// every Kazakh side prints its labels in Kazakh first
	for _, typ := range db.ByICAO("KAZ") {
		if typ.LabelLangs[0] != "kk" {
			t.Errorf("%d: label langs %v", typ.ID, typ.LabelLangs)
		}
	}
	// the authorities Kazakhstan prints, in each side's script
	for _, c := range []struct {
		doc  string
		want []string
	}{
		{"kz-id-2014", []string{"ҚР ІІМ", "ҚР ӘМ", "МВД РК", "МЮ РК"}},
		{"kz-id-2023", []string{"ҚР ІІМ", "ҚР ӘМ", "МВД РК", "МЮ РК"}},
		{"kz-passport", []string{"MIA", "MOJ"}},
	} {
		var got []string
		for _, typ := range db.Document(c.doc) {
			if f, ok := typ.Field("authority"); ok {
				got = append(got, f.Values...)
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s authority values %v, want %v", c.doc, got, c.want)
		}
	}
	front := db.Document("kz-id-2014")[0]
	for name, label := range map[string]string{
		"last_name": "ТЕГІ / ФАМИЛИЯ", "first_name": "АТЫ / ИМЯ", "patronymic": "ӘКЕСІНІҢ АТЫ / ОТЧЕСТВО",
		"date_of_birth": "ТУҒАН КҮНІ / ДАТА РОЖДЕНИЯ", "personal_number": "ЖСН / ИИН",
	} {
		f, ok := front.Field(name)
		if !ok {
			t.Errorf("front lacks %s", name)
			continue
		}
		if got := front.PrintedLabel(f); got != label {
			t.Errorf("%s label = %q, want %q", name, got, label)
		}
	}
}

func TestLookups(t *testing.T) {
	db := mustDefault(t)
	ids := func(ts []*Type) []int64 {
		var out []int64
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	tests := []struct {
		ref     string
		want    []int64
		wantErr error
	}{
		{"kz-id-2014", []int64{-1040772594, -1040772430}, nil},
		{"KZ-ID-2014", []int64{-1040772594, -1040772430}, nil},
		{"kz-id-2014-2022", []int64{-1040772594, -1040772430}, nil},
		{"-1040772430", []int64{-1040772594, -1040772430}, nil},
		{"-1040772594", []int64{-1040772594, -1040772430}, nil},
		{"kz-id-2014-back", []int64{-1040772430}, nil},
		{"kz-id-current", []int64{1900001001, 1900001002}, nil},
		{"kz-passport", []int64{1900001101}, nil},
		{"icao-td1", []int64{1900009001, 1900009002}, nil},
		{"12345", nil, ErrNotFound},
		{"no-such-doc", nil, ErrNotFound},
		{"", nil, ErrNotFound},
	}
	for _, tt := range tests {
		got, err := db.Resolve(tt.ref)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Resolve(%q) error = %v, want %v", tt.ref, err, tt.wantErr)
			continue
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("Resolve(%q) = %v, want %v", tt.ref, ids(got), tt.want)
		}
	}

	kaz := ids(db.ByICAO("kaz"))
	if len(kaz) != 5 {
		t.Errorf("ByICAO(KAZ) = %v, want 5 sides", kaz)
	}
	for _, cc := range []string{"kz", "KZ", " kz "} {
		got, err := db.ByCountry(cc)
		if err != nil || !reflect.DeepEqual(ids(got), kaz) {
			t.Errorf("ByCountry(%q) = %v, %v", cc, ids(got), err)
		}
	}
	if _, err := db.ByCountry("xx"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByCountry(xx) error = %v", err)
	}
	if got, err := db.ByCountry("de"); err != nil || len(got) != 0 {
		t.Errorf("ByCountry(de) = %v, %v; want none, nil", ids(got), err)
	}
	cands, err := db.Candidates("kz")
	if err != nil || len(cands) != 5+6 {
		t.Errorf("Candidates(kz) = %v, %v", ids(cands), err)
	}
	cands, err = db.Candidates("fr")
	if err != nil || len(cands) != 6 {
		t.Errorf("Candidates(fr) = %v, %v (want the 6 generic sides)", ids(cands), err)
	}
	if all, _ := db.Candidates(""); len(all) != len(db.Types()) {
		t.Errorf("Candidates(\"\") = %d types", len(all))
	}
}

func TestCountries(t *testing.T) {
	for a2, icao := range map[string]string{"kz": "KAZ", "RU": "RUS", "de": "D", "gb": "GBR", "xk": "RKS", "us": "USA"} {
		if got, ok := ICAOFromAlpha2(a2); !ok || got != icao {
			t.Errorf("ICAOFromAlpha2(%q) = %q, %v", a2, got, ok)
		}
		if back, ok := Alpha2FromICAO(icao); !ok || back != strings.ToLower(a2) {
			t.Errorf("Alpha2FromICAO(%q) = %q, %v", icao, back, ok)
		}
	}
	for _, bad := range []string{"", "k", "kaz", "zz", "ё"} {
		if _, ok := ICAOFromAlpha2(bad); ok {
			t.Errorf("ICAOFromAlpha2(%q) ok", bad)
		}
	}
	if _, ok := Alpha2FromICAO("UTO"); ok {
		t.Error("UTO should be unknown")
	}
}

// mutate returns the default file changed by fn, through a JSON round
// trip so the default is not shared.
func mutate(t *testing.T, fn func(f *File)) *File {
	t.Helper()
	f, err := Parse(defaultJSON)
	if err != nil {
		t.Fatal(err)
	}
	fn(f)
	return f
}

func find(f *File, id int64) *Type {
	for i := range f.Types {
		if f.Types[i].ID == id {
			return &f.Types[i]
		}
	}
	panic("no type")
}

func TestValidationRejects(t *testing.T) {
	const front, back = -1040772594, -1040772430
	tests := []struct {
		name string
		fn   func(f *File)
		want string
	}{
		{"duplicate id", func(f *File) { find(f, 1900001101).ID = front }, "appears twice"},
		{"unknown light bit", func(f *File) { find(f, front).NecessaryLights |= 0x20000000 }, "necessary_lights 562036736 has unknown bits 0x20000000"},
		{"unknown auth light bit", func(f *File) { find(f, back).AuthenticityNecessaryLights |= 0x20000000 }, "authenticity_necessary_lights 536874136 has unknown bits 0x20000000"},
		{"unknown authenticity bit", func(f *File) { find(f, back).CheckAuthenticity |= 0x100 }, "check_authenticity 10552615 has unknown bits 0x100"},
		{"no white light", func(f *File) { find(f, front).NecessaryLights = lights.IRFront }, "no white light"},
		{"UV check without UV", func(f *File) { find(f, front).AuthenticityNecessaryLights = lights.IRTop }, "UV_Luminescence but no light includes UV"},
		{"zone outside", func(f *File) { find(f, front).Fields[0].Zone[2] = 1.2 }, "field last_name zone: zone [0.34 0.3 1.2 0.37] leaves [0,1]"},
		{"empty zone", func(f *File) { z := find(f, front).FaceZone; z[1], z[3] = z[3], z[1] }, "face_zone: zone"},
		{"missing label", func(f *File) { find(f, front).Fields[1].Labels.RU = "" }, "field first_name: labels.ru is missing"},
		{"missing english label", func(f *File) { find(f, back).Fields[2].Labels.EN = "" }, "labels.en is missing"},
		{"blank value", func(f *File) { find(f, back).Fields[3].Values = []string{"МВД РК", " / "} }, "value \" / \" has no letter or digit"},
		{"value twice", func(f *File) { find(f, back).Fields[3].Values = []string{"МВД РК", "МВД РК"} }, "value \"МВД РК\" appears twice"},
		{"values on a date", func(f *File) { find(f, front).Fields[3].Values = []string{"01.01.2000"} }, "values are for kind text only"},
		{"pattern that does not compile", func(f *File) { find(f, back).Fields[0].Pattern = "^[0-9{9}$" }, "pattern \"^[0-9{9}$\""},
		{"unknown field", func(f *File) { find(f, front).Fields[0].Name = "surname" }, "field surname: unknown field name"},
		{"d_mrz mismatch", func(f *File) { find(f, back).FDSIDList.DMRZ = false }, "d_mrz is false but mrz_format is \"TD1\""},
		{"other side dangling", func(f *File) { find(f, front).OtherSide = 42 }, "other_side 42 is not in the database"},
		{"country mismatch", func(f *File) { find(f, front).CountryCode = "ru" }, "country_code \"ru\" is ICAO \"RUS\""},
		{"p set", func(f *File) { find(f, front).P = 0.5 }, "p is 0.5"},
		{"rfid", func(f *File) { find(f, front).RFIDPresence = 3 }, "rfid_presence 3"},
		{"list missing", func(f *File) { find(f, front).FDSIDList.List = nil }, "fdsid_list.list is missing"},
		{"validity too long", func(f *File) { find(f, front).ValidityYears = 12 }, "validity_years 12 is outside 0–10"},
		{"bad mrz format", func(f *File) { find(f, back).MRZFormat = "TD4" }, "mrz_format \"TD4\""},
		{"IR_B900 without mrz zone", func(f *File) { find(f, back).IRFeatures = find(f, back).IRFeatures[1:] }, "IR_B900 but ir_features has no mrz zone"},
		{"ir zone of no field", func(f *File) {
			for i, fe := range find(f, front).IRFeatures {
				if fe.Field != "" {
					find(f, front).IRFeatures[i].Field = "surname"
				}
			}
		}, "field \"surname\" is not one of the type's fields"},
		{"label anchor drift", func(f *File) { find(f, back).Anchors[0].Zone[0] = 0.05 }, "label anchor \"ТУҒАН ЖЕРІ / МЕСТО РОЖДЕНИЯ\" matches no field"},
		{"alias clash", func(f *File) { find(f, 1900001101).Aliases = []string{"kz-id-2014"} }, "alias \"kz-id-2014\" already names document"},
		{"bad size", func(f *File) { find(f, front).SizeMM = [2]float64{125, 88} }, "does not match d_format 0"},
		{"no types", func(f *File) { f.Types = nil }, "no types"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(mutate(t, tt.fn))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error = %v, want ErrInvalid", err)
			}
			var ve *ValidationError
			if tt.name != "duplicate id" && !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for name, in := range map[string]string{
		"unknown key":   `{"version":"x","types":[],"extra":1}`,
		"trailing data": `{"version":"x","types":[]} {}`,
		"not json":      `version: 1`,
		"bad colour":    `{"version":"x","types":[{"signature":{"paper":"blue"}}]}`,
		"wrong type":    `{"version":"x","types":[{"id":"one"}]}`,
	} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := Parse(make([]byte, MaxFileSize+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversize: %v", err)
	}
}

func TestOverlayDirAndChecksum(t *testing.T) {
	base := mustDefault(t)
	again := mustDefault(t)
	if base.Checksum() != again.Checksum() || len(base.Checksum()) != 64 {
		t.Fatalf("checksum unstable: %s vs %s", base.Checksum(), again.Checksum())
	}
	if base.Version() != "2025.1" {
		t.Errorf("version = %q", base.Version())
	}
	// the same types in another order give the same checksum
	rev := mutate(t, func(f *File) {
		for i, j := 0, len(f.Types)-1; i < j; i, j = i+1, j-1 {
			f.Types[i], f.Types[j] = f.Types[j], f.Types[i]
		}
	})
	if db, err := Build(rev); err != nil || db.Checksum() != base.Checksum() {
		t.Errorf("reordered checksum differs: %v", err)
	}

	dir := t.TempDir()
	over := mutate(t, func(f *File) {
		ft := *find(f, -1040772594)
		ft.DocumentName = "Kazakhstan - Id Card (2014-2022) local"
		pp := *find(f, 1900001101)
		pp.ID, pp.Document, pp.DocumentName = 1900001199, "kz-passport-local", "local passport"
		f.Version, f.Types = "local-1", []Type{ft, pp}
	})
	data, _ := json.Marshal(over)
	if err := os.WriteFile(filepath.Join(dir, "10-local.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("ignored"), 0o644)
	layers, err := LoadDir(dir)
	if err != nil || len(layers) != 1 {
		t.Fatalf("LoadDir = %d layers, %v", len(layers), err)
	}
	db, err := base.With(layers...)
	if err != nil {
		t.Fatal(err)
	}
	if db.Version() != "2025.1+local-1" {
		t.Errorf("version = %q", db.Version())
	}
	if db.Checksum() == base.Checksum() {
		t.Error("overlay did not change the checksum")
	}
	if ft, _ := db.ByID(-1040772594); ft.DocumentName != "Kazakhstan - Id Card (2014-2022) local" {
		t.Errorf("override not applied: %q", ft.DocumentName)
	}
	if _, ok := db.ByID(1900001199); !ok {
		t.Error("added type missing")
	}
	if len(db.Types()) != len(base.Types())+1 {
		t.Errorf("types = %d", len(db.Types()))
	}

	// a replacing layer drops what is below it
	repl := &File{Version: "only", Replace: true, Types: []Type{*find(mutate(t, func(*File) {}), 1900001101)}}
	db2, err := base.With(repl)
	if err != nil {
		t.Fatal(err)
	}
	if len(db2.Types()) != 1 || db2.Version() != "only" {
		t.Errorf("replace: %d types, version %q", len(db2.Types()), db2.Version())
	}

	// a bad file in the dir is reported with its name
	os.WriteFile(filepath.Join(dir, "20-bad.json"), []byte(`{"types":[],"oops":1}`), 0o644)
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "20-bad.json") {
		t.Errorf("bad file error = %v", err)
	}
	if layers, err := LoadDir(filepath.Join(dir, "missing")); err != nil || len(layers) != 0 {
		t.Errorf("missing dir: %v, %v", layers, err)
	}
}

func TestCheckBoard(t *testing.T) {
	db := mustDefault(t)
	if err := db.CheckBoard(lights.DefaultProfile(), hal.AllChannelSet); err != nil {
		t.Errorf("full board: %v", err)
	}
	noUV := hal.AllChannelSet &^ hal.SetOf(hal.UV)
	err := db.CheckBoard(lights.DefaultProfile(), noUV)
	if !errors.Is(err, lights.ErrSchemeMissing) {
		t.Fatalf("board without UV: %v", err)
	}
	if !strings.Contains(err.Error(), "type -1040772594 (kz-id-2014 front)") || strings.Contains(err.Error(), "icao-td3") {
		t.Errorf("board without UV: %v", err)
	}
}

func TestRGBJSON(t *testing.T) {
	var c RGB
	if err := json.Unmarshal([]byte(`"#1D4f7a"`), &c); err != nil || c != (RGB{0x1d, 0x4f, 0x7a}) {
		t.Errorf("got %v, %v", c, err)
	}
	out, _ := json.Marshal(c)
	if string(out) != `"#1d4f7a"` {
		t.Errorf("marshal = %s", out)
	}
	for _, bad := range []string{`"#12345"`, `"123456"`, `"#12345g"`, `12`} {
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestCountryName(t *testing.T) {
	for _, tc := range []struct {
		code, want string
		ok         bool
	}{
		{"CHN", "China", true},
		{"D", "Germany", true},
		{"D<<", "Germany", true},
		{"KOR", "South Korea", true},
		{"UTO", "Utopia (ICAO specimen)", true},
		{"XXA", "Stateless person", true},
		{"CMW", "", false},
		{"", "", false},
	} {
		got, ok := CountryName(tc.code)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CountryName(%q) = %q, %v; want %q, %v", tc.code, got, ok, tc.want, tc.ok)
		}
	}
}

// TestFieldMatches: a field's pattern says which readings are values of
// it; a field without one takes any.
func TestFieldMatches(t *testing.T) {
	nine := Field{Name: "document_number", Pattern: "^[0-9]{9}$"}
	tests := []struct {
		f    Field
		v    string
		want bool
	}{
		{nine, "082994528", true},
		{nine, "0082994528", false}, // a digit gained
		{nine, "08299452", false},   // one lost
		{nine, "O82994528", false},
		{Field{Name: "document_number", Pattern: "^N[0-9]{8}$"}, "N07126802", true},
		{Field{Name: "document_number", Pattern: "^N[0-9]{8}$"}, "07126802", false},
		{Field{Name: "document_number"}, "anything", true},
	}
	for _, tt := range tests {
		if got := tt.f.Matches(tt.v); got != tt.want {
			t.Errorf("%q matches %q: %v, want %v", tt.f.Pattern, tt.v, got, tt.want)
		}
	}
}
