package main

import (
	"context"
	"errors"
	"io"
)

// runSpecimen is being built; see the issue that owns it.
func runSpecimen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
