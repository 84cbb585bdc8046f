package main

import (
	"context"
	"errors"
	"io"
)

// runOutbox is being built; see the issue that owns it.
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
