package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpecimenCommand(t *testing.T) {
	if _, err := os.Stat("/usr/share/fonts/opentype/ocr-b/OCRB.otf"); err != nil {
		t.Skipf("fonts-ocr-b not installed: %v", err)
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run([]string{"specimen", "-type", "kz-id-2014", "-seed", "1", "-date", "2025-06-15", "-dpi", "200", "-out", dir}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, side := range []string{"front", "back"} {
		for _, l := range []string{"white.png", "ir.png", "uv.png"} {
			if fi, err := os.Stat(filepath.Join(dir, side, l)); err != nil || fi.Size() == 0 {
				t.Errorf("%s/%s: %v", side, l, err)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Types  map[string]int64 `json:"types"`
		Seed   int64            `json:"seed"`
		Person struct {
			LastName string `json:"last_name"`
			IIN      string `json:"iin"`
		} `json:"person"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	if truth.Types["front"] != -1040772594 || truth.Types["back"] != -1040772430 || truth.Seed != 1 {
		t.Errorf("truth: %+v", truth)
	}
	// the CLI's own output names the type, never the person
	if s := out.String(); !strings.Contains(s, "-1040772594") || strings.Contains(s, truth.Person.LastName) || strings.Contains(s, truth.Person.IIN) {
		t.Errorf("stdout %q", s)
	}

	// the same seed and date give the same truth
	dir2 := t.TempDir()
	if code := run([]string{"specimen", "-type", "-1040772430", "-seed", "1", "-date", "2025-06-15", "-dpi", "200", "-out", dir2}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	data2, _ := os.ReadFile(filepath.Join(dir2, "truth.json"))
	if !bytes.Equal(data, data2) {
		t.Error("same seed, different truth.json")
	}

	for _, args := range [][]string{
		{"specimen", "-out", dir},
		{"specimen", "-type", "kz-id-2014"},
		{"specimen", "-type", "no-such", "-out", dir},
		{"specimen", "-type", "kz-id-2014", "-out", dir, "-variant", "forged"},
		{"specimen", "-type", "kz-id-2014", "-out", dir, "-date", "15.06.2025"},
		{"specimen", "-type", "icao-td3", "-out", dir, "-variant", "iin-mismatch"},
		{"specimen", "-type", "kz-id-2014", "-out", dir, "-vary", "1.5"},
		{"specimen", "-type", "kz-id-2014", "-out", dir, "-vary", "1", "-capture", "fax"},
		{"specimen", "-type", "kz-id-2014", "-out", dir, "-capture", "phone"},
	} {
		errb.Reset()
		if code := run(args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", args)
		} else if errb.Len() == 0 {
			t.Errorf("%v: no error message", args)
		}
	}

	out.Reset()
	if code := run([]string{"specimen", "-list"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "kz-id-2014     front -1040772594, back -1040772430") {
		t.Errorf("-list: %d %q", code, out.String())
	}
}

// TestSpecimenVary: -vary prints in another hand and captures the sides,
// the same for the same seed.
func TestSpecimenVary(t *testing.T) {
	if _, err := os.Stat("/usr/share/fonts/opentype/ocr-b/OCRB.otf"); err != nil {
		t.Skipf("fonts-ocr-b not installed: %v", err)
	}
	tests := []struct {
		capture string
		files   []string // under front/
		none    []string
	}{
		{"scanner", []string{"capture", "capture-ir", "capture-uv"}, nil},
		{"phone", []string{"capture"}, []string{"capture-ir", "capture-uv"}},
		{"none", nil, []string{"capture"}},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			var prev map[string][]byte
			for range 2 {
				dir := t.TempDir()
				var out, errb bytes.Buffer
				args := []string{"specimen", "-type", "kz-id-2014", "-seed", "3", "-date", "2025-06-15", "-dpi", "100", "-vary", "1", "-capture", tt.capture, "-out", dir}
				if code := run(args, &out, &errb); code != 0 {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
				for _, f := range tt.files {
					m, _ := filepath.Glob(filepath.Join(dir, "front", f+".*"))
					if len(m) != 1 {
						t.Errorf("front/%s.*: %v", f, m)
					}
				}
				for _, f := range tt.none {
					if m, _ := filepath.Glob(filepath.Join(dir, "front", f+".*")); len(m) != 0 {
						t.Errorf("unexpected %v", m)
					}
				}
				var truth struct {
					Variation *struct {
						Shift float64 `json:"shift"`
					} `json:"variation"`
				}
				data, _ := os.ReadFile(filepath.Join(dir, "truth.json"))
				if err := json.Unmarshal(data, &truth); err != nil || truth.Variation == nil || truth.Variation.Shift == 0 {
					t.Errorf("truth.json has no variation: %v", err)
				}
				got := map[string][]byte{}
				files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
				files = append(files, filepath.Join(dir, "truth.json"))
				for _, f := range files {
					got[strings.TrimPrefix(f, dir)], _ = os.ReadFile(f)
				}
				if prev != nil {
					for name, b := range got {
						if !bytes.Equal(b, prev[name]) {
							t.Errorf("%s differs between two runs of the same seed", name)
						}
					}
				}
				prev = got
			}
		})
	}
}
