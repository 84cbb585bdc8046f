package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/api/entitle"
)

func keys(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runKeys(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestKeysAddListRevoke(t *testing.T) {
	data := t.TempDir()
	out, _, err := keys(t, "add", "-data", data, "-label", "front desk", "-end", "2099-01-01")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`api key: ([A-Za-z0-9]{48})\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated key in %q", out)
	}
	generated := m[1]

	st, err := entitle.Open(entitle.Path(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(context.Background(), generated, entitle.TechDocumentRecognition, time.Now()); err != nil {
		t.Fatalf("generated key refused: %v", err)
	}

	keyFile := filepath.Join(t.TempDir(), "key")
	given := "Efy202XKbVAWRuFUTUREFUTUREFUTUREFUTUREFUTUREFUTURE"
	if err := os.WriteFile(keyFile, []byte(given+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = keys(t, "add", "-data", data, "-key-file", keyFile, "-label", "kiosk", "-start", "2099-01-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, given) || !strings.Contains(out, "not started") {
		t.Fatalf("add printed %q", out)
	}
	if err := st.Check(context.Background(), given, entitle.TechDocumentRecognition, time.Now()); !errors.Is(err, entitle.ErrNotStarted) {
		t.Fatalf("future key: %v", err)
	}

	out, _, err = keys(t, "list", "-data", data)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, generated) || strings.Contains(out, given) {
		t.Fatalf("list printed a whole key:\n%s", out)
	}
	for _, want := range []string{"front desk", "kiosk", "Efy202…", generated[:6] + "…", "active", "not started"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	out, _, err = keys(t, "list", "-data", data, "-json")
	if err != nil || strings.Contains(out, given) || !strings.Contains(out, entitle.HashKey(given)) {
		t.Fatalf("list -json: %v\n%s", err, out)
	}

	id := entitle.HashKey(generated)[:12]
	out, _, err = keys(t, "revoke", "-data", data, id)
	if err != nil || !strings.Contains(out, "revoked "+id) {
		t.Fatalf("revoke: %v %q", err, out)
	}
	if err := st.Check(context.Background(), generated, entitle.TechDocumentRecognition, time.Now()); !errors.Is(err, entitle.ErrUnknownKey) {
		t.Fatalf("revoked key: %v", err)
	}
	if _, _, err := keys(t, "revoke", "-data", data, id); !errors.Is(err, entitle.ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
}

func TestKeysApply(t *testing.T) {
	data := t.TempDir()
	key := "ApplyKey0000000000000000000000000000000000000000000"
	upd := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(upd, []byte(`{"mode":"replace","keys":[{"key_sha256":"`+entitle.HashKey(key)+`","label":"fleet",
		"subscriptions":[{"technology":"document_recognition","active":true,"start":"2020-01-01T00:00:00Z"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := keys(t, "apply", "-data", data, upd); err != nil || !strings.Contains(out, "applied replace: 1 keys") {
		t.Fatalf("%v %q", err, out)
	}
	st, _ := entitle.Open(entitle.Path(data))
	if err := st.Check(context.Background(), key, entitle.TechDocumentRecognition, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestKeysErrors(t *testing.T) {
	data := t.TempDir()
	short := filepath.Join(t.TempDir(), "short")
	_ = os.WriteFile(short, []byte("tooshort"), 0o600)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"add", "-data", data, "-key-file", short},
		{"add", "-data", data, "-end", "next tuesday"},
		{"add", "-data", data, "-start", "2030-01-01", "-end", "2020-01-01"},
		{"add", "-data", data, "stray"},
		{"revoke", "-data", data},
		{"revoke", "-data", data, "abc"},
		{"apply", "-data", data, "/nonexistent.json"},
	} {
		if _, _, err := keys(t, args...); err == nil {
			t.Errorf("keys %q succeeded", args)
		}
	}
}
