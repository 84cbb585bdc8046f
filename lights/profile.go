package lights

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/docscan/docscan/hal"
)

// Profile maps each single-bit lighting scheme to the LED channels that
// make it on a board. A scheme that is not in the profile cannot be made.
// The zero Profile maps nothing.
type Profile struct {
	schemes map[Mask]hal.ChannelSet
}

// DefaultProfile is the mapping for a docscan board with all nine channels
// (white top/side/front, IR 870 nm top/side/front, UV 365 nm, axial
// left/right). Exact where the API's light and a channel are the same
// thing; approximate (an interpretation, not a specification) for:
//
//   - OVI: white from the sides, since optically variable ink changes
//     colour with the angle of the light;
//   - AXIAL_White_Front: both axial channels together;
//   - White_Obl: the white side lights, which are the low-angle ones;
//   - IR_870_Obl: the IR side lights;
//   - White_Gray: white top and side, the greyscale being made
//     downstream from that frame.
//
// Transmitted light, the 700/720/940 nm IR, IR luminescence, anti-Stokes,
// UVB/UVC, OVD/hologram, White_Special, Videodetection and the HR/RAW
// modifiers have no channel on this board and are reported as missing.
func DefaultProfile() Profile {
	return Profile{schemes: map[Mask]hal.ChannelSet{
		OVI:             hal.SetOf(hal.WhiteSide),
		WhiteTop:        hal.SetOf(hal.WhiteTop),
		WhiteSide:       hal.SetOf(hal.WhiteSide),
		WhiteFront:      hal.SetOf(hal.WhiteFront),
		IRTop:           hal.SetOf(hal.IRTop),
		IRSide:          hal.SetOf(hal.IRSide),
		IRFront:         hal.SetOf(hal.IRFront),
		UV:              hal.SetOf(hal.UV),
		AxialWhiteLeft:  hal.SetOf(hal.AxialLeft),
		AxialWhiteRight: hal.SetOf(hal.AxialRight),
		AxialWhiteFront: hal.SetOf(hal.AxialLeft, hal.AxialRight),
		WhiteObl:        hal.SetOf(hal.WhiteSide),
		IR870Obl:        hal.SetOf(hal.IRSide),
		WhiteGray:       hal.SetOf(hal.WhiteTop, hal.WhiteSide),
	}}
}

// NewProfile builds a profile from scheme → channels. Every key must be a
// single named scheme and every set non-empty.
func NewProfile(m map[Mask]hal.ChannelSet) (Profile, error) {
	p := Profile{schemes: make(map[Mask]hal.ChannelSet, len(m))}
	for scheme, set := range m {
		if scheme == 0 || scheme&(scheme-1) != 0 {
			return Profile{}, fmt.Errorf("profile key %s is not a single lighting scheme", scheme)
		}
		if scheme.Name() == "" {
			return Profile{}, fmt.Errorf("profile key %s is not a known lighting scheme", scheme)
		}
		if set == 0 || set&^hal.AllChannelSet != 0 {
			return Profile{}, fmt.Errorf("scheme %s: invalid channel set %s", scheme, set)
		}
		p.schemes[scheme] = set
	}
	return p, nil
}

// Override returns a copy of p in which the given schemes map to the given
// channel names, as written in a board configuration (scheme name →
// channel names); an empty list removes the scheme.
func (p Profile) Override(names map[string][]string) (Profile, error) {
	out := Profile{schemes: make(map[Mask]hal.ChannelSet, len(p.schemes)+len(names))}
	for k, v := range p.schemes {
		out.schemes[k] = v
	}
	for name, chans := range names {
		scheme, err := ParseMask(name)
		if err != nil {
			return Profile{}, err
		}
		if scheme == 0 || scheme&(scheme-1) != 0 {
			return Profile{}, fmt.Errorf("profile key %q is not a single lighting scheme", name)
		}
		if len(chans) == 0 {
			delete(out.schemes, scheme)
			continue
		}
		var set hal.ChannelSet
		for _, cn := range chans {
			c, err := hal.ParseChannel(cn)
			if err != nil {
				return Profile{}, fmt.Errorf("scheme %s: %w", name, err)
			}
			set |= hal.SetOf(c)
		}
		out.schemes[scheme] = set
	}
	return out, nil
}

// Channels returns the channels that make the single-bit scheme.
func (p Profile) Channels(scheme Mask) (hal.ChannelSet, bool) {
	set, ok := p.schemes[scheme]
	return set, ok
}

// Schemes returns every scheme the profile maps.
func (p Profile) Schemes() Mask {
	var m Mask
	for k := range p.schemes {
		m |= k
	}
	return m
}

// Needs returns the union of the channels m's schemes use (ignoring the
// ones the profile lacks).
func (p Profile) Needs(m Mask) hal.ChannelSet {
	var set hal.ChannelSet
	for _, b := range m.Bits() {
		set |= p.schemes[b]
	}
	return set
}

// Check reports, as a *MissingError, the schemes of m that a board with
// the available channels cannot make. It returns nil when all can be.
func (p Profile) Check(m Mask, available hal.ChannelSet) error {
	var e MissingError
	for _, b := range m.Bits() {
		set, ok := p.schemes[b]
		switch {
		case b.Name() == "":
			e.Unknown |= b
		case !ok:
			e.Unmapped |= b
		case set&^available != 0:
			e.Unfitted |= b
			e.Channels |= set &^ available
		}
	}
	if e.Unknown|e.Unmapped|e.Unfitted == 0 {
		return nil
	}
	return &e
}

// String lists the mapping, one "scheme=channels" per scheme in bit order.
func (p Profile) String() string {
	keys := make([]Mask, 0, len(p.schemes))
	for k := range p.schemes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.String() + "=" + p.schemes[k].String()
	}
	return strings.Join(parts, " ")
}

// ErrSchemeMissing is matched (errors.Is) by every *MissingError.
var ErrSchemeMissing = errors.New("lighting scheme not available on this board")

// MissingError lists the lighting schemes a board cannot make, by reason.
type MissingError struct {
	// Unknown are bits with no name in the API.
	Unknown Mask
	// Unmapped are named schemes the board profile has no channels for.
	Unmapped Mask
	// Unfitted are schemes whose channels are not all fitted; Channels
	// lists the channels lacking.
	Unfitted Mask
	Channels hal.ChannelSet
}

// Missing returns every scheme that cannot be made.
func (e *MissingError) Missing() Mask { return e.Unknown | e.Unmapped | e.Unfitted }

func (e *MissingError) Error() string {
	var parts []string
	if e.Unmapped != 0 {
		parts = append(parts, fmt.Sprintf("no light on this board for %s", e.Unmapped))
	}
	if e.Unfitted != 0 {
		parts = append(parts, fmt.Sprintf("%s need channels not fitted (%s)", e.Unfitted, e.Channels))
	}
	if e.Unknown != 0 {
		parts = append(parts, fmt.Sprintf("unknown scheme bits %#x", uint32(e.Unknown)))
	}
	return ErrSchemeMissing.Error() + ": " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrSchemeMissing) true.
func (e *MissingError) Is(target error) bool { return target == ErrSchemeMissing }
