package main

import (
	"context"
	"errors"
	"io"
)

// runKeys is being built; see the issue that owns it.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
