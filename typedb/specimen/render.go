// Package specimen renders specimen identity documents for the simulator
// and for tests: for every side of a typedb document type, the image under
// white, infrared and ultraviolet light, with random or given personal
// data, and the ground truth of what was printed.
//
// The layout comes from the typedb (zones, labels, anchors, feature
// regions, colours), so recognition and rendering use one description.
// Variants break exactly one thing: the UV and IR response of a
// photocopy, the IR visibility of the MRZ, a printed MRZ character, the
// expiry, or the IIN's agreement with the document.
//
// A Variation (Options.Vary) prints the same data in another hand (other
// typefaces, weights, sizes, positions, colours and artwork), and
// CaptureSides captures the sides as a varied scanner or phone would, so
// that an evaluation can leave the house style's world.
package specimen

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/docscan/docscan/typedb"
)

// Variant names what a specimen breaks.
type Variant string

// The variants.
const (
	Genuine     Variant = "genuine"
	Photocopy   Variant = "photocopy"    // glows under UV, no UV emblem, colour print visible under IR
	IRDeadMRZ   Variant = "ir-dead-mrz"  // the MRZ is printed in ink that vanishes under IR
	TamperedMRZ Variant = "tampered-mrz" // one printed MRZ digit changed, its check digit fails
	Expired     Variant = "expired"      // the expiry date is in the past
	IINMismatch Variant = "iin-mismatch" // the IIN's birth date or sex disagrees with the document
)

// Variants lists every variant.
var Variants = []Variant{Genuine, Photocopy, IRDeadMRZ, TamperedMRZ, Expired, IINMismatch}

// ParseVariant checks a variant name; "" is Genuine.
func ParseVariant(s string) (Variant, error) {
	if s == "" {
		return Genuine, nil
	}
	for _, v := range Variants {
		if string(v) == s {
			return v, nil
		}
	}
	names := make([]string, len(Variants))
	for i, v := range Variants {
		names[i] = string(v)
	}
	return "", fmt.Errorf("specimen: unknown variant %q (want %s)", s, strings.Join(names, ", "))
}

// DefaultPxPerMM is the rendering resolution: 600 dpi, so an ID-1 card is
// 2022×1275 pixels.
const DefaultPxPerMM = 600 / 25.4

// Options control one rendering. Zero fields take defaults.
type Options struct {
	// Seed drives every random choice: the same seed, type, variant and
	// Today give the same images and truth, byte for byte.
	Seed int64
	// Variant is what the specimen breaks; "" is Genuine.
	Variant Variant
	// Today is the date validity is judged on; zero means now (UTC).
	Today time.Time
	// PxPerMM is the resolution; 0 means DefaultPxPerMM.
	PxPerMM float64
	// Person, when set, is rendered instead of a random one. Variants
	// still apply (expired replaces the dates, iin-mismatch the IIN).
	Person *Person
	// Vary, when set, prints the document in another hand: other fonts,
	// sizes, positions, colours and artwork (DrawVariation draws one).
	// Nil is the house style. The person and the variant do not depend
	// on it.
	Vary *Variation
}

// Renderer draws specimens of the types of a database.
type Renderer struct {
	db    *typedb.DB
	fonts *Fonts
}

// NewRenderer returns a renderer over db with the given fonts.
func NewRenderer(db *typedb.DB, fonts *Fonts) (*Renderer, error) {
	if fonts == nil || fonts.Sans == nil || fonts.Bold == nil || fonts.OCRB == nil || fonts.OCRBSharp == nil {
		return nil, ErrNoFonts
	}
	if db == nil {
		return nil, errors.New("specimen: no database")
	}
	return &Renderer{db: db, fonts: fonts}, nil
}

// Side is one rendered side: its three layers, all of the same size.
type Side struct {
	Name   typedb.SideName
	TypeID int64
	White  *image.RGBA
	IR     *image.RGBA // grey (R=G=B)
	UV     *image.RGBA
}

// Specimen is a rendered document and its ground truth.
type Specimen struct {
	Sides []Side
	Truth Truth
}

