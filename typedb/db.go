package typedb

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/docscan/docscan/hal"
	"github.com/docscan/docscan/lights"
)

//go:embed data/default.json
var defaultJSON []byte

// MaxFileSize bounds one database file, so a corrupt or hostile input
// cannot exhaust memory.
const MaxFileSize = 16 << 20

// ErrInvalid is wrapped by every error about a database's content.
var ErrInvalid = errors.New("invalid document-type database")

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("document type not found")

// File is one database document: the embedded default, a file of extra or
// overriding types, or the content of a signed bundle.
type File struct {
	// Version names this file's content, e.g. "2025.1".
	Version string `json:"version"`
	// Replace, in a layer above the first, discards the layers below it
	// instead of overriding them type by type.
	Replace bool   `json:"replace,omitempty"`
	Types   []Type `json:"types"`
}

// Parse reads one database file strictly: unknown keys, trailing data and
// files over MaxFileSize are errors. It checks the syntax only; Build
// validates the content.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes is over the %d-byte limit", ErrInvalid, len(data), MaxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the database object", ErrInvalid)
	}
	return &f, nil
}

// DefaultFile parses the embedded default database.
func DefaultFile() (*File, error) {
	f, err := Parse(defaultJSON)
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	return f, nil
}

// Default returns the embedded default database, validated.
func Default() (*DB, error) {
	f, err := DefaultFile()
	if err != nil {
		return nil, err
	}
	return Build(f)
}

// LoadDir parses every *.json file of dir, in lexical order, as layers to
// put above a base database with Build or DB.With. A missing dir gives no
// layers and no error.
func LoadDir(dir string) ([]*File, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("typedb dir %s: %w", dir, err)
	}
	sort.Strings(matches)
	var out []*File
	for _, p := range matches {
		data, err := readLimited(p)
		if err != nil {
			return nil, err
		}
		f, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("typedb: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("typedb: read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is over the %d-byte limit", ErrInvalid, path, MaxFileSize)
	}
	return data, nil
}

// DB is a validated, read-only document-type database. It is safe for
// concurrent use.
type DB struct {
	layers   []*File
	version  string
	checksum string
	types    []*Type // sorted by id
	byID     map[int64]*Type
	byDoc    map[string][]*Type // document alias or alias → sides, front first
	byICAO   map[string][]*Type
	generic  []*Type
}

// Build merges layers bottom to top (a type in a higher layer replaces the
// type with the same id below it; a layer with Replace drops everything
// below) and validates the result.
func Build(layers ...*File) (*DB, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("%w: no layers", ErrInvalid)
	}
	merged := map[int64]Type{}
	var order []int64
	var versions []string
	for li, f := range layers {
		if f == nil {
			return nil, fmt.Errorf("%w: layer %d is nil", ErrInvalid, li)
		}
		if f.Replace {
			merged = map[int64]Type{}
			order = nil
			versions = nil
		}
		versions = append(versions, f.Version)
		seen := map[int64]bool{}
		for _, t := range f.Types {
			if seen[t.ID] {
				return nil, fmt.Errorf("%w: layer %d (version %q): id %d appears twice", ErrInvalid, li, f.Version, t.ID)
			}
			seen[t.ID] = true
			if _, ok := merged[t.ID]; !ok {
				order = append(order, t.ID)
			}
			merged[t.ID] = t
		}
	}
	all := make([]Type, 0, len(order))
	for _, id := range order {
		all = append(all, merged[id])
	}
	if err := Validate(all); err != nil {
		return nil, err
	}

	db := &DB{
		layers:  layers,
		version: strings.Join(versions, "+"),
		byID:    map[int64]*Type{},
		byDoc:   map[string][]*Type{},
		byICAO:  map[string][]*Type{},
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	for i := range all {
		t := &all[i]
		db.types = append(db.types, t)
		db.byID[t.ID] = t
		for _, a := range append([]string{t.Document}, t.Aliases...) {
			db.byDoc[a] = append(db.byDoc[a], t)
		}
		if t.Generic {
			db.generic = append(db.generic, t)
		} else {
			db.byICAO[t.FDSIDList.ICAOCode] = append(db.byICAO[t.FDSIDList.ICAOCode], t)
		}
	}
	for _, sides := range db.byDoc {
		sort.SliceStable(sides, func(i, j int) bool { return sides[i].Side == Front && sides[j].Side != Front })
	}
	canon, err := json.Marshal(File{Version: db.version, Types: all})
	if err != nil {
		return nil, fmt.Errorf("typedb: canonical form: %w", err)
	}
	sum := sha256.Sum256(canon)
	db.checksum = hex.EncodeToString(sum[:])
	return db, nil
}

