// Package lights owns the lighting schemes: the API's lighting-scheme
// bitmask (necessary_lights, authenticity_necessary_lights), the board
// profile that maps each scheme to LED channels, and the sequencer that
// switches the LEDs and captures one frame per scheme, within the UV
// safety limits.
package lights

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Mask is a set of lighting schemes, bit for bit as the Document
// Recognition API's necessary_lights and authenticity_necessary_lights.
type Mask uint32

// The lighting-scheme bits the API's masks carry. The values follow
// Regula's eRPRM_Lights, which the Document Recognition API uses for
// necessary_lights and authenticity_necessary_lights. The comments say
// what each light is; the ones marked "approximate" are interpreted from
// the enum's short descriptions, not from a specification.
const (
	OVI              Mask = 0x1        // light for optically variable ink
	WhiteTop         Mask = 0x2        // white, from above (diffuse)
	WhiteSide        Mask = 0x4        // white, from the sides (oblique)
	IRTop            Mask = 0x8        // infrared 870 nm, from above
	IRSide           Mask = 0x10       // infrared 870 nm, from the sides
	Transmitted      Mask = 0x20       // white transmitted from below (alias White_Bottom)
	TransmittedIR    Mask = 0x40       // infrared transmitted from below (alias IR_Bottom)
	UV               Mask = 0x80       // ultraviolet 365 nm
	IRLuminescence   Mask = 0x100      // IR luminescence excited by green light ("Light Green Front")
	AxialWhiteFront  Mask = 0x200      // axial (coaxial, retro-reflective "3M") white
	AxialWhiteLeft   Mask = 0x400      // axial white from the left
	AxialWhiteRight  Mask = 0x800      // axial white from the right
	IR720            Mask = 0x1000     // infrared 720 nm
	IR940            Mask = 0x2000     // infrared 940 nm
	TransmittedIR940 Mask = 0x4000     // infrared 940 nm transmitted
	IR700            Mask = 0x8000     // infrared 700 nm
	AntiStokes       Mask = 0x10000    // anti-Stokes (IR-excited visible) luminescence
	OVDLeft          Mask = 0x20000    // hologram (OVD) light from the left
	OVDRight         Mask = 0x40000    // hologram (OVD) light from the right
	UVC              Mask = 0x80000    // ultraviolet 254 nm
	UVB              Mask = 0x100000   // ultraviolet 313 nm
	WhiteObl         Mask = 0x200000   // oblique white (approximate: low-angle raking light)
	WhiteSpecial     Mask = 0x400000   // white from a special light source (approximate)
	WhiteFront       Mask = 0x800000   // white from a single frontal source
	IRFront          Mask = 0x1000000  // infrared 870 nm from a single frontal source (alias IR_870)
	WhiteGray        Mask = 0x2000000  // greyscale image made from the white one (a processing mode)
	OVD              Mask = 0x4000000  // hologram visualisation (alias Holo)
	Videodetection   Mask = 0x8000000  // internal to the vendor's devices
	IR870Obl         Mask = 0x10000000 // infrared 870 nm, oblique
	HRLight          Mask = 0x40000000 // high-resolution modifier combined with a light, not a light
	RAWData          Mask = 0x80000000 // raw sensor data modifier, not a light

	WhiteFull       = WhiteTop | WhiteSide
	IRFull          = IRTop | IRSide
	AxialWhite      = AxialWhiteLeft | AxialWhiteRight
	WhiteUV         = WhiteFull | UV
	NoLight    Mask = 0
)