// Truth is what a specimen carries, written as truth.json.
type Truth struct {
	Document    string                       `json:"document"`
	Types       map[typedb.SideName]int64    `json:"types"`
	CountryCode string                       `json:"country_code"`
	Variant     Variant                      `json:"variant"`
	Seed        int64                        `json:"seed"`
	Today       string                       `json:"today"`
	PxPerMM     float64                      `json:"px_per_mm"`
	Sizes       map[typedb.SideName][2]int   `json:"sizes"`
	Person      PersonTruth                  `json:"person"`
	Printed     map[typedb.SideName]Printed  `json:"printed"`
	MRZ         *MRZTruth                    `json:"mrz"`
	IIN         string                       `json:"iin"`
	IINValid    bool                         `json:"iin_consistent"` // the IIN agrees with the birth date and sex
	IINMismatch string                       `json:"iin_mismatch,omitempty"`
	Expired     bool                         `json:"expired"`
	Breaks      map[typedb.SideName][]string `json:"breaks"` // per side, what the variant broke
	// Variation is how the print strayed from the house style; absent
	// for the house style.
	Variation *VariationTruth `json:"variation,omitempty"`
}

// VariationTruth is the variation a specimen was printed with and the
// offsets it drew: side → element ("headers", "field/<name>", "face",
// "mrz", "decor/<i>") → (dx, dy) as fractions of the side's width and
// height.
type VariationTruth struct {
	Variation
	Offsets map[typedb.SideName]map[string][2]float64 `json:"offsets,omitempty"`
}

// Printed maps field names to the text printed in their zone.
type Printed map[string]string

// PersonTruth is the person with dates as the documents print them.
type PersonTruth struct {
	Person
	DateOfBirth  string `json:"date_of_birth"`
	DateOfIssue  string `json:"date_of_issue"`
	DateOfExpiry string `json:"date_of_expiry"`
}

// MRZTruth is the MRZ as printed.
type MRZTruth struct {
	Format typedb.MRZFormat `json:"format"`
	Side   typedb.SideName  `json:"side"`
	Lines  []string         `json:"lines"`
	// Valid is false when the printed lines fail a check digit.
	Valid    bool       `json:"valid"`
	Tampered *Tampering `json:"tampered,omitempty"`
}

