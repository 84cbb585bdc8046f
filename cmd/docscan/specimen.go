package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// runSpecimen renders a specimen document's white, IR and UV layers and
// its truth.json. It prints paths and type ids only, never the personal
// data it made up.
func runSpecimen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("specimen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ref := fs.String("type", "", "document type: numeric id or alias (e.g. kz-id-2014, kz-id-current, kz-passport, icao-td3); -list shows them")
	out := fs.String("out", "", "output directory: OUT/<side>/{white,ir,uv}.png and OUT/truth.json")
	seed := fs.Int64("seed", 0, "seed for the personal data and the print; 0 picks one at random (recorded in truth.json)")
	variant := fs.String("variant", "genuine", "genuine | photocopy | ir-dead-mrz | tampered-mrz | expired | iin-mismatch")
	date := fs.String("date", "", "the day validity is judged on, YYYY-MM-DD (default today)")
	dpi := fs.Float64("dpi", 600, "resolution in dots per inch")
	extra := fs.String("typedb", "", "directory of extra or overriding document types (*.json)")
	list := fs.Bool("list", false, "list the document aliases and ids, then exit")
	vary := fs.Float64("vary", 0, "0–1: print in another hand (fonts, weights, sizes, positions, colours, artwork) and capture it by scanner or phone, drawn from the seed at this strength; 0 is the house style")
	capture := fs.String("capture", "", "with -vary: scanner | phone | none (default: scanner or phone, drawn from the seed)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: docscan specimen -type ID -out DIR [-seed N] [-variant V] [-date YYYY-MM-DD] [-dpi N] [-typedb DIR] [-vary S [-capture K]]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}

	db, err := typedb.Default()
	if err != nil {
		return err
	}
	if *extra != "" {
		layers, err := typedb.LoadDir(*extra)
		if err != nil {
			return err
		}
		if db, err = db.With(layers...); err != nil {
			return err
		}
	}
	if *list {
		for _, doc := range db.Documents() {
			var parts []string
			var aliases []string
			for _, t := range db.Document(doc) {
				parts = append(parts, fmt.Sprintf("%s %d", t.Side, t.ID))
				aliases = t.Aliases
			}
			a := ""
			if len(aliases) > 0 {
				a = " (also " + strings.Join(aliases, ", ") + ")"
			}
			fmt.Fprintf(stdout, "%-14s %s%s\n", doc, strings.Join(parts, ", "), a)
		}
		return nil
	}
	if *ref == "" || *out == "" {
		fs.Usage()
		return usagef("-type and -out are required")
	}
	v, err := specimen.ParseVariant(*variant)
	if err != nil {
		return err
	}
	opt := specimen.Options{Seed: *seed, Variant: v, PxPerMM: *dpi / 25.4}
	if opt.Seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("random seed: %w", err)
		}
		opt.Seed = int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	}
	if *date != "" {
		if opt.Today, err = time.Parse("2006-01-02", *date); err != nil {
			return fmt.Errorf("-date: %w", err)
		}
	}
	if *vary < 0 || *vary > 1 {
		return usagef("-vary %g: want 0–1", *vary)
	}
	switch *capture {
	case "", "none", specimen.CaptureScanner, specimen.CapturePhone:
	default:
		return usagef("-capture %q: want scanner, phone or none", *capture)
	}
	if *capture != "" && *vary == 0 {
		return usagef("-capture needs -vary")
	}
	fonts, err := specimen.DefaultFonts()
	if err != nil {
		return err
	}
	if *vary > 0 {
		if err := fonts.LoadFamilies(); err != nil {
			return err
		}
		v := specimen.DrawVariation(opt.Seed, *vary, fonts)
		opt.Vary = &v
	}
	r, err := specimen.NewRenderer(db, fonts)
	if err != nil {
		return err
	}
	s, err := r.Render(ctx, *ref, opt)
	if err != nil {
		return err
	}
	if err := s.WriteDir(*out); err != nil {
		return err
	}
	how := ""
	if *vary > 0 && *capture != "none" {
		kind := *capture
		caps, err := specimen.CaptureSides(ctx, s, kind, *vary, opt.Seed)
		if err != nil {
			return err
		}
		if err := specimen.WriteCaptures(*out, caps); err != nil {
			return err
		}
		how = fmt.Sprintf(", varied %.2f, %s capture", *vary, caps[0].Kind)
	} else if *vary > 0 {
		how = fmt.Sprintf(", varied %.2f", *vary)
	}
	var sides []string
	for _, sd := range s.Sides {
		sides = append(sides, fmt.Sprintf("%s %d", sd.Name, sd.TypeID))
	}
	fmt.Fprintf(stdout, "%s: %s %s, seed %d (%s)%s\n", *out, s.Truth.Document, s.Truth.Variant, s.Truth.Seed, strings.Join(sides, ", "), how)
	return nil
}
