package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docscan/docscan/sync/uplink"
)

const signCommandUsage = `usage:
  docscan sign-command -key FILE -device ID -command NAME [-args JSON] [-correlation-id ID]
  docscan sign-command -genkey -key FILE

Prints the signed payload for docscan/<ID>/cmd/<NAME>, to publish with
mosquitto_pub -q 1 -m. The device runs it only if the key's public half is
one of its -command-key values, within its time window (default ±5 min),
once. -genkey writes a new private key to FILE (mode 0600) and prints its
public key, the value for the device's -command-key.`

// runSignCommand signs MQTT commands for operators.
func runSignCommand(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign-command", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, signCommandUsage) }
	keyFile := fs.String("key", "", "`file` holding the base64 ed25519 private key (seed or full key)")
	genkey := fs.Bool("genkey", false, "write a new key to -key and print its public key")
	device := fs.String("device", "", "the device `id` the command is for")
	name := fs.String("command", "", "command `name`: scan, lights-test, keys, typedb, config, ping")
	argsJSON := fs.String("args", "", "the command's arguments as `JSON`; @FILE reads them from a file")
	corr := fs.String("correlation-id", "", "correlation `id` echoed in the reply (default: generated)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile == "" {
		fs.Usage()
		return errors.New("sign-command: -key is required")
	}
	if *genkey {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(*keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("sign-command: %w", err)
		}
		_, err = fmt.Fprintln(f, base64.StdEncoding.EncodeToString(priv.Seed()))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("sign-command: %w", err)
		}
		fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(pub))
		return nil
	}
	priv, err := readPrivateKey(*keyFile)
	if err != nil {
		return fmt.Errorf("sign-command: %w", err)
	}
	var raw json.RawMessage
	if a := *argsJSON; a != "" {
		if file, ok := strings.CutPrefix(a, "@"); ok {
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("sign-command: -args: %w", err)
			}
			a = string(b)
		}
		if !json.Valid([]byte(a)) {
			return errors.New("sign-command: -args is not JSON")
		}
		raw = json.RawMessage(a)
	}
	if *corr == "" {
		*corr = "op-" + time.Now().UTC().Format("20060102T150405.000000")
	}
	payload, err := uplink.SignCommand(priv, *device, *name, *corr, raw, time.Now())
	if err != nil {
		return fmt.Errorf("sign-command: %w", err)
	}
	fmt.Fprintln(stdout, string(payload))
	return nil
}

// readPrivateKey reads a base64 ed25519 seed (32 bytes) or private key
// (64 bytes).
func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: not base64: %w", path, err)
	case len(k) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(k), nil
	case len(k) == ed25519.PrivateKeySize:
		return ed25519.PrivateKey(k), nil
	}
	return nil, fmt.Errorf("%s: %d bytes, want an ed25519 seed (32) or private key (64)", path, len(k))
}