// Render draws every side of the document ref names (an id or an alias,
// as typedb.DB.Resolve takes it).
func (r *Renderer) Render(ctx context.Context, ref string, opt Options) (*Specimen, error) {
	sides, err := r.db.Resolve(ref)
	if err != nil {
		return nil, err
	}
	if opt.Variant == "" {
		opt.Variant = Genuine
	}
	if _, err := ParseVariant(string(opt.Variant)); err != nil {
		return nil, err
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now().UTC()
	}
	opt.Today = civil(opt.Today)
	if opt.PxPerMM == 0 {
		opt.PxPerMM = DefaultPxPerMM
	}
	if opt.PxPerMM < 2 || opt.PxPerMM > 60 {
		return nil, fmt.Errorf("specimen: resolution %.2f px/mm outside 2–60", opt.PxPerMM)
	}
	doc := sides[0]
	var mrzSide *typedb.Type
	for _, s := range sides {
		if s.MRZFormat != typedb.MRZNone {
			mrzSide = s
		}
	}
	switch opt.Variant {
	case IRDeadMRZ, TamperedMRZ:
		if mrzSide == nil {
			return nil, fmt.Errorf("specimen: variant %s needs a side with an MRZ; %s has none", opt.Variant, doc.Document)
		}
	case IINMismatch:
		if doc.PersonalNumberScheme != "kz-iin" {
			return nil, fmt.Errorf("specimen: variant %s needs a type with an IIN; %s has none", opt.Variant, doc.Document)
		}
	}

	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eed5eed))
	var person Person
	if opt.Person != nil {
		person = *opt.Person
		if opt.Variant == Expired {
			person.IssueDate = opt.Today.AddDate(-10, 0, -(1 + rng.IntN(1500)))
			person.ExpiryDate = person.IssueDate.AddDate(10, 0, -1)
		}
	} else {
		numStyle := NumberICAO
		switch {
		case doc.Generic:
		case doc.FDSIDList.DType == 11:
			numStyle = NumberKZPassport
		default:
			numStyle = NumberKZID
		}
		if person, err = NewPerson(rng, opt.Today, opt.Variant == Expired, numStyle); err != nil {
			return nil, err
		}
	}
	if opt.Variant == IINMismatch {
		if err := mismatchIIN(rng, &person); err != nil {
			return nil, err
		}
	}

	t := Truth{
		Document:    doc.Document,
		Types:       map[typedb.SideName]int64{},
		CountryCode: doc.CountryCode,
		Variant:     opt.Variant,
		Seed:        opt.Seed,
		Today:       Date(opt.Today),
		PxPerMM:     opt.PxPerMM,
		Sizes:       map[typedb.SideName][2]int{},
		Person: PersonTruth{Person: person, DateOfBirth: Date(person.BirthDate),
			DateOfIssue: Date(person.IssueDate), DateOfExpiry: Date(person.ExpiryDate)},
		Printed: map[typedb.SideName]Printed{},
		Expired: !person.ExpiryDate.After(opt.Today),
		Breaks:  map[typedb.SideName][]string{},
	}
	if doc.PersonalNumberScheme == "kz-iin" {
		t.IIN = person.IIN
		iin, err := typedb.ParseIIN(person.IIN)
		t.IINValid = err == nil && iin.BirthDate.Equal(person.BirthDate) && string(iin.Sex) == person.Sex
		t.IINMismatch = person.IINMismatch
	}
	if mrzSide != nil {
		lines, err := buildMRZ(mrzDataFor(mrzSide, person))
		if err != nil {
			return nil, err
		}
		m := &MRZTruth{Format: mrzSide.MRZFormat, Side: mrzSide.Side, Lines: lines, Valid: true}
		if opt.Variant == TamperedMRZ {
			tl, tam := tamperMRZ(rng, mrzSide.MRZFormat, lines)
			m.Lines, m.Tampered, m.Valid = tl, &tam, false
		}
		t.MRZ = m
	}

	spec := &Specimen{Truth: t}
	if opt.Vary != nil {
		spec.Truth.Variation = &VariationTruth{Variation: *opt.Vary, Offsets: map[typedb.SideName]map[string][2]float64{}}
	}
	for _, s := range sides {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// each side draws from its own stream, so a side's look does not
		// depend on the other side's, nor on the variant: a variant's
		// images differ from the genuine ones only where it breaks them
		h := fnv.New64a()
		fmt.Fprintf(h, "%d/%d", opt.Seed, s.ID)
		srng := rand.New(rand.NewPCG(h.Sum64(), uint64(opt.Seed)))
		side, printed, breaks, offsets, err := r.renderSide(s, person, spec.Truth.MRZ, opt, srng)
		if err != nil {
			return nil, fmt.Errorf("specimen: %s %s: %w", s.Document, s.Side, err)
		}
		if spec.Truth.Variation != nil && len(offsets) > 0 {
			spec.Truth.Variation.Offsets[s.Side] = offsets
		}
		spec.Sides = append(spec.Sides, side)
		spec.Truth.Types[s.Side] = s.ID
		spec.Truth.Printed[s.Side] = printed
		spec.Truth.Sizes[s.Side] = [2]int{side.White.Rect.Dx(), side.White.Rect.Dy()}
		if len(breaks) > 0 {
			spec.Truth.Breaks[s.Side] = breaks
		}
	}
	switch opt.Variant {
	case TamperedMRZ:
		spec.Truth.Breaks[mrzSide.Side] = append(spec.Truth.Breaks[mrzSide.Side], "mrz_check_digit:"+spec.Truth.MRZ.Tampered.Field)
	case Expired:
		spec.Truth.Breaks[sides[len(sides)-1].Side] = append(spec.Truth.Breaks[sides[len(sides)-1].Side], "date_of_expiry")
	case IINMismatch:
		spec.Truth.Breaks[doc.Side] = append(spec.Truth.Breaks[doc.Side], "iin:"+person.IINMismatch)
	}
	return spec, nil
}