// With returns a new database with layers added above db's.
func (db *DB) With(layers ...*File) (*DB, error) {
	return Build(append(slices.Clone(db.layers), layers...)...)
}

// Version is the versions of the layers joined by "+".
func (db *DB) Version() string { return db.version }

// Checksum is the hex sha256 of the merged database's canonical JSON
// (types sorted by id), so two devices with the same checksum use the
// same types whatever the layers were.
func (db *DB) Checksum() string { return db.checksum }

// Types returns every type, sorted by id.
func (db *DB) Types() []*Type { return slices.Clone(db.types) }

// ByID returns the type with the given id.
func (db *DB) ByID(id int64) (*Type, bool) {
	t, ok := db.byID[id]
	return t, ok
}

// OtherSide returns the other side of t's document, if the database has it.
func (db *DB) OtherSide(t *Type) (*Type, bool) {
	if t.OtherSide == 0 {
		return nil, false
	}
	return db.ByID(t.OtherSide)
}

// Document returns the sides of the document with the given alias
// (e.g. "kz-id-2014"), front first.
func (db *DB) Document(alias string) []*Type {
	return slices.Clone(db.byDoc[strings.ToLower(alias)])
}

// Documents returns the document aliases (primary ones only), sorted.
func (db *DB) Documents() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range db.types {
		if !seen[t.Document] {
			seen[t.Document] = true
			out = append(out, t.Document)
		}
	}
	sort.Strings(out)
	return out
}

// Resolve finds the sides a reference names: a numeric id (that side and
// its other side), a document alias ("kz-id-2014"), or an alias with a
// side suffix ("kz-id-2014-back", that side only). Sides come front first.
func (db *DB) Resolve(ref string) ([]*Type, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		t, ok := db.ByID(id)
		if !ok {
			return nil, fmt.Errorf("%w: id %d", ErrNotFound, id)
		}
		if o, ok := db.OtherSide(t); ok {
			if t.Side == Front {
				return []*Type{t, o}, nil
			}
			return []*Type{o, t}, nil
		}
		return []*Type{t}, nil
	}
	if sides := db.Document(ref); len(sides) > 0 {
		return sides, nil
	}
	for _, s := range []SideName{Front, Back} {
		if base, ok := strings.CutSuffix(strings.ToLower(ref), "-"+string(s)); ok {
			for _, t := range db.byDoc[base] {
				if t.Side == s {
					return []*Type{t}, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%w: %q is neither an id nor a document alias (known: %s)", ErrNotFound, ref, strings.Join(db.Documents(), ", "))
}

// ByICAO returns the types of the issuing state with the ICAO code
// (e.g. "KAZ"), generic types excluded.
func (db *DB) ByICAO(code string) []*Type {
	return slices.Clone(db.byICAO[strings.ToUpper(code)])
}

// ByCountry returns the types of the issuing state with the API's
// country_code (ISO 3166-1 alpha-2, e.g. "kz"), generic types excluded.
func (db *DB) ByCountry(alpha2 string) ([]*Type, error) {
	code, ok := ICAOFromAlpha2(alpha2)
	if !ok {
		return nil, fmt.Errorf("%w: unknown country code %q", ErrNotFound, alpha2)
	}
	return db.ByICAO(code), nil
}

// Generic returns the generic ICAO types; with a format, only the sides
// carrying an MRZ of that format.
func (db *DB) Generic(format MRZFormat) []*Type {
	var out []*Type
	for _, t := range db.generic {
		if format == MRZNone || t.MRZFormat == format {
			out = append(out, t)
		}
	}
	return out
}

// Candidates returns the types recognition should score for a request
// with the API's country_code: that state's types, then the generic ones.
// An empty country_code gives every type.
func (db *DB) Candidates(alpha2 string) ([]*Type, error) {
	if strings.TrimSpace(alpha2) == "" {
		return db.Types(), nil
	}
	state, err := db.ByCountry(alpha2)
	if err != nil {
		return nil, err
	}
	return append(state, db.generic...), nil
}

// CheckBoard reports, per type, the lighting schemes of its
// necessary_lights and authenticity_necessary_lights that a board with
// profile p and the available channels cannot make. The errors wrap
// lights.ErrSchemeMissing; nil means the board makes every light of
// every type. A lacking light is a degraded check, not a broken
// database, so this is separate from validation.
func (db *DB) CheckBoard(p lights.Profile, available hal.ChannelSet) error {
	var errs []error
	for _, t := range db.types {
		if err := p.Check(t.NecessaryLights|t.AuthenticityNecessaryLights, available); err != nil {
			errs = append(errs, fmt.Errorf("type %d (%s %s): %w", t.ID, t.Document, t.Side, err))
		}
	}
	return errors.Join(errs...)
}
