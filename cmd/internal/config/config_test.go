package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

type settings struct {
	listen  string
	keys    StringList
	verbose bool
	period  time.Duration
	workers int
	config  string
}

func newFlags() (*flag.FlagSet, *settings) {
	s := &settings{}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.config, "config", "", "")
	fs.StringVar(&s.listen, "listen", "127.0.0.1:8080", "")
	fs.Var(&s.keys, "api-key", "")
	fs.BoolVar(&s.verbose, "verbose", false, "")
	fs.DurationVar(&s.period, "period", time.Second, "")
	fs.IntVar(&s.workers, "workers", 1, "")
	return fs, s
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "listen: 0.0.0.0:9000\napi-key: [k1, k2]\nverbose: true\nperiod: 5s\nworkers: 3\n")
	tests := []struct {
		name    string
		args    []string
		want    settings
		wantErr error
	}{
		{"no file", []string{"-listen", ":1"}, settings{listen: ":1", period: time.Second, workers: 1}, nil},
		{"file fills", []string{"-config", good}, settings{listen: "0.0.0.0:9000", keys: StringList{"k1", "k2"}, verbose: true, period: 5 * time.Second, workers: 3}, nil},
		{"flag wins", []string{"-config", good, "-listen", ":2", "-api-key", "k9"}, settings{listen: ":2", keys: StringList{"k9"}, verbose: true, period: 5 * time.Second, workers: 3}, nil},
		{"section skipped", []string{"-config", write("sec.yaml", "listen: ':3'\nboard:\n  leds: {uv: GPIO5}\n")}, settings{listen: ":3", period: time.Second, workers: 1}, nil},
		{"unknown key", []string{"-config", write("bad.yaml", "lisen: x\n")}, settings{}, ErrUnknownKey},
		{"not a mapping", []string{"-config", write("list.yaml", "- a\n- b\n")}, settings{}, nil},
		{"bad value", []string{"-config", write("val.yaml", "workers: many\n")}, settings{}, nil},
		{"nested", []string{"-config", write("nest.yaml", "listen: {a: b}\n")}, settings{}, nil},
		{"missing file", []string{"-config", filepath.Join(dir, "none.yaml")}, settings{}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, got := newFlags()
			err := Parse(fs, tt.args, "config", "board")
			got.config = "" // the path differs per case
			wantFail := tt.wantErr != nil || tt.want.listen == ""
			if wantFail {
				if err == nil {
					t.Fatalf("Parse succeeded, want an error")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}
