package lights

import (
	"errors"
	"strings"
	"testing"

	"github.com/docscan/docscan/hal"
)

func TestDefaultProfileMapsTheBoardChannels(t *testing.T) {
	p := DefaultProfile()
	exact := map[Mask]hal.Channel{
		WhiteTop: hal.WhiteTop, WhiteSide: hal.WhiteSide, WhiteFront: hal.WhiteFront,
		IRTop: hal.IRTop, IRSide: hal.IRSide, IRFront: hal.IRFront, UV: hal.UV,
		AxialWhiteLeft: hal.AxialLeft, AxialWhiteRight: hal.AxialRight,
	}
	for scheme, ch := range exact {
		set, ok := p.Channels(scheme)
		if !ok || set != hal.SetOf(ch) {
			t.Errorf("%s → %s, want %s", scheme, set, ch)
		}
	}
	// Every channel is used by some scheme.
	if got := p.Needs(p.Schemes()); got != hal.AllChannelSet {
		t.Errorf("profile uses %s, want every channel", got)
	}
	// The API's example masks are fully available on a full board.
	for _, m := range []Mask{25165824, 152, 3224} {
		if err := p.Check(m, hal.AllChannelSet); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
}

func TestProfileCheckReportsMissing(t *testing.T) {
	p := DefaultProfile()
	noUV := hal.AllChannelSet &^ hal.SetOf(hal.UV)
	err := p.Check(IRTop|UV|Transmitted|IR940|Mask(0x20000000), noUV)
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrSchemeMissing) {
		t.Fatalf("Check = %v, want a *MissingError", err)
	}
	if me.Unfitted != UV || me.Channels != hal.SetOf(hal.UV) {
		t.Errorf("unfitted %s (channels %s)", me.Unfitted, me.Channels)
	}
	if me.Unmapped != Transmitted|IR940 {
		t.Errorf("unmapped %s", me.Unmapped)
	}
	if me.Unknown != Mask(0x20000000) {
		t.Errorf("unknown %s", me.Unknown)
	}
	if me.Missing() != UV|Transmitted|IR940|Mask(0x20000000) {
		t.Errorf("missing %s", me.Missing())
	}
	msg := err.Error()
	for _, want := range []string{"UV", "Transmitted", "IR_940", "0x20000000", "uv"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestProfileOverride(t *testing.T) {
	p, err := DefaultProfile().Override(map[string][]string{
		"OVI":         {"white-top", "white-side"},
		"White_Gray":  nil,
		"Transmitted": {"white-front"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if set, _ := p.Channels(OVI); set != hal.SetOf(hal.WhiteTop, hal.WhiteSide) {
		t.Errorf("OVI → %s", set)
	}
	if _, ok := p.Channels(WhiteGray); ok {
		t.Error("White_Gray not removed")
	}
	if set, _ := p.Channels(Transmitted); set != hal.SetOf(hal.WhiteFront) {
		t.Errorf("Transmitted → %s", set)
	}
	// The default is unchanged.
	if set, _ := DefaultProfile().Channels(OVI); set != hal.SetOf(hal.WhiteSide) {
		t.Error("Override changed the original")
	}
	for name, bad := range map[string]map[string][]string{
		"unknown scheme":  {"Infrared": {"ir-top"}},
		"several schemes": {"White_Full": {"white-top"}},
		"unknown channel": {"UV": {"uv-254"}},
	} {
		if _, err := DefaultProfile().Override(bad); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestNewProfileValidates(t *testing.T) {
	if _, err := NewProfile(map[Mask]hal.ChannelSet{UV: hal.SetOf(hal.UV)}); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]map[Mask]hal.ChannelSet{
		"two bits":    {WhiteFull: hal.SetOf(hal.WhiteTop)},
		"unnamed bit": {Mask(0x20000000): hal.SetOf(hal.WhiteTop)},
		"empty set":   {UV: 0},
		"bad channel": {UV: 1 << 15},
	} {
		if _, err := NewProfile(m); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if s := DefaultProfile().String(); !strings.HasPrefix(s, "OVI=white-side White_Top=white-top") {
		t.Errorf("String = %q", s)
	}
}
