package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Keys come from -api-key, -api-key-file and $DOCSCAN_API_KEYS together,
// so they need not stand on the command line; a missing or empty file is
// refused.
func TestAPIKeysFromFileAndEnv(t *testing.T) {
	k := func(c string) string { return strings.Repeat(c, 47) }
	dir := t.TempDir()
	file := filepath.Join(dir, "keys")
	if err := os.WriteFile(file, []byte("# the terminal's keys\n"+k("a")+"\n\n  "+k("b")+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCSCAN_API_KEYS", k("c")+","+k("d"))
	s, err := parseSettings([]string{"-api-key", k("e"), "-api-key-file", file}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{k("e"), k("a"), k("b"), k("c"), k("d")}
	if !slices.Equal(s.apiKeys, want) {
		t.Errorf("keys %q, want %q", s.apiKeys, want)
	}
	t.Setenv("DOCSCAN_API_KEYS", "")
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# none yet\n"), 0o600)
	for _, bad := range []string{filepath.Join(dir, "missing"), empty} {
		if _, err := parseSettings([]string{"-api-key-file", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "-api-key-file") {
			t.Errorf("-api-key-file %s: %v", bad, err)
		}
	}
}
