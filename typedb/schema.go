package typedb

import (
	"encoding/json"
	"fmt"
	"image"
	"math"
	"regexp"
	"strings"
	"sync"
)

// MaxValidityYears is the longest validity period of an ICAO document,
// in years.
const MaxValidityYears = 10

// Type is one side of a document type: the API's document_type object
// (embedded, so its JSON keys are the API's) plus what recognition and the
// specimen renderer need. Every zone is in normalised side coordinates:
// (0,0) is the top-left corner of the side, (1,1) the bottom-right.
//
// A Type held by a DB is shared; callers must not modify it.
type Type struct {
	DocumentType

	// Document is the short alias of the whole document this side belongs
	// to, e.g. "kz-id-2014"; both sides of a card carry the same one.
	Document string `json:"document"`
	// Aliases are further names of the document, e.g. "kz-id-current".
	Aliases []string `json:"aliases,omitempty"`
	// Side is "front" or "back".
	Side SideName `json:"side"`
	// OtherSide is the id of the other side of the same document, 0 when
	// the document has one side in the database (a passport data page).
	OtherSide int64 `json:"other_side,omitempty"`
	// CountryCode is the API's country_code (ISO 3166-1 alpha-2, lower
	// case) of the issuing state; "" for a generic type.
	CountryCode string `json:"country_code"`
	// Generic marks the ICAO types that stand for any issuing state.
	Generic bool `json:"generic,omitempty"`

	// SizeMM is the side's width and height in millimetres.
	SizeMM [2]float64 `json:"size_mm"`
	// MRZFormat is the side's MRZ format; "" when it has none.
	MRZFormat MRZFormat `json:"mrz_format"`
	// MRZZone is where the MRZ is printed; nil when there is none.
	MRZZone *Rect `json:"mrz_zone,omitempty"`
	// PersonalNumberScheme names the rule the personal number follows,
	// e.g. "kz-iin"; "" when the type sets none.
	PersonalNumberScheme string `json:"personal_number_scheme,omitempty"`
	// ValidityYears is how many whole years (up to MaxValidityYears)
	// every document of the type is valid: it expires on the anniversary
	// of its issue or the day before. 0 when the period varies (by age,
	// by the fee paid).
	ValidityYears int `json:"validity_years,omitempty"`
	// LabelLangs are the languages of the printed labels, in print order
	// ("kk", "ru", "en"); a label prints as its texts joined by " / ".
	LabelLangs []string `json:"label_langs"`

	Fields  []Field  `json:"fields"`
	Anchors []Anchor `json:"anchors"`
	// FaceZone is where the holder's portrait is; nil when there is none.
	FaceZone *Rect `json:"face_zone,omitempty"`
	// UVFeatures are regions that fluoresce under 365 nm (emblem, fibres).
	UVFeatures []Feature `json:"uv_features"`
	// IRFeatures are regions with a known response under IR: kind "mrz"
	// and "ir_visible" stay dark, kind "ir_dropout" (colour print) vanishes.
	IRFeatures []Feature `json:"ir_features"`
	// Signature is the side's layout and colour signature.
	Signature Signature `json:"signature"`
	// Decor is the colour print the renderer draws besides the text
	// (rosettes, printed emblems); recognition may use it as layout.
	Decor []Decor `json:"decor,omitempty"`
}

// API returns the side's document_type object as the API returns it,
// with p set.
func (t *Type) API(p float64) DocumentType {
	d := t.DocumentType
	d.P = p
	d.FDSIDList.List = append([]int64{}, t.FDSIDList.List...)
	return d
}

// Field returns the field with the given response name.
func (t *Type) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Aspect returns width / height.
func (t *Type) Aspect() float64 { return t.SizeMM[0] / t.SizeMM[1] }

// PrintedLabel returns the label text as printed on the side.
func (t *Type) PrintedLabel(f Field) string {
	if f.LabelText != "" {
		return f.LabelText
	}
	parts := make([]string, 0, len(t.LabelLangs))
	for _, l := range t.LabelLangs {
		if s := f.Labels.Get(l); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " / ")
}