// bitNames names every bit the masks can carry, as the API spells them.
// Bit 0x20000000 has no name of its own (it only appears inside the raw
// Bayer-order values 0xA0000000 and 0xB0000000) and is reported as unknown.
var bitNames = map[Mask]string{
	OVI:              "OVI",
	WhiteTop:         "White_Top",
	WhiteSide:        "White_Side",
	IRTop:            "IR_Top",
	IRSide:           "IR_Side",
	Transmitted:      "Transmitted",
	TransmittedIR:    "Transmitted_IR",
	UV:               "UV",
	IRLuminescence:   "IR_Luminescence",
	AxialWhiteFront:  "AXIAL_White_Front",
	AxialWhiteLeft:   "AXIAL_White_Left",
	AxialWhiteRight:  "AXIAL_White_Right",
	IR720:            "IR_720",
	IR940:            "IR_940",
	TransmittedIR940: "Transmitted_IR940",
	IR700:            "IR_700",
	AntiStokes:       "AntiStokes",
	OVDLeft:          "OVD_Left",
	OVDRight:         "OVD_Right",
	UVC:              "UVC",
	UVB:              "UVB",
	WhiteObl:         "White_Obl",
	WhiteSpecial:     "White_Special",
	WhiteFront:       "White_Front",
	IRFront:          "IR_Front",
	WhiteGray:        "White_Gray",
	OVD:              "OVD",
	Videodetection:   "Videodetection",
	IR870Obl:         "IR_870_Obl",
	HRLight:          "HR_Light",
	RAWData:          "RAW_Data",
}

// aliases are further names ParseMask accepts, several of them for more
// than one bit.
var aliases = map[string]Mask{
	"IR_870":           IRFront,
	"Holo":             OVD,
	"IR_Bottom":        TransmittedIR,
	"White_Bottom":     Transmitted,
	"White_Full":       WhiteFull,
	"IR_Full":          IRFull,
	"AXIAL_White_Full": AxialWhite,
	"White_UV":         WhiteUV,
	"Off":              NoLight,
}

// Bits splits m into its single-bit schemes, lowest bit first.
func (m Mask) Bits() []Mask {
	out := make([]Mask, 0, bits.OnesCount32(uint32(m)))
	for v := uint32(m); v != 0; v &= v - 1 {
		out = append(out, Mask(v&-v))
	}
	return out
}

// Has reports whether every bit of b is in m.
func (m Mask) Has(b Mask) bool { return m&b == b }

// Unknown returns the bits of m that have no name.
func (m Mask) Unknown() Mask {
	var u Mask
	for _, b := range m.Bits() {
		if _, ok := bitNames[b]; !ok {
			u |= b
		}
	}
	return u
}

// String returns the scheme names joined by "|", e.g. "White_Front|IR_Front".
func (m Mask) String() string {
	if m == 0 {
		return "off"
	}
	var names []string
	for _, b := range m.Bits() {
		if n, ok := bitNames[b]; ok {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("0x%x", uint32(b)))
		}
	}
	return strings.Join(names, "|")
}

// Name returns the API's name of a single-bit scheme, or "" for a bit
// without one (or a value that is not a single bit).
func (m Mask) Name() string { return bitNames[m] }

// ParseMask parses names joined by "|" or ",", as printed by String. It
// also accepts the "RPRM_Light_" prefix, the API's aliases (IR_870, Holo,
// White_Full, ...), and numbers in decimal or 0x hexadecimal, so that a
// value copied from an API response parses too. Names are case-insensitive.
func ParseMask(s string) (Mask, error) {
	var m Mask
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		b, err := parseTerm(f)
		if err != nil {
			return 0, err
		}
		m |= b
	}
	return m, nil
}

func parseTerm(f string) (Mask, error) {
	if f[0] >= '0' && f[0] <= '9' {
		v, err := strconv.ParseUint(f, 0, 32)
		if err != nil {
			return 0, fmt.Errorf("lighting scheme number %q: %w", f, err)
		}
		return Mask(v), nil
	}
	name := f
	if len(name) > len("RPRM_Light_") && strings.EqualFold(name[:len("RPRM_Light_")], "RPRM_Light_") {
		name = name[len("RPRM_Light_"):]
	}
	for b, n := range bitNames {
		if strings.EqualFold(n, name) {
			return b, nil
		}
	}
	for n, b := range aliases {
		if strings.EqualFold(n, name) {
			return b, nil
		}
	}
	return 0, fmt.Errorf("unknown lighting scheme %q", f)
}
