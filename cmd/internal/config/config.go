// Package config lets every command-line flag also be set in a YAML file:
// each top-level key is a flag name without the dash, and a list sets a
// repeatable flag once per item. Flags given on the command line win over
// the file.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// ErrUnknownKey is returned when the file names a setting no flag has.
var ErrUnknownKey = errors.New("unknown setting")

// Parse parses args into fs, then fills every flag not given on the
// command line from the YAML file named by the flag configFlag, if that
// flag is set. Keys named in sections are left for the caller to read
// (e.g. the board profile); every other key must be a flag.
func Parse(fs *flag.FlagSet, args []string, configFlag string, sections ...string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	cf := fs.Lookup(configFlag)
	if cf == nil || cf.Value.String() == "" {
		return nil
	}
	return ApplyFile(fs, cf.Value.String(), sections...)
}

// ApplyFile sets, from the YAML file at path, every flag of fs that was not
// set on the command line.
func ApplyFile(fs *flag.FlagSet, path string, sections ...string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := Apply(fs, data, sections...); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// Apply sets the flags named in the YAML document data, except those
// already set on the command line and the keys named in sections.
func Apply(fs *flag.FlagSet, data []byte, sections ...string) error {
	var settings map[string]any
	if err := yaml.Unmarshal(data, &settings); err != nil {
		return fmt.Errorf("not a YAML mapping: %w", err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(sections, k) {
			continue
		}
		if fs.Lookup(k) == nil {
			return fmt.Errorf("%w %q", ErrUnknownKey, k)
		}
		if given[k] {
			continue
		}
		values, err := scalars(settings[k])
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		for _, v := range values {
			if err := fs.Set(k, v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return nil
}

// scalars turns a YAML value into the strings flag.Set takes.
func scalars(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, err := scalar(item)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	default:
		s, err := scalar(v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	default:
		return "", fmt.Errorf("want a string, number, boolean or list of them, got %T", v)
	}
}

// StringList is a repeatable string flag.
type StringList []string

func (l *StringList) String() string { return fmt.Sprint([]string(*l)) }

// Set appends one value.
func (l *StringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
