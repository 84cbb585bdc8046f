package specimen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// Family is a typeface in the weights a varied specimen prints with.
type Family struct {
	// Name is how a Variation names it ("dejavu-condensed").
	Name    string
	Regular *opentype.Font
	Bold    *opentype.Font // nil for a family with no bold weight
}

// familyPaths are the sans families a varied specimen may print its
// labels, values and headers in (regular, bold), from Debian's
// fonts-dejavu-core, fonts-liberation2 and fonts-noto-core.
var familyPaths = []struct{ name, regular, bold string }{
	{"dejavu", DefaultSansPath, DefaultBoldPath},
	{"dejavu-condensed", "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"},
	{"liberation", "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"},
	{"noto", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"},
}

// monoPaths are the monospace families a varied specimen may print its
// MRZ in instead of OCR-B, as a printer without OCR-B would.
var monoPaths = []struct{ name, regular, bold string }{
	{"dejavu-mono", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", ""},
	{"liberation-mono", "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf", ""},
	{"noto-mono", "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf", ""},
}

// LoadFamilies parses the sans and monospace families that are installed
// into fs.Families and fs.MonoFamilies, skipping those whose files are
// missing. A varied specimen draws its fonts from what was loaded, so the
// same seed gives the same images only where the same fonts are installed
// (`make deps` installs them all).
func (f *Fonts) LoadFamilies() error {
	load := func(list []struct{ name, regular, bold string }) ([]Family, error) {
		var out []Family
		for _, p := range list {
			reg, err := parseFontFile(p.regular)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			fam := Family{Name: p.name, Regular: reg}
			if p.bold != "" {
				if fam.Bold, err = parseFontFile(p.bold); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return nil, err
				}
			}
			out = append(out, fam)
		}
		return out, nil
	}
	var err error
	if f.Families, err = load(familyPaths); err != nil {
		return err
	}
	f.MonoFamilies, err = load(monoPaths)
	return err
}

func parseFontFile(path string) (*opentype.Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("specimen font: %w", err)
	}
	fnt, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("specimen font %s: %w", path, err)
	}
	return fnt, nil
}

// family returns the loaded family called name.
func (f *Fonts) family(name string, mono bool) (*Family, error) {
	list := f.Families
	if mono {
		list = f.MonoFamilies
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i], nil
		}
	}
	return nil, fmt.Errorf("specimen: font family %q is not loaded (is it installed? see Fonts.LoadFamilies)", name)
}

// covers reports whether fnt has a glyph for every rune of s.
func covers(fnt *opentype.Font, s string) bool {
	var buf sfnt.Buffer
	for _, r := range s {
		if r == ' ' {
			continue
		}
		if i, err := fnt.GlyphIndex(&buf, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}
