// Command docscan is the operator CLI for field technicians: it switches
// the lights, renders specimen documents, recognises images, and manages
// API keys and the outbox of a docscand installation.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/docscan/docscan/cmd/internal/version"
	"github.com/docscan/docscan/pipeline/ocr"
)

// command is one subcommand; args excludes the subcommand's own name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"lights":       {"switch the LEDs: lights off | on CHANNEL | test", runLights},
		"specimen":     {"render a specimen document's white, IR and UV layers", runSpecimen},
		"recognize":    {"recognise document images and print the API's JSON", runRecognize},
		"keys":         {"manage API keys and subscriptions: keys add | list | revoke", runKeys},
		"outbox":       {"inspect the outbox: outbox ls | show SEQ | purge", runOutbox},
		"sign-command": {"sign an MQTT command for a device (or -genkey a signing key)", runSignCommand},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: docscan COMMAND [flags]    (docscan COMMAND -h for its flags; docscan -version)")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

func main() {
	// recognize reads with Tesseract, about ten times slower without
	// OMP_THREAD_LIMIT=1, which OpenMP reads only as the library loads
	if err := ocr.RestartThreadLimited(); err != nil {
		fmt.Fprintln(os.Stderr, "docscan:", err)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses: 0 done (and on -h), 1 the command failed, 2 misuse.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is a misuse of the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// parseFlags parses args: -h gives flag.ErrHelp (exit 0, the flag package
// has printed the usage), a bad flag a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "docscan", version.String())
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "docscan: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "docscan %s: %v\n", args[0], err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "docscan %s: %v\n", args[0], err)
	return exitFail
}
