package main

import (
	"context"
	"errors"
	"io"
)

// runRecognize is being built; see the issue that owns it.
func runRecognize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
