package typedb

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/docscan/docscan/lights"
)

// ValidationError lists every problem found in a database; it wraps
// ErrInvalid.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	const show = 20
	p := e.Problems
	more := ""
	if len(p) > show {
		more = fmt.Sprintf("; and %d more", len(p)-show)
		p = p[:show]
	}
	return fmt.Sprintf("%s: %s%s", ErrInvalid, strings.Join(p, "; "), more)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Knowns for d_type and d_format, from the vendor enumeration the API
// uses (Regula's eDocType and eDocFormat); other values are errors so a
// typo cannot slip through.
var (
	knownDTypes   = map[int]bool{0: true, 11: true, 12: true, 13: true, 14: true, 15: true, 16: true, 17: true, 20: true, 21: true, 22: true, 23: true, 24: true, 25: true, 26: true, 27: true, 29: true, 30: true, 99: true}
	knownDFormats = map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true, 5: true}
	// nominal sizes (mm) of the ISO/IEC 7810 formats, for the size check
	formatSizes = map[int][2]float64{0: {85.6, 53.98}, 1: {105, 74}, 2: {125, 88}}
	fieldNames  = map[string]bool{
		"last_name": true, "first_name": true, "patronymic": true, "personal_number": true,
		"date_of_birth": true, "document_number": true, "authority": true, "date_of_issue": true,
		"date_of_expiry": true, "place_of_birth": true, "nationality": true, "citizenship": true,
		"sex": true, "doc_code": true, "issuing_state": true,
	}
	fieldKinds = map[FieldKind]bool{KindName: true, KindDate: true, KindNumber: true, KindText: true, KindSex: true, KindCode: true}
	scripts    = map[Script]bool{ScriptCyrillic: true, ScriptLatin: true, ScriptDigits: true, ScriptMixed: true}
	langs      = map[string]bool{"kk": true, "ru": true, "en": true}
	uvKinds    = map[string]bool{"emblem": true}
	irKinds    = map[string]bool{"mrz": true, "ir_visible": true, "ir_dropout": true}
	decorKinds = map[string]bool{"rosette": true, "emblem": true}
	schemes    = map[string]bool{"": true, "kz-iin": true}
)

const (
	whiteLights = lights.WhiteTop | lights.WhiteSide | lights.WhiteFront | lights.AxialWhite
	irLights    = lights.IRTop | lights.IRSide | lights.IRFront
)

