package entitle

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A corrupt file is set aside and a new store started; a healthy one is
// opened as it is.
func TestOpenRecovering(t *testing.T) {
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"garbage page", bytes.Repeat([]byte{0xA5}, 4096)},
		{"short", []byte("not a database")},
		{"zeros", make([]byte, 16384)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(path); err == nil {
				t.Skip("bbolt opens this file: nothing to recover")
			}
			s, aside, err := OpenRecovering(path, now)
			if err != nil {
				t.Fatal(err)
			}
			if aside != path+".corrupt-20261205T020000Z" {
				t.Errorf("set aside as %q", aside)
			}
			if b, err := os.ReadFile(aside); err != nil || !bytes.Equal(b, tc.data) {
				t.Errorf("the corrupt file was not kept as it was: %v", err)
			}
			if keys, err := s.List(context.Background()); err != nil || len(keys) != 0 {
				t.Errorf("new store: %v keys, %v", len(keys), err)
			}
		})
	}
	path := filepath.Join(t.TempDir(), FileName)
	if _, err := Open(path); err != nil {
		t.Fatal(err)
	}
	if _, aside, err := OpenRecovering(path, now); err != nil || aside != "" {
		t.Errorf("healthy store: aside %q, %v", aside, err)
	}
}