// mrzDataFor fills the MRZ of a side from the person.
func mrzDataFor(s *typedb.Type, p Person) mrzData {
	state := s.FDSIDList.ICAOCode
	if s.Generic {
		state = "UTO"
	}
	d := mrzData{
		Format: s.MRZFormat, State: state, Nationality: state, Number: p.DocumentNumber,
		Birth: p.BirthDate, Expiry: p.ExpiryDate, Sex: p.Sex,
		Surname: typedb.TransliterateICAO(p.LastName), Given: typedb.TransliterateICAO(p.FirstName),
	}
	switch s.MRZFormat {
	case typedb.MRZTD1:
		d.DocCode = "I<"
		if s.PersonalNumberScheme == "kz-iin" {
			d.DocCode = "ID"
			d.Optional = p.IIN
		}
	case typedb.MRZTD2:
		d.DocCode = "I<"
	case typedb.MRZTD3:
		d.DocCode = "P<"
		if s.PersonalNumberScheme == "kz-iin" {
			d.Optional = p.IIN
		}
	default:
		d.DocCode = "V<"
	}
	return d
}

// fieldValue is the text printed in field f of side s.
func fieldValue(s *typedb.Type, f typedb.Field, p Person) string {
	latin := f.Script == typedb.ScriptLatin
	tr := func(cyr string) string {
		if latin {
			return typedb.TransliterateICAO(cyr)
		}
		return cyr
	}
	state := s.FDSIDList.ICAOCode
	if s.Generic {
		state = "UTO"
	}
	switch f.Name {
	case "last_name":
		return tr(p.LastName)
	case "first_name":
		return tr(p.FirstName)
	case "patronymic":
		return tr(p.Patronymic)
	case "date_of_birth":
		return Date(p.BirthDate)
	case "date_of_issue":
		return Date(p.IssueDate)
	case "date_of_expiry":
		return Date(p.ExpiryDate)
	case "personal_number":
		return p.IIN
	case "document_number":
		return p.DocumentNumber
	case "authority":
		if latin || s.Generic {
			return p.AuthorityLatin
		}
		return p.Authority
	case "place_of_birth":
		if latin || s.Generic {
			return p.PlaceLatin
		}
		return p.PlaceOfBirth
	case "nationality":
		return p.Nationality
	case "citizenship":
		switch {
		case s.Generic:
			return state
		case latin:
			return strings.ToUpper(s.FDSIDList.DCountryName)
		}
		return "ҚАЗАҚСТАН"
	case "sex":
		switch f.Script {
		case typedb.ScriptCyrillic:
			return map[string]string{"M": "ЕР / М", "F": "ӘЙЕЛ / Ж"}[p.Sex]
		case typedb.ScriptMixed:
			return map[string]string{"M": "ЕР / M", "F": "ӘЙЕЛ / F"}[p.Sex]
		}
		return p.Sex
	case "doc_code":
		return "P"
	case "issuing_state":
		return state
	}
	return ""
}

// Inks, as seen under each light.
var (
	blackInk = color.RGBA{24, 24, 30, 255}
	irPaper  = uint8(212) // paper and colour print reflect 870 nm alike
	irBlack  = uint8(34)  // carbon black absorbs it
	uvDull   = color.RGBA{20, 16, 38, 255}
	uvGlow   = color.RGBA{170, 178, 236, 255} // optical brighteners in office paper
	uvEmblem = color.RGBA{120, 236, 150, 255}
)

