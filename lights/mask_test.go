package lights

import (
	"encoding/json"
	"testing"
)

func TestAPIExampleMasks(t *testing.T) {
	cases := []struct {
		v    uint32
		want Mask
		str  string
	}{
		{25165824, WhiteFront | IRFront, "White_Front|IR_Front"},
		{152, IRTop | IRSide | UV, "IR_Top|IR_Side|UV"},
		{3224, IRTop | IRSide | UV | AxialWhiteLeft | AxialWhiteRight, "IR_Top|IR_Side|UV|AXIAL_White_Left|AXIAL_White_Right"},
		{6, WhiteFull, "White_Top|White_Side"},
		{0, NoLight, "off"},
	}
	for _, c := range cases {
		var m Mask
		if err := json.Unmarshal([]byte(jsonNum(c.v)), &m); err != nil {
			t.Fatal(err)
		}
		if m != c.want || m.String() != c.str {
			t.Errorf("%d: got %s (%#x), want %s", c.v, m, uint32(m), c.str)
		}
		if m.Unknown() != 0 {
			t.Errorf("%d: unknown bits %s", c.v, m.Unknown())
		}
	}
}

func jsonNum(v uint32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEveryBitNamedOrReported(t *testing.T) {
	named := 0
	for i := range 32 {
		b := Mask(1) << i
		if b.Name() != "" {
			named++
			got, err := ParseMask(b.Name())
			if err != nil || got != b {
				t.Errorf("ParseMask(%q) = %s, %v", b.Name(), got, err)
			}
			if b.Unknown() != 0 {
				t.Errorf("%s reported unknown", b.Name())
			}
			continue
		}
		if b.Unknown() != b {
			t.Errorf("bit %#x has no name but is not reported unknown", uint32(b))
		}
	}
	// eRPRM_Lights names 31 of the 32 bits; 0x20000000 is only part of
	// the raw-Bayer values.
	if named != 31 {
		t.Errorf("%d bits named, want 31", named)
	}
	if Mask(0x20000000).Name() != "" {
		t.Error("0x20000000 should be unnamed")
	}
}

func TestParseMask(t *testing.T) {
	cases := []struct {
		in   string
		want Mask
		ok   bool
	}{
		{"White_Front|IR_Front", WhiteFront | IRFront, true},
		{"ir_top, ir_side ,uv", IRTop | IRSide | UV, true},
		{"RPRM_Light_UV", UV, true},
		{"IR_870", IRFront, true},
		{"Holo", OVD, true},
		{"White_Full", WhiteFull, true},
		{"AXIAL_White_Full|UV", AxialWhite | UV, true},
		{"25165824", WhiteFront | IRFront, true},
		{"0x98", IRTop | IRSide | UV, true},
		{"off", 0, true},
		{"", 0, true},
		{"Infrared", 0, false},
		{"0x1ffffffff", 0, false},
		{"-1", 0, false},
	}
	for _, c := range cases {
		got, err := ParseMask(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseMask(%q) = %s, %v", c.in, got, err)
		}
	}
}

func FuzzParseMask(f *testing.F) {
	for _, s := range []string{"White_Front|IR_Front", "152", "0x20000000", "RPRM_Light_OVD", "uv,,|", "RPRM_Light_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMask(s)
		if err != nil {
			return
		}
		back, err := ParseMask(m.String())
		if err != nil || back != m {
			t.Fatalf("%q → %s does not round-trip: %s, %v", s, m, back, err)
		}
	})
}
