// Command docscan is the operator CLI for field technicians: it switches
// the lights, renders specimen documents, recognises images, and manages
// API keys and the outbox of a docscand installation.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
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
	fmt.Fprintln(w, "usage: docscan COMMAND [flags]")
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
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "docscan: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "docscan %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
