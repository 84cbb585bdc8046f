package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docscan/docscan/sync/uplink"
)

// TestSignCommand: a key made with -genkey signs a command whose
// signature verifies under the printed public key over exactly what
// the device checks.
func TestSignCommand(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "ops.key")
	var out, errOut bytes.Buffer
	if err := runSignCommand(context.Background(), []string{"-genkey", "-key", keyFile}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	pub, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out.String()))
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("public key printed: %q", out.String())
	}
	if err := runSignCommand(context.Background(), []string{"-genkey", "-key", keyFile}, &out, &errOut); err == nil {
		t.Fatal("-genkey overwrote an existing key")
	}
	out.Reset()
	args := []string{"-key", keyFile, "-device", "kiosk-7", "-command", "config", "-args", `{ "log-level": "debug" }`, "-correlation-id", "op-9"}
	if err := runSignCommand(context.Background(), args, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	c, err := uplink.ParseCommand(uplink.TopicsFor("kiosk-7"), "docscan/kiosk-7/cmd/config", out.Bytes(), 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	if c.CorrelationID != "op-9" || string(c.Args) != `{"log-level":"debug"}` || c.Key != base64.StdEncoding.EncodeToString(pub) {
		t.Fatalf("command = %+v", c)
	}
	if err := uplink.VerifyCommand(c, "kiosk-7", []ed25519.PublicKey{pub}); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var m map[string]any
	_ = json.Unmarshal(out.Bytes(), &m)
	for _, f := range []string{"timestamp", "nonce", "signature", "device_id"} {
		if m[f] == "" || m[f] == nil {
			t.Errorf("payload lacks %s: %s", f, out.String())
		}
	}
	for _, bad := range [][]string{
		{"-key", keyFile, "-device", "kiosk-7", "-command", "config", "-args", "{"},
		{"-key", keyFile, "-device", "kiosk/7", "-command", "config"},
		{"-key", filepath.Join(dir, "missing"), "-device", "kiosk-7", "-command", "ping"},
		{"-device", "kiosk-7", "-command", "ping"},
	} {
		if err := runSignCommand(context.Background(), bad, &out, &errOut); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