func (r *Renderer) renderSide(s *typedb.Type, p Person, m *MRZTruth, opt Options, rng *rand.Rand) (Side, Printed, []string, map[string][2]float64, error) {
	w := int(s.SizeMM[0]*opt.PxPerMM + 0.5)
	h := int(s.SizeMM[1]*opt.PxPerMM + 0.5)
	bounds := image.Rect(0, 0, w, h)
	st, err := r.style(opt.Vary, opt.Seed, s, w, h)
	if err != nil {
		return Side{}, nil, nil, nil, err
	}
	white := image.NewRGBA(bounds)
	painted := st.recolour(s)
	if st.v.Artwork != "" {
		hs := fnv.New64a()
		fmt.Fprintf(hs, "artwork/%d/%d", opt.Seed, s.ID)
		paintArtwork(white, painted, st.v.Artwork, rand.New(rand.NewPCG(hs.Sum64(), 0xa57)))
	} else {
		paintBase(white, painted, rng)
	}

	// colour print: decor
	for i, d := range painted.Decor {
		z := st.place(fmt.Sprintf("decor/%d", i), d.Zone)
		switch d.Kind {
		case "rosette":
			blend(white, rosetteMask(bounds, z, rng), rgba(d.RGB), 0.75)
		case "emblem":
			blend(white, emblemMask(bounds, z), rgba(d.RGB), 0.95)
		}
	}

	// ink masks: colour ink (headers, labels), black (values), MRZ
	colourInk := image.NewAlpha(bounds)
	black := image.NewAlpha(bounds)
	mrzInk := image.NewAlpha(bounds)
	for _, a := range s.Anchors {
		if a.Kind != "header" {
			continue
		}
		if err := drawText(colourInk, st.font(st.header, a.Text), a.Text, st.place("headers", a.Zone), 0.86*st.headerK, 0.84, alignCenter); err != nil {
			return Side{}, nil, nil, nil, err
		}
	}
	printed := Printed{}
	for _, f := range s.Fields {
		label := s.PrintedLabel(f)
		if err := drawText(colourInk, st.font(st.label, label), label, st.place("field/"+f.Name, f.LabelZone), 0.80*st.labelK, 0.82, alignLeft); err != nil {
			return Side{}, nil, nil, nil, err
		}
		v := fieldValue(s, f, p)
		printed[f.Name] = v
		if err := drawText(black, st.font(st.value, v), v, st.place("field/"+f.Name, f.Zone), 0.74*st.valueK, 0.80, alignLeft); err != nil {
			return Side{}, nil, nil, nil, err
		}
	}
	if s.MRZZone != nil && m != nil && m.Side == s.Side {
		f, fb := r.fonts.OCRB, r.fonts.OCRBSharp
		if st.mrz != nil {
			f, fb = st.mrz, st.mrz
		}
		if err := drawMRZ(mrzInk, f, fb, m.Lines, st.place("mrz", *s.MRZZone)); err != nil {
			return Side{}, nil, nil, nil, err
		}
	}

	// the portrait
	var face *image.RGBA
	var faceRect image.Rectangle
	if s.FaceZone != nil {
		faceRect = st.place("face", *s.FaceZone)
		face = portrait(faceRect.Dx(), faceRect.Dy(), p.Sex == "F", rng)
		if st.v.GreyPortrait {
			greyPortrait(face)
		}
		draw.Draw(white, faceRect, face, image.Point{}, draw.Src)
	}
	blend(white, colourInk, rgba(painted.Signature.Ink), 1)
	blend(white, black, blackInk, 1)
	blend(white, mrzInk, blackInk, 1)

	ir := image.NewRGBA(bounds)
	uv := image.NewRGBA(bounds)
	var breaks []string
	switch opt.Variant {
	case Photocopy:
		// toner is carbon: everything printed shows under IR, and office
		// paper glows under UV, with no fluorescent emblem or fibres
		paintPhotocopyIRUV(white, ir, uv)
		breaks = append(breaks, "uv_luminescence", "uv_emblem_absent", "ir_colour_print_visible")
	default:
		paintGenuineIR(ir, black, mrzInk, face, faceRect, opt.Variant == IRDeadMRZ)
		paintGenuineUV(uv, s, colourInk, black, mrzInk, faceRect, opt.PxPerMM, rng)
		if opt.Variant == IRDeadMRZ && s.MRZFormat != typedb.MRZNone {
			breaks = append(breaks, "ir_mrz_invisible")
		}
	}
	return Side{Name: s.Side, TypeID: s.ID, White: white, IR: ir, UV: uv}, printed, breaks, st.offsets, nil
}

