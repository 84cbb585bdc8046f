package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docscan/docscan/api/entitle"
)

// defaultDataDir is the daemon's data directory unless DOCSCAN_DATA or
// -data say otherwise.
const defaultDataDir = "/var/lib/docscan"

// generatedKeyLength is the length of keys made by `keys add`: above the
// contract's 47, 48 base-62 characters carry about 285 bits.
const generatedKeyLength = 48

const keysUsage = `usage:
  docscan keys add    [-data DIR] [-key-file FILE] [-label TEXT] [-start TIME] [-end TIME] [-inactive] [-technology NAME] [-no-subscription]
  docscan keys list   [-data DIR] [-json]
  docscan keys revoke [-data DIR] ID|KEY
  docscan keys apply  [-data DIR] FILE    (a JSON update, as the MQTT keys command carries it)

TIME is RFC 3339 or YYYY-MM-DD (UTC). Without -key-file a key is generated
and printed once: only its SHA-256 is stored.`

// runKeys manages the entitlement store: API keys and their subscriptions.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, keysUsage)
		return usagef("keys: a subcommand is required")
	}
	switch args[0] {
	case "add":
		return keysAdd(ctx, args[1:], stdout, stderr)
	case "list", "ls":
		return keysList(ctx, args[1:], stdout, stderr)
	case "revoke", "rm":
		return keysRevoke(ctx, args[1:], stdout, stderr)
	case "apply":
		return keysApply(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, keysUsage)
		return nil
	default:
		fmt.Fprintln(stderr, keysUsage)
		return usagef("keys: unknown subcommand %q", args[0])
	}
}

func keysFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("keys "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv("DOCSCAN_DATA")
	if def == "" {
		def = defaultDataDir
	}
	data := fs.String("data", def, "the daemon's data directory (env DOCSCAN_DATA)")
	return fs, data
}

func openKeys(dataDir string) (*entitle.Store, error) {
	return entitle.Open(entitle.Path(dataDir))
}

// parseTime takes RFC 3339 or a date (UTC). A date means the whole day:
// as a start, its first instant; as an end (endOfDay), the next midnight,
// since a subscription covers [start, end).
func parseTime(s string, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usagef("time %q: want RFC 3339 or YYYY-MM-DD", s)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// generateKey returns a random key of base-62 characters.
func generateKey() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var sb strings.Builder
	limit := big.NewInt(int64(len(alphabet)))
	for sb.Len() < generatedKeyLength {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", err
		}
		sb.WriteByte(alphabet[n.Int64()])
	}
	return sb.String(), nil
}

func keysAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, data := keysFlags("add", stderr)
	keyFile := fs.String("key-file", "", "read the key from this file instead of generating one")
	label := fs.String("label", "", "who or what the key is for")
	start := fs.String("start", "", "subscription start (default now)")
	end := fs.String("end", "", "subscription end, exclusive; a date YYYY-MM-DD includes that whole day (default: never)")
	inactive := fs.Bool("inactive", false, "add the subscription switched off")
	tech := fs.String("technology", entitle.TechDocumentRecognition, "the technology subscribed to")
	noSub := fs.Bool("no-subscription", false, "add the key without a subscription")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("keys add: unexpected arguments %q (the key goes in a file: -key-file)", fs.Args())
	}
	now := time.Now().UTC()
	var subs []entitle.Subscription
	if !*noSub {
		sub := entitle.Subscription{Technology: *tech, Active: !*inactive, Start: now}
		var err error
		if *start != "" {
			if sub.Start, err = parseTime(*start, false); err != nil {
				return err
			}
		}
		if *end != "" {
			if sub.End, err = parseTime(*end, true); err != nil {
				return err
			}
		}
		subs = append(subs, sub)
	}
	generated := *keyFile == ""
	var apiKey string
	if generated {
		var err error
		if apiKey, err = generateKey(); err != nil {
			return fmt.Errorf("keys add: %w", err)
		}
	} else {
		raw, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("keys add: %w", err)
		}
		apiKey = strings.TrimSpace(string(raw))
	}
	rec, err := entitle.NewKey(apiKey, *label, now, subs...)
	if err != nil {
		return fmt.Errorf("keys add: %w", err)
	}
	st, err := openKeys(*data)
	if err != nil {
		return err
	}
	stored, err := st.Add(ctx, rec)
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stdout, "api key: %s\n", apiKey)
		fmt.Fprintln(stderr, "Keep it now: only its hash is stored.")
	}
	fmt.Fprintf(stdout, "id %s  %s  %s\n", stored.ID(), entitle.State(stored.Subscriptions, entitle.TechDocumentRecognition, now), describeSubs(stored.Subscriptions))
	return nil
}

func describeSubs(subs []entitle.Subscription) string {
	if len(subs) == 0 {
		return "no subscription"
	}
	parts := make([]string, 0, len(subs))
	for _, s := range subs {
		end := "open"
		if !s.End.IsZero() {
			end = s.End.Format(time.RFC3339)
		}
		flag := ""
		if !s.Active {
			flag = " (inactive)"
		}
		parts = append(parts, fmt.Sprintf("%s %s..%s%s", s.Technology, s.Start.Format(time.RFC3339), end, flag))
	}
	return strings.Join(parts, "; ")
}

func keysList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, data := keysFlags("list", stderr)
	asJSON := flags.Bool("json", false, "print the records as JSON (hashes, never keys)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	// Listing must not create the store (nor its directory) where there
	// is none.
	var keys []entitle.Key
	path := entitle.Path(*data)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "no API keys: %s does not exist (check -data; docscand or docscan keys add creates it)\n", path)
	} else {
		st, err := openKeys(*data)
		if err != nil {
			return err
		}
		if keys, err = st.List(ctx); err != nil {
			return err
		}
		if len(keys) == 0 {
			fmt.Fprintf(stderr, "no API keys in %s\n", path)
		}
	}
	if *asJSON {
		if keys == nil {
			keys = []entitle.Key{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(keys)
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKEY\tLABEL\tSTATE\tSUBSCRIPTIONS")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\n", k.ID(), k.Hint, k.Label,
			entitle.State(k.Subscriptions, entitle.TechDocumentRecognition, now), describeSubs(k.Subscriptions))
	}
	return tw.Flush()
}

func keysRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, data := keysFlags("revoke", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("keys revoke: give one key ID (from keys list) or the key")
	}
	st, err := openKeys(*data)
	if err != nil {
		return err
	}
	removed, err := st.Remove(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("keys revoke: %w", err)
	}
	fmt.Fprintf(stdout, "revoked %s (%s…) %s\n", removed.ID(), removed.Hint, removed.Label)
	return nil
}

func keysApply(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, data := keysFlags("apply", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("keys apply: give one JSON file")
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("keys apply: %w", err)
	}
	u, err := entitle.ParseUpdate(raw)
	if err != nil {
		return err
	}
	st, err := openKeys(*data)
	if err != nil {
		return err
	}
	if err := st.Apply(ctx, u, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %s: %d keys, %d revoked\n", u.Mode, len(u.Keys), len(u.Revoke))
	return nil
}
