package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// writeSide renders into dir the white frame of a side as a phone photo
// would show it (and, when scanner is set, its IR and UV frames as
// PNG), returning the paths.
func writeSides(t *testing.T, ref string, variant specimen.Variant, scanner bool) (map[typedb.SideName][3]string, *specimen.Specimen) {
	t.Helper()
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		t.Skip(err)
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := r.Render(context.Background(), ref, specimen.Options{Seed: 42, Variant: variant, PxPerMM: 16})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := map[typedb.SideName][3]string{}
	for i, s := range spec.Sides {
		d := specimen.Degradation{Rotate: 2.5, Blur: 0.6, Noise: 3, Light: 0.2, Background: color.RGBA{120, 90, 60, 255}}
		layers := []*image.RGBA{s.White}
		if scanner {
			d.Background = color.RGBA{12, 12, 14, 255}
			layers = append(layers, s.IR, s.UV)
		}
		p, err := specimen.Degrade(layers, d, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		var paths [3]string
		paths[0] = filepath.Join(dir, string(s.Name)+".jpg")
		f, err := os.Create(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, p.Layers[0], &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		for k := 1; k < len(p.Layers); k++ {
			paths[k] = filepath.Join(dir, string(s.Name)+[]string{"", "-ir.png", "-uv.png"}[k])
			f, err := os.Create(paths[k])
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, p.Layers[k]); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		out[s.Name] = paths
	}
	return out, spec
}

func needTesseract(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	if p, err := ocr.NewPool(ocr.Options{}); err != nil {
		t.Skipf("tesseract: %v", err)
	} else {
		p.Close()
	}
}

func TestRecognizeCommandPhotos(t *testing.T) {
	needTesseract(t)
	paths, spec := writeSides(t, "kz-id-2014", specimen.Genuine, false)
	var stdout, stderr bytes.Buffer
	err := runRecognize(context.Background(), []string{"-front", paths[typedb.Front][0], "-back", paths[typedb.Back][0], "-country", "kz"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("recognize: %v (stderr %s)", err, stderr.String())
	}
	var res map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	for _, k := range []string{"first_name", "last_name", "patronymic", "personal_number", "date_of_birth", "document_number",
		"authority", "date_of_issue", "date_of_expiry", "country_code", "document_type", "images", "failure_reason", "mrz", "other_mrz", "fields", "checks", "quality"} {
		if _, ok := res[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if o, ok := res["other_mrz"].([]any); !ok || len(o) != 0 {
		t.Errorf("other_mrz = %v, want [] for one document", res["other_mrz"])
	}
	m, ok := res["mrz"].(map[string]any)
	if !ok {
		t.Fatalf("mrz = %v, want an object", res["mrz"])
	}
	if m["format"] != "TD1" || m["valid"] != true {
		t.Errorf("mrz format %v valid %v", m["format"], m["valid"])
	}
	lines, _ := m["lines"].([]any)
	if len(lines) != 3 || lines[0] != spec.Truth.MRZ.Lines[0] {
		t.Errorf("mrz lines differ from the printed ones")
	}
	dt := res["document_type"].(map[string]any)
	fs := dt["frontside"].(map[string]any)
	if int64(fs["id"].(float64)) != spec.Truth.Types[typedb.Front] {
		t.Errorf("frontside id %v, want %d", fs["id"], spec.Truth.Types[typedb.Front])
	}
	if res["document_number"] != spec.Truth.Printed[typedb.Back]["document_number"] {
		t.Errorf("document_number differs from the printed one")
	}
	if res["date_of_birth"] != spec.Truth.Person.DateOfBirth {
		t.Errorf("date_of_birth differs from the printed one")
	}
	// photos: IR and UV checks are not done, never passed
	for _, c := range res["checks"].([]any) {
		c := c.(map[string]any)
		switch c["name"] {
		case "uv_luminescence", "uv_image_pattern", "ir_b900", "ir_visibility":
			if c["status"] != "not_done" || c["reason"] != "light not captured" {
				t.Errorf("%v on a photo: %v %v", c["name"], c["status"], c["reason"])
			}
		}
	}
	if res["failure_reason"] != "None" {
		t.Errorf("failure_reason %v", res["failure_reason"])
	}
}

func TestRecognizeCommandScannerFrames(t *testing.T) {
	needTesseract(t)
	paths, _ := writeSides(t, "kz-id-2023", specimen.Photocopy, true)
	f, b := paths[typedb.Front], paths[typedb.Back]
	var stdout, stderr bytes.Buffer
	err := runRecognize(context.Background(), []string{"-front", f[0], "-front-ir", f[1], "-front-uv", f[2],
		"-back", b[0], "-back-ir", b[1], "-back-uv", b[2], "-timings"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("recognize: %v", err)
	}
	var res pipeline.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.FailureReason, "uv_luminescence") {
		t.Errorf("a photocopy passed: failure_reason %q", res.FailureReason)
	}
	if !strings.Contains(stderr.String(), "identify") {
		t.Errorf("-timings printed no stages: %q", stderr.String())
	}
}

func TestRecognizeCommandRejections(t *testing.T) {
	needTesseract(t)
	paths, _ := writeSides(t, "kz-id-2014", specimen.Genuine, false)
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank.png")
	img := image.NewGray(image.Rect(0, 0, 800, 600))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	fh, err := os.Create(blank)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(fh, img)
	fh.Close()
	notImage := filepath.Join(dir, "x.jpg")
	os.WriteFile(notImage, []byte("not an image"), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		want error
		msg  string
	}{
		{"back as front", []string{"-front", paths[typedb.Back][0]}, pipeline.ErrNotFrontside, ""},
		{"front as back", []string{"-front", paths[typedb.Front][0], "-back", paths[typedb.Front][0]}, pipeline.ErrNotBackside, ""},
		{"nothing on the front", []string{"-front", blank}, pipeline.ErrFrontsideNotFound, ""},
		{"no side", nil, nil, "give -front"},
		{"not an image", []string{"-front", notImage}, nil, "x.jpg"},
		{"missing file", []string{"-front", filepath.Join(dir, "nope.jpg")}, os.ErrNotExist, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runRecognize(context.Background(), tc.args, &stdout, &stderr)
			if err == nil {
				t.Fatalf("no error; output %s", stdout.String())
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want it to mention %q", err, tc.msg)
			}
			if errors.Is(tc.want, pipeline.ErrFrontsideNotFound) {
				// a blank page says why: no contrast
				var out struct {
					Detail  string             `json:"detail"`
					Quality pipeline.Qualities `json:"quality"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.Quality.Frontside == nil {
					t.Fatalf("no quality with the rejection: %v %s", err, stdout.String())
				}
				if q := out.Quality.Frontside; q.OK || !q.Has("contrast") || out.Detail != pipeline.ErrFrontsideNotFound.Error() {
					t.Errorf("blank page: %+v", out)
				}
			}
		})
	}
	_ = time.Second
}

// TestLoadImageEXIF: `docscan recognize` turns a phone photo upright by
// its EXIF orientation before anything looks at it.
func TestLoadImageEXIF(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range []imgutil.Orientation{imgutil.OrientNormal, imgutil.OrientMirrorH, imgutil.OrientRotate90, imgutil.OrientTransverse} {
		file, err := imgutil.WithOrientation(buf.Bytes(), o)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "photo.jpg")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := loadImage(path)
		if err != nil {
			t.Fatal(err)
		}
		w, h := 30, 20
		if o >= imgutil.OrientTranspose {
			w, h = 20, 30
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("orientation %d: %v, want %d×%d", o, b, w, h)
		}
	}
}
