package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/api/entitle"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// -h exits 0 without an error line everywhere; misuse exits 2.
func TestHelpAndMisuseExitCodes(t *testing.T) {
	data := filepath.Join(t.TempDir(), "none")
	t.Setenv("DOCSCAN_DATA", data)
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"help"}, 0},
		{[]string{}, 2},
		{[]string{"nosuch"}, 2},
		{[]string{"lights", "-h"}, 0},
		{[]string{"lights"}, 2},
		{[]string{"lights", "-hal", "sim", "blink"}, 2},
		{[]string{"lights", "-nosuch", "off"}, 2},
		{[]string{"specimen", "-h"}, 0},
		{[]string{"specimen"}, 2},
		{[]string{"specimen", "-nosuch"}, 2},
		{[]string{"recognize", "-h"}, 0},
		{[]string{"recognize"}, 2},
		{[]string{"recognize", "-nosuch"}, 2},
		{[]string{"keys", "-h"}, 0},
		{[]string{"keys"}, 2},
		{[]string{"keys", "nosuch"}, 2},
		{[]string{"keys", "add", "-h"}, 0},
		{[]string{"keys", "add", "-end", "soon"}, 2},
		{[]string{"keys", "list", "-h"}, 0},
		{[]string{"keys", "list", "-nosuch"}, 2},
		{[]string{"keys", "revoke", "-h"}, 0},
		{[]string{"keys", "revoke"}, 2},
		{[]string{"keys", "apply", "-h"}, 0},
		{[]string{"keys", "apply"}, 2},
		{[]string{"outbox", "-h"}, 0},
		{[]string{"outbox"}, 2},
		{[]string{"outbox", "nosuch"}, 2},
		{[]string{"outbox", "ls", "-h"}, 0},
		{[]string{"outbox", "ls", "extra"}, 2},
		{[]string{"outbox", "show", "-h"}, 0},
		{[]string{"outbox", "show"}, 2},
		{[]string{"outbox", "show", "x"}, 2},
		{[]string{"outbox", "purge", "-h"}, 0},
		{[]string{"outbox", "purge", "-nosuch"}, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			all := stdout + stderr
			if tt.code == 0 && !strings.Contains(all, "usage") && !strings.Contains(all, "Usage") {
				t.Errorf("no usage shown:\n%s", all)
			}
			if tt.code == 0 && (strings.Contains(all, "help requested") || strings.Contains(all, "docscan "+tt.args[0]+":")) {
				t.Errorf("help printed as an error:\n%s", all)
			}
		})
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("help or misuse created %s", data)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"-version", "--version", "version"} {
		code, stdout, stderr := runCLI(arg)
		if code != 0 || !strings.HasPrefix(stdout, "docscan dev (") || stderr != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
}

// A read-only command creates nothing and says plainly that there is
// nothing.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var", "lib", "docscan")
	for _, args := range [][]string{
		{"keys", "list", "-data", data},
		{"keys", "list", "-json", "-data", data},
		{"outbox", "ls", "-data", data},
		{"outbox", "show", "-data", data, "1"},
	} {
		code, stdout, stderr := runCLI(args...)
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, data)
		}
		switch args[0] {
		case "keys":
			if code != 0 || !strings.Contains(stderr, "no API keys") || !strings.Contains(stderr, "does not exist") {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
			}
			if args[2] == "-json" && strings.TrimSpace(stdout) != "[]" {
				t.Errorf("%v: stdout %q, want []", args, stdout)
			}
		case "outbox":
			if code != 1 || !strings.Contains(stderr, "no outbox at") {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
			}
		}
	}
	// An existing but empty store says so too.
	if _, err := entitle.Open(entitle.Path(data)); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("keys", "list", "-data", data); code != 0 || !strings.Contains(stderr, "no API keys in") {
		t.Errorf("empty store: exit %d, stderr %q", code, stderr)
	}
}

// -end DATE covers that whole day; -start DATE begins at its midnight.
func TestKeysAddEndDateIsInclusive(t *testing.T) {
	data := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "key")
	key := strings.Repeat("k", 48)
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("keys", "add", "-data", data, "-key-file", keyFile, "-start", "2026-12-01", "-end", "2026-12-31"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := entitle.Open(entitle.Path(data))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) error {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return st.Check(context.Background(), key, entitle.TechDocumentRecognition, ts)
	}
	for _, s := range []string{"2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z", "2026-12-31T23:59:59Z"} {
		if err := at(s); err != nil {
			t.Errorf("at %s: %v, want in force", s, err)
		}
	}
	for _, s := range []string{"2026-11-30T23:59:59Z", "2027-01-01T00:00:00Z"} {
		if err := at(s); err == nil {
			t.Errorf("at %s: in force, want refused", s)
		}
	}
}