// SideName is "front" or "back".
type SideName string

// The two sides.
const (
	Front SideName = "front"
	Back  SideName = "back"
)

// MRZFormat is an ICAO 9303 machine-readable zone format.
type MRZFormat string

// MRZ formats; MRZNone means the side carries no MRZ.
const (
	MRZNone MRZFormat = ""
	MRZTD1  MRZFormat = "TD1"
	MRZTD2  MRZFormat = "TD2"
	MRZTD3  MRZFormat = "TD3"
	MRZMRVA MRZFormat = "MRVA"
	MRZMRVB MRZFormat = "MRVB"
)

// Shape returns the number of lines and characters per line of the
// format; ok is false for MRZNone and unknown formats.
func (f MRZFormat) Shape() (lines, chars int, ok bool) {
	switch f {
	case MRZTD1:
		return 3, 30, true
	case MRZTD2:
		return 2, 36, true
	case MRZTD3:
		return 2, 44, true
	case MRZMRVA:
		return 2, 44, true
	case MRZMRVB:
		return 2, 36, true
	}
	return 0, 0, false
}

// Rect is a zone in normalised side coordinates: [x0, y0, x1, y1].
type Rect [4]float64

// Valid reports why r is not a zone inside the side with positive area.
func (r Rect) Valid() error {
	for _, v := range r {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return fmt.Errorf("zone %v leaves [0,1]", [4]float64(r))
		}
	}
	if r[0] >= r[2] || r[1] >= r[3] {
		return fmt.Errorf("zone %v is empty (want x0<x1, y0<y1)", [4]float64(r))
	}
	return nil
}

// Pixels maps r onto an image of w×h pixels.
func (r Rect) Pixels(w, h int) image.Rectangle {
	return image.Rect(
		int(math.Round(r[0]*float64(w))), int(math.Round(r[1]*float64(h))),
		int(math.Round(r[2]*float64(w))), int(math.Round(r[3]*float64(h))),
	)
}

// Width and Height return the zone's normalised extent.
func (r Rect) Width() float64  { return r[2] - r[0] }
func (r Rect) Height() float64 { return r[3] - r[1] }

// Contains reports whether s lies inside r.
func (r Rect) Contains(s Rect) bool {
	return s[0] >= r[0] && s[1] >= r[1] && s[2] <= r[2] && s[3] <= r[3]
}

// Labels are a field's label texts by language.
type Labels struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

// Get returns the label in language lang ("kk", "ru" or "en").
func (l Labels) Get(lang string) string {
	switch lang {
	case "kk":
		return l.KK
	case "ru":
		return l.RU
	case "en":
		return l.EN
	}
	return ""
}

// FieldKind says what a field holds.
type FieldKind string

// Field kinds.
const (
	KindName   FieldKind = "name"   // a person's name
	KindDate   FieldKind = "date"   // dd.mm.yyyy
	KindNumber FieldKind = "number" // document or personal number
	KindText   FieldKind = "text"   // free text: place, authority, nationality
	KindSex    FieldKind = "sex"
	KindCode   FieldKind = "code" // short code: document type, state code
)

// Script is the writing system of a field's value.
type Script string

// Scripts.
const (
	ScriptCyrillic Script = "cyrillic" // Kazakh and Russian Cyrillic
	ScriptLatin    Script = "latin"
	ScriptDigits   Script = "digits"
	ScriptMixed    Script = "mixed"
)

