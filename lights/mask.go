// Package lights owns the lighting schemes: the API's lighting-scheme
// bitmask (necessary_lights, authenticity_necessary_lights), the board
// profile that maps each scheme to LED channels, and the sequencer that
// switches the LEDs and captures one frame per scheme, within the UV
// safety limits.
package lights

import (
	"fmt"
	"math/bits"
	"strings"
)

// Mask is a set of lighting schemes, bit for bit as the Document
// Recognition API's necessary_lights and authenticity_necessary_lights.
type Mask uint32

// The lighting-scheme bits the API's masks carry.
const (
	OVI              Mask = 0x1
	WhiteTop         Mask = 0x2
	WhiteSide        Mask = 0x4
	IRTop            Mask = 0x8
	IRSide           Mask = 0x10
	UV               Mask = 0x80
	AxialWhiteLeft   Mask = 0x400
	AxialWhiteRight  Mask = 0x800
	WhiteFront       Mask = 0x800000
	IRFront          Mask = 0x1000000 // 870 nm
	WhiteFull             = WhiteTop | WhiteSide
	IRFull                = IRTop | IRSide
	AxialWhite            = AxialWhiteLeft | AxialWhiteRight
	NoLight          Mask = 0
)

// bitNames names every bit the masks can carry. Bits not listed here are
// unknown and reported as such.
var bitNames = map[Mask]string{
	OVI:             "OVI",
	WhiteTop:        "White_Top",
	WhiteSide:       "White_Side",
	IRTop:           "IR_Top",
	IRSide:          "IR_Side",
	UV:              "UV",
	AxialWhiteLeft:  "AXIAL_White_Left",
	AxialWhiteRight: "AXIAL_White_Right",
	WhiteFront:      "White_Front",
	IRFront:         "IR_Front",
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

// ParseMask parses names joined by "|" or ",", as printed by String.
func ParseMask(s string) (Mask, error) {
	var m Mask
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' }) {
		f = strings.TrimSpace(f)
		found := false
		for b, n := range bitNames {
			if strings.EqualFold(n, f) {
				m |= b
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown lighting scheme %q", f)
		}
	}
	return m, nil
}
