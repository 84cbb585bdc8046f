package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // uploads are JPEG or PNG, as the API takes them
	_ "image/png"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/typedb"
)

const recognizeUsage = `usage: docscan recognize -front IMG [-back IMG] [-country CC] [flags]

Recognises document images on this machine, through the same engine as
the HTTP API, and prints the API's JSON response with the additions mrz
("mrz": null when no MRZ was read), other_mrz (a further document's MRZ
in the same image; [] for none), fields and checks.

Photos give only white light: the IR and UV checks report "not done".
Scanner frames of the other lights may be given with -front-ir,
-front-uv, -back-ir and -back-uv (same size as the white frame).
flags:
`

// maxImagePixels bounds a decoded image, as the API does.
const maxImagePixels = 40_000_000

// runRecognize is `docscan recognize`.
func runRecognize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recognize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	front := fs.String("front", "", "front side image (JPEG or PNG)")
	back := fs.String("back", "", "back side image (JPEG or PNG)")
	frontIR := fs.String("front-ir", "", "front side under IR (scanner frame)")
	frontUV := fs.String("front-uv", "", "front side under UV (scanner frame)")
	backIR := fs.String("back-ir", "", "back side under IR (scanner frame)")
	backUV := fs.String("back-uv", "", "back side under UV (scanner frame)")
	country := fs.String("country", "", "country_code (ISO 3166-1 alpha-2, e.g. kz) to narrow the types")
	th := quality.Default()
	fs.Var(&th, "quality", "image-quality `thresholds` as name=value,... (docs/recognition.md)")
	typedbDir := fs.String("typedb", "", "directory of extra type-database files layered over the embedded one")
	images := fs.Bool("images", false, "keep the base64 images in the output (left empty by default)")
	timings := fs.Bool("timings", false, "print the stage timings to stderr")
	fs.Usage = func() {
		fmt.Fprint(stderr, recognizeUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *front == "" && *back == "" {
		fs.Usage()
		return usagef("give -front, -back or both")
	}
	in := pipeline.Input{CountryCode: *country}
	var err error
	if in.Front, err = loadSide(*front, *frontIR, *frontUV); err != nil {
		return err
	}
	if in.Back, err = loadSide(*back, *backIR, *backUV); err != nil {
		return err
	}

	db, err := typedb.Default()
	if err != nil {
		return err
	}
	if *typedbDir != "" {
		layers, err := typedb.LoadDir(*typedbDir)
		if err != nil {
			return err
		}
		if len(layers) > 0 {
			if db, err = db.With(layers...); err != nil {
				return err
			}
		}
	}
	pool, err := ocr.NewPool(ocr.Options{Workers: runtime.NumCPU()})
	if err != nil {
		if !errors.Is(err, ocr.ErrUnavailable) {
			return err
		}
		fmt.Fprintf(stderr, "docscan recognize: %v: the visual zone is not read\n", err)
		pool = nil
	} else {
		defer pool.Close()
	}
	eng, err := pipeline.New(db, pool, pipeline.Options{Quality: th})
	if err != nil {
		return err
	}
	res, err := eng.Recognize(ctx, in)
	if err != nil {
		if q, ok := pipeline.QualityOf(err); ok {
			// as the API answers a rejection: its detail and the quality
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(map[string]any{"detail": err.Error(), "quality": q})
		}
		return err
	}
	if *timings {
		for _, t := range res.Timings {
			fmt.Fprintf(stderr, "%-9s %-5s %v\n", t.Stage, t.Side, t.Duration.Round(100*time.Microsecond))
		}
		fmt.Fprintf(stderr, "total           %v\n", res.Elapsed.Round(100*time.Microsecond))
	}
	if !*images {
		res.Images = pipeline.Images{}
	}
	if res.Fields == nil {
		res.Fields = map[string]pipeline.FieldReport{}
	}
	if res.Checks == nil {
		res.Checks = []pipeline.Check{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false) // the MRZ's '<' stays readable
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// loadSide reads a side's frames; "" white means the side is not given.
func loadSide(white, ir, uv string) (*pipeline.SideInput, error) {
	if white == "" {
		if ir != "" || uv != "" {
			return nil, errors.New("an IR or UV frame without its white frame")
		}
		return nil, nil
	}
	s := &pipeline.SideInput{}
	var err error
	if s.White, err = loadImage(white); err != nil {
		return nil, err
	}
	if ir != "" {
		if s.IR, err = loadImage(ir); err != nil {
			return nil, err
		}
		s.Scanner = true
	}
	if uv != "" {
		if s.UV, err = loadImage(uv); err != nil {
			return nil, err
		}
		s.Scanner = true
	}
	return s, nil
}

func loadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil, fmt.Errorf("%s: %d×%d pixels is outside what is read (at most %d)", path, cfg.Width, cfg.Height, maxImagePixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	// upright by its EXIF orientation, as a phone meant it
	img, _, err := imgutil.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