func fill(img *image.RGBA, c color.RGBA) {
	draw.Draw(img, img.Rect, &image.Uniform{c}, image.Point{}, draw.Src)
}

// paintGenuineIR: paper and every colour print reflect alike (they vanish);
// carbon-black values and the MRZ stay dark; the dye portrait shows faint.
func paintGenuineIR(ir *image.RGBA, black, mrzInk *image.Alpha, face *image.RGBA, faceRect image.Rectangle, deadMRZ bool) {
	fill(ir, color.RGBA{irPaper, irPaper, irPaper, 255})
	if face != nil {
		for y := 0; y < faceRect.Dy(); y++ {
			for x := 0; x < faceRect.Dx(); x++ {
				o := face.PixOffset(x, y)
				l := luma(face.Pix[o], face.Pix[o+1], face.Pix[o+2])
				v := uint8(float64(irPaper) - 0.3*(float64(irPaper)-l*float64(irPaper)/255))
				d := ir.PixOffset(faceRect.Min.X+x, faceRect.Min.Y+y)
				ir.Pix[d], ir.Pix[d+1], ir.Pix[d+2] = v, v, v
			}
		}
	}
	k := color.RGBA{irBlack, irBlack, irBlack, 255}
	blend(ir, black, k, 1)
	if !deadMRZ {
		blend(ir, mrzInk, k, 1)
	}
}

// paintGenuineUV: dull paper, a fluorescent emblem in the type's UV zones,
// a few fluorescent fibres, inks and portrait darker than the paper.
func paintGenuineUV(uv *image.RGBA, s *typedb.Type, colourInk, black, mrzInk *image.Alpha, faceRect image.Rectangle, pxPerMM float64, rng *rand.Rand) {
	fill(uv, uvDull)
	b := uv.Rect
	fibreColours := []color.RGBA{{230, 60, 70, 255}, {80, 120, 255, 255}, {230, 230, 80, 255}}
	for _, c := range fibreColours {
		blend(uv, fibreMask(b, pxPerMM, 8, rng), c, 0.85)
	}
	for _, f := range s.UVFeatures {
		if f.Kind == "emblem" {
			blend(uv, emblemMask(b, f.Zone.Pixels(b.Dx(), b.Dy())), uvEmblem, 1)
		}
	}
	dark := color.RGBA{6, 5, 12, 255}
	blend(uv, colourInk, dark, 0.6)
	blend(uv, black, dark, 0.9)
	blend(uv, mrzInk, dark, 0.9)
	if !faceRect.Empty() {
		draw.Draw(uv, faceRect, &image.Uniform{color.RGBA{14, 12, 26, 255}}, image.Point{}, draw.Over)
	}
}

// paintPhotocopyIRUV derives a copy's IR and UV from its white image:
// under IR every printed thing absorbs (toner), under UV the paper glows
// and the print darkens it.
func paintPhotocopyIRUV(white, ir, uv *image.RGBA) {
	for i := 0; i < len(white.Pix); i += 4 {
		l := luma(white.Pix[i], white.Pix[i+1], white.Pix[i+2]) / 255
		// toner density rises quickly from the paper's white
		v := uint8(float64(irPaper) * (0.15 + 0.85*l*l))
		ir.Pix[i], ir.Pix[i+1], ir.Pix[i+2], ir.Pix[i+3] = v, v, v, 255
		k := 0.25 + 0.75*l
		uv.Pix[i] = uint8(float64(uvGlow.R) * k)
		uv.Pix[i+1] = uint8(float64(uvGlow.G) * k)
		uv.Pix[i+2] = uint8(float64(uvGlow.B) * k)
		uv.Pix[i+3] = 255
	}
}

// ErrNoFonts is returned when the renderer has no fonts.
var ErrNoFonts = errors.New("specimen: no fonts")
