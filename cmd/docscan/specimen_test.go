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