// Field is one printed field of the visual zone.
type Field struct {
	// Name is the response field it fills (last_name, first_name,
	// patronymic, personal_number, date_of_birth, document_number,
	// authority, date_of_issue, date_of_expiry) or a further one
	// (place_of_birth, nationality, citizenship, sex, doc_code,
	// issuing_state).
	Name   string    `json:"name"`
	Kind   FieldKind `json:"kind"`
	Script Script    `json:"script"`
	// Zone is where the value is printed.
	Zone Rect `json:"zone"`
	// LabelZone is where the label is printed.
	LabelZone Rect   `json:"label_zone"`
	Labels    Labels `json:"labels"`
	// LabelText, when set, is the label exactly as printed (e.g. "№")
	// instead of the labels joined in LabelLangs order.
	LabelText string `json:"label_text,omitempty"`
	// Values, when set, is the closed set of values the field takes (the
	// issuing authorities a state prints, say): a reading near one entry
	// is taken as that entry, since OCR misreads short abbreviations.
	Values []string `json:"values,omitempty"`
	// Pattern, when set, is a regular expression every value of the
	// field matches as printed (a Kazakh ID's number is nine digits): a
	// reading that does not match lost or gained a character, and is no
	// value of the field.
	Pattern string `json:"pattern,omitempty"`
}

// Matches reports whether v is a value of the field's Pattern: any v
// when the field has none, none when its pattern does not compile
// (Validate rejects such a database).
func (f Field) Matches(v string) bool {
	if f.Pattern == "" {
		return true
	}
	re := compiledPattern(f.Pattern)
	return re != nil && re.MatchString(v)
}

// patterns holds each field pattern compiled (nil when it does not
// compile): every number read is matched, so a pattern is compiled once.
var patterns sync.Map

func compiledPattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}

// Anchor is a fixed text printed on the side, used to identify the type
// and to register the layout.
type Anchor struct {
	Text string `json:"text"`
	Lang string `json:"lang"`
	Zone Rect   `json:"zone"`
	// Kind is "header" (drawn as a title) or "label" (the text of a
	// field's printed label, drawn with the field).
	Kind string `json:"kind"`
}

// Feature is a region with a security feature under UV or IR light.
type Feature struct {
	Name string `json:"name"`
	// Kind: under UV "emblem" (a fluorescent image); under IR "mrz",
	// "ir_visible" (black ink that stays) or "ir_dropout" (colour print
	// that vanishes).
	Kind string `json:"kind"`
	Zone Rect   `json:"zone"`
	// Field, for an "ir_visible" zone that holds a field's printed value,
	// names that field: where the visual zone found the value by its
	// label, the value is measured there, since a card printed a few
	// millimetres off the type's layout puts it beside the zone.
	Field string `json:"field,omitempty"`
}

// Signature is what a side looks like at a glance under white light.
type Signature struct {
	// Paper is the dominant background colour.
	Paper RGB `json:"paper"`
	// Ink is the colour of the pre-printed labels and headers.
	Ink RGB `json:"ink"`
	// Patches are regions of known background colour (bands, clear
	// zones); compare their median colour.
	Patches []Patch `json:"patches"`
}

// Patch is a region whose background is of colour RGB.
type Patch struct {
	Zone Rect `json:"zone"`
	RGB  RGB  `json:"rgb"`
}

// Decor is an element of colour print: "rosette" (guilloche rosette) or
// "emblem" (a printed state emblem).
type Decor struct {
	Kind string `json:"kind"`
	Zone Rect   `json:"zone"`
	RGB  RGB    `json:"rgb"`
}

// RGB is a colour, written "#rrggbb" in JSON.
type RGB [3]uint8

// MarshalJSON writes "#rrggbb".
func (c RGB) MarshalJSON() ([]byte, error) {
	return json.Marshal(fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]))
}

// UnmarshalJSON reads "#rrggbb".
func (c *RGB) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("colour: %w", err)
	}
	if len(s) != 7 || s[0] != '#' {
		return fmt.Errorf("colour %q: want #rrggbb", s)
	}
	var v [3]uint8
	for i := range 3 {
		hi, ok1 := hexVal(s[1+2*i])
		lo, ok2 := hexVal(s[2+2*i])
		if !ok1 || !ok2 {
			return fmt.Errorf("colour %q: want #rrggbb", s)
		}
		v[i] = hi<<4 | lo
	}
	*c = v
	return nil
}

func hexVal(b byte) (uint8, bool) {
	switch {
	case b >= '0' && b <= '9':
		return b - '0', true
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10, true
	case b >= 'A' && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}