// Validate checks a merged set of types and returns a *ValidationError
// listing every problem.
func Validate(types []Type) error {
	var p []string
	add := func(t *Type, format string, args ...any) {
		p = append(p, fmt.Sprintf("type %d (%s %s): %s", t.ID, t.Document, t.Side, fmt.Sprintf(format, args...)))
	}
	if len(types) == 0 {
		return &ValidationError{Problems: []string{"the database has no types"}}
	}
	byID := map[int64]*Type{}
	docOf := map[string]string{} // alias → primary document
	for i := range types {
		t := &types[i]
		if t.ID == 0 {
			add(t, "id 0 is reserved")
		}
		if _, dup := byID[t.ID]; dup {
			add(t, "duplicate id")
		}
		byID[t.ID] = t
		for _, a := range append([]string{t.Document}, t.Aliases...) {
			if !slugRE.MatchString(a) {
				add(t, "alias %q: want lower-case words joined by '-'", a)
				continue
			}
			if strings.HasSuffix(a, "-front") || strings.HasSuffix(a, "-back") {
				add(t, "alias %q must not end in a side name", a)
			}
			if d, ok := docOf[a]; ok && d != t.Document {
				add(t, "alias %q already names document %q", a, d)
			}
			docOf[a] = t.Document
		}
		validateAPI(t, add)
		validateLayout(t, add)
	}
	// side relations
	sidesOf := map[string][]*Type{}
	for i := range types {
		t := &types[i]
		sidesOf[t.Document] = append(sidesOf[t.Document], t)
		if t.OtherSide == 0 {
			continue
		}
		o, ok := byID[t.OtherSide]
		switch {
		case !ok:
			add(t, "other_side %d is not in the database", t.OtherSide)
		case o.OtherSide != t.ID:
			add(t, "other_side %d does not point back (it names %d)", t.OtherSide, o.OtherSide)
		case o.Side == t.Side:
			add(t, "other_side %d is also a %s side", o.ID, t.Side)
		case o.Document != t.Document:
			add(t, "other_side %d belongs to document %q", o.ID, o.Document)
		}
	}
	for doc, sides := range sidesOf {
		if len(sides) > 2 {
			p = append(p, fmt.Sprintf("document %q has %d sides (want 1 or 2)", doc, len(sides)))
		}
		if len(sides) == 2 && sides[0].Side == sides[1].Side {
			p = append(p, fmt.Sprintf("document %q has two %s sides", doc, sides[0].Side))
		}
		if len(sides) == 2 && (sides[0].OtherSide != sides[1].ID) {
			p = append(p, fmt.Sprintf("document %q: its two sides do not name each other in other_side", doc))
		}
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

func validateAPI(t *Type, add func(*Type, string, ...any)) {
	if strings.TrimSpace(t.DocumentName) == "" {
		add(t, "document_name is empty")
	}
	if t.P != 0 {
		add(t, "p is %v; it is set per recognition and must be 0 in the database", t.P)
	}
	if t.RFIDPresence < 0 || t.RFIDPresence > 2 {
		add(t, "rfid_presence %d: want 0 (no), 1 (yes) or 2 (unknown)", t.RFIDPresence)
	}
	f := t.FDSIDList
	if !knownDTypes[f.DType] {
		add(t, "fdsid_list.d_type %d is not a known document type", f.DType)
	}
	if !knownDFormats[f.DFormat] {
		add(t, "fdsid_list.d_format %d is not a known format", f.DFormat)
	}
	if f.DMRZ != (t.MRZFormat != MRZNone) {
		add(t, "fdsid_list.d_mrz is %v but mrz_format is %q", f.DMRZ, t.MRZFormat)
	}
	if f.List == nil {
		add(t, "fdsid_list.list is missing (use [] for none)")
	}
	if t.ValidityYears < 0 || t.ValidityYears > MaxValidityYears {
		add(t, "validity_years %d is outside 0–%d", t.ValidityYears, MaxValidityYears)
	}
	if t.Generic {
		if f.ICAOCode != "" || t.CountryCode != "" {
			add(t, "a generic type has no icao_code or country_code")
		}
	} else {
		icao, ok := ICAOFromAlpha2(t.CountryCode)
		if !ok {
			add(t, "country_code %q is not an ISO 3166-1 alpha-2 code", t.CountryCode)
		} else if icao != f.ICAOCode {
			add(t, "country_code %q is ICAO %q but fdsid_list.icao_code is %q", t.CountryCode, icao, f.ICAOCode)
		}
		if strings.TrimSpace(f.DCountryName) == "" {
			add(t, "fdsid_list.d_country_name is empty")
		}
	}
	// lights: every bit named, white for OCR, and the lights each
	// authenticity check needs.
	if u := t.NecessaryLights.Unknown(); u != 0 {
		add(t, "necessary_lights %d has unknown bits 0x%x", uint32(t.NecessaryLights), uint32(u))
	}
	if u := t.AuthenticityNecessaryLights.Unknown(); u != 0 {
		add(t, "authenticity_necessary_lights %d has unknown bits 0x%x", uint32(t.AuthenticityNecessaryLights), uint32(u))
	}
	if t.NecessaryLights&whiteLights == 0 {
		add(t, "necessary_lights %s has no white light, which OCR needs", t.NecessaryLights)
	}
	if u := t.CheckAuthenticity.Unknown(); u != 0 {
		add(t, "check_authenticity %d has unknown bits 0x%x", uint32(t.CheckAuthenticity), uint32(u))
	}
	avail := t.NecessaryLights | t.AuthenticityNecessaryLights
	if t.CheckAuthenticity&AuthUVLuminescence != 0 && avail&lights.UV == 0 {
		add(t, "check_authenticity has UV_Luminescence but no light includes UV")
	}
	if t.CheckAuthenticity&(AuthIRB900|AuthIRVisibility) != 0 && avail&irLights == 0 {
		add(t, "check_authenticity has an IR check but no light includes IR")
	}
	if t.CheckAuthenticity&AuthIRB900 != 0 && t.MRZFormat == MRZNone {
		add(t, "check_authenticity has IR_B900 (MRZ contrast) but the side has no MRZ")
	}
	if t.CheckAuthenticity&AuthImagePattern != 0 && !hasKind(t.UVFeatures, "emblem") {
		add(t, "check_authenticity has Image_Pattern but uv_features has no emblem")
	}
	if t.UVExp < 0 || t.UVExp > 1000 {
		add(t, "uv_exp %d out of range", t.UVExp)
	}
}

func validateLayout(t *Type, add func(*Type, string, ...any)) {
	if t.Side != Front && t.Side != Back {
		add(t, "side %q: want front or back", t.Side)
	}
	w, h := t.SizeMM[0], t.SizeMM[1]
	if !(w > 20 && w < 500 && h > 20 && h < 500) || math.IsNaN(w) || math.IsNaN(h) {
		add(t, "size_mm %v out of range", t.SizeMM)
	} else if want, ok := formatSizes[t.FDSIDList.DFormat]; ok && !t.Generic {
		if math.Abs(w-want[0]) > 6 || math.Abs(h-want[1]) > 6 {
			add(t, "size_mm %v does not match d_format %d (%v)", t.SizeMM, t.FDSIDList.DFormat, want)
		}
	}
	if !schemes[t.PersonalNumberScheme] {
		add(t, "personal_number_scheme %q is unknown", t.PersonalNumberScheme)
	}
	if _, _, ok := t.MRZFormat.Shape(); !ok && t.MRZFormat != MRZNone {
		add(t, "mrz_format %q: want TD1, TD2, TD3, MRVA, MRVB or empty", t.MRZFormat)
	}
	if (t.MRZZone != nil) != (t.MRZFormat != MRZNone) {
		add(t, "mrz_zone must be given exactly when mrz_format is")
	}
	zone := func(what string, r Rect) {
		if err := r.Valid(); err != nil {
			add(t, "%s: %v", what, err)
		}
	}
	if t.MRZZone != nil {
		zone("mrz_zone", *t.MRZZone)
	}
	if t.FaceZone != nil {
		zone("face_zone", *t.FaceZone)
	}
	if len(t.LabelLangs) == 0 {
		add(t, "label_langs is empty")
	}
	for _, l := range t.LabelLangs {
		if !langs[l] {
			add(t, "label_langs: %q is not kk, ru or en", l)
		}
	}
	if len(t.Fields) == 0 && t.MRZFormat == MRZNone {
		add(t, "the side has neither fields nor an MRZ")
	}
	seen := map[string]bool{}
	for _, f := range t.Fields {
		what := "field " + f.Name
		if !fieldNames[f.Name] {
			add(t, "%s: unknown field name", what)
		}
		if seen[f.Name] {
			add(t, "%s appears twice", what)
		}
		seen[f.Name] = true
		if !fieldKinds[f.Kind] {
			add(t, "%s: kind %q is unknown", what, f.Kind)
		}
		if !scripts[f.Script] {
			add(t, "%s: script %q is unknown", what, f.Script)
		}
		zone(what+" zone", f.Zone)
		zone(what+" label_zone", f.LabelZone)
		if f.Labels.EN == "" {
			add(t, "%s: labels.en is missing", what)
		}
		// A reading snaps to values before it is compared with the MRZ:
		// only free text, which no MRZ carries, may have them.
		if len(f.Values) > 0 && f.Kind != KindText {
			add(t, "%s: values are for kind text only, not %q", what, f.Kind)
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil {
				add(t, "%s: pattern %q: %v", what, f.Pattern, err)
			}
		}
		seenValue := map[string]bool{}
		for _, v := range f.Values {
			if !strings.ContainsFunc(v, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
				add(t, "%s: value %q has no letter or digit", what, v)
			}
			if seenValue[v] {
				add(t, "%s: value %q appears twice", what, v)
			}
			seenValue[v] = true
		}
		for _, l := range t.LabelLangs {
			if f.Labels.Get(l) == "" && f.LabelText == "" {
				add(t, "%s: labels.%s is missing but the side prints %s labels", what, l, l)
			}
		}
	}
	for _, a := range t.Anchors {
		if strings.TrimSpace(a.Text) == "" {
			add(t, "an anchor has no text")
		}
		if !langs[a.Lang] {
			add(t, "anchor %q: lang %q is not kk, ru or en", a.Text, a.Lang)
		}
		if a.Kind != "header" && a.Kind != "label" {
			add(t, "anchor %q: kind %q: want header or label", a.Text, a.Kind)
		}
		zone("anchor "+a.Text, a.Zone)
		if a.Kind == "label" && !isFieldLabel(t, a) {
			add(t, "label anchor %q matches no field's printed label and label_zone", a.Text)
		}
	}
	for _, f := range t.UVFeatures {
		if !uvKinds[f.Kind] {
			add(t, "uv feature %q: kind %q is unknown", f.Name, f.Kind)
		}
		zone("uv feature "+f.Name, f.Zone)
	}
	for _, f := range t.IRFeatures {
		if !irKinds[f.Kind] {
			add(t, "ir feature %q: kind %q is unknown", f.Name, f.Kind)
		}
		zone("ir feature "+f.Name, f.Zone)
		if f.Field != "" && !slices.ContainsFunc(t.Fields, func(fd Field) bool { return fd.Name == f.Field }) {
			add(t, "ir feature %q: field %q is not one of the type's fields", f.Name, f.Field)
		}
	}
	for _, d := range t.Decor {
		if !decorKinds[d.Kind] {
			add(t, "decor kind %q is unknown", d.Kind)
		}
		zone("decor "+d.Kind, d.Zone)
	}
	for _, pt := range t.Signature.Patches {
		zone("signature patch", pt.Zone)
	}
	if t.CheckAuthenticity&AuthIRB900 != 0 && !hasKind(t.IRFeatures, "mrz") {
		add(t, "check_authenticity has IR_B900 but ir_features has no mrz zone")
	}
	if t.CheckAuthenticity&AuthIRVisibility != 0 && !hasKind(t.IRFeatures, "ir_dropout") {
		add(t, "check_authenticity has IR_Visibility but ir_features has no ir_dropout zone")
	}
	if t.CheckAuthenticity&AuthPhotoEmbedType != 0 && t.FaceZone == nil && t.Side == Front {
		add(t, "check_authenticity has Photo_Embed_Type but the side has no face_zone")
	}
}

func isFieldLabel(t *Type, a Anchor) bool {
	for _, f := range t.Fields {
		if f.LabelZone == a.Zone && t.PrintedLabel(f) == a.Text {
			return true
		}
	}
	return false
}

func hasKind(fs []Feature, kind string) bool {
	for _, f := range fs {
		if f.Kind == kind {
			return true
		}
	}
	return false
}
